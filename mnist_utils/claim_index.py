"""The page "Claims": every checked claim of the book, with its sentence and mark, and
every goal the chapters set before their runs, with its sentence and status.

Reads a build's executed chapters (``_build/jupyter_execute``): the claims and glued
numbers from each chapter's ``*.glue.json``, the sentences from the chapter's markdown
(see :mod:`mnist_utils.claims`). In the Chinese edition (``$MNIST_BOOK_LANGUAGE`` is
``zh_CN``, set by ``tools/build_site.py --language zh_CN``) the markdown is first
translated from the chapter's catalogue (:mod:`mnist_utils.translation`), so the sentences
are the Chinese page's.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

from .claims import CLAIM, GOAL, MARKS, Claim, claim_sentences, claims_in_glue
from .runtime import project_root, resolve_quick

__all__ = ["build_folder", "claims_table", "edition", "goals_table"]

LANGUAGE_ENV = "MNIST_BOOK_LANGUAGE"
CHINESE = "zh_CN"
# a {numref} in a claim's sentence, whose number is not known until the page is built
FIGURE_WORDS = {"en": "the figure", CHINESE: "该图"}


def build_folder(quick: bool | None = None) -> Path:
    """The build being made: ``$MNIST_BOOK_BUILD`` (set by ``tools/build_site.py``),
    else the full or quick build folder of this checkout."""
    if os.environ.get("MNIST_BOOK_BUILD"):
        return Path(os.environ["MNIST_BOOK_BUILD"])
    quick = resolve_quick(None) if quick is None else quick
    root = project_root() / "_build"
    return root / "quick" / "_build" if quick else root


def edition() -> str:
    """The edition being built: ``$MNIST_BOOK_LANGUAGE`` (``zh_CN`` for the Chinese one),
    else ``en``."""
    return os.environ.get(LANGUAGE_ENV, "").strip() or "en"


def _chapter_markdown(notebook: Path) -> tuple[str, str]:
    """A chapter's title and markdown cells, in the language of the edition being built."""
    cells = json.loads(notebook.read_text())["cells"]
    markdown = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    if edition() == CHINESE:
        # imported here: only the Chinese build needs babel and a markdown parser
        from .translation import load_catalogue, translate_markdown

        # the catalogues sit beside the chapters: <project>/locale/zh_CN/LC_MESSAGES
        catalogue = load_catalogue(f"chapters/{notebook.stem}", root=notebook.parent.parent)
        markdown = [translate_markdown(text, catalogue) for text in markdown]
    title = markdown[0].splitlines()[0].lstrip("# ") if markdown else notebook.stem
    return title, "\n\n".join(markdown)


def _rows(kind: str, build: Path | None, chapters: Path | None) -> list[tuple[Claim, str]]:
    """The claims (or goals) of the build in page order, each with its table row: the
    chapter, the sentence linked to its mark on the chapter's page, and the mark."""
    build = build or build_folder()
    chapters = chapters or project_root() / "chapters"
    executed = build / "jupyter_execute" / "chapters"
    rows = []
    for notebook in sorted(chapters.glob("[0-9][0-9]_*.ipynb")):
        glue_file = executed / f"{notebook.stem}.glue.json"
        if not glue_file.is_file():
            continue
        title, markdown = _chapter_markdown(notebook)
        glue_data = json.loads(glue_file.read_text())
        sentences = claim_sentences(
            markdown, glue_data, FIGURE_WORDS.get(edition(), FIGURE_WORDS["en"])
        )
        for claim in claims_in_glue(glue_data):
            if claim.kind != kind:
                continue
            href = f"../chapters/{notebook.stem}.html#{kind}-{claim.key}"
            sentence = html.escape(sentences.get(claim.key, claim.key))
            mark = html.escape(claim.mark_in(edition()))
            row = (
                f'<tr><td title="{html.escape(title)}">{int(notebook.stem[:2])}</td>'
                f'<td><a href="{href}">{sentence}</a></td>'
                f'<td><span class="{" ".join(claim.css_classes)}">{mark}</span></td></tr>'
            )
            rows.append((claim, row))
    return rows


def claims_table(build: Path | None = None, chapters: Path | None = None) -> str:
    """An HTML table of every claim in the build, chapter by chapter: the chapter, the
    sentence (linked to its mark on the chapter's page) and the mark; a first line
    counts the marks. Goals are not in it (see :func:`goals_table`)."""
    rows = _rows(CLAIM, build, chapters)
    counts = dict.fromkeys(MARKS, 0)
    for claim, _ in rows:
        counts[claim.status] += 1
    tally = " · ".join(f"{MARKS[status]} {n}" for status, n in counts.items())
    head = "<tr><th>ch.</th><th></th><th></th></tr>"
    return f"<p>{tally}</p><table class='claims'>{head}{''.join(r for _, r in rows)}</table>"


def goals_table(build: Path | None = None, chapters: Path | None = None) -> str:
    """An HTML table of every goal in the build, chapter by chapter: the chapter, the
    sentence stating the goal (linked to its badge on the chapter's page) and its status
    (met, not met with the measured values, or not checked)."""
    rows = "".join(row for _, row in _rows(GOAL, build, chapters))
    head = "<tr><th>ch.</th><th></th><th></th></tr>"
    return f"<table class='claims goals'>{head}{rows}</table>"
