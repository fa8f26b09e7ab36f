"""Tables that check chapter 4's NumPy CNN: each layer's output shape and weight
count, every backward pass against central differences, and the trained network
against its PyTorch twin (chapter 4).

The checks themselves (:func:`mnist_utils.numpy_cnn.check_layer_gradients`,
:func:`~mnist_utils.numpy_cnn.numerical_gradient`, ``torch_twin``) live in
:mod:`mnist_utils.numpy_cnn`, which the chapter prints; this module runs them over
every layer and gathers the results into pandas tables.
"""

from __future__ import annotations

import numpy as np

from . import numpy_cnn as nc

__all__ = [
    "central_difference_errors",
    "gradient_check_table",
    "layer_table",
    "torch_comparison_table",
]


def layer_table(model, image_size: int = 28):
    """One forward pass of blank images through ``model`` (chapter 4): each layer's
    name, output shape per image and number of weights."""
    import pandas as pd

    h = np.zeros((2, 1, image_size, image_size), dtype=np.float32)
    rows = []
    for layer in model.layers:
        h = layer.forward(h)
        rows.append((type(layer).__name__, h.shape[1:], sum(a.size for a in layer.params.values())))
    return pd.DataFrame(rows, columns=["layer", "output shape per image", "parameters"])


_NAMES = {"W": "weights W", "b": "bias b", "x": "input x"}


def gradient_check_table(*, kernel_size: int = 5, seed: int = 0):
    """Every backward pass against central differences in float64 (chapter 4).

    Each layer on its own (convolutions with and without padding, ReLU, a max-pool
    on a 5 x 4 input so that a row falls outside every window, flatten, dense,
    softmax cross-entropy), then a whole :func:`~mnist_utils.numpy_cnn.build_cnn`
    network with 4 filters of ``kernel_size`` on 12 x 12 images, from the loss down
    to the images. One row per gradient: layer, what it is the gradient of, its
    shape and the relative error.
    """
    import pandas as pd

    rng = np.random.default_rng(seed)

    def conv_with_bias(padding):
        conv = nc.Conv2D(2, 3, 3, padding=padding, rng=rng, dtype=np.float64)
        conv.params["b"] = rng.standard_normal(3)  # a zero bias would hide a bug
        return conv

    single_layers = {
        "Conv2D 2 → 3 channels, 3 × 3": (conv_with_bias(0), (2, 2, 6, 5)),
        "Conv2D, zero padding 1": (conv_with_bias(1), (2, 2, 4, 4)),
        "ReLU": (nc.ReLU(), (2, 3, 4, 4)),
        "MaxPool2D 2 × 2": (nc.MaxPool2D(2), (2, 3, 5, 4)),
        "Flatten": (nc.Flatten(), (2, 3, 2, 2)),
        "Dense 12 → 5": (nc.Dense(12, 5, rng=rng, dtype=np.float64), (4, 12)),
    }
    rows = []
    for label, (layer, shape) in single_layers.items():
        x = rng.standard_normal(shape)
        for key, (analytic, numeric) in nc.check_layer_gradients(layer, x, seed=seed).items():
            rows.append((label, _NAMES[key], analytic.shape, nc.relative_error(analytic, numeric)))

    logits, labels = rng.standard_normal((4, 10)), rng.integers(0, 10, 4)
    ce = nc.SoftmaxCrossEntropy()
    ce.forward(logits, labels)
    analytic = ce.backward()
    numeric = nc.numerical_gradient(lambda: ce.forward(logits, labels), logits)
    rows.append(
        ("SoftmaxCrossEntropy", "logits z", analytic.shape, nc.relative_error(analytic, numeric))
    )

    net = nc.build_cnn(4, kernel_size, image_size=12, seed=seed, dtype=np.float64)
    net.layers[0].input_grad = True
    x, y = rng.random((3, 1, 12, 12)), np.array([3, 1, 4])
    net.loss(x, y)
    dx = net.backward()
    for i, key, a in net.parameters():
        numeric = nc.numerical_gradient(lambda: net.loss(x, y), a)
        rows.append(
            (
                f"whole network: {type(net.layers[i]).__name__}",
                _NAMES[key],
                a.shape,
                nc.relative_error(net.layers[i].grads[key], numeric),
            )
        )
    numeric = nc.numerical_gradient(lambda: net.loss(x, y), x)
    rows.append(("whole network", "images x", x.shape, nc.relative_error(dx, numeric)))
    return pd.DataFrame(rows, columns=["layer", "gradient of", "shape", "relative error"])


def central_difference_errors(steps, dtype, *, seed: int = 0, classes: int = 10):
    """How good a central difference is at each step size ``eps`` in ``steps``
    (chapter 4): the relative error of the numerical gradient of softmax
    cross-entropy with respect to ``classes`` random logits, computed in ``dtype``,
    against the exact gradient ``softmax(z) - onehot(y)`` in float64. Too large a
    step is inexact (truncation, about eps**2); too small a step loses the difference
    in rounding (about the dtype's resolution / eps). Returns one error per step."""
    steps = np.asarray(steps, dtype=np.float64)
    if steps.ndim != 1 or steps.size == 0 or not (steps > 0).all():
        raise ValueError(f"steps must be a 1-D array of positive step sizes; got {steps}")
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"dtype must be a floating type such as np.float32; got {dtype}")
    rng = np.random.default_rng(seed)
    z64 = rng.standard_normal((1, classes))
    y = np.array([int(rng.integers(classes))])
    exact = nc.softmax(z64) - np.eye(classes)[y]
    loss, z = nc.SoftmaxCrossEntropy(), z64.astype(dtype)
    return np.array(
        [
            nc.relative_error(exact, nc.numerical_gradient(lambda: loss.forward(z, y), z, eps))
            for eps in steps
        ]
    )


def torch_comparison_table(model, x, y):
    """The trained ``model``'s weights in float64 copies of itself and of its
    PyTorch twin, one forward and one backward pass of both on images ``x`` with
    labels ``y`` (PyTorch's ``cross_entropy`` as its loss), compared (chapter 4):
    logits, loss, every weight gradient and the gradient for the images. One row
    per quantity: its largest absolute value and the largest absolute difference."""
    import pandas as pd
    import torch
    from torch import nn

    conv, dense = model.layers[0], model.layers[4]
    filters, _, kernel_size, _ = conv.params["W"].shape
    image_size = x.shape[-1]
    model64 = nc.build_cnn(
        filters,
        kernel_size,
        image_size=image_size,
        n_classes=dense.params["W"].shape[1],
        dtype=np.float64,
    )
    for (_, _, a), (_, _, trained) in zip(model64.parameters(), model.parameters()):
        a[...] = trained  # float32 -> float64
    model64.layers[0].input_grad = True  # also dL/d(images)
    twin = nc.torch_twin(model64)  # float64, like model64

    x64 = np.asarray(x, dtype=np.float64)
    x_torch = torch.from_numpy(x64).requires_grad_()
    logits_t = twin(x_torch)
    loss_t = nn.functional.cross_entropy(logits_t, torch.from_numpy(np.asarray(y)).long())
    loss_t.backward()

    logits_n = model64.forward(x64)
    loss_n = model64.loss(x64, y)
    dx_n = model64.backward()
    conv_n, dense_n = model64.layers[0], model64.layers[4]
    comparison = {
        "logits": (logits_n, logits_t.detach().numpy()),
        "loss": (loss_n, loss_t.item()),
        "dL/dW conv": (conv_n.grads["W"], twin[0].weight.grad.numpy()),
        "dL/db conv": (conv_n.grads["b"], twin[0].bias.grad.numpy()),
        "dL/dW dense": (dense_n.grads["W"], twin[4].weight.grad.numpy().T),
        "dL/db dense": (dense_n.grads["b"], twin[4].bias.grad.numpy()),
        "dL/d(images)": (dx_n, x_torch.grad.numpy()),
    }
    rows = [
        (name, np.abs(ours).max(), np.abs(ours - theirs).max())
        for name, (ours, theirs) in comparison.items()
    ]
    return pd.DataFrame(rows, columns=["quantity", "largest |value|", "largest |difference|"])
