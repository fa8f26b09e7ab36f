"""Showing code and tables in a chapter (chapters 04 and 06).

Chapters 4 and 6 explain code that lives in this package rather than in a notebook
cell, so that the unit tests can check it. :func:`show_source` prints a function's or
a class's source as the chapter explains it: every line of model code the reader sees
is a line that runs.
"""

from __future__ import annotations

import inspect
import textwrap

__all__ = ["show_source"]


def show_source(obj) -> None:
    """Display the source code of a function, class or method as a Markdown
    ``python`` code block (dedented, so a method reads like a function)."""
    from IPython.display import Markdown, display

    source = textwrap.dedent(inspect.getsource(obj))
    display(Markdown(f"```python\n{source}```"))
