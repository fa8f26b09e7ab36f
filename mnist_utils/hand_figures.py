"""Figures of chapter 3's hand computations (chapter 3): a kernel sliding over a grid
(valid, padded, strided, several input channels), a shifted digit before and after
pooling, where a pooling layer sends its gradient, the activations with their
derivatives, softmax step by step, the cross-entropy loss and its gradient, the
gradients of a tiny network, the receptive fields of the baseline network and where
its parameters are.

The chapter computes every array itself; these functions only draw them, and return
the figure for :func:`mnist_utils.save_and_show`.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "activation_curves",
    "conv_channels",
    "conv_window",
    "cross_entropy_curves",
    "gradient_grids",
    "parameter_bars",
    "pool_gradient",
    "pooling_shift",
    "receptive_fields",
    "softmax_steps",
]

WINDOW = "tab:orange"  # the kernel's or the pool's window
PADDING = "#dddddd"  # zeros added around the input


def _grid(ax, values, *, title="", shade=None, fmt="{:g}", cmap=None):
    """Draw a 2-D array as a grid of numbers; ``shade`` marks cells (a boolean array)
    with the padding colour. ``cmap`` colours the cells by value instead."""
    from matplotlib.patches import Rectangle

    values = np.asarray(values, dtype=float)
    rows, cols = values.shape
    if cmap is not None:
        limit = np.abs(values).max() or 1.0
        ax.imshow(values, cmap=cmap, vmin=-limit, vmax=limit)
    else:
        ax.imshow(np.zeros_like(values), cmap="Greys", vmin=0, vmax=1)
    for i in range(rows):
        for j in range(cols):
            if shade is not None and shade[i, j]:
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, color=PADDING, zorder=0.5))
            ax.text(j, i, fmt.format(values[i, j] + 0.0), ha="center", va="center", fontsize=8)
    ax.set_xticks(np.arange(-0.5, cols), minor=True)
    ax.set_yticks(np.arange(-0.5, rows), minor=True)
    ax.grid(which="minor", color="grey", lw=0.5)
    ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    ax.set_title(title, fontsize=9)


def _box(ax, top, left, height, width, *, dashed=False, color=WINDOW):
    from matplotlib.patches import Rectangle

    ax.add_patch(
        Rectangle(
            (left - 0.5, top - 0.5),
            width,
            height,
            fill=False,
            lw=2.5,
            ls="--" if dashed else "-",
            edgecolor=color,
            zorder=3,
        )
    )


def conv_window(x, w, y, *, at=(0, 0), stride: int = 1, padding: int = 0):
    """Three panels (chapter 3): the input with ``padding`` rings of zeros (shaded),
    the kernel ``w``, and the output ``y``. The window that computes ``y[at]`` is
    drawn solid on the input, the next window to the right dashed (it is ``stride``
    pixels further), and ``y[at]`` is framed in the output."""
    import matplotlib.pyplot as plt

    x, w, y = (np.asarray(a, dtype=float) for a in (x, w, y))
    kh, kw = w.shape
    xp = np.pad(x, padding)
    shade = np.pad(np.zeros(x.shape, bool), padding, constant_values=True)
    i, j = at
    if not (0 <= i < y.shape[0] and 0 <= j < y.shape[1]):
        raise ValueError(f"at={at} is outside the {y.shape[0]} x {y.shape[1]} output")
    fig, axes = plt.subplots(
        1, 3, figsize=(8.5, 3.2), gridspec_kw={"width_ratios": [xp.shape[1], kw, y.shape[1]]}
    )
    _grid(axes[0], xp, title=f"input, padding {padding}, stride {stride}", shade=shade)
    _box(axes[0], i * stride, j * stride, kh, kw)
    if (j + 1) * stride + kw <= xp.shape[1]:
        _box(axes[0], i * stride, (j + 1) * stride, kh, kw, dashed=True)
    _grid(axes[1], w, title="kernel")
    _grid(axes[2], y, title=f"output {y.shape[0]} x {y.shape[1]}")
    _box(axes[2], i, j, 1, 1)
    fig.tight_layout()
    return fig


def conv_channels(x, w, b: float, y, *, at=(0, 0), padding: int = 0):
    """One output channel of a conv layer with several input channels (chapter 3).

    ``x`` is ``(C_in, H, W)``, ``w`` the output channel's kernel ``(C_in, kh, kw)``,
    ``b`` its bias and ``y`` its output map. Row ``c`` shows input channel ``c`` with
    the window of ``y[at]`` and the kernel slice ``w[c]``, titled with that channel's
    share of the sum; the last panel is ``y`` with ``y[at]`` framed, titled with the
    shares plus the bias.
    """
    import matplotlib.pyplot as plt

    x, w, y = (np.asarray(a, dtype=float) for a in (x, w, y))
    if x.ndim != 3 or w.shape[0] != x.shape[0]:
        raise ValueError(
            f"x {x.shape} and w {w.shape}: give x as (C_in, H, W), w as (C_in, kh, kw)"
        )
    c_in, (kh, kw), (i, j) = x.shape[0], w.shape[1:], at
    xp = np.pad(x, ((0, 0), (padding, padding), (padding, padding)))
    shade = np.pad(np.zeros(x.shape[1:], bool), padding, constant_values=True)
    shares = [float(np.sum(xp[c, i : i + kh, j : j + kw] * w[c])) for c in range(c_in)]
    fig, axes = plt.subplots(
        c_in,
        3,
        figsize=(8.5, 2.9 * c_in),
        squeeze=False,
        gridspec_kw={"width_ratios": [xp.shape[2], kw, y.shape[1]]},
    )
    for c in range(c_in):
        _grid(axes[c, 0], xp[c], title=f"input channel {c}", shade=shade)
        _box(axes[c, 0], i, j, kh, kw)
        _grid(axes[c, 1], w[c], title=f"kernel slice {c}: share {shares[c]:g}")
        if c:
            axes[c, 2].axis("off")
    terms = " + ".join(f"{v:g}" for v in shares)
    _grid(axes[0, 2], y, title=f"output: {terms} + bias {b:g} = {y[i, j]:g}")
    _box(axes[0, 2], i, j, 1, 1)
    fig.tight_layout()
    return fig


def pool_gradient(x, upstream, grad, k: int = 2):
    """Three panels (chapter 3): the map ``x`` with its ``k x k`` windows outlined
    and each window's maximum framed, the gradient ``upstream`` arriving at the pooled
    map, and ``grad``, where backpropagation sends it in the input."""
    import matplotlib.pyplot as plt

    x, upstream, grad = (np.asarray(a, dtype=float) for a in (x, upstream, grad))
    fig, axes = plt.subplots(1, 3, figsize=(8.5, 3.2), gridspec_kw={"width_ratios": [2, 1, 2]})
    _grid(axes[0], x, title=f"input, {k} x {k} windows")
    for r in range(0, x.shape[0] - k + 1, k):
        for c in range(0, x.shape[1] - k + 1, k):
            _box(axes[0], r, c, k, k, color="grey")
            m, n = np.unravel_index(np.argmax(x[r : r + k, c : c + k]), (k, k))
            _box(axes[0], r + m, c + n, 1, 1)
    _grid(axes[1], upstream, title="gradient at the pooled map")
    _grid(axes[2], grad, title="gradient at the input", shade=grad == 0)
    fig.tight_layout()
    return fig


def receptive_fields(image, fields):
    """A digit with one square per layer (chapter 3): ``fields`` is a list of
    ``(label, top, left, size)``, the input pixels one unit after that layer sees."""
    import matplotlib.pyplot as plt

    if not fields:
        raise ValueError("give at least one receptive field to draw")
    fig, ax = plt.subplots(figsize=(4.6, 4.6))
    ax.imshow(image, cmap="gray_r", alpha=0.45)
    colors = plt.cm.plasma(np.linspace(0, 0.8, len(fields)))
    for (label, top, left, size), color in zip(fields, colors):
        _box(ax, top, left, size, size, color=color)
        ax.plot([], [], color=color, lw=2.5, label=f"{label}: {size} x {size}")
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(1.02, 0.0))
    ax.set_xticks([])
    ax.set_yticks([])
    return fig


def softmax_steps(z, labels=None):
    """Three bar panels (chapter 3): the logits ``z``, their exponentials, and the
    exponentials divided by their sum, the softmax probabilities."""
    import matplotlib.pyplot as plt

    z = np.asarray(z, dtype=float)
    e = np.exp(z)
    labels = [str(k) for k in range(len(z))] if labels is None else list(labels)
    fig, axes = plt.subplots(1, 3, figsize=(9, 2.8))
    for ax, values, title in zip(
        axes, (z, e, e / e.sum()), ("logits z", "exp(z)", "exp(z) / sum: probabilities")
    ):
        ax.bar(labels, values, color="tab:blue")
        for k, v in enumerate(values):
            ax.text(k, v, f"{v:.3g}", ha="center", va="bottom", fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("class")
        ax.margins(y=0.2)
    fig.tight_layout()
    return fig


def cross_entropy_curves(marked_p: float):
    """Two panels (chapter 3) against the probability p of the true class: the loss
    -ln p with ``marked_p`` marked, and the size of the gradient on the true class's
    logit, 1 - p for the cross-entropy and p (1 - p) for the loss -p, which leaves out
    the logarithm."""
    import matplotlib.pyplot as plt

    if not 0 < marked_p <= 1:
        raise ValueError(f"marked_p must be a probability in (0, 1], got {marked_p}")
    p = np.linspace(0.005, 1, 400)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3))
    ax1.plot(p, -np.log(p), label="-ln p")
    ax1.plot([marked_p], [-np.log(marked_p)], "o", color=WINDOW, label=f"p = {marked_p:g}")
    ax1.set(title="Cross-entropy loss", xlabel="p of the true class", ylim=(0, 5.5))
    ax2.plot(p, 1 - p, label="cross-entropy: 1 - p")
    ax2.plot(p, p * (1 - p), label="loss -p: p (1 - p)")
    ax2.set(title="|gradient| on the true logit", xlabel="p of the true class", ylim=(0, 1.05))
    for ax in (ax1, ax2):
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def gradient_grids(grads: dict):
    """One panel per gradient (chapter 3): ``grads`` maps a label such as
    ``"dL/dW1"`` to a 2-D array, drawn as numbers on cells coloured by sign and size
    (blue negative, red positive)."""
    import matplotlib.pyplot as plt

    if not grads:
        raise ValueError("give at least one gradient to draw")
    widths = [np.shape(g)[1] for g in grads.values()]
    fig, axes = plt.subplots(
        1,
        len(grads),
        figsize=(2.2 * sum(widths) / 2 + 1, 2.8),
        squeeze=False,
        gridspec_kw={"width_ratios": widths},
    )
    for ax, (label, g) in zip(axes[0], grads.items()):
        _grid(ax, g, title=label, fmt="{:.3f}", cmap="coolwarm")
    fig.tight_layout()
    return fig


def parameter_bars(names, counts):
    """Horizontal bars (chapter 3): the parameters of each layer, with their count."""
    import matplotlib.pyplot as plt

    if len(names) != len(counts):
        raise ValueError(f"{len(names)} names for {len(counts)} counts")
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(names) + 0.8))
    ax.barh(names, counts, color="tab:blue")
    for k, n in enumerate(counts):
        ax.text(n, k, f" {n:,}", va="center", fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("parameters")
    ax.margins(x=0.18)
    fig.tight_layout()
    return fig


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
