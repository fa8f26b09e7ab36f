"""The regularisation study's methods (chapter 11).

Each method changes one thing about the baseline run of article 000's network:
dropout, an L2 penalty (Adam's coupled ``weight_decay``), AdamW's decoupled decay,
augmentation, or early stopping. :func:`config_for` spells out every setting of one
run, so that the chapter's ``build`` reads what a method changes from it and the
record and the comparison table match runs on all of them; the rest of this module
is the study's bookkeeping: which methods run on which training set, the train /
validation gap, and the tables and figures of the comparison.
"""

from __future__ import annotations

from .checks import ParameterError

__all__ = [
    "BATCH_SIZE",
    "DROPOUT",
    "LEARNING_RATE",
    "METHODS",
    "TRAIN_SIZES",
    "against_baseline",
    "augmentation_rates",
    "config_for",
    "gap",
    "grid",
    "images_per_second",
    "methods_by_size",
    "plot_dropout",
    "plot_gap_and_test",
    "plot_learning_curves",
    "plot_variants",
    "runs_table",
    "seed_differences",
    "shown_table",
    "summary_table",
]

#: The methods, in the order the chapter's tables list them; "none" is the baseline.
METHODS = ("none", "dropout_0.25", "dropout_0.5", "l2", "adamw", "augment", "early_stop")

#: Training-set sizes: the reduced set of 5,000 images, and all 55,000.
TRAIN_SIZES = ("5000", "all")

#: The dropout rate of each dropout method (every other method has none).
DROPOUT = {"dropout_0.25": 0.25, "dropout_0.5": 0.5}

#: Every run's batch size and Adam / AdamW learning rate.
BATCH_SIZE = 128
LEARNING_RATE = 1e-3


def methods_by_size(methods, full_methods, sizes) -> dict[str, list[str]]:
    """The methods each training-set size runs (chapter 11): every chosen method on
    the reduced set ``"5000"``, and those also named in ``FULL_METHOD`` on the full
    set ``"all"``; a size that ``TRAIN_SIZES`` leaves out runs none. Raises
    ParameterError when the full set is chosen but no method is in both lists."""
    unknown = [m for m in [*methods, *full_methods] if m not in METHODS]
    bad_sizes = [s for s in sizes if s not in TRAIN_SIZES]
    if unknown or bad_sizes:
        raise ParameterError(
            f"unknown method(s) {unknown} or size(s) {bad_sizes}; the "
            f"methods are {', '.join(METHODS)}, the sizes "
            f"{', '.join(TRAIN_SIZES)}"
        )
    both = [m for m in methods if m in full_methods]
    if "all" in sizes and not both:
        raise ParameterError(
            f"TRAIN_SIZES includes 'all' but no method is in both "
            f"METHOD ({', '.join(methods)}) and FULL_METHOD "
            f"({', '.join(full_methods)})"
        )
    return {"5000": list(methods) if "5000" in sizes else [], "all": both if "all" in sizes else []}


def config_for(
    method: str,
    *,
    n_train: int,
    epochs: int,
    weight_decay: float,
    adamw_decay: float,
    patience: int,
    rotation: float,
    shift: float,
    zoom: float,
) -> dict:
    """Every setting that defines one run of ``method`` (chapter 11): the record and
    the comparison table match runs on all of them, so runs with other strengths,
    sizes or epochs are never mixed. The strengths of the methods not chosen are 0
    (or ``"none"``): ``weight_decay`` is the strength of ``l2`` (Adam, coupled),
    ``adamw_decay`` that of ``adamw``, ``patience`` that of ``early_stop``."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; the methods are {', '.join(METHODS)}")
    return {
        "method": method,
        "n_train": int(n_train),
        "epochs": int(epochs),
        "batch_size": BATCH_SIZE,
        "learning_rate": LEARNING_RATE,
        "optimizer": "adamw" if method == "adamw" else "adam",
        "dropout": DROPOUT.get(method, 0.0),
        "weight_decay": {"l2": weight_decay, "adamw": adamw_decay}.get(method, 0.0),
        "augment": (
            f"rot{rotation:g}-shift{shift:g}-zoom{zoom:g}" if method == "augment" else "none"
        ),
        "patience": patience if method == "early_stop" else 0,
    }


def grid(methods, *, n_train: int, epochs: int, **strengths) -> list[dict]:
    """:func:`config_for` of each method, for one training-set size (chapter 11)."""
    return [config_for(m, n_train=n_train, epochs=epochs, **strengths) for m in methods]


def gap(model, train_batches, val_batches) -> dict:
    """Accuracy and loss on training images and on the validation split, both in
    evaluation mode (no dropout, no augmentation), and the gap between the two
    accuracies in percentage points (chapter 11)."""
    import torch

    from .training import evaluate

    device = next(model.parameters()).device
    loss_fn = torch.nn.CrossEntropyLoss()
    train_loss, train_accuracy = evaluate(model, train_batches, loss_fn, device)
    val_loss, val_accuracy = evaluate(model, val_batches, loss_fn, device)
    return {
        "train_accuracy": train_accuracy,
        "val_accuracy": val_accuracy,
        "gap": 100 * (train_accuracy - val_accuracy),
        "train_loss": train_loss,
        "val_loss": val_loss,
    }


def augmentation_rates(
    images, per_image, *, rotation: float, shift: float, zoom: float, seed: int, n_single: int
) -> tuple[float, float]:
    """Images per second of :mod:`mnist_utils.augment` on all ``images`` in batches
    of :data:`BATCH_SIZE`, and of the one-image transform ``per_image`` (such as
    torchvision's ``RandomAffine``) on the first ``n_single`` (chapter 11)."""
    import time

    import torch

    from .augment import AugmentedBatches
    from .training import TensorBatches

    if not 1 <= n_single <= len(images):
        raise ValueError(f"n_single must be from 1 to {len(images)}, got {n_single}")
    labels = torch.zeros(len(images), dtype=torch.long)
    start = time.perf_counter()
    for _ in AugmentedBatches(
        TensorBatches(images, labels, batch_size=BATCH_SIZE),
        rotation=rotation,
        shift=shift,
        zoom=zoom,
        seed=seed,
    ):
        pass
    batched = len(images) / (time.perf_counter() - start)
    start = time.perf_counter()
    for image in images[:n_single]:
        per_image(image)
    return batched, n_single / (time.perf_counter() - start)


def images_per_second(runs) -> float:
    """Training images per second over some runs of a study (chapter 11): images
    seen (training-set size times epochs run) over training seconds."""
    runs = list(runs)
    if not runs:
        raise ValueError("no runs to measure")
    images = sum(r.config["n_train"] * len(r.history["seconds"]) for r in runs)
    return images / sum(r.seconds for r in runs)


def runs_table(*studies):
    """One row per run of this execution (chapter 11): method, seed, epochs run and
    kept, training seconds, training and validation accuracy, gap and test accuracy,
    so the seeds can be read one by one."""
    import pandas as pd

    rows = [
        {
            "images": f"{r.config['n_train']:,}",
            "method": r.config["method"],
            "seed": r.seed,
            "epochs run": len(r.history["loss"]),
            "epoch kept": r.history.get("best_epoch", len(r.history["loss"])),
            "seconds": f"{r.seconds:.1f}",
            "train acc %": f"{100 * r.measured['train_accuracy']:.2f}",
            "val acc %": f"{100 * r.measured['val_accuracy']:.2f}",
            "gap (pp)": f"{r.measured['gap']:.2f}",
            "test acc %": f"{100 * r.test_accuracy:.2f}",
        }
        for study in studies
        for r in study
    ]
    return pd.DataFrame(rows)


def summary_table(recorded, configs):
    """Mean, standard deviation and number of seeds per training-set size and method
    (chapter 11), of the recorded runs (a :func:`mnist_utils.results.load_results`
    frame) that match one of ``configs`` on every setting, in the order of
    ``configs``; columns ``n_train``, ``method``, ``runs`` and ``<metric>_mean`` /
    ``_std``."""
    import pandas as pd

    from .studies import matching, summarize

    metrics = ("test_accuracy", "val_accuracy", "train_accuracy", "gap", "epochs_run", "best_epoch")
    parts = [matching(recorded, **config) for config in configs]
    parts = [part for part in parts if part is not None and len(part)]
    if not parts:
        table = summarize(None, by=["config.n_train", "config.method"])
        for metric in metrics:
            table[f"{metric}_mean"], table[f"{metric}_std"] = [], []
    else:
        table = summarize(
            pd.concat(parts, ignore_index=True),
            by=["config.n_train", "config.method"],
            metrics=metrics,
        )
    return table.rename(columns={"config.n_train": "n_train", "config.method": "method"})


def shown_table(table):
    """:func:`summary_table` as the chapter shows it (chapter 11): accuracies in %,
    the gap in percentage points, "mean ± std" over seeds (the mean alone for one
    run)."""
    import pandas as pd

    from .studies import mean_std

    return pd.DataFrame(
        {
            "n_train": table["n_train"].map("{:,}".format),
            "method": table["method"],
            "runs": table["runs"],
            "train acc %": mean_std(table, "train_accuracy", scale=100),
            "val acc %": mean_std(table, "val_accuracy", scale=100),
            "gap (pp)": mean_std(table, "gap"),
            "test acc %": mean_std(table, "test_accuracy", scale=100),
            "epochs run": table["epochs_run_mean"].map("{:.1f}".format),
            "epoch kept": table["best_epoch_mean"].map("{:.1f}".format),
        }
    )


def against_baseline(small):
    """Each method's mean gap and test accuracy next to the baseline's (chapter 11):
    ``small`` is one size's :func:`summary_table` indexed by method, with a ``none``
    row. Gaps in percentage points, accuracies in %, differences in points, as
    texts with two decimals."""
    import pandas as pd

    if "none" not in small.index:
        raise KeyError("the table has no 'none' row to compare with")
    others = small.drop(index="none")
    gap = others["gap_mean"]
    test = 100 * others["test_accuracy_mean"]
    return pd.DataFrame(
        {
            "gap (pp)": gap.map("{:.2f}".format),
            "gap − none's": (gap - small.loc["none", "gap_mean"]).map("{:+.2f}".format),
            "test acc %": test.map("{:.2f}".format),
            "test − none's (pp)": (test - 100 * small.loc["none", "test_accuracy_mean"]).map(
                "{:+.2f}".format
            ),
        }
    )


def seed_differences(study, method: str, baseline: str = "none", seeds=None) -> dict:
    """``method`` minus ``baseline``, seed by seed, over the seeds of ``study`` that
    trained both (or only ``seeds``), in points rounded to 2 decimals (chapter 11):
    ``{"train": [...], "val": [...], "gap": [...], "test": [...]}`` for the training,
    validation and test accuracy and the gap. Where no seed trained both, each list
    is ``[nan]``, so the chapter's figures and checks read nan instead of failing."""
    pairs = [
        (run, study.get(seed=run.seed, method=baseline))
        for run in study
        if run.config["method"] == method and (seeds is None or run.seed in seeds)
    ]
    pairs = [(run, base) for run, base in pairs if base is not None]

    def points(run):
        m = run.measured
        return {
            "train": 100 * m["train_accuracy"],
            "val": 100 * m["val_accuracy"],
            "gap": m["gap"],
            "test": 100 * run.test_accuracy,
        }

    if not pairs:
        return {name: [float("nan")] for name in ("train", "val", "gap", "test")}
    differences = [(points(run), points(base)) for run, base in pairs]
    return {
        name: [round(ours[name] - theirs[name], 2) for ours, theirs in differences]
        for name in ("train", "val", "gap", "test")
    }


def plot_dropout(units, dropped, *, p: float):
    """Dropout on a few activations (chapter 11): the values as they arrive (top) and
    after dropout in training mode (bottom), where each is either 0 (a red cross) or
    multiplied by ``1 / (1 - p)``; the original heights are outlined below. ``units``
    and ``dropped`` are 1-D arrays of the same length."""
    import matplotlib.pyplot as plt
    import numpy as np

    units, dropped = np.asarray(units), np.asarray(dropped)
    if units.shape != dropped.shape or units.ndim != 1:
        raise ValueError(
            f"units and dropped must be 1-D arrays of one length, got shapes {units.shape} "
            f"and {dropped.shape}"
        )
    positions = np.arange(len(units))
    fig, (ax_in, ax_out) = plt.subplots(2, 1, figsize=(8, 4), sharex=True, sharey=True)
    ax_in.bar(positions, units, color="C0")
    ax_in.set(ylabel="value", title="activations arriving at the dropout layer")
    ax_out.bar(positions, dropped, color=["C3" if d == 0 else "C0" for d in dropped])
    ax_out.bar(positions, units, fill=False, edgecolor="grey", ls="--")
    zero = dropped == 0
    ax_out.plot(positions[zero], dropped[zero], "x", color="C3", ms=9, mew=2)  # the dropped
    ax_out.set(
        xlabel="unit",
        ylabel="value",
        xticks=positions,
        title=f"after dropout (p = {p:g}): dropped, or scaled by 1 / (1 - p) = {1 / (1 - p):g}",
    )
    for ax in (ax_in, ax_out):
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def plot_variants(originals, variants):
    """A grid of images (chapter 11): one row per original, the original first, then
    its augmented variants (a list of batches shaped like ``originals``)."""
    import torch

    from .plots import image_grid

    columns = 1 + len(variants)
    images = torch.stack([originals, *variants], dim=1).reshape(-1, 28, 28)
    titles = ["original" if i % columns == 0 else "" for i in range(len(images))]
    return image_grid(images.numpy(), titles, ncols=columns, size=1.1, cmap="gray")


def plot_learning_curves(histories: dict, *, title: str):
    """Training loss (solid) and validation loss (dashed) per epoch, one panel per
    method of ``{method: history}``, with early stopping's best epoch dotted
    (chapter 11)."""
    import matplotlib.pyplot as plt
    import numpy as np

    if not histories:
        raise ValueError("no histories to plot")
    ncols = min(4, len(histories))
    nrows = -(-len(histories) // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(3.2 * ncols, 2.7 * nrows), sharey=True, squeeze=False
    )
    for ax, (method, h) in zip(axes.ravel(), histories.items()):
        epochs = np.arange(1, len(h["loss"]) + 1)
        ax.plot(epochs, h["loss"], "-o", ms=3, label="train")
        ax.plot(epochs, h["val_loss"], "--s", ms=3, label="validation")
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
        if "best_epoch" in h:
            ax.axvline(h["best_epoch"], color="grey", lw=1, ls=":")
        ax.set(title=method, xlabel="epoch")
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[len(histories) :]:
        ax.axis("off")
    axes[0, 0].set(ylabel="loss")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_gap_and_test(small, *, title: str):
    """Bars of the mean gap and the mean test accuracy per method, one standard
    deviation as error bars, the baseline grey (chapter 11). ``small`` is one
    size's :func:`summary_table` indexed by method."""
    import matplotlib.pyplot as plt
    import numpy as np

    fig, (ax_gap, ax_test) = plt.subplots(1, 2, figsize=(10, 3.4))
    order = [m for m in METHODS if m in small.index]
    positions = np.arange(len(order))
    for ax, column, scale, label in (
        (ax_gap, "gap", 1, "train − validation accuracy (pp)"),
        (ax_test, "test_accuracy", 100, "test accuracy (%)"),
    ):
        means = scale * small.loc[order, f"{column}_mean"]
        errors = scale * small.loc[order, f"{column}_std"].fillna(0)
        ax.bar(
            positions,
            means,
            yerr=errors,
            capsize=3,
            color=["grey" if m == "none" else "C0" for m in order],
        )
        ax.set_xticks(positions, order, rotation=30, ha="right")
        ax.set(ylabel=label)
        ax.grid(axis="y", alpha=0.3)
    low = 100 * (small["test_accuracy_mean"] - small["test_accuracy_std"].fillna(0)).min()
    ax_test.set_ylim(max(0, low - 0.5), None)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
