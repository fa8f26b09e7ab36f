"""mnist_utils.feature_maps: chapter 5's filters and feature maps draw what they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mnist_utils import feature_maps  # noqa: E402


def test_filters_share_one_scale_symmetric_around_zero():
    filters = np.arange(10 * 9, dtype=float).reshape(10, 3, 3) - 20
    fig = feature_maps.first_layer_filters(filters, ncols=4)
    assert len(fig.axes) == 12  # 3 rows of 4, two left empty
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(drawn) == 10
    np.testing.assert_array_equal(drawn[3].images[0].get_array(), filters[3])
    assert drawn[0].images[0].get_clim() == (-69.0, 69.0)
    plt.close(fig)


def test_feature_maps_put_the_kernels_on_top_and_a_digit_per_row():
    digits = np.random.default_rng(0).random((2, 28, 28))
    maps = np.random.default_rng(1).random((2, 5, 26, 26))
    filters = np.ones((5, 3, 3))
    fig = feature_maps.feature_maps(digits, maps, filters=filters, channels=[4, 1])
    assert len(fig.axes) == 3 * 3
    grid = np.array(fig.axes).reshape(3, 3)
    assert grid[0, 1].get_title() == "4"
    np.testing.assert_array_equal(grid[1, 0].images[0].get_array(), digits[0])
    np.testing.assert_array_equal(grid[2, 2].images[0].get_array(), maps[1, 1])
    assert grid[2, 2].images[0].get_clim() == (0.0, maps[1, [4, 1]].max())
    plt.close(fig)


def test_feature_maps_refuse_mismatched_input():
    with pytest.raises(ValueError, match="2 digits but feature maps for 3"):
        feature_maps.feature_maps(np.zeros((2, 28, 28)), np.zeros((3, 4, 26, 26)))
    with pytest.raises(ValueError, match="channels"):
        feature_maps.feature_maps(np.zeros((1, 28, 28)), np.zeros((1, 4, 26, 26)), channels=[4])
    with pytest.raises(ValueError, match="channel-first"):
        feature_maps.first_layer_filters(np.zeros((3, 3, 1, 32)))


def test_zero_share_counts_exact_zeros():
    assert feature_maps.zero_share(np.array([[0.0, 1.0], [0.0, 0.5]])) == 0.5
    with pytest.raises(ValueError, match="no feature maps"):
        feature_maps.zero_share(np.zeros((0, 3)))


def test_flatten_orders_labels_each_position_with_the_value_it_holds():
    fig = feature_maps.flatten_orders(2, 2, 3)
    planes, keras_strip, torch_strip = fig.axes[:3], fig.axes[3], fig.axes[4]
    assert len(fig.axes) == 5
    assert [t.get_text() for t in planes[1].texts] == ["100", "101", "110", "111"]
    labels = [t.get_text() for t in keras_strip.texts]
    assert labels[:4] == ["000", "100", "200", "001"]
    assert [t.get_text() for t in torch_strip.texts][:4] == ["000", "001", "010", "011"]
    assert keras_strip.get_title().startswith("Keras")
    plt.close(fig)
    with pytest.raises(ValueError, match="must lie in 1 ... 10"):
        feature_maps.flatten_orders(2, 2, 11)
