"""The benchmark scripts' options and reports (the timings themselves are not tested)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--target", "99"], "--target is a test accuracy"),
        (["--seeds", "0"], "--seeds must be at least 1"),
        (["--threads", "0"], "--threads must be at least 1"),
    ],
)
def test_time_to_99_rejects_bad_options(argv, message, capsys):
    with pytest.raises(SystemExit) as stop:
        load("time_to_99").parse_args(argv)
    assert stop.value.code == 2
    assert message in capsys.readouterr().err


def test_time_to_99_races_every_peer_unless_skipped():
    bench = load("time_to_99")
    assert bench.parse_args([]).peers == ["tuomaso", "pytorch_examples", "keras_io"]
    assert bench.parse_args([]).seeds == 10
    skipped = bench.parse_args(["--skip-keras", "--skip-tuomaso"])
    assert skipped.peers == ["pytorch_examples"]


def test_time_to_99_verdict_gives_the_ratio_and_whether_the_goal_was_met():
    verdict = load("time_to_99").verdict
    figures = {"fast_reached": 9, "fast_runs": 10, "book_over_tuomaso": 0.42}
    assert verdict(figures).splitlines()[1:] == [
        "measured: 9 of 10 seeds reached the target; "
        "the book's median time is 0.42 times tuomaso's",
        "goal met: yes",
    ]
    assert verdict({**figures, "fast_reached": 8}).endswith("goal met: NO")
    alone = verdict({**figures, "book_over_tuomaso": float("nan")})
    assert "no time ratio" in alone and alone.endswith("goal met: NO")


def test_epoch_throughput_rejects_a_bad_limit(capsys):
    with pytest.raises(SystemExit):
        load("epoch_throughput").parse_args(["--limit", "0"])
    assert "--limit must be between 1 and 60000" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        load("epoch_throughput").parse_args(["--repeats", "0"])
    assert "--repeats must be at least 1" in capsys.readouterr().err
    assert load("epoch_throughput").parse_args([]).repeats == 3


def test_epoch_throughput_target_is_keras_speed():
    target = load("epoch_throughput").keras_target
    assert target(book_seconds=4.0, keras_seconds=5.0) == (
        "the book's PyTorch path is at least as fast as Keras fit: "
        "YES (1.25x Keras' images per second)"
    )
    assert target(5.0, 5.0).endswith("YES (1.00x Keras' images per second)")
    assert target(book_seconds=5.0, keras_seconds=4.0).endswith(
        ": NO (0.80x Keras' images per second)"
    )


def test_book_runtime_names_the_processor(monkeypatch, tmp_path, capsys):
    from mnist_utils.runtime import cpu_model

    runtime = load("book_runtime")
    for mode in ("full", "quick"):
        monkeypatch.setitem(runtime.CACHES, mode, tmp_path / "missing")
    assert runtime.main([]) == 0
    assert capsys.readouterr().out.startswith(f"CPU: {cpu_model()}, ")


def test_book_runtime_reports_totals_and_unbuilt_chapters(capsys):
    runtime = load("book_runtime")
    names = [path.stem for path in runtime.chapters()]
    assert names[0].startswith("01_") and len(names) >= 12
    built = {name: 60.0 for name in names}
    built[names[-1]] = None
    runtime.report({"full": built})
    out = capsys.readouterr().out
    assert f"{names[-1]}" in out and "not built" in out
    whole = next(line for line in out.splitlines() if line.startswith("whole book"))
    assert whole.split()[-2] == f"{len(names) - 1:.1f}"  # minutes: one per built chapter
    assert f"no figure for 1 chapter(s) ({names[-1]})" in out


def test_book_runtime_without_a_build_has_no_figures(monkeypatch, tmp_path):
    runtime = load("book_runtime")
    monkeypatch.setitem(runtime.CACHES, "full", tmp_path / "missing")
    assert set(runtime.from_cache("full").values()) == {None}


def test_book_runtime_rejects_a_bad_timeout(capsys):
    with pytest.raises(SystemExit):
        load("book_runtime").main(["--timeout", "0"])
    assert "--timeout must be at least 1 second" in capsys.readouterr().err


def test_choose_race_recipe_rejects_bad_options(capsys):
    bench = load("choose_race_recipe")
    for argv, message in [
        (["--seeds", "0"], "--seeds must be at least 1"),
        (["--ratio", "0"], "--ratio is a share"),
        (["--only", "default,huge"], "not a candidate: huge; choose from default"),
    ]:
        with pytest.raises(SystemExit):
            bench.parse_args(argv)
        assert message in capsys.readouterr().err


def test_choose_race_recipe_picks_the_most_accurate_fast_enough_candidate():
    bench = load("choose_race_recipe")
    rows = bench.summarise(
        {
            "tuomaso": [(10.0, 0.987), (12.0, 0.986), (11.0, 0.988)],
            "default": [(5.0, 0.990), (5.5, 0.989), (5.2, 0.991)],
            "full_image": [(6.0, 0.992), (6.5, 0.992), (6.1, 0.993)],
            "sgd_nesterov": [(4.0, 0.985), (4.1, 0.984), (4.2, 0.986)],
        }
    )
    assert rows["tuomaso"]["median_s"] == 11.0 and rows["tuomaso"]["ratio"] == 1.0
    assert rows["full_image"]["ratio"] == pytest.approx(6.1 / 11.0)
    assert rows["default"]["min_acc"] == 0.989
    assert bench.choose(rows, 0.5) == "default"  # full_image is 0.55x tuomaso's time
    assert bench.choose(rows, 0.6) == "full_image"
    assert bench.choose(rows, 0.3) is None
