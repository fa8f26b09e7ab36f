"""How the book's race recipe was chosen: candidates against tuomaso's, on the validation split.

Every setting of ``mnist_utils.speed.book_recipe`` was chosen here, never on the test set
(chapter 12). Each candidate trains on the 55,000 images left after the validation split
and is scored on the 5,000 validation images; tuomaso/train_mnist_fast's final recipe
(``peer_recipes.tuomaso_recipe``) runs beside them on the same images. For every seed
the candidates and tuomaso's recipe run one after the other, the order rotated from
seed to seed, so the machine's load falls on all of them alike.

The rule, fixed before the runs: among the candidates whose median time is at most
``--ratio`` (0.5) of tuomaso's median, the one with the highest mean validation
accuracy. The script prints each candidate's median time, its ratio to tuomaso's, its
mean and lowest validation accuracy, the one the rule picks, and whether that is the
book's default recipe. The selection for the book used seeds 100-115
(``--seeds 16 --first-seed 100``, about an hour on a 2-core CPU); the default, 3 seeds,
takes a few minutes.

    .venv/bin/python benchmarks/choose_race_recipe.py
    .venv/bin/python benchmarks/choose_race_recipe.py --seeds 16 --first-seed 100
    .venv/bin/python benchmarks/choose_race_recipe.py --only default,full_image
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from mnist_utils import load_splits, peer_recipes, speed, torch_device
from mnist_utils.runtime import cpu_model

#: The candidates: keyword arguments of ``speed.book_recipe`` over its defaults.
CANDIDATES = {
    "default": {},
    "full_image": {"model_fn": functools.partial(speed.fast_net, crop=0)},
    "one_epoch": {"epochs": 1.0},
    "no_smoothing": {"label_smoothing": 0.0},
    "lr_0.01": {"lr": 0.01},
    "lr_0.03": {"lr": 0.03},
    "batch_256": {"batch_size": 256},
    "float32": {"precision": "float32"},
    "sgd_nesterov": {"optimizer": "sgd", "lr": 0.2, "epochs": 1.0, "label_smoothing": 0.0},
}
TUOMASO = "tuomaso"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds per candidate (default: 3)")
    parser.add_argument("--first-seed", type=int, default=100, help="first seed (default: 100)")
    parser.add_argument(
        "--ratio",
        type=float,
        default=speed.RACE_GOAL.time_ratio,
        help="the largest median time, as a share of tuomaso's (default: %(default)s)",
    )
    parser.add_argument(
        "--only", default=None, help="comma-separated candidates (default: all of them)"
    )
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")
    if not 0 < args.ratio <= 10:
        parser.error("--ratio is a share of tuomaso's time, e.g. 0.5")
    names = list(CANDIDATES) if args.only is None else args.only.split(",")
    unknown = [name for name in names if name not in CANDIDATES]
    if unknown:
        parser.error(f"not a candidate: {', '.join(unknown)}; choose from {', '.join(CANDIDATES)}")
    args.candidates = names
    return args


def summarise(runs: dict[str, list[tuple[float, float]]]) -> dict[str, dict]:
    """Per recipe: median seconds, mean and lowest accuracy, from ``(seconds, accuracy)`` runs;
    the ratio of each median to tuomaso's."""
    rows = {}
    for name, pairs in runs.items():
        seconds = [s for s, _ in pairs]
        accuracies = [a for _, a in pairs]
        rows[name] = {
            "median_s": statistics.median(seconds),
            "mean_acc": statistics.fmean(accuracies),
            "min_acc": min(accuracies),
        }
    base = rows[TUOMASO]["median_s"]
    for row in rows.values():
        row["ratio"] = row["median_s"] / base
    return rows


def choose(rows: dict[str, dict], ratio: float) -> str | None:
    """The candidate (not tuomaso) with the highest mean accuracy among those whose median
    time is at most ``ratio`` of tuomaso's; None when no candidate is fast enough."""
    fast = {n: r for n, r in rows.items() if n != TUOMASO and r["ratio"] <= ratio}
    return max(fast, key=lambda n: fast[n]["mean_acc"]) if fast else None


def main(argv=None) -> int:
    args = parse_args(argv)
    device = torch_device()
    print(f"cpu: {cpu_model()}, device {device}")
    splits = load_splits(5_000, 0)
    x, y, x_val, y_val = splits.x_fit, splits.y_fit, splits.x_val, splits.y_val
    recipes = {
        TUOMASO: functools.partial(peer_recipes.tuomaso_recipe, device=device),
        **{
            name: functools.partial(speed.book_recipe, device=device, **CANDIDATES[name])
            for name in args.candidates
        },
    }
    runs = {name: [] for name in recipes}
    names = list(recipes)
    for k, seed in enumerate(range(args.first_seed, args.first_seed + args.seeds)):
        shift = k % len(names)
        for name in names[shift:] + names[:shift]:
            result = recipes[name](x, y, x_val, y_val, seed=seed)
            runs[name].append((result.seconds, result.accuracy))
            print(
                f"seed {seed}  {name:14s} {result.seconds:6.2f} s  "
                f"validation {result.accuracy:.2%}",
                flush=True,
            )
    rows = summarise(runs)
    print(f"\n{'recipe':14s} {'median s':>9s} {'x tuomaso':>10s} {'mean val':>9s} {'lowest':>8s}")
    for name, row in rows.items():
        print(
            f"{name:14s} {row['median_s']:9.2f} {row['ratio']:10.2f} "
            f"{row['mean_acc']:9.2%} {row['min_acc']:8.2%}"
        )
    chosen = choose(rows, args.ratio)
    print(f"\nrule: the highest mean validation accuracy at most {args.ratio:g} x tuomaso's time")
    if chosen is None:
        print("chosen: none of the candidates is fast enough on this machine")
    else:
        print(
            f"chosen: {chosen}"
            + (
                " (the book's default recipe)"
                if chosen == "default"
                else " (not the book's default: see the figures above)"
            )
        )
    print(f"cpu: {cpu_model()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
