"""mnist_utils.sweep on a real chapter: chapter 9 (activation functions) in quick mode.

The sweep executes chapters/09_activation_study.ipynb once per configuration with
papermill. Quick mode and the results folder are set through environment variables,
which the papermill kernels inherit, so nothing is written to the book's runs/ folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mnist_utils import results, sweep
from mnist_utils.sweep import SweepError

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "chapters" / "09_activation_study.ipynb"
GRID = [("ACTIVATION", "relu,tanh"), ("REPEATS", "1")]
NAMES = ["ACTIVATION=relu_REPEATS=1.ipynb", "ACTIVATION=tanh_REPEATS=1.ipynb"]


def _printed(notebook: Path) -> str:
    """All the text a executed notebook printed (stdout streams)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return "".join("".join(out.get("text", ""))
                   for cell in nb["cells"] if cell["cell_type"] == "code"
                   for out in cell.get("outputs", []) if out.get("name") == "stdout")


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """Run the two-configuration sweep once, in quick mode, into a temporary folder."""
    tmp = tmp_path_factory.mktemp("sweep09")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MNIST_BOOK_QUICK", "1")
        mp.setenv("MNIST_BOOK_RESULTS", str(tmp / "results"))
        mp.setenv("MNIST_BOOK_FIGURES", str(tmp / "figures"))
        out = tmp / "sweeps"
        rows = sweep.run_sweep(CHAPTER, GRID, out=out, progress=False)
        yield {"rows": rows, "out": out, "tmp": tmp}


def test_both_configurations_ran_and_were_recorded(swept):
    rows, out = swept["rows"], swept["out"]
    assert [(r["ACTIVATION"], r["REPEATS"], r["status"]) for r in rows] == [
        ("relu", 1, "ran"), ("tanh", 1, "ran")]
    assert sorted(p.name for p in out.iterdir()) == NAMES  # no partial files left
    frame = results.load_results(quick=True, chapter="09")
    assert sorted(frame["config.activation"]) == ["relu", "tanh"]
    assert frame["seed"].tolist() == [0, 0]
    assert frame["quick"].all() and frame["test_accuracy"].between(0, 1).all()
    assert set(frame["config.n_train"]) == {800} and set(frame["config.epochs"]) == {1}
    # nothing leaked into the book's own record
    assert results.results_dir(True).is_relative_to(swept["tmp"])


def test_each_notebook_trained_one_tiny_run_and_the_table_joins_the_sweep(swept):
    relu, tanh = (_printed(swept["out"] / name) for name in NAMES)
    assert "activations: relu\n" in relu and "seeds: [0]\n" in relu
    assert "1 run(s), 800 images x 1 epoch(s) each" in relu
    assert "tanh        seed" not in relu
    # the second notebook's table reads the first one's run back from the record
    assert "1 recorded run(s)" in relu and "2 recorded run(s)" in tanh


def test_a_second_call_skips_what_is_done(swept):
    again = sweep.run_sweep(CHAPTER, GRID, out=swept["out"], progress=False)
    assert [r["status"] for r in again] == ["done before", "done before"]
    assert len(results.load_results(quick=True, chapter="09")) == 2


def test_an_unknown_activation_stops_the_notebook_in_its_setup(swept):
    out = swept["tmp"] / "bad"
    rows = sweep.run_sweep(CHAPTER, [("ACTIVATION", "swish")], out=out, progress=False)
    status = rows[0]["status"]
    assert status.startswith("failed: ParameterError: ACTIVATION='swish'")
    assert "'swish' is not an option; choose 'all' or some of: relu, leaky_relu" in status
    assert (out / "ACTIVATION=swish.failed.ipynb").exists()
    assert not (out / "ACTIVATION=swish.ipynb").exists()
    assert len(results.load_results(quick=True, chapter="09")) == 2  # nothing trained


def test_plan_rejects_bad_names_and_values_before_running():
    with pytest.raises(SweepError, match=r"has no parameter 'ACTIVATIONS'; its parameters "
                                         r"are: ACTIVATION, SEED, REPEATS"):
        sweep.plan(CHAPTER, [("ACTIVATIONS", "relu")])
    with pytest.raises(SweepError, match=r"REPEATS='x' \(str\) does not fit the default 3 \(int\)"):
        sweep.plan(CHAPTER, [("REPEATS", "x")])
    # a string parameter keeps its text; the chapter's set-up cell judges the option
    # (an unknown activation stops it there, see the swish test above)
    assert sweep.plan(CHAPTER, [("ACTIVATION", "3")]) == [{"ACTIVATION": "3"}]
    # a grid of names and values that fit: every combination, nothing run
    assert sweep.plan(CHAPTER, [("ACTIVATION", "relu,sigmoid"), ("SEED", "0,1")]) == [
        {"ACTIVATION": "relu", "SEED": 0}, {"ACTIVATION": "relu", "SEED": 1},
        {"ACTIVATION": "sigmoid", "SEED": 0}, {"ACTIVATION": "sigmoid", "SEED": 1}]


def test_command_line_exits_2_on_a_bad_parameter_without_running(tmp_path):
    out = tmp_path / "cli"
    env = {**os.environ, "MNIST_BOOK_QUICK": "1",
           "MNIST_BOOK_RESULTS": str(tmp_path / "results")}
    result = subprocess.run(
        [sys.executable, "-m", "mnist_utils.sweep", str(CHAPTER),
         "-p", "ACTIVATIONS", "relu", "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert result.returncode == 2
    assert "error: 09_activation_study.ipynb has no parameter 'ACTIVATIONS'" in result.stderr
    assert not out.exists()
    assert not (tmp_path / "results").exists()
