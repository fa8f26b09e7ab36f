"""The page "Claims": every checked claim of the book, with its sentence and mark.

Reads a build's executed chapters (``_build/jupyter_execute``): the claims and glued
numbers from each chapter's ``*.glue.json``, the sentences from the chapter's markdown
(see :mod:`mnist_utils.claims`).
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

from .claims import MARKS, claim_sentences, claims_in_glue
from .runtime import project_root, resolve_quick

__all__ = ["build_folder", "claims_table"]


def build_folder(quick: bool | None = None) -> Path:
    """The build being made: ``$MNIST_BOOK_BUILD`` (set by ``tools/build_site.py``),
    else the full or quick build folder of this checkout."""
    if os.environ.get("MNIST_BOOK_BUILD"):
        return Path(os.environ["MNIST_BOOK_BUILD"])
    quick = resolve_quick(None) if quick is None else quick
    root = project_root() / "_build"
    return root / "quick" / "_build" if quick else root


def _chapter_markdown(notebook: Path) -> tuple[str, str]:
    cells = json.loads(notebook.read_text())["cells"]
    markdown = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    title = markdown[0].splitlines()[0].lstrip("# ") if markdown else notebook.stem
    return title, "\n\n".join(markdown)


def claims_table(build: Path | None = None, chapters: Path | None = None) -> str:
    """An HTML table of every claim in the build, chapter by chapter: the chapter, the
    sentence (linked to its mark on the chapter's page) and the mark; a first line
    counts the marks."""
    build = build or build_folder()
    chapters = chapters or project_root() / "chapters"
    executed = build / "jupyter_execute" / "chapters"
    rows, counts = [], dict.fromkeys(MARKS, 0)
    for notebook in sorted(chapters.glob("[0-9][0-9]_*.ipynb")):
        glue_file = executed / f"{notebook.stem}.glue.json"
        if not glue_file.is_file():
            continue
        title, markdown = _chapter_markdown(notebook)
        glue_data = json.loads(glue_file.read_text())
        sentences = claim_sentences(markdown, glue_data)
        for claim in claims_in_glue(glue_data):
            counts[claim.status] += 1
            href = f"../chapters/{notebook.stem}.html#claim-{claim.key}"
            sentence = html.escape(sentences.get(claim.key, claim.key))
            rows.append(
                f'<tr><td title="{html.escape(title)}">{int(notebook.stem[:2])}</td>'
                f'<td><a href="{href}">{sentence}</a></td>'
                f'<td><span class="claim claim-{claim.status}">{html.escape(claim.mark)}'
                "</span></td></tr>"
            )
    tally = " · ".join(f"{MARKS[status]} {n}" for status, n in counts.items())
    head = "<tr><th>ch.</th><th></th><th></th></tr>"
    return f"<p>{tally}</p><table class='claims'>{head}{''.join(rows)}</table>"
