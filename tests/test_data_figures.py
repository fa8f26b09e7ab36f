"""mnist_utils.data_figures: chapter 2's figures draw what the chapter computed."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mnist_utils.data_figures import (  # noqa: E402
    plot_class_balance,
    plot_digit_bytes,
    plot_one_hot,
    plot_pixel_histogram,
    plot_scalings,
    plot_selection_bias,
)


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


def test_digit_bytes_writes_the_outlined_block():
    image = np.zeros((28, 28), dtype=np.uint8)
    image[5, 9] = 200
    fig = plot_digit_bytes(image, rows=slice(4, 7), cols=slice(8, 11))
    ax_img, ax_block = fig.axes
    texts = [t.get_text() for t in ax_block.texts]
    assert len(texts) == 9 and texts[4] == "200" and texts.count("0") == 8
    (outline,) = ax_img.patches
    assert outline.get_xy() == (7.5, 3.5) and outline.get_width() == 3
    assert [t.get_text() for t in ax_block.get_xticklabels()] == ["8", "9", "10"]
    plt.close(fig)
    with pytest.raises(ValueError, match="uint8"):
        plot_digit_bytes(image / 255.0)


def test_scalings_show_the_same_picture_on_three_scales():
    image = np.array([[0, 255], [51, 102]], dtype=np.uint8)
    fig = plot_scalings(image, mean=0.2, std=0.4)
    panels = [ax for ax in fig.axes if ax.images and ax.get_title()]
    assert len(panels) == 3
    data = [np.asarray(ax.images[0].get_array()) for ax in panels]
    np.testing.assert_allclose(data[1], image / 255)
    np.testing.assert_allclose(data[2], (image / 255 - 0.2) / 0.4)
    assert panels[2].images[0].get_clim() == pytest.approx((-0.5, 2.0))
    plt.close(fig)
    with pytest.raises(ValueError, match="std must be positive"):
        plot_scalings(image, mean=0.2, std=0)


def test_one_hot_marks_each_labels_column():
    fig = plot_one_hot(np.array([5, 0, 4]))
    (ax,) = fig.axes
    np.testing.assert_array_equal(np.asarray(ax.images[0].get_array()).argmax(axis=1), [5, 0, 4])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["5", "0", "4"]
    assert [t.get_text() for t in ax.texts].count("1") == 3
    plt.close(fig)
    with pytest.raises(ValueError, match="digits 0-9"):
        plot_one_hot(np.array([3, 10]))
