"""mnist_utils.numpy_cnn_checks: the chapter 4 tables of shapes and checks."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_utils import numpy_cnn as nc
from mnist_utils import numpy_cnn_checks


def test_layer_table_shapes_and_weight_counts():
    table = numpy_cnn_checks.layer_table(nc.build_cnn(16, 5))
    assert list(table["layer"]) == ["Conv2D", "ReLU", "MaxPool2D", "Flatten", "Dense"]
    assert list(table["output shape per image"]) == [
        (16, 24, 24),
        (16, 24, 24),
        (16, 12, 12),
        (2304,),
        (10,),
    ]
    assert list(table["parameters"]) == [16 * 25 + 16, 0, 0, 0, 2304 * 10 + 10]


def test_gradient_check_table_covers_every_layer_and_passes():
    table = numpy_cnn_checks.gradient_check_table(kernel_size=3, seed=0)
    assert len(table) == 18
    assert "SoftmaxCrossEntropy" in set(table["layer"])
    assert table.iloc[-1]["gradient of"] == "images x"
    assert (table["relative error"] < 1e-6).all()


def test_torch_comparison_table_agrees_in_float64():
    pytest.importorskip("torch")
    model = nc.build_cnn(3, 3, image_size=10, seed=1)
    rng = np.random.default_rng(0)
    x, y = rng.random((4, 1, 10, 10)).astype(np.float32), np.array([1, 0, 3, 9])
    table = numpy_cnn_checks.torch_comparison_table(model, x, y)
    assert list(table["quantity"])[:2] == ["logits", "loss"]
    assert len(table) == 7
    assert (table["largest |difference|"] <= 1e-12).all()
    assert (table["largest |value|"] > 0).all()


def test_central_differences_have_a_best_step_and_float64_beats_float32():
    steps = np.logspace(-10, -1, 10)
    err64 = numpy_cnn_checks.central_difference_errors(steps, np.float64)
    err32 = numpy_cnn_checks.central_difference_errors(steps, np.float32)
    assert err64.min() < 1e-8 < err32.min()
    # rounding ruins tiny steps, truncation large ones: the best is in between
    assert 0 < int(err64.argmin()) < len(steps) - 1
    assert err32[0] > 0.1  # eps = 1e-10 is lost entirely in float32
    with pytest.raises(ValueError, match="positive step sizes"):
        numpy_cnn_checks.central_difference_errors([1e-3, 0], np.float64)
    with pytest.raises(TypeError, match="floating type"):
        numpy_cnn_checks.central_difference_errors([1e-3], np.int64)
