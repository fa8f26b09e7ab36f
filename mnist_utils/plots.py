"""Figures: one helper saves every figure of the book and shows it (chapter 02)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from .runtime import project_root

__all__ = ["figures_dir", "save_and_show", "image_grid"]


def figures_dir() -> Path:
    """``$MNIST_BOOK_FIGURES``, else ``figures/`` in the book's checkout (git-ignored)."""
    return Path(os.environ.get("MNIST_BOOK_FIGURES") or project_root() / "figures")


def save_and_show(fig, name: str, *, dpi: int = 110) -> Path:
    """Save ``fig`` as ``figures/<name>.png`` (atomically) and display it.

    ``name`` is a short slug such as ``"02_class_balance"``; the path is returned.
    """
    import matplotlib.pyplot as plt

    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(f"figure name {name!r}: use letters, digits, '-', '_' or '.' only")
    folder = figures_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    tmp = folder / f".{name}.tmp.png"
    fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
    os.replace(tmp, path)
    plt.show()
    return path


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
