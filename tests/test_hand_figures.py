"""mnist_utils.hand_figures: chapter 3's figures draw what they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mnist_utils import hand_figures  # noqa: E402


def test_pooling_shift_has_six_panels_and_states_the_changes():
    image = np.zeros((4, 4))
    image[1, 0] = 1.0
    moved = np.roll(image, 1, axis=1)
    fig = hand_figures.pooling_shift(
        image, moved, image[::2, ::2], moved[::2, ::2], image_change=1.414, pooled_change=0.0
    )
    assert len(fig.axes) == 6
    assert [ax.get_title() for ax in fig.axes][:3] == [
        "digit",
        "shifted 1 px right",
        "|difference|",
    ]
    np.testing.assert_array_equal(fig.axes[2].images[0].get_array(), np.abs(moved - image))
    assert fig._suptitle.get_text() == ("This digit's relative change: image 1.41, pooled map 0.00")
    plt.close(fig)


def test_activation_curves_draws_each_curve_and_its_derivative():
    z = np.linspace(-1, 1, 5)
    fig = hand_figures.activation_curves(z, {"ReLU": (np.maximum(0, z), (z > 0) * 1.0)})
    values, derivatives = fig.axes
    np.testing.assert_array_equal(values.lines[0].get_ydata(), np.maximum(0, z))
    assert derivatives.lines[0].get_label() == "ReLU'"
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one"):
        hand_figures.activation_curves(z, {})
