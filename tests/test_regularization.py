"""mnist_utils.regularization: chapter 11's configurations, gap and tables."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest
import torch

from mnist_utils import regularization as reg
from mnist_utils import studies, training
from mnist_utils.checks import ParameterError

matplotlib.use("Agg")

STRENGTHS = dict(weight_decay=5e-4, adamw_decay=0.1, patience=2, rotation=10.0, shift=2.0, zoom=0.1)


def test_methods_by_size():
    every = list(reg.METHODS)
    assert reg.methods_by_size(every, ["none", "augment"], ["5000", "all"]) == {
        "5000": every,
        "all": ["none", "augment"],
    }
    # the full set runs only what both lists name; a size left out runs nothing
    assert reg.methods_by_size(["l2", "augment"], ["augment", "none"], ["all"]) == {
        "5000": [],
        "all": ["augment"],
    }
    assert reg.methods_by_size(["l2"], ["none"], ["5000"]) == {"5000": ["l2"], "all": []}
    with pytest.raises(ParameterError, match="TRAIN_SIZES includes 'all' but no method"):
        reg.methods_by_size(["l2"], ["none"], ["5000", "all"])
    with pytest.raises(ParameterError, match="unknown method"):
        reg.methods_by_size(["dropout"], ["none"], ["5000"])
    with pytest.raises(ParameterError, match="size"):
        reg.methods_by_size(["none"], ["none"], ["100"])


def test_config_for_sets_only_the_methods_own_strength():
    common = {"n_train": 5000, "epochs": 6, "batch_size": 128, "learning_rate": 1e-3}
    baseline = {
        **common,
        "method": "none",
        "optimizer": "adam",
        "dropout": 0.0,
        "weight_decay": 0.0,
        "augment": "none",
        "patience": 0,
    }
    assert reg.config_for("none", n_train=5000, epochs=6, **STRENGTHS) == baseline
    expected = {
        "dropout_0.25": {"dropout": 0.25},
        "dropout_0.5": {"dropout": 0.5},
        "l2": {"weight_decay": 5e-4},
        "adamw": {"optimizer": "adamw", "weight_decay": 0.1},
        "augment": {"augment": "rot10-shift2-zoom0.1"},
        "early_stop": {"patience": 2},
    }
    for method, changes in expected.items():
        config = reg.config_for(method, n_train=5000, epochs=6, **STRENGTHS)
        assert config == {**baseline, "method": method, **changes}, method
    with pytest.raises(ValueError, match="unknown method 'dropout'"):
        reg.config_for("dropout", n_train=5000, epochs=6, **STRENGTHS)
    grid = reg.grid(["none", "l2"], n_train=500, epochs=2, **STRENGTHS)
    assert [c["method"] for c in grid] == ["none", "l2"]
    assert {c["n_train"] for c in grid} == {500} and {c["epochs"] for c in grid} == {2}


class ConstantModel(torch.nn.Module):
    """Always predicts class 3."""

    def __init__(self):
        super().__init__()
        self.bias = torch.nn.Parameter(torch.zeros(10))
        with torch.no_grad():
            self.bias[3] = 5.0

    def forward(self, x):
        return self.bias.expand(len(x), 10)


def test_gap_is_train_minus_validation_accuracy_in_points():
    images = torch.zeros(8, 1, 28, 28)
    train = training.TensorBatches(images, torch.full((8,), 3), batch_size=4)
    val = training.TensorBatches(images, torch.tensor([3, 3, 3, 3, 3, 3, 1, 2]), batch_size=4)
    figures = reg.gap(ConstantModel(), train, val)
    assert figures["train_accuracy"] == 1.0
    assert figures["val_accuracy"] == 0.75
    assert figures["gap"] == pytest.approx(25.0)
    assert figures["train_loss"] < figures["val_loss"]


def test_augmentation_rates_and_images_per_second():
    images = torch.zeros(10, 1, 28, 28)
    seen = []
    batched, single = reg.augmentation_rates(
        images, seen.append, rotation=5, shift=1, zoom=0.1, seed=0, n_single=3
    )
    assert len(seen) == 3 and batched > 0 and single > 0
    with pytest.raises(ValueError, match="n_single must be from 1 to 10"):
        reg.augmentation_rates(
            images, seen.append, rotation=5, shift=1, zoom=0.1, seed=0, n_single=11
        )
    runs = [
        SimpleNamespace(config={"n_train": 100}, history={"seconds": [1.0, 1.0]}, seconds=2.0),
        SimpleNamespace(config={"n_train": 400}, history={"seconds": [2.0]}, seconds=2.0),
    ]
    assert reg.images_per_second(runs) == pytest.approx((200 + 400) / 4.0)
    with pytest.raises(ValueError, match="no runs"):
        reg.images_per_second([])


def recorded_frame():
    rows = []
    for method, n_train, seed, test, gap in [
        ("none", 500, 0, 0.90, 4.0),
        ("none", 500, 1, 0.92, 2.0),
        ("augment", 500, 0, 0.93, 1.0),
        ("augment", 500, 0, 0.50, 9.0),  # other zoom
        ("none", 1000, 0, 0.95, 0.5),
    ]:
        config = reg.config_for(method, n_train=n_train, epochs=2, **STRENGTHS)
        if test == 0.50:
            config["augment"] = "rot10-shift2-zoom0.2"
        rows.append(
            {
                **{f"config.{k}": v for k, v in config.items()},
                "seed": seed,
                "test_accuracy": test,
                "val_accuracy": test,
                "train_accuracy": test,
                "gap": gap,
                "epochs_run": 2,
                "best_epoch": 2,
            }
        )
    return pd.DataFrame(rows)


def test_summary_table_matches_every_setting_and_keeps_the_configs_order():
    configs = [
        config
        for n in (500, 1000)
        for config in reg.grid(reg.METHODS, n_train=n, epochs=2, **STRENGTHS)
    ]
    table = reg.summary_table(recorded_frame(), configs)
    assert table[["n_train", "method", "runs"]].values.tolist() == [
        [500, "none", 2],
        [500, "augment", 1],
        [1000, "none", 1],
    ]
    assert table["gap_mean"].tolist() == pytest.approx([3.0, 1.0, 0.5])
    shown = reg.shown_table(table)
    assert shown["gap (pp)"].tolist() == ["3.00 ± 1.41", "1.00", "0.50"]
    assert shown["test acc %"].tolist() == ["91.00 ± 1.41", "93.00", "95.00"]
    assert shown["n_train"].tolist() == ["500", "500", "1,000"]
    empty = reg.summary_table(pd.DataFrame(), configs)
    assert len(empty) == 0 and "gap_mean" in empty and len(reg.shown_table(empty)) == 0


def test_against_baseline():
    configs = reg.grid(reg.METHODS, n_train=500, epochs=2, **STRENGTHS)
    small = reg.summary_table(recorded_frame(), configs).set_index("method")
    compared = reg.against_baseline(small)
    assert compared.index.tolist() == ["augment"]
    assert compared.loc["augment"].tolist() == ["1.00", "-2.00", "93.00", "+2.00"]
    with pytest.raises(KeyError, match="no 'none' row"):
        reg.against_baseline(small.drop(index="none"))


def test_runs_table_and_figures():
    history = {
        "loss": [1.0, 0.5, 0.4],
        "val_loss": [1.1, 0.9, 1.0],
        "seconds": [1, 1, 1],
        "best_epoch": 2,
    }
    run = studies.StudyRun(
        {"method": "early_stop", "n_train": 5000},
        1,
        history,
        0.9,
        3.0,
        None,
        {"train_accuracy": 0.99, "val_accuracy": 0.95, "gap": 4.0},
    )
    row = reg.runs_table([run]).iloc[0].to_dict()
    assert row == {
        "images": "5,000",
        "method": "early_stop",
        "seed": 1,
        "epochs run": 3,
        "epoch kept": 2,
        "seconds": "3.0",
        "train acc %": "99.00",
        "val acc %": "95.00",
        "gap (pp)": "4.00",
        "test acc %": "90.00",
    }
    fig = reg.plot_learning_curves(
        {
            "none": history,
            "l2": history,
            "augment": history,
            "adamw": history,
            "early_stop": history,
        },
        title="t",
    )
    assert len(fig.axes) == 8 and sum(ax.axison for ax in fig.axes) == 5
    with pytest.raises(ValueError, match="no histories"):
        reg.plot_learning_curves({}, title="t")
    small = reg.summary_table(
        recorded_frame(), reg.grid(reg.METHODS, n_train=500, epochs=2, **STRENGTHS)
    ).set_index("method")
    fig = reg.plot_gap_and_test(small, title="t")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["none", "augment"]
    originals = torch.zeros(3, 1, 28, 28)
    fig = reg.plot_variants(originals, [originals + 1, originals + 2])
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 9 and titles[::3] == ["original"] * 3


def test_run_study_names_chapter_11s_runs_by_method(capsys):
    """run_study(label="method") prints the method, not every setting that varies."""
    recorded = []
    fake_run = SimpleNamespace(record=lambda **kw: recorded.append(kw))
    torch.manual_seed(0)
    images, labels = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
    batches = training.TensorBatches(images, labels, batch_size=32)
    data = studies.StudyData(images, labels, batches, batches, batch_size=32)

    def build(config, seed):
        model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
        optimizer = torch.optim.Adam(
            model.parameters(), lr=1e-3, weight_decay=config["weight_decay"]
        )
        return studies.Trial(
            model,
            optimizer,
            data.train_batches(seed, n=config["n_train"]),
            patience=config["patience"] or None,
        )

    def measure(model, config, seed, history):
        return {
            **reg.gap(model, batches, data.val_batches),
            "best_epoch": history.get("best_epoch", len(history["loss"])),
        }

    study = studies.run_study(
        fake_run,
        reg.grid(["none", "l2", "early_stop"], n_train=64, epochs=1, **STRENGTHS),
        build,
        seeds=[0],
        epochs=1,
        data=data,
        measure=measure,
        model_name="article000",
        label="method",
        device="cpu",
    )
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("  seed")[0] for line in lines[:3]] == [
        "method none",
        "method l2",
        "method early_stop",
    ]
    assert [r["config"]["method"] for r in recorded] == ["none", "l2", "early_stop"]
    assert recorded[1]["config"]["weight_decay"] == 5e-4 and recorded[0]["model"] == "article000"
    assert recorded[0]["gap"] == pytest.approx(study[0].measured["gap"])
    assert np.isfinite(recorded[2]["best_epoch"])


def test_seed_differences_are_method_minus_baseline_per_seed_in_points():
    def one(method, seed, train, val, test):
        measured = {"train_accuracy": train, "val_accuracy": val, "gap": 100 * (train - val)}
        return studies.StudyRun({"method": method}, seed, {}, test, 1.0, None, measured)

    study = studies.Study(
        [
            one("none", 0, 0.98, 0.96, 0.961),
            one("none", 1, 0.99, 0.97, 0.974),
            one("augment", 0, 0.97, 0.96, 0.969),
            one("augment", 1, 0.975, 0.97, 0.9741),
            one("augment", 2, 0.9, 0.9, 0.9),  # no baseline with seed 2: left out
        ]
    )
    assert reg.seed_differences(study, "augment") == {
        "train": [-1.0, -1.5],
        "val": [0.0, 0.0],
        "gap": [-1.0, -1.5],
        "test": [0.8, 0.01],
    }
    assert reg.seed_differences(study, "augment", seeds=[1])["test"] == [0.01]
    missing = reg.seed_differences(study, "l2")
    assert set(missing) == {"train", "val", "gap", "test"}
    assert all(len(v) == 1 and np.isnan(v[0]) for v in missing.values())


def test_dropout_figure_shows_the_units_and_what_dropout_left_of_them():
    units = np.array([0.5, 1.0, 0.25, 2.0])
    dropped = np.array([1.0, 0.0, 0.5, 0.0])  # p = 0.5: kept ones doubled
    fig = reg.plot_dropout(units, dropped, p=0.5)
    top, bottom = fig.axes
    assert [b.get_height() for b in top.patches] == units.tolist()
    assert [b.get_height() for b in bottom.patches[:4]] == dropped.tolist()
    assert "1 / (1 - p) = 2" in bottom.get_title()
    (crosses,) = bottom.get_lines()
    assert crosses.get_xdata().tolist() == [1, 3]  # the dropped units
    with pytest.raises(ValueError, match="one length"):
        reg.plot_dropout(units, dropped[:3], p=0.5)
