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


X = np.array(
    [[1, 2, 0, 1, 3], [0, 1, 3, 2, 1], [2, 0, 1, 0, 2], [1, 3, 2, 1, 0], [0, 1, 0, 2, 1]], float
)
W = np.array([[1, 0, -1], [2, 1, 0], [0, -1, 1]], float)


def _boxes(ax):
    """(left, top, width, height, dashed) of the window frames drawn on ``ax``."""
    return [
        (p.get_x() + 0.5, p.get_y() + 0.5, p.get_width(), p.get_height(), p.get_linestyle())
        for p in ax.patches
        if not p.get_fill()
    ]


def test_conv_window_frames_the_window_the_next_one_and_the_output_cell():
    y = np.array([[3.0, 7.0], [5.0, 3.0]])  # stride 2
    fig = hand_figures.conv_window(X, W, y, at=(1, 0), stride=2)
    assert len(fig.axes) == 3
    # the window of y[1, 0] starts at row 2, column 0; the next one 2 pixels right
    assert _boxes(fig.axes[0]) == [(0, 2, 3, 3, "-"), (2, 2, 3, 3, "--")]
    assert _boxes(fig.axes[2]) == [(0, 1, 1, 1, "-")]
    assert "7" in [t.get_text() for t in fig.axes[2].texts]
    plt.close(fig)
    fig = hand_figures.conv_window(X, W, np.zeros((5, 5)), at=(0, 4), padding=1)
    assert len(fig.axes[0].texts) == 7 * 7  # the padded input, zeros included
    assert len(_boxes(fig.axes[0])) == 1  # no room for a next window
    plt.close(fig)
    with pytest.raises(ValueError, match="outside"):
        hand_figures.conv_window(X, W, y, at=(2, 0))


def test_conv_channels_titles_add_up_to_the_output_entry():
    x = np.stack([X, X.T])
    w = np.stack([W, -W])
    shares = [np.sum(x[c, :3, 1:4] * w[c]) for c in range(2)]
    y = np.zeros((3, 3))
    y[0, 1] = sum(shares) + 0.5
    fig = hand_figures.conv_channels(x, w, 0.5, y, at=(0, 1))
    assert fig.axes[1].get_title() == f"kernel slice 0: share {shares[0]:g}"
    assert fig.axes[2].get_title().endswith(f"+ bias 0.5 = {y[0, 1]:g}")
    assert _boxes(fig.axes[3]) == [(1, 0, 3, 3, "-")]
    plt.close(fig)
    with pytest.raises(ValueError, match="C_in"):
        hand_figures.conv_channels(X, W, 0.0, y)


def test_pool_gradient_frames_each_maximum_and_shows_the_gradient():
    a = np.array([[1, 3, 2, 0], [4, 6, 5, 1], [7, 2, 9, 8], [0, 1, 3, 4]], float)
    grad = np.zeros((4, 4))
    grad[1, 1], grad[1, 2], grad[2, 0], grad[2, 2] = 1, 2, 3, 4
    fig = hand_figures.pool_gradient(a, [[1, 2], [3, 4]], grad)
    maxima = {(left, top) for left, top, w, h, _ in _boxes(fig.axes[0]) if w == 1}
    assert maxima == {(1, 1), (2, 1), (0, 2), (2, 2)}  # (column, row) of 6, 5, 7, 9
    assert [t.get_text() for t in fig.axes[2].texts][4:8] == ["0", "1", "2", "0"]
    plt.close(fig)


def test_receptive_fields_draws_one_square_per_layer():
    fig = hand_figures.receptive_fields(np.zeros((28, 28)), [("conv", 8, 8, 3), ("pool", 8, 8, 4)])
    assert [b[2] for b in _boxes(fig.axes[0])] == [3, 4]
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "conv: 3 x 3",
        "pool: 4 x 4",
    ]
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one"):
        hand_figures.receptive_fields(np.zeros((28, 28)), [])


def test_softmax_steps_bars_are_the_logits_exponentials_and_probabilities():
    z = np.array([1.0, 2.0, 3.0])
    fig = hand_figures.softmax_steps(z)
    heights = [[bar.get_height() for bar in ax.patches] for ax in fig.axes]
    np.testing.assert_allclose(heights[0], z)
    np.testing.assert_allclose(heights[1], np.exp(z))
    np.testing.assert_allclose(heights[2], [0.09003057, 0.24472847, 0.66524096])
    plt.close(fig)


def test_cross_entropy_curves_mark_the_point_and_compare_the_gradients():
    fig = hand_figures.cross_entropy_curves(0.5)
    loss, gradients = fig.axes
    np.testing.assert_allclose(loss.lines[1].get_ydata(), [np.log(2)])
    p = gradients.lines[0].get_xdata()
    np.testing.assert_allclose(gradients.lines[1].get_ydata(), p * (1 - p))
    plt.close(fig)
    with pytest.raises(ValueError, match="probability"):
        hand_figures.cross_entropy_curves(0.0)


def test_gradient_grids_one_panel_per_gradient_with_its_numbers():
    fig = hand_figures.gradient_grids({"dL/dW1": np.array([[0.1, -0.2], [0.0, 0.0]])})
    assert fig.axes[0].get_title() == "dL/dW1"
    assert [t.get_text() for t in fig.axes[0].texts] == ["0.100", "-0.200", "0.000", "0.000"]
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one"):
        hand_figures.gradient_grids({})


def test_parameter_bars_are_the_counts():
    fig = hand_figures.parameter_bars(["conv", "dense"], [320, 204_928])
    assert [bar.get_width() for bar in fig.axes[0].patches] == [320, 204_928]
    assert fig.axes[0].texts[1].get_text() == " 204,928"
    plt.close(fig)
    with pytest.raises(ValueError, match="names"):
        hand_figures.parameter_bars(["conv"], [1, 2])
