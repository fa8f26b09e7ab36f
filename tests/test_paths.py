"""mnist_utils.paths: the book prints paths relative to its checkout."""

from __future__ import annotations

import io
import sys
from pathlib import Path

from mnist_utils import paths
from mnist_utils.runtime import project_root


def test_relative_path_inside_the_checkout():
    inside = project_root() / "runs" / "models" / "x.keras"
    assert paths.relative_path(inside) == Path("runs/models/x.keras")


def test_relative_path_outside_the_checkout_keeps_the_file_name(tmp_path):
    outside = tmp_path / "elsewhere" / "model.pt"
    assert paths.relative_path(outside) == Path("model.pt")


def test_output_loses_the_checkout_prefix(monkeypatch):
    captured = io.StringIO()
    monkeypatch.setattr(sys, "stdout", captured)
    root = project_root()
    with paths.relative_paths_in_output():
        print(f"saving model to {root / 'runs' / 'models' / 'best.keras'}")
        print("/other/place/file.txt stays")
        sys.stdout.flush()
    assert sys.stdout is captured  # restored after the block
    assert captured.getvalue() == (
        "saving model to runs/models/best.keras\n/other/place/file.txt stays\n"
    )
