"""mnist_utils.speed: chapter 12's race to 99% -- the book's recipe, the peers' recipes,
the race and its table."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_utils import load_splits, speed

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def small():
    return load_splits(5000, 0, fit=2000, test=500)


def test_fast_net_shape_parameters_and_crop():
    net = speed.fast_net().eval()
    assert sum(p.numel() for p in net.parameters()) == 29_178
    assert "crop" not in dict(net.named_children())  # no do-nothing layer by default
    images = torch.randn(3, 1, 28, 28)
    assert net(images).shape == (3, 10)
    # by default every pixel counts: changing the outer frame changes the output
    framed = images.clone()
    framed[..., :2, :] = 5.0
    framed[..., :, -2:] = -5.0
    with torch.no_grad():
        assert not torch.allclose(net(framed), net(images))
    # with crop=2 the two-pixel frame is cut away, so changing it changes nothing,
    # and the network still ends on 64 x 3 x 3 with the same parameters
    cropped = speed.fast_net(crop=2).eval()
    assert sum(p.numel() for p in cropped.parameters()) == 29_178
    with torch.no_grad():
        torch.testing.assert_close(cropped(framed), cropped(images))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"crop": 7}, "crop must be 0-6"),
        ({"widths": (16, 32)}, "three positive channel counts"),
        ({"widths": (16, 0, 64)}, "three positive channel counts"),
    ],
)
def test_fast_net_rejects_bad_shapes(kwargs, message):
    with pytest.raises(ValueError, match=message):
        speed.fast_net(**kwargs)


def test_peer_networks_have_their_published_sizes():
    assert sum(p.numel() for p in speed.pytorch_examples_net().parameters()) == 1_199_882
    assert speed.keras_io_net().count_params() == 34_826


def test_book_recipe_is_reproducible_and_reports_its_race(small):
    runs = [
        speed.book_recipe(
            small.x_fit,
            small.y_fit,
            small.x_test,
            small.y_test,
            seed=3,
            lr=0.05,
            epochs=2,
            device="cpu",
        )
        for _ in range(2)
    ]
    first, second = runs
    assert first.accuracy == second.accuracy
    assert 0.8 < first.accuracy < 1  # learned something from 2 x 15 batches
    assert first.train_images == 2_000
    assert first.reached == (first.accuracy >= 0.99)
    assert first.history == [(2, first.seconds, first.accuracy)]
    assert "test" in first.summary() and "did not reach 99.0% in 2" in first.summary()
    assert first.params == 29_178 and first.seed == 3


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"target": 0}, "target is a test accuracy"),
        ({"target": 99}, "target is a test accuracy"),
        ({"epochs": 0}, "whole number >= 1"),
    ],
)
def test_book_recipe_rejects_bad_settings_before_training(small, kwargs, message):
    with pytest.raises(ValueError, match=message):
        speed.book_recipe(small.x_fit, small.y_fit, small.x_test, small.y_test, **kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"train_limit": 0}, "train_limit must be None"),
        ({"test_limit": 2.5}, "test_limit must be None"),
        ({"max_epochs": True}, "whole number >= 1"),
    ],
)
def test_pytorch_examples_recipe_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        speed.pytorch_examples_recipe(**kwargs)


def test_pytorch_examples_recipe_stops_at_its_target():
    result = speed.pytorch_examples_recipe(
        train_limit=640, test_limit=200, target=0.01, max_epochs=3, device="cpu", verbose=False
    )
    assert result.reached and result.epochs == 1 and len(result.history) == 1
    assert result.train_images == 640


def test_keras_io_recipe_stops_at_its_target(small):
    result = speed.keras_io_recipe(
        small.x_fit[:600],
        small.y_fit[:600],
        small.x_test,
        small.y_test,
        target=0.01,
        max_epochs=3,
        verbose=False,
    )
    assert result.reached and result.epochs == 1
    assert result.train_images == 540  # validation_split=0.1 keeps the last 60
    never = speed.keras_io_recipe(
        small.x_fit[:600],
        small.y_fit[:600],
        small.x_test,
        small.y_test,
        target=1.0,
        max_epochs=2,
        verbose=False,
    )
    assert not never.reached and never.epochs == 2
    assert never.params == 34_826 and never.seed == 0
    assert [h[0] for h in never.history] == [1, 2]


def test_race_runs_the_book_per_seed_then_the_peers_and_tabulates_them(small):
    results = speed.race(
        small.x_fit,
        small.y_fit,
        small.x_test,
        small.y_test,
        seeds=(4, 5),
        peers=("keras_io",),
        lr=0.05,
        device="cpu",
        peer_train=600,
        peer_max_epochs=1,
        verbose=False,
    )
    assert [(r.recipe, r.seed) for r in results] == [
        ("book (fast_net)", 4),
        ("book (fast_net)", 5),
        ("keras.io", 4),
    ]
    assert [speed.is_book(r) for r in results] == [True, True, False]
    assert results[2].train_images == 540  # keras.io's validation_split keeps 90%
    again = speed.book_recipe(
        small.x_fit, small.y_fit, small.x_test, small.y_test, seed=5, lr=0.05, device="cpu"
    )
    assert again.accuracy == results[1].accuracy  # the race adds nothing to a run

    table = speed.race_table(results)
    assert list(table["parameters"]) == [29_178, 29_178, 34_826]
    assert list(table["test accuracy"]) == [f"{100 * r.accuracy:.2f}%" for r in results]
    median = float(np.median([r.seconds for r in results[:2]]))
    assert list(table["× book (median)"]) == [round(r.seconds / median, 1) for r in results]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"peers": ("pytorch",)},
            r"unknown peer recipe\(s\) \['pytorch'\]: choose from "
            "pytorch_examples, keras_io",
        ),
        ({"seeds": ()}, "at least one seed"),
        ({"target": 99}, "target is a test accuracy"),
        ({"peer_train": 0}, "peer_train must be None"),
        ({"peer_max_epochs": 0}, "whole number >= 1"),
    ],
)
def test_race_rejects_bad_options_before_training(kwargs, message, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("the race started before checking its options")

    monkeypatch.setattr(speed, "book_recipe", no_training)
    with pytest.raises(ValueError, match=message):
        speed.race(None, None, None, None, **kwargs)


def test_race_table_needs_a_run_of_the_book():
    peer = speed.RaceResult("keras.io", 0.99, 10.0, 1, 0.99, True, 540)
    with pytest.raises(ValueError, match="at least one run of the book's recipe"):
        speed.race_table([peer])


class FakeRun:
    """What record_race uses of a ChapterRun."""

    def __init__(self):
        self.records = []

    def record(self, **fields):
        self.records.append(fields)


def synthetic_race():
    return [
        speed.RaceResult(
            "book (fast_net)",
            0.99,
            10.0,
            1,
            0.991,
            True,
            55_000,
            [(1, 10.0, 0.991)],
            params=29_178,
            seed=0,
        ),
        speed.RaceResult(
            "book (fast_net)",
            0.99,
            14.0,
            1,
            0.989,
            False,
            55_000,
            [(1, 14.0, 0.989)],
            params=29_178,
            seed=1,
        ),
        speed.RaceResult(
            "book (fast_net)",
            0.99,
            12.0,
            1,
            0.993,
            True,
            55_000,
            [(1, 12.0, 0.993)],
            params=29_178,
            seed=2,
        ),
        speed.RaceResult(
            "keras.io",
            0.99,
            60.0,
            3,
            0.9905,
            True,
            54_000,
            [(1, 20.0, 0.98), (2, 40.0, 0.987), (3, 60.0, 0.9905)],
            params=34_826,
            seed=0,
        ),
    ]


def test_race_figures_quote_the_book_and_each_peer():
    figures = speed.race_figures(synthetic_race())
    assert figures["fast_median_s"] == 12.0
    assert (figures["fast_min_s"], figures["fast_max_s"]) == (10.0, 14.0)
    assert figures["fast_us_per_image"] == pytest.approx(1e6 * 12.0 / 55_000)
    assert figures["fast_mean_acc_pct"] == pytest.approx(99.1)
    assert (figures["fast_reached"], figures["fast_runs"]) == (2, 3)
    assert figures["keras_io_s"] == 60.0 and figures["keras_io_epochs"] == 3
    assert figures["keras_io_pct"] == pytest.approx(99.05)
    assert figures["keras_io_ratio"] == 5.0
    # a peer that did not run (PEERS) is NaN, so the prose still has its key
    assert all(np.isnan(figures[f"pytorch_examples_{k}"]) for k in ("s", "epochs", "pct", "ratio"))
    with pytest.raises(ValueError, match="at least one run of the book's recipe"):
        speed.race_figures(synthetic_race()[3:])


def test_record_race_records_every_run_with_its_framework():
    run = FakeRun()
    speed.record_race(run, synthetic_race(), n_test=10_000)
    assert [r["framework"] for r in run.records] == ["torch"] * 3 + ["keras"]
    assert run.records[3] == {
        "model": "keras.io",
        "framework": "keras",
        "seed": 0,
        "test_accuracy": 0.9905,
        "config": {"part": "race", "target": 0.99, "epochs": 3, "n_train": 54_000},
        "train_seconds": 60.0,
        "params": 34_826,
        "n_test": 10_000,
        "reached_target": True,
    }


def test_plot_race_draws_every_evaluation():
    import matplotlib.pyplot as plt

    fig = speed.plot_race(synthetic_race(), 0.99)
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if line.get_label()[0] != "_"]
    assert [line.get_label() for line in lines] == [
        "book (fast_net), seed 0",
        "book (fast_net), seed 1",
        "book (fast_net), seed 2",
        "keras.io",
    ]
    assert list(lines[3].get_xdata()) == [20.0, 40.0, 60.0]
    assert ax.get_xscale() == "log"
    plt.close(fig)


def test_pooled_fast_net_pools_instead_of_striding():
    net = speed.pooled_fast_net().eval()
    layers = dict(net.named_children())
    assert layers["conv1"].stride == (1, 1)
    assert list(layers).index("pool1") == list(layers).index("act1") + 1
    assert sum(p.numel() for p in net.parameters()) == 29_178
    assert net(torch.randn(2, 1, 28, 28)).shape == (2, 10)
    assert speed.fast_net().conv1.stride == (2, 2)  # the recipe itself is unchanged


def test_ablation_tabulates_means_against_the_first_variant(monkeypatch):
    scores = {
        ("base", 0): (0.95, 10.0),
        ("base", 1): (0.97, 12.0),
        ("crop", 0): (0.94, 7.0),
        ("crop", 1): (0.98, 8.0),
    }
    calls = []

    def fake_recipe(x, y, xv, yv, *, seed, name, lr, target, device, **changes):
        calls.append((name, seed, lr, changes))
        accuracy, seconds = scores[name, seed]
        return speed.RaceResult(
            name,
            target,
            seconds,
            1,
            accuracy,
            accuracy >= target,
            100,
            params=50 if name == "crop" else 40,
            seed=seed,
        )

    monkeypatch.setattr(speed, "book_recipe", fake_recipe)
    table = speed.ablation(
        {"base": {}, "crop": {"lr": 0.05, "one_cycle": False}},
        None,
        None,
        None,
        None,
        seeds=[0, 1],
        lr=0.2,
        verbose=False,
    )
    assert calls[0] == ("base", 0, 0.2, {})
    assert calls[2] == ("crop", 0, 0.05, {"one_cycle": False})  # a variant's lr wins
    assert list(table.index) == ["base", "crop"]
    assert list(table["parameters"]) == [40, 50]
    assert list(table["mean seconds"]) == [11.0, 7.5]
    assert table["mean validation accuracy (%)"].tolist() == pytest.approx([96.0, 96.0])
    assert table["× time"].tolist() == pytest.approx([1.0, 7.5 / 11.0])
    assert table["Δ accuracy (points)"].tolist() == pytest.approx([0.0, 0.0])
    assert list(table["seeds below the recipe"]) == [0, 1]
    with pytest.raises(ValueError, match="at least one variant and one seed"):
        speed.ablation({}, None, None, None, None, seeds=[0])
