"""Transfer learning on MNIST itself: a task split, label budgets, freezing and
low-rank adapters (chapter 8).

Chapter 8 pretrains a CNN on the digits 0-4 (the *old* task) and fine-tunes it on the
digits 5-9 (the *new* task) with few or many labels, in six ways (:data:`METHODS`)::

    old = task_data(x, y, OLD_DIGITS)          # labels 0-4
    new = task_data(x, y, NEW_DIGITS)          # digits 5-9 relabelled 0-4
    keep = sample_per_class(new[1], budget_per_class("100/class"), seed=0)
    model = prepare(pretrained, "lora", rank=4)  # a copy: fresh head, adapters
    ...
    old_acc = model_accuracy(with_head(model, pretrained.output), old_images, old_labels)

Each task has its own 5-way output layer (``output``); the layers below it are shared.
Freezing is ``requires_grad_(False)`` in PyTorch and ``layer.trainable = False`` in
Keras; :func:`keras_prepare` does in Keras what :func:`prepare` does in PyTorch, so
the trainable-parameter counts of the two (``models.count_parameters``) can be compared.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .checks import is_whole_number
from .runtime import ParameterError

__all__ = [
    "BUDGETS",
    "METHODS",
    "NEW_DIGITS",
    "OLD_DIGITS",
    "add_lora",
    "budget_per_class",
    "freeze_except",
    "keras_prepare",
    "keras_task_model",
    "lora_linear",
    "model_accuracy",
    "prepare",
    "sample_per_class",
    "schedule",
    "set_adapters",
    "TaskSplit",
    "load_or_train",
    "split_sizes",
    "task_data",
    "task_model",
    "task_split",
    "unchanged",
    "with_head",
]

OLD_DIGITS = (0, 1, 2, 3, 4)
NEW_DIGITS = (5, 6, 7, 8, 9)

#: Labelled images per class of the new task; "full" is every one available.
BUDGETS = ("10/class", "100/class", "1000/class", "full")

#: The ways to get a model for the new task, and what each one trains.
METHODS = {
    "scratch": "a fresh network, every weight trained",
    "linear_probe": "pretrained layers frozen, only the new head trained",
    "partial": "conv layers frozen; the dense block and the new head trained",
    "full_small_lr": "every weight trained, small learning rate",
    "full_large_lr": "every weight trained, the pretraining learning rate",
    "lora": "pretrained layers frozen; a low-rank adapter on dense1 and the new head trained",
}

#: The top-level layers each method trains (the rest is frozen); None: all.
_TRAINED = {
    "scratch": None,
    "linear_probe": ("output",),
    "partial": ("dense1", "output"),
    "full_small_lr": None,
    "full_large_lr": None,
    "lora": ("output",),  # plus the adapter, see add_lora
}


def _check_method(method: str) -> str:
    if method not in METHODS:
        raise ParameterError(f"unknown method {method!r}; choose one of: {', '.join(METHODS)}")
    return method


# ------------------------------------------------------------------ the data


def task_data(x, y, digits):
    """The images of ``digits`` and their labels renumbered 0, 1, ... in the order of
    ``digits`` (so digit 5 of the new task is class 0)."""
    digits = tuple(int(d) for d in digits)
    if not digits or len(set(digits)) != len(digits) or not set(digits) <= set(range(10)):
        raise ValueError(f"digits must be distinct digits 0-9, got {digits}")
    y = np.asarray(y)
    keep = np.isin(y, digits)
    lookup = np.full(10, -1, dtype=np.int64)
    lookup[list(digits)] = np.arange(len(digits))
    return np.asarray(x)[keep], lookup[y[keep]]


@dataclass
class TaskSplit:
    """One task's images and renumbered labels (:func:`task_data`) in the fit,
    validation and test parts of a :func:`mnist_utils.data.load_splits` result; each
    part is an ``(images, labels)`` pair of NumPy arrays."""

    fit: tuple
    val: tuple
    test: tuple

    def study_data(self, *, batch_size: int = 128, n_val: int | None = None):
        """The task as tensors for training (:class:`mnist_utils.studies.StudyData`),
        with the first ``n_val`` validation images (all when ``None``)."""
        from .studies import StudyData
        from .training import TensorBatches, to_tensors

        x_val, y_val = self.val if n_val is None else (self.val[0][:n_val], self.val[1][:n_val])
        val = TensorBatches(*to_tensors(x_val, y_val), batch_size=min(1000, len(y_val)))
        test = TensorBatches(*to_tensors(*self.test), batch_size=1000)
        return StudyData(*to_tensors(*self.fit), val, test, batch_size)


def task_split(splits, digits) -> TaskSplit:
    """The images of ``digits`` in every part of ``splits`` (chapter 8), labels
    renumbered as :func:`task_data` does."""
    return TaskSplit(
        task_data(splits.x_fit, splits.y_fit, digits),
        task_data(splits.x_val, splits.y_val, digits),
        task_data(splits.x_test, splits.y_test, digits),
    )


def split_sizes(tasks: dict):
    """A table of each task's number of fit, validation and test images and of the
    images of its smallest class in the fit part: ``{name: TaskSplit}``."""
    import pandas as pd

    return pd.DataFrame(
        {
            "fit": [len(t.fit[1]) for t in tasks.values()],
            "validation": [len(t.val[1]) for t in tasks.values()],
            "test": [len(t.test[1]) for t in tasks.values()],
            "smallest class (fit)": [int(np.bincount(t.fit[1]).min()) for t in tasks.values()],
        },
        index=list(tasks),
    )


def budget_per_class(budget: str) -> int | None:
    """``"100/class"`` -> 100, ``"full"`` -> None (every labelled image)."""
    if budget == "full":
        return None
    text = str(budget)
    number = text.removesuffix("/class")
    if text.endswith("/class") and number.isdigit() and int(number) > 0:
        return int(number)
    raise ParameterError(
        f"label budget {budget!r}: write 'N/class' with a positive "
        f"whole number N (e.g. '100/class') or 'full'"
    )


def sample_per_class(labels, per_class: int | None, seed: int = 0) -> np.ndarray:
    """Sorted positions of ``per_class`` images of every class in ``labels``, drawn at
    random (seeded); ``None`` keeps them all. Every class present must have enough."""
    labels = np.asarray(labels)
    if per_class is None:
        return np.arange(len(labels))
    if not is_whole_number(per_class) or per_class < 1:
        raise ValueError(f"per_class must be a positive whole number or None, got {per_class!r}")
    rng = np.random.default_rng(seed)
    picked = []
    for label in np.unique(labels):
        where = np.flatnonzero(labels == label)
        if len(where) < per_class:
            raise ValueError(
                f"class {label} has {len(where)} images, fewer than the "
                f"{per_class} per class asked for"
            )
        picked.append(rng.choice(where, per_class, replace=False))
    return np.sort(np.concatenate(picked))


def schedule(n_train: int, batch_size: int, epochs: int, min_steps: int):
    """``(batch size, epochs)`` for a training set of ``n_train`` images: batches of
    ``batch_size``, but small enough for five batches an epoch (a 50-image set is
    not one batch), and ``epochs``, or more when that would give fewer than
    ``min_steps`` optimizer steps."""
    for name, value in (
        ("n_train", n_train),
        ("batch_size", batch_size),
        ("epochs", epochs),
        ("min_steps", min_steps),
    ):
        smallest = 0 if name == "min_steps" else 1
        if not is_whole_number(value) or value < smallest:
            accepted = "a whole number >= 0" if smallest == 0 else "a positive whole number"
            raise ValueError(f"{name} must be {accepted}, got {value!r}")
    batch = min(batch_size, max(1, n_train // 5))
    steps_per_epoch = math.ceil(n_train / batch)
    return batch, max(epochs, math.ceil(min_steps / steps_per_epoch))


def model_accuracy(model, images, labels, batch_size: int = 1000) -> float:
    """Share of ``images`` (a tensor from ``training.to_tensors``) that the PyTorch
    ``model`` classifies as ``labels``, on the CPU in channels-last layout (faster
    there); the arithmetic is :func:`mnist_utils.metrics.accuracy`."""
    import torch

    from .metrics import accuracy
    from .training import predict_logits

    model.to(memory_format=torch.channels_last)
    try:
        logits = predict_logits(model, images, "cpu", batch_size)
    finally:
        model.to(memory_format=torch.contiguous_format)
    return accuracy(labels, logits)


# ----------------------------------------------------------- PyTorch models


def task_model(spec="article000", n_classes: int = 5):
    """``models.torch_model(spec)`` with an ``n_classes``-way output layer."""
    from torch import nn

    from .models import torch_model

    net = torch_model(spec)
    net.output = nn.Linear(net.output.in_features, n_classes)  # same place in order
    return net


def freeze_except(model, trained=None):
    """Freeze every parameter (``requires_grad_(False)``) except those of the
    top-level layers named in ``trained``; ``None`` trains everything. Returns the
    model."""
    names = dict(model.named_children())
    unknown = [n for n in (trained or ()) if n not in names]
    if unknown:
        raise ValueError(f"the model has no layer(s) {unknown}; it has {list(names)}")
    for name, child in names.items():
        child.requires_grad_(trained is None or name in trained)
    return model


def _lora_class():
    from torch import nn

    class LoRALinear(nn.Module):
        """``base(x) + scale * x A^T B^T`` with ``base``'s weight frozen."""

        def __init__(self, base: nn.Linear, rank: int, alpha: float | None = None):
            super().__init__()
            import torch

            if not is_whole_number(rank) or rank < 1:
                raise ValueError(f"rank must be a positive whole number, got {rank!r}")
            rank = int(rank)
            if rank > min(base.in_features, base.out_features):
                raise ValueError(
                    f"rank {rank} exceeds the layer's {base.in_features}x{base.out_features} size"
                )
            self.base = base
            self.rank = rank
            self.scale = (alpha if alpha is not None else rank) / rank
            self.enabled = True
            # A: Keras' he_uniform (limit sqrt(6 / fan_in)); B: zeros, so the
            # adapter adds exactly nothing until it has been trained.
            limit = math.sqrt(6 / base.in_features)
            self.lora_a = nn.Parameter(torch.empty(rank, base.in_features).uniform_(-limit, limit))
            self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
            base.requires_grad_(False)  # weight and bias stay as pretrained

        def forward(self, x):
            out = self.base(x)
            if self.enabled:
                out = out + (x @ self.lora_a.T @ self.lora_b.T) * self.scale
            return out

        def delta_weight(self):
            """The change the adapter makes to the weight: ``scale * B A``."""
            return self.scale * self.lora_b @ self.lora_a

        def extra_repr(self):
            return f"rank={self.rank}, scale={self.scale:g}, enabled={self.enabled}"

    return LoRALinear


_LORA = None


def lora_linear(base, rank: int, alpha: float | None = None):
    """A LoRA adapter around the ``nn.Linear`` ``base``: output
    ``base(x) + (alpha / rank) * x A^T B^T`` with ``A`` (rank x in) drawn like Keras'
    ``he_uniform`` and ``B`` (out x rank) zero, so it starts as an exact no-op.
    ``base`` is frozen, weight and bias (PEFT's default), so switching the adapter
    off (:func:`set_adapters`) gives back the original layer exactly; ``alpha``
    defaults to ``rank`` (scale 1, as in Keras' ``Dense.enable_lora``)."""
    global _LORA
    if _LORA is None:
        _LORA = _lora_class()
    return _LORA(base, rank, alpha)


def _is_lora(module) -> bool:
    return _LORA is not None and isinstance(module, _LORA)


def add_lora(model, layers=("dense1",), rank: int = 4, alpha: float | None = None):
    """Wrap the named top-level ``nn.Linear`` layers in :func:`lora_linear` adapters
    (in place, keeping the layer order). Returns the model."""
    from torch import nn

    for name in layers:
        layer = getattr(model, name, None)
        if not isinstance(layer, nn.Linear):
            raise ValueError(f"{name!r} is not a dense (nn.Linear) layer of the model")
        setattr(model, name, lora_linear(layer, rank, alpha))
    return model


def set_adapters(model, enabled: bool):
    """Switch every LoRA adapter in ``model`` on or off; returns how many."""
    found = [m for m in model.modules() if _is_lora(m)]
    for module in found:
        module.enabled = bool(enabled)
    return len(found)


def prepare(
    pretrained,
    method: str,
    *,
    spec="article000",
    n_classes: int = 5,
    rank: int = 4,
    alpha: float | None = None,
):
    """The model a method starts from, ready to train. ``"scratch"`` builds a fresh
    network (seed first); every other method copies ``pretrained``, gives the copy a
    fresh ``n_classes``-way head and freezes what the method does not train
    (:data:`METHODS`). ``pretrained`` itself is never changed."""
    from torch import nn

    _check_method(method)
    if method == "scratch":
        return task_model(spec, n_classes)
    model = copy.deepcopy(pretrained)
    model.output = nn.Linear(model.output.in_features, n_classes)
    freeze_except(model, _TRAINED[method])
    if method == "lora":
        add_lora(model, ("dense1",), rank, alpha)
    return model


def with_head(model, head):
    """A copy of ``model`` with ``head`` as its output layer: the fine-tuned body
    with the old task's head measures what is left of the old task."""
    twin = copy.deepcopy(model)
    twin.output = copy.deepcopy(head)
    return twin


def unchanged(model, pretrained, layers) -> bool:
    """Are the weights of the top-level ``layers`` of ``model`` still those of
    ``pretrained``, bit for bit? A LoRA layer keeps them as ``<layer>.base.*``."""
    import torch

    after = {name.replace(".base.", "."): value for name, value in model.state_dict().items()}
    before = {
        name: value
        for name, value in pretrained.state_dict().items()
        if name.split(".")[0] in layers
    }
    if not before:
        raise ValueError(f"the pretrained model has no layer(s) {list(layers)}")
    return all(name in after and torch.equal(after[name], value) for name, value in before.items())


def load_or_train(model, train, path, config: dict) -> dict:
    """Give ``model`` the weights saved in ``path`` when they were saved with the
    same ``config``; else call ``train(model)`` (which returns a training history)
    and save the weights, the config and the history there (chapter 8: the
    pretrained model is trained once, then loaded by every run and sweep). Returns
    the history and prints which of the two happened."""
    import torch

    path = Path(path)
    saved = torch.load(path, weights_only=True) if path.exists() else None
    if saved is not None and saved.get("config") == config:
        model.load_state_dict(saved["state_dict"])
        print(f"loaded {path.name}, trained earlier with these settings")
        return saved["history"]
    history = train(model)
    torch.save({"config": config, "history": history, "state_dict": model.state_dict()}, path)
    print(f"saved to {path.name}")
    return history


# ------------------------------------------------------------- Keras models


def keras_task_model(spec="article000", n_classes: int = 5):
    """``models.keras_model(spec)`` with an ``n_classes``-way output (logits)."""
    import keras

    from .models import keras_model

    base = keras_model(spec, softmax=False)
    return keras.Sequential(
        [keras.Input((28, 28, 1)), *base.layers[:-1], keras.layers.Dense(n_classes, name="output")],
        name=base.name,
    )


def keras_prepare(model, method: str, *, rank: int = 4):
    """What :func:`prepare` does, in Keras and in place: ``layer.trainable = False``
    for the layers a method freezes, ``Dense.enable_lora(rank)`` for ``"lora"``.
    (The head is assumed fresh; building one is :func:`keras_task_model`.)"""
    _check_method(method)
    trained = _TRAINED[method]
    for layer in model.layers:
        if layer.weights:
            layer.trainable = trained is None or layer.name in trained
    if method == "lora":
        dense = model.get_layer("dense1")
        dense.trainable = True  # the adapter's weights need a trainable layer
        dense.enable_lora(rank)  # adds A and B (B = 0), freezes the kernel
        dense.bias.trainable = False  # as in PyTorch: the bias stays as it was
    return model
