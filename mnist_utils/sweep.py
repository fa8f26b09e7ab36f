"""Run a chapter for one or many parameter settings with papermill (chapters 2 and 9-11).

    python -m mnist_utils.sweep chapters/09_activation_study.ipynb \\
        -p ACTIVATION relu,tanh,sigmoid -p SEED 0,1,2

executes every combination (here 9) into ``runs/sweeps/<chapter>/``, one executed
notebook per combination, skipping combinations already done. Parameter names and
values are checked before anything runs, against the notebook's ``parameters`` cell
and against each parameter's declaration in :mod:`mnist_utils.parameters` (types,
bounds, and the options of a text such as ``ACTIVATION``): an unknown name, or a
value out of range, stops the sweep at once.
``make rerun`` uses the same checks for a single setting.

``--workers N`` runs the combinations in parallel on a local Dask cluster (N worker
processes, one papermill execution per task); ``--scheduler ADDRESS`` sends them to an
existing cluster. Skipping, outputs written whole and failed runs kept work the same.
"""

from __future__ import annotations

import argparse
import ast
import itertools
import re
import sys
import time
from pathlib import Path

from .files import atomic_write
from .runtime import project_root

__all__ = ["SweepError", "notebook_parameters", "parse_value", "plan", "run_one", "run_sweep"]


class SweepError(ValueError):
    """A sweep's notebook, parameter names or values are wrong (nothing was run)."""


def notebook_parameters(notebook: Path) -> dict:
    """Name -> default value of the notebook's ``parameters`` cell.

    The cell is read with :mod:`ast`, not papermill's inspector, which skips any
    line it cannot parse (one with ``=`` in its comment, say) and would make that
    parameter look unknown. Only literal assignments count as parameters.
    """
    import nbformat

    if not notebook.is_file():
        raise SweepError(f"no such notebook: {notebook}")
    try:
        read = nbformat.read(notebook, as_version=4)
    except Exception as error:  # not JSON, or not a notebook's JSON
        raise SweepError(
            f"{notebook} cannot be read as a notebook ({error}); give the "
            "path of a chapter's .ipynb file"
        ) from None
    cells = [
        c
        for c in read.cells
        if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])
    ]
    if not cells:
        raise SweepError(f"{notebook} has no cell tagged 'parameters'")
    try:
        tree = ast.parse(cells[0].source)
    except SyntaxError as error:
        raise SweepError(
            f"the parameters cell of {notebook.name} is not valid Python: {error}"
        ) from None
    defaults = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            try:
                defaults[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue  # a computed value is not something to override
    return defaults


def parse_value(text: str):
    """A command-line value as papermill reads it: True/False/None, int, float or str."""
    if text in ("True", "False", "None"):
        return {"True": True, "False": False, "None": None}[text]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _compatible(value, default) -> bool:
    if default is None:  # e.g. QUICK = None: None, a bool or 0/1
        return value is None or isinstance(value, (bool, int))
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, type(default))


def _check_declared(notebook: Path, name: str, value) -> None:
    """Check a value against the parameter's declaration, for a book chapter
    (a notebook named ``NN_slug.ipynb``); other notebooks have only their defaults."""
    from .checks import ParameterError
    from .parameters import CHAPTERS, check_values

    chapter = notebook.stem[:2]
    if chapter not in CHAPTERS:
        return
    try:
        check_values(chapter, {name: value})
    except ParameterError as error:
        raise SweepError(f"{notebook.name}: {error}") from None


def plan(notebook: Path, grid: list[tuple[str, str]]) -> list[dict]:
    """Check ``[(NAME, "v1,v2"), ...]`` against the notebook; return every combination."""
    defaults = notebook_parameters(notebook)
    axes: dict[str, list] = {}
    for name, raw in grid:
        if name not in defaults:
            raise SweepError(
                f"{notebook.name} has no parameter {name!r}; "
                f"its parameters are: {', '.join(defaults)}"
            )
        if name in axes:
            raise SweepError(f"parameter {name} is given twice")
        # a string parameter keeps its text ("-p DEPTH 4" is "4", not the number 4)
        read = str if isinstance(defaults[name], str) else parse_value
        values = [read(v.strip()) for v in str(raw).split(",") if v.strip()]
        if not values:
            raise SweepError(f"no values given for {name}")
        for value in values:
            if not _compatible(value, defaults[name]):
                raise SweepError(
                    f"{name}={value!r} ({type(value).__name__}) does not fit the default "
                    f"{defaults[name]!r} ({type(defaults[name]).__name__}) of {notebook.name}"
                )
        for value in values:
            _check_declared(notebook, name, value)
        axes[name] = values
    names = list(axes)
    return [dict(zip(names, combo)) for combo in itertools.product(*axes.values())]


def _run_name(params: dict) -> str:
    if not params:
        return "defaults"
    text = "_".join(f"{k}={v}" for k, v in params.items())
    return re.sub(r"[^A-Za-z0-9=._-]+", "-", text)


def run_one(notebook: str, params: dict, target: str) -> dict:
    """Execute ``notebook`` with ``params`` into ``target`` (written whole or not at all);
    a failed run is kept as ``<name>.failed.ipynb`` to read its traceback. Returns the
    row :func:`run_sweep` reports. A plain function of its arguments, so a Dask worker
    can run it too."""
    import papermill

    target = Path(target)
    name = target.stem
    start = time.perf_counter()
    partial = target.with_name(f".{name}.running.ipynb")
    try:
        papermill.execute_notebook(
            notebook,
            str(partial),
            parameters=params,
            cwd=str(Path(notebook).parent),
            progress_bar=False,
        )
    except papermill.PapermillExecutionError as error:
        failed = target.with_name(f"{name}.failed.ipynb")
        partial.replace(failed)
        status, output = f"failed: {error.ename}: {error.evalue}", failed
    else:
        atomic_write(target, partial.read_bytes())
        partial.unlink()
        status, output = "ran", target
    seconds = round(time.perf_counter() - start, 1)
    return {**params, "status": status, "output": str(output), "seconds": seconds}


def run_sweep(
    notebook: str | Path,
    grid: list[tuple[str, str]],
    *,
    out: str | Path | None = None,
    force: bool = False,
    timestamp: bool = False,
    progress: bool = True,
    workers: int | None = None,
    scheduler: str | None = None,
) -> list[dict]:
    """Execute every combination; returns one row per combination (params, status,
    output path, seconds), in the order of the grid. Outputs are written whole or not
    at all; combinations already done are skipped unless ``force``.

    By default the combinations run one after the other in this process. ``workers=N``
    runs them in parallel on a local Dask cluster of N single-threaded worker
    processes, one papermill execution per task; ``scheduler="tcp://host:8786"`` sends
    them to an existing Dask cluster instead, whose workers must see the same files
    (the book's checkout and the output folder) at the same paths."""
    notebook = Path(notebook).resolve()
    combos = plan(notebook, grid)  # raises before anything runs
    if workers is not None and (not isinstance(workers, int) or workers < 1):
        raise SweepError(f"workers={workers!r}: give a whole number of worker processes, 1 or more")
    folder = Path(out).resolve() if out else project_root() / "runs" / "sweeps" / notebook.stem
    folder.mkdir(parents=True, exist_ok=True)
    rows: list[dict | None] = []
    todo = []  # (index in rows, params, target)
    for params in combos:
        name = _run_name(params)
        if timestamp:
            name = f"{notebook.stem}-{name}-{time.strftime('%Y%m%d-%H%M%S')}"
        target = folder / f"{name}.ipynb"
        if target.exists() and not force:
            rows.append({**params, "status": "done before", "output": str(target), "seconds": None})
        else:
            todo.append((len(rows), params, str(target)))
            rows.append(None)
    if workers is None and scheduler is None:
        from tqdm.auto import tqdm

        for index, params, target in tqdm(
            todo, desc=notebook.stem, disable=not progress or len(todo) <= 1
        ):
            rows[index] = run_one(str(notebook), params, target)
    else:
        for index, row in _run_on_dask(str(notebook), todo, workers, scheduler, progress):
            rows[index] = row
    return rows


def _run_on_dask(notebook, todo, workers, scheduler, progress):
    """Run :func:`run_one` for each of ``todo`` on Dask; yields ``(index, row)`` as tasks
    finish. A local cluster is started (and closed) here unless ``scheduler`` names one."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover - dask is pinned in requirements.txt
        raise SweepError(
            "--workers and --scheduler need Dask: pip install 'dask[distributed]'"
        ) from None
    import contextlib

    with contextlib.ExitStack() as stack:
        if scheduler:
            client = stack.enter_context(Client(scheduler))
        else:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,  # one papermill kernel per worker at a time
                    processes=True,
                    dashboard_address=None,
                )
            )
            client = stack.enter_context(Client(cluster))
        futures = {
            client.submit(
                run_one, notebook, params, target, pure=False, key=f"sweep-{index}"
            ): index
            for index, params, target in todo
        }
        for done in as_completed(futures):
            row = done.result()
            if progress:
                print(
                    f"{Path(row['output']).name}: {row['status']} ({row['seconds']} s)", flush=True
                )
            yield futures[done], row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mnist_utils.sweep",
        description="Run a chapter for every combination of parameter values (papermill).",
    )
    parser.add_argument("notebook", help="e.g. chapters/09_activation_study.ipynb")
    parser.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUES"),
        help="comma-separated values, e.g. -p SEED 0,1,2",
    )
    parser.add_argument(
        "--out", help="folder for executed notebooks (default runs/sweeps/<chapter>)"
    )
    parser.add_argument("--force", action="store_true", help="run combinations already done")
    parser.add_argument(
        "--timestamp", action="store_true", help="name outputs with the time (a rerun never skips)"
    )
    parser.add_argument("--dry-run", action="store_true", help="check and list, run nothing")
    parser.add_argument(
        "--workers",
        type=int,
        help="run the combinations in parallel on a local Dask cluster of N worker processes",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run them on an existing Dask cluster, e.g. tcp://10.0.0.5:8786",
    )
    args = parser.parse_args(argv)
    if args.workers is not None and args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.workers is not None and args.scheduler:
        parser.error("--workers starts a local cluster; --scheduler uses an existing one: give one")
    try:
        if args.dry_run:
            for params in plan(Path(args.notebook), args.parameter):
                print(_run_name(params))
            return 0
        rows = run_sweep(
            args.notebook,
            args.parameter,
            out=args.out,
            force=args.force,
            timestamp=args.timestamp,
            workers=args.workers,
            scheduler=args.scheduler,
        )
    except SweepError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    import pandas as pd

    print(pd.DataFrame(rows).to_string(index=False))
    study_table(Path(args.notebook), args.parameter)
    return 1 if any(r["status"].startswith("failed") for r in rows) else 0


def study_table(notebook: Path, grid: list[tuple[str, str]]) -> None:
    """Print what the chapter's results record holds now (mean over seeds per
    configuration), so a sweep ends with the study's table."""
    from .results import load_results
    from .runtime import resolve_quick
    from .studies import summarize

    chapter = notebook.stem[:2]
    quick_values = {
        parse_value(v.strip()) for name, raw in grid if name == "QUICK" for v in str(raw).split(",")
    }
    for quick in sorted(quick_values or {resolve_quick(None)}, key=str):
        frame = load_results(bool(resolve_quick(quick)), chapter=chapter)
        mode = "quick" if resolve_quick(quick) else "full"
        if not len(frame):
            print(f"\nno results recorded for chapter {chapter} ({mode} mode)")
            continue
        config = [c for c in frame.columns if c.startswith("config.")]
        varying = [c for c in config if frame[c].astype(str).nunique() > 1] or config
        table = summarize(frame, by=[*varying, "model"] if "model" not in varying else varying)
        print(
            f"\nchapter {chapter}, {mode} mode: {len(frame)} recorded runs "
            f"(mean and std over seeds; every run recorded so far, not only this sweep's)"
        )
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))


if __name__ == "__main__":
    sys.exit(main())
