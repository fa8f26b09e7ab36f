"""Data augmentation on whole batches of tensors: small random rotations, shifts
and zooms (chapter 11; the best model of chapter 13 reuses it).

Each image of a batch gets its own random affine transform, but the whole batch
is warped in one call of ``torch.nn.functional.affine_grid`` and ``grid_sample``
(bilinear interpolation), so there is no per-image loop and no PIL round trip::

    train_batches = AugmentedBatches(
        TensorBatches(images, labels, 128, shuffle=True, seed=SEED),
        rotation=10, shift=2, zoom=0.1, seed=SEED)

The transform of an image is: zoom by a factor ``s`` and rotate by ``angle``
about the image centre, then shift by ``(dx, dy)`` pixels (``dx > 0`` moves the
digit right, ``dy > 0`` moves it down, ``s > 1`` makes it bigger, a positive
angle turns it counter-clockwise as displayed). Pixels that come in from outside
the image get the value ``fill``: the background of normalised MNIST by default.
"""

from __future__ import annotations

import math
import numbers

from .checks import is_whole_number
from .training import MNIST_MEAN, MNIST_STD

__all__ = ["AugmentedBatches", "BACKGROUND", "affine", "check_ranges", "random_affine"]

#: A black (0) pixel after ``training.to_tensors`` normalisation.
BACKGROUND = (0.0 - MNIST_MEAN) / MNIST_STD


def check_ranges(rotation, shift, zoom) -> tuple[float, float, float]:
    """Check the augmentation ranges and return them as floats.

    ``rotation``: largest angle in degrees, 0-180; ``shift``: largest shift in
    pixels, 0-14 (half an MNIST image); ``zoom``: largest relative change of size,
    0 <= zoom < 1 (the factor is drawn from ``[1 - zoom, 1 + zoom]``).
    """
    limits = {
        "rotation": (rotation, 180, "degrees", True),
        "shift": (shift, 14, "pixels", True),
        "zoom": (zoom, 1, "(a fraction of the size)", False),
    }
    for name, (value, top, unit, top_allowed) in limits.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{name} must be a number, got {value!r}")
        if (
            not math.isfinite(value)
            or value < 0
            or value > top
            or (value == top and not top_allowed)
        ):
            upper = f"<= {top}" if top_allowed else f"< {top}"
            raise ValueError(f"{name} must be >= 0 and {upper} {unit}, got {value!r}")
    return float(rotation), float(shift), float(zoom)


def _check_images(images):
    import torch

    if not isinstance(images, torch.Tensor) or images.ndim != 4:
        shape = tuple(images.shape) if hasattr(images, "shape") else type(images).__name__
        raise ValueError(f"expected a 4-D tensor of images (N, C, H, W), got {shape}")
    if not images.is_floating_point():
        raise ValueError(
            f"expected floating-point images (e.g. from training.to_tensors), got {images.dtype}"
        )
    if images.shape[-1] != images.shape[-2]:
        raise ValueError(f"expected square images, got {images.shape[-2]}x{images.shape[-1]}")


def affine(images, angle, dx, dy, scale, *, fill: float = BACKGROUND):
    """Warp each image of a batch by its own rotation, shift and zoom.

    ``images`` is a float tensor ``(N, C, H, W)`` with ``H == W``; ``angle``
    (degrees), ``dx``, ``dy`` (pixels) and ``scale`` (factor) are tensors of ``N``
    values (or numbers, used for every image). Returns a new tensor.
    """
    import torch
    import torch.nn.functional as F

    _check_images(images)
    n, _, _, size = images.shape
    values = {}
    for name, value in (("angle", angle), ("dx", dx), ("dy", dy), ("scale", scale)):
        value = torch.as_tensor(value, dtype=images.dtype, device=images.device)
        value = value.expand(n) if value.ndim == 0 else value
        if value.shape != (n,):
            raise ValueError(
                f"{name} must be a number or hold one value per image "
                f"({n}), got shape {tuple(value.shape)}"
            )
        values[name] = value
    if bool((values["scale"] <= 0).any()):
        raise ValueError("scale must be positive")
    # affine_grid wants the map from output to input coordinates (normalised to
    # [-1, 1]): the inverse of "zoom, rotate, then shift". On screen y points down,
    # so a counter-clockwise turn as displayed is the matrix R(-angle).
    radians = values["angle"] * (math.pi / 180)
    cos, sin = torch.cos(radians), torch.sin(radians)
    inv_scale = 1 / values["scale"]
    tx, ty = values["dx"] * (2 / size), values["dy"] * (2 / size)
    theta = torch.empty(n, 2, 3, dtype=images.dtype, device=images.device)
    theta[:, 0, 0], theta[:, 0, 1] = cos * inv_scale, -sin * inv_scale
    theta[:, 1, 0], theta[:, 1, 1] = sin * inv_scale, cos * inv_scale
    theta[:, 0, 2] = -(theta[:, 0, 0] * tx + theta[:, 0, 1] * ty)
    theta[:, 1, 2] = -(theta[:, 1, 0] * tx + theta[:, 1, 1] * ty)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    # grid_sample pads with zeros; shift so that "zero" is the fill value
    warped = F.grid_sample(
        images - fill, grid, mode="bilinear", padding_mode="zeros", align_corners=False
    )
    return warped + fill


def random_affine(
    images,
    *,
    rotation: float = 10.0,
    shift: float = 2.0,
    zoom: float = 0.1,
    generator=None,
    fill: float = BACKGROUND,
):
    """A random rotation in ``[-rotation, rotation]`` degrees, shifts in
    ``[-shift, shift]`` pixels (each axis) and a zoom factor in
    ``[1 - zoom, 1 + zoom]``, drawn independently for every image (from
    ``generator``, a ``torch.Generator``, for a reproducible result).

    All ranges 0 returns an unchanged copy.
    """
    import torch

    rotation, shift, zoom = check_ranges(rotation, shift, zoom)
    _check_images(images)
    if rotation == shift == zoom == 0:
        return images.clone()
    n = len(images)

    def uniform(half_width):  # n values in [-half_width, half_width], on the CPU
        u = torch.rand(n, generator=generator, dtype=torch.float64)
        return ((2 * u - 1) * half_width).to(images.dtype)

    angle, dx, dy, scale = uniform(rotation), uniform(shift), uniform(shift), 1 + uniform(zoom)
    return affine(
        images,
        angle.to(images.device),
        dx.to(images.device),
        dy.to(images.device),
        scale.to(images.device),
        fill=fill,
    )


class AugmentedBatches:
    """Wrap a ``TensorBatches`` (or any iterable of ``(images, labels)`` batches)
    so that every batch comes out randomly rotated, shifted and zoomed.

    The random draws come from a generator seeded with ``seed`` plus the epoch
    number (as ``TensorBatches`` shuffles): the same seed gives the same augmented
    epochs, and each epoch sees new variants. Labels pass through unchanged; use
    the plain batches for validation and testing.
    """

    def __init__(
        self,
        batches,
        *,
        rotation: float = 10.0,
        shift: float = 2.0,
        zoom: float = 0.1,
        seed: int = 0,
        fill: float = BACKGROUND,
    ):
        self.rotation, self.shift, self.zoom = check_ranges(rotation, shift, zoom)
        if not is_whole_number(seed) or seed < 0:
            raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
        self.batches, self.seed, self.fill, self.epoch = batches, int(seed), fill, 0
        self.dataset = getattr(batches, "dataset", None)

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self):
        import torch

        generator = torch.Generator().manual_seed(self.seed + self.epoch)
        self.epoch += 1
        for images, labels in self.batches:
            yield (
                random_affine(
                    images,
                    rotation=self.rotation,
                    shift=self.shift,
                    zoom=self.zoom,
                    generator=generator,
                    fill=self.fill,
                ),
                labels,
            )
