"""Paths as the book prints them: relative to the book's checkout (chapter 5).

A page must not show the directories of the machine that ran it. A chapter that
prints where it saved a file prints :func:`relative_path`; a library that prints
paths itself (Keras' ``ModelCheckpoint(verbose=1)``) runs inside
:func:`relative_paths_in_output`, which rewrites them as they are printed.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from .runtime import project_root

__all__ = ["relative_path", "relative_paths_in_output"]


def relative_path(path) -> Path:
    """``path`` relative to the book's checkout (``runs/models/x.keras``); a path
    outside the checkout is shortened to its file name (chapter 5)."""
    path = Path(path).resolve()
    try:
        return path.relative_to(project_root())
    except ValueError:
        return Path(path.name)


class _RelativeWriter:
    """A text stream that writes to ``stream`` with ``prefix`` removed."""

    def __init__(self, stream, prefix: str):
        self._stream, self._prefix = stream, prefix

    def write(self, text):
        return self._stream.write(str(text).replace(self._prefix, ""))

    def __getattr__(self, name):  # flush, encoding, isatty, ... of the real stream
        return getattr(self._stream, name)


@contextlib.contextmanager
def relative_paths_in_output():
    """Print paths inside the book's checkout relative to it while the block runs:
    ``saving model to /home/me/book/runs/models/x.keras`` is shown as ``saving model
    to runs/models/x.keras`` (chapter 5's checkpoint callback)."""
    prefix = str(project_root()) + os.sep
    writer = _RelativeWriter(sys.stdout, prefix)
    with contextlib.redirect_stdout(writer):
        yield
