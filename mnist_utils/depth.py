"""The depth study's networks: a stack of N equal conv layers (chapter 10).

Every network of the study is the same except for its number of conv layers and its
variant. ``depth_spec(depth, variant)`` builds it:

- ``depth`` conv layers of ``width`` filters, 3x3, ``padding="same"`` (a layer keeps
  the size of its input, so any depth fits 28x28);
- a 2x2 max-pool after the first and after the second conv layer, so the deeper layers
  all work on 7x7 maps and the classifier always sees 7x7x``width`` features (a
  one-layer network has one pool only: 14x14);
- then a dense layer of ``dense`` units and the 10 outputs;
- variant ``"plain"``, ``"batchnorm"`` (BatchNorm after each conv) or ``"residual"``
  (BatchNorm and an identity skip around every conv layer but the first; see
  :mod:`mnist_utils.models`). A one-layer network has no layer to skip around, so its
  ``"residual"`` variant is the ``"batchnorm"`` one.
"""

from __future__ import annotations

from .checks import is_whole_number
from .models import ACTIVATIONS, CNNSpec

__all__ = ["VARIANTS", "depth_spec", "first_layer_weight"]

#: The three ways the study stacks conv layers.
VARIANTS = ("plain", "batchnorm", "residual")


def depth_spec(
    depth: int,
    variant: str = "plain",
    *,
    activation: str = "relu",
    width: int = 16,
    dense: int = 64,
) -> CNNSpec:
    """The study's network with ``depth`` conv layers (see the module docstring)."""
    if not is_whole_number(depth) or not 1 <= depth <= 50:
        raise ValueError(f"depth must be a whole number of conv layers from 1 to 50, got {depth!r}")
    depth = int(depth)
    if variant not in VARIANTS:
        raise ValueError(f"variant {variant!r} is not one of {VARIANTS}")
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation {activation!r} is not one of {ACTIVATIONS}")
    residual = variant == "residual" and depth > 1
    return CNNSpec(
        f"depth{depth}_{variant}_{activation}",
        convs=(width,) * depth,
        kernel=3,
        padding="same",
        pool_after=(0, 1) if depth > 1 else (0,),
        dense=(dense,),
        dropout=0.0,
        activation=activation,
        batchnorm=variant in ("batchnorm", "residual"),
        residual=residual,
    )


def first_layer_weight(model) -> str:
    """The name of the first conv layer's weight in a PyTorch model of the study
    (a key of :func:`mnist_utils.diagnostics.gradient_norms`)."""
    names = [name for name, p in model.named_parameters() if p.ndim == 4]
    if not names:
        raise ValueError("the model has no conv layer")
    return names[0]
