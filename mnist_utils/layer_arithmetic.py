"""Output shapes, parameter counts and receptive fields of a plain CNN, by hand
(chapter 01).

A model is a list of layers, each a tuple: ``("conv", k, filters)`` (a k x k
convolution, stride 1, no padding, as in the articles), ``("pool", size)`` (max-pooling
with stride = size), ``("flatten",)`` or ``("dense", units)``. :func:`layer_table`
walks through the list once; :func:`print_layer_table` prints what it found. Nothing
here needs a deep-learning framework: chapter 1 counts before anything is built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .checks import whole_number

__all__ = ["LayerRow", "conv_params", "dense_params", "layer_table", "print_layer_table"]


def conv_params(k: int, c_in: int, c_out: int) -> int:
    """A k x k convolution from ``c_in`` to ``c_out`` channels (chapter 01): a
    k*k*c_in weight block and one bias per filter, ``(k*k*c_in + 1) * c_out``."""
    for name, value in (("k", k), ("c_in", c_in), ("c_out", c_out)):
        whole_number(name, value, minimum=1)
    return (k * k * c_in + 1) * c_out


def dense_params(n_in: int, n_out: int) -> int:
    """A dense layer (chapter 01): one weight per input-output pair and one bias per
    output, ``(n_in + 1) * n_out``."""
    for name, value in (("n_in", n_in), ("n_out", n_out)):
        whole_number(name, value, minimum=1)
    return (n_in + 1) * n_out


@dataclass(frozen=True)
class LayerRow:
    """One layer of :func:`layer_table` (chapter 01). ``field`` is the receptive field
    of one output value (``"10x10"``), or after flattening the pixels that all the
    maps together cover (``"26x26 (all maps)"``)."""

    layer: tuple
    in_shape: tuple
    out_shape: tuple
    weights: int
    biases: int
    field: str

    @property
    def kind(self) -> str:
        return self.layer[0]

    @property
    def name(self) -> str:
        """The layer as written in the model list: ``"conv 3 32"``."""
        return " ".join(map(str, self.layer))

    @property
    def params(self) -> int:
        return self.weights + self.biases


def layer_table(layers, shape=(28, 28, 1)) -> list[LayerRow]:
    """Each layer's output shape, weights, biases and receptive field (chapter 01).

    ``shape`` is the input, height x width x channels. The receptive field grows by
    ``(k - 1) * jump`` at each k x k window, where ``jump`` (the distance in input
    pixels between neighbouring outputs) is multiplied by the stride of each pooling
    layer. Raises ``ValueError`` for an unknown layer, a window larger than its input,
    or a dense layer before ``("flatten",)``.
    """
    shape = tuple(shape)
    rows, rf, jump, cover = [], 1, 1, None  # receptive field and its step in pixels
    for layer in layers:
        kind, in_shape = layer[0], shape
        if kind in ("conv", "pool", "flatten") and len(shape) != 3:
            raise ValueError(f"{layer}: needs maps (height, width, channels), got {shape}")
        if kind == "conv":
            _, k, c_out = layer
            if k > min(shape[:2]):
                raise ValueError(f"{layer}: a {k}x{k} filter does not fit a {shape} input")
            weights, biases = conv_params(k, shape[2], c_out) - c_out, c_out
            shape = (shape[0] - k + 1, shape[1] - k + 1, c_out)
            rf += (k - 1) * jump
        elif kind == "pool":
            _, s = layer
            whole_number("pool size", s, minimum=1)
            if s > min(shape[:2]):
                raise ValueError(f"{layer}: a {s}x{s} window does not fit a {shape} input")
            weights = biases = 0  # pooling has no weights at all
            shape = (shape[0] // s, shape[1] // s, shape[2])
            rf += (s - 1) * jump
            jump *= s
        elif kind == "flatten":
            cover = (shape[0] - 1) * jump + rf  # pixels the maps cover together
            weights = biases = 0
            shape = (math.prod(shape),)
        elif kind == "dense":
            if len(shape) != 1:
                raise ValueError(f"{layer}: flatten the {shape} maps first")
            _, units = layer
            weights, biases = dense_params(shape[0], units) - units, units
            shape = (units,)
        else:
            raise ValueError(
                f"unknown layer {layer!r}; use ('conv', k, filters), "
                "('pool', size), ('flatten',) or ('dense', units)"
            )
        field = f"{rf}x{rf}" if cover is None else f"{cover}x{cover} (all maps)"
        rows.append(LayerRow(tuple(layer), in_shape, shape, weights, biases, field))
    return rows


def print_layer_table(rows) -> None:
    """Print :func:`layer_table`'s rows as a table with the total (chapter 01)."""
    print(f"{'layer':12s} {'output shape':15s} {'parameters':>11s}  receptive field")
    for row in rows:
        print(f"{row.name:12s} {str(row.out_shape):15s} {row.params:11,d}  {row.field}")
    print(f"{'total':28s} {sum(row.params for row in rows):11,d}")
