"""Time to 99% test accuracy: the book's fast recipe against three public recipes (chapter 12).

* the book's recipe, ``mnist_utils.speed.book_recipe``: ``speed.fast_net`` (29,178
  parameters, the image cropped to 24 x 24), 0.9 of an epoch of Adam under a one-cycle
  schedule with label smoothing, bfloat16 where the processor has it, in-memory
  batches, trained on the 55,000 images left after the validation split;
* tuomaso/train_mnist_fast's final recipe (``peer_recipes.tuomaso_recipe``): a
  215,194-parameter network, one epoch of Adam under a one-cycle schedule, batches of
  256 from one tensor, 60,000 training images, evaluated once at the end;
* pytorch/examples' ``mnist/main.py`` (``peer_recipes.pytorch_examples_recipe``):
  Adadelta, batches of 64 from a ``DataLoader``, 60,000 training images, evaluated
  every epoch;
* keras.io's "Simple MNIST convnet" (``peer_recipes.keras_io_recipe``): Adam, batches
  of 128, ``validation_split=0.1`` of the 60,000 images, evaluated every epoch.

Each is timed from a cold start of its function (MNIST already cached on disk) to the
end of the first test evaluation that reaches the target; the last two stop at that
epoch. The book's recipe and tuomaso's run once per seed, interleaved (the book first
on even seeds, tuomaso first on odd ones) so that the machine's load falls on both
alike; the other two run once, after them. The goal (``speed.RACE_GOAL``) is a ratio,
since seconds differ between machines: the book's recipe reaches the target on at
least 9 of 10 seeds and its median time is at most half of tuomaso's, in the same run.
This is a benchmark, not a test: the figures depend on the machine and on whatever
else it is running.

    .venv/bin/python benchmarks/time_to_99.py                 # all four, 10 seeds
    .venv/bin/python benchmarks/time_to_99.py --skip-keras --skip-pytorch-examples
"""

from __future__ import annotations

import argparse
import math
import os
import platform

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from mnist_utils import load_splits, speed, torch_device
from mnist_utils.runtime import cpu_model, import_tensorflow

#: Each peer's command-line switch to leave it out.
SKIPS = {
    "tuomaso": "skip_tuomaso",
    "pytorch_examples": "skip_pytorch_examples",
    "keras_io": "skip_keras",
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--target", type=float, default=0.99, help="test accuracy to reach (default: 0.99)"
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=speed.RACE_GOAL.runs,
        help="seeds of the book's recipe and of tuomaso's (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=0, help="first seed (default: 0)")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="PyTorch CPU threads (default: PyTorch's own choice)",
    )
    parser.add_argument("--skip-tuomaso", action="store_true", help="leave out tuomaso's")
    parser.add_argument(
        "--skip-pytorch-examples", action="store_true", help="leave out pytorch/examples"
    )
    parser.add_argument("--skip-keras", action="store_true", help="leave out keras.io")
    args = parser.parse_args(argv)
    if not 0 < args.target <= 1:
        parser.error("--target is a test accuracy in (0, 1], e.g. 0.99")
    if args.seeds < 1:
        parser.error("--seeds must be at least 1")
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be at least 1")
    args.peers = [name for name in speed.PEER_RECIPES if not getattr(args, SKIPS[name])]
    return args


def verdict(figures: dict, goal: speed.RaceGoal = speed.RACE_GOAL) -> str:
    """The goal, what the race measured and whether it met the goal, a line each."""
    ratio = figures["book_over_tuomaso"]
    measured = f"{figures['fast_reached']} of {figures['fast_runs']} seeds reached the target; " + (
        "tuomaso's recipe did not run, so there is no time ratio"
        if math.isnan(ratio)
        else f"the book's median time is {ratio:.2f} times tuomaso's"
    )
    return (
        f"goal: the target on at least {goal.reached} of {goal.runs} seeds (or the same "
        f"share of another number) and at most {goal.time_ratio:g} times tuomaso's median "
        f"time\nmeasured: {measured}\n"
        f"goal met: {'yes' if goal.met(figures) else 'NO'}"
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    if "keras_io" in args.peers:
        import_tensorflow()  # before PyTorch's Triton, so both can share the process
    import torch

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch_device()
    print(
        f"Python {platform.python_version()}, torch {torch.__version__}, "
        f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, device {device}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"cpu: {cpu_model()}")
    print(f"target: {args.target:.1%} test accuracy\n", flush=True)

    splits = load_splits(5_000, args.seed)
    results = speed.race(
        splits.x_fit,
        splits.y_fit,
        splits.x_test,
        splits.y_test,
        seeds=range(args.seed, args.seed + args.seeds),
        peers=args.peers,
        target=args.target,
        device=device,
    )
    print()
    print(speed.race_table(results).to_string(index=False))
    print()
    print(speed.race_summary(results).to_string(float_format="{:.2f}".format))
    print(f"\nraced on: {cpu_model()}")
    print(verdict(speed.race_figures(results)))
    print("\nSeconds vary between machines and between runs on a busy machine.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
