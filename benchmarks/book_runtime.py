"""How long the whole book takes to execute, chapter by chapter, in full and quick mode.

Two sources of figures:

* the execution caches of the last builds (``make book`` for full mode, ``make test``
  or ``make site`` for quick mode). Jupyter Book records how long each notebook took
  when it executed it; a chapter whose code changed since then has no matching
  record and is listed as "not built". Reading the caches takes a second.
* ``--execute quick`` (or ``full``): run every chapter now, one after the other, each
  in a fresh kernel as the build does, and time it. Quick mode takes minutes; full
  mode takes hours on a 2-core CPU (the figures of the caches are the same thing).

The header names this machine's processor (``mnist_utils.runtime.cpu_model``): the times
of a cache are comparable with it only if that build ran on the same machine.

    .venv/bin/python benchmarks/book_runtime.py                    # from the caches
    .venv/bin/python benchmarks/book_runtime.py --execute quick    # time quick mode now
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
CACHES = {
    "full": ROOT / "_build" / ".jupyter_cache",
    "quick": ROOT / "_build" / "quick" / "_build" / ".jupyter_cache",
}


def chapters() -> list[Path]:
    found = sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb"))
    if not found:
        sys.exit(f"no chapters found in {CHAPTERS}")
    return found


def from_cache(mode: str) -> dict[str, float | None]:
    """Seconds per chapter from the build cache of ``mode`` (None: no record for the
    chapter's current code)."""
    from jupyter_cache import get_cache

    times: dict[str, float | None] = {path.stem: None for path in chapters()}
    if not CACHES[mode].is_dir():
        return times
    cache = get_cache(CACHES[mode])
    for path in chapters():
        try:
            record = cache.match_cache_file(path)
        except KeyError:
            continue
        times[path.stem] = (record.data or {}).get("execution_seconds")
    return times


def execute(mode: str, timeout: int) -> dict[str, float | None]:
    """Run every chapter now in ``mode`` and return its wall-clock seconds."""
    import nbformat
    from nbclient import NotebookClient

    os.environ["MNIST_BOOK_QUICK"] = "1" if mode == "quick" else "0"
    times: dict[str, float | None] = {}
    for path in chapters():
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": str(CHAPTERS)}},
        )
        start = time.perf_counter()
        try:
            client.execute()
        except Exception as error:  # report and go on with the next chapter
            print(f"{path.stem}: failed ({type(error).__name__}); not counted", flush=True)
            times[path.stem] = None
            continue
        times[path.stem] = time.perf_counter() - start
        print(f"{path.stem:45s} {times[path.stem]:8.1f} s", flush=True)
    return times


def report(columns: dict[str, dict[str, float | None]]) -> None:
    names = [path.stem for path in chapters()]
    header = f"{'chapter':45s}" + "".join(f"{title:>20s}" for title in columns)
    print(header)
    print("-" * len(header))

    def cell(value):
        return f"{'not built':>20s}" if value is None else f"{value / 60:17.1f} min"

    for name in names:
        print(f"{name:45s}" + "".join(cell(times.get(name)) for times in columns.values()))
    print("-" * len(header))
    totals = ""
    for times in columns.values():
        known = [t for t in times.values() if t is not None]
        totals += f"{sum(known) / 60:17.1f} min" if known else f"{'-':>20s}"
    print(f"{'whole book':45s}" + totals)
    for title, times in columns.items():
        missing = [n for n in names if times.get(n) is None]
        if missing:
            print(
                f"{title}: no figure for {len(missing)} chapter(s) ({', '.join(missing)}); "
                "the total leaves them out"
            )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--execute",
        choices=("quick", "full"),
        help="run every chapter now in this mode and time it",
    )
    parser.add_argument(
        "--timeout", type=int, default=4 * 3600, help="seconds one cell may run (default: 4 hours)"
    )
    args = parser.parse_args(argv)
    if args.timeout < 1:
        parser.error("--timeout must be at least 1 second")

    columns = {f"{mode} (last build)": from_cache(mode) for mode in ("full", "quick")}
    if args.execute:
        print(f"Executing every chapter in {args.execute} mode now...\n", flush=True)
        columns[f"{args.execute} (now)"] = execute(args.execute, args.timeout)
        print()
    from mnist_utils.runtime import cpu_model

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"CPU: {cpu_model()}, {os.cpu_count()} CPUs, load average {load:.1f}\n")
    report(columns)
    print("\nThe build caches are in _build/ (full: make book; quick: make test or make site).")
    if args.execute and None in columns[f"{args.execute} (now)"].values():
        print("Some chapters failed to execute (see above).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
