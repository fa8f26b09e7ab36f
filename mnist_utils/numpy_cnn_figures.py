"""The figures of chapter 4's NumPy CNN: the im2col matrix of a small image, the
training curves, and the learned filters with their feature maps (chapter 4).

Each function draws arrays the chapter computed and returns the figure for
:func:`mnist_utils.save_and_show`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["filters_and_maps", "im2col_picture", "training_curves"]


def im2col_picture(image, cols, k: int):
    """A small 2-D ``image`` with its ``k x k`` windows outlined, beside its im2col
    matrix ``cols`` (one window per row), each window in its own colour (chapter 4)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    image = np.asarray(image)
    out_h, out_w = image.shape[0] - k + 1, image.shape[1] - k + 1
    positions = [(i, j) for i in range(out_h) for j in range(out_w)]
    if cols.shape != (len(positions), k * k):
        raise ValueError(
            f"cols has shape {cols.shape}; a {image.shape} image with "
            f"{k} x {k} windows gives {(len(positions), k * k)}"
        )
    colors = plt.cm.tab10.colors
    fig, (ax_img, ax_cols) = plt.subplots(
        1, 2, figsize=(10, 3.2), gridspec_kw={"width_ratios": [1, 2.4]}
    )
    ax_img.imshow(np.ones(image.shape), cmap="gray", vmin=0, vmax=1)
    for r, c in np.ndindex(image.shape):
        ax_img.text(c, r, f"{image[r, c]:g}", ha="center", va="center")
    for row, (i, j) in enumerate(positions):
        inset = 0.07 * (row + 1)  # nest the outlines so all of them show
        ax_img.add_patch(
            Rectangle(
                (j - 0.5 + inset, i - 0.5 + inset),
                k - 2 * inset,
                k - 2 * inset,
                fill=False,
                edgecolor=colors[row % 10],
                lw=2,
            )
        )
    ax_img.set(xticks=[], yticks=[], title=f"image and its {len(positions)} windows of {k} × {k}")

    ax_cols.imshow(np.ones(cols.shape), cmap="gray", vmin=0, vmax=1)
    for row in range(len(positions)):
        ax_cols.add_patch(Rectangle((-0.5, row - 0.5), k * k, 1, color=colors[row % 10], alpha=0.3))
        for col in range(k * k):
            ax_cols.text(col, row, f"{cols[row, col]:g}", ha="center", va="center")
    ax_cols.set(
        xticks=range(k * k),
        xticklabels=[f"{u},{v}" for u in range(k) for v in range(k)],
        yticks=range(len(positions)),
        yticklabels=[f"{i},{j}" for i, j in positions],
        xlabel="position (u, v) inside the kernel",
        ylabel="output position (i, j)",
        title="im2col matrix: one window per row",
    )
    fig.tight_layout()
    return fig


def training_curves(history):
    """Two panels (chapter 4): every minibatch loss with its running mean and the
    validation loss per epoch (log scale), and the validation accuracy after each
    epoch. ``history`` is a :class:`mnist_utils.numpy_cnn_training.History`."""
    import matplotlib.pyplot as plt

    all_losses = np.concatenate(history.batch_losses)
    steps = len(history.batch_losses[0])  # minibatches per epoch
    window = max(1, min(50, len(all_losses) // 5))  # for the running mean
    smooth = np.convolve(all_losses, np.ones(window) / window, mode="valid")
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.6))
    ax_loss.plot(
        np.arange(1, len(all_losses) + 1) / steps,
        all_losses,
        alpha=0.25,
        lw=0.8,
        label="minibatch loss",
    )
    ax_loss.plot(
        np.arange(window, len(all_losses) + 1) / steps,
        smooth,
        label=f"mean of the last {window} minibatches",
    )
    ax_loss.plot(history.epoch, history.val_loss, "o-", label="validation loss")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy (log scale)", yscale="log", title="Loss")
    ax_loss.legend(fontsize=8)
    ax_acc.plot(history.epoch[1:], 100 * np.array(history.val_acc[1:]), "o-")
    ax_acc.set(
        xlabel="epoch",
        ylabel="validation accuracy (%)",
        xticks=history.epoch[1:],
        title="Validation accuracy after each epoch",
    )
    fig.tight_layout()
    return fig


def filters_and_maps(kernels, feature_maps, *, digit: int):
    """The learned ``kernels`` (F, k, k) as images (red positive, blue negative), and
    below them the ``feature_maps`` (F, H, W) they produce for one image of the
    digit ``digit``, eight per row (chapter 4)."""
    import matplotlib.pyplot as plt

    n_filters = len(kernels)
    if len(feature_maps) != n_filters:
        raise ValueError(f"{n_filters} kernels but {len(feature_maps)} feature maps")
    ncols = min(n_filters, 8)
    nrows = int(np.ceil(n_filters / ncols))
    fig, axes = plt.subplots(2 * nrows, ncols, figsize=(1.3 * ncols, 2.7 * nrows), squeeze=False)
    limit = np.abs(kernels).max()
    for f, ax in enumerate(axes[:nrows].ravel()):
        ax.axis("off")
        if f < n_filters:
            ax.imshow(kernels[f], cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(f"filter {f}", fontsize=8)
    for f, ax in enumerate(axes[nrows:].ravel()):
        ax.axis("off")
        if f < n_filters:
            ax.imshow(feature_maps[f], cmap="magma")
            ax.set_title(f"map {f}", fontsize=8)
    fig.suptitle(
        f"Learned filters, and their ReLU outputs for a validation image of a {digit}", y=1.0
    )
    fig.tight_layout()
    return fig
