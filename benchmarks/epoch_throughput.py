"""Time one training epoch of the article000 CNN five ways (chapter 6).

(a)  article 004's data path: ``torchvision.datasets.MNIST`` with ``ToTensor()`` and
     ``Normalize`` (MNIST's mean and std), through a shuffled ``DataLoader``;
(b)  in memory: ``training.to_tensors`` once, then ``training.TensorBatches``
     (shuffled slices of one tensor);
(b+) the book's path, as ``training.fit`` runs it: (b) with the model in
     ``channels_last`` memory format;
(b+ act>pool) (b+) with each ReLU before its max-pool, in Keras' order
     (``models.torch_model(pool_first=False)``);
(c)  Keras: ``model.fit(..., epochs=1, verbose=0)`` on the images scaled to [0, 1].

All five train the same network (``models "article000"``, 225,034 parameters) with Adam
(learning rate 0.001) and cross-entropy, with the same batch size. The PyTorch paths run
the same loop (``training.train_epoch``): (a) and (b) differ only in how the batches are
made, (b) and (b+) only in the memory layout, (b+) and (b+ act>pool) only in the order of
ReLU and max-pool, which compute the same function in either order.
Each path first runs a few warm-up steps (Keras compiles its training step then), which
are not timed. The paths take turns, ``--repeats`` times (each time a fresh model from the
same seed), and each path's figure is the median of its epochs: on a shared machine a
single epoch per path can land on a busy moment, and the ratios between paths move by
tens of percent from one run to the next. The data paths alone, without a model, are
timed as well.

The target is that the book's PyTorch path (b+) is at least as fast as Keras fit (c),
same network, same run: the last line says YES or NO, with the ratio of their speeds.
Article000's PyTorch model pools before each ReLU of its conv layers (``models.torch_model``
explains why that is the same function with a quarter of the activations); the ratio of
(b+) to (b+ act>pool) measures what that buys.

The ratio of (b+) to the DataLoader path (a) is printed too, with the speed-up that
removing the data cost alone should give, but it is no longer a target: on a CPU the
training step's own cost (forward, backward, update) bounds it. The in-memory data can
remove at most the DataLoader's cost per image, so the cheaper the step, the larger the
ratio, and no fixed factor holds on every machine.

This is a benchmark, not a test: the figures depend on the machine, on the number of
threads and on whatever else is running, so run it more than once before believing a
difference. The header names the processor.

    .venv/bin/python benchmarks/epoch_throughput.py                 # all 60,000 images
    .venv/bin/python benchmarks/epoch_throughput.py --limit 10000   # a quicker sample
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

# Keep TensorFlow's C++ start-up messages out of the report.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from mnist_utils import load_mnist, models, seed_everything, torch_device, training
from mnist_utils.runtime import cpu_model, import_tensorflow

WARMUP_BATCHES = 3


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--limit",
        "--epochs-sample",
        dest="limit",
        type=int,
        default=60_000,
        metavar="N",
        help="time the epoch on the first N training images (default: all 60,000)",
    )
    parser.add_argument("--batch-size", type=int, default=128, help="default: 128")
    parser.add_argument(
        "--data-batches",
        type=int,
        default=100,
        metavar="B",
        help="batches for the data-only timings (default: 100)",
    )
    parser.add_argument(
        "--num-workers",
        type=int,
        default=0,
        help="DataLoader worker processes for (a) (default: 0)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="PyTorch CPU threads (default: PyTorch's own choice)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        default=3,
        metavar="R",
        help="time every path R times, taking turns, and report the median (default: 3)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-keras", action="store_true", help="time (a) and (b) only")
    args = parser.parse_args(argv)
    if not 1 <= args.limit <= 60_000:
        parser.error("--limit must be between 1 and 60000")
    if args.batch_size < 1 or args.data_batches < 1 or args.num_workers < 0:
        parser.error("--batch-size and --data-batches must be positive, --num-workers non-negative")
    if args.threads is not None and args.threads < 1:
        parser.error("--threads must be at least 1")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def data_only(batches, max_batches: int) -> float:
    """Images per second of iterating ``batches`` without a model."""
    start, seen = time.perf_counter(), 0
    for i, (_, labels) in enumerate(batches):
        seen += len(labels)
        if i + 1 == max_batches:
            break
    return seen / (time.perf_counter() - start)


def torch_epoch(batches, warmup, args, device, channels_last=False, pool_first=None) -> float:
    """Seconds for one epoch over ``batches`` of a fresh article000 (after warm-up steps)."""
    import torch

    seed_everything(args.seed, frameworks=("torch",))
    net = models.torch_model("article000", pool_first=pool_first).to(device)
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    training.train_epoch(net, warmup, optimizer, loss_fn, device)
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    training.train_epoch(net, batches, optimizer, loss_fn, device)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def keras_epoch(x, y, args) -> float:
    """Seconds for one ``model.fit`` epoch of article000 in Keras (after warm-up steps)."""
    import keras

    seed_everything(args.seed, frameworks=("tensorflow",))
    net = models.keras_model("article000")
    net.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="sparse_categorical_crossentropy"
    )
    images = (x[..., None] / 255).astype("float32")
    warm = WARMUP_BATCHES * args.batch_size
    net.fit(images[:warm], y[:warm], batch_size=args.batch_size, epochs=1, verbose=0)
    start = time.perf_counter()
    net.fit(images, y, batch_size=args.batch_size, epochs=1, verbose=0)
    return time.perf_counter() - start


def keras_target(book_seconds: float, keras_seconds: float) -> str:
    """The target line: YES when the book's path (b+) took no longer than Keras fit (c)
    for the same epoch, with the ratio of their speeds (above 1: the book's path is
    faster)."""
    ratio = keras_seconds / book_seconds
    verdict = "YES" if ratio >= 1 else "NO"
    return (
        f"the book's PyTorch path is at least as fast as Keras fit: {verdict} "
        f"({ratio:.2f}x Keras' images per second)"
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.skip_keras:
        import_tensorflow()  # loads PyTorch's Triton first, so both can share the process
    import torch
    from torch.utils.data import DataLoader, Subset

    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = torch_device()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"CPU: {cpu_model()}")
    print(
        f"Python {platform.python_version()}, torch {torch.__version__}, "
        f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, "
        f"device {device}, load average {load:.1f}"
    )
    print(
        f"one epoch of article000 on {args.limit:,} training images, "
        f"batch size {args.batch_size}, Adam 1e-3; the median of {args.repeats} epoch(s) "
        "per path, the paths taking turns\n"
    )

    (x_train, y_train), _ = load_mnist()
    x, y = x_train[: args.limit], y_train[: args.limit]

    # (a) torchvision + DataLoader, as article 004 feeds its model
    train_loader, _ = training.torchvision_loaders(args.batch_size, seed=args.seed)
    dataset = train_loader.dataset
    if args.limit < len(dataset):
        dataset = Subset(dataset, range(args.limit))
    loader = DataLoader(
        dataset,
        batch_size=args.batch_size,
        shuffle=True,
        num_workers=args.num_workers,
        generator=torch.Generator().manual_seed(args.seed),
    )
    # (b) the book's in-memory batches
    images, labels = training.to_tensors(x, y, device=device)
    batches = training.TensorBatches(images, labels, args.batch_size, shuffle=True, seed=args.seed)
    warmup = training.TensorBatches(
        images[: WARMUP_BATCHES * args.batch_size],
        labels[: WARMUP_BATCHES * args.batch_size],
        args.batch_size,
    )

    rate_data_a = data_only(loader, args.data_batches)
    rate_data_b = data_only(batches, args.data_batches)
    paths = {
        "(a) DataLoader": lambda: torch_epoch(loader, warmup, args, device),
        "(b) in memory": lambda: torch_epoch(batches, warmup, args, device),
        "(b+) + chan_last": lambda: torch_epoch(batches, warmup, args, device, channels_last=True),
        "(b+ act>pool)": lambda: torch_epoch(
            batches, warmup, args, device, channels_last=True, pool_first=False
        ),
    }
    if not args.skip_keras:
        paths["(c) Keras fit"] = lambda: keras_epoch(x, y, args)
    runs = {name: [] for name in paths}
    for _ in range(args.repeats):  # the paths take turns, so a change of load hits them all
        for name, epoch in paths.items():
            runs[name].append(epoch())
    seconds = {name: statistics.median(times) for name, times in runs.items()}

    print(f"{'path':16s} {'epoch s':>9s} {'images/s':>10s}   images/s of each epoch")
    for name, s in seconds.items():
        each = ", ".join(f"{args.limit / t:,.0f}" for t in runs[name])
        print(f"{name:16s} {s:9.1f} {args.limit / s:10,.0f}   {each}")
    print(
        f"\ndata only, no model ({args.data_batches} batches): DataLoader "
        f"{rate_data_a:,.0f} images/s, in memory {rate_data_b:,.0f} images/s "
        f"({rate_data_b / rate_data_a:,.0f}x)"
    )

    ratio = seconds["(a) DataLoader"] / seconds["(b) in memory"]
    layout = seconds["(b) in memory"] / seconds["(b+) + chan_last"]
    book = seconds["(a) DataLoader"] / seconds["(b+) + chan_last"]
    print(f"\nin memory vs DataLoader (same layout): {ratio:.2f}x faster per epoch")
    print(f"channels_last vs the default layout (in memory): {layout:.2f}x")
    order = seconds["(b+ act>pool)"] / seconds["(b+) + chan_last"]
    print(f"max-pool before ReLU vs after it (b+ vs b+ act>pool): {order:.2f}x")
    print(f"the book's path (b+) vs the DataLoader path (a): {book:.2f}x")
    data_us, step_us = 1e6 / rate_data_a, 1e6 * seconds["(b) in memory"] / args.limit
    print(
        f"the DataLoader costs about {data_us:.0f} us per image and the training step "
        f"{step_us:.0f} us, so removing the data cost should give about "
        f"{(data_us + step_us) / step_us:.2f}x; a measured ratio far from that usually means the "
        f"machine's load changed during the run"
    )
    if not args.skip_keras:
        print("\n" + keras_target(seconds["(b+) + chan_last"], seconds["(c) Keras fit"]))
    else:
        print("\nthe book's PyTorch path against Keras fit: not measured (--skip-keras)")
    print("\nFigures vary between machines and between runs on a busy machine.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
