"""mnist_utils.numpy_cnn_figures: chapter 4's figures draw the arrays they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mnist_utils import numpy_cnn as nc  # noqa: E402
from mnist_utils import numpy_cnn_figures  # noqa: E402
from mnist_utils.numpy_cnn_training import History  # noqa: E402


def test_im2col_picture_writes_every_matrix_entry():
    x = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
    cols = nc.im2col(x, 3, 3)
    fig = numpy_cnn_figures.im2col_picture(x[0, 0], cols, 3)
    image_ax, cols_ax = fig.axes
    assert len(image_ax.texts) == 16 and len(cols_ax.texts) == 36
    assert [t.get_text() for t in cols_ax.texts[:9]] == [
        "0",
        "1",
        "2",
        "4",
        "5",
        "6",
        "8",
        "9",
        "10",
    ]
    assert len(image_ax.patches) == 4
    plt.close(fig)
    with pytest.raises(ValueError, match="cols has shape"):
        numpy_cnn_figures.im2col_picture(x[0, 0], cols[:3], 3)


def test_training_curves_plot_the_history():
    history = History(
        epoch=[0, 1, 2],
        val_acc=[0.1, 0.8, 0.9],
        val_loss=[2.3, 0.5, 0.4],
        batch_losses=[np.linspace(2, 1, 10), np.linspace(1, 0.5, 10)],
        epoch_seconds=[1.0, 1.0],
    )
    fig = numpy_cnn_figures.training_curves(history)
    loss_ax, acc_ax = fig.axes
    np.testing.assert_array_equal(loss_ax.lines[2].get_ydata(), [2.3, 0.5, 0.4])
    np.testing.assert_allclose(acc_ax.lines[0].get_ydata(), [80.0, 90.0])
    assert loss_ax.lines[1].get_label() == "mean of the last 4 minibatches"
    plt.close(fig)


def test_filters_and_maps_one_panel_per_filter_and_map():
    kernels, maps = np.ones((10, 3, 3)), np.zeros((10, 6, 6))
    fig = numpy_cnn_figures.filters_and_maps(kernels, maps, digit=7)
    assert sum(bool(ax.images) for ax in fig.axes) == 20
    assert fig._suptitle.get_text().endswith("a 7")
    plt.close(fig)
    with pytest.raises(ValueError, match="10 kernels but 9"):
        numpy_cnn_figures.filters_and_maps(kernels, maps[:9], digit=7)


def test_layer_outputs_one_panel_per_layer_titled_with_its_shape():
    outputs = [np.zeros((1, 6, 6)), np.ones((2, 4, 4)), np.arange(8.0), np.arange(3.0)]
    fig = numpy_cnn_figures.layer_outputs(outputs, ["input", "conv", "flatten", "logits"])
    assert len(fig.axes) == 4
    assert [ax.get_title() for ax in fig.axes] == [
        "input\n(1, 6, 6)",
        "conv\n(2, 4, 4)",
        "flatten\n(8,)",
        "logits\n(3,)",
    ]
    assert [bar.get_height() for bar in fig.axes[3].patches] == [0.0, 1.0, 2.0]
    plt.close(fig)
    with pytest.raises(ValueError, match="one name per array"):
        numpy_cnn_figures.layer_outputs(outputs, ["input"])


def test_maxpool_routing_marks_the_winners_of_the_chapters_example():
    x = np.array([[1, 3, 2, 1], [4, 2, 0, 1], [5, 6, 1, 2], [7, 8, 3, 4]], float)
    pool = nc.MaxPool2D(2)
    pool.forward(x[None, None])
    grad_out = np.array([[10.0, 20.0], [30.0, 40.0]])
    grad_in = pool.backward(grad_out[None, None])[0, 0]
    fig = numpy_cnn_figures.maxpool_routing(x, grad_out, grad_in)
    x_ax, out_ax, in_ax = fig.axes
    assert [t.get_text() for t in out_ax.texts] == ["10", "20", "30", "40"]
    winners = [p.get_xy() for p in x_ax.patches if p.get_fill()]
    assert sorted(winners) == [(-0.5, 0.5), (0.5, 2.5), (1.5, -0.5), (2.5, 2.5)]
    assert [t.get_text() for t in in_ax.texts].count("0") == 12
    plt.close(fig)
    with pytest.raises(ValueError, match="pooled size"):
        numpy_cnn_figures.maxpool_routing(x, grad_out[:1], grad_in)


def test_step_size_errors_mark_the_best_step_of_each_line():
    steps = np.array([1e-6, 1e-4, 1e-2])
    fig = numpy_cnn_figures.step_size_errors(
        steps, {"float64": [1e-8, 1e-10, 1e-6], "float32": [1.0, 1e-2, 1e-4]}
    )
    (ax,) = fig.axes
    stars = [line for line in ax.lines if line.get_marker() == "*"]
    assert [line.get_xdata()[0] for line in stars] == [1e-4, 1e-2]
    plt.close(fig)
    with pytest.raises(ValueError, match="2 errors for 3 steps"):
        numpy_cnn_figures.step_size_errors(steps, {"float64": [1.0, 2.0]})


def test_twin_logits_plots_every_pair_on_the_diagonal():
    a = np.arange(6.0).reshape(2, 3)
    fig = numpy_cnn_figures.twin_logits(a, a + 1e-6)
    (ax,) = fig.axes
    np.testing.assert_allclose(ax.collections[0].get_offsets()[:, 0], a.ravel())
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [0.0, 5.000001])
    plt.close(fig)
    with pytest.raises(ValueError, match="same shape"):
        numpy_cnn_figures.twin_logits(a, a[:1])
