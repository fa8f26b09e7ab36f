"""mnist_utils.data: the Keras-style arrays, the validation split and load_splits."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_utils import data, load_mnist, load_splits

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


@pytest.fixture(scope="module")
def mnist():
    """The real MNIST from the default cache (filled by ``make data``)."""
    return load_mnist()


# ------------------------------------------------------------------- real data


def test_contract_matches_keras_load_data(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert set(np.unique(y_train)) == set(range(10))


def test_real_data_checks(mnist):
    (x_train, y_train), (_, y_test) = mnist
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    pixels = x_train.astype(np.float64) / 255
    assert round(pixels.mean(), 4) == 0.1307
    assert round(pixels.std(), 4) == 0.3081
    assert x_train.max() == 255 and x_train.min() == 0


# ---------------------------------------------------------------- validation split


def test_train_val_split_is_disjoint_and_seeded(mnist):
    (x, y), _ = mnist
    (x_tr, y_tr), (x_va, y_va) = data.train_val_split(x, y, val_size=5000, seed=0)
    assert len(x_tr) == 55000 and len(x_va) == 5000
    assert np.bincount(np.concatenate([y_tr, y_va])).tolist() == TRAIN_COUNTS
    (_, y_tr2), (_, y_va2) = data.train_val_split(x, y, val_size=5000, seed=0)
    np.testing.assert_array_equal(y_va, y_va2)
    for bad in (60000, 0, 5000.5, True):
        with pytest.raises(ValueError, match="val_size must be between 1 and 59999"):
            data.train_val_split(x, y, val_size=bad)


def test_load_splits_matches_train_val_split_and_cuts_subsets():
    from mnist_utils import train_val_split

    (x, y), (x_test, y_test) = load_mnist()
    (x_fit, y_fit), (x_val, y_val) = train_val_split(x, y, val_size=5000, seed=3)
    full = load_splits(5000, 3)
    assert full.sizes() == "fit 55,000  validation 5,000  test 10,000 images"
    np.testing.assert_array_equal(full.x_fit, x_fit)
    np.testing.assert_array_equal(full.y_val, y_val)
    np.testing.assert_array_equal(x[full.fit_index], x_fit)  # positions in the training set
    assert not set(full.fit_index) & set(full.val_index)

    small = load_splits(5000, 3, fit=100, val=20, test=7)
    assert (len(small.y_fit), len(small.y_val), len(small.y_test)) == (100, 20, 7)
    np.testing.assert_array_equal(small.y_fit, y_fit[:100])
    assert list(small.y_test) == [7, 2, 1, 0, 4, 1, 4]  # MNIST's first test labels
    assert len(load_splits(5000, 3, fit=10**9).y_fit) == 55_000  # capped, not an error
    (a, b), (c, d), (e, f) = small.pairs()
    assert a is small.x_fit and b is small.y_fit and c is small.x_val and d is small.y_val
    assert e is small.x_test and f is small.y_test


@pytest.mark.parametrize("bad", [0, -5, 2.5, "100", True])
def test_load_splits_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="fit must be a positive number of images or None"):
        load_splits(5000, 0, fit=bad)


def test_moved_names_are_still_importable_from_data():
    from mnist_utils import sources

    for name in (
        "MNISTUnavailableError",
        "MNIST_FILES",
        "default_data_dir",
        "prepare_torchvision_root",
        "read_idx",
        "write_idx",
    ):
        assert getattr(data, name) is getattr(sources, name)
