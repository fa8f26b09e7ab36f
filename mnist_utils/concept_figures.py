"""The figures of chapter 01: one convolution block applied to a digit by hand, and
the activation functions with their derivatives.

The chapter computes what is shown (the feature maps, the functions); these helpers
only draw it, so the drawing code does not hide the computation.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_activations", "plot_conv_block"]


def plot_conv_block(digit, stages: dict, *, title: str = ""):
    """One row per filter (chapter 01): the input digit, the filter's feature map, the
    map after ReLU and after 2x2 max-pooling. ``stages`` maps a filter's name to its
    three arrays ``(feature_map, after_relu, after_pool)``. Values are drawn red above
    0 and blue below; returns the figure."""
    import matplotlib.pyplot as plt

    digit = np.asarray(digit)
    if digit.ndim != 2 or not stages:
        raise ValueError(
            f"need a 2-D digit and at least one filter's stages, got a "
            f"{digit.ndim}-D digit and {len(stages)} filters"
        )
    fig, axes = plt.subplots(len(stages), 4, figsize=(9, 2.4 * len(stages)), squeeze=False)
    for row, (name, arrays) in zip(axes, stages.items()):
        if len(arrays) != 3:
            raise ValueError(
                f"{name}: give (feature_map, after_relu, after_pool), got {len(arrays)} arrays"
            )
        fmap, relu, pooled = map(np.asarray, arrays)
        row[0].imshow(digit, cmap="gray_r", vmin=0, vmax=digit.max() or 1)
        row[0].set_title(f"input {digit.shape}", fontsize=9)
        panels = [
            (fmap, f"{name}\n{fmap.shape}"),
            (relu, "after ReLU"),
            (pooled, f"after 2x2 max-pool\n{pooled.shape}"),
        ]
        for ax, (image, label) in zip(row[1:], panels):
            limit = np.abs(image).max() or 1  # symmetric, so 0 is white
            ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(label, fontsize=9)
        for ax in row:
            ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_activations(activations: dict, x):
    """Activation functions (left) and their derivatives (right) on the inputs ``x``
    (chapter 01). ``activations`` maps a name to ``(function, derivative)``; returns
    the figure."""
    import matplotlib.pyplot as plt

    if not activations:
        raise ValueError("give at least one activation as name: (function, derivative)")
    x = np.asarray(x)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    for name, (f, df) in activations.items():
        ax1.plot(x, f(x), label=name)
        ax2.plot(x, df(x), label=name)
    ax1.set(title="Activation functions", xlabel="x", ylim=(-1.5, 3))
    ax2.set(title="Their derivatives", xlabel="x", ylim=(-0.2, 1.2))
    for ax in (ax1, ax2):
        ax.axhline(0, color="grey", lw=0.6)
        ax.axvline(0, color="grey", lw=0.6)
    ax1.legend(fontsize=8)
    return fig
