"""The depth study's tables and figures (chapter 10).

Chapter 10 trains the networks of :mod:`mnist_utils.depth` at several depths, in
three variants and with several activations. This module holds what the chapter
shows about those runs but does not teach: the parameter table of the grid, the
comparison table read back from the results record, the figures computed from it
for the prose, and the drawing code of the figures.
"""

from __future__ import annotations

import math

import numpy as np

from .depth import VARIANTS, depth_spec

__all__ = [
    "STYLES",
    "comparison_table",
    "conv_profile",
    "deepest_table",
    "did_not_learn",
    "parameter_table",
    "plain_depth_figures",
    "plot_deep_curves",
    "plot_depth_curves",
    "plot_layer_gradients",
    "run_name",
    "summarize",
]

#: Line style of each variant in the figures (solid, dashed, dotted).
STYLES = {"plain": "-", "batchnorm": "--", "residual": ":"}
#: Colour of each activation in the figures.
COLORS = {"relu": "C0", "sigmoid": "C3", "tanh": "C2"}
#: Below this test accuracy (twice the 10% of guessing) a network did not learn.
LEARNED = 0.20


def run_name(config: dict) -> str:
    """The recorded model name of one configuration of the study, such as
    ``"depth3_residual_relu"`` (the name of its :func:`depth_spec`)."""
    return depth_spec(
        config["depth"], config["variant"], activation=config.get("activation", "relu")
    ).name


def parameter_table(depths=range(1, 9), *, width: int = 16):
    """Trainable parameters of every depth x variant network, one row per depth
    (chapter 10). Each count is :func:`mnist_utils.models.count_params`' count by
    hand, checked against the PyTorch model built from the same spec."""
    import pandas as pd

    from .models import count_parameters, count_params, torch_model

    rows = []
    for depth in depths:
        for variant in VARIANTS:
            spec = depth_spec(depth, variant, width=width)
            counted = count_parameters(torch_model(spec))
            if counted != count_params(spec):
                raise AssertionError(
                    f"{spec.name}: the model has {counted} parameters, "
                    f"the count by hand {count_params(spec)}"
                )
            rows.append({"depth": depth, "variant": variant, "params": counted})
    return pd.DataFrame(rows).pivot(index="depth", columns="variant", values="params")[
        list(VARIANTS)
    ]


def summarize(frame):
    """Mean, standard deviation and number of seeds of each measured figure per
    activation, variant and depth, sorted by activation, variant (plain, batchnorm,
    residual) and depth (chapter 10)."""
    from . import studies

    metrics = (
        "test_accuracy",
        "params",
        "seconds_per_epoch",
        "grad_first_init",
        "grad_first_final",
    )
    by = ["config.activation", "config.variant", "config.depth"]
    summary = studies.summarize(frame, by=by, metrics=metrics)
    order = {variant: i for i, variant in enumerate(VARIANTS)}
    return summary.sort_values(
        by, key=lambda c: c.map(order) if c.name == "config.variant" else c
    ).reset_index(drop=True)


def comparison_table(summary):
    """The chapter's comparison table (a styled DataFrame): one row per
    configuration, accuracy in percent, times and first-layer gradient norms."""
    import pandas as pd

    table = pd.DataFrame(
        {
            "activation": summary["config.activation"],
            "variant": summary["config.variant"],
            "depth": summary["config.depth"],
            "runs": summary["runs"],
            "test acc %": 100 * summary["test_accuracy_mean"],
            "± %": 100 * summary["test_accuracy_std"],
            "params": summary["params_mean"].astype(int),
            "s/epoch": summary["seconds_per_epoch_mean"],
            "|grad conv1| init": summary["grad_first_init_mean"],
            "|grad conv1| trained": summary["grad_first_final_mean"],
        }
    )
    return table.style.format(
        {
            "test acc %": "{:.2f}",
            "± %": "{:.2f}",
            "params": "{:,}",
            "s/epoch": "{:.2f}",
            "|grad conv1| init": "{:.2e}",
            "|grad conv1| trained": "{:.2e}",
        },
        na_rep="–",
    ).hide(axis="index")


def plot_depth_curves(summary):
    """Test accuracy, seconds per epoch and the first layer's gradient at
    initialisation against depth, one line per activation and variant."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    for (activation, variant), part in summary.groupby(
        ["config.activation", "config.variant"], sort=False
    ):
        style = dict(
            ls=STYLES[variant],
            marker="o",
            color=COLORS.get(activation, "C7"),
            label=f"{activation} {variant}",
        )
        depth = part["config.depth"]
        axes[0].plot(depth, 100 * part["test_accuracy_mean"], **style)
        axes[1].plot(depth, part["seconds_per_epoch_mean"], **style)
        axes[2].plot(depth, part["grad_first_init_mean"], **style)
    axes[0].set(xlabel="conv layers", ylabel="test accuracy (%)", title="test accuracy")
    axes[1].set(xlabel="conv layers", ylabel="seconds", title="time per epoch")
    axes[2].set(
        xlabel="conv layers",
        ylabel="L2 norm",
        yscale="log",
        title="first-layer gradient at initialisation",
    )
    axes[2].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def did_not_learn(summary, threshold: float = LEARNED):
    """The configurations whose mean test accuracy is below ``threshold`` (20%,
    twice the 10% of guessing, by default)."""
    return summary[summary["test_accuracy_mean"] < threshold]


def _row(summary, activation, variant, depth):
    hit = summary[
        (summary["config.activation"] == activation)
        & (summary["config.variant"] == variant)
        & (summary["config.depth"] == depth)
    ]
    return hit.iloc[0] if len(hit) else None


def plain_depth_figures(summary, activations=("relu", "sigmoid", "tanh")) -> dict:
    """The figures chapter 10's prose quotes, per activation: the shallowest and the
    deepest plain depth (``<a>_low``, ``<a>_high``), the factor by which the first
    layer's gradient at initialisation changes between them (``<a>_grad_ratio``),
    and the test accuracy in percent of each variant at the deepest depth
    (``<a>_<variant>_deep_pct``); for ReLU also the best network (variant, depth,
    percent) and the span of the ReLU accuracies in points. Figures this execution
    has no runs for are NaN (depths and names "–")."""
    figures = {}
    for activation in activations:
        figures.update(
            {
                f"{activation}_grad_ratio": math.nan,
                f"{activation}_low": "–",
                f"{activation}_high": "–",
            }
        )
        figures.update({f"{activation}_{v}_deep_pct": math.nan for v in VARIANTS})
        plain = summary[
            (summary["config.activation"] == activation) & (summary["config.variant"] == "plain")
        ]
        if len(plain) < 2:
            continue
        low, high = int(plain["config.depth"].min()), int(plain["config.depth"].max())
        figures[f"{activation}_low"], figures[f"{activation}_high"] = low, high
        figures[f"{activation}_grad_ratio"] = float(
            _row(summary, activation, "plain", high)["grad_first_init_mean"]
            / _row(summary, activation, "plain", low)["grad_first_init_mean"]
        )
        for variant in VARIANTS:
            row = _row(summary, activation, variant, high)
            if row is not None:
                figures[f"{activation}_{variant}_deep_pct"] = 100 * row["test_accuracy_mean"]
    relu = summary[summary["config.activation"] == "relu"]
    figures.update(
        best_relu_variant="–",
        best_relu_depth=math.nan,
        best_relu_pct=math.nan,
        relu_spread_pct=math.nan,
    )
    if len(relu):
        best = relu.loc[relu["test_accuracy_mean"].idxmax()]
        figures.update(
            best_relu_variant=best["config.variant"],
            best_relu_depth=int(best["config.depth"]),
            best_relu_pct=100 * best["test_accuracy_mean"],
            relu_spread_pct=100
            * (relu["test_accuracy_mean"].max() - relu["test_accuracy_mean"].min()),
        )
    return figures


def conv_profile(norms: dict) -> list[float]:
    """The gradient norms of the conv layers (``conv<i>`` and ``block<i>.conv``),
    in the model's order, from a ``{weight name: norm}`` dict."""
    return [value for name, value in norms.items() if name.startswith(("conv", "block"))]


def _deepest_first_seed(runs):
    """Per activation, the runs of its deepest depth with the first seed."""
    first_seed = min(r.seed for r in runs)
    picked = {}
    for activation in dict.fromkeys(r.config["activation"] for r in runs):
        mine = [r for r in runs if r.config["activation"] == activation and r.seed == first_seed]
        deepest = max(r.config["depth"] for r in mine)
        picked[activation] = [r for r in mine if r.config["depth"] == deepest]
    return picked


def plot_layer_gradients(runs, key: str = "grads_init"):
    """Every conv layer's gradient norm (``measured[key]``) for the deepest stack
    of each activation among ``runs`` (study runs, first seed), one panel per
    activation, one line per variant."""
    import matplotlib.pyplot as plt

    picked = _deepest_first_seed(runs)
    fig, axes = plt.subplots(1, len(picked), figsize=(4.5 * len(picked), 3.6), squeeze=False)
    for ax, (activation, mine) in zip(axes[0], picked.items()):
        for one in sorted(mine, key=lambda r: VARIANTS.index(r.config["variant"])):
            norms = conv_profile(one.measured[key])
            ax.plot(
                range(1, len(norms) + 1),
                norms,
                ls=STYLES[one.config["variant"]],
                marker="o",
                label=one.config["variant"],
            )
        ax.set(
            yscale="log",
            xlabel="conv layer",
            ylabel="gradient L2 norm",
            title=f"{activation}, at initialisation",
        )
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_deep_curves(runs):
    """Validation accuracy after each epoch of the deepest stack of each activation
    among ``runs`` (first seed), one panel per activation, one line per variant."""
    import matplotlib.pyplot as plt

    picked = _deepest_first_seed(runs)
    fig, axes = plt.subplots(1, len(picked), figsize=(4.5 * len(picked), 3.4), squeeze=False)
    for ax, (activation, mine) in zip(axes[0], picked.items()):
        epochs = 1
        for one in sorted(mine, key=lambda r: VARIANTS.index(r.config["variant"])):
            curve = 100 * np.array(one.history["val_accuracy"])
            epochs = max(epochs, len(curve))
            ax.plot(
                range(1, len(curve) + 1),
                curve,
                ls=STYLES[one.config["variant"]],
                marker="o",
                label=one.config["variant"],
            )
        ax.set(
            xlabel="epoch",
            ylabel="validation accuracy (%)",
            ylim=(0, 100),
            title=f"{activation}, {mine[0].config['depth']} conv layers",
            xticks=range(1, epochs + 1),
        )
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def deepest_table(summary):
    """The deepest networks of every activation: test accuracy and the first
    layer's gradient norm at initialisation and after training (a styled table)."""
    import pandas as pd

    deepest = [
        part[part["config.depth"] == part["config.depth"].max()]
        for _, part in summary.groupby("config.activation", sort=False)
    ]
    deep = pd.concat(deepest)[
        [
            "config.activation",
            "config.variant",
            "config.depth",
            "test_accuracy_mean",
            "grad_first_init_mean",
            "grad_first_final_mean",
        ]
    ]
    deep.columns = ["activation", "variant", "depth", "test acc", "|grad| init", "|grad| trained"]
    return deep.style.format(
        {"test acc": "{:.2%}", "|grad| init": "{:.2e}", "|grad| trained": "{:.2e}"}
    ).hide(axis="index")
