"""Checked claims: a finding in the prose, checked by the run that printed it (chapter 05).

A number on a page is glued from the run that built it. A *finding* -- "the probe stays
below scratch at every budget", "about two points apart" -- is a sentence, so it is
checked instead: the cell that measures it declares the claim as a key and a condition
over this run's measurements,

    run.claim("probe_below_scratch", all(p < s for p, s in zip(probe, scratch)),
              probe=probe, scratch=scratch)

and the sentence in the prose carries its mark, ``{claim}`probe_below_scratch```. The
page then shows a small ✓ where the claim held and a visible ✗ with the measured values
where it did not. Quick mode (CI's small runs) cannot test full-run findings: it marks
them ○, not checked, and fails nothing (``always=True`` checks a claim in quick mode too,
for findings that hold at any size). A claim about a measurement that a parameter
switched off (``measured=False``) is ○ too.

A *goal* is a target fixed before the run ("99% on at least 9 of 10 seeds"), stated
with ``run.goal("key", met, **values)`` and marked ``{goal}`key```. It is checked the
same way, but a goal not met is a result, not a false sentence: its badge reads "goal
met ✓", "goal not met" with the measured values, or "goal not checked ○", and it never
fails a build. A claim and a goal share the same keys, glue and statuses; the field
``kind`` tells them apart.

The claim travels in the notebook's glue data (a JSON mime type of its own), so the
build can list every claim and goal of the book with its status
(``tools/build_site.py``; the page "Claims") and the release build, ``--strict-claims``,
fails on any claim that failed.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

__all__ = [
    "CLAIM_MIME",
    "Claim",
    "check",
    "check_goal",
    "claim_sentences",
    "claims_in_build",
    "claims_in_glue",
    "failed",
    "format_value",
    "goals",
    "report",
]

CLAIM_MIME = "application/vnd.convolutional-mnist.claim+json"
HELD, FAILED, UNCHECKED = "held", "failed", "unchecked"
MARKS = {HELD: "✓", FAILED: "✗", UNCHECKED: "○"}
CLAIM, GOAL = "claim", "goal"
# a goal's badge: its CSS class (goal-met, ...) and its words, by status
GOAL_CLASSES = {HELD: "met", FAILED: "unmet", UNCHECKED: "unchecked"}
GOAL_WORDS = {HELD: "met", FAILED: "not met", UNCHECKED: "not checked"}
# the same badges in the Chinese edition (tools/build_site.py --language zh_CN)
GOAL_BADGES = {"zh_CN": {HELD: "目标已达成 ✓", FAILED: "目标未达成", UNCHECKED: "目标未检验 ○"}}
_KEY = re.compile(r"[a-z][a-z0-9_]*")


def format_value(value) -> str:
    """A measured value as the ✗ mark shows it: numbers to 4 significant figures,
    lists and tuples element by element."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {format_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else str(value)
    return str(value)


def _plain(value):
    """``value`` as JSON can hold it (NumPy numbers and arrays become Python ones)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


@dataclass
class Claim:
    """One checked finding or goal: its key, its chapter, ``held``/``failed``/``unchecked``,
    the measured values it was checked on, and its kind (``"claim"`` or ``"goal"``)."""

    key: str
    chapter: str
    status: str
    values: dict = field(default_factory=dict)
    kind: str = CLAIM

    @property
    def shown_values(self) -> str:
        """The measured values as the marks show them: ``name value, name value``."""
        return ", ".join(f"{name} {format_value(v)}" for name, v in self.values.items())

    @property
    def mark(self) -> str:
        """A claim's ✓, ○, or ✗ followed by the measured values; a goal's badge text:
        "goal met ✓", "goal not met: " and the measured values, or "goal not checked ○"."""
        if self.kind == GOAL:
            if self.status == FAILED:
                return f"goal not met: {self.shown_values}" if self.values else "goal not met"
            return f"goal {GOAL_WORDS[self.status]} {MARKS[self.status]}"
        if self.status != FAILED or not self.values:
            return MARKS[self.status]
        return f"{MARKS[FAILED]} {self.shown_values}"

    @property
    def css_classes(self) -> list[str]:
        """The mark's classes in ``claims.css``: ``claim claim-<status>`` for a claim,
        ``goal goal-met``, ``goal goal-unmet`` or ``goal goal-unchecked`` for a goal."""
        if self.kind == GOAL:
            return [GOAL, f"goal-{GOAL_CLASSES[self.status]}"]
        return [CLAIM, f"claim-{self.status}"]

    def mark_in(self, language: str | None) -> str:
        """:attr:`mark` in the edition of ``language``: a goal's badge words are
        translated; a claim's ✓, ○ and ✗ and the measured values are the same in both."""
        words = GOAL_BADGES.get(language or "en")
        if self.kind != GOAL or words is None:
            return self.mark
        if self.status == FAILED and self.values:
            return f"{words[FAILED]}：{self.shown_values}"
        return words[self.status]

    def as_dict(self) -> dict:
        return asdict(self)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.mark, CLAIM_MIME: self.as_dict()}


def check(
    key: str,
    held,
    *,
    chapter: str,
    quick: bool,
    always: bool = False,
    measured: bool = True,
    **values,
) -> Claim:
    """The claim ``key`` of ``chapter``, held when ``held`` is true (chapter 05).

    ``held`` is the condition over this run's measurements (a ``bool``; NumPy's counts
    too); ``values`` are the measurements it was computed from, shown beside a ✗. In
    quick mode a claim is ``unchecked`` unless ``always`` is true; so is a claim whose
    measurement a parameter switched off (``measured=False``).
    """
    return _checked(CLAIM, key, held, chapter, quick, always, measured, values)


def check_goal(
    key: str,
    met,
    *,
    chapter: str,
    quick: bool,
    always: bool = False,
    measured: bool = True,
    **values,
) -> Claim:
    """The goal ``key`` of ``chapter``, met when ``met`` is true (chapter 12): a target
    fixed before the run, with the same rules as :func:`check` (``met`` is a ``bool``;
    ``values`` are shown when it is not met; not checked in quick mode unless ``always``,
    nor when ``measured=False``). A goal not met is reported, never counted as a
    failure (see :func:`failed`)."""
    return _checked(GOAL, key, met, chapter, quick, always, measured, values)


def _checked(kind, key, condition, chapter, quick, always, measured, values) -> Claim:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ValueError(
            f"a {kind}'s key is lower-case letters, digits and underscores, starting with a "
            f"letter (it becomes an anchor on the page), not {key!r}"
        )
    if not isinstance(condition, (bool, np.bool_)):
        raise TypeError(
            f"{kind} {key!r}: the condition must be True or False (a comparison, all(...), "
            f"any(...)), not {type(condition).__name__} {condition!r}"
        )
    if (quick and not always) or not measured:
        status = UNCHECKED
    else:
        status = HELD if condition else FAILED
    return Claim(key=key, chapter=chapter, status=status, values=_plain(values), kind=kind)


def claims_in_build(jupyter_execute: str | Path) -> list[Claim]:
    """Every claim in a build's executed notebooks (the ``*.glue.json`` files that
    myst-nb writes beside them in ``_build/jupyter_execute``), in page order."""
    claims = []
    for path in sorted(Path(jupyter_execute).rglob("*.glue.json")):
        claims += claims_in_glue(json.loads(path.read_text()))
    return claims


def claims_in_glue(glue_data: dict) -> list[Claim]:
    """The claims among one page's glued values (its ``*.glue.json``), in cell order."""
    found = (output.get("data", {}).get(CLAIM_MIME) for output in glue_data.values())
    return [Claim(**data) for data in found if data is not None]


def failed(claims: list[Claim]) -> list[Claim]:
    """The claims that failed; goals not met are not among them."""
    return [c for c in claims if c.kind == CLAIM and c.status == FAILED]


def goals(claims: list[Claim]) -> list[Claim]:
    """The goals among a build's claims."""
    return [c for c in claims if c.kind == GOAL]


def report(claims: list[Claim]) -> str:
    """A short account of a build's claims and goals for the end of its log: how many
    claims held, failed and were not checked, how many goals were met, not met and not
    checked, then every failed claim and every goal not met with its measured values."""
    found = [c for c in claims if c.kind == CLAIM]
    counts = {s: sum(c.status == s for c in found) for s in (HELD, FAILED, UNCHECKED)}
    targets = goals(claims)
    reached = {s: sum(c.status == s for c in targets) for s in (HELD, FAILED, UNCHECKED)}
    lines = [
        f"claims: {len(found)} in all; {counts[HELD]} held, {counts[FAILED]} failed, "
        f"{counts[UNCHECKED]} not checked",
        f"goals: {len(targets)} in all; "
        + ", ".join(f"{reached[s]} {GOAL_WORDS[s]}" for s in (HELD, FAILED, UNCHECKED)),
    ]
    lines += [f"  FAILED  chapter {c.chapter}  {c.key}: {c.mark}" for c in failed(claims)]
    lines += [
        f"  NOT MET  chapter {c.chapter}  {c.key}: {c.shown_values or 'goal not met'}"
        for c in targets
        if c.status == FAILED
    ]
    return "\n".join(lines)


_TEX = {r"\times": "×", r"\to": "→", r"\le": "≤", r"\ge": "≥", r"\cdot": "·", r"\,": " "}
_ROLE = re.compile(r"\{(glue(?::\w+)?|claim|goal)\}`([^`]*)`")
# where a sentence starts: after a full stop, colon or semicolon and a space, a blank
# line, a list item, or a heading; after a Chinese full stop (。！？；：) with or without a
# space, since Chinese writes none (the Chinese edition's page "Claims")
_MARKER = r"(?:(?:[-*+]|\d+\.)\s+|#+\s+)"
_DIRECTIVE_LINE = re.compile(r"(?m)^[ \t]*(?::{3,}.*|:[\w-]+:.*)$")
_SENTENCE_START = re.compile(
    rf"(?<!e\.g)(?<!i\.e)(?<!\bvs)[.!?;:]\s+{_MARKER}?|[。！？；：]\s*{_MARKER}?"
    rf"|\n\s*\n\s*{_MARKER}?|\n\s*{_MARKER}|^\s*{_MARKER}?"
)


def _pasted(role: str, target: str, glue_data: dict) -> str:
    """A glue role's text as the page shows it, from the build's glue data."""
    key, _, spec = target.partition(":")
    output = glue_data.get(key, {}).get("data", {})
    plain = output.get("text/markdown") or output.get("text/plain")
    if plain is None:
        return "…"
    if role == "glue:text" and spec:
        try:
            return format(float(plain), spec)
        except ValueError:
            return plain.strip("'\"")
    return plain.strip("'\"")


def claim_sentences(
    markdown: str, glue_data: dict | None = None, figure: str = "the figure"
) -> dict[str, str]:
    """Each ``{claim}`key``` and ``{goal}`key``` in a page's markdown, mapped to the
    sentence it ends, with the numbers glued into it filled in from ``glue_data`` (a
    build's ``*.glue.json``) and the markup removed: the text the page "Claims" lists
    beside each mark. The markdown may be the Chinese edition's (see
    :mod:`mnist_utils.translation`), whose sentences end at 。！？；： with no space.
    A figure's number is not known before the page is built: ``{numref}`` reads
    ``figure``; other roles (``{term}``, ``{ref}``) read as the words they show."""
    glue_data = glue_data or {}
    sentences = {}
    # a directive's fence and option lines (":::{admonition} Answer", ":class: dropdown")
    # are not prose: a sentence starts after them
    markdown = _DIRECTIVE_LINE.sub("", markdown)
    for match in re.finditer(r"\{(?:claim|goal)\}`([^`]+)`", markdown):
        head = markdown[: match.start()]
        starts = [0] + [m.end() for m in _SENTENCE_START.finditer(head) if m.end() < len(head)]
        # a full stop inside brackets (or Chinese ones, （）) does not end the sentence:
        # start before the bracket
        start = next((at for at in reversed(starts) if _balanced(head[at:])), 0)
        text = head[start:]
        text = _ROLE.sub(
            lambda m: "" if m[1] in (CLAIM, GOAL) else _pasted(m[1], m[2], glue_data), text
        )
        text = _OTHER_ROLE.sub(lambda m: _role_words(m[1], m[2], figure), text)
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # links: their text
        for tex, symbol in _TEX.items():  # inline math, as plain text
            text = text.replace(tex, symbol)
        text = text.replace("$", "")
        text = re.sub(r"[*_`]", "", " ".join(text.split()))
        sentences[match[1].strip()] = text.strip().rstrip(",;:，；：")
    return sentences


_OTHER_ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")


def _role_words(role: str, content: str, figure: str) -> str:
    """What a role other than glue, claim and goal shows on the page, near enough."""
    shown = re.match(r"\s*(.*?)\s*<[^>]*>\s*$", content)
    if shown and shown.group(1):
        return shown.group(1)
    return figure if role == "numref" else content


def _balanced(text: str) -> bool:
    """Whether ``text`` closes no bracket, ( or （, that it did not open (a claim's
    sentence on the page "Claims", in either edition)."""
    return text.count("(") + text.count("（") >= text.count(")") + text.count("）")
