"""What a trained network's first layer looks for and what it sees (chapter 5), and how
a feature map becomes a vector in Keras and in PyTorch (chapter 6).

Framework-neutral: the functions take NumPy arrays in channel-first order, so a Keras
kernel ``(kh, kw, 1, n)`` is passed as ``kernel[:, :, 0, :].transpose(2, 0, 1)`` and a
PyTorch ``conv.weight`` ``(n, 1, kh, kw)`` as ``weight[:, 0]``. Each function returns the
figure for :func:`mnist_utils.save_and_show`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["first_layer_filters", "feature_maps", "flatten_orders", "zero_share"]


def _as_stack(array, name: str, ndim: int) -> np.ndarray:
    array = np.asarray(array, dtype=float)
    if array.ndim != ndim:
        raise ValueError(
            f"{name} must have {ndim} axes, got shape {array.shape}; pass channel-first arrays "
            "(a Keras kernel (kh, kw, 1, n) as kernel[:, :, 0, :].transpose(2, 0, 1))"
        )
    return array


def first_layer_filters(filters, *, ncols: int = 8):
    """A grid of the first convolution's kernels (chapter 5), ``filters`` of shape
    ``(n, kh, kw)``. One colour scale for all, symmetric around zero: red weights
    reward bright pixels, blue ones punish them, white ones ignore them."""
    import matplotlib.pyplot as plt

    filters = _as_stack(filters, "filters", 3)
    limit = float(np.abs(filters).max()) or 1.0
    nrows = int(np.ceil(len(filters) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * 0.9, nrows * 1.0))
    axes = np.atleast_1d(axes).ravel()
    for i, ax in enumerate(axes):
        ax.axis("off")
        if i < len(filters):
            ax.imshow(filters[i], cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(str(i), fontsize=8)
    fig.suptitle("First-layer kernels (red: positive weight, blue: negative)", fontsize=10)
    fig.tight_layout()
    return fig


def feature_maps(digits, maps, *, filters=None, channels=None):
    """Rows of feature maps (chapter 5): each row a digit, then its maps for the chosen
    ``channels`` (default the first 8). ``digits`` has shape ``(n, H, W)``, ``maps``
    ``(n, C, h, w)``. With ``filters`` ``(C, kh, kw)`` a top row shows the kernel that
    made each column. Each row shares one grey scale from 0 to its largest value."""
    import matplotlib.pyplot as plt

    digits = _as_stack(digits, "digits", 3)
    maps = _as_stack(maps, "maps", 4)
    if len(digits) != len(maps):
        raise ValueError(f"{len(digits)} digits but feature maps for {len(maps)}")
    channels = list(range(min(8, maps.shape[1]))) if channels is None else list(channels)
    if not channels or max(channels) >= maps.shape[1] or min(channels) < 0:
        raise ValueError(f"channels {channels} must lie in 0 ... {maps.shape[1] - 1}")
    top = filters is not None
    nrows, ncols = len(digits) + top, len(channels) + 1
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * 0.95, nrows * 1.0), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    if top:
        filters = _as_stack(filters, "filters", 3)
        limit = float(np.abs(filters[channels]).max()) or 1.0
        axes[0, 0].set_title("kernel", fontsize=8)
        for col, c in enumerate(channels, 1):
            axes[0, col].imshow(filters[c], cmap="RdBu_r", vmin=-limit, vmax=limit)
            axes[0, col].set_title(str(c), fontsize=8)
    for row, (digit, digit_maps) in enumerate(zip(digits, maps), top):
        axes[row, 0].imshow(digit, cmap="gray_r")
        high = float(digit_maps[channels].max()) or 1.0
        for col, c in enumerate(channels, 1):
            axes[row, col].imshow(digit_maps[c], cmap="gray_r", vmin=0, vmax=high)
    fig.tight_layout()
    return fig


def zero_share(maps) -> float:
    """The share of exactly zero values in rectified feature maps (chapter 5)."""
    maps = np.asarray(maps)
    if maps.size == 0:
        raise ValueError("no feature maps given")
    return float(np.mean(maps == 0))


def flatten_orders(height: int = 2, width: int = 2, channels: int = 3):
    """The two flatten orders (chapter 6): a ``height x width x channels`` feature map drawn
    as its channel planes, each value labelled ``100 * channel + 10 * row + column`` and
    coloured by its channel, then the vector Keras makes of it (height, width, channel)
    and the one PyTorch makes (channel, height, width)."""
    import matplotlib.pyplot as plt

    if min(height, width, channels) < 1 or max(height, width) > 10 or channels > 10:
        raise ValueError(
            f"map {height} x {width} x {channels}: each size must lie in 1 ... 10, so that "
            "the labels 100 * channel + 10 * row + column stay unique"
        )
    rows, cols, chans = np.meshgrid(range(height), range(width), range(channels), indexing="ij")
    hwc = 100 * chans + 10 * rows + cols
    orders = {
        "Keras: (height, width, channel)": hwc.reshape(-1),
        "PyTorch: (channel, height, width)": hwc.transpose(2, 0, 1).reshape(-1),
    }
    colours = plt.get_cmap("Pastel1").colors
    n = height * width * channels
    fig = plt.figure(figsize=(max(6.0, 0.45 * n), 4.2))
    grid = fig.add_gridspec(3, channels, height_ratios=[2.2, 1, 1])
    for c in range(channels):
        ax = fig.add_subplot(grid[0, c])
        ax.imshow(np.full((height, width), c), cmap="Pastel1", vmin=0, vmax=8)
        for r in range(height):
            for k in range(width):
                ax.text(k, r, f"{hwc[r, k, c]:03d}", ha="center", va="center", fontsize=9)
        ax.set_title(f"channel {c}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    for row, (title, vector) in enumerate(orders.items(), 1):
        ax = fig.add_subplot(grid[row, :])
        for i, value in enumerate(vector):
            ax.add_patch(plt.Rectangle((i, 0), 1, 1, color=colours[value // 100], ec="grey"))
            ax.text(i + 0.5, 0.5, f"{value:03d}", ha="center", va="center", fontsize=8)
        ax.set(xlim=(0, n), ylim=(0, 1), title=title)
        ax.set_xticks(np.arange(n) + 0.5, [str(i) for i in range(n)], fontsize=7)
        ax.set_yticks([])
    fig.tight_layout()
    return fig
