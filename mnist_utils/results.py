"""The results record: one small JSON file per trained configuration (chapter 5).

Chapters write what they measured with :func:`record_result`; study chapters and the
book's scoreboard read it back with :func:`load_results`. Quick-mode runs go to their
own folder, so they can never mix with the full runs the site reports. The folder is
``runs/results/`` in the book's checkout (git-ignored), or ``$MNIST_BOOK_RESULTS``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
from pathlib import Path

from .files import atomic_write
from .runtime import project_root

__all__ = ["load_results", "record_result", "results_dir"]


def results_dir(quick: bool) -> Path:
    base = os.environ.get("MNIST_BOOK_RESULTS") or project_root() / "runs" / "results"
    return Path(base) / ("quick" if quick else "full")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", str(text)).strip("-").lower()


def record_result(
    *,
    chapter: str,
    model: str,
    framework: str,
    seed: int,
    quick: bool,
    test_accuracy: float,
    config: dict | None = None,
    **metrics,
) -> Path:
    """Write one run's result; the same chapter/model/framework/seed/config overwrites
    its earlier record. ``metrics`` are extra numbers (``train_seconds``, ``params``, …).
    Returns the file written."""
    if not 0 <= test_accuracy <= 1:
        raise ValueError(f"test_accuracy is a fraction in [0, 1], got {test_accuracy}")
    config = dict(config or {})
    for key, value in {**metrics, "test_accuracy": test_accuracy}.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{key} is {value}; record finite numbers only")
    record = {
        "chapter": chapter,
        "model": model,
        "framework": framework,
        "seed": seed,
        "quick": bool(quick),
        "config": config,
        "test_accuracy": float(test_accuracy),
        **{k: (v.item() if hasattr(v, "item") else v) for k, v in metrics.items()},
        "recorded_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    key = json.dumps([chapter, model, framework, seed, config], sort_keys=True, default=str)
    digest = hashlib.sha1(key.encode()).hexdigest()[:10]
    name = f"{_slug(chapter)}__{_slug(model)}__{_slug(framework)}__{digest}.json"
    return atomic_write(results_dir(quick) / name, json.dumps(record, indent=1, default=str))


def load_results(quick: bool = False, chapter: str | None = None):
    """All recorded results of one mode as a pandas DataFrame (config keys flattened
    into ``config.<key>`` columns), optionally for one chapter."""
    import pandas as pd

    rows = []
    for path in sorted(results_dir(quick).glob("*.json")):
        record = json.loads(path.read_text())
        if chapter is None or record["chapter"] == chapter:
            config = record.pop("config", {})
            rows.append({**record, **{f"config.{k}": v for k, v in config.items()}})
    return pd.DataFrame(rows)
