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
