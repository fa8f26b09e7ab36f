"""Figures: one helper saves every figure of the book and shows it (chapter 02)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import numpy as np

from .files import atomic_write
from .runtime import project_root

__all__ = [
    "figures_dir",
    "image_grid",
    "plot_confusion_matrix",
    "plot_history",
    "plot_reliability",
    "save_and_show",
]


def figures_dir() -> Path:
    """``$MNIST_BOOK_FIGURES``, else ``figures/`` in the book's checkout (git-ignored)."""
    return Path(os.environ.get("MNIST_BOOK_FIGURES") or project_root() / "figures")


def save_and_show(fig, name: str, *, dpi: int = 110) -> None:
    """Save ``fig`` as ``figures/<name>.png`` (atomically) and display it.

    ``name`` is a short slug such as ``"02_class_balance"``. Nothing is returned, so a
    cell that ends with this call shows only the figure.
    """
    import matplotlib.pyplot as plt

    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(f"figure name {name!r}: use letters, digits, '-', '_' or '.' only")
    folder = figures_dir()
    folder.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    atomic_write(folder / f"{name}.png", buffer.getvalue())
    plt.show()


def image_grid(images, titles=None, *, ncols: int = 10, size: float = 1.0, cmap="gray_r"):
    """A grid of 28x28 images with optional titles; returns the figure."""
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    nrows = int(np.ceil(len(images) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * size, nrows * size * 1.15))
    for i, ax in enumerate(np.atleast_1d(axes).ravel()):
        ax.axis("off")
        if i < len(images):
            ax.imshow(images[i].reshape(28, 28), cmap=cmap, vmin=0, vmax=images.max() or 1)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=8)
    fig.tight_layout()
    return fig


def plot_history(histories, *, title: str = "Training curves"):
    """Loss and accuracy per epoch for one history dict or ``{label: history}``
    (Keras ``History.history`` or the dict returned by ``training.fit``); chapter 5."""
    import matplotlib.pyplot as plt

    if "loss" in histories:
        histories = {"": histories}
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.4))
    for label, h in histories.items():
        epochs = np.arange(1, len(h["loss"]) + 1)
        prefix = f"{label} " if label else ""
        (line,) = ax_loss.plot(epochs, h["loss"], marker="o", label=f"{prefix}train")
        acc_key = "accuracy" if "accuracy" in h else "acc"
        ax_acc.plot(epochs, h[acc_key], marker="o", color=line.get_color(), label=f"{prefix}train")
        if "val_loss" in h:
            ax_loss.plot(
                epochs,
                h["val_loss"],
                ls="--",
                marker="s",
                color=line.get_color(),
                label=f"{prefix}validation",
            )
            ax_acc.plot(
                epochs,
                h[f"val_{acc_key}"],
                ls="--",
                marker="s",
                color=line.get_color(),
                label=f"{prefix}validation",
            )
    ax_loss.set(xlabel="epoch", ylabel="loss", title="loss")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(matrix, *, title: str = "Confusion matrix (test set)"):
    """Counts with the diagonal dimmed so the mistakes stand out (chapter 7)."""
    import matplotlib.pyplot as plt

    matrix = np.asarray(matrix)
    off = matrix.astype(float).copy()
    np.fill_diagonal(off, np.nan)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.imshow(off, cmap="Reds")
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(
            j,
            i,
            str(count),
            ha="center",
            va="center",
            fontsize=7,
            color="grey" if i == j else "black",
        )
    ax.set(xticks=range(10), yticks=range(10), xlabel="predicted", ylabel="true", title=title)
    fig.tight_layout()
    return fig


def plot_reliability(edges, mean_confidence, accuracy, counts, *, title="Reliability diagram"):
    """Accuracy against confidence per bin, with the diagonal of perfect calibration."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    centres = (edges[:-1] + edges[1:]) / 2
    used = counts > 0
    ax.bar(
        centres[used],
        accuracy[used],
        width=edges[1] - edges[0],
        alpha=0.6,
        edgecolor="k",
        label="accuracy in bin",
    )
    ax.plot([0, 1], [0, 1], "k--", lw=1, label="perfect calibration")
    ax.plot(mean_confidence[used], accuracy[used], "o", color="C3", label="mean confidence")
    ax.set(xlabel="confidence", ylabel="accuracy", xlim=(0, 1), ylim=(0, 1), title=title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
