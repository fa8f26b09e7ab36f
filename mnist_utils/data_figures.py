"""The figures of chapter 02: class balance, pixel intensities, and the score a test
set reports when it was also used to choose the model.

The chapter computes what is shown (the counts, the pixels, the simulated scores);
these helpers only draw it. Each returns the figure for ``save_and_show``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_class_balance", "plot_pixel_histogram", "plot_selection_bias"]


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
