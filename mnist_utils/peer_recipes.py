"""The public recipes chapter 12 races against.

Each is a published script's network and training, redone as one function that takes
the race's rules (a cold start, timed from its first line to the end of the test
evaluation that first shows ``target``) and returns a :class:`~mnist_utils.speed.RaceResult`:

* :func:`tuomaso_recipe`: tuomaso/train_mnist_fast's ``8_Final_00s76.ipynb`` (MIT), the
  fastest of them as published: :func:`tuomaso_net`, one epoch of Adam under a one-cycle
  learning rate, batches of 256 sliced from one tensor shuffled once;
* :func:`pytorch_examples_recipe`: pytorch/examples' ``mnist/main.py`` (Adadelta,
  batches of 64 from a ``DataLoader``), evaluated after every epoch and stopped at the
  first that reaches ``target``;
* :func:`keras_io_recipe`: keras.io's "Simple MNIST convnet" (Adam, batches of 128,
  ``validation_split=0.1``), stopped the same way by a callback.

:func:`mnist_utils.speed.race` runs them beside the book's recipe; :data:`PEER_NAMES`
names them.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from . import metrics

if TYPE_CHECKING:
    from .speed import RaceResult

__all__ = [
    "PEER_NAMES",
    "keras_io_net",
    "keras_io_recipe",
    "pytorch_examples_net",
    "pytorch_examples_recipe",
    "tuomaso_net",
    "tuomaso_recipe",
]

#: Each public recipe's key (what :func:`mnist_utils.speed.race`'s ``peers`` takes)
#: and the name its results carry.
PEER_NAMES = {
    "tuomaso": "tuomaso/train_mnist_fast",
    "pytorch_examples": "pytorch/examples",
    "keras_io": "keras.io",
}


# ------------------------------------------------------- tuomaso's recipe


def tuomaso_net():
    """tuomaso/train_mnist_fast's final network (``8_Final_00s76.ipynb``, MIT), layer
    for layer: a 5 x 5 convolution (24), max-pool, ReLU, a 3 x 3 convolution (32),
    max-pool, ReLU, a dense layer of 256 on the 32 x 5 x 5 map, 10 outputs with
    ``log_softmax`` (215,194 parameters). As in the script, each pool comes before
    its ReLU (the same result, on a quarter of the values)."""
    from collections import OrderedDict

    from torch import nn

    return nn.Sequential(
        OrderedDict(
            [
                ("conv1", nn.Conv2d(1, 24, 5, 1)),
                ("pool1", nn.MaxPool2d(2)),
                ("act1", nn.ReLU()),
                ("conv2", nn.Conv2d(24, 32, 3, 1)),
                ("pool2", nn.MaxPool2d(2)),
                ("act2", nn.ReLU()),
                ("flatten", nn.Flatten()),
                ("fc1", nn.Linear(800, 256)),
                ("act3", nn.ReLU()),
                ("fc2", nn.Linear(256, 10)),
                ("log_softmax", nn.LogSoftmax(dim=1)),
            ]
        )
    )


def tuomaso_recipe(
    x_train,
    y_train,
    x_test,
    y_test,
    *,
    seed: int = 0,
    target: float = 0.99,
    epochs: int = 1,
    device=None,
) -> RaceResult:
    """tuomaso/train_mnist_fast's final recipe on uint8 images, evaluated once at the end.

    As its ``8_Final_00s76.ipynb`` does: the images normalised with
    ``(0.1307,), (0.3081,)`` and shuffled once into one tensor on the device (the
    script saves them shuffled; here a generator seeded with ``seed`` permutes
    them); :func:`tuomaso_net`; batches of 256 sliced from that tensor in the same
    order every epoch, the last one partial; Adam with learning rate 0.01 and betas
    (0.7, 0.9); ``OneCycleLR`` to a peak of 0.01 over all the steps, without momentum
    cycling, stepped every batch; the negative log-likelihood loss; ``epochs`` 1. The
    test images are evaluated in batches of 2,000 (the script's loop drops a partial
    last batch; MNIST's 10,000 test images have none). The script's published 0.76 s
    times training and evaluation with the data already on the GPU; here, as for the
    other recipes, the clock also runs while the arrays become tensors.
    """
    import torch

    from .models import count_parameters
    from .runtime import seed_everything, torch_device
    from .speed import RaceResult, _check_race
    from .training import predict_logits, to_tensors

    _check_race(target, epochs)
    if len(x_train) != len(y_train):
        raise ValueError(
            f"{len(x_train)} training images but {len(y_train)} labels: give one label per image"
        )
    device = device or torch_device()
    start = time.perf_counter()
    seed_everything(seed, frameworks=("torch",))
    images, labels = to_tensors(x_train, y_train, device=device)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    images, labels = images[order.to(device)], labels[order.to(device)]
    model = tuomaso_net().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.7, 0.9))
    batch_size = 256
    batches_per_epoch = (len(labels) - 1) // batch_size + 1
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=0.01, total_steps=epochs * batches_per_epoch, cycle_momentum=False
    )
    loss_fn = torch.nn.NLLLoss()
    model.train()
    for step in range(epochs * batches_per_epoch):
        i = step % batches_per_epoch
        batch = slice(batch_size * i, batch_size * (i + 1))
        optimizer.zero_grad()
        loss_fn(model(images[batch]), labels[batch]).backward()
        optimizer.step()
        scheduler.step()
    test_images = to_tensors(x_test, device=device)
    accuracy = metrics.accuracy(y_test, predict_logits(model, test_images, device, 2000))
    seconds = time.perf_counter() - start
    return RaceResult.evaluated_once(
        PEER_NAMES["tuomaso"],
        target,
        seconds,
        epochs,
        accuracy,
        train_images=len(labels),
        params=count_parameters(model),
        seed=seed,
    )


# ------------------------------------------------------- pytorch/examples' recipe


def pytorch_examples_net():
    """pytorch/examples' ``mnist/main.py`` network, layer for layer: two 3 x 3
    convolutions (32, 64), one max-pool, dropout 0.25, a dense layer of 128, dropout
    0.5, 10 outputs with ``log_softmax`` (1,199,882 parameters)."""
    from collections import OrderedDict

    from torch import nn

    return nn.Sequential(
        OrderedDict(
            [
                ("conv1", nn.Conv2d(1, 32, 3)),
                ("act1", nn.ReLU()),
                ("conv2", nn.Conv2d(32, 64, 3)),
                ("act2", nn.ReLU()),
                ("pool", nn.MaxPool2d(2)),
                ("dropout1", nn.Dropout(0.25)),
                ("flatten", nn.Flatten()),
                ("fc1", nn.Linear(9216, 128)),
                ("act3", nn.ReLU()),
                ("dropout2", nn.Dropout(0.5)),
                ("fc2", nn.Linear(128, 10)),
                ("log_softmax", nn.LogSoftmax(dim=1)),
            ]
        )
    )


def pytorch_examples_recipe(
    *,
    seed: int = 1,
    target: float = 0.99,
    max_epochs: int = 14,
    train_limit: int | None = None,
    test_limit: int | None = None,
    device=None,
    verbose: bool = True,
) -> RaceResult:
    """pytorch/examples' MNIST training until the test accuracy reaches ``target``.

    As its ``main.py`` does: ``torchvision.datasets.MNIST`` (all 60,000 training
    images) with ``ToTensor()`` and ``Normalize((0.1307,), (0.3081,))``, shuffled
    batches of 64 from a ``DataLoader``, Adadelta with learning rate 1.0, ``StepLR``
    with gamma 0.7 after every epoch, the negative log-likelihood loss, and the test
    set evaluated after every epoch in batches of 1,000. Its default seed is 1.
    ``train_limit``/``test_limit`` use only the first images (quick runs).
    """
    import torch
    from torch.utils.data import DataLoader, Subset

    from .models import count_parameters
    from .runtime import seed_everything, torch_device
    from .speed import RaceResult, _check_limit, _check_race
    from .training import evaluate, torchvision_loaders, train_epoch

    _check_race(target, max_epochs)
    _check_limit("train_limit", train_limit)
    _check_limit("test_limit", test_limit)
    device = device or torch_device()
    start = time.perf_counter()
    seed_everything(seed, frameworks=("torch",))
    train_loader, test_loader = torchvision_loaders(64, seed=seed)
    if train_limit is not None:
        train_loader = DataLoader(
            Subset(train_loader.dataset, range(train_limit)),
            batch_size=64,
            shuffle=True,
            generator=torch.Generator().manual_seed(seed),
        )
    if test_limit is not None:
        test_loader = DataLoader(Subset(test_loader.dataset, range(test_limit)), batch_size=1000)
    model = pytorch_examples_net().to(device)
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    loss_fn = torch.nn.NLLLoss()
    history = []
    for epoch in range(1, max_epochs + 1):
        train_epoch(model, train_loader, optimizer, loss_fn, device)
        scheduler.step()
        _, accuracy = evaluate(model, test_loader, loss_fn, device)
        history.append((epoch, time.perf_counter() - start, accuracy))
        if verbose:
            print(
                f"  pytorch/examples epoch {epoch}: test {accuracy:.2%} ({history[-1][1]:.0f} s)",
                flush=True,
            )
        if accuracy >= target:
            break
    return RaceResult(
        PEER_NAMES["pytorch_examples"],
        target,
        history[-1][1],
        epoch,
        accuracy,
        accuracy >= target,
        len(train_loader.dataset),
        history,
        params=count_parameters(model),
        seed=seed,
    )


# ------------------------------------------------------------ keras.io's recipe


def keras_io_net():
    """keras.io's "Simple MNIST convnet": Conv32 3x3, pool, Conv64 3x3, pool, flatten,
    dropout 0.5, Dense 10 with softmax (34,826 parameters)."""
    from .runtime import import_tensorflow

    import_tensorflow()
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ],
        name="keras_io_convnet",
    )


def keras_io_recipe(
    x_train,
    y_train,
    x_test,
    y_test,
    *,
    seed: int = 0,
    target: float = 0.99,
    max_epochs: int = 15,
    verbose: bool = True,
) -> RaceResult:
    """keras.io's convnet trained until the test accuracy reaches ``target``.

    As the keras.io example does: pixels scaled to [0, 1], one-hot labels,
    ``categorical_crossentropy``, Adam, ``batch_size=128`` and ``validation_split=0.1``
    (so it trains on the first 90% of the images it is given). A callback evaluates
    the test set after every epoch and stops the training at ``target``.
    """
    from .models import count_parameters
    from .runtime import import_tensorflow, seed_everything
    from .speed import RaceResult, _check_race

    _check_race(target, max_epochs)
    start = time.perf_counter()
    import_tensorflow()
    import keras

    seed_everything(seed, frameworks=("tensorflow",))
    x = (np.asarray(x_train, dtype="float32") / 255)[..., None]
    xt = (np.asarray(x_test, dtype="float32") / 255)[..., None]
    y = keras.utils.to_categorical(y_train, 10)
    history = []

    class StopAtTarget(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            probabilities = self.model.predict(xt, batch_size=1000, verbose=0)
            accuracy = metrics.accuracy(y_test, probabilities)
            history.append((epoch + 1, time.perf_counter() - start, accuracy))
            if verbose:
                print(
                    f"  keras.io epoch {epoch + 1}: test {accuracy:.2%} ({history[-1][1]:.0f} s)",
                    flush=True,
                )
            if accuracy >= target:
                self.model.stop_training = True

    model = keras_io_net()
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    model.fit(
        x,
        y,
        batch_size=128,
        epochs=max_epochs,
        validation_split=0.1,
        verbose=0,
        callbacks=[StopAtTarget()],
    )
    epoch, seconds, accuracy = history[-1]
    return RaceResult(
        PEER_NAMES["keras_io"],
        target,
        seconds,
        epoch,
        accuracy,
        accuracy >= target,
        len(x) - int(len(x) * 0.1),
        history,
        params=count_parameters(model),
        seed=seed,
    )
