"""mnist_utils.concept_figures: chapter 1's figures draw what the chapter computed."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mnist_utils.concept_figures import (  # noqa: E402
    busiest_window,
    plot_activation_on_map,
    plot_activations,
    plot_conv_block,
    plot_dropout,
    plot_gradient_steps,
    plot_kernel_on_grid,
    plot_loss_curves,
    plot_network_flow,
    plot_pooling,
    plot_trainable_shares,
)
from mnist_utils.layer_arithmetic import layer_table  # noqa: E402


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


def test_busiest_window_finds_the_largest_sum_on_its_grid():
    values = np.zeros((6, 6))
    values[3:5, 3:5] = 1.0
    assert busiest_window(values, 2) == (slice(3, 5), slice(3, 5))
    assert busiest_window(values, 2, step=2) == (slice(2, 4), slice(2, 4))  # first of a tie
    with pytest.raises(ValueError, match="at least 7 x 7"):
        busiest_window(values, 7)


def test_kernel_on_grid_outlines_the_window_and_writes_its_sum():
    grid = np.arange(16.0).reshape(4, 4) / 10
    kernel = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])
    output = np.array([[-0.8, -0.8], [-0.8, -0.8]])  # each window: -(2 * 0.1 * 4) = -0.8
    fig = plot_kernel_on_grid(grid, kernel, output, at=(1, 0))
    left, middle, right = fig.axes
    (window,) = left.patches
    assert window.get_xy() == (-0.5, 0.5) and window.get_width() == 3
    assert right.patches[0].get_xy() == (-0.5, 0.5)
    assert right.get_title().endswith("output[1, 0] = sum of 9 products = -0.8")
    assert [t.get_text() for t in middle.texts] == ["1", "0", "-1", "2", "0", "-2", "1", "0", "-1"]
    plt.close(fig)
    with pytest.raises(ValueError, match="give a \\(2, 2\\) output, got \\(3, 3\\)"):
        plot_kernel_on_grid(grid, kernel, np.zeros((3, 3)), at=(0, 0))
    with pytest.raises(ValueError, match="outside"):
        plot_kernel_on_grid(grid, kernel, output, at=(2, 0))


def test_activation_on_map_draws_each_activated_copy_on_one_scale():
    fmap = np.array([[-2.0, 1.0], [0.0, 0.5]])
    fig = plot_activation_on_map(fmap, {"ReLU": np.maximum(fmap, 0)})
    first, second = fig.axes[:2]
    assert [first.get_title(), second.get_title()] == ["feature map", "ReLU"]
    np.testing.assert_array_equal(second.images[0].get_array(), [[0, 1], [0, 0.5]])
    assert first.images[0].get_clim() == second.images[0].get_clim() == (-2.0, 2.0)
    plt.close(fig)
    with pytest.raises(ValueError, match="ReLU: shape \\(1,\\)"):
        plot_activation_on_map(fmap, {"ReLU": np.zeros(1)})


def test_pooling_outlines_the_maximum_of_each_window():
    grid = np.array([[1.0, 2, 0, 0], [3, 0, 0, 5], [0, 0, 1, 1], [0, 4, 1, 1]])
    max_pooled = np.array([[3.0, 5], [4, 1]])
    fig = plot_pooling(grid, max_pooled, np.array([[1.5, 1.25], [1, 1]]))
    outlined = sorted(p.get_xy() for p in fig.axes[0].patches)
    # (column - 0.5, row - 0.5) of 3, 5, 4 and the first 1 of the last window
    assert outlined == [(-0.5, 0.5), (0.5, 2.5), (1.5, 1.5), (2.5, 0.5)]
    assert [t.get_text() for t in fig.axes[1].texts] == ["3.0", "5.0", "4.0", "1.0"]
    plt.close(fig)
    with pytest.raises(
        ValueError, match="max_pooled: a \\(4, 4\\) grid pooled 2 x 2 is \\(2, 2\\)"
    ):
        plot_pooling(grid, np.zeros((3, 3)), np.zeros((2, 2)))


def test_network_flow_labels_each_layer_with_its_shape_and_parameters():
    rows = layer_table([("conv", 3, 4), ("pool", 2), ("flatten",), ("dense", 10)])
    fig = plot_network_flow(np.zeros((28, 28)), rows, ncols=3)
    assert len(fig.axes) == 6 and not fig.axes[5].get_visible()  # two rows of three
    assert [ax.get_xlabel() for ax in fig.axes[:5]] == [
        "28 x 28 x 1",
        "26 x 26 x 4",
        "13 x 13 x 4",
        "676",
        "10",
    ]
    assert fig.axes[1].get_title() == "conv 3 4\n40 parameters"
    assert len(fig.axes[1].patches) == 4  # one square per channel
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one layer row"):
        plot_network_flow(np.zeros((28, 28)), [])


def test_loss_curves_plot_the_losses_and_the_gradient_sizes():
    p = np.array([0.125, 0.5, 0.875])
    ce = -np.log(p)
    fig = plot_loss_curves(p, ce, ce / 2, p - 1, -(p - 1) / 4)
    left, right = fig.axes
    np.testing.assert_array_equal(left.lines[0].get_ydata(), ce)
    np.testing.assert_array_equal(right.lines[0].get_ydata(), [0.875, 0.5, 0.125])  # sizes
    assert right.get_yscale() == "log"
    plt.close(fig)
    with pytest.raises(ValueError, match="five 1-D arrays of one length"):
        plot_loss_curves(p, ce, ce, ce, ce[:2])


def test_dropout_shows_outputs_mask_and_result():
    outputs = np.array([[1.0, 2.0], [3.0, 4.0]])
    keep = np.array([[True, False], [False, True]])
    dropped = np.where(keep, outputs / 0.5, 0.0)
    fig = plot_dropout(outputs, keep, dropped)
    assert len(fig.axes) == 3
    np.testing.assert_array_equal(fig.axes[2].images[0].get_array(), [[2, 0], [0, 8]])
    assert fig.axes[0].images[0].get_clim() == fig.axes[2].images[0].get_clim() == (0, 8.0)
    plt.close(fig)
    with pytest.raises(ValueError, match="one shape"):
        plot_dropout(outputs, keep[:1], dropped)


def test_gradient_steps_draw_the_tangent_with_the_given_slope():
    w = np.linspace(-2, 2, 5)
    fig = plot_gradient_steps(w, w**2, [1.0, 0.5], [1.0, 0.25], slope=2.0)
    curve, tangent, steps = fig.axes[0].lines
    x, y = tangent.get_data()
    assert (y[1] - y[0]) / (x[1] - x[0]) == pytest.approx(2.0)
    assert x.mean() == pytest.approx(1.0) and y.mean() == pytest.approx(1.0)  # through the start
    np.testing.assert_array_equal(steps.get_xdata(), [1.0, 0.5])
    plt.close(fig)
    with pytest.raises(ValueError, match="at least 2 points"):
        plot_gradient_steps(w, w**2, [1.0], [1.0], slope=2.0)


def test_trainable_shares_are_bars_in_percent_of_the_model():
    fig = plot_trainable_shares({"all": 200, "head": 2}, total=200)
    ax = fig.axes[0]
    assert [bar.get_width() for bar in ax.patches] == [1.0, 100.0]  # listed top-down
    assert [t.get_text() for t in ax.texts] == ["1%", "100%"]
    assert ax.get_xscale() == "log"
    plt.close(fig)
    with pytest.raises(ValueError, match="between 1 and the total 200"):
        plot_trainable_shares({"none": 0}, total=200)
