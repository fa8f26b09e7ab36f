"""MNIST as the chapters use it: the arrays and the splits (chapters 02 and 05).

``load_mnist()`` returns ``(x_train, y_train), (x_test, y_test)`` exactly as
``keras.datasets.mnist.load_data()`` does: uint8 images of shape (60000, 28, 28) and
(10000, 28, 28), uint8 labels 0-9. Where those arrays come from (the cache, the
offline package, the mirrors) and how each source is checked is
:mod:`mnist_utils.sources`; this module turns them into what a chapter trains on:
:func:`train_val_split` holds out a seeded validation set (the test set is kept for
the one final measurement), and :func:`load_splits` returns fit, validation and test
arrays as one :class:`Splits`, cut to small subsets in quick mode.

The names that moved to :mod:`mnist_utils.sources` (:class:`MNISTUnavailableError`,
:func:`prepare_torchvision_root`, :func:`default_data_dir`, :data:`MNIST_FILES`,
:func:`read_idx`, :func:`write_idx`) can still be imported from here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .checks import is_whole_number
from .sources import (
    MIRRORS,
    MNIST_FILES,
    PACKAGE_NAME,
    MNISTUnavailableError,
    default_data_dir,
    mnist_arrays,
    prepare_torchvision_root,
    read_idx,
    write_idx,
)

__all__ = [
    "MNISTUnavailableError",
    "MNIST_FILES",
    "default_data_dir",
    "Splits",
    "load_mnist",
    "load_splits",
    "prepare_torchvision_root",
    "read_idx",
    "write_idx",
    "train_val_split",
]


def load_mnist(
    data_dir: str | os.PathLike | None = None,
    *,
    package: str | None = PACKAGE_NAME,
    mirrors: tuple[str, ...] | list[str] | None = MIRRORS,
    md5s: dict[str, str] | None = None,
    timeout: float = 30.0,
):
    """Return ``(x_train, y_train), (x_test, y_test)`` as uint8 NumPy arrays (chapter 02).

    Same contract as ``keras.datasets.mnist.load_data()``. The arrays come from
    :func:`mnist_utils.sources.mnist_arrays`, which the arguments are passed to:
    ``data_dir`` defaults to :func:`default_data_dir`; ``package=None`` skips the
    offline package and ``mirrors=None`` (or ``()``) skips the download; ``md5s``
    overrides the expected MD5 sums (keys of :data:`MNIST_FILES`), for a mirror of
    your own. Raises :class:`MNISTUnavailableError` when no source works.
    """
    arrays = mnist_arrays(data_dir, package=package, mirrors=mirrors, md5s=md5s, timeout=timeout)
    return (
        (arrays["train_images"], arrays["train_labels"]),
        (arrays["test_images"], arrays["test_labels"]),
    )


def train_val_split(x, y, val_size: int = 5_000, seed: int = 0):
    """Hold out ``val_size`` random training examples for validation (chapter 02).

    Returns ``(x_train, y_train), (x_val, y_val)``. The test set is never touched: it
    is kept for the one final measurement.
    """
    if not is_whole_number(val_size) or not 0 < val_size < len(x):
        raise ValueError(
            f"val_size must be between 1 and {len(x) - 1} (a whole number of "
            f"images), got {val_size!r}"
        )
    order = np.random.default_rng(seed).permutation(len(x))
    val, train = order[:val_size], order[val_size:]
    return (x[train], y[train]), (x[val], y[val])


@dataclass(frozen=True)
class Splits:
    """Fit, validation and test arrays (uint8 images, int labels) from :func:`load_splits`.

    ``fit_index`` and ``val_index`` are the positions of the fit and validation
    images in MNIST's 60,000-image training set (to build matching subsets of other
    datasets, such as ``torchvision.datasets.MNIST``).
    """

    x_fit: np.ndarray
    y_fit: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    fit_index: np.ndarray
    val_index: np.ndarray

    def pairs(self):
        """``(x_fit, y_fit), (x_val, y_val), (x_test, y_test)``, to unpack as Keras'
        ``mnist.load_data()`` is unpacked (chapters 05-06)."""
        return (self.x_fit, self.y_fit), (self.x_val, self.y_val), (self.x_test, self.y_test)

    def sizes(self) -> str:
        return (
            f"fit {len(self.y_fit):,}  validation {len(self.y_val):,}  "
            f"test {len(self.y_test):,} images"
        )


def _limit(name: str, n: int | None, available: int) -> int:
    if n is None:
        return available
    if not is_whole_number(n) or n < 1:
        raise ValueError(f"{name} must be a positive number of images or None (all), got {n!r}")
    return min(int(n), available)


def load_splits(
    val_size: int = 5_000,
    seed: int = 0,
    *,
    fit: int | None = None,
    val: int | None = None,
    test: int | None = None,
    **load_kwargs,
) -> Splits:
    """MNIST with a seeded validation split, optionally cut to smaller subsets (chapter 05).

    ``val_size`` training images are held out at random (:func:`train_val_split`);
    ``fit``, ``val`` and ``test`` keep only the first so many of each part (``None``:
    all), which is how quick mode makes a chapter run in seconds::

        splits = load_splits(VAL_SIZE, SEED, **run.pick(
            full={}, quick={"fit": 2_000, "val": 1_000, "test": 2_000}))
    """
    (x_train, y_train), (x_test, y_test) = load_mnist(**load_kwargs)
    positions = np.arange(len(x_train))
    (fit_index, _), (val_index, _) = train_val_split(positions, positions, val_size, seed)
    fit_index = fit_index[: _limit("fit", fit, len(fit_index))]
    val_index = val_index[: _limit("val", val, len(val_index))]
    n_test = _limit("test", test, len(x_test))
    return Splits(
        x_train[fit_index],
        y_train[fit_index],
        x_train[val_index],
        y_train[val_index],
        x_test[:n_test],
        y_test[:n_test],
        fit_index,
        val_index,
    )
