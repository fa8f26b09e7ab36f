"""Study chapters: running a grid of configurations and summarising its runs
(chapters 8-11).

A study chapter shows only what varies between its runs: a function that builds the
model, optimizer and batches of one configuration. :func:`run_study` does the rest
for every configuration and seed of the grid: seeding, training, timing, evaluating
on the test set, recording the run and printing one line of progress::

    def build(config, seed):
        model = models.torch_model("article000", activation=config["activation"])
        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
        return studies.Trial(model, optimizer, data.train_batches(seed))

    study = studies.run_study(run, [{"activation": a} for a in activations], build,
                              seeds=run.seeds(REPEATS), epochs=epochs, data=data,
                              settings=SETTINGS)

The comparison then reads the record back (``run.recorded(**SETTINGS)``), so runs
made by a sweep (``python -m mnist_utils.sweep``) show up in the same table.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "StudyData",
    "StudyRun",
    "Trial",
    "mean_std",
    "matching",
    "run_study",
    "summarize",
]


def matching(frame, **settings):
    """The rows of a results frame (:func:`mnist_utils.results.load_results`) whose
    ``config.<key>`` equals each setting, e.g. ``matching(df, epochs=5)``: runs made
    with other settings are not comparable and are left out."""
    if frame is None or len(frame) == 0:
        return frame
    mask = None
    for key, value in settings.items():
        column = f"config.{key}"
        if column not in frame:
            return frame.iloc[0:0]
        hit = frame[column] == value
        mask = hit if mask is None else mask & hit
    return frame if mask is None else frame[mask]


def summarize(frame, by, *, metrics=("test_accuracy",)):
    """Mean, standard deviation and number of seeds of each metric per group.

    ``by`` names the columns that define a configuration (for instance
    ``["config.activation"]``). The standard deviation is the sample one (``ddof=1``)
    and is missing (NaN) for a group with a single run.
    """
    import pandas as pd

    by = [by] if isinstance(by, str) else list(by)
    if frame is None or len(frame) == 0:
        return pd.DataFrame(columns=[*by, "runs"])
    missing = [c for c in [*by, *metrics] if c not in frame]
    if missing:
        raise KeyError(
            f"the results have no column(s) {missing}; they have: {', '.join(frame.columns)}"
        )
    grouped = frame.groupby(by, sort=False)
    table = grouped.size().rename("runs").to_frame()
    for metric in metrics:
        table[f"{metric}_mean"] = grouped[metric].mean()
        table[f"{metric}_std"] = grouped[metric].std(ddof=1)
    return table.reset_index()


def mean_std(table, metric: str, *, scale: float = 1.0, digits: int = 2) -> list[str]:
    """``"mean ± std"`` texts of one metric of a :func:`summarize` table (only the
    mean where a configuration has a single run), for display in a table."""
    texts = []
    for mean, std in zip(table[f"{metric}_mean"], table[f"{metric}_std"]):
        if std is None or not math.isfinite(std):
            texts.append(f"{scale * mean:.{digits}f}")
        else:
            texts.append(f"{scale * mean:.{digits}f} ± {scale * std:.{digits}f}")
    return texts


@dataclass
class StudyData:
    """The tensors a study trains and evaluates on (chapters 8-11): the training
    images and labels, and batches of the validation and test sets."""

    train_images: Any
    train_labels: Any
    val_batches: Any
    test_batches: Any
    batch_size: int = 128

    @classmethod
    def from_splits(cls, splits, *, batch_size: int = 128, eval_batch_size: int = 1000):
        """Tensors of a :func:`mnist_utils.data.load_splits` result."""
        from . import training

        images, labels = training.to_tensors(splits.x_fit, splits.y_fit)
        val = training.TensorBatches(
            *training.to_tensors(splits.x_val, splits.y_val), batch_size=eval_batch_size
        )
        test = training.TensorBatches(
            *training.to_tensors(splits.x_test, splits.y_test), batch_size=eval_batch_size
        )
        return cls(images, labels, val, test, batch_size)

    def train_batches(self, seed: int, *, n: int | None = None, batch_size: int | None = None):
        """Shuffled training batches (the first ``n`` images), in an order drawn
        from ``seed``."""
        from . import training

        end = len(self.train_images) if n is None else n
        return training.TensorBatches(
            self.train_images[:end],
            self.train_labels[:end],
            batch_size=batch_size or self.batch_size,
            shuffle=True,
            seed=seed,
        )

    def val_accuracy(self, model, device=None) -> float:
        """The model's accuracy on the validation batches (chapter 9 measures it
        before training, the start of its learning curves)."""
        import torch

        from . import training
        from .runtime import torch_device

        device = device or torch_device()
        model.to(device)
        return training.evaluate(model, self.val_batches, torch.nn.CrossEntropyLoss(), device)[1]


@dataclass
class Trial:
    """What a study's build function returns for one configuration and seed: the
    model, its optimizer and training batches, and optionally a scheduler, early
    stopping's patience, a number of epochs of its own, and figures measured before
    training (recorded with the run when they are numbers)."""

    model: Any
    optimizer: Any
    batches: Any
    scheduler: Any = None
    patience: int | None = None
    epochs: int | None = None
    measured: dict = field(default_factory=dict)


@dataclass
class StudyRun:
    """One finished run of a study: its configuration, seed, training history, test
    accuracy, training seconds, the trained model and what was measured on it."""

    config: dict
    seed: int
    history: dict
    test_accuracy: float
    seconds: float
    model: Any
    measured: dict


class Study(list):
    """The runs of one :func:`run_study` call (a list of :class:`StudyRun`), with the
    wall-clock ``seconds`` they took in all."""

    seconds: float = 0.0

    def get(self, seed=None, **config):
        """The run whose configuration has these values (and this seed), or None."""
        for one in self:
            if all(one.config.get(k) == v for k, v in config.items()) and (
                seed is None or one.seed == seed
            ):
                return one
        return None


def run_study(
    run,
    grid,
    build: Callable,
    *,
    seeds,
    epochs: int,
    data: StudyData,
    settings: dict | None = None,
    model_name: str | Callable | None = None,
    measure: Callable | None = None,
    on_epoch: Callable | None = None,
    device=None,
    framework: str = "torch",
    progress: bool = True,
    label: str | list | None = None,
) -> Study:
    """Train, time, evaluate and record every configuration of ``grid`` for every seed.

    ``grid`` is a list of dicts (one configuration each); ``build(config, seed)``
    returns a :class:`Trial`. Each run is seeded with its seed before ``build`` is
    called, trained with :func:`mnist_utils.training.fit` for ``trial.epochs`` or
    ``epochs``, evaluated on ``data.test_batches`` and recorded with ``run.record``
    under the configuration merged into ``settings`` (every setting that makes runs
    comparable). ``measure(model, config, seed, history)`` may return more figures
    to keep (numbers among them are recorded); ``on_epoch(config, seed, epoch,
    model, history)`` is called after each epoch, and what it returns (a dict, or
    None) is kept the same way (chapter 9's gradients after epoch 1). ``model_name``
    names the recorded model: a text, a function of the configuration, or
    ``settings["model"]``.
    One line per run is printed when ``progress`` is true; it names the run by the
    configuration keys in ``label`` (a key or a list of keys), by default every key
    that varies across the grid (chapter 11 names its runs by ``"method"`` alone).
    """
    import torch

    from . import training
    from .runtime import seed_everything, torch_device

    device = device or torch_device()
    settings = dict(settings or {})
    grid = [dict(config) for config in grid]
    varying = (
        [
            key
            for key in dict.fromkeys(k for c in grid for k in c)
            if len({repr(c.get(key)) for c in grid}) > 1
        ]
        or list(grid[0])
        if grid
        else []
    )
    if label is not None:
        varying = [label] if isinstance(label, str) else list(label)
    loss_fn = torch.nn.CrossEntropyLoss()
    study, start = Study(), time.perf_counter()
    for config in grid:
        for seed in seeds:
            seed_everything(seed, frameworks=(framework,))
            trial = build(config, seed)
            callback, during = None, {}
            if on_epoch is not None:

                def callback(epoch, model, history, config=config, seed=seed, during=during):
                    during.update(on_epoch(config, seed, epoch, model, history) or {})

            history = training.fit(
                trial.model,
                trial.batches,
                data.val_batches,
                trial.optimizer,
                epochs=trial.epochs or epochs,
                device=device,
                scheduler=trial.scheduler,
                patience=trial.patience,
                progress=False,
                verbose=False,
                on_epoch=callback,
            )
            _, test_accuracy = training.evaluate(trial.model, data.test_batches, loss_fn, device)
            measured = {**trial.measured, **during}
            if measure is not None:
                measured.update(measure(trial.model, config, seed, history) or {})
            seconds = float(sum(history["seconds"]))
            name = (
                model_name(config)
                if callable(model_name)
                else model_name or settings.get("model") or config.get("model")
            )
            numbers = {
                k: v
                for k, v in measured.items()
                if isinstance(v, (int, float)) and not isinstance(v, bool)
            }
            metrics = {
                "train_seconds": seconds,
                "seconds_per_epoch": seconds / len(history["seconds"]),
                "val_accuracy": history["val_accuracy"][-1],
                "epochs_run": len(history["loss"]),
                # the network's size: every weight, frozen ones too (count_parameters
                # counts only the trainable ones, which fine-tuning records itself)
                "params": sum(p.numel() for p in trial.model.parameters()),
                **numbers,
            }
            run.record(
                model=name,
                framework=framework,
                seed=seed,
                test_accuracy=test_accuracy,
                config={**settings, **config},
                **metrics,
            )
            study.append(
                StudyRun(config, seed, history, test_accuracy, seconds, trial.model, measured)
            )
            if progress:
                named = "  ".join(f"{key} {config.get(key)}" for key in varying)
                print(
                    f"{named}  seed {seed}: epochs {len(history['loss'])}, "
                    f"{seconds:5.1f} s  val {history['val_accuracy'][-1]:.4f}  "
                    f"test {test_accuracy:.4f}"
                )
    study.seconds = time.perf_counter() - start
    if progress:
        print(f"runs: {len(study)}, {study.seconds / 60:.1f} minutes in all")
    return study
