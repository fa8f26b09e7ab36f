"""The activation study's functions, tables and figures (chapter 9).

Chapter 9 trains the same CNN with each of :data:`mnist_utils.models.ACTIVATIONS`;
this module holds what the chapter shows about the runs but does not teach: the
activation functions as PyTorch callables (the ones the models use), the comparison
table read back from the results record, and the drawing code of its figures.
"""

from __future__ import annotations

import math

import numpy as np

from .models import ACTIVATIONS, LEAKY_SLOPE

__all__ = [
    "FUNCTIONS",  # noqa: F822 (built on first use by the module __getattr__)
    "accuracy_table",
    "compare_with_best",
    "fall_per_layer",
    "mean_curves",
    "mean_norms",
    "per_activation",
    "plot_accuracy_and_time",
    "plot_functions",
    "plot_gradient_norms",
    "plot_learning_curves",
    "plot_slope_products",
    "summarize_by_activation",
]


def _functions() -> dict:
    import torch
    from torch.nn import functional as F

    return {
        "relu": F.relu,
        "leaky_relu": lambda z: F.leaky_relu(z, LEAKY_SLOPE),
        "elu": F.elu,
        "gelu": F.gelu,
        "silu": F.silu,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "linear": lambda z: z,
    }


def __getattr__(name):
    # FUNCTIONS needs PyTorch: built when first used, so importing the module is cheap
    if name == "FUNCTIONS":
        return _functions()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def plot_functions(z, values: dict, slopes: dict):
    """Each activation (left) and its derivative (right) on the points ``z``
    (chapter 9); ``values`` and ``slopes`` map a name to a tensor like ``z``."""
    import matplotlib.pyplot as plt

    z = z.detach()
    fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(11, 4))
    for name in values:
        ax_f.plot(z, values[name].detach(), label=name)
        ax_d.plot(z, slopes[name].detach(), label=name)
    ax_f.set(xlabel="z", ylabel="f(z)", title="activation functions", ylim=(-1.5, 4))
    ax_d.set(xlabel="z", ylabel="f'(z)", title="their derivatives", ylim=(-0.2, 1.3))
    for ax in (ax_f, ax_d):
        ax.grid(alpha=0.3)
    ax_d.legend(fontsize=8, ncol=2, loc="upper left", bbox_to_anchor=(1.02, 1))
    fig.tight_layout()
    return fig


def plot_slope_products(max_slope: dict, layers: int = 8):
    """The most that ``k`` layers of each activation can pass on of a gradient, from the
    activations alone: its largest slope to the power ``k``, for ``k = 0 .. layers``, on a
    logarithmic axis (chapter 9). ``max_slope`` maps a name to that largest slope."""
    import matplotlib.pyplot as plt

    depth = np.arange(layers + 1)
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for name, slope in max_slope.items():
        ax.plot(depth, float(slope) ** depth, marker="o", label=name)
    ax.set(
        yscale="log",
        xlabel="hidden layers the gradient passes",
        ylabel="largest slope ** layers",
        title="the most the activations alone let through",
        xticks=depth,
    )
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def summarize_by_activation(
    frame, metrics=("test_accuracy", "seconds_per_epoch", "grad_ratio_init", "grad_ratio_epoch1")
):
    """Mean, standard deviation and number of seeds of each metric per activation
    (:func:`mnist_utils.studies.summarize`), one row per activation in the book's
    order, indexed by the activation's name (chapter 9)."""
    from .studies import summarize

    summary = summarize(frame, by=["config.activation"], metrics=metrics)
    order = {name: i for i, name in enumerate(ACTIVATIONS)}
    summary = summary.sort_values("config.activation", key=lambda s: s.map(order)).set_index(
        "config.activation"
    )
    summary.index.name = "activation"
    return summary


def accuracy_table(summary):
    """The comparison table of chapter 9 for display: test accuracy as mean ± std
    over the seeds, the number of seeds, seconds per epoch and the first layer's
    gradient norm divided by the output layer's at initialisation."""
    import pandas as pd

    from .studies import mean_std

    return pd.DataFrame(
        {
            "test accuracy (%)": mean_std(summary, "test_accuracy", scale=100),
            "seeds": summary["runs"],
            "s / epoch": summary["seconds_per_epoch_mean"].round(1),
            "grad conv1 / output (init)": summary["grad_ratio_init_mean"].map("{:.2g}".format),
        },
        index=summary.index,
    )


def compare_with_best(summary):
    """Each activation against the best mean test accuracy (chapter 9), in points:
    its mean and standard deviation, how far below the best it is, the noise of that
    comparison (twice the larger of the two standard deviations) and whether the gap
    is within it. With a single seed there is no standard deviation: the noise is NaN
    and only the best counts as within it."""
    import pandas as pd

    means, stds = 100 * summary["test_accuracy_mean"], 100 * summary["test_accuracy_std"]
    best = means.idxmax()
    gap = means.max() - means
    noise = 2 * np.maximum(stds, stds[best])  # NaN with fewer than two seeds
    within = (gap <= noise) | (means.index == best)
    return pd.DataFrame(
        {
            "mean (%)": means.round(2),
            "std (points)": stds.round(2),
            "points below the best": gap.round(2),
            "noise (points)": noise.round(2),
            "within noise": within,
        },
        index=summary.index,
    )


def per_activation(table, columns: dict) -> dict:
    """Figures for the prose, one per activation of :data:`ACTIVATIONS` and column:
    ``per_activation(t, {"pct": "mean (%)"})`` gives ``{"relu_pct": ..., ...}``,
    NaN for an activation this execution did not study (chapter 9)."""
    figures = {}
    for name in ACTIVATIONS:
        for suffix, column in columns.items():
            value = table[column].get(name, math.nan) if column in table else math.nan
            figures[f"{name}_{suffix}"] = float(value)
    return figures


def plot_accuracy_and_time(summary):
    """Test accuracy (mean ± std over the seeds) and seconds per epoch of each
    activation (chapter 9). The accuracy axis zooms on the results within 5 points
    of the best; one further below is marked at the bottom with its value."""
    import matplotlib.pyplot as plt

    fig, (ax_acc, ax_time) = plt.subplots(1, 2, figsize=(11, 3.8))
    names = list(summary.index)
    acc = 100 * summary["test_accuracy_mean"]
    err = 100 * summary["test_accuracy_std"].fillna(0)
    close = acc[acc >= acc.max() - 5]
    bottom = max(0, (close - err[close.index]).min() - 0.5)
    top = min(100, (close + err[close.index]).max() + 0.5)
    ax_acc.errorbar(names, acc.clip(lower=bottom), yerr=err, fmt="o", capsize=4, color="C0")
    for i, value in enumerate(acc):
        if value < bottom:
            ax_acc.annotate(
                f"{value:.1f}% (off scale)",
                (i, bottom),
                xytext=(0, 6),
                textcoords="offset points",
                ha="center",
                fontsize=8,
                color="C3",
            )
        else:
            ax_acc.annotate(
                f"{value:.2f}",
                (i, value),
                xytext=(7, 0),
                textcoords="offset points",
                va="center",
                fontsize=7,
            )
    ax_acc.set(
        ylabel="test accuracy (%)",
        ylim=(bottom, top),
        title="final test accuracy (mean ± std over seeds)",
    )
    ax_time.bar(
        names,
        summary["seconds_per_epoch_mean"],
        color="C1",
        yerr=summary["seconds_per_epoch_std"].fillna(0),
        capsize=4,
    )
    ax_time.set(ylabel="seconds", title="time per epoch (mean over seeds)")
    for ax in (ax_acc, ax_time):
        ax.tick_params(axis="x", rotation=45)
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def mean_curves(study) -> dict:
    """Per activation, the training loss per epoch and the validation accuracy
    before training (``measured["val_accuracy_0"]``) and after each epoch, averaged
    over the seeds of a :func:`mnist_utils.studies.run_study` result (chapter 9)."""
    curves = {}
    for name in dict.fromkeys(r.config["activation"] for r in study):
        runs = [r for r in study if r.config["activation"] == name]
        curves[name] = {
            "loss": np.mean([r.history["loss"] for r in runs], axis=0),
            "val_accuracy": np.mean(
                [[r.measured["val_accuracy_0"], *r.history["val_accuracy"]] for r in runs], axis=0
            ),
        }
    return curves


def plot_learning_curves(curves: dict):
    """Training loss (from epoch 1) and validation accuracy (from epoch 0) of each
    activation, as :func:`mean_curves` gives them (chapter 9)."""
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_val) = plt.subplots(1, 2, figsize=(11, 4))
    for name, curve in curves.items():
        epochs = len(curve["loss"])
        (line,) = ax_val.plot(
            range(epochs + 1), 100 * curve["val_accuracy"], marker="o", label=name
        )
        ax_loss.plot(
            range(1, epochs + 1), curve["loss"], marker="o", color=line.get_color(), label=name
        )
    ax_loss.set(xlabel="epoch", ylabel="loss", title="training loss", xticks=range(1, epochs + 1))
    ax_val.set(
        xlabel="epoch", ylabel="accuracy (%)", title="validation accuracy", xticks=range(epochs + 1)
    )
    for ax in (ax_loss, ax_val):
        ax.grid(alpha=0.3)
    ax_val.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def mean_norms(study, key: str):
    """Per-layer gradient norms kept under ``measured[key]`` by each run, averaged
    over the seeds: a DataFrame, one row per activation, one column per layer's
    weight in the model's order (chapter 9)."""
    import pandas as pd

    rows = {}
    for name in dict.fromkeys(r.config["activation"] for r in study):
        norms = [r.measured[key] for r in study if r.config["activation"] == name]
        rows[name] = {layer: float(np.mean([n[layer] for n in norms])) for layer in norms[0]}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "activation"
    return table


def fall_per_layer(norms, top: str, bottom: str):
    """The factor by which a gradient norm shrinks per layer from layer ``top`` back
    to layer ``bottom`` (columns of :func:`mean_norms`, ``bottom`` first in the
    model): the geometric mean over the layers in between, e.g. ``(100 / 1) ** (1/2)
    = 10`` when the norm falls from 100 to 1 over two layers (chapter 9)."""
    layers = list(norms.columns)
    steps = layers.index(top) - layers.index(bottom)
    if steps < 1:
        raise ValueError(
            f"{top!r} must come after {bottom!r} in the model; the layers are {layers}"
        )
    return (norms[top] / norms[bottom]) ** (1 / steps)


def plot_gradient_norms(panels: dict):
    """One panel per ``{title: mean_norms(...) table}``: each activation's gradient
    norm per layer, on a logarithmic axis (chapter 9)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(11, 4), sharey=True, squeeze=False)
    for ax, (title, norms) in zip(axes[0], panels.items()):
        layers = list(norms.columns)
        for name, row in norms.iterrows():
            ax.plot(range(len(layers)), row.to_numpy(), marker="o", label=name)
        ax.set(
            yscale="log",
            xticks=range(len(layers)),
            xticklabels=[layer.split(".")[0] for layer in layers],
            title=f"gradient norm per layer: {title}",
        )
        ax.grid(alpha=0.3, which="both")
    axes[0][0].set_ylabel("L2 norm of the weight gradient")
    axes[0][-1].legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig
