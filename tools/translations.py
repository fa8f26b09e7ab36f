"""The Chinese edition's gettext catalogues: ``locale/zh_CN/LC_MESSAGES/<page>.po``.

    python tools/translations.py update    # make translations: refresh from the English source
    python tools/translations.py status    # translated, untranslated and fuzzy, page by page
    python tools/translations.py notebooks # Chinese chapters for JupyterLab (make lab LANG=zh_CN)

``update`` extracts every message of the English source with Sphinx's gettext builder
(headings, paragraphs, list items, table cells, admonition titles, figure captions and
alt texts) and merges it into the catalogues with sphinx-intl: a new message arrives
untranslated, a changed one keeps its old translation marked fuzzy, and one that left the
source is dropped. Captions and alt texts live in the output of a figure's cell, so the
extraction reads the chapters' outputs from the quick build's execution cache (``make
site``); a chapter missing from it is executed in quick mode first.

``notebooks`` writes the chapters in Chinese to ``_build/lab/zh_CN/chapters`` with
:mod:`mnist_utils.translation`, afresh each time (edits made there are lost), and prints
how many messages of each chapter stayed English. Run from there, a chapter still finds
the checkout, its data and its records (``mnist_utils.runtime.project_root``).

Code, comments and printed output are not translated, as in the Chinese edition of *Dive
into Deep Learning*. ``tests/test_translations.py`` fails while any message is
untranslated or fuzzy, so an English change cannot land without its Chinese.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from build_site import (  # noqa: E402
    effective_config,
    jupyter_book,
    output_folder,
    unexecuted_chapters,
)

LANGUAGE = "zh_CN"
LOCALE = ROOT / "locale"
CATALOGUES = LOCALE / LANGUAGE / "LC_MESSAGES"


def extract(root: Path = ROOT) -> Path:
    """Write the English source's message templates (``.pot``) and return their folder."""
    import yaml

    quick = output_folder(root, "quick")
    work = root / "_build" / "gettext"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    settings = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    config = effective_config(settings, root)
    config["execute"]["cache"] = str(quick / ".jupyter_cache")
    # the gettext builder would pick a figure's text/plain output ("<Figure size ...>") and
    # miss its alt text: let it take the image, as the HTML builder does
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx_config["nb_mime_priority_overrides"] = [
        ["gettext", "image/svg+xml", 1],
        ["gettext", "image/png", 2],
    ]
    config_file = work / "_config.gettext.yml"
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True))
    env = dict(os.environ, MNIST_BOOK_QUICK="1", MNIST_BOOK_BUILD=str(quick))
    if unexecuted_chapters(root, quick / ".jupyter_cache"):
        print(
            "The quick build's execution cache lacks some chapters: the extraction executes "
            "them in quick mode first (about 10 minutes on 2 cores; `make site` keeps them)"
        )
    builder = ("--builder", "custom", "--custom-builder", "gettext")
    subprocess.run(jupyter_book(root, work, config_file, *builder), env=env, cwd=root, check=True)
    return work / "_build" / "gettext"


def update(root: Path = ROOT) -> None:
    """Refresh the catalogues from the English source (``make translations``)."""
    templates = extract(root)
    command = [str(Path(sys.executable).parent / "sphinx-intl"), "update"]
    command += ["-p", str(templates), "-d", str(root / "locale"), "-l", LANGUAGE]
    command += ["-w", "0", "--no-obsolete"]
    subprocess.run(command, cwd=root, check=True)
    for catalogue in (root / "locale" / LANGUAGE / "LC_MESSAGES").rglob("*.po"):
        tidy(catalogue)
    for stale in (root / "locale" / LANGUAGE / "LC_MESSAGES").rglob("*.po"):
        page = stale.relative_to(root / "locale" / LANGUAGE / "LC_MESSAGES").with_suffix(".pot")
        if not (templates / page).is_file():
            print(f"removing {stale.relative_to(root)}: its page left the book")
            stale.unlink()


def notebooks(root: Path = ROOT) -> list[tuple[str, int, int]]:
    """Write the Chinese chapter notebooks for JupyterLab (``make lab LANG=zh_CN``) into
    ``_build/lab/zh_CN/chapters``, replacing what was there, and return, per chapter, how
    many of its messages fell back to English and how many of those the catalogue lacks
    (rather than holding them untranslated or fuzzy)."""
    import json

    import nbformat

    from mnist_utils.translation import load_catalogue, translate_notebook

    lab = root / "_build" / "lab" / LANGUAGE / "chapters"
    shutil.rmtree(lab, ignore_errors=True)
    lab.mkdir(parents=True)
    rows = []
    for chapter in sorted((root / "chapters").glob("[0-9][0-9]_*.ipynb")):
        catalogue = load_catalogue(f"chapters/{chapter.stem}", root=root)
        fallbacks: list[str] = []
        notebook = json.loads(chapter.read_text(encoding="utf-8"))
        translated = translate_notebook(notebook, catalogue, fallbacks)
        nbformat.write(nbformat.from_dict(translated), lab / chapter.name)
        english = set(fallbacks)  # a message met twice ("Answer") is counted once
        absent = sum(catalogue.get(msgid) is None for msgid in english)
        rows.append((chapter.stem, len(english), absent))
    return rows


HEADER = {
    "Project-Id-Version": "Convolutional MNIST, from scratch",
    "Last-Translator": "The Convolutional MNIST authors",
    "Language-Team": "zh_CN",
}


def tidy(path: Path) -> None:
    """Steady headers, and no ``python-format`` flags: babel takes "99% of" for a
    ``%``-format string, which no message of the book is."""
    from babel.messages.pofile import read_po, write_po

    with path.open("rb") as handle:
        catalogue = read_po(handle)
    catalogue.project, catalogue.version = HEADER["Project-Id-Version"], "1"
    catalogue.last_translator = HEADER["Last-Translator"]
    catalogue.language_team = HEADER["Language-Team"]
    catalogue.fuzzy = False
    for message in catalogue:
        message.flags.discard("python-format")
    # written beside it and then moved over it: a failed write leaves the catalogue whole
    partial = path.with_suffix(".po.partial")
    with partial.open("wb") as handle:
        write_po(handle, catalogue, width=0, omit_header=False)
    partial.replace(path)


def status(catalogues: Path = CATALOGUES) -> list[tuple[str, int, int, int]]:
    """(page, translated, untranslated, fuzzy) for every catalogue."""
    from babel.messages.pofile import read_po

    rows = []
    for path in sorted(catalogues.rglob("*.po")):
        with path.open("rb") as handle:
            catalogue = read_po(handle)
        messages = [m for m in catalogue if m.id]
        fuzzy = sum(m.fuzzy for m in messages)
        untranslated = sum(not m.string for m in messages)
        page = str(path.relative_to(catalogues).with_suffix(""))
        rows.append((page, len(messages) - fuzzy - untranslated, untranslated, fuzzy))
    return rows


# MyST markup that a translation keeps as it is: roles (a {term} or {ref} may show other
# words, `text <target>`, but keeps its target), inline code, math, link targets and
# substitutions. Words around them are translated; these are compared as they stand.
_ROLE = re.compile(r"\{([\w:-]+)\}`([^`]*)`")
_CODE = re.compile(r"(?<![`}])``?([^`]+)``?(?!`)")
_MATH = re.compile(r"(?<![\\$])\$([^$]+)\$")
_LINK_TARGET = re.compile(r"\]\(([^)]*)\)")
_SUBSTITUTION = re.compile(r"\{\{[^}]*\}\}")
# A translation is parsed on its own, so "5. Keras 基线" would be a numbered list and
# Sphinx would drop it; the heading "5. A Keras baseline" is translated "5\. Keras 基线".
_LIST_START = re.compile(r"\d+\.\s")


def _role_targets(text: str) -> list[str]:
    found = []
    for name, content in _ROLE.findall(text):
        target = re.search(r"<([^>]*)>\s*$", content)
        found.append(f"{{{name}}}{(target.group(1) if target else content).strip()}")
    return sorted(found)


def markup(text: str) -> dict[str, list[str]]:
    """The markup of a message that its translation must keep, kind by kind."""
    plain = _ROLE.sub(" ", text)
    return {
        "roles": _role_targets(text),
        "inline code": sorted(_CODE.findall(plain)),
        "math": sorted(_MATH.findall(plain)),
        "link targets": sorted(_LINK_TARGET.findall(plain)),
        "substitutions": sorted(_SUBSTITUTION.findall(plain)),
    }


def glossary_terms(glossary: Path = ROOT / "book" / "glossary.md") -> dict[str, str]:
    """English term → its Chinese translation, from the glossary: an entry's English lines
    (its term and other names) and its first Chinese line, the form the edition uses.
    Terms whose Chinese form is itself in Latin letters (ReLU激活, MNIST数据集, Adam优化器)
    are left out: the edition keeps those names as they are."""
    body = glossary.read_text(encoding="utf-8").split("```{glossary}")[1].split("```")[0]
    terms = {}
    for entry in re.split(r"\n\n(?=\S)", body.strip()):
        names = [line for line in entry.splitlines() if line and line[0] not in " :"]
        chinese = [n for n in names if re.search(r"[\u4e00-\u9fff]", n)]
        if not chinese or re.search(r"[A-Za-z]", chinese[0]):
            continue
        for name in names:
            if not re.search(r"[\u4e00-\u9fff]", name) and not name.isupper():
                terms[name] = chinese[0]
    return terms


_DISPLAY_MATH = re.compile(r"\$\$.*?\$\$|\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S)


def missing_terms(msgid: str, msgstr: str, terms: dict[str, str]) -> list[str]:
    """The glossary terms of ``msgid`` whose Chinese form ``msgstr`` lacks."""
    prose = _ROLE.sub(lambda m: " " + m.group(2) + " ", _DISPLAY_MATH.sub(" ", msgid))
    prose = _MATH.sub(" ", _CODE.sub(" ", prose))
    missing = []
    # longest first, and a term found is taken out, so "batch size" is not also "batch"
    for english in sorted(terms, key=len, reverse=True):
        pattern = rf"(?<![\w\\-]){re.escape(english)}(?:s|es)?(?![\w-])"
        if not re.search(pattern, prose, re.IGNORECASE):
            continue
        if terms[english] not in msgstr and not _exempt(english, msgid):
            missing.append(f"{english} → {terms[english]}")
        prose = re.sub(pattern, " ", prose, flags=re.IGNORECASE)
    return missing


# Where an English word of the glossary means something else: numeric precision is 精度,
# a Jupyter kernel is 内核, to recall something is 回顾. Matched on the whole message.
EXEMPT = {
    "Precision": r"(float|bfloat|half|single|double|mixed|numeric\w*|machine|arithmetic|bit)"
    r"[\w-]*[ -]precision|precision (of|in) (float|bfloat|the arithmetic)"
    r"|\*\*Precision\.\*\* The hand computations|price of precision",
    "Kernel": r"\b(jupyter|ipython|python|restart\w*|running|live|active|the notebook's)"
    r"\W+kernel|kernel\W+(restart|crash|dies|died)|enable_lora",
    "Recall": r"\brecall(s|ed|ing)\b(?! (of|and|at|for))",
    "Bias": r"\bbiased\b",
}
# pages whose messages are mostly titles of papers and books, kept in English
UNCHECKED_TERMS = {"book/references"}


def _exempt(english: str, msgid: str) -> bool:
    pattern = EXEMPT.get(english)
    return bool(pattern and re.search(pattern, msgid, re.IGNORECASE))


def problems(msgid: str, msgstr: str, terms: dict[str, str] | None = None) -> list[str]:
    """What is wrong with one translation: empty, markup lost or changed, terms missing."""
    if not msgstr:
        return ["untranslated"]
    found = []
    if _LIST_START.match(msgstr):
        found.append("starts like a numbered list: write 5\\. so that it stays a title")
    source, target = markup(msgid), markup(msgstr)
    for kind, items in source.items():
        if items != target[kind]:
            found.append(f"{kind} differ: {items} → {target[kind]}")
    if terms:
        found += [f"term: {t}" for t in missing_terms(msgid, msgstr, terms)]
    return found


def check(pages: list[str] | None = None, catalogues: Path = CATALOGUES) -> list[str]:
    """Every problem of the catalogues (of ``pages``, or all), one line each."""
    from babel.messages.pofile import read_po

    terms = glossary_terms()
    lines = []
    for path in sorted(catalogues.rglob("*.po")):
        page = str(path.relative_to(catalogues).with_suffix(""))
        if pages and page not in pages:
            continue
        with path.open("rb") as handle:
            catalogue = read_po(handle)
        for message in catalogue:
            if not message.id:
                continue
            issues = ["fuzzy"] if message.fuzzy else []
            # a glossary entry's own term lines stay as they are: {term} links need them
            as_is = page == "book/glossary" and message.string == message.id
            checked = None if page in UNCHECKED_TERMS or as_is else terms
            issues += problems(message.id, message.string, checked)
            lines += [f"{page}: {issue}: {message.id[:70]!r}" for issue in issues]
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["update", "status", "check", "notebooks"])
    parser.add_argument("pages", nargs="*", help="check only these pages (chapters/05_...)")
    args = parser.parse_args(argv)
    known = {row[0] for row in status()}
    unknown = sorted(set(args.pages) - known)
    if unknown:
        sys.exit(
            f"no catalogue for {', '.join(unknown)}: name a page as its catalogue is named "
            f"under {CATALOGUES.relative_to(ROOT)}, without .po (e.g. chapters/05_keras_baseline)"
        )
    if args.command == "check":
        found = check(args.pages)
        print("\n".join(found) or "no problems")
        return 1 if found else 0
    if args.command == "notebooks":
        rows = notebooks()
        width = max(len(chapter) for chapter, *_ in rows)
        print(f"{'chapter':<{width}}  in English  (not in the catalogue)")
        for chapter, english, absent in rows:
            print(f"{chapter:<{width}}  {english:>10}  {absent:>22}")
        print(f"The Chinese chapters are in {ROOT / '_build' / 'lab' / LANGUAGE / 'chapters'}")
        return 0
    if args.command == "update":
        update()
    rows = status()
    width = max((len(page) for page, *_ in rows), default=10)
    print(f"{'page':<{width}}  translated  untranslated  fuzzy")
    for page, done, missing, fuzzy in rows:
        print(f"{page:<{width}}  {done:>10}  {missing:>12}  {fuzzy:>5}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
