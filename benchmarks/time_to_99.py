"""Time to 99% test accuracy: the book's fast recipe against two public recipes (chapter 12).

* the book's recipe, ``mnist_utils.speed.book_recipe``: ``speed.fast_net`` (29,178
  parameters), one epoch of SGD + Nesterov under a one-cycle schedule, in-memory
  batches, trained on the 55,000 images left after the validation split;
* pytorch/examples' ``mnist/main.py`` (``speed.pytorch_examples_recipe``): Adadelta,
  batches of 64 from a ``DataLoader``, 60,000 training images, evaluated every epoch;
* keras.io's "Simple MNIST convnet" (``speed.keras_io_recipe``): Adam, batches of 128,
  ``validation_split=0.1`` of the 60,000 images, evaluated every epoch.

Each is timed from a cold start of its function (MNIST already cached on disk) to the
end of the first test evaluation that reaches the target; the public recipes stop at
that epoch. This is a benchmark, not a test: the figures depend on the machine and on
whatever else it is running.

    .venv/bin/python benchmarks/time_to_99.py                 # all three, 3 book runs
    .venv/bin/python benchmarks/time_to_99.py --skip-keras    # no TensorFlow needed
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from mnist_utils import load_splits, speed, torch_device
from mnist_utils.runtime import import_tensorflow

TARGET_SECONDS = 15.0  # the book's goal for its own recipe on a 2-core CPU


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--target", type=float, default=0.99, help="test accuracy to reach (default: 0.99)"
    )
    parser.add_argument(
        "--book-runs", type=int, default=3, help="seeds of the book's recipe (default: 3)"
    )
    parser.add_argument("--seed", type=int, default=0, help="first seed (default: 0)")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="PyTorch CPU threads (default: PyTorch's own choice)",
    )
    parser.add_argument("--skip-keras", action="store_true", help="leave out keras.io")
    parser.add_argument(
        "--skip-pytorch-examples", action="store_true", help="leave out pytorch/examples"
    )
    args = parser.parse_args(argv)
    if not 0 < args.target <= 1:
        parser.error("--target is a test accuracy in (0, 1], e.g. 0.99")
    if args.book_runs < 1:
        parser.error("--book-runs must be at least 1")
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be at least 1")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.skip_keras:
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
    print(f"target: {args.target:.1%} test accuracy\n", flush=True)

    splits = load_splits(5_000, args.seed)
    peers = [
        name
        for name, skip in (
            ("pytorch_examples", args.skip_pytorch_examples),
            ("keras_io", args.skip_keras),
        )
        if not skip
    ]
    results = speed.race(
        splits.x_fit,
        splits.y_fit,
        splits.x_test,
        splits.y_test,
        seeds=range(args.seed, args.seed + args.book_runs),
        peers=peers,
        target=args.target,
        device=device,
    )
    table = speed.race_table(results)
    print()
    print(table.to_string(index=False))

    book = [r for r in results if speed.is_book(r)]
    peers = [r for r in results if not speed.is_book(r)]
    median = statistics.median(r.seconds for r in book)
    reached = sum(r.reached for r in book)
    print(
        f"\nbook's recipe: median {median:.1f} s over {len(book)} run(s), reached the "
        f"target in {reached} of them"
    )
    met = reached == len(book) and max(r.seconds for r in book) <= TARGET_SECONDS
    print(
        f"every run reached {args.target:.1%} within {TARGET_SECONDS:.0f} s: "
        f"{'yes' if met else 'NO'}"
    )
    for r in peers:
        verdict = "" if r.reached else f" (never reached {args.target:.1%})"
        print(f"{r.recipe}: {r.seconds / median:.1f}x the book's median time{verdict}")
    print("\nFigures vary between machines and between runs on a busy machine.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
