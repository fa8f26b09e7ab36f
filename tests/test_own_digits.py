"""mnist_utils.own_digits (chapter 7): the drawn test digits, saved and read back
through prepare_image, and the figure of how a model reads them."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from mnist_utils import own_digits
from mnist_utils.inference import prepare_image


def test_examples_are_eight_black_on_white_digits():
    drawings = own_digits.draw_examples()
    assert [digit for digit, _ in drawings.values()] == [0, 1, 2, 3, 4, 6, 7, 8]
    for _, image in drawings.values():
        pixels = np.asarray(image)
        assert image.size == own_digits.PAPER and pixels.max() == 255 and pixels.min() == 0
        assert np.median(pixels) == 255  # mostly paper


def test_saved_drawings_read_back_as_mnist_style_images(tmp_path):
    paths = own_digits.save_drawings(own_digits.draw_examples(), tmp_path / "digits")
    assert sorted(p.name for p in (tmp_path / "digits").iterdir()) == sorted(
        f"{name}.png" for name in paths
    )
    prepared = prepare_image(paths["zero_thick"])
    assert prepared.shape == (28, 28) and prepared.max() == 255
    assert prepared[0].max() == 0  # white ink on a black border, as in MNIST


def test_plot_readings_draws_three_rows_and_checks_its_input(tmp_path):
    paths = own_digits.save_drawings(own_digits.draw_examples(), tmp_path)
    outcomes = [
        {"digit": 3, "image": np.zeros((28, 28), np.uint8), "probabilities": np.full(10, 0.1)}
        for _ in paths
    ]
    fig = own_digits.plot_readings(paths, outcomes)
    assert len(fig.axes) == 3 * len(paths)
    with pytest.raises(ValueError, match="8 pictures but 2 outcomes"):
        own_digits.plot_readings(paths, outcomes[:2])
