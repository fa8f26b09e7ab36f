"""Training chapter 4's NumPy CNN for several epochs, with a validation score after
each one (chapter 4).

One epoch is :func:`mnist_utils.numpy_cnn.train_epoch`, which the chapter prints;
:func:`fit` repeats it, times it and keeps the history that the chapter plots.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .checks import whole_number

__all__ = ["History", "fit"]


@dataclass
class History:
    """What :func:`fit` measured. ``epoch``, ``val_acc`` and ``val_loss`` start with
    epoch 0, the untrained network; ``batch_losses`` holds one array per epoch (each
    minibatch's loss, scored just before its update); ``epoch_seconds`` the training
    time of each epoch, validation excluded."""

    epoch: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    batch_losses: list = field(default_factory=list)
    epoch_seconds: list = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """The training time of all epochs together."""
        return float(sum(self.epoch_seconds))


def fit(
    model,
    optimizer,
    fit_data,
    val_data,
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    verbose: bool = True,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``fit_data`` (images, labels) in
    minibatches shuffled by a generator seeded with ``seed``, scoring ``val_data``
    before training and after every epoch (chapter 4). Prints one line per epoch."""
    from .numpy_cnn import train_epoch

    epochs = whole_number("epochs", epochs, minimum=1)
    batch_size = whole_number("batch_size", batch_size, minimum=1)
    (x_fit, y_fit), (x_val, y_val) = fit_data, val_data
    shuffle_rng = np.random.default_rng(seed)
    history = History()

    def score(epoch):
        acc, loss = model.evaluate(x_val, y_val)
        history.epoch.append(epoch)
        history.val_acc.append(acc)
        history.val_loss.append(loss)

    score(0)
    if verbose:
        print(f"epoch 0: validation accuracy {history.val_acc[0]:.4f} (untrained)")
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        losses = train_epoch(model, optimizer, x_fit, y_fit, batch_size, shuffle_rng)
        history.epoch_seconds.append(time.perf_counter() - start)
        history.batch_losses.append(losses)
        score(epoch)
        if verbose:
            print(
                f"epoch {epoch}: train loss {losses.mean():.4f}, "
                f"validation loss {history.val_loss[-1]:.4f}, "
                f"accuracy {history.val_acc[-1]:.4f}, {history.epoch_seconds[-1]:.1f} s"
            )
    return history
