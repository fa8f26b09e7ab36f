"""mnist_utils.speed: chapter 12's race to 99% -- the book's recipe, the race with its
order, tables, figures and goal, and the ablation (the peers' recipes themselves are
tested in test_peer_recipes.py)."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_utils import load_splits, speed

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def small():
    return load_splits(5000, 0, fit=2000, test=500)


def test_fast_net_shape_parameters_crop_and_pool_order():
    net = speed.fast_net().eval()
    assert sum(p.numel() for p in net.parameters()) == 29_178
    names = list(dict(net.named_children()))
    assert names[0] == "crop"  # the recipe's network crops to 24 x 24
    # each max-pool comes before its ReLU (the same values, a quarter of the ReLUs)
    assert names.index("pool2") == names.index("act2") - 1
    images = torch.randn(3, 1, 28, 28)
    assert net(images).shape == (3, 10)
    # the two-pixel frame is cut away, so changing it changes nothing
    framed = images.clone()
    framed[..., :2, :] = 5.0
    framed[..., :, -2:] = -5.0
    with torch.no_grad():
        torch.testing.assert_close(net(framed), net(images))
    # with crop=0 every pixel counts, no do-nothing layer is printed, and the
    # network still ends on 64 x 3 x 3 with the same parameters
    full = speed.fast_net(crop=0).eval()
    assert "crop" not in dict(full.named_children())
    assert sum(p.numel() for p in full.parameters()) == 29_178
    with torch.no_grad():
        assert not torch.allclose(full(framed), full(images))


def test_fast_net_pool_before_relu_computes_the_act_then_pool_values():
    net = speed.fast_net().eval()
    layers = list(net.named_children())
    order = [name for name, _ in layers]
    for i in (2, 3):  # put each ReLU back before its pool
        a, p = order.index(f"act{i}"), order.index(f"pool{i}")
        layers[a], layers[p] = layers[p], layers[a]
        order = [name for name, _ in layers]
    swapped = torch.nn.Sequential(*[layer for _, layer in layers])
    images = torch.randn(4, 1, 28, 28)
    with torch.no_grad():
        assert torch.equal(net(images), swapped(images))


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


def test_book_recipe_is_reproducible_and_reports_its_race(small):
    runs = [
        speed.book_recipe(
            small.x_fit,
            small.y_fit,
            small.x_test,
            small.y_test,
            seed=3,
            epochs=2,
            device="cpu",
            precision="float32",
        )
        for _ in range(2)
    ]
    first, second = runs
    assert first.accuracy == second.accuracy
    assert 0.8 < first.accuracy < 1  # learned something from 2 x 15 batches
    assert first.train_images == 2_000
    assert first.reached == (first.accuracy >= 0.99)
    assert first.history == [(2, first.seconds, first.accuracy)]
    assert "test" in first.summary()
    assert "did not reach 99.0% (epochs trained: 2)" in first.summary()
    assert first.params == 29_178 and first.seed == 3
    assert first.precision == "float32"


def test_book_recipe_trains_a_fraction_of_an_epoch_and_chooses_its_arithmetic(small):
    half = speed.book_recipe(
        small.x_fit, small.y_fit, small.x_test, small.y_test, epochs=0.5, device="cpu"
    )
    assert half.epochs == 0.5 and half.history[0][0] == 0.5
    expected = "bfloat16" if speed.native_bfloat16("cpu") else "float32"
    assert half.precision == expected
    assert next(half.model.parameters()).dtype == torch.float32  # weights stay float32
    sgd = speed.book_recipe(
        small.x_fit,
        small.y_fit,
        small.x_test,
        small.y_test,
        optimizer="sgd",
        lr=0.2,
        label_smoothing=0.0,
        precision="float32",
        device="cpu",
    )
    assert sgd.precision == "float32" and 0 <= sgd.accuracy <= 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"target": 0}, "target is a test accuracy"),
        ({"target": 99}, "target is a test accuracy"),
        ({"epochs": 0}, "number of passes over the images"),
        ({"epochs": "1"}, "number of passes over the images"),
        ({"optimizer": "rmsprop"}, "optimizer must be 'adam' or 'sgd'"),
        ({"precision": "float16"}, "precision must be one of auto, bfloat16, float32"),
        ({"label_smoothing": 1.0}, r"label_smoothing must be in \[0, 1\)"),
    ],
)
def test_book_recipe_rejects_bad_settings_before_training(small, kwargs, message):
    with pytest.raises(ValueError, match=message):
        speed.book_recipe(small.x_fit, small.y_fit, small.x_test, small.y_test, **kwargs)


def test_race_interleaves_the_book_and_tuomaso_then_runs_the_other_peers(small):
    results = speed.race(
        small.x_fit,
        small.y_fit,
        small.x_test,
        small.y_test,
        seeds=(4, 5),
        peers=("keras_io", "tuomaso"),
        lr=0.05,
        device="cpu",
        peer_train=600,
        peer_max_epochs=1,
        verbose=False,
    )
    assert [(r.recipe, r.seed) for r in results] == [
        ("book (fast_net)", 4),
        ("tuomaso/train_mnist_fast", 4),
        ("tuomaso/train_mnist_fast", 5),
        ("book (fast_net)", 5),
        ("keras.io", 4),
    ]
    assert [speed.is_book(r) for r in results] == [True, False, False, True, False]
    assert [r.train_images for r in results] == [2_000, 600, 600, 2_000, 540]
    again = speed.book_recipe(
        small.x_fit, small.y_fit, small.x_test, small.y_test, seed=5, lr=0.05, device="cpu"
    )
    assert again.accuracy == results[3].accuracy  # the race adds nothing to a run

    table = speed.race_table(results)
    assert list(table["parameters"]) == [29_178, 215_194, 215_194, 29_178, 34_826]
    assert list(table["test accuracy"]) == [f"{100 * r.accuracy:.2f}%" for r in results]
    median = float(np.median([results[0].seconds, results[3].seconds]))
    assert list(table["× book (median)"]) == [round(r.seconds / median, 1) for r in results]


@pytest.fixture
def recorded_calls(monkeypatch):
    """Every recipe replaced by one that records (recipe, seed, training images)."""
    from mnist_utils import peer_recipes

    calls = []

    def fake(recipe):
        def run(*args, seed=None, target=0.99, **options):
            images = len(args[0]) if args else options.get("train_limit")
            calls.append((recipe, seed, images))
            return speed.RaceResult(recipe, target, 1.0, 1, 0.99, True, images, seed=seed)

        return run

    monkeypatch.setattr(speed, "book_recipe", fake("book"))
    for key in speed.PEER_RECIPES:
        monkeypatch.setattr(peer_recipes, f"{key}_recipe", fake(key))
    return calls


def test_race_alternates_which_of_the_two_goes_first(recorded_calls):
    x, y = np.zeros((50, 28, 28), np.uint8), np.zeros(50, np.int64)
    race = speed.race(x, y, x[:10], y[:10], seeds=(0, 1, 2, 3), peer_train=20, verbose=False)
    assert [(recipe, seed) for recipe, seed, _ in recorded_calls] == [
        ("book", 0),
        ("tuomaso", 0),
        ("tuomaso", 1),
        ("book", 1),
        ("book", 2),
        ("tuomaso", 2),
        ("tuomaso", 3),
        ("book", 3),
        ("pytorch_examples", None),  # its script's own seed
        ("keras_io", 0),
    ]
    # the book trains on what it is given, the peers on the first peer_train images
    assert [images for _, _, images in recorded_calls] == [50, 20, 20, 50, 50, 20, 20, 50, 20, 20]
    assert len(race) == 10
    # the order follows each seed's parity, not its place in the list
    recorded_calls.clear()
    speed.race(x, y, x, y, seeds=(7, 8), peers=("tuomaso",), peer_train=20, verbose=False)
    assert [(recipe, seed) for recipe, seed, _ in recorded_calls] == [
        ("tuomaso", 7),
        ("book", 7),
        ("book", 8),
        ("tuomaso", 8),
    ]


def test_race_without_tuomaso_runs_the_book_alone_per_seed(recorded_calls):
    x, y = np.zeros((50, 28, 28), np.uint8), np.zeros(50, np.int64)
    speed.race(x, y, x, y, seeds=(0, 1), peers=(), verbose=False)
    assert recorded_calls == [("book", 0, 50), ("book", 1, 50)]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"peers": ("pytorch",)},
            r"unknown peer recipe\(s\) \['pytorch'\]: choose from "
            "tuomaso, pytorch_examples, keras_io",
        ),
        ({"seeds": ()}, "at least one seed"),
        ({"target": 99}, "target is a test accuracy"),
        ({"peer_train": 0}, "peer_train must be None"),
        ({"peer_max_epochs": 0}, "whole number >= 1"),
    ],
)
def test_race_rejects_bad_options_before_training(kwargs, message, recorded_calls):
    with pytest.raises(ValueError, match=message):
        speed.race(None, None, None, None, **kwargs)
    assert recorded_calls == []


def test_race_tables_need_a_run_of_the_book():
    peer = speed.RaceResult("keras.io", 0.99, 10.0, 1, 0.99, True, 540)
    for tabulate in (speed.race_table, speed.race_summary, speed.race_figures):
        with pytest.raises(ValueError, match="at least one run of the book's recipe"):
            tabulate([peer])


class FakeRun:
    """What record_race uses of a ChapterRun."""

    def __init__(self):
        self.records = []

    def record(self, **fields):
        self.records.append(fields)


def one_run(recipe, seconds, accuracy, seed, *, images=55_000, params=29_178):
    return speed.RaceResult(
        recipe,
        0.99,
        seconds,
        1,
        accuracy,
        accuracy >= 0.99,
        images,
        [(1, seconds, accuracy)],
        params=params,
        seed=seed,
    )


def synthetic_race():
    """A race of three seeds in the order race() runs it, with hand-made figures."""
    book, tuomaso = "book (fast_net)", "tuomaso/train_mnist_fast"
    tuomaso_run = {"images": 60_000, "params": 215_194}
    return [
        one_run(book, 10.0, 0.991, 0),
        one_run(tuomaso, 30.0, 0.9902, 0, **tuomaso_run),
        one_run(tuomaso, 20.0, 0.9895, 1, **tuomaso_run),
        one_run(book, 14.0, 0.989, 1),
        one_run(book, 12.0, 0.993, 2),
        one_run(tuomaso, 25.0, 0.9910, 2, **tuomaso_run),
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


def test_race_summary_counts_and_medians_per_recipe():
    summary = speed.race_summary(synthetic_race())
    assert list(summary.index) == ["book (fast_net)", "tuomaso/train_mnist_fast", "keras.io"]
    assert list(summary["runs"]) == [3, 3, 1]
    assert list(summary["median seconds"]) == [12.0, 25.0, 60.0]
    assert list(summary["reached 99%"]) == ["2 of 3", "2 of 3", "1 of 1"]
    assert summary["mean test accuracy (%)"].tolist() == pytest.approx([99.1, 99.0233, 99.05])
    assert summary["× book (median)"].tolist() == pytest.approx([1.0, 25 / 12, 5.0])
    # the book's row comes first even when tuomaso ran first (an odd first seed)
    assert speed.race_summary(synthetic_race()[1:]).index[0] == "book (fast_net)"


def test_race_figures_quote_the_book_tuomaso_and_each_other_peer():
    figures = speed.race_figures(synthetic_race())
    assert figures["fast_median_s"] == 12.0
    assert (figures["fast_min_s"], figures["fast_max_s"]) == (10.0, 14.0)
    assert figures["fast_us_per_image"] == pytest.approx(1e6 * 12.0 / 55_000)
    assert figures["fast_mean_acc_pct"] == pytest.approx(99.1)
    assert (figures["fast_reached"], figures["fast_runs"]) == (2, 3)
    assert figures["tuomaso_median_s"] == 25.0
    assert (figures["tuomaso_reached"], figures["tuomaso_runs"]) == (2, 3)
    assert figures["tuomaso_mean_acc_pct"] == pytest.approx(99.0233)
    assert figures["book_over_tuomaso"] == 12.0 / 25.0
    assert figures["keras_io_s"] == 60.0 and figures["keras_io_epochs"] == 3
    assert figures["keras_io_pct"] == pytest.approx(99.05)
    assert figures["keras_io_ratio"] == 5.0
    # a peer that did not run (PEERS) is NaN, so the prose still has its key
    assert all(np.isnan(figures[f"pytorch_examples_{k}"]) for k in ("s", "epochs", "pct", "ratio"))
    without = speed.race_figures([r for r in synthetic_race() if "tuomaso" not in r.recipe])
    tuomaso_keys = ["median_s", "reached", "runs", "mean_acc_pct"]
    assert all(np.isnan(without[f"tuomaso_{k}"]) for k in tuomaso_keys)
    assert np.isnan(without["book_over_tuomaso"])


def test_race_goal_holds_the_share_of_seeds_and_the_time_ratio():
    assert (speed.RACE_GOAL.reached, speed.RACE_GOAL.runs) == (9, 10)
    assert speed.RACE_GOAL.time_ratio == 0.5
    with pytest.raises(AttributeError):
        speed.RACE_GOAL.time_ratio = 1.0  # fixed before the runs
    figures = speed.race_figures(synthetic_race())  # 2 of 3 reached, ratio 0.48
    assert not speed.RACE_GOAL.met(figures)  # 2 of 3 is less than 9 of 10
    assert speed.RaceGoal(reached=2, runs=3).met(figures)
    assert not speed.RaceGoal(reached=2, runs=3, time_ratio=0.4).met(figures)
    assert speed.RACE_GOAL.met({**figures, "fast_reached": 3})  # 3 of 3, and 0.48 <= 0.5
    assert not speed.RACE_GOAL.met({**figures, "fast_reached": 3, "book_over_tuomaso": 0.51})
    # without tuomaso's runs the ratio is NaN: the goal is not met
    assert not speed.RACE_GOAL.met({**figures, "fast_reached": 3, "book_over_tuomaso": np.nan})


def test_record_race_records_every_run_with_its_framework():
    run = FakeRun()
    speed.record_race(run, synthetic_race(), n_test=10_000)
    assert [r["framework"] for r in run.records] == ["torch"] * 6 + ["keras"]
    assert run.records[1]["model"] == "tuomaso/train_mnist_fast"
    assert run.records[6] == {
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


def test_plot_race_draws_every_evaluation_with_a_legend_entry_per_recipe():
    import matplotlib.pyplot as plt

    fig = speed.plot_race(synthetic_race(), 0.99)
    ax = fig.axes[0]
    *runs, target_line = ax.get_lines()  # a line per run, then the target's
    assert len(runs) == 7 and list(target_line.get_ydata()) == [99.0, 99.0]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [
        "book (fast_net), 3 seeds",
        "tuomaso/train_mnist_fast, 3 seeds",
        "keras.io",
    ]
    colours = [line.get_color() for line in runs]
    assert colours[0] == colours[3] == colours[4] != colours[1] == colours[2] == colours[5]
    assert list(runs[6].get_xdata()) == [20.0, 40.0, 60.0]
    assert ax.get_xscale() == "log"
    lowest = min(a for r in synthetic_race() for _, _, a in r.history)
    assert ax.get_ylim() == (min(100 * lowest, 99.0) - 0.5, 100)  # every point is on the chart
    plt.close(fig)


def test_pooled_fast_net_pools_instead_of_striding():
    net = speed.pooled_fast_net().eval()
    layers = dict(net.named_children())
    assert layers["conv1"].stride == (1, 1)
    assert list(layers).index("pool1") == list(layers).index("act1") - 1
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
    # seed by seed, the variants in turn, the order rotated: base, crop; then crop, base
    assert [(name, seed) for name, seed, *_ in calls] == [
        ("base", 0),
        ("crop", 0),
        ("crop", 1),
        ("base", 1),
    ]
    assert calls[0] == ("base", 0, 0.2, {})
    assert calls[1] == ("crop", 0, 0.05, {"one_cycle": False})  # a variant's lr wins
    assert list(table.index) == ["base", "crop"]
    assert list(table["parameters"]) == [40, 50]
    assert list(table["mean seconds"]) == [11.0, 7.5]
    assert table["mean validation accuracy (%)"].tolist() == pytest.approx([96.0, 96.0])
    assert table["× time"].tolist() == pytest.approx([1.0, 7.5 / 11.0])
    assert table["Δ accuracy (points)"].tolist() == pytest.approx([0.0, 0.0])
    assert list(table["seeds below the recipe"]) == [0, 1]
    with pytest.raises(ValueError, match="at least one variant and one seed"):
        speed.ablation({}, None, None, None, None, seeds=[0])
