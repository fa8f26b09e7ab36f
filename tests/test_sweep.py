"""mnist_utils.sweep: checking parameters before running, running a grid, skipping, failing."""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest

from mnist_utils import sweep
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
        "pathlib.Path(f'out-{SEED}-{NAME}.json').write_text(json.dumps([SEED, NAME, RATE]))")
    nb.cells = [params, body]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "chapter.ipynb"
    nbformat.write(nb, path)
    return path


def test_plan_checks_names_and_types(notebook):
    combos = sweep.plan(notebook, [("SEED", "0,1"), ("NAME", "x,y,z")])
    assert len(combos) == 6 and combos[0] == {"SEED": 0, "NAME": "x"}
    assert sweep.plan(notebook, [("RATE", "1"), ("QUICK", "True")]) == [{"RATE": 1, "QUICK": True}]
    # a string parameter takes any text, digits included
    assert sweep.plan(notebook, [("NAME", "4,all")]) == [{"NAME": "4"}, {"NAME": "all"}]
    with pytest.raises(SweepError, match=r"has no parameter 'SEEDS'; its parameters are: SEED, NAME"):
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
    cell = nbformat.v4.new_code_cell("SEED = 0\nMEMBERS = 3  # seeds = members\n"
                                     "LIMIT = 2 ** 10\nQUICK = None")
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
    result = subprocess.run([sys.executable, "-m", "mnist_utils.sweep", str(notebook),
                             "-p", "LR", "0.1", "--out", str(tmp_path / "runs")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "has no parameter 'LR'" in result.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_a_sweep_ends_with_the_study_table(tmp_path, monkeypatch, capsys):
    from mnist_utils import results

    monkeypatch.setenv("MNIST_BOOK_RESULTS", str(tmp_path / "results"))
    sweep.study_table(tmp_path / "09_activation_study.ipynb", [("QUICK", "True")])
    assert "no results recorded for chapter 09 (quick mode)" in capsys.readouterr().out
    for activation, seed, acc in [("relu", 0, 0.9), ("relu", 1, 0.8), ("tanh", 0, 0.7)]:
        results.record_result(chapter="09", model="small", framework="torch", seed=seed,
                              quick=True, test_accuracy=acc,
                              config={"activation": activation, "epochs": 1})
    sweep.study_table(tmp_path / "09_activation_study.ipynb", [("QUICK", "True")])
    out = capsys.readouterr().out
    assert "chapter 09, quick mode: 3 recorded runs" in out
    lines = [line.split() for line in out.splitlines()]
    assert ["relu", "small", "2", "0.8500", "0.0707"] in lines
    assert ["tanh", "small", "1", "0.7000", "NaN"] in lines
