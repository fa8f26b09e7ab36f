"""The figures of chapter 02: one digit as the bytes it is stored as, class balance,
pixel intensities, the same digit on three scales, integer and one-hot labels, and
the score a test set reports when it was also used to choose the model.

The chapter computes what is shown (the counts, the pixels, the simulated scores);
these helpers only draw it. Each returns the figure for ``save_and_show``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "plot_class_balance",
    "plot_digit_bytes",
    "plot_one_hot",
    "plot_pixel_histogram",
    "plot_scalings",
    "plot_selection_bias",
]


def plot_digit_bytes(image, *, rows: slice = slice(4, 12), cols: slice = slice(8, 16)):
    """One 28 x 28 ``uint8`` digit (left) with the block ``rows`` x ``cols`` outlined,
    and that block's bytes written out as numbers (right), shaded like the image
    (chapter 02): an image is nothing but a grid of whole numbers from 0 to 255."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    image = np.asarray(image)
    if image.ndim != 2 or image.dtype != np.uint8:
        raise ValueError(
            f"give one 2-D uint8 image such as x_train[0]; got {image.dtype} of shape {image.shape}"
        )
    block = image[rows, cols]
    if block.size == 0:
        raise ValueError(f"rows {rows} and cols {cols} select no pixel of a {image.shape} image")
    top, left = range(image.shape[0])[rows][0], range(image.shape[1])[cols][0]
    fig, (ax_img, ax_block) = plt.subplots(
        1, 2, figsize=(9, 4), gridspec_kw={"width_ratios": [1, 1.1]}
    )
    ax_img.imshow(image, cmap="gray_r", vmin=0, vmax=255)
    ax_img.add_patch(
        Rectangle(
            (left - 0.5, top - 0.5),
            block.shape[1],
            block.shape[0],
            fill=False,
            edgecolor="tab:red",
            lw=2,
        )
    )
    ax_img.set(title=f"the whole image, {image.shape[0]} × {image.shape[1]}", xticks=[], yticks=[])
    ax_block.imshow(block, cmap="gray_r", vmin=0, vmax=255)
    for (r, c), value in np.ndenumerate(block):
        ax_block.text(
            c,
            r,
            str(value),
            ha="center",
            va="center",
            fontsize=8,
            color="white" if value > 127 else "black",
        )
    ax_block.set(
        title="the outlined block, byte by byte",
        xticks=range(block.shape[1]),
        xticklabels=range(left, left + block.shape[1]),
        yticks=range(block.shape[0]),
        yticklabels=range(top, top + block.shape[0]),
        xlabel="column",
        ylabel="row",
    )
    fig.tight_layout()
    return fig


def plot_scalings(image, *, mean: float, std: float):
    """The same ``uint8`` digit three times, as bytes, divided by 255 and standardised
    with the training set's ``mean`` and ``std`` (of the pixels divided by 255), each
    with its colour bar (chapter 02): the picture is identical, only the numbers move."""
    import matplotlib.pyplot as plt

    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(f"give one 2-D image; got shape {image.shape}")
    if not std > 0:
        raise ValueError(f"std must be positive, got {std}")
    scaled = image / 255.0
    versions = [
        ("bytes x", image.astype(float), 0.0, 255.0),
        ("x / 255", scaled, 0.0, 1.0),
        ("(x / 255 − μ) / σ", (scaled - mean) / std, -mean / std, (1 - mean) / std),
    ]
    fig, axes = plt.subplots(1, 3, figsize=(10, 3))
    for ax, (title, values, low, high) in zip(axes, versions):
        shown = ax.imshow(values, cmap="gray_r", vmin=low, vmax=high)
        fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
        ax.set(title=title, xticks=[], yticks=[])
    fig.tight_layout()
    return fig


def plot_one_hot(labels):
    """Integer labels beside their one-hot rows (chapter 02): one row per label, a dark
    cell in the label's column, the integer written on the left."""
    import matplotlib.pyplot as plt

    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"give a 1-D array of integer labels; got {labels.dtype} {labels.shape}")
    if labels.min() < 0 or labels.max() > 9:
        raise ValueError(f"labels must be digits 0-9; got {labels.min()} to {labels.max()}")
    one_hot = np.eye(10)[labels]
    fig, ax = plt.subplots(figsize=(5, 0.35 * len(labels) + 1))
    ax.imshow(one_hot, cmap="Greys", vmin=0, vmax=1.4)
    for (r, c), value in np.ndenumerate(one_hot):
        ax.text(
            c,
            r,
            f"{value:g}",
            ha="center",
            va="center",
            fontsize=8,
            color="white" if value else "grey",
        )
    ax.set(
        xticks=range(10),
        yticks=range(len(labels)),
        yticklabels=[str(label) for label in labels],
        xlabel="position in the one-hot vector (= digit)",
        ylabel="integer label",
        title="Integer labels and their one-hot rows",
    )
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    fig.tight_layout()
    return fig


def plot_class_balance(train_counts, test_counts):
    """Each digit's share of the training and of the test set, side by side, with the
    10% of perfectly balanced classes as a dashed line (chapter 02). The counts are
    images per digit, 0 to 9 (``np.bincount(y, minlength=10)``)."""
    import matplotlib.pyplot as plt

    train_counts, test_counts = np.asarray(train_counts), np.asarray(test_counts)
    if train_counts.shape != (10,) or test_counts.shape != (10,):
        raise ValueError(
            f"give ten counts per set, one per digit; got shapes "
            f"{train_counts.shape} and {test_counts.shape}"
        )
    if train_counts.sum() <= 0 or test_counts.sum() <= 0:
        raise ValueError("each set needs at least one image")
    fig, ax = plt.subplots(figsize=(8, 3))
    digits = np.arange(10)
    for offset, counts, name in [(-0.2, train_counts, "train"), (0.2, test_counts, "test")]:
        ax.bar(
            digits + offset, counts / counts.sum(), width=0.4, label=f"{name} ({counts.sum():,})"
        )
    ax.axhline(0.1, color="grey", lw=0.8, ls="--")
    ax.set(xticks=digits, xlabel="digit", ylabel="share of the set", title="Class balance")
    ax.legend()
    return fig


def plot_pixel_histogram(pixels):
    """How often each of the 256 grey values occurs, on a log scale (chapter 02)."""
    import matplotlib.pyplot as plt

    pixels = np.asarray(pixels).reshape(-1)
    if pixels.size == 0:
        raise ValueError("no pixels to count")
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.hist(pixels, bins=np.arange(257) - 0.5, log=True)  # one bin per value
    ax.set(
        xlabel="pixel value (0 = background, 255 = ink)",
        ylabel="count (log scale)",
        title="Pixel intensities of the training set",
    )
    return fig


def plot_selection_bias(best_seen, fresh, *, n_models: int, accuracy: float, step: float = 0.0002):
    """Histograms of simulated test accuracies (chapter 02): the best of ``n_models``
    equally good models on the set that chose it (``best_seen``, what gets reported),
    and the chosen model on fresh data (``fresh``, the truth); a line marks their true
    ``accuracy``. Bins are ``step`` wide (0.0002 is two images of 10,000)."""
    import matplotlib.pyplot as plt

    best_seen, fresh = np.asarray(best_seen, float), np.asarray(fresh, float)
    if best_seen.size == 0 or fresh.size == 0:
        raise ValueError("need simulated scores for both histograms")
    if step <= 0:
        raise ValueError(f"step must be positive, got {step}")
    scores = np.concatenate([best_seen, fresh])
    low = np.floor(scores.min() / step) * step
    bins = np.arange(low, scores.max() + 2 * step, step)
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.hist(fresh, bins=bins, alpha=0.7, label="on fresh data (the truth)")
    ax.hist(
        best_seen, bins=bins, alpha=0.7, label=f"best of {n_models} on the selection set (reported)"
    )
    ax.axvline(accuracy, color="k", lw=0.8)
    ax.set(
        xlabel="test accuracy",
        ylabel="simulated runs",
        title="Choosing on the test set inflates the score",
    )
    ax.legend()
    return fig
