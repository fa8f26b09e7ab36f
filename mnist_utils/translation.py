"""The Chinese edition's chapters as notebooks: a page's markdown in Chinese, from its
gettext catalogue (``locale/zh_CN/LC_MESSAGES/<page>.po``).

The Chinese site is built by Sphinx from the catalogues (``tools/build_site.py
--language zh_CN``); a reader of the Chinese edition in JupyterLab needs the same words in
the notebooks themselves. ``tools/translations.py notebooks`` (``make lab LANG=zh_CN``)
writes the translated chapters with :func:`translate_notebook`, and the page "Claims" of
the Chinese edition (:mod:`mnist_utils.claim_index`) cuts its sentences from markdown
translated by :func:`translate_markdown`.

A message is what Sphinx extracts from a page: a paragraph, heading, list item, table cell,
definition term or admonition title, as its MyST source with newlines turned into spaces,
and a figure's caption or alt text from a code cell's metadata. Each is replaced by its
translation where the catalogue has one; an untranslated or fuzzy message stays English,
as it does on the Chinese site. Everything else -- code cells, math and code blocks,
directive options, list markers and table pipes -- is kept as it is; a mermaid diagram
is one message, replaced whole.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.mdit import create_md_parser

from .runtime import project_root

__all__ = ["load_catalogue", "translate_markdown", "translate_notebook"]

LANGUAGE = "zh_CN"
# as parse.myst_enable_extensions in _config.yml (tests/test_translation.py checks it):
# the markdown must be cut into the same blocks as the book cuts it
MYST_EXTENSIONS = ("amsmath", "colon_fence", "deflist", "dollarmath", "substitution")
# directives whose argument is a title (a message) and whose body is markdown
TITLED = {"admonition", "dropdown"}
BODY_IS_MARKDOWN = TITLED | {
    "attention",
    "caution",
    "danger",
    "error",
    "hint",
    "important",
    "note",
    "seealso",
    "tip",
    "warning",
    "margin",
    "sidebar",
    "topic",
}

_PARSER = create_md_parser(
    MdParserConfig(enable_extensions=set(MYST_EXTENSIONS)),
    RendererHTML,  # required, never used: only the tokens are read
)
_DIRECTIVE = re.compile(r"^\{([\w:-]+)\}\s*(.*?)\s*$")
_OPTION = re.compile(r"^\s*:[\w-]+:")


def load_catalogue(page: str, root: Path | None = None, language: str = LANGUAGE) -> Catalog:
    """The catalogue of ``page`` (``chapters/05_keras_baseline``) for the edition in
    ``language``; an empty one when the page has none, so that everything stays English."""
    path = (root or project_root()) / "locale" / language / "LC_MESSAGES" / f"{page}.po"
    if not path.is_file():
        return Catalog(locale=language)
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def message_id(source: str) -> str:
    """A block's message as Sphinx extracts it: its source, newlines as spaces, stripped."""
    return source.replace("\n", " ").strip()


class _Found:
    """Where the messages that are not translated are noted: those that fall back to
    English, and the math blocks, kept as they are."""

    def __init__(self, fallbacks: list[str] | None, untouched: list[str] | None):
        self.fallbacks = fallbacks if fallbacks is not None else []
        self.untouched = untouched if untouched is not None else []


def _translation(source: str, catalogue: Catalog, found: _Found) -> str | None:
    """The translation of one block, or ``None`` (untranslated, fuzzy or unknown: the
    block stays English and its message is noted as a fallback)."""
    msgid = message_id(source)
    if not msgid:
        return None
    message = catalogue.get(msgid)
    if message is None or not message.string or message.fuzzy:
        found.fallbacks.append(msgid)
        return None
    # one line: the block keeps its place and its prefix (list marker, "> ", "|")
    return message_id(str(message.string))


def _edits(text: str, catalogue: Catalog, found: _Found) -> list[tuple]:
    """The replacements that translate ``text``: ``(line, column, end_line, end_column,
    new text)`` in ``text``'s own lines, in document order."""
    lines = text.split("\n")
    edits = []
    cursor: dict[int, int] = {}  # a table row holds several cells: search after the last
    previous = None
    for token in _PARSER.parse(text):
        if token.type == "inline" and token.map:
            cell = previous is not None and previous.type in ("th_open", "td_open")
            edits += _inline_edit(token, lines, cursor, cell, catalogue, found)
        elif token.type == "fence" and token.info.strip() == "mermaid" and token.map:
            edits += _diagram_edit(token, lines, catalogue, found)
        elif token.type in ("fence", "colon_fence") and token.map:
            edits += _directive_edits(token, lines, catalogue, found)
        elif token.type in ("math_block", "math_block_label", "amsmath"):
            # Sphinx's message for a formula is its TeX as written, not stripped
            found.untouched.append(token.content)
        previous = token
    return edits


def _inline_edit(token: Token, lines, cursor, cell, catalogue, found) -> list[tuple]:
    """A paragraph's, heading's, cell's or term's text replaced, its prefix and suffix
    (list marker, indentation, ``>``, ``#``, ``|``) kept; continuation lines merge into
    the first."""
    parts = token.content.split("\n")
    first = token.map[0]
    start = lines[first].find(parts[0], cursor.get(first, 0))
    if start < 0 and cell and "|" in parts[0]:  # a table cell's \| arrives unescaped
        parts = [part.replace("|", r"\|") for part in parts]
        start = lines[first].find(parts[0], cursor.get(first, 0))
    last = first + len(parts) - 1
    end = -1 if last >= len(lines) else lines[last].find(parts[-1], start if last == first else 0)
    if start < 0 or end < 0:
        raise ValueError(f"cannot find the block {token.content!r} in its lines")
    end += len(parts[-1])
    cursor[last] = end
    new = _translation(token.content, catalogue, found)
    if new is None:
        return []
    if cell:  # a pipe in a cell's translation must not end the cell
        new = re.sub(r"(?<!\\)\|", r"\|", new)
    return [(first, start, last, end, new)]


def _diagram_edit(token: Token, lines, catalogue, found) -> list[tuple]:
    """A mermaid diagram's source replaced by its translation: the whole diagram is one
    message (``book/_ext/offline_mermaid.py``), its labels translated, its lines kept."""
    source = token.content.strip()
    message = catalogue.get(source)
    if message is None or not message.string or message.fuzzy:
        found.fallbacks.append(source)
        return []
    first, last = token.map[0] + 1, token.map[1] - 2  # the lines between the fences
    return [(first, 0, last, len(lines[last]), str(message.string))]


def _directive_edits(token: Token, lines, catalogue, found) -> list[tuple]:
    """A directive's title and, for admonitions and their kind, its markdown body
    translated (recursively); code, math, mermaid and other directives left alone."""
    directive = _DIRECTIVE.match(token.info.strip())
    if not directive or directive[1] not in BODY_IS_MARKDOWN:
        return []
    name, title = directive[1], directive[2]
    edits = []
    opening = token.map[0]
    if title and name in TITLED:
        new = _translation(title, catalogue, found)
        column = len(lines[opening].rstrip()) - len(title)
        if new is not None and lines[opening][column:].rstrip() == title:
            edits.append((opening, column, opening, column + len(title), new))
    body = token.content.split("\n")
    if body and body[-1] == "":
        body.pop()  # the content ends with the newline before the closing fence
    skip = 0
    if body and body[0].strip() == "---":  # options as a YAML block
        closing = next((i for i in range(1, len(body)) if body[i].strip() == "---"), None)
        skip = closing + 1 if closing is not None else 0
    else:
        while skip < len(body) and _OPTION.match(body[skip]):
            skip += 1
    inner = "\n".join(body[skip:])
    for line, column, end_line, end_column, new in _edits(inner, catalogue, found):
        # the body was taken out of the fence without its indentation (or "> "): each
        # of its lines ends as the corresponding line of the page does
        at, end_at = opening + 1 + skip + line, opening + 1 + skip + end_line
        shift = len(lines[at]) - len(body[skip + line])
        end_shift = len(lines[end_at]) - len(body[skip + end_line])
        edits.append((at, column + shift, end_at, end_column + end_shift, new))
    return edits


def translate_markdown(
    text: str,
    catalogue: Catalog,
    fallbacks: list[str] | None = None,
    untouched: list[str] | None = None,
) -> str:
    """``text`` (a markdown cell, a page) with every message the catalogue translates
    replaced by its translation, block structure kept. The messages left in English are
    appended to ``fallbacks``, and the math blocks' messages to ``untouched``: Sphinx
    extracts those too, and the site shows a formula's translated ``\\text{}`` words, but
    here a formula stays as written.
    Used for the Chinese notebooks (``tools/translations.py notebooks``) and the Chinese
    page "Claims"."""
    lines = text.split("\n")
    found = _Found(fallbacks, untouched)
    for line, column, end_line, end_column, new in sorted(
        _edits(text, catalogue, found), reverse=True
    ):
        merged = lines[line][:column] + new + lines[end_line][end_column:]
        lines[line : end_line + 1] = [merged]
    return "\n".join(lines)


def translate_notebook(
    notebook: dict,
    catalogue: Catalog,
    fallbacks: list[str] | None = None,
    untouched: list[str] | None = None,
) -> dict:
    """A copy of ``notebook`` (nbformat JSON) in the catalogue's language: its markdown
    cells through :func:`translate_markdown`, its figures' captions and alt texts
    (``metadata.mystnb.figure.caption``, ``metadata.mystnb.image.alt``) replaced; code
    stays as it is; ``fallbacks`` and ``untouched`` as for :func:`translate_markdown`.
    Writes the Chinese chapters of ``make lab LANG=zh_CN``."""
    translated = copy.deepcopy(notebook)
    for cell in translated["cells"]:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"])
            text = translate_markdown(source, catalogue, fallbacks, untouched)
            cell["source"] = text.splitlines(keepends=True)  # as Jupyter writes it
            continue
        mystnb = cell.get("metadata", {}).get("mystnb", {})
        for section, key in (("figure", "caption"), ("image", "alt")):
            entry = mystnb.get(section)
            if isinstance(entry, dict) and isinstance(entry.get(key), str):
                new = _translation(entry[key], catalogue, _Found(fallbacks, untouched))
                if new is not None:
                    entry[key] = new
    return translated
