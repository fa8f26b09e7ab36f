"""Set the book's public repository address, in the two places that need it.

    python tools/set_repository.py https://github.com/OWNER/REPO

``_config.yml``'s ``repository.url`` turns on the site's repository, issue and launch
buttons (tools/build_site.py leaves them off while it is empty), and every chapter's
Colab cell installs the helpers from that address (``BOOK_REPOSITORY = "..."``): a
notebook opened on Colab has no checkout to read the configuration from. A test checks
that the two agree.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
URL = re.compile(r"https://[A-Za-z0-9.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
CONFIG_LINE = re.compile(r'^(  url: )"?[^"\n]*"?$', re.MULTILINE)
CELL_LINE = re.compile(r'BOOK_REPOSITORY = "[^"]*"')


def colab_cell(cells: list[dict]) -> dict | None:
    """The chapter's Colab cell: the code cell that checks for ``google.colab``."""
    for cell in cells:
        if cell["cell_type"] == "code" and '"google.colab" in sys.modules' in "".join(
            cell["source"]
        ):
            return cell
    return None


def set_repository(url: str, root: Path = ROOT) -> list[Path]:
    """Write ``url`` into ``_config.yml`` and every chapter's Colab cell; returns the files
    changed. A URL that is not ``https://host/owner/name`` is refused before any write."""
    if url and not URL.fullmatch(url):
        raise ValueError(
            f"{url!r} is not a repository address; give one like https://github.com/OWNER/REPO"
        )
    config = root / "_config.yml"
    text = config.read_text(encoding="utf-8")
    block = re.search(r"^repository:\n((?:  .*\n)+)", text, re.MULTILINE)
    if not block or not CONFIG_LINE.search(block.group(1)):
        raise ValueError(f"{config} has no 'repository:' block with a 'url:' line")
    chapters = sorted((root / "chapters").glob("[0-9][0-9]_*.ipynb"))
    notebooks = {}
    for path in chapters:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cell = colab_cell(notebook["cells"])
        if cell is None:
            raise ValueError(f"{path.name} has no Colab cell to write the address into")
        source = CELL_LINE.sub(f'BOOK_REPOSITORY = "{url}"', "".join(cell["source"]))
        cell["source"] = source.splitlines(keepends=True)
        notebooks[path] = notebook
    new_block = CONFIG_LINE.sub(lambda m: f'{m.group(1)}"{url}"', block.group(1), count=1)
    config.write_text(text.replace(block.group(1), new_block), encoding="utf-8")
    for path, notebook in notebooks.items():
        path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return [config, *notebooks]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        changed = set_repository(argv[0])
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"repository address set in {len(changed)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
