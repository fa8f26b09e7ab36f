"""mnist_utils.activations: chapter 9's functions, comparison table and curves."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mnist_utils import activations, models, studies


def test_functions_are_the_models_activations_in_their_order():
    torch = pytest.importorskip("torch")
    functions = activations.FUNCTIONS
    assert list(functions) == list(models.ACTIVATIONS)
    z = torch.tensor([-2.0, 0.0, 3.0])
    assert functions["relu"](z).tolist() == [0.0, 0.0, 3.0]
    assert functions["leaky_relu"](z).tolist() == pytest.approx([-2 * models.LEAKY_SLOPE, 0, 3])
    assert functions["linear"](z) is z
    assert functions["sigmoid"](torch.tensor(0.0)).item() == 0.5
    with pytest.raises(AttributeError):
        activations.NO_SUCH_NAME  # noqa: B018


def _summary():
    frame = pd.DataFrame(
        {
            "config.activation": ["sigmoid", "relu", "relu", "tanh", "sigmoid", "tanh"],
            "test_accuracy": [0.50, 0.90, 0.92, 0.91, 0.70, 0.91],
        }
    )
    return activations.summarize_by_activation(frame, metrics=("test_accuracy",))


def test_summary_in_book_order_and_comparison_with_the_best():
    summary = _summary()
    assert list(summary.index) == ["relu", "tanh", "sigmoid"]  # ACTIVATIONS' order
    table = activations.compare_with_best(summary)
    assert table.loc["relu", "mean (%)"] == 91.0
    assert table.loc["tanh", "points below the best"] == 0.0
    # relu: std of 90 and 92 is sqrt(2) points; tanh's std is 0 -> noise 2 * sqrt(2)
    assert table.loc["relu", "noise (points)"] == round(2 * math.sqrt(2), 2)
    assert table.loc["relu", "points below the best"] == 0.0
    assert bool(table.loc["relu", "within noise"]) and bool(table.loc["tanh", "within noise"])
    assert table.loc["sigmoid", "points below the best"] == 31.0
    assert not table.loc["sigmoid", "within noise"]


def test_a_single_seed_has_no_noise_and_only_the_best_counts():
    frame = pd.DataFrame({"config.activation": ["relu", "tanh"], "test_accuracy": [0.9, 0.8]})
    table = activations.compare_with_best(
        activations.summarize_by_activation(frame, metrics=("test_accuracy",))
    )
    assert table["noise (points)"].isna().all()
    assert table["within noise"].tolist() == [True, False]


def test_per_activation_gives_every_name_nan_when_not_studied():
    table = activations.compare_with_best(_summary())
    figures = activations.per_activation(table, {"pct": "mean (%)"})
    assert set(figures) == {f"{name}_pct" for name in models.ACTIVATIONS}
    assert figures["relu_pct"] == 91.0
    assert math.isnan(figures["gelu_pct"])
    assert math.isnan(activations.per_activation(table, {"x": "no column"})["relu_x"])


def test_fall_per_layer_is_the_geometric_mean_per_layer():
    norms = pd.DataFrame(
        {"conv1.weight": [1.0, 0.01], "conv2.weight": [5.0, 1.0], "dense1.weight": [100.0, 1.0]},
        index=["a", "b"],
    )
    falls = activations.fall_per_layer(norms, top="dense1.weight", bottom="conv1.weight")
    assert falls.tolist() == pytest.approx([10.0, 10.0])
    with pytest.raises(ValueError, match="must come after"):
        activations.fall_per_layer(norms, top="conv1.weight", bottom="dense1.weight")


def test_mean_curves_and_norms_average_over_seeds():
    def one(name, seed, val0, val, loss, norm):
        return studies.StudyRun(
            {"activation": name},
            seed,
            {"loss": loss, "val_accuracy": val},
            0.5,
            1.0,
            None,
            {"val_accuracy_0": val0, "gradients_init": {"conv1.weight": norm}},
        )

    study = [
        one("relu", 0, 0.1, [0.5, 0.7], [2.0, 1.0], 1.0),
        one("relu", 1, 0.3, [0.7, 0.9], [1.0, 0.5], 3.0),
        one("tanh", 0, 0.2, [0.4, 0.6], [1.5, 1.2], 0.5),
    ]
    curves = activations.mean_curves(study)
    assert list(curves) == ["relu", "tanh"]
    assert curves["relu"]["val_accuracy"] == pytest.approx([0.2, 0.6, 0.8])
    assert curves["relu"]["loss"] == pytest.approx([1.5, 0.75])
    norms = activations.mean_norms(study, "gradients_init")
    assert norms.loc["relu", "conv1.weight"] == 2.0
    assert norms.loc["tanh", "conv1.weight"] == 0.5
    assert isinstance(curves["tanh"]["loss"], np.ndarray)


def test_slope_products_plot_each_largest_slope_to_the_power_of_the_layers():
    pytest.importorskip("matplotlib")
    fig = activations.plot_slope_products({"relu": 1.0, "sigmoid": 0.25}, layers=3)
    (ax,) = fig.axes
    relu, sigmoid = ax.get_lines()
    assert relu.get_ydata().tolist() == [1.0, 1.0, 1.0, 1.0]
    assert sigmoid.get_ydata().tolist() == [1.0, 0.25, 0.0625, 0.015625]  # (1/4)^3 = 1/64
    assert ax.get_yscale() == "log"
