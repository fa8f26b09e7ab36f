"""Build the book's HTML site in full mode (``make book``) or quick mode (``make test``).

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
OUTPUT = {"full": ROOT, "quick": ROOT / "_build" / "quick"}
RESULTS_PAGE = ROOT / "book" / "results.md"
KEYED_FILES = ["requirements.txt", "requirements-data.txt", "_config.yml", "pyproject.toml"]


def cache_key(mode: str) -> str:
    """Hash of what notebook outputs depend on besides their own code."""
    digest = hashlib.sha256(mode.encode())
    files = sorted((ROOT / "mnist_utils").rglob("*.py")) + [ROOT / f for f in KEYED_FILES]
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=sorted(OUTPUT), default="full")
    parser.add_argument("--strict", action="store_true", help="fail on any Sphinx warning")
    parser.add_argument(
        "--keep-cache",
        action="store_true",
        help="keep executed chapters even though mnist_utils, the pins or the "
        "config changed (only when you know the change cannot alter them, e.g. "
        "a module that those chapters do not use)",
    )
    args = parser.parse_args(argv)

    if not (ROOT / ".vendor" / "static" / "vendor" / "mathjax").is_dir():
        sys.exit("The offline MathJax/mermaid copies are missing: run `make vendor` first.")

    build = OUTPUT[args.mode] / "_build"
    key_file, cache = build / ".cache-key", build / ".jupyter_cache"
    key = cache_key(args.mode)
    if args.keep_cache and cache.exists():
        print(f"keeping the {args.mode} execution cache as asked (--keep-cache)")
    elif cache.exists() and (not key_file.exists() or key_file.read_text() != key):
        print(f"mnist_utils, pins or config changed: clearing the {args.mode} execution cache")
        shutil.rmtree(cache)
    build.mkdir(parents=True, exist_ok=True)
    key_file.write_text(key)

    env = dict(os.environ, MNIST_BOOK_QUICK="1" if args.mode == "quick" else "0")
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(ROOT)]
    command += ["--path-output", str(OUTPUT[args.mode])]
    if args.strict:
        command += ["-W", "-n", "--keep-going"]
    result = subprocess.run(command, env=env, cwd=ROOT)
    if result.returncode == 0:
        # Sphinx reads pages in name order, so book/results ran before the chapters
        # recorded this build's results: read it again, now that they are all there.
        print(f"\nRebuilding {RESULTS_PAGE.relative_to(ROOT)} from this build's results record")
        RESULTS_PAGE.touch()
        result = subprocess.run(command, env=env, cwd=ROOT)
    if result.returncode != 0:
        print(f"The {args.mode} build failed (see the messages above).", file=sys.stderr)
        return result.returncode
    index = build / "html" / "index.html"
    print(f"\nThe book ({args.mode} mode) is at: {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
