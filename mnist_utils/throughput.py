"""Timing the ways of feeding a PyTorch network (chapter 6).

Chapter 6 compares torchvision plus a ``DataLoader`` with batches sliced from tensors
in memory, with and without the ``channels_last`` memory layout. Two measurements
serve it: :func:`data_rate` times a data path alone, without a model, and
:func:`take_turns` races several paths fairly, by letting them train in turns, so
that a change in the machine's load hits every path alike.
"""

from __future__ import annotations

import time

__all__ = ["data_rate", "take_turns", "train_steps"]


def data_rate(batches, max_batches: int = 100) -> float:
    """Images per second of iterating ``batches`` (a ``DataLoader`` or
    ``TensorBatches``) for at most ``max_batches`` batches, with no model at all
    (chapter 6). Iterating a shuffling ``TensorBatches`` advances its epoch count."""
    if max_batches < 1:
        raise ValueError(f"max_batches must be at least 1, got {max_batches}")
    start, seen = time.perf_counter(), 0
    for i, (_, labels) in enumerate(batches):
        seen += len(labels)
        if i + 1 == max_batches:
            break
    if seen == 0:
        raise ValueError("the batches are empty: nothing to time")
    return seen / (time.perf_counter() - start)


def _endless(batches):
    """Batches forever, epoch after epoch (each epoch freshly shuffled)."""
    while True:
        yield from batches


def train_steps(model, optimizer, batches, n: int) -> int:
    """``n`` training steps (forward, cross-entropy, backward, update) on the next
    batches of the iterator ``batches``; returns the number of images seen."""
    import torch.nn.functional as F

    device = next(model.parameters()).device
    model.train()
    seen = 0
    for _ in range(n):
        images, labels = next(batches)
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()
        seen += len(labels)
    return seen


def take_turns(paths: dict, *, rounds: int, steps: int) -> dict[str, float]:
    """Race data paths fairly (chapter 6): ``paths`` maps a name to ``(model,
    optimizer, batches)``. In each of ``rounds`` rounds every path trains ``steps``
    batches in turn, after one untimed warm-up round (oneDNN prepares its
    convolutions on first use). Returns each path's images per second."""
    if rounds < 1 or steps < 1:
        raise ValueError(f"rounds and steps must be at least 1, got {rounds} and {steps}")
    streams = {
        name: (model, optimizer, _endless(batches))
        for name, (model, optimizer, batches) in paths.items()
    }
    seconds = dict.fromkeys(paths, 0.0)
    images = dict.fromkeys(paths, 0)
    for round_number in range(rounds + 1):
        for name, (model, optimizer, batches) in streams.items():
            start = time.perf_counter()
            seen = train_steps(model, optimizer, batches, steps)
            if round_number > 0:  # round 0 is the warm-up
                seconds[name] += time.perf_counter() - start
                images[name] += seen
    return {name: images[name] / seconds[name] for name in paths}
