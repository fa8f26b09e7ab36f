"""The values a chapter's prose quotes, shown under the cell that computed them when the
chapter is read in JupyterLab (chapter 01).

On the site, ``{glue:text}`name``` and ``{claim}`key``` put a cell's figures into the
text. JupyterLab renders MyST (jupyterlab-myst) but has no glue, so there the text shows
only the names; :func:`show_for_lab` prints the same values as one line of HTML under
the cell. The line is marked as a glue output (``scrapbook`` metadata with a non-empty
``mime_prefix``), which myst-nb keeps out of the rendered page: the site shows the values
in the text, JupyterLab beside it, and neither shows them twice.
"""

from __future__ import annotations

import html
import itertools
import math
import numbers

# myst-nb strips this many characters off each key of a glue output's data; an output
# with a non-empty prefix is data for the text, never displayed on the page.
MIME_PREFIX = "text/"
_names = itertools.count()


def shown(value) -> str:
    """A value as the reader sees it: numbers to 6 significant digits, marks as text."""
    if hasattr(value, "mark"):  # a claim or goal (mnist_utils.claims)
        return value.mark
    if isinstance(value, bool) or not isinstance(value, numbers.Number):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    value = float(value)
    return f"{value:.6g}" if math.isfinite(value) else str(value)


def bundle(values: dict) -> dict:
    """The HTML and plain-text forms of ``values`` (name → value)."""
    pairs = [(name, shown(value)) for name, value in values.items()]
    plain = " · ".join(f"{name} = {text}" for name, text in pairs)
    rich = " · ".join(
        f"<code>{html.escape(name)}</code> = {html.escape(text)}" for name, text in pairs
    )
    return {"text/html": f"<small>{rich}</small>", "text/plain": plain}


def show_for_lab(values: dict) -> None:
    """Display ``values`` for a JupyterLab reader and keep them off the site."""
    if not values:
        return
    from IPython.display import display

    name = f"_lab_values_{next(_names)}"
    metadata = {"scrapbook": {"name": name, "mime_prefix": MIME_PREFIX}}
    display(bundle(values), raw=True, metadata=metadata)
