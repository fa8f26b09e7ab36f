"""The scoreboard as a picture (the page "Results"): every model of the results record as
one point, test accuracy against training time and against parameters.

:func:`scoreboard_points` takes the rows of the results page's main table (one per
trained model, as :func:`mnist_utils.results.load_results` gives them, newest record per
model) and :func:`plot_scoreboard` draws them: the book's models as dots, the public
recipes chapter 12 races as squares, and the accuracies the source articles and the public
examples claim as dashed lines, so a reader sees at a glance where each recipe stands.
"""

from __future__ import annotations

import numpy as np

__all__ = ["QUOTED_CLAIMS", "plot_scoreboard", "scoreboard_points"]

#: Test accuracies claimed, not measured here (the page's table "Claims to compare with").
QUOTED_CLAIMS = {
    "article 000: 99.41%": 0.9941,
    "article 004: 98%": 0.98,
    "keras.io, published run: 99.22%": 0.9922,
    "tuomaso, published mean: 99.04%": 0.9904,
}


def scoreboard_points(record):
    """One point per recorded model: ``name``, ``accuracy``, ``seconds`` (training),
    ``params`` (all members of an ensemble together) and ``peer`` (one of the public
    recipes of chapter 12). Rows without a training time or a parameter count keep NaN
    there and are left out of that panel."""
    import pandas as pd

    from .peer_recipes import PEER_NAMES

    if record is None or not len(record):
        return pd.DataFrame(columns=["name", "accuracy", "seconds", "params", "peer"])
    params = pd.to_numeric(record.get("params", pd.Series(np.nan, index=record.index)))
    seconds = pd.to_numeric(record.get("train_seconds", pd.Series(np.nan, index=record.index)))
    return pd.DataFrame(
        {
            "name": record["model"].astype(str),
            "accuracy": record["test_accuracy"].astype(float),
            "seconds": seconds.astype(float),
            "params": params.astype(float),
            "peer": record["model"].isin(set(PEER_NAMES.values())),
        }
    ).reset_index(drop=True)


def plot_scoreboard(points, claims=QUOTED_CLAIMS):
    """Two panels sharing the accuracy axis: against training time (log scale) and against
    parameters (log scale). Book models are dots, public recipes squares, each claimed
    accuracy of ``claims`` a dashed line. Returns the figure."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, column, label in (
        (axes[0], "seconds", "training time (s, log scale)"),
        (axes[1], "params", "parameters (log scale)"),
    ):
        shown = points[points[column].notna() & (points[column] > 0)]
        for peer, marker, colour, legend in (
            (False, "o", "tab:blue", "the book's models"),
            (True, "s", "tab:orange", "public recipes, trained here"),
        ):
            part = shown[shown["peer"] == peer]
            ax.scatter(
                part[column],
                100 * part["accuracy"],
                marker=marker,
                s=28,
                color=colour,
                alpha=0.75,
                label=legend,
            )
        for k, (claim, accuracy) in enumerate(claims.items()):
            ax.axhline(
                100 * accuracy,
                color=f"C{k + 2}",
                linestyle="--",
                linewidth=1,
                label=f"claimed: {claim}",
            )
        ax.set_xscale("log")
        ax.set_xlabel(label)
        ax.grid(alpha=0.3)
    accuracies = 100 * np.concatenate([points["accuracy"].to_numpy(), list(claims.values())])
    axes[0].set_ylim(np.nanmin(accuracies) - 0.3, 100)
    axes[0].set_ylabel("test accuracy (%)")
    axes[1].legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    return fig
