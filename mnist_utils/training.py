"""A plain PyTorch training loop and two ways to feed it (chapter 6).

The loop is the one from pytorch/examples, written out so it reads in one screen:
``train_epoch`` (forward, loss, backward, step), ``evaluate`` (no gradients) and
``fit`` (epochs of both, a history dict, optional scheduler).

The data comes either through ``torchvision.datasets.MNIST`` and a ``DataLoader``
(PIL image -> transform -> tensor, one sample at a time, as article 004 does) or, much
faster, from :class:`TensorBatches`: the whole set normalised once into one tensor and
sliced into shuffled batches.
"""

from __future__ import annotations

import math
import time

import numpy as np

__all__ = [
    "MNIST_MEAN",
    "MNIST_STD",
    "TensorBatches",
    "evaluate",
    "fit",
    "predict_logits",
    "to_tensors",
    "torchvision_loaders",
    "train_epoch",
]

#: Training-set pixel mean and standard deviation (computed in chapter 2).
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


def to_tensors(x, y=None, *, mean=MNIST_MEAN, std=MNIST_STD, device=None):
    """uint8 images ``(N, 28, 28)`` -> normalised float32 ``(N, 1, 28, 28)`` tensor
    (and int64 labels), in one vectorised step."""
    import torch

    x = np.asarray(x)
    if x.ndim != 3 or x.shape[1:] != (28, 28):
        raise ValueError(f"expected images of shape (N, 28, 28), got {x.shape}")
    # copy=True: a float32 array would otherwise share its memory with the tensor and be
    # normalised in place
    images = torch.from_numpy(x).to(device=device, dtype=torch.float32, copy=True).div_(255)
    images = images.sub_(mean).div_(std).unsqueeze(1)
    if y is None:
        return images
    return images, torch.as_tensor(np.asarray(y), dtype=torch.int64, device=device)


class TensorBatches:
    """Minibatches sliced from tensors held in memory (or on the GPU).

    Iterating gives ``(images, labels)`` batches like a ``DataLoader`` does; with
    ``shuffle=True`` the order is drawn from a generator seeded with ``seed`` plus
    the epoch number, so a run is reproducible and every epoch differs. The epoch
    number lives in the object and keeps counting across ``fit`` calls, so that
    training on continues with new orders; to train another model on the same
    orders, make a new ``TensorBatches`` (or set ``epoch = 0``).
    """

    def __init__(
        self,
        images,
        labels,
        batch_size: int = 128,
        *,
        shuffle: bool = False,
        seed: int = 0,
        drop_last: bool = False,
    ):
        if len(images) != len(labels):
            raise ValueError(f"{len(images)} images but {len(labels)} labels")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.images, self.labels = images, labels
        self.batch_size, self.shuffle, self.drop_last = batch_size, shuffle, drop_last
        self.seed, self.epoch = seed, 0
        self.dataset = images  # len(loader.dataset), as with a DataLoader

    def __len__(self) -> int:
        n, b = len(self.images), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self):
        import torch

        n = len(self.images)
        if self.shuffle:
            generator = torch.Generator().manual_seed(self.seed + self.epoch)
            order = torch.randperm(n, generator=generator).to(self.images.device)
            self.epoch += 1
        else:
            order = None
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            index = slice(start, start + self.batch_size)
            if order is None:
                yield self.images[index], self.labels[index]
            else:
                picked = order[index]
                yield self.images[picked], self.labels[picked]


def torchvision_loaders(
    batch_size: int = 64,
    *,
    mean=MNIST_MEAN,
    std=MNIST_STD,
    root=None,
    num_workers: int = 0,
    seed: int = 0,
):
    """Train and test ``DataLoader``s over ``torchvision.datasets.MNIST`` with
    ``ToTensor()`` and ``Normalize`` (the idiomatic, per-sample path; no network)."""
    import torch
    from torchvision import datasets, transforms

    from .data import prepare_torchvision_root

    root = prepare_torchvision_root(root)
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((mean,), (std,))])
    train = datasets.MNIST(root, train=True, download=False, transform=transform)
    test = datasets.MNIST(root, train=False, download=False, transform=transform)
    generator = torch.Generator().manual_seed(seed)
    return (
        torch.utils.data.DataLoader(
            train, batch_size=batch_size, shuffle=True, num_workers=num_workers, generator=generator
        ),
        torch.utils.data.DataLoader(test, batch_size=1000, num_workers=num_workers),
    )


def _progress(iterable, enabled: bool, desc: str):
    if not enabled:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, desc=desc, leave=False)


def train_epoch(
    model, batches, optimizer, loss_fn, device, *, progress=False, desc="train", scheduler=None
):
    """One pass over ``batches``; returns mean loss and accuracy on them.

    ``scheduler``, if given, is stepped after every batch: the per-step schedules of
    chapters 12 and 13 (``torch.optim.lr_scheduler.OneCycleLR``) need that."""
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for images, labels in _progress(batches, progress, desc):
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        logits = model(images)
        loss = loss_fn(logits, labels)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        total_loss += loss.item() * len(labels)
        correct += (logits.argmax(1) == labels).sum().item()
        seen += len(labels)
    return total_loss / seen, correct / seen


def evaluate(model, batches, loss_fn, device):
    """Mean loss and accuracy of ``model`` on ``batches``, without gradients."""
    import torch

    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for images, labels in batches:
            images, labels = images.to(device), labels.to(device)
            logits = model(images)
            total_loss += loss_fn(logits, labels).item() * len(labels)
            correct += (logits.argmax(1) == labels).sum().item()
            seen += len(labels)
    return total_loss / seen, correct / seen


def fit(
    model,
    train_batches,
    val_batches,
    optimizer,
    *,
    epochs: int,
    device,
    loss_fn=None,
    scheduler=None,
    progress: bool = True,
    verbose: bool = True,
    channels_last: bool = True,
    patience: int | None = None,
    restore_best: bool = True,
    min_delta: float = 0.0,
    scheduler_step: str = "epoch",
    on_epoch=None,
):
    """Train for ``epochs`` and return the history: per-epoch ``loss``, ``accuracy``,
    ``val_loss``, ``val_accuracy`` and ``seconds`` (Keras' names, so the same plots
    serve both frameworks). ``scheduler.step()`` runs after every epoch, or after every
    batch with ``scheduler_step="batch"`` (chapter 13's one-cycle schedule).
    ``val_batches=None`` skips the evaluation after each epoch (its entries are then
    NaN); early stopping needs it.

    ``channels_last=True`` stores the conv weights in NHWC order in memory (the
    tensors keep their NCHW shape), which oneDNN's CPU convolutions run about 1.3x
    faster on this book's CNNs; ``benchmarks/epoch_throughput.py`` measures it. A
    model whose ``forward`` flattens with ``x.view(...)`` cannot take that layout:
    use ``torch.flatten(x, 1)`` there, or pass ``channels_last=False``.

    Early stopping (chapter 11), off by default: with ``patience=k`` training stops
    after ``k`` epochs in a row whose ``val_loss`` is not below the best so far by
    more than ``min_delta``; with ``restore_best=True`` the model then gets back the
    weights of its best epoch. The history then also holds ``best_epoch`` (1-based)
    and ``stopped_early`` (a bool); its per-epoch lists cover the epochs that ran.

    ``on_epoch(epoch, model, history)``, if given, is called after each epoch has
    been evaluated and added to the history (``epoch`` counts from 1): a study
    measures the model there (chapter 9's gradient norms after epoch 1) instead of
    calling ``fit`` one epoch at a time and merging the histories.
    """
    import copy

    import torch

    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if patience is not None and (
        isinstance(patience, bool) or not isinstance(patience, int) or patience < 1
    ):
        raise ValueError(
            f"patience must be None (no early stopping) or a whole number "
            f">= 1 of epochs, got {patience!r}"
        )
    if not min_delta >= 0:
        raise ValueError(f"min_delta must be >= 0, got {min_delta!r}")
    if scheduler_step not in ("epoch", "batch"):
        raise ValueError(f"scheduler_step must be 'epoch' or 'batch', got {scheduler_step!r}")
    if patience is not None and val_batches is None:
        raise ValueError(
            "early stopping (patience=...) watches the validation loss: pass val_batches"
        )
    best_loss, best_epoch, best_state, stopped = float("inf"), 0, None, False
    loss_fn = loss_fn or torch.nn.CrossEntropyLoss()
    model.to(device, memory_format=torch.channels_last if channels_last else None)
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": [], "seconds": []}
    try:
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            try:
                loss, acc = train_epoch(
                    model,
                    train_batches,
                    optimizer,
                    loss_fn,
                    device,
                    progress=progress,
                    desc=f"epoch {epoch}/{epochs}",
                    scheduler=scheduler if scheduler_step == "batch" else None,
                )
            except RuntimeError as error:
                if channels_last and "view size is not compatible" in str(error):
                    raise RuntimeError(
                        "the model's forward() calls .view() on a channels_last feature "
                        "map; flatten with torch.flatten(x, 1) (or .reshape) instead, or "
                        "call fit(..., channels_last=False)"
                    ) from error
                raise
            if scheduler is not None and scheduler_step == "epoch":
                scheduler.step()
            seconds = time.perf_counter() - start
            val_loss, val_acc = (
                evaluate(model, val_batches, loss_fn, device)
                if val_batches is not None
                else (math.nan, math.nan)
            )
            for key, value in zip(history, (loss, acc, val_loss, val_acc, seconds)):
                history[key].append(value)
            if verbose:
                val = (
                    f"val_loss {val_loss:.4f}  val_acc {val_acc:.4f}  "
                    if val_batches is not None
                    else ""
                )
                print(
                    f"epoch {epoch:2d}/{epochs}  loss {loss:.4f}  acc {acc:.4f}  "
                    f"{val}({seconds:.1f} s)"
                )
            if on_epoch is not None:
                on_epoch(epoch, model, history)
            if patience is None:
                continue
            if val_loss < best_loss - min_delta:
                best_loss, best_epoch = val_loss, epoch
                if restore_best:
                    best_state = copy.deepcopy(model.state_dict())
            elif epoch - best_epoch >= patience:
                stopped = epoch < epochs
                break
        if patience is not None:
            if restore_best and best_state is not None:
                model.load_state_dict(best_state)
            history["best_epoch"], history["stopped_early"] = best_epoch, stopped
            if verbose:
                what = "stopped early" if stopped else "ran every epoch"
                kept = "restored" if restore_best else "kept the last epoch, not"
                print(
                    f"early stopping: {what}; {kept} the best epoch "
                    f"({best_epoch}, val_loss {best_loss:.4f})"
                )
    finally:
        if channels_last:  # hand the model back in the usual layout
            model.to(memory_format=torch.contiguous_format)
    return history


def predict_logits(model, images, device, batch_size: int = 1000):
    """Logits for a tensor of images, batch by batch, as a NumPy array."""
    import torch

    model.eval()
    outputs = []
    with torch.no_grad():
        for start in range(0, len(images), batch_size):
            outputs.append(model(images[start : start + batch_size].to(device)).cpu())
    return torch.cat(outputs).numpy()
