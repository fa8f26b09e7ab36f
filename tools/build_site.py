"""Build the book's HTML site in full mode (``make book``) or quick mode (``make test``).

At the end the build lists the book's checked claims (see ``mnist_utils.claims``) and
every one that failed; a failed claim is also marked ✗ on its page. ``--strict-claims``
(the release build, ``make release``) fails when any claim failed. The chapters' goals
are counted on a line of their own, with every goal not met; a goal not met is a
result, shown on its page, and fails no build.

``--language zh_CN`` builds the Chinese edition (中文版) of the same mode from the gettext
catalogues in ``locale/zh_CN/LC_MESSAGES`` (see ``tools/translations.py``) into
``html/zh_CN`` beside the English site. It reads the English build's execution cache and
records and executes no chapter: it refuses to start while a chapter's current code has no
executed copy in that cache, so build the English edition first (``make book`` and ``make
site`` build both).

Each mode has its own output folder and so its own execution cache: quick-mode outputs
can never appear in the full site. The cache keys on notebook code only, so it is also
thrown away whenever ``mnist_utils``, the pinned requirements or this build's config
change (their hash is kept next to the cache).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from mnist_utils import claims as book_claims  # noqa: E402

# Pages that summarise the chapters: built once more after the chapters have run.
SUMMARY_PAGES = ["book/results.md", "book/claims.md"]
KEYED_FILES = ["requirements.txt", "requirements-data.txt", "_config.yml", "pyproject.toml"]


def effective_config(config: dict, root: Path) -> dict:
    """The configuration the build uses: ``config`` (the book's ``_config.yml``) with its
    local extensions' paths made absolute (the effective file lives in the build folder),
    and, while ``repository.url`` is empty, no repository, issues or launch buttons:
    the repository's address is one setting, and the buttons appear once it is set."""
    import copy

    config = copy.deepcopy(config)
    sphinx = config.get("sphinx", {})
    for name, path in (sphinx.get("local_extensions") or {}).items():
        sphinx["local_extensions"][name] = str((root / path).resolve())
    if not (config.get("repository") or {}).get("url"):
        config.pop("repository", None)
        html = config.setdefault("html", {})
        html["use_repository_button"] = html["use_issues_button"] = False
        html["use_edit_page_button"] = False
        config.pop("launch_buttons", None)
        config["launch_buttons"] = {"notebook_interface": "jupyterlab"}
    return config


EDITION_TITLES = {"zh_CN": "卷积 MNIST，从零开始"}
EDITION_AUTHORS = {"zh_CN": "卷积 MNIST 的作者们"}
# the dropdowns' "Click to show" (sphinx-togglebutton) and hidden cells' "Show code cell
# source" (myst-nb), in the edition's language
INTERFACE_WORDS = {
    "zh_CN": {
        "togglebutton_hint": "点击显示",
        "togglebutton_hint_hide": "点击隐藏",
        "nb_code_prompt_show": "显示代码单元格",
        "nb_code_prompt_hide": "隐藏代码单元格",
    }
}


def edition_config(config: dict, language: str, cache: Path) -> dict:
    """The effective configuration of the edition in ``language`` (``zh_CN``): the
    translated title and author, the language, the interface words, Chinese full-text
    search (Sphinx's splitter uses jieba) and the English build's execution ``cache``."""
    import copy

    config = copy.deepcopy(config)
    config["title"] = EDITION_TITLES.get(language, config.get("title"))
    config["author"] = EDITION_AUTHORS.get(language, config.get("author"))
    config.setdefault("execute", {})["cache"] = str(cache)
    sphinx_config = config.setdefault("sphinx", {}).setdefault("config", {})
    sphinx_config["language"] = language
    sphinx_config["html_search_language"] = language.split("_")[0]
    sphinx_config.update(INTERFACE_WORDS.get(language, {}))
    return config


def unexecuted_chapters(root: Path, cache: Path) -> list[str]:
    """The chapters whose current code has no executed copy in the execution ``cache``."""
    from jupyter_cache import get_cache

    missing = []
    chapters = sorted((root / "chapters").glob("[0-9][0-9]_*.ipynb"))
    store = get_cache(cache) if cache.is_dir() else None
    for notebook in chapters:
        try:
            if store is None:
                raise KeyError(notebook)
            store.match_cache_file(notebook)
        except KeyError:
            missing.append(notebook.stem)
    return missing


def jupyter_book(root: Path, path_output: Path, config_file: Path, *options: str) -> list[str]:
    """The ``jupyter-book build`` command for the book in ``root`` with the effective
    configuration ``config_file``, output under ``path_output``, and ``options``
    (``-W -n --keep-going`` for a strict build, ``--builder custom ...``, ``--all``)."""
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(root)]
    return command + ["--path-output", str(path_output), "--config", str(config_file), *options]


STRICT = ("-W", "-n", "--keep-going")  # every Sphinx warning fails the build


def output_folder(root: Path, mode: str) -> Path:
    """Where a mode's build goes: the full site in ``<root>/_build``, quick mode's in
    ``<root>/_build/quick/_build`` (so each keeps its own execution cache)."""
    return root / "_build" if mode == "full" else root / "_build" / "quick" / "_build"


def cache_key(mode: str, root: Path = ROOT) -> str:
    """Hash of what notebook outputs depend on besides their own code."""
    digest = hashlib.sha256(mode.encode())
    files = sorted((root / "mnist_utils").rglob("*.py")) + [root / f for f in KEYED_FILES]
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=["full", "quick"], default="full")
    parser.add_argument("--strict", action="store_true", help="fail on any Sphinx warning")
    parser.add_argument(
        "--strict-claims",
        action="store_true",
        help="fail when any claim of the book failed (the release build)",
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the book to build (default: this one)"
    )
    parser.add_argument(
        "--language",
        choices=["en", "zh_CN"],
        default="en",
        help="the edition: en (English, default) or zh_CN (Chinese, after the English one)",
    )
    parser.add_argument(
        "--keep-cache",
        action="store_true",
        help="keep executed chapters even though mnist_utils, the pins or the "
        "config changed (only when you know the change cannot alter them, e.g. "
        "a module that those chapters do not use)",
    )
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if not (root / "_config.yml").is_file():
        sys.exit(f"{root} is not a book: it has no _config.yml")
    if root == ROOT and not (ROOT / ".vendor" / "static" / "vendor" / "mathjax").is_dir():
        sys.exit("The offline MathJax/mermaid copies are missing: run `make vendor` first.")

    build = output_folder(root, args.mode)
    key_file, cache = build / ".cache-key", build / ".jupyter_cache"
    key = cache_key(args.mode, root)
    if args.language != "en":
        return build_edition(root, args.mode, args.language, args.strict, args.keep_cache)
    if args.keep_cache and cache.exists():
        print(f"keeping the {args.mode} execution cache as asked (--keep-cache)")
    elif cache.exists() and (not key_file.exists() or key_file.read_text() != key):
        print(f"mnist_utils, pins or config changed: clearing the {args.mode} execution cache")
        shutil.rmtree(cache)
        # and Sphinx's record of the pages it has read: a page it thinks up to date is not
        # read again, so its chapter would keep the outputs of the old code, unexecuted
        shutil.rmtree(build / ".doctrees", ignore_errors=True)
    build.mkdir(parents=True, exist_ok=True)
    key_file.write_text(key)

    env = dict(
        os.environ,
        MNIST_BOOK_QUICK="1" if args.mode == "quick" else "0",
        MNIST_BOOK_BUILD=str(build),
    )
    import yaml

    config_file = build / "_config.effective.yml"
    settings = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    config_file.write_text(yaml.safe_dump(effective_config(settings, root), allow_unicode=True))
    command = jupyter_book(root, build.parent, config_file, *(STRICT if args.strict else ()))
    result = subprocess.run(command, env=env, cwd=root)
    summaries = [root / page for page in SUMMARY_PAGES if (root / page).is_file()]
    if result.returncode == 0 and summaries:
        # Sphinx reads pages in name order, so the summary pages ran before the
        # chapters recorded this build's results and claims: read them again.
        names = ", ".join(str(page.relative_to(root)) for page in summaries)
        print(f"\nRebuilding {names} from this build's records")
        for page in summaries:
            page.touch()
        result = subprocess.run(command, env=env, cwd=root)
    if result.returncode != 0:
        print(f"The {args.mode} build failed (see the messages above).", file=sys.stderr)
        return result.returncode

    claims = book_claims.claims_in_build(build / "jupyter_execute")
    print("\n" + book_claims.report(claims))
    index = build / "html" / "index.html"
    print(f"\nThe book ({args.mode} mode) is at: {index}")
    if args.strict_claims and book_claims.failed(claims):
        print(
            f"--strict-claims: {len(book_claims.failed(claims))} claim(s) failed (listed "
            "above, and marked ✗ on their pages)",
            file=sys.stderr,
        )
        return 1
    return 0


def build_edition(
    root: Path, mode: str, language: str, strict: bool, keep_cache: bool = False
) -> int:
    """Build the edition in ``language`` of ``mode`` from the English build's cache into
    ``html/<language>``; nothing is executed but the summary pages (results, claims),
    which read the English build's records. ``keep_cache``: use that cache even though
    mnist_utils, the pins or the config changed since it was made."""
    import yaml

    build = output_folder(root, mode)
    cache = build / ".jupyter_cache"
    key_file = build / ".cache-key"
    stale = not keep_cache and (
        not key_file.is_file() or key_file.read_text() != cache_key(mode, root)
    )
    missing = unexecuted_chapters(root, cache)
    if stale or missing:
        which = (
            "mnist_utils, the pins or the config changed since"
            if stale
            else ("these chapters are not in")
        )
        names = f": {', '.join(missing)}" if missing and not stale else ""
        sys.exit(
            f"The {language} edition reuses the English {mode} build's executed chapters, "
            f"but {which} that build{names}. Build the English edition first: "
            f"python tools/build_site.py --mode {mode}"
        )
    work = build / "editions" / language
    work.mkdir(parents=True, exist_ok=True)
    settings = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    config = edition_config(effective_config(settings, root), language, cache)
    config_file = work / f"_config.{language}.yml"
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True))
    env = dict(
        os.environ,
        MNIST_BOOK_QUICK="1" if mode == "quick" else "0",
        MNIST_BOOK_BUILD=str(build),
        MNIST_BOOK_LANGUAGE=language,
    )
    # every page, every time: a changed catalogue or extension must reach every page, and
    # with nothing to execute the whole edition takes a minute or two
    command = jupyter_book(root, work, config_file, "--all", *(STRICT if strict else ()))
    result = subprocess.run(command, env=env, cwd=root)
    if result.returncode != 0:
        print(f"The {language} {mode} build failed (see the messages above).", file=sys.stderr)
        return result.returncode
    site = build / "html" / language
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(work / "_build" / "html", site)
    print(f"\nThe {language} edition ({mode} mode) is at: {site / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
