"""mnist_utils.occlusion: chapter 7's occlusion maps, on a model whose answer is known."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mnist_utils.occlusion import (  # noqa: E402
    MEAN_GREY,
    occluded_copies,
    occlusion_map,
    plot_occlusion,
)


def ink_in_top_left(batch):
    """A two-class 'model': p(class 0) is the share of ink in the top-left 4 x 4 corner
    of an 8 x 8 image (ink is 255), p(class 1) the rest."""
    batch = np.asarray(batch, dtype=float)
    p0 = batch[:, :4, :4].sum(axis=(1, 2)) / (16 * 255)
    return np.stack([p0, 1 - p0], axis=1)


def test_mean_grey_is_mnist_mean_pixel():
    assert MEAN_GREY == 33  # 0.1307 * 255 = 33.3


def test_copies_cover_every_pixel_and_keep_the_dtype():
    image = np.zeros((28, 28), dtype=np.uint8)
    copies, corners = occluded_copies(image, patch=6, stride=4, fill=7)
    # 0, 4, ..., 20 and the flush edge 22: seven positions a side
    assert len(corners) == 49 and corners[-1] == (22, 22)
    assert copies.dtype == np.uint8
    assert (copies == 7).any(axis=0).all()  # every pixel is covered by some patch
    assert (copies[0, :6, :6] == 7).all() and copies[0, 6:, :].sum() == 0


def test_map_marks_the_pixels_the_model_reads():
    image = np.full((8, 8), 255, dtype=np.uint8)
    fall, p = occlusion_map(ink_in_top_left, image, 0, patch=2, stride=2, fill=0)
    assert p == 1.0
    # a 2 x 2 patch inside the corner removes 4 of its 16 inked pixels: a fall of 0.25
    np.testing.assert_allclose(fall[:4, :4], 0.25)
    np.testing.assert_allclose(fall[4:, :], 0.0)
    np.testing.assert_allclose(fall[:, 4:], 0.0)
    # for the other class, covering the corner raises its probability: a negative fall
    rise, p1 = occlusion_map(ink_in_top_left, image, 1, patch=2, stride=2, fill=0)
    assert p1 == 0.0
    np.testing.assert_allclose(rise[:4, :4], -0.25)


def test_overlapping_patches_are_averaged():
    image = np.full((8, 8), 255, dtype=np.uint8)
    fall, _ = occlusion_map(ink_in_top_left, image, 0, patch=4, stride=2, fill=0)
    # pixel (0, 0): one patch, all 16 corner pixels covered
    assert fall[0, 0] == pytest.approx(1.0)
    # pixel (2, 2): covered by patches at (0|2) x (0|2) -> falls 1, 1/2, 1/2, 1/4
    assert fall[2, 2] == pytest.approx((1 + 0.5 + 0.5 + 0.25) / 4)


def test_bad_input_is_refused_before_predicting():
    def never(batch):
        raise AssertionError("predict must not be called")

    with pytest.raises(ValueError, match="one 2-D image"):
        occlusion_map(never, np.zeros((2, 28, 28)), 0)
    with pytest.raises(ValueError, match="does not fit"):
        occlusion_map(never, np.zeros((4, 4)), 0, patch=6)
    with pytest.raises(ValueError, match="whole numbers >= 1"):
        occlusion_map(never, np.zeros((8, 8)), 0, stride=0)
    with pytest.raises(ValueError, match="not one of the 2 classes"):
        occlusion_map(ink_in_top_left, np.zeros((8, 8)), 5, patch=2)
    with pytest.raises(ValueError, match="one row of probabilities"):
        occlusion_map(lambda b: np.ones(3), np.zeros((8, 8)), 0, patch=2)


def test_plot_draws_digits_above_maps_on_one_symmetric_scale():
    images = np.zeros((3, 8, 8))
    images[:, 2:6, 3:5] = 255
    maps = np.zeros((3, 8, 8))
    maps[1, 0, 0], maps[2, 1, 1] = 0.5, -0.8
    fig = plot_occlusion(images, maps, titles=["a", "b", "c"])
    assert len(fig.axes) == 6 + 1  # two rows of three, and the colour bar
    image_axes = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in image_axes[:3]] == ["a", "b", "c"]
    map_axes = image_axes[3:6]
    assert all(ax.images[0].get_clim() == (-0.8, 0.8) for ax in map_axes)
    np.testing.assert_array_equal(map_axes[2].images[0].get_array(), maps[2])
    plt.close(fig)
    with pytest.raises(ValueError, match="same shape"):
        plot_occlusion(images, maps[:2])
