"""Figures of chapter 3's hand computations: a shifted digit before and after pooling,
and the activations with their derivatives (chapter 3).

The chapter computes every array itself; these functions only draw them, and return
the figure for :func:`mnist_utils.save_and_show`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["activation_curves", "pooling_shift"]


def pooling_shift(image, moved, pooled, pooled_moved, *, image_change: float, pooled_change: float):
    """A 2 x 3 grid (chapter 3): the digit, its shifted copy and their absolute
    difference, then the same three for the max-pooled maps. The title states the
    digit's relative change before and after pooling."""
    import matplotlib.pyplot as plt

    panels = [
        (image, "digit"),
        (moved, "shifted 1 px right"),
        (np.abs(moved - image), "|difference|"),
        (pooled, "max-pooled"),
        (pooled_moved, "shifted, max-pooled"),
        (np.abs(pooled_moved - pooled), "|difference|"),
    ]
    fig, axes = plt.subplots(2, 3, figsize=(7, 4.8))
    for ax, (panel, title) in zip(axes.ravel(), panels):
        ax.imshow(panel, cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.suptitle(
        f"This digit's relative change: image {image_change:.2f}, pooled map {pooled_change:.2f}",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def activation_curves(z, curves: dict):
    """Two panels (chapter 3): each activation and each derivative against ``z``.

    ``curves`` maps a label such as ``"ReLU"`` to ``(values, derivatives)`` at ``z``.
    """
    import matplotlib.pyplot as plt

    if not curves:
        raise ValueError("give at least one activation to draw")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3))
    for label, (values, derivatives) in curves.items():
        ax1.plot(z, values, label=label)
        ax2.plot(z, derivatives, label=f"{label}'")
    ax1.set(title="Activations", xlabel="z", ylim=(-1.2, 2.2))
    ax2.set(title="Derivatives", xlabel="z", ylim=(-0.1, 1.1))
    for ax in (ax1, ax2):
        ax.axhline(0, color="grey", lw=0.6)
        ax.legend(fontsize=8)
    return fig
