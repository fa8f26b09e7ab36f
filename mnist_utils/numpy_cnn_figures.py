"""The figures of chapter 4's NumPy CNN: one digit's way through the layers, the
im2col matrix of a small image, where a max-pool sends its gradient, how the step
size of a central difference sets its error, the training curves, the learned
filters with their feature maps, and the NumPy logits against PyTorch's (chapter 4).

Each function draws arrays the chapter computed and returns the figure for
:func:`mnist_utils.save_and_show`.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "filters_and_maps",
    "im2col_picture",
    "layer_outputs",
    "maxpool_routing",
    "step_size_errors",
    "training_curves",
    "twin_logits",
]


def layer_outputs(outputs, names, *, channel: int = 0):
    """One image's way through a network (chapter 4): a panel per array in
    ``outputs`` (one image's input and each layer's output, without the batch axis),
    titled with its name from ``names`` and its shape. A (C, H, W) array shows its
    channel ``channel``; a 1-D array is drawn as bars (the flattened vector, the
    logits)."""
    import matplotlib.pyplot as plt

    outputs = [np.asarray(a) for a in outputs]
    if len(outputs) != len(names) or not outputs:
        raise ValueError(f"{len(outputs)} arrays but {len(names)} names; give one name per array")
    fig, axes = plt.subplots(1, len(outputs), figsize=(2.2 * len(outputs), 2.6), squeeze=False)
    for ax, a, name in zip(axes[0], outputs, names):
        if a.ndim == 3:
            ax.imshow(a[channel], cmap="magma")
            ax.set(xticks=[], yticks=[])
        elif a.ndim == 1:
            ax.bar(np.arange(a.size), a, width=1.0, color="tab:blue")
            ax.axhline(0, color="k", lw=0.6)
            ax.set(yticks=[], xticks=[0, a.size - 1] if a.size > 10 else range(a.size))
            ax.tick_params(labelsize=7)
        else:
            raise ValueError(f"{name}: give (C, H, W) or 1-D arrays; got shape {a.shape}")
        ax.set_title(f"{name}\n{a.shape}", fontsize=9)
    fig.tight_layout()
    return fig


def maxpool_routing(x, grad_out, grad_in, p: int = 2):
    """A 2 x 2 max-pool's backward pass drawn as three grids of numbers (chapter 4):
    the input ``x`` with each window's maximum marked, the gradient ``grad_out``
    arriving from above, and the gradient ``grad_in`` passed down, which is nonzero
    only at the maxima. All three are 2-D arrays; ``p`` is the window size."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    x, grad_out, grad_in = (np.asarray(a) for a in (x, grad_out, grad_in))
    if x.shape != grad_in.shape or grad_out.shape != (x.shape[0] // p, x.shape[1] // p):
        raise ValueError(
            f"x {x.shape} and grad_in {grad_in.shape} must match, and grad_out "
            f"{grad_out.shape} must be their {p} x {p}-pooled size"
        )
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), gridspec_kw={"width_ratios": [2, 1, 2]})
    titles = ["input: each window's maximum", "gradient from above", "gradient passed down"]
    for ax, a, title in zip(axes, (x, grad_out, grad_in), titles):
        ax.imshow(np.zeros(a.shape), cmap="gray_r", vmin=0, vmax=1)
        ax.set(xticks=[], yticks=[], title=title)
        for (r, c), value in np.ndenumerate(a):
            ax.text(c, r, f"{value:g}", ha="center", va="center", fontsize=11)
    for ax in (axes[0], axes[2]):
        for i in range(0, x.shape[0] - p + 1, p):
            for j in range(0, x.shape[1] - p + 1, p):
                ax.add_patch(
                    Rectangle((j - 0.5, i - 0.5), p, p, fill=False, edgecolor="grey", lw=1.5)
                )
    rows, cols = np.nonzero(grad_in)
    for r, c in zip(rows, cols):  # the winners: where the gradient goes
        for ax in (axes[0], axes[2]):
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, color="tab:orange", alpha=0.4))
    fig.tight_layout()
    return fig


def step_size_errors(steps, errors):
    """The relative error of a central difference against its step size, on log-log
    axes, one line per entry of ``errors`` (``{label: errors}``, e.g. one per dtype),
    with the smallest error of each line marked (chapter 4)."""
    import matplotlib.pyplot as plt

    steps = np.asarray(steps, float)
    if not errors:
        raise ValueError("give at least one line of errors")
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for label, err in errors.items():
        err = np.asarray(err, float)
        if err.shape != steps.shape:
            raise ValueError(f"{label}: {err.shape[0]} errors for {steps.shape[0]} steps")
        (line,) = ax.loglog(steps, err, "o-", label=label)
        best = int(err.argmin())
        ax.loglog(steps[best], err[best], "*", ms=14, color=line.get_color())
    ax.set(
        xlabel="step size ε",
        ylabel="relative error of the gradient",
        title="Central differences: too large a step is inexact, too small a step rounds away",
    )
    ax.legend()
    return fig


def twin_logits(numpy_logits, torch_logits):
    """Every logit of the NumPy network against the same logit of its PyTorch twin
    (chapter 4): one point per (image, class) and the diagonal they should lie on."""
    import matplotlib.pyplot as plt

    a, b = np.asarray(numpy_logits, float).ravel(), np.asarray(torch_logits, float).ravel()
    if a.shape != b.shape or a.size == 0:
        raise ValueError(f"need logits of the same shape; got {a.size} and {b.size} values")
    fig, ax = plt.subplots(figsize=(4.2, 4.2))
    ax.scatter(a, b, s=6, alpha=0.5)
    low, high = min(a.min(), b.min()), max(a.max(), b.max())
    ax.plot([low, high], [low, high], color="k", lw=0.8)
    ax.set(
        xlabel="logit, NumPy network",
        ylabel="logit, PyTorch twin",
        title="Same weights, same logits",
    )
    ax.set_aspect("equal")
    return fig


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
