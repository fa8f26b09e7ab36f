"""Occlusion maps (chapter 07): which part of a digit did the model's answer rest on?

Cover a small square of the image with a grey patch, ask the model again, and note how
much the probability of the true digit falls. Slide the patch over the whole image and
the falls form a map: large where the covered ink mattered for the true digit, below
zero where covering the ink *raised* that probability, that is, where the image pulled
the model away from the right answer. The model is any function from a batch of
images ``(N, 28, 28)`` to probabilities ``(N, classes)``, so the map does not depend on
the framework.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .training import MNIST_MEAN

__all__ = ["MEAN_GREY", "occluded_copies", "occlusion_map", "plot_occlusion"]

#: MNIST's mean pixel (33 of 255): the grey that standardisation turns into 0.
MEAN_GREY = round(MNIST_MEAN * 255)


def _positions(size: int, patch: int, stride: int) -> list[int]:
    """Top (or left) edges of the patch: every ``stride`` pixels, and flush with the
    far edge, so that every pixel is covered at least once."""
    starts = list(range(0, size - patch + 1, stride))
    if starts[-1] != size - patch:
        starts.append(size - patch)
    return starts


def occluded_copies(image, *, patch: int = 6, stride: int = 2, fill=MEAN_GREY):
    """Copies of the 2-D ``image``, each with one ``patch`` x ``patch`` square set to
    ``fill`` (chapter 07), and the square's ``(top, left)`` corner for each copy. The
    copies keep the image's dtype."""
    image = np.asarray(image)
    if image.ndim != 2:
        raise ValueError(
            f"occlusion needs one 2-D image (height, width), got shape {image.shape}; "
            "pass images[i], not a batch"
        )
    if not (isinstance(patch, int) and isinstance(stride, int)) or patch < 1 or stride < 1:
        raise ValueError(f"patch and stride are whole numbers >= 1, got {patch!r}, {stride!r}")
    if patch > min(image.shape):
        raise ValueError(f"a {patch} x {patch} patch does not fit in a {image.shape} image")
    corners = [
        (top, left)
        for top in _positions(image.shape[0], patch, stride)
        for left in _positions(image.shape[1], patch, stride)
    ]
    copies = np.repeat(image[None], len(corners), axis=0)
    for copy, (top, left) in zip(copies, corners):
        copy[top : top + patch, left : left + patch] = fill
    return copies, corners


def occlusion_map(
    predict: Callable,
    image,
    label: int,
    *,
    patch: int = 6,
    stride: int = 2,
    fill=MEAN_GREY,
):
    """The fall in the probability of class ``label`` when a grey patch covers each
    pixel (chapter 07), as an array of the image's shape: for every pixel, the mean
    of ``p(label | image) - p(label | image with the patch)`` over the patches that
    cover it. ``predict`` maps a batch ``(N, H, W)`` to probabilities ``(N, classes)``.
    Returns ``(map, p)`` where ``p`` is the probability of ``label`` without a patch."""
    image = np.asarray(image)
    copies, corners = occluded_copies(image, patch=patch, stride=stride, fill=fill)
    probabilities = np.asarray(predict(np.concatenate([image[None], copies])))
    if probabilities.ndim != 2 or len(probabilities) != len(copies) + 1:
        raise ValueError(
            f"predict must return one row of probabilities per image: gave shape "
            f"{probabilities.shape} for {len(copies) + 1} images"
        )
    if not 0 <= label < probabilities.shape[1]:
        raise ValueError(f"label {label} is not one of the {probabilities.shape[1]} classes")
    base = float(probabilities[0, label])
    falls = base - probabilities[1:, label]
    total = np.zeros(image.shape)
    covered = np.zeros(image.shape)
    for fall, (top, left) in zip(falls, corners):
        total[top : top + patch, left : left + patch] += fall
        covered[top : top + patch, left : left + patch] += 1
    return total / covered, base


def plot_occlusion(images, maps, titles=None):
    """Digits (top row) above their occlusion maps (bottom row), chapter 07. Each map
    is drawn red where covering the pixel lowered the true digit's probability and blue
    where it raised it, on one colour scale shared by all maps (0 is white), with the
    digit's outline on top; returns the figure."""
    import matplotlib.pyplot as plt

    images, maps = np.asarray(images), np.asarray(maps)
    if len(images) == 0 or images.shape != maps.shape or images.ndim != 3:
        raise ValueError(
            f"need images and maps of the same shape (N, H, W) with N >= 1, got "
            f"{images.shape} and {maps.shape}"
        )
    limit = float(np.abs(maps).max()) or 1.0
    fig, axes = plt.subplots(2, len(images), figsize=(1.6 * len(images), 3.6), squeeze=False)
    for i, (image, fall) in enumerate(zip(images, maps)):
        axes[0, i].imshow(image, cmap="gray_r", vmin=0, vmax=images.max() or 1)
        shown = axes[1, i].imshow(fall, cmap="RdBu_r", vmin=-limit, vmax=limit)
        axes[1, i].contour(image, levels=[image.max() / 2], colors="black", linewidths=0.6)
        if titles is not None:
            axes[0, i].set_title(str(titles[i]), fontsize=8)
        for ax in axes[:, i]:
            ax.axis("off")
    bar = fig.colorbar(shown, ax=axes[1, :].tolist(), shrink=0.9, pad=0.02)
    bar.set_label("fall in p(true digit)", fontsize=8)
    return fig
