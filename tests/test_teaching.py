"""How the chapters teach: the subject in front, the sources in collapsed boxes, every
figure described, exercises with answers (counted by tools/teaching_stats.py)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))
#: Sections that need no figure of their own (chapters 1-4 have one per other section).
NO_FIGURE_SECTIONS = re.compile(r"setup|set-up|exercises|summary|what's next|next", re.I)


def _stats():
    spec = importlib.util.spec_from_file_location(
        "teaching_stats", ROOT / "tools" / "teaching_stats.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


stats = _stats()


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def test_prose_in_a_dropdown_is_hidden_and_the_rest_is_counted():
    text = (
        "The kernel slides over the image.\n\n"
        ":::{admonition} Source check: article 004, §5.2\n"
        ":class: dropdown\n"
        "Article 004 writes the flatten size wrong.\n\n"
        "```python\nx = 1\n```\n"
        ":::\n\n"
        "Article 000 pools twice. The pooled map is smaller.\n"
    )
    paragraphs = stats.visible_paragraphs(text)
    assert paragraphs == [
        "The kernel slides over the image.",
        "Article 000 pools twice. The pooled map is smaller.",
    ]
    assert [stats.about_sources(s) for s in stats.sentences(paragraphs[1])] == [True, False]
    assert not stats.about_sources("The model `article000` is small.")


def test_exercises_are_counted_with_their_answers():
    cells = [
        "## Exercises\n\n1. **Sizes.** What is 28 - 5 + 1?\n\n"
        "   :::{admonition} Answer\n   :class: dropdown\n   24.\n   :::\n\n"
        "2. **Predict.** What changes?\n",
        "## Summary\n\n1. not an exercise\n",
    ]
    assert stats.exercise_counts(cells) == (2, 1)


@pytest.mark.parametrize("path", [*CHAPTERS, ROOT / "book" / "intro.md"], ids=lambda p: p.stem)
def test_at_most_a_tenth_of_the_visible_prose_is_about_the_articles(path):
    counts = stats.notebook_counts(path) if path.suffix == ".ipynb" else stats.page_counts(path)
    assert counts.source_share <= 0.10, (
        f"{path.name}: {counts.source_share:.0%} of {counts.prose_words} visible words are in "
        "sentences about the articles; keep one sentence in the text and move the rest into a "
        "collapsed 'Source check' box (:class: dropdown)"
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_headings_name_the_subject_not_the_articles(path):
    headings = [
        line
        for cell in _cells(path)
        if cell["cell_type"] == "markdown"
        for line in "".join(cell["source"]).splitlines()
        if re.match(r"#{1,4} ", line)
    ]
    named = [h for h in headings if re.search(r"\barticles?\b", h, re.I)]
    assert not named, f"{path.name}: headings named after the articles: {named}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_figure_has_a_caption_and_an_alt_text(path):
    counts = stats.notebook_counts(path)
    assert counts.figures >= 1, f"{path.name} draws no figure"
    assert counts.figures_described == counts.figures, (
        f"{path.name}: {counts.figures - counts.figures_described} of {counts.figures} figure "
        "cells lack metadata mystnb.figure.caption and mystnb.image.alt"
    )


@pytest.mark.parametrize("path", CHAPTERS[:4], ids=lambda p: p.stem)
def test_each_major_section_of_the_foundations_has_a_figure(path):
    sections, current = {}, None
    for cell in _cells(path):
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            for line in source.splitlines():
                if line.startswith("## "):
                    current = line[3:].strip()
                    sections.setdefault(current, 0)
        elif current and stats.FIGURE_CALL.search(source):
            sections[current] += 1
    bare = [s for s, n in sections.items() if n == 0 and not NO_FIGURE_SECTIONS.search(s)]
    assert not bare, f"{path.name}: sections without a figure: {bare}"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_chapter_ends_with_five_to_eight_answered_exercises(path):
    exercises, answered = stats.exercise_counts(
        ["".join(c["source"]) for c in _cells(path) if c["cell_type"] == "markdown"]
    )
    assert 5 <= exercises <= 8, f"{path.name}: {exercises} exercises (5-8 wanted)"
    assert answered == exercises, f"{path.name}: {exercises - answered} exercises lack an answer"
