"""mnist_utils.sweep: checking parameters before running, running a grid, skipping, failing.

First on a tiny notebook made by each test, then on a real chapter: chapter 9
(activation functions) in quick mode. The sweep executes the notebook once per
configuration with papermill. Quick mode and the results folder are set through
environment variables, which the papermill kernels inherit, so nothing is written to
the book's runs/ folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from mnist_utils import results, sweep
from mnist_utils.sweep import SweepError


@pytest.fixture
def notebook(tmp_path):
    """A tiny chapter: writes its parameters to a file, fails when NAME == 'bad'."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("SEED = 0\nNAME = 'a'\nRATE = 0.5\nQUICK = None")
    params.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell(
        "import json, pathlib\n"
        "if NAME == 'bad':\n    raise ValueError('NAME must not be bad')\n"
        "pathlib.Path(f'out-{SEED}-{NAME}.json').write_text(json.dumps([SEED, NAME, RATE]))"
    )
    nb.cells = [params, body]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    return path


def test_plan_checks_names_and_types(notebook):
    combos = sweep.plan(notebook, [("SEED", "0,1"), ("NAME", "x,y,z")])
    assert len(combos) == 6 and combos[0] == {"SEED": 0, "NAME": "x"}
    assert sweep.plan(notebook, [("RATE", "1"), ("QUICK", "True")]) == [{"RATE": 1, "QUICK": True}]
    # a string parameter takes any text, digits included
    assert sweep.plan(notebook, [("NAME", "4,all")]) == [{"NAME": "4"}, {"NAME": "all"}]
    with pytest.raises(
        SweepError, match=r"has no parameter 'SEEDS'; its parameters are: SEED, NAME"
    ):
        sweep.plan(notebook, [("SEEDS", "0")])
    with pytest.raises(SweepError, match=r"SEED='one' \(str\) does not fit the default 0 \(int\)"):
        sweep.plan(notebook, [("SEED", "one")])
    with pytest.raises(SweepError, match="SEED=1.5"):
        sweep.plan(notebook, [("SEED", "1.5")])
    with pytest.raises(SweepError, match="given twice"):
        sweep.plan(notebook, [("SEED", "0"), ("SEED", "1")])
    with pytest.raises(SweepError, match="no such notebook"):
        sweep.plan(notebook.with_name("missing.ipynb"), [])


def test_parameters_are_read_from_the_cell_even_where_papermill_skips_a_line(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        "SEED = 0\nMEMBERS = 3  # seeds = members\nLIMIT = 2 ** 10\nQUICK = None"
    )
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    # LIMIT is computed, not a literal: nothing to override, so not a parameter
    assert sweep.notebook_parameters(path) == {"SEED": 0, "MEMBERS": 3, "QUICK": None}
    assert sweep.plan(path, [("MEMBERS", "1,2")]) == [{"MEMBERS": 1}, {"MEMBERS": 2}]
    cell.source = "SEED = = 0"
    nbformat.write(nb, path)
    with pytest.raises(SweepError, match="parameters cell of chapter.ipynb is not valid Python"):
        sweep.plan(path, [("SEED", "1")])
    cell.metadata["tags"] = []
    nbformat.write(nb, path)
    with pytest.raises(SweepError, match="has no cell tagged 'parameters'"):
        sweep.plan(path, [])
    path.write_text("SEED = 0\n")  # a script, not a notebook
    with pytest.raises(SweepError, match="cannot be read as a notebook"):
        sweep.plan(path, [])


def test_two_configuration_sweep_runs_then_skips(notebook, tmp_path):
    out = tmp_path / "runs"
    rows = sweep.run_sweep(notebook, [("SEED", "1,2")], out=out, progress=False)
    assert [r["status"] for r in rows] == ["ran", "ran"]
    assert json.loads((tmp_path / "out-2-a.json").read_text()) == [2, "a", 0.5]
    assert sorted(p.name for p in out.iterdir()) == ["SEED=1.ipynb", "SEED=2.ipynb"]
    again = sweep.run_sweep(notebook, [("SEED", "1,2")], out=out, progress=False)
    assert [r["status"] for r in again] == ["done before", "done before"]


def test_a_failing_configuration_is_reported_and_not_kept(notebook, tmp_path):
    out = tmp_path / "runs"
    rows = sweep.run_sweep(notebook, [("NAME", "ok,bad")], out=out, progress=False)
    assert rows[0]["status"] == "ran"
    assert rows[1]["status"] == "failed: ValueError: NAME must not be bad"
    assert not (out / "NAME=bad.ipynb").exists()
    assert (out / "NAME=bad.failed.ipynb").exists()  # the traceback stays readable
    assert not list(out.glob(".*"))


def test_command_line_rejects_a_bad_parameter_before_running(notebook, tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mnist_utils.sweep",
            str(notebook),
            "-p",
            "LR",
            "0.1",
            "--out",
            str(tmp_path / "runs"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "has no parameter 'LR'" in result.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_a_sweep_ends_with_the_study_table(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MNIST_BOOK_RESULTS", str(tmp_path / "results"))
    sweep.study_table(tmp_path / "09_activation_study.ipynb", [("QUICK", "True")])
    assert "no results recorded for chapter 09 (quick mode)" in capsys.readouterr().out
    for activation, seed, acc in [("relu", 0, 0.9), ("relu", 1, 0.8), ("tanh", 0, 0.7)]:
        results.record_result(
            chapter="09",
            model="small",
            framework="torch",
            seed=seed,
            quick=True,
            test_accuracy=acc,
            config={"activation": activation, "epochs": 1},
        )
    sweep.study_table(tmp_path / "09_activation_study.ipynb", [("QUICK", "True")])
    out = capsys.readouterr().out
    assert "chapter 09, quick mode: 3 recorded runs" in out
    lines = [line.split() for line in out.splitlines()]
    assert ["relu", "small", "2", "0.8500", "0.0707"] in lines
    assert ["tanh", "small", "1", "0.7000", "NaN"] in lines


# ------------------------------------------- a real chapter: 09 in quick mode


ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "chapters" / "09_activation_study.ipynb"
GRID = [("ACTIVATION", "relu,tanh"), ("REPEATS", "1")]
NAMES = ["ACTIVATION=relu_REPEATS=1.ipynb", "ACTIVATION=tanh_REPEATS=1.ipynb"]


def _printed(notebook: Path) -> str:
    """All the text a executed notebook printed (stdout streams)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return "".join(
        "".join(out.get("text", ""))
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
        for out in cell.get("outputs", [])
        if out.get("name") == "stdout"
    )


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
        ("relu", 1, "ran"),
        ("tanh", 1, "ran"),
    ]
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
    assert "runs: 1; each trains on 800 images, epochs: 1" in relu
    assert "activation tanh " not in relu
    # the second notebook's table reads the first one's run back from the record
    assert "recorded runs with n_train=800, epochs=1: 1" in relu
    assert "recorded runs with n_train=800, epochs=1: 2" in tanh


def test_a_second_call_skips_what_is_done(swept):
    again = sweep.run_sweep(CHAPTER, GRID, out=swept["out"], progress=False)
    assert [r["status"] for r in again] == ["done before", "done before"]
    assert len(results.load_results(quick=True, chapter="09")) == 2


def test_an_unknown_activation_stops_the_sweep_before_any_kernel_starts(swept):
    out = swept["tmp"] / "bad"
    with pytest.raises(
        SweepError,
        match=r"09_activation_study.ipynb: ACTIVATION='swish': "
        r"'swish' is not an option; choose 'all' or some "
        r"of: relu, leaky_relu",
    ):
        sweep.run_sweep(CHAPTER, [("ACTIVATION", "relu,swish")], out=out, progress=False)
    assert not out.exists()  # nothing was written, relu included
    assert len(results.load_results(quick=True, chapter="09")) == 2  # nothing trained


def test_plan_rejects_bad_names_and_values_before_running():
    with pytest.raises(
        SweepError,
        match=r"has no parameter 'ACTIVATIONS'; its parameters "
        r"are: ACTIVATION, SEED, REPEATS",
    ):
        sweep.plan(CHAPTER, [("ACTIVATIONS", "relu")])
    with pytest.raises(SweepError, match=r"REPEATS='x' \(str\) does not fit the default 3 \(int\)"):
        sweep.plan(CHAPTER, [("REPEATS", "x")])
    # bounds and string options come from the parameter's declaration
    with pytest.raises(SweepError, match=r"REPEATS=0 is out of range: it must be from 1 to 20"):
        sweep.plan(CHAPTER, [("REPEATS", "0")])
    with pytest.raises(SweepError, match=r"ACTIVATION='3': '3' is not an option"):
        sweep.plan(CHAPTER, [("ACTIVATION", "3")])
    # a grid of names and values that fit: every combination, nothing run
    assert sweep.plan(CHAPTER, [("ACTIVATION", "relu,sigmoid"), ("SEED", "0,1")]) == [
        {"ACTIVATION": "relu", "SEED": 0},
        {"ACTIVATION": "relu", "SEED": 1},
        {"ACTIVATION": "sigmoid", "SEED": 0},
        {"ACTIVATION": "sigmoid", "SEED": 1},
    ]


def test_command_line_exits_2_on_a_bad_parameter_without_running(tmp_path):
    out = tmp_path / "cli"
    env = {**os.environ, "MNIST_BOOK_QUICK": "1", "MNIST_BOOK_RESULTS": str(tmp_path / "results")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mnist_utils.sweep",
            str(CHAPTER),
            "-p",
            "ACTIVATIONS",
            "relu",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 2
    assert "error: 09_activation_study.ipynb has no parameter 'ACTIVATIONS'" in result.stderr
    assert not out.exists()
    assert not (tmp_path / "results").exists()


# ------------------------------------------------ the same sweeps on a Dask cluster


def test_a_two_worker_local_cluster_runs_skips_and_keeps_failures(notebook, tmp_path):
    out = tmp_path / "runs"
    rows = sweep.run_sweep(notebook, [("NAME", "ok,bad")], out=out, progress=False, workers=2)
    assert [r["status"] for r in rows] == ["ran", "failed: ValueError: NAME must not be bad"]
    assert (out / "NAME=ok.ipynb").exists() and (out / "NAME=bad.failed.ipynb").exists()
    assert not list(out.glob(".*"))  # no partial output left
    again = sweep.run_sweep(notebook, [("NAME", "ok")], out=out, progress=False, workers=2)
    assert [r["status"] for r in again] == ["done before"]


def test_a_bad_number_of_workers_is_refused_before_anything_runs(notebook, tmp_path):
    with pytest.raises(SweepError, match="workers=0: give a whole number of worker processes"):
        sweep.run_sweep(notebook, [("SEED", "1")], out=tmp_path / "runs", workers=0)
    assert not (tmp_path / "runs").exists()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mnist_utils.sweep",
            str(notebook),
            "--workers",
            "2",
            "--scheduler",
            "tcp://127.0.0.1:8786",
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "give one" in result.stderr


def test_a_quick_sweep_of_a_chapter_on_a_two_worker_cluster(tmp_path, monkeypatch):
    """Chapter 9 in quick mode, its two combinations at once on two Dask workers: both run,
    both are recorded, and nothing is left half-written."""
    monkeypatch.setenv("MNIST_BOOK_QUICK", "1")  # the workers inherit the environment
    monkeypatch.setenv("MNIST_BOOK_RESULTS", str(tmp_path / "results"))
    monkeypatch.setenv("MNIST_BOOK_FIGURES", str(tmp_path / "figures"))
    out = tmp_path / "sweeps"
    rows = sweep.run_sweep(CHAPTER, GRID, out=out, progress=False, workers=2)
    assert [(r["ACTIVATION"], r["status"]) for r in rows] == [("relu", "ran"), ("tanh", "ran")]
    assert sorted(p.name for p in out.iterdir()) == NAMES
    frame = results.load_results(quick=True, chapter="09")
    assert sorted(frame["config.activation"]) == ["relu", "tanh"]
