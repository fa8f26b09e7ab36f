"""Racing to 99% and squeezing out the last errors (chapter 12).

The book's recipe races public recipes to 99% test accuracy from a cold start, each
timed from the first line of its function (building the data pipeline and the model
included) to the end of the evaluation that first shows at least ``target``:

* :func:`book_recipe`, the book's fastest: :func:`fast_net` (the image cropped to
  24 x 24, a strided first convolution, batchnorm, 29,178 parameters), 0.9 of an
  epoch of Adam under a one-cycle learning rate with label smoothing, in bfloat16
  where the processor has it, in-memory batches;
* the public recipes of :mod:`mnist_utils.peer_recipes` (tuomaso/train_mnist_fast,
  pytorch/examples, keras.io), named by :data:`PEER_RECIPES`.

Each returns a :class:`RaceResult`; :func:`race` runs the book's recipe and
tuomaso's interleaved over several seeds and the other peers after them;
:func:`race_summary` gives a row per recipe and :func:`race_table` a row per run
(:func:`record_race`, :func:`race_figures` and :func:`plot_race` record, quote and
draw them); :data:`RACE_GOAL` is the chapter's goal for the race.
:func:`ablation` runs the book's recipe with one choice changed at a time.
(Test-time augmentation and ensembles, for the best model, are in
:mod:`mnist_utils.ensembles`.)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from . import metrics, peer_recipes
from .checks import is_whole_number

__all__ = [
    "RACE_GOAL",
    "RaceGoal",
    "RaceResult",
    "book_optimizer",
    "book_recipe",
    "book_schedule",
    "book_steps",
    "fast_net",
    "native_bfloat16",
    "PRECISIONS",
    "is_book",
    "race",
    "race_figures",
    "race_summary",
    "race_table",
    "record_race",
    "plot_race",
    "pooled_fast_net",
    "ablation",
    "PEER_RECIPES",
]

#: The public recipes :func:`race` can run beside the book's, by key (see
#: :data:`mnist_utils.peer_recipes.PEER_NAMES`): tuomaso's runs with every seed,
#: the others once.
PEER_RECIPES = tuple(peer_recipes.PEER_NAMES)


@dataclass(frozen=True)
class RaceGoal:
    """Chapter 12's goal for the race, fixed before the runs.

    The book's recipe reaches the target on at least ``reached`` of ``runs`` seeds,
    and its median time is at most ``time_ratio`` times the median time of
    tuomaso/train_mnist_fast's recipe, both measured in the same race. The goal is a
    ratio because seconds differ from one machine to the next, while two recipes
    raced on one machine in turn share its speed and its load. A race with another
    number of seeds is held to the same share of seeds (:meth:`met`)."""

    reached: int = 9
    runs: int = 10
    time_ratio: float = 0.5

    def met(self, figures: dict) -> bool:
        """Whether the race quoted by :func:`race_figures` meets the goal (never when
        tuomaso's recipe did not run)."""
        share = figures["fast_reached"] * self.runs >= self.reached * figures["fast_runs"]
        ratio = figures["book_over_tuomaso"]
        return bool(share and not math.isnan(ratio) and ratio <= self.time_ratio)


#: The goal of chapter 12's race (see :class:`RaceGoal`).
RACE_GOAL = RaceGoal()


@dataclass
class RaceResult:
    """One recipe's race to ``target`` test accuracy.

    ``seconds`` runs from the start of the recipe to the end of the evaluation that
    first reached ``target`` (or to the end of the last epoch when none did);
    ``history`` holds ``(epoch, seconds so far, test accuracy)`` after each
    evaluation; ``params`` is the network's number of trainable parameters."""

    recipe: str
    target: float
    seconds: float
    epochs: float
    accuracy: float
    reached: bool
    train_images: int
    history: list[tuple[int, float, float]] = field(default_factory=list)
    params: int | None = None
    #: the seed the recipe ran with
    seed: int | None = None
    #: the trained network, when the recipe hands it back (``book_recipe`` does)
    model: object = field(default=None, repr=False, compare=False)
    #: the arithmetic of the forward pass, when the recipe chooses it (``book_recipe``)
    precision: str = "float32"

    @classmethod
    def evaluated_once(
        cls, recipe: str, target: float, seconds: float, epochs, accuracy: float, **fields
    ) -> RaceResult:
        """The result of a fixed schedule evaluated once, at its end (the book's recipe,
        tuomaso's): it reached ``target`` or not, and its history is that one point."""
        return cls(
            recipe,
            target,
            seconds,
            epochs,
            accuracy,
            accuracy >= target,
            history=[(epochs, seconds, accuracy)],
            **fields,
        )

    def summary(self) -> str:
        verdict = (
            f"reached {self.target:.1%} (epochs trained: {self.epochs:g})"
            if self.reached
            else f"did not reach {self.target:.1%} (epochs trained: {self.epochs:g})"
        )
        return f"{self.recipe:<24s} {self.seconds:7.1f} s  test {self.accuracy:.2%}  {verdict}"


def _check_race(target: float, max_epochs: int) -> None:
    if not 0 < target <= 1:
        raise ValueError(f"target is a test accuracy in (0, 1], got {target!r}")
    if not is_whole_number(max_epochs) or max_epochs < 1:
        raise ValueError(f"the number of epochs must be a whole number >= 1, got {max_epochs!r}")


def _check_limit(name: str, limit) -> None:
    if limit is not None and (not is_whole_number(limit) or limit < 1):
        raise ValueError(f"{name} must be None (all images) or a whole number >= 1, got {limit!r}")


# ------------------------------------------------------------ the book's recipe


def fast_net(widths: tuple[int, int, int] = (16, 32, 64), crop: int = 2):
    """The small network of the book's time-to-99% recipe (PyTorch, logits out).

    It takes the usual normalised ``(N, 1, 28, 28)`` input. ``crop`` first removes
    that many pixels from every side: MNIST centres each digit in a 20 x 20 box, so
    the outer two pixels are nearly always background, and ``crop=2`` (the default)
    makes every layer 27% cheaper; chapter 12's ablation measures what the full
    image (``crop=0``) costs and changes. The first convolution has stride 2, which
    halves the image without a separate pooling layer and without computing the
    full-size feature map a pool would throw three quarters of away; two more
    conv + pool blocks follow, then one linear layer. Every convolution is followed
    by batchnorm (so it needs no bias) and ReLU; where a max-pool follows, it comes
    before the ReLU, which computes the same values with a quarter of the ReLUs
    (chapter 6). With ``crop`` 0 or 2 the network ends on the same 64 x 3 x 3 map
    (29,178 parameters either way).
    """
    from collections import OrderedDict

    from torch import nn

    if not 0 <= crop <= 6:
        raise ValueError(f"crop must be 0-6 pixels per side, got {crop!r}")
    if len(widths) != 3 or any(w < 1 for w in widths):
        raise ValueError(f"widths must be three positive channel counts, got {widths!r}")
    size = 28 - 2 * crop
    size = (size - 1) // 2 + 1  # stride-2 convolution, padding 1
    size = size // 2 // 2  # two 2 x 2 max-pools
    # negative padding removes pixels; with crop 0 there is no layer to print
    layers = [("crop", nn.ZeroPad2d(-crop))] if crop else []
    channels = 1
    for i, width in enumerate(widths, start=1):
        layers.append(
            (
                f"conv{i}",
                nn.Conv2d(channels, width, 3, stride=2 if i == 1 else 1, padding=1, bias=False),
            )
        )
        # PyTorch's default momentum (0.1): the running statistics must keep up
        # with weights that change fast in a one-epoch run
        layers.append((f"bn{i}", nn.BatchNorm2d(width)))
        if i > 1:
            layers.append((f"pool{i}", nn.MaxPool2d(2)))
        layers.append((f"act{i}", nn.ReLU()))
        channels = width
    layers += [("flatten", nn.Flatten()), ("output", nn.Linear(channels * size * size, 10))]
    return nn.Sequential(OrderedDict(layers))


#: The arithmetic :func:`book_recipe` can train in.
PRECISIONS = ("auto", "bfloat16", "float32")


def native_bfloat16(device) -> bool:
    """Whether ``device`` computes in bfloat16 natively: a CUDA GPU that supports it,
    or a CPU whose oneDNN has bfloat16 kernels (AVX-512 BF16 or AMX); elsewhere
    bfloat16 would be emulated, and slower than float32."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type != "cpu":
        return False
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def book_steps(n_images: int, epochs: float = 0.9, batch_size: int = 128) -> int:
    """How many batches :func:`book_recipe` trains on: ``epochs`` passes over
    ``n_images`` in whole batches of ``batch_size`` (the last partial batch of a pass
    is dropped), at least one."""
    return max(1, round(epochs * (n_images // batch_size)))


def book_optimizer(parameters, lr: float = 0.02, optimizer: str = "adam"):
    """The optimizer of :func:`book_recipe`: Adam with tuomaso/train_mnist_fast's
    betas (0.7, 0.9), or for the ablation (``"sgd"``) SGD with Nesterov momentum 0.9
    and weight decay 5e-4, the book's earlier recipe."""
    import torch

    if optimizer == "adam":
        return torch.optim.Adam(parameters, lr=lr, betas=(0.7, 0.9))
    if optimizer == "sgd":
        return torch.optim.SGD(parameters, lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")


def book_schedule(optimizer, lr: float, steps: int):
    """The one-cycle schedule of :func:`book_recipe`, stepped after every batch: the
    learning rate climbs from ``lr``/25 to ``lr`` over the first 30% of ``steps``,
    then anneals to almost zero; momentum is cycled for SGD only (Adam keeps its
    betas)."""
    import torch

    return torch.optim.lr_scheduler.OneCycleLR(
        optimizer,
        max_lr=lr,
        total_steps=steps,
        pct_start=0.3,
        cycle_momentum=isinstance(optimizer, torch.optim.SGD),
    )


def book_recipe(
    x_train,
    y_train,
    x_test,
    y_test,
    *,
    seed: int = 0,
    epochs: float = 0.9,
    lr: float = 0.02,
    batch_size: int = 128,
    optimizer: str = "adam",
    label_smoothing: float = 0.1,
    precision: str = "auto",
    target: float = 0.99,
    device=None,
    model_fn=None,
    one_cycle: bool = True,
    name: str = "book (fast_net)",
) -> RaceResult:
    """Train :func:`fast_net` on uint8 images and evaluate it once on the test images.

    The recipe, every setting chosen on the validation split (chapter 12): batches of
    ``batch_size`` sliced from one in-memory tensor in a seeded random order, the model
    in ``channels_last`` layout, Adam with tuomaso/train_mnist_fast's betas (0.7, 0.9),
    cross-entropy with ``label_smoothing``, and a one-cycle schedule (stepped every
    batch, without momentum cycling) to a peak of ``lr`` over ``epochs`` passes over
    the images -- 0.9 of one pass by default, so the last tenth of the images is never
    needed. ``precision="auto"`` computes the forward pass in bfloat16 where the
    device does so natively (:func:`native_bfloat16`) and in float32 elsewhere; the
    loss is always computed in float32. The schedule is planned for the whole run, so
    the model is evaluated once, at its end.

    For the ablation: ``optimizer="sgd"`` (SGD with Nesterov momentum 0.9 and weight
    decay 5e-4, the book's earlier recipe; ``lr`` about 0.2), ``model_fn`` builds
    another network, ``one_cycle=False`` keeps the learning rate at ``lr``
    throughout. The trained model (in float32) is the result's ``model``.
    """
    import contextlib

    import torch

    from .models import count_parameters
    from .runtime import seed_everything, torch_device
    from .training import TensorBatches, predict_logits, to_tensors

    _check_race(target, 1)
    if not (isinstance(epochs, (int, float)) and 0 < epochs <= 100):
        raise ValueError(
            f"epochs is a number of passes over the images, in (0, 100], not {epochs!r}"
        )
    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer must be 'adam' or 'sgd', got {optimizer!r}")
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if not 0 <= label_smoothing < 1:
        raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing!r}")
    device = torch.device(device or torch_device())
    bfloat16 = precision == "bfloat16" or (precision == "auto" and native_bfloat16(device))
    start = time.perf_counter()
    seed_everything(seed, frameworks=("torch",))
    images, labels = to_tensors(x_train, y_train, device=device)
    batches = TensorBatches(images, labels, batch_size, shuffle=True, seed=seed, drop_last=True)
    steps = book_steps(len(labels), epochs, batch_size)
    model = (model_fn or fast_net)().to(device, memory_format=torch.channels_last)
    optimizer = book_optimizer(model.parameters(), lr, optimizer)
    scheduler = book_schedule(optimizer, lr, steps) if one_cycle else None
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=label_smoothing)

    def arithmetic():
        if not bfloat16:
            return contextlib.nullcontext()
        return torch.autocast(device.type, dtype=torch.bfloat16)

    model.train()
    step = 0
    while step < steps:  # whole passes, and the first part of one more
        for batch_images, batch_labels in batches:
            optimizer.zero_grad()
            with arithmetic():
                logits = model(batch_images)
            loss_fn(logits.float(), batch_labels).backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            step += 1
            if step == steps:
                break
    # the weights are float32 throughout; the test evaluation uses them as they are
    test_images = to_tensors(x_test, device=device)
    accuracy = metrics.accuracy(y_test, predict_logits(model, test_images, device))
    seconds = time.perf_counter() - start
    model.to(memory_format=torch.contiguous_format)
    return RaceResult.evaluated_once(
        name,
        target,
        seconds,
        epochs,
        accuracy,
        train_images=len(labels),
        params=count_parameters(model),
        seed=seed,
        model=model,
        precision="bfloat16" if bfloat16 else "float32",
    )


# ------------------------------------------------------------------- the race


def race(
    x_fit,
    y_fit,
    x_test,
    y_test,
    *,
    seeds=tuple(range(10)),
    peers=PEER_RECIPES,
    target: float = 0.99,
    lr: float = 0.02,
    device=None,
    peer_train: int | None = None,
    peer_max_epochs: int | None = None,
    verbose: bool = True,
) -> list[RaceResult]:
    """The race of chapter 12 and ``benchmarks/time_to_99.py``, in one call.

    For each seed in ``seeds``, :func:`book_recipe` (trained on ``x_fit``, the images
    left after the validation split) and, if ``peers`` names it, tuomaso's recipe,
    one after the other: the book's first on even seeds, tuomaso's first on odd
    ones, so that the machine's load falls on both alike. Then each other recipe
    named in ``peers`` (see :data:`PEER_RECIPES`) once: pytorch/examples with its
    script's seed, 1; keras.io with ``seeds[0]``. All are evaluated on ``x_test``.
    The peers train on MNIST's 60,000 training images as their authors' scripts do
    (keras.io's own ``validation_split`` keeps 54,000 of them); ``peer_train`` gives
    them only the first images of ``x_fit`` instead, and ``peer_max_epochs`` caps the
    epochs of the two that train until the target (quick runs; tuomaso's is a fixed
    one-epoch schedule). Returns the results in the order they ran.
    """
    seeds = list(seeds)
    peers = list(peers)
    unknown = [name for name in peers if name not in PEER_RECIPES]
    if unknown:
        raise ValueError(
            f"unknown peer recipe(s) {unknown}: choose from {', '.join(PEER_RECIPES)}, or none"
        )
    if not seeds:
        raise ValueError("the race needs at least one seed for the book's recipe")
    _check_race(target, 1 if peer_max_epochs is None else peer_max_epochs)
    _check_limit("peer_train", peer_train)

    if {"tuomaso", "keras_io"} & set(peers):
        if peer_train is None:
            from .data import load_mnist

            (x_peer, y_peer), _ = load_mnist()
        else:
            x_peer, y_peer = x_fit[:peer_train], y_fit[:peer_train]

    def book(seed):
        return book_recipe(
            x_fit, y_fit, x_test, y_test, seed=seed, lr=lr, target=target, device=device
        )

    def tuomaso(seed):
        return peer_recipes.tuomaso_recipe(
            x_peer, y_peer, x_test, y_test, seed=seed, target=target, device=device
        )

    results = []
    for seed in seeds:
        turns = [book] + ([tuomaso] if "tuomaso" in peers else [])
        for recipe in turns if seed % 2 == 0 else turns[::-1]:
            results.append(recipe(seed))
            if verbose:
                print(f"seed {seed}: {results[-1].summary()}", flush=True)
    once = len(results)
    if "pytorch_examples" in peers:
        results.append(
            peer_recipes.pytorch_examples_recipe(
                target=target,
                max_epochs=peer_max_epochs or 14,
                train_limit=peer_train,
                test_limit=len(y_test) if len(y_test) < 10_000 else None,
                device=device,
                verbose=verbose,
            )
        )
    if "keras_io" in peers:
        results.append(
            peer_recipes.keras_io_recipe(
                x_peer,
                y_peer,
                x_test,
                y_test,
                seed=seeds[0],
                target=target,
                max_epochs=peer_max_epochs or 15,
                verbose=verbose,
            )
        )
    if verbose:
        for result in results[once:]:
            print(result.summary(), flush=True)
    return results


def is_book(result: RaceResult) -> bool:
    """Whether ``result`` is a run of the book's own recipe rather than a peer's."""
    return result.recipe not in peer_recipes.PEER_NAMES.values()


def _book_median(results, caller: str) -> float:
    times = [r.seconds for r in results if is_book(r)]
    if not times:
        raise ValueError(f"{caller} needs at least one run of the book's recipe")
    return float(np.median(times))


def race_table(results):
    """The race as a ``pandas.DataFrame``, a row per run, with every time also as a
    multiple of the median time of the book's runs."""
    import pandas as pd

    median = _book_median(results, "race_table")
    return pd.DataFrame(
        [
            {
                "recipe": r.recipe,
                "seed": r.seed,
                "parameters": r.params,
                "epochs": r.epochs,
                "training images": r.train_images,
                "test accuracy": f"{100 * r.accuracy:.2f}%",
                f"reached {r.target:.0%}": "yes" if r.reached else "no",
                "seconds": round(r.seconds, 1),
                "× book (median)": round(r.seconds / median, 1),
            }
            for r in results
        ]
    )


def race_summary(results):
    """The race as a ``pandas.DataFrame``, a row per recipe, the book's first: its
    runs, their median seconds, how many reached the target ("9 of 10"), their mean
    test accuracy in % and the median time as a multiple of the book's median."""
    import pandas as pd

    median = _book_median(results, "race_summary")
    recipes = {}
    for r in sorted(results, key=lambda r: not is_book(r)):  # stable: the book's first
        recipes.setdefault(r.recipe, []).append(r)
    target = results[0].target
    return pd.DataFrame(
        [
            {
                "recipe": name,
                "runs": len(runs),
                "median seconds": float(np.median([r.seconds for r in runs])),
                f"reached {target:.0%}": f"{sum(r.reached for r in runs)} of {len(runs)}",
                "mean test accuracy (%)": 100 * float(np.mean([r.accuracy for r in runs])),
                "× book (median)": float(np.median([r.seconds for r in runs])) / median,
            }
            for name, runs in recipes.items()
        ]
    ).set_index("recipe")


def record_race(run, results, *, n_test: int) -> None:
    """Record every run of the race (chapter 12), its time as the training time."""
    for r in results:
        run.record(
            model=r.recipe,
            framework="keras" if r.recipe == peer_recipes.PEER_NAMES["keras_io"] else "torch",
            seed=r.seed,
            test_accuracy=r.accuracy,
            config={
                "part": "race",
                "target": r.target,
                "epochs": r.epochs,
                "n_train": r.train_images,
            },
            train_seconds=r.seconds,
            params=r.params,
            n_test=n_test,
            reached_target=r.reached,
        )


#: The peers :func:`race` runs once, whose figures are a single run's.
_ONCE = ("pytorch_examples", "keras_io")


def race_figures(results) -> dict:
    """The race's figures for chapter 12's prose, NaN for a recipe that did not run.

    The book's runs (``fast_*``): the median, fastest and slowest seconds,
    microseconds per training image at the median, mean test accuracy in %, runs
    that reached the target, runs. tuomaso's runs (``tuomaso_*``): the median
    seconds, runs that reached the target, runs, mean test accuracy in %, and
    ``book_over_tuomaso``, the book's median time divided by tuomaso's. For
    pytorch/examples and keras.io, which run once, the seconds, epochs, final test
    accuracy in % and time as a multiple of the book's median."""
    median = _book_median(results, "race_figures")
    book = [r for r in results if is_book(r)]
    times = np.array([r.seconds for r in book])
    figures = {
        "fast_median_s": median,
        "fast_min_s": float(times.min()),
        "fast_max_s": float(times.max()),
        "fast_us_per_image": 1e6 * median / book[0].train_images,
        "fast_mean_acc_pct": 100 * float(np.mean([r.accuracy for r in book])),
        "fast_reached": sum(r.reached for r in book),
        "fast_runs": len(book),
    }
    tuomaso = [r for r in results if r.recipe == peer_recipes.PEER_NAMES["tuomaso"]]
    nan = float("nan")
    tuomaso_median = float(np.median([r.seconds for r in tuomaso])) if tuomaso else nan
    figures.update(
        {
            "tuomaso_median_s": tuomaso_median,
            "tuomaso_reached": sum(r.reached for r in tuomaso) if tuomaso else nan,
            "tuomaso_runs": len(tuomaso) if tuomaso else nan,
            "tuomaso_mean_acc_pct": (
                100 * float(np.mean([r.accuracy for r in tuomaso])) if tuomaso else nan
            ),
            "book_over_tuomaso": median / tuomaso_median,
        }
    )
    for key in _ONCE:
        r = next((r for r in results if r.recipe == peer_recipes.PEER_NAMES[key]), None)
        figures.update(
            {
                f"{key}_s": r.seconds if r else nan,
                f"{key}_epochs": r.epochs if r else nan,
                f"{key}_pct": 100 * r.accuracy if r else nan,
                f"{key}_ratio": r.seconds / median if r else nan,
            }
        )
    return figures


def plot_race(results, target: float):
    """Chapter 12's race figure: test accuracy after each evaluation against the
    wall-clock seconds from a cold start (log scale), a colour per recipe; a
    recipe run with several seeds has one legend entry."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.6))
    recipes = list(dict.fromkeys(r.recipe for r in results))
    colours = {name: f"C{i}" for i, name in enumerate(recipes)}
    runs = {name: sum(r.recipe == name for r in results) for name in recipes}
    labelled = set()
    for r in results:
        times, accs = zip(*[(t, a) for _, t, a in r.history])
        label = "_" + r.recipe  # matplotlib leaves names starting with _ out of legends
        if r.recipe not in labelled:
            labelled.add(r.recipe)
            label = r.recipe if runs[r.recipe] == 1 else f"{r.recipe}, {runs[r.recipe]} seeds"
        style = "o" if len(r.history) == 1 else "-o"
        ax.plot(times, 100 * np.array(accs), style, ms=5, color=colours[r.recipe], label=label)
    ax.axhline(100 * target, color="grey", ls="--", lw=1)
    ax.set_xscale("log")
    # label the powers of ten only: minor labels on a log axis run into each other
    ax.xaxis.set_minor_formatter(plt.NullFormatter())
    ax.set(
        xlabel="wall-clock seconds from a cold start (log scale)",
        ylabel="test accuracy (%)",
        title="The race: test accuracy after each evaluation",
    )
    # down to the lowest evaluation: a quick run's low accuracies stay on the chart too
    low = min(a for r in results for _, _, a in r.history)
    ax.set_ylim(min(100 * low, 100 * target) - 0.5, 100)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


# ------------------------------------------------------------------ the ablation


def pooled_fast_net(**options):
    """:func:`fast_net` with a stride-1 first convolution followed by a 2 x 2
    max-pool, the usual layout the strided convolution replaces (chapter 12's
    ablation); same output size and parameters, four times the first layer's work."""
    from collections import OrderedDict

    from torch import nn

    model = fast_net(**options)
    model.conv1.stride = (1, 1)
    layers = list(model.named_children())
    at = [name for name, _ in layers].index("act1")  # pool before the ReLU, as the others
    layers.insert(at, ("pool1", nn.MaxPool2d(2)))
    return nn.Sequential(OrderedDict(layers))


def ablation(
    variants: dict,
    x_fit,
    y_fit,
    x_val,
    y_val,
    *,
    seeds,
    lr: float = 0.02,
    target: float = 0.99,
    device=None,
    verbose: bool = True,
):
    """Chapter 12's ablation: :func:`book_recipe` once per seed for each variant,
    scored on the validation split (``x_val``), never on the test set. The runs go seed
    by seed, each seed running every variant in turn (the order rotated from one seed to
    the next), so that the time ratios compare runs made at the same moments.

    ``variants`` maps a name to the :func:`book_recipe` options it changes
    (``{"model_fn": ..., "one_cycle": False, "lr": ...}``); the first variant is
    the baseline, usually ``{}`` (the recipe itself, at learning rate ``lr``).
    Returns a ``pandas.DataFrame`` indexed by variant: parameters, the mean
    seconds and mean validation accuracy (%) over the seeds, the time as a
    multiple of the baseline's, the accuracy's difference from it in points, and
    on how many seeds the variant scored below the baseline with the same seed.
    """
    import pandas as pd

    seeds = list(seeds)
    if not variants or not seeds:
        raise ValueError("the ablation needs at least one variant and one seed")
    # seed by seed, every variant in turn, the order rotated from seed to seed, so that a
    # busy moment of the machine falls on all the variants alike
    names = list(variants)
    runs = {name: [] for name in names}
    for k, seed in enumerate(seeds):
        for name in names[k % len(names) :] + names[: k % len(names)]:
            runs[name].append(
                book_recipe(
                    x_fit,
                    y_fit,
                    x_val,
                    y_val,
                    seed=seed,
                    target=target,
                    device=device,
                    name=name,
                    **{"lr": lr, **variants[name]},
                )
            )
    for name in names:
        runs[name].sort(key=lambda r: seeds.index(r.seed))
        if verbose:
            print(
                f"{name}: "
                + ", ".join(
                    f"seed {r.seed} {r.accuracy:.2%} in {r.seconds:.1f} s" for r in runs[name]
                ),
                flush=True,
            )
    base = runs[next(iter(variants))]
    base_seconds = float(np.mean([r.seconds for r in base]))
    base_pct = 100 * float(np.mean([r.accuracy for r in base]))
    rows = []
    for name, these in runs.items():
        seconds = float(np.mean([r.seconds for r in these]))
        pct = 100 * float(np.mean([r.accuracy for r in these]))
        rows.append(
            {
                "variant": name,
                "parameters": these[0].params,
                "mean seconds": seconds,
                "mean validation accuracy (%)": pct,
                "× time": seconds / base_seconds,
                "Δ accuracy (points)": pct - base_pct,
                "seeds below the recipe": sum(r.accuracy < b.accuracy for r, b in zip(these, base)),
            }
        )
    return pd.DataFrame(rows).set_index("variant")
