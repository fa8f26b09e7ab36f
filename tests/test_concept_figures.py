"""mnist_utils.concept_figures: chapter 1's figures draw what the chapter computed."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mnist_utils.concept_figures import plot_activations, plot_conv_block  # noqa: E402


def test_conv_block_has_a_row_per_filter_and_symmetric_colours():
    digit = np.zeros((6, 6))
    fmap = np.array([[-2.0, 1.0], [0.5, 0.0]])
    stages = {
        "vertical": (fmap, np.maximum(fmap, 0), np.array([[1.0]])),
        "horizontal": (fmap, fmap, fmap),
    }
    fig = plot_conv_block(digit, stages, title="t")
    axes = fig.axes
    assert len(axes) == 8
    assert [ax.get_title() for ax in axes[:4]] == [
        "input (6, 6)",
        "vertical\n(2, 2)",
        "after ReLU",
        "after 2x2 max-pool\n(1, 1)",
    ]
    assert axes[1].images[0].get_clim() == (-2.0, 2.0)  # 0 sits in the middle: white
    assert axes[0].images[0].get_clim() == (0, 1)  # a blank digit still draws
    plt.close(fig)


def test_conv_block_rejects_wrong_input():
    with pytest.raises(ValueError, match="2-D digit"):
        plot_conv_block(np.zeros(4), {"a": (1, 2, 3)})
    with pytest.raises(ValueError, match="2-D digit"):
        plot_conv_block(np.zeros((4, 4)), {})
    with pytest.raises(ValueError, match="a: give \\(feature_map, after_relu, after_pool\\)"):
        plot_conv_block(np.zeros((4, 4)), {"a": (np.zeros((2, 2)),)})
    plt.close("all")


def test_activations_draw_each_function_and_its_derivative():
    x = np.linspace(-1, 1, 5)
    fig = plot_activations({"ReLU": (lambda v: np.maximum(v, 0), lambda v: (v > 0) * 1.0)}, x)
    left, right = fig.axes
    np.testing.assert_array_equal(left.lines[0].get_ydata(), [0, 0, 0, 0.5, 1])
    np.testing.assert_array_equal(right.lines[0].get_ydata(), [0, 0, 0, 1, 1])
    assert left.get_legend().get_texts()[0].get_text() == "ReLU"
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one activation"):
        plot_activations({}, x)
