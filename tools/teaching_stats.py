"""How each chapter teaches, counted from its markdown and cell metadata.

    python tools/teaching_stats.py            # a table for every chapter and page

For each notebook in ``chapters/`` (and each page in ``book/``):

* **prose words**: the words a reader sees without opening anything, that is every
  markdown paragraph outside a collapsed box (``:class: dropdown``), code fences and
  math left out;
* **about sources**: the share of those words in sentences that talk about the source
  articles (a sentence naming "article", "articles" or a "§" section; the model names
  in code, such as ``article000``, do not count);
* **figures**: code cells that draw a figure (``save_and_show``), and how many of them
  have both a caption and an alt text in their ``mystnb`` metadata;
* **exercises**: the items of the "Exercises" section, and how many have an answer in
  a collapsed box.

The same counts are what ``tests/test_teaching.py`` holds the chapters to.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE_WORDS = re.compile(r"\barticles?\b|§", re.IGNORECASE)
FENCE = re.compile(r"^(`{3,}|:{3,})(.*)$")
FIGURE_CALL = re.compile(r"\bsave_and_show\(")


@dataclass
class Counts:
    name: str
    prose_words: int
    source_words: int
    figures: int
    figures_described: int
    exercises: int
    answered: int

    @property
    def source_share(self) -> float:
        return self.source_words / self.prose_words if self.prose_words else 0.0


def visible_paragraphs(markdown: str) -> list[str]:
    """The paragraphs of ``markdown`` a reader sees without opening a collapsed box:
    text outside code fences, math blocks and ``dropdown`` directives (nested
    directives inside a dropdown are hidden with it)."""
    paragraphs, current = [], []
    stack = []  # open fences: (marker, hidden)
    in_math = False
    options_of_top = False
    for line in markdown.splitlines():
        stripped = line.strip()
        fence = FENCE.match(stripped)
        if fence and not in_math:
            marker, rest = fence.groups()
            if stack and marker == stack[-1][0] and not rest.strip():
                stack.pop()
                continue
            if rest.strip():  # an opening fence
                parent_hidden = bool(stack) and stack[-1][1]
                is_code = marker.startswith("`") and not rest.strip().startswith("{")
                hidden = parent_hidden or is_code or "{math}" in rest
                stack.append((marker, hidden))
                options_of_top = True
                _flush(paragraphs, current)
                continue
        if stack and options_of_top and stripped.startswith(":"):
            if re.match(r":class:.*\bdropdown\b", stripped):
                stack[-1] = (stack[-1][0], True)
            continue
        options_of_top = False
        if stripped.startswith("$$"):
            in_math = not in_math if stripped.count("$$") == 1 else in_math
            _flush(paragraphs, current)
            continue
        if in_math or (stack and stack[-1][1]):
            continue
        if not stripped:
            _flush(paragraphs, current)
        else:
            current.append(stripped)
    _flush(paragraphs, current)
    return paragraphs


def _flush(paragraphs, current):
    if current:
        paragraphs.append(" ".join(current))
        current.clear()


def sentences(paragraph: str) -> list[str]:
    """``paragraph`` cut after each full stop, question or exclamation mark that ends a
    sentence (followed by a space and a capital, a digit, a quote or a bracket)."""
    return re.split(r"(?<=[.?!])\s+(?=[A-Z0-9\"“(*`{])", paragraph)


def about_sources(sentence: str) -> bool:
    return bool(SOURCE_WORDS.search(re.sub(r"`[^`]*`", "", sentence)))


def words(text: str) -> int:
    text = re.sub(r"\{[a-z:]+\}`[^`]*`", "x", text)  # a role counts as one word
    return len(re.findall(r"[\w'’.-]+", text))


def exercise_counts(markdown_cells: list[str]) -> tuple[int, int]:
    """Items of the "Exercises" section and how many are followed by a collapsed answer."""
    text = "\n".join(markdown_cells)
    match = re.search(r"^## Exercises\s*$(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    if not match:
        return 0, 0
    body = match.group(1)
    items = re.split(r"^\d+\.\s", body, flags=re.MULTILINE)[1:]
    answered = sum(
        bool(re.search(r":class:[^\n]*\bdropdown\b", item)) and "Answer" in item for item in items
    )
    return len(items), answered


def notebook_counts(path: Path) -> Counts:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    markdown = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"]
    prose = [p for m in markdown for p in visible_paragraphs(m) if not p.startswith("#")]
    figures = described = 0
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and FIGURE_CALL.search("".join(cell["source"])):
            figures += 1
            meta = cell["metadata"].get("mystnb", {})
            if meta.get("figure", {}).get("caption") and meta.get("image", {}).get("alt"):
                described += 1
    exercises, answered = exercise_counts(markdown)
    return Counts(
        path.stem,
        sum(words(p) for p in prose),
        sum(words(s) for p in prose for s in sentences(p) if about_sources(s)),
        figures,
        described,
        exercises,
        answered,
    )


def page_counts(path: Path) -> Counts:
    prose = [
        p for p in visible_paragraphs(path.read_text(encoding="utf-8")) if not p.startswith("#")
    ]
    return Counts(
        path.stem,
        sum(words(p) for p in prose),
        sum(words(s) for p in prose for s in sentences(p) if about_sources(s)),
        0,
        0,
        0,
        0,
    )


def all_counts() -> list[Counts]:
    chapters = [notebook_counts(p) for p in sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))]
    return chapters + [page_counts(ROOT / "book" / "intro.md")]


def main() -> int:
    print(
        f"{'chapter or page':40s} {'prose words':>11s} {'about sources':>13s} "
        f"{'figures (described)':>20s} {'exercises (answered)':>21s}"
    )
    for c in all_counts():
        print(
            f"{c.name:40s} {c.prose_words:11,d} {c.source_share:12.0%} "
            f"{c.figures:>12d} ({c.figures_described:d}) {c.exercises:>14d} ({c.answered:d})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
