"""Conventions the whole book relies on: clean notebooks, parameters cells, pins, the toc."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))


def _pins(lines):
    pins = {}
    for line in lines:
        line = line.split("#")[0].strip().lstrip("- ").strip()
        if "==" in line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def test_there_are_chapters():
    assert CHAPTERS, "no chapters/NN_slug.ipynb found"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [
        i
        for i, c in enumerate(nb["cells"])
        if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))
    ]
    assert not dirty, f"{path.name}: code cells {dirty} carry outputs; clear them before committing"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_first_code_cell_is_the_parameters_cell(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    first = code[0]
    assert "parameters" in first.get("metadata", {}).get("tags", []), (
        "tag the first code cell 'parameters'"
    )
    tree = ast.parse("".join(first["source"]))
    assigned = {}
    for node in tree.body:
        assert isinstance(node, ast.Assign), "the parameters cell holds assignments only"
        assigned[node.targets[0].id] = ast.literal_eval(node.value)  # literals only
    assert assigned.get("QUICK", "missing") is None, "QUICK = None must be a parameter"
    # papermill's inspector (papermill --help-notebook) skips lines it cannot parse,
    # such as one with '=' in its comment: every parameter must reach it
    import papermill

    seen = {
        name: ast.literal_eval(info["default"])
        for name, info in papermill.inspect_notebook(str(path)).items()
    }
    assert seen == assigned, f"papermill reads {sorted(seen)}, the cell sets {sorted(assigned)}"
    assert isinstance(assigned.get("SEED"), int), "SEED must be a parameter"
    # then the Colab cell (hidden on the site; see test_colab.py), then the set-up cell
    setup = "".join(code[2]["source"])
    assert "setup_chapter(" in setup, "the third code cell calls setup_chapter(...)"


def test_every_chapter_is_in_the_toc_and_the_toc_points_at_real_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part.get("chapters", [])]
    for f in files:
        matches = list(ROOT.glob(f + ".*"))
        assert matches, f"_toc.yml names {f}, which does not exist"
    listed = {f for f in files if f.startswith("chapters/")}
    assert listed == {f"chapters/{p.stem}" for p in CHAPTERS}


def test_environment_yml_has_the_same_pins_as_the_requirements():
    req = _pins((ROOT / "requirements.txt").read_text().splitlines())
    req |= _pins((ROOT / "requirements-dev.txt").read_text().splitlines())
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert _pins(pip_section) == req


def test_requirements_are_all_pinned():
    for name in ("requirements.txt", "requirements-dev.txt", "requirements-data.txt"):
        for line in (ROOT / name).read_text().splitlines():
            line = line.split("#")[0].strip()
            if line:
                assert re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.+]+", line), (
                    f"{name}: {line!r} is not pinned"
                )


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()
