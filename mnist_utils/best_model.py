"""The best recipe of chapter 13: its members, and the combinations chosen on validation.

Chapter 13 trains one recipe (batchnorm, augmentation, AdamW under a one-cycle
schedule, label smoothing) with several seeds:

* :class:`Recipe` holds its settings and :func:`train_member` trains one member from
  scratch; :func:`train_members` trains, saves and records one per seed, and
  :func:`member_table`, :func:`member_figures` and :func:`plot_member_curves` show
  them;
* :func:`combinations` lists what can be averaged (the first model, an ensemble of
  all, each with or without test-time augmentation, from :mod:`mnist_utils.ensembles`);
  the chapter chooses one on the validation split and :func:`combination_table`,
  :func:`chosen_figures` and :func:`record_combination` report it on the test set;
* :data:`BEST_GOAL` is the chapter's goal for one model and for the combination.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import ensembles, metrics
from .checks import is_whole_number

__all__ = [
    "ARTICLE_000_CLAIM",
    "BEST_GOAL",
    "BestGoal",
    "Combination",
    "Member",
    "Recipe",
    "chosen_figures",
    "combination_table",
    "combinations",
    "member_figures",
    "member_table",
    "plot_member_curves",
    "record_combination",
    "train_member",
    "train_members",
]

#: Article 000's claimed test accuracy (chapter 5), quoted beside the best model.
ARTICLE_000_CLAIM = 0.9941

#: The name the results record gives every member.
MEMBER_MODEL = "best (BN + augmentation)"


def _at_least(value: float, goal: float) -> bool:
    # a figure equal to the goal meets it, whatever the last bits of its arithmetic;
    # NaN never does
    return not math.isnan(value) and round(value, 9) >= round(goal, 9)


@dataclass(frozen=True)
class BestGoal:
    """Chapter 13's goals, fixed before the runs.

    One model: the mean over the members' seeds of the final-epoch test accuracy is
    at least ``single``, and the longest member trained for at most ``minutes``
    minutes. The combination chosen on the validation split (an ensemble and/or
    test-time augmentation) reaches at least ``ensemble`` test accuracy. Accuracies
    are fractions; a figure equal to the goal meets it, and NaN never does."""

    single: float = 0.997
    minutes: float = 10.0
    ensemble: float = 0.9975

    def single_met(self, figures: dict) -> bool:
        """Whether the members quoted by :func:`member_figures` meet the goal for one
        model (mean accuracy and longest training time)."""
        mean = figures["member_mean_pct"] / 100
        longest = figures["member_max_minutes"]
        in_time = not math.isnan(longest) and longest <= self.minutes
        return bool(_at_least(mean, self.single) and in_time)

    def ensemble_met(self, chosen_accuracy: float) -> bool:
        """Whether the chosen combination's test accuracy (a fraction) meets the goal."""
        return bool(_at_least(float(chosen_accuracy), self.ensemble))


#: The goals of chapter 13 (see :class:`BestGoal`).
BEST_GOAL = BestGoal()


@dataclass(frozen=True)
class Recipe:
    """The best recipe's settings (chapter 13): the network ``spec`` (a
    :class:`mnist_utils.models.CNNSpec`), the epochs, AdamW's peak learning rate
    and weight decay under a one-cycle schedule that warms up for ``warmup`` of the
    steps, label smoothing, and the augmentation's largest rotation (degrees),
    shift (pixels) and zoom (a fraction of the size)."""

    spec: Any
    epochs: int = 8
    lr: float = 3e-3
    label_smoothing: float = 0.1
    rotation: float = 10.0
    shift: float = 2.0
    zoom: float = 0.1
    weight_decay: float = 1e-4
    batch_size: int = 128
    warmup: float = 0.2

    def __post_init__(self):
        from .augment import check_ranges

        if not is_whole_number(self.epochs) or self.epochs < 1:
            raise ValueError(f"epochs must be a whole number >= 1, got {self.epochs!r}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr!r}")
        if not 0 <= self.label_smoothing < 1:
            raise ValueError(f"label_smoothing must be in [0, 1), got {self.label_smoothing!r}")
        check_ranges(self.rotation, self.shift, self.zoom)

    def steps(self, n_images: int) -> int:
        """The training steps of one member on ``n_images``: ``epochs`` passes in whole
        batches (the last partial batch of a pass is dropped)."""
        return self.epochs * (n_images // self.batch_size)

    def optimizer(self, parameters):
        """The recipe's optimizer: AdamW at ``lr`` with ``weight_decay``."""
        import torch

        return torch.optim.AdamW(parameters, lr=self.lr, weight_decay=self.weight_decay)

    def schedule(self, optimizer, steps: int):
        """The recipe's one-cycle schedule over ``steps`` batches: a warm-up to ``lr``
        over the first ``warmup`` of them, then annealing to almost zero (PyTorch's
        ``OneCycleLR``, which also cycles AdamW's first beta)."""
        import torch

        return torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=self.lr, total_steps=steps, pct_start=self.warmup
        )

    def config(self) -> dict:
        """The settings that make two members comparable, for the results record."""
        return {
            "part": "best",
            "epochs": self.epochs,
            "lr": self.lr,
            "label_smoothing": self.label_smoothing,
            "augment": f"rot{self.rotation:g}-shift{self.shift:g}-zoom{self.zoom:g}",
        }


def train_member(recipe: Recipe, data, seed: int, *, device=None):
    """One member of chapter 13's best recipe, trained from scratch with ``seed`` on
    ``data`` (a :class:`mnist_utils.studies.StudyData`); returns the model and its
    history (validation accuracy after every epoch)."""
    import torch

    from . import augment, models, training
    from .runtime import seed_everything, torch_device

    seed_everything(seed, frameworks=("torch",))
    model = models.torch_model(recipe.spec)
    batches = augment.AugmentedBatches(
        training.TensorBatches(
            data.train_images,
            data.train_labels,
            batch_size=recipe.batch_size,
            shuffle=True,
            seed=seed,
            drop_last=True,
        ),
        rotation=recipe.rotation,
        shift=recipe.shift,
        zoom=recipe.zoom,
        seed=seed,
    )
    optimizer = recipe.optimizer(model.parameters())
    scheduler = recipe.schedule(optimizer, recipe.epochs * len(batches))
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing)
    # fit trains in the channels_last layout, faster for CPU convolutions
    history = training.fit(
        model,
        batches,
        data.val_batches,
        optimizer,
        epochs=recipe.epochs,
        device=device or torch_device(),
        loss_fn=loss_fn,
        scheduler=scheduler,
        scheduler_step="batch",
        progress=False,
    )
    return model, history


@dataclass
class Member:
    """One trained member: its seed, model, history, final-epoch test accuracy and
    training seconds."""

    seed: int
    model: Any
    history: dict
    test_accuracy: float
    seconds: float

    @property
    def val_accuracy(self) -> float:
        """The validation accuracy after the last epoch."""
        return self.history["val_accuracy"][-1]


def train_members(run, recipe: Recipe, data, seeds, *, device=None) -> list[Member]:
    """:func:`train_member` for each seed (chapter 13): each model is evaluated on
    the test set after its last epoch, saved as ``runs/models/13_best_seed<seed>.pt``
    and recorded with ``run.record``; a line per member is printed."""
    import torch

    from .models import count_params
    from .runtime import torch_device
    from .training import predict_logits

    device = device or torch_device()
    members = []
    for seed in seeds:
        print(f"--- member with seed {seed}", flush=True)
        model, history = train_member(recipe, data, seed, device=device)
        seconds = float(sum(history["seconds"]))
        logits = predict_logits(model, data.test_batches.images, device)
        test_accuracy = metrics.accuracy(data.test_batches.labels.numpy(), logits)
        torch.save(model.state_dict(), run.model_path(f"13_best_seed{seed}.pt"))
        members.append(Member(seed, model, history, test_accuracy, seconds))
        run.record(
            model=MEMBER_MODEL,
            framework="torch",
            seed=seed,
            test_accuracy=test_accuracy,
            config={**recipe.config(), "n_train": len(data.train_labels)},
            train_seconds=seconds,
            params=count_params(recipe.spec),
            n_test=len(data.test_batches.labels),
            val_accuracy=members[-1].val_accuracy,
        )
        print(
            f"seed {seed}: final epoch val {members[-1].val_accuracy:.4f}, "
            f"test {test_accuracy:.4f}, {seconds / 60:.1f} min",
            flush=True,
        )
    return members


def member_table(members):
    """A row per member: validation and test accuracy after the last epoch (as
    texts in %) and the training minutes, indexed by seed."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "seed": m.seed,
                "validation accuracy": f"{100 * m.val_accuracy:.2f}%",
                "test accuracy": f"{100 * m.test_accuracy:.2f}%",
                "minutes": round(m.seconds / 60, 1),
            }
            for m in members
        ]
    ).set_index("seed")


def member_figures(members) -> dict:
    """The members' figures for chapter 13's prose: final-epoch test accuracy in %
    (mean, sample standard deviation (0 for one member), lowest, highest), mean
    validation accuracy in %, mean and longest training minutes, the number of
    members, and the mean's difference in points from article 000's claim."""
    if not members:
        raise ValueError("member_figures needs at least one member")
    test = 100 * np.array([m.test_accuracy for m in members])
    minutes = np.array([m.seconds for m in members]) / 60
    return {
        "member_mean_pct": float(test.mean()),
        "member_std_pct": float(test.std(ddof=1)) if len(test) > 1 else 0.0,
        "member_min_pct": float(test.min()),
        "member_max_pct": float(test.max()),
        "member_val_mean_pct": 100 * float(np.mean([m.val_accuracy for m in members])),
        "member_minutes": float(minutes.mean()),
        "member_max_minutes": float(minutes.max()),
        "n_members": len(members),
        "member_vs_article_points": float(test.mean()) - 100 * ARTICLE_000_CLAIM,
    }


def plot_member_curves(members):
    """Validation accuracy after every epoch, a line per member (chapter 13)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.2))
    for m in members:
        accuracy = 100 * np.array(m.history["val_accuracy"])
        ax.plot(range(1, len(accuracy) + 1), accuracy, "-o", ms=3, label=f"seed {m.seed}")
    ax.set(
        xlabel="epoch",
        ylabel="validation accuracy (%)",
        title="The best recipe, epoch by epoch (validation split)",
    )
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


# ------------------------------------------------------------------ combinations


@dataclass(frozen=True)
class Combination:
    """Models whose softmax outputs are averaged, each over the image shifted by
    every ``(dx, dy)`` of ``shifts`` (``((0, 0),)``: no test-time augmentation)."""

    models: tuple
    shifts: tuple = ((0, 0),)

    def probabilities(self, images, device=None):
        """The averaged ``(N, 10)`` probabilities for a tensor of images."""
        return ensembles.ensemble_probabilities(self.models, images, device, self.shifts)


def combinations(models) -> dict[str, Combination]:
    """Chapter 13's candidates, by name: the first model alone and with test-time
    augmentation (:data:`mnist_utils.ensembles.TTA_SHIFTS`), and with two or more
    models the ensemble of all of them, without and with it."""
    models = tuple(models)
    if not models:
        raise ValueError("combinations needs at least one model")
    options = {
        "first model": Combination(models[:1]),
        "first model + TTA": Combination(models[:1], ensembles.TTA_SHIFTS),
    }
    if len(models) > 1:
        options[f"ensemble of {len(models)}"] = Combination(models)
        options[f"ensemble of {len(models)} + TTA"] = Combination(models, ensembles.TTA_SHIFTS)
    return options


def combination_table(val_accuracy: dict, test_probabilities: dict, y_test, choice: str):
    """A row per combination: its validation accuracy (what chose), its test
    accuracy (reported afterwards), as texts in %, and a mark on ``choice``."""
    import pandas as pd

    if choice not in val_accuracy:
        raise KeyError(f"{choice!r} is not one of the combinations: {list(val_accuracy)}")
    return pd.DataFrame(
        [
            {
                "combination": name,
                "validation accuracy": f"{100 * val_accuracy[name]:.2f}%",
                "test accuracy": f"{100 * metrics.accuracy(y_test, test_probabilities[name]):.2f}%",
                "chosen": "◀ chosen" if name == choice else "",
            }
            for name in val_accuracy
        ]
    ).set_index("combination")


def chosen_figures(chosen_probabilities, first_probabilities, y_test) -> dict:
    """The chosen combination's figures for chapter 13's prose: its test accuracy
    in %, errors and 95% interval (Wilson, in %), the test images it and the first
    model alone get right, the difference (positive: the combination gets more
    right) and the number of test images."""
    y_test = np.asarray(y_test)
    right = int(np.sum(np.argmax(chosen_probabilities, 1) == y_test))
    first_right = int(np.sum(np.argmax(first_probabilities, 1) == y_test))
    low, high = metrics.accuracy_interval(right, len(y_test))
    return {
        "chosen_pct": 100 * right / len(y_test),
        "chosen_errors": len(y_test) - right,
        "chosen_low_pct": 100 * low,
        "chosen_high_pct": 100 * high,
        "chosen_right": right,
        "first_right": first_right,
        "gain_images": right - first_right,
        "n_test": len(y_test),
    }


def record_combination(
    run,
    choice: str,
    test_accuracy: float,
    members: list[Member],
    recipe: Recipe,
    *,
    n_train: int,
    n_test: int,
):
    """Record the combination chosen on validation (chapter 13): its training time
    is every member's, its parameters the members' together."""
    from .models import count_params

    return run.record(
        model=f"best: {choice}",
        framework="torch",
        test_accuracy=test_accuracy,
        config={
            "part": "ensemble",
            "members": len(members),
            "epochs": recipe.epochs,
            "n_train": n_train,
        },
        train_seconds=float(sum(m.seconds for m in members)),
        params=count_params(recipe.spec) * len(members),
        n_test=n_test,
    )
