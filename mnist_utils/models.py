"""The book's CNNs, built from one description in Keras and in PyTorch (chapters 5 and 6).

A :class:`CNNSpec` says what a network is: its conv layers, where it pools, its dense
layers, dropout and activation. :func:`keras_model` and :func:`torch_model` build the
same network from it, layer for layer, with the same parameter count. The source
articles' models are named specs:

========== ===================================================================== ==========
name       layers                                                                parameters
========== ===================================================================== ==========
article000    Conv32 3x3, pool, Conv64 3x3, pool, Dense128, Dropout 0.5, Dense10     225,034
article003    Conv32 3x3, pool, Conv64 3x3, pool, Conv64 3x3, Dense64, Dense10        93,322
article004    Conv32 5x5, pool, Conv64 5x5, pool, Dense1024, Dense10               1,111,946
========== ===================================================================== ==========

(article004 with the flatten size fixed: 64x4x4 = 1024, not the article's 64x5x5.)
Activation and depth are parameters, for the studies of chapters 9 and 10.

The Keras model is written as Keras users write it, ``Conv2D`` then its activation then
``MaxPooling2D``. The PyTorch model pools before a non-decreasing activation, which
computes the same function with a quarter of the activations (see :func:`torch_model`).

Residual connections (chapter 10). With ``residual=True`` a conv layer whose input and
output have the same shape -- same number of channels, and ``padding="same"`` so the
same height and width -- adds its input back before the activation::

    out = act(conv(x) + x)          or, with batchnorm,   out = act(bn(conv(x)) + x)

and any max-pool follows ``out``. Layers that change the number of channels (always
the first, which sees one input channel) get no skip connection: there is no 1x1
projection, so a residual spec has exactly the parameters of the plain one. A spec
with ``residual=True`` and ``padding="valid"``, or in which no layer keeps its
channel count, is rejected.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

__all__ = [
    "ACTIVATIONS",
    "CNNSpec",
    "MODELS",
    "POOL_COMMUTES",
    "count_parameters",
    "count_params",
    "get_spec",
    "keras_model",
    "port_keras_weights",
    "torch_model",
]

#: Activation names understood by both builders (LeakyReLU slope 0.01, exact GELU).
ACTIVATIONS = ("relu", "leaky_relu", "elu", "gelu", "silu", "tanh", "sigmoid", "linear")
#: The non-decreasing activations, with which max-pooling commutes: ``torch_model``
#: pools before them (GELU and SiLU dip below zero, so they are not among them).
POOL_COMMUTES = ("relu", "leaky_relu", "elu", "tanh", "sigmoid", "linear")
LEAKY_SLOPE = 0.01


@dataclass(frozen=True)
class CNNSpec:
    """A plain CNN for 28x28x1 inputs and 10 classes.

    ``convs`` lists the filters of each conv layer; a 2x2 max-pool follows the conv
    layers whose index is in ``pool_after``; then flatten, the ``dense`` hidden layers
    (dropout after each when ``dropout`` > 0) and a 10-way output.
    ``residual=True`` adds identity skip connections around the conv layers that keep
    their shape (see the module's docstring and :meth:`skip_layers`).
    """

    name: str
    convs: tuple[int, ...] = (32, 64)
    kernel: int = 3
    padding: str = "valid"
    pool_after: tuple[int, ...] = (0, 1)
    dense: tuple[int, ...] = (128,)
    dropout: float = 0.0
    activation: str = "relu"
    batchnorm: bool = False
    residual: bool = False

    def __post_init__(self):
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation {self.activation!r} is not one of {ACTIVATIONS}")
        if self.padding not in ("valid", "same"):
            raise ValueError(f"padding must be 'valid' or 'same', got {self.padding!r}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if not self.convs or any(f < 1 for f in self.convs):
            raise ValueError(f"convs must list positive filter counts, got {self.convs}")
        bad = [i for i in self.pool_after if not 0 <= i < len(self.convs)]
        if bad:
            raise ValueError(f"pool_after {bad} names conv layers that do not exist")
        if self.feature_shape()[0] < 1:
            raise ValueError(
                f"{self.name}: the feature maps shrink below 1x1; "
                "use padding='same' or fewer poolings"
            )
        if self.residual:
            if self.padding != "same":
                raise ValueError(
                    f"{self.name}: residual=True needs padding='same' (a "
                    "'valid' conv shrinks its input, so x cannot be added)"
                )
            if not self.skip_layers():
                raise ValueError(
                    f"{self.name}: residual=True, but no conv layer has as many "
                    f"filters as its input has channels (convs={self.convs}); "
                    "a skip connection needs e.g. convs=(16, 16)"
                )

    def skip_layers(self) -> tuple[int, ...]:
        """Indices of the conv layers that get a skip connection: with ``residual=True``
        and ``padding="same"``, those whose filters equal their input channels."""
        if not self.residual or self.padding != "same":
            return ()
        channels = (1, *self.convs[:-1])
        return tuple(
            i for i, (c_in, c_out) in enumerate(zip(channels, self.convs)) if c_in == c_out
        )

    def feature_shape(self) -> tuple[int, int, int]:
        """(height, width, channels) of the last conv block's output."""
        size = 28
        for i in range(len(self.convs)):
            if self.padding == "valid":
                size -= self.kernel - 1
            if i in self.pool_after:
                size //= 2
        return size, size, self.convs[-1]

    def with_(self, **changes) -> CNNSpec:
        """A copy with some fields changed, for example
        ``MODELS["article000"].with_(activation="tanh")``."""
        return replace(self, **changes)


MODELS = {
    "article000": CNNSpec(
        "article000", convs=(32, 64), pool_after=(0, 1), dense=(128,), dropout=0.5
    ),
    "article003": CNNSpec("article003", convs=(32, 64, 64), pool_after=(0, 1), dense=(64,)),
    "article004": CNNSpec("article004", convs=(32, 64), kernel=5, pool_after=(0, 1), dense=(1024,)),
}


def get_spec(model: str | CNNSpec, **changes) -> CNNSpec:
    """A named spec (see :data:`MODELS`) or a spec, with optional changes."""
    if isinstance(model, str):
        if model not in MODELS:
            raise ValueError(f"unknown model {model!r}; choose one of {sorted(MODELS)}")
        model = MODELS[model]
    return model.with_(**changes) if changes else model


def count_params(spec: CNNSpec) -> int:
    """Trainable parameters, by hand (chapter 3 derives the formula). Identity skip
    connections (``residual=True``) add none."""
    total, channels = 0, 1
    for filters in spec.convs:
        total += spec.kernel * spec.kernel * channels * filters + filters
        if spec.batchnorm:
            total += 2 * filters
        channels = filters
    h, w, c = spec.feature_shape()
    width = h * w * c
    for units in (*spec.dense, 10):
        total += width * units + units
        width = units
    return total


def count_parameters(model) -> int:
    """Trainable parameters of a built network (chapter 6): a PyTorch ``nn.Module``
    (the parameters with ``requires_grad``) or a Keras model (its
    ``trainable_weights``, so frozen layers and BatchNorm's moving statistics are
    not counted, unlike Keras' ``count_params()``). :func:`count_params` counts a
    :class:`CNNSpec` by hand, before anything is built."""
    if isinstance(model, CNNSpec):
        raise TypeError(
            "count_parameters counts a built network; for a CNNSpec use count_params(spec)"
        )
    if hasattr(model, "trainable_weights"):  # Keras
        return int(sum(math.prod(w.shape) for w in model.trainable_weights))
    if callable(getattr(model, "parameters", None)):  # PyTorch
        return int(sum(p.numel() for p in model.parameters() if p.requires_grad))
    raise TypeError(
        f"count_parameters needs a torch nn.Module or a Keras model, got {type(model).__name__}"
    )


# ----------------------------------------------------------------------- Keras


def keras_model(model: str | CNNSpec = "article000", *, softmax: bool = True, **changes):
    """The network as a ``keras.Sequential`` (NHWC input ``(28, 28, 1)``).

    ``softmax=True`` ends in a softmax, as the articles' Keras code does; ``False``
    returns logits (use ``from_logits=True`` in the loss).
    """
    from .runtime import import_tensorflow

    import_tensorflow()  # first, so that PyTorch can still be used in this process
    import keras
    from keras import layers

    spec = get_spec(model, **changes)

    def activation():
        if spec.activation == "leaky_relu":
            return layers.LeakyReLU(negative_slope=LEAKY_SLOPE)
        return layers.Activation(spec.activation)

    if spec.residual:
        return _keras_residual(spec, activation, softmax)
    stack = [keras.Input((28, 28, 1))]
    for i, filters in enumerate(spec.convs):
        stack.append(layers.Conv2D(filters, spec.kernel, padding=spec.padding, name=f"conv{i + 1}"))
        if spec.batchnorm:
            stack.append(layers.BatchNormalization(name=f"bn{i + 1}"))
        stack.append(activation())
        if i in spec.pool_after:
            stack.append(layers.MaxPooling2D(2))
    stack.append(layers.Flatten())
    for j, units in enumerate(spec.dense):
        stack += [layers.Dense(units, name=f"dense{j + 1}"), activation()]
        if spec.dropout:
            stack.append(layers.Dropout(spec.dropout))
    stack.append(layers.Dense(10, activation="softmax" if softmax else None, name="output"))
    return keras.Sequential(stack, name=spec.name)


def _keras_residual(spec: CNNSpec, activation, softmax: bool):
    """A residual spec needs the functional API: ``add{i}`` sums conv (or bn) output
    and the layer's input. Layer names are those of the plain model otherwise."""
    import keras
    from keras import layers

    inputs = keras.Input((28, 28, 1))
    x = inputs
    skips = spec.skip_layers()
    for i, filters in enumerate(spec.convs):
        y = layers.Conv2D(filters, spec.kernel, padding=spec.padding, name=f"conv{i + 1}")(x)
        if spec.batchnorm:
            y = layers.BatchNormalization(name=f"bn{i + 1}")(y)
        if i in skips:
            y = layers.Add(name=f"add{i + 1}")([y, x])
        x = activation()(y)
        if i in spec.pool_after:
            x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    for j, units in enumerate(spec.dense):
        x = activation()(layers.Dense(units, name=f"dense{j + 1}")(x))
        if spec.dropout:
            x = layers.Dropout(spec.dropout)(x)
    outputs = layers.Dense(10, activation="softmax" if softmax else None, name="output")(x)
    return keras.Model(inputs, outputs, name=spec.name)


# --------------------------------------------------------------------- PyTorch


def _torch_activation(name: str):
    from torch import nn

    return {
        "relu": nn.ReLU,
        "elu": nn.ELU,
        "gelu": nn.GELU,
        "silu": nn.SiLU,
        "tanh": nn.Tanh,
        "sigmoid": nn.Sigmoid,
        "linear": nn.Identity,
        "leaky_relu": lambda: nn.LeakyReLU(LEAKY_SLOPE),
    }[name]()


def _torch_bn(filters: int):
    from torch import nn

    # Keras' defaults: momentum 0.99 (PyTorch counts 1 - that), eps 1e-3
    return nn.BatchNorm2d(filters, eps=1e-3, momentum=0.01)


_RESIDUAL_CLASS = None


def _residual_class():
    """The PyTorch module of one residual conv layer, made on first use (so that
    importing this module does not import torch); ``models.ResidualConv`` names it,
    so whole models pickle."""
    global _RESIDUAL_CLASS
    if _RESIDUAL_CLASS is None:
        from torch import nn

        class ResidualConv(nn.Module):
            """``act(bn(conv(x)) + x)``: ``bn`` is ``nn.Identity`` without batchnorm."""

            def __init__(self, channels: int, kernel: int, activation: str, batchnorm: bool):
                super().__init__()
                self.conv = nn.Conv2d(channels, channels, kernel, padding=kernel // 2)
                self.bn = _torch_bn(channels) if batchnorm else nn.Identity()
                self.act = _torch_activation(activation)

            def forward(self, x):
                return self.act(self.bn(self.conv(x)) + x)

        ResidualConv.__module__ = __name__
        ResidualConv.__qualname__ = "ResidualConv"
        _RESIDUAL_CLASS = ResidualConv
    return _RESIDUAL_CLASS


def __getattr__(name):
    if name == "ResidualConv":
        return _residual_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _residual_block(channels: int, spec: CNNSpec):
    """``act(bn(conv(x)) + x)`` as one module (``bn`` only with batchnorm)."""
    return _residual_class()(channels, spec.kernel, spec.activation, spec.batchnorm)


def torch_model(model: str | CNNSpec = "article000", *, pool_first: bool | None = None, **changes):
    """The network as a ``torch.nn.Sequential`` (NCHW input ``(N, 1, 28, 28)``) that
    returns logits (``nn.CrossEntropyLoss`` applies the softmax).

    Where a conv layer is followed by a 2x2 max-pool and the activation is
    non-decreasing (:data:`POOL_COMMUTES`: relu, leaky_relu, elu, tanh, sigmoid,
    linear), the pool comes *before* the activation: ``conv -> (bn ->) pool -> act``
    instead of Keras' ``conv -> (bn ->) act -> pool``. For such an activation the
    largest of four activated values is the activation of the largest value, so
    ``pool(act(z)) == act(pool(z))``: the network computes the same function, but
    its activation (forward and backward) runs on a quarter of the values, and the
    pool's backward pass routes the gradient to the same elements. On a CPU, where
    the max-pool and the activation are a large share of article000's step, that
    makes training faster: ``benchmarks/epoch_throughput.py`` measures the two
    orders against each other (article000 with ``channels_last`` on a shared 2-core
    AMD EPYC: 1.29, 1.32 and 1.48 times as many images per second in three runs).
    GELU and SiLU dip below zero, so for them the order matters and they keep
    act-then-pool. ``pool_first=False`` builds Keras' order
    for every activation (``True`` is refused for GELU and SiLU; ``None``, the
    default, pools first where that computes the same function). The layers keep
    their names (``conv1``, ``bn1``, ``pool1``, ``act1``) in either order, so the
    ``state_dict`` keys, and :func:`port_keras_weights`, are the same, and weights
    load from one order into the other. What ``act1`` outputs is then a pooled map
    (the values ``pool1`` gave in Keras' order).

    With ``residual=True`` each conv layer with a skip connection is one module
    ``block{i}`` holding ``conv``, ``bn`` and ``act`` (so its weight is
    ``block{i}.conv.weight``); the other layers keep the plain names."""
    from torch import nn

    spec = get_spec(model, **changes)
    if pool_first and spec.activation not in POOL_COMMUTES:
        raise ValueError(
            f"pool_first=True would change what a {spec.activation} network computes: "
            f"max-pooling commutes only with the non-decreasing activations {POOL_COMMUTES}; "
            "leave pool_first=None to get the right order for each activation"
        )
    if pool_first is None:
        pool_first = spec.activation in POOL_COMMUTES
    stack: list[tuple[str, nn.Module]] = []
    channels = 1
    skips = spec.skip_layers()
    for i, filters in enumerate(spec.convs):
        if i in skips:
            stack.append((f"block{i + 1}", _residual_block(filters, spec)))
            if i in spec.pool_after:
                stack.append((f"pool{i + 1}", nn.MaxPool2d(2)))
            continue
        padding = spec.kernel // 2 if spec.padding == "same" else 0
        stack.append((f"conv{i + 1}", nn.Conv2d(channels, filters, spec.kernel, padding=padding)))
        if spec.batchnorm:
            stack.append((f"bn{i + 1}", _torch_bn(filters)))
        act = (f"act{i + 1}", _torch_activation(spec.activation))
        if i in spec.pool_after:
            pool = (f"pool{i + 1}", nn.MaxPool2d(2))
            stack += [pool, act] if pool_first else [act, pool]
        else:
            stack.append(act)
        channels = filters
    stack.append(("flatten", nn.Flatten()))
    h, w, c = spec.feature_shape()
    width = h * w * c
    for j, units in enumerate(spec.dense):
        stack.append((f"dense{j + 1}", nn.Linear(width, units)))
        stack.append((f"dense_act{j + 1}", _torch_activation(spec.activation)))
        if spec.dropout:
            stack.append((f"dropout{j + 1}", nn.Dropout(spec.dropout)))
        width = units
    stack.append(("output", nn.Linear(width, 10)))
    from collections import OrderedDict

    net = nn.Sequential(OrderedDict(stack))
    net.spec = spec
    return net


def port_keras_weights(keras_net, torch_net) -> None:
    """Copy a Keras model's weights into the PyTorch model of the same spec (chapter 6).

    Two layout differences matter. Conv kernels are (kh, kw, in, out) in Keras and
    (out, in, kh, kw) in PyTorch; dense kernels are (in, out) versus (out, in). And the
    first dense layer sees the flattened feature map: Keras flattens NHWC in
    (height, width, channel) order, PyTorch flattens NCHW in (channel, height, width)
    order, so that layer's input columns must be permuted as well.
    Residual specs work too: ``block{i}.conv`` and ``block{i}.bn`` receive Keras'
    ``conv{i}`` and ``bn{i}``.
    """
    import re

    import numpy as np
    import torch

    spec = torch_net.spec
    h, w, c = spec.feature_shape()
    modules = dict(torch_net.named_modules())
    for name, module in list(modules.items()):
        found = re.fullmatch(r"block(\d+)\.(conv|bn)", name)
        if found:
            modules[f"{found[2]}{found[1]}"] = module
    first_dense = True
    with torch.no_grad():
        for layer in keras_net.layers:
            weights = layer.get_weights()
            if not weights or layer.name not in modules:
                continue
            target = modules[layer.name]
            if layer.name.startswith("conv"):
                kernel, bias = weights
                target.weight.copy_(torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy()))
                target.bias.copy_(torch.from_numpy(bias))
            elif layer.name.startswith("bn"):
                gamma, beta, mean, var = weights
                for param, value in zip(
                    (target.weight, target.bias, target.running_mean, target.running_var),
                    (gamma, beta, mean, var),
                ):
                    param.copy_(torch.from_numpy(value))
            else:  # dense layers
                kernel, bias = weights
                if first_dense:
                    # rows of the Keras kernel are in (h, w, c) order; PyTorch wants (c, h, w)
                    kernel = (
                        kernel.reshape(h, w, c, -1).transpose(2, 0, 1, 3).reshape(h * w * c, -1)
                    )
                    first_dense = False
                target.weight.copy_(torch.from_numpy(np.ascontiguousarray(kernel.T)))
                target.bias.copy_(torch.from_numpy(bias))
