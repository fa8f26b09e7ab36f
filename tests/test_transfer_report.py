"""mnist_utils.transfer_report (chapter 8): the study's summary, table, figures and
the figures its prose quotes, from made-up recorded runs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import math

import pandas as pd
import pytest

from mnist_utils import transfer_report
from mnist_utils.studies import Study, StudyRun


def records():
    """Two seeds of scratch and lora at two budgets; scratch has no old task."""
    rows = []
    for shift in (0.0, 0.02):  # two seeds' worth of runs
        for budget, base in (("10/class", 0.60), ("full", 0.90)):
            rows.append(
                {
                    "config.method": "scratch",
                    "config.budget": budget,
                    "test_accuracy": base + shift,
                    "trainable_params": 100,
                }
            )
            rows.append(
                {
                    "config.method": "lora",
                    "config.budget": budget,
                    "test_accuracy": base + 0.10 + shift,
                    "trainable_params": 10,
                    "old_task_accuracy": 0.95 - shift,
                    "forgetting": 0.01 + shift,
                }
            )
    return pd.DataFrame(rows)


def test_summary_and_table_give_mean_and_spread_in_the_declared_order():
    summary = transfer_report.summarize(records())
    lora = summary[(summary["method"] == "lora") & (summary["budget"] == "full")].iloc[0]
    assert lora["runs"] == 2 and lora["test_accuracy_mean"] == pytest.approx(1.01)
    assert lora["test_accuracy_std"] == pytest.approx(0.02 / math.sqrt(2))
    table = transfer_report.comparison_table(summary, {"scratch": 100, "lora": 10})
    assert list(table.index) == ["scratch", "lora"]  # METHODS' order
    assert table.loc["scratch", ("0-4 accuracy after (%)", "full")] == "-"
    assert table.loc["lora", ("5-9 test accuracy (%)", "10/class")] == "71.00 ± 1.41"
    assert table.loc["lora", ("", "seeds")] == 2


def test_a_sweep_without_old_task_still_summarizes():
    scratch_only = records().drop(columns=["old_task_accuracy", "forgetting"])
    summary = transfer_report.summarize(scratch_only[scratch_only["config.method"] == "scratch"])
    assert summary["old_task_accuracy_mean"].isna().all()
    assert transfer_report.summarize(None).empty


def test_read_results_returns_the_quoted_figures(capsys):
    figures = transfer_report.read_results(transfer_report.summarize(records()), 0.96)
    assert figures["gain_small_pts"] == pytest.approx(10.0)
    assert figures["gain_large_pts"] == pytest.approx(10.0)
    assert figures["lowest_new_pct"] == pytest.approx(61.0)
    assert figures["worst_old_pct"] == pytest.approx(94.0)
    assert figures["old_mean_lora_pct"] == pytest.approx(94.0)
    assert "small_lr_few_pct" not in figures  # no full fine-tuning run
    assert figures["max_forgetting_pts"] == pytest.approx(2.0)
    assert figures["lowest_scratch_pct"] == pytest.approx(61.0)  # lowest is scratch
    assert "probe_min_pct" not in figures and "linear_probe_vs_scratch_min_pts" not in figures
    assert "most forgetting: lora" in capsys.readouterr().out
    with pytest.raises(ValueError, match="no recorded runs"):
        transfer_report.read_results(transfer_report.summarize(None), 0.96)


def test_figures_draw_and_skip_single_epoch_runs():
    summary = transfer_report.summarize(records())
    fig = transfer_report.plot_budget_curves(summary, 0.96)
    assert len(fig.axes) == 2
    one_epoch = {"val_accuracy": [0.5]}
    two_epochs = {"val_accuracy": [0.5, 0.6]}
    study = Study(
        [
            StudyRun({"method": "lora", "budget": "10/class"}, 0, two_epochs, 0.6, 1.0, None, {}),
            StudyRun({"method": "lora", "budget": "full"}, 0, one_epoch, 0.9, 1.0, None, {}),
        ]
    )
    assert len(transfer_report.plot_learning_curves(study, seed=0).axes) == 1
    assert transfer_report.plot_learning_curves(Study(study[1:]), seed=0) is None
    with pytest.raises(ValueError, match="no run with seed 5"):
        transfer_report.plot_learning_curves(study, seed=5)


def test_gaps_to_scratch_span_the_budgets():
    frame = records()
    probe = frame[frame["config.method"] == "lora"].assign(**{"config.method": "linear_probe"})
    probe["test_accuracy"] = probe["test_accuracy"] - [0.2, 0.05, 0.2, 0.05]
    figures = transfer_report.read_results(
        transfer_report.summarize(pd.concat([frame, probe])), 0.96
    )
    assert figures["linear_probe_vs_scratch_min_pts"] == pytest.approx(-10.0)
    assert figures["linear_probe_vs_scratch_max_pts"] == pytest.approx(5.0)
    assert figures["probe_min_pct"] == pytest.approx(51.0)
    assert figures["probe_max_pct"] == pytest.approx(96.0)


def test_weight_changes_draw_one_point_per_direction_changed():
    import matplotlib.pyplot as plt
    import numpy as np

    rng = np.random.default_rng(0)
    low_rank = rng.normal(size=(12, 2)) @ rng.normal(size=(2, 30))  # rank 2
    full = rng.normal(size=(12, 30))  # rank 12
    fig = transfer_report.plot_weight_changes({"lora": low_rank, "full_small_lr": full})
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["lora", "full_small_lr"]
    assert len(lines[0].get_xdata()) == 2 and len(lines[1].get_xdata()) == 12
    np.testing.assert_allclose(lines[1].get_ydata(), np.linalg.svd(full, compute_uv=False))
    assert lines[0].get_color() == "C5"  # lora's colour in every figure of the chapter
    plt.close(fig)
    with pytest.raises(ValueError, match="2-D matrix"):
        transfer_report.plot_weight_changes({"lora": np.zeros(3)})
    with pytest.raises(ValueError, match="at least one"):
        transfer_report.plot_weight_changes({})
