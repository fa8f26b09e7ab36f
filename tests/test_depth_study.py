"""mnist_utils.depth_study: chapter 10's tables and figures from the recorded runs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mnist_utils import depth_study, studies


def _frame():
    rows = []
    for activation, variant, depth, acc, grad in [
        ("relu", "plain", 1, 0.80, 1e-2),
        ("relu", "plain", 4, 0.70, 1e-4),
        ("relu", "residual", 4, 0.90, 1e-1),
        ("relu", "batchnorm", 4, 0.85, 5e-2),
        ("sigmoid", "plain", 2, 0.1135, 1e-5),
        ("sigmoid", "plain", 8, 0.10, 1e-9),
    ]:
        rows.append(
            {
                "config.activation": activation,
                "config.variant": variant,
                "config.depth": depth,
                "test_accuracy": acc,
                "params": 1000 * depth,
                "seconds_per_epoch": 1.0,
                "grad_first_init": grad,
                "grad_first_final": grad,
            }
        )
    return pd.DataFrame(rows)


def test_summary_order_and_the_networks_that_did_not_learn():
    summary = depth_study.summarize(_frame())
    order = list(
        zip(summary["config.activation"], summary["config.variant"], summary["config.depth"])
    )
    # variants in the book's order (plain, batchnorm, residual), not alphabetical
    assert order[:4] == [
        ("relu", "plain", 1),
        ("relu", "plain", 4),
        ("relu", "batchnorm", 4),
        ("relu", "residual", 4),
    ]
    stuck = depth_study.did_not_learn(summary)
    assert stuck["config.activation"].tolist() == ["sigmoid", "sigmoid"]
    assert len(depth_study.did_not_learn(summary, threshold=0.105)) == 1


def test_plain_depth_figures():
    figures = depth_study.plain_depth_figures(depth_study.summarize(_frame()))
    assert (figures["relu_low"], figures["relu_high"]) == (1, 4)
    assert figures["relu_grad_ratio"] == pytest.approx(1e-2)
    assert figures["relu_residual_deep_pct"] == pytest.approx(90.0)
    assert figures["sigmoid_grad_ratio"] == pytest.approx(1e-4)
    assert math.isnan(figures["sigmoid_residual_deep_pct"])  # not run
    assert figures["tanh_low"] == "–" and math.isnan(figures["tanh_grad_ratio"])
    assert (figures["best_relu_variant"], figures["best_relu_depth"]) == ("residual", 4)
    assert figures["best_relu_pct"] == pytest.approx(90.0)
    assert figures["relu_spread_pct"] == pytest.approx(20.0)


def test_no_relu_runs_gives_nan_figures():
    frame = _frame()
    figures = depth_study.plain_depth_figures(
        depth_study.summarize(frame[frame["config.activation"] != "relu"])
    )
    assert figures["best_relu_variant"] == "–" and math.isnan(figures["best_relu_pct"])


def test_run_name_and_conv_profile():
    assert (
        depth_study.run_name({"depth": 3, "variant": "residual", "activation": "tanh"})
        == "depth3_residual_tanh"
    )
    norms = {
        "conv1.weight": 1.0,
        "block2.conv.weight": 2.0,
        "dense1.weight": 3.0,
        "output.weight": 4.0,
    }
    assert depth_study.conv_profile(norms) == [1.0, 2.0]


def test_parameter_table_matches_the_counts_by_hand():
    pytest.importorskip("torch")
    table = depth_study.parameter_table(depths=(1, 2, 3), width=16)
    assert list(table.columns) == ["plain", "batchnorm", "residual"]
    # one more 3x3 conv of 16 -> 16 filters: 3*3*16*16 + 16 = 2320 weights and biases
    assert table.loc[3, "plain"] - table.loc[2, "plain"] == 2320
    assert (table["residual"] == table["batchnorm"]).all()  # skips cost nothing
    assert table.loc[2, "batchnorm"] - table.loc[2, "plain"] == 2 * 2 * 16


def test_figures_draw_the_deepest_stack_of_each_activation():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")

    def one(activation, variant, depth, seed=0):
        norms = {f"conv{i}.weight": 0.1 * i for i in range(1, depth + 1)}
        return studies.StudyRun(
            {"activation": activation, "variant": variant, "depth": depth},
            seed,
            {"val_accuracy": [0.5, 0.7]},
            0.7,
            1.0,
            None,
            {"grads_init": norms},
        )

    runs = [
        one("relu", "plain", 2),
        one("relu", "plain", 4),
        one("relu", "residual", 4),
        one("relu", "plain", 4, seed=1),
        one("tanh", "plain", 3),
    ]
    picked = depth_study._deepest_first_seed(runs)
    assert [r.config["depth"] for r in picked["relu"]] == [4, 4]
    assert [r.seed for r in picked["relu"]] == [0, 0]
    fig = depth_study.plot_layer_gradients(runs)
    assert [ax.get_title() for ax in fig.axes] == [
        "relu, at initialisation",
        "tanh, at initialisation",
    ]
    assert len(fig.axes[0].lines) == 2 and len(fig.axes[0].lines[0].get_xdata()) == 4
    fig = depth_study.plot_deep_curves(runs)
    assert fig.axes[1].get_title() == "tanh, 3 conv layers"
    summary = depth_study.summarize(_frame())
    assert len(depth_study.plot_depth_curves(summary).axes) == 3
    deep = depth_study.deepest_table(summary).data
    assert list(zip(deep["activation"], deep["depth"])) == [
        ("relu", 4),
        ("relu", 4),
        ("relu", 4),
        ("sigmoid", 8),
    ]
    assert "90.00%" in depth_study.deepest_table(summary).to_html()
