"""mnist_utils.data_figures: chapter 2's figures draw what the chapter computed."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mnist_utils.data_figures import plot_class_balance, plot_pixel_histogram, plot_selection_bias  # noqa: E402


def test_class_balance_draws_each_digits_share():
    train = np.array([10, 30, 10, 10, 10, 10, 5, 5, 5, 5])  # 100 images
    test = np.full(10, 2)  # 20 images
    fig = plot_class_balance(train, test)
    (ax,) = fig.axes
    heights = [bar.get_height() for bar in ax.patches]
    np.testing.assert_allclose(heights[:10], train / 100)
    np.testing.assert_allclose(heights[10:], 0.1)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train (100)", "test (20)"]
    plt.close(fig)


@pytest.mark.parametrize(
    "train, test, message",
    [
        (np.ones(9), np.ones(10), "ten counts per set"),
        (np.zeros(10), np.ones(10), "at least one image"),
    ],
)
def test_class_balance_rejects_wrong_counts(train, test, message):
    with pytest.raises(ValueError, match=message):
        plot_class_balance(train, test)


def test_pixel_histogram_has_one_bin_per_grey_value():
    pixels = np.array([[0, 0, 0], [255, 7, 0]], dtype=np.uint8)
    fig = plot_pixel_histogram(pixels)
    (ax,) = fig.axes
    heights = np.array([bar.get_height() for bar in ax.patches])
    assert len(heights) == 256
    assert (heights[0], heights[7], heights[255], heights.sum()) == (4, 1, 1, 6)
    plt.close(fig)
    with pytest.raises(ValueError, match="no pixels"):
        plot_pixel_histogram([])


def test_selection_bias_histograms_cover_every_score():
    best_seen = np.array([0.9912, 0.9920, 0.9931])
    fresh = np.array([0.9871, 0.9900, 0.9905])
    fig = plot_selection_bias(best_seen, fresh, n_models=20, accuracy=0.99)
    (ax,) = fig.axes
    counted = sum(bar.get_height() for bar in ax.patches)
    assert counted == 6  # no score falls outside the bins
    assert ax.get_legend().get_texts()[1].get_text() == "best of 20 on the selection set (reported)"
    assert ax.lines[0].get_xdata()[0] == 0.99
    plt.close(fig)
    with pytest.raises(ValueError, match="both histograms"):
        plot_selection_bias([], fresh, n_models=20, accuracy=0.99)
    with pytest.raises(ValueError, match="step must be positive"):
        plot_selection_bias(best_seen, fresh, n_models=20, accuracy=0.99, step=0)
