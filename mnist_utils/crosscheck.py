"""Compare a NumPy result with PyTorch, TensorFlow and Keras (chapter 3).

Chapter 3 computes every formula by hand in NumPy and then checks it against the
frameworks. Each function here runs one operation in every framework that has it,
asserts that each result equals the hand result (``np.testing.assert_allclose``, so a
wrong formula stops the chapter) and returns a :class:`CheckTable`: one row per
framework call with the largest absolute difference. A notebook cell shows it as one
line (PyTorch's call in full, the other frameworks counted); ``.frame()`` is the
whole table.

* **Precision.** PyTorch gets ``float64`` tensors and must agree to 1e-12;
  TensorFlow and Keras get ``float32`` and must agree to 1e-6 (the absolute tolerance
  equals the relative one, so entries close to zero are held to the same standard).
* **Layouts.** The hand results use PyTorch's layouts: images ``(C, H, W)``, conv
  weights ``(out, in, kh, kw)``. TensorFlow and Keras want ``(N, H, W, C)`` and
  ``(kh, kw, in, out)``; :func:`to_nhwc` and :func:`to_hwio` do the transposes and the
  results are transposed back before the comparison.

Every check is also kept in :data:`LOG`, and :func:`summary` counts them per framework;
``LOG.frame()`` lists them all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "FLOAT32_RTOL",
    "FLOAT64_RTOL",
    "LOG",
    "Check",
    "CheckTable",
    "activation",
    "compare",
    "conv2d",
    "cross_entropy",
    "check",
    "cross_entropy_gradient",
    "keras_two_layer",
    "output_sizes",
    "pool2d",
    "pool_gradient",
    "receptive_field",
    "sgd_step",
    "softmax",
    "summary",
    "to_hwio",
    "to_nhwc",
    "torch_two_layer",
    "two_layer_network",
]

FLOAT64_RTOL = 1e-12  # PyTorch, float64
FLOAT32_RTOL = 1e-6  # TensorFlow and Keras, float32


@dataclass(frozen=True)
class Check:
    """One framework result that equals the hand result."""

    framework: str
    call: str
    difference: float  # largest absolute difference from the hand result
    tolerance: float


class CheckTable(list):
    """The checks of one call. A cell shows them as one line (:meth:`line`);
    :meth:`frame` is the full table, one row per framework call."""

    def frame(self):
        import pandas as pd

        return pd.DataFrame(
            {
                "framework": [c.framework for c in self],
                "call": [c.call for c in self],
                "largest |difference|": [f"{c.difference:.1e}" for c in self],
                "tolerance": [f"{c.tolerance:.0e}" for c in self],
            }
        )

    @property
    def largest(self) -> float:
        """The largest difference of any check in the table (0.0 if empty)."""
        return max((c.difference for c in self), default=0.0)

    def line(self) -> str:
        """One line: the calls of the framework in view (PyTorch when it took part,
        else the first one) with their largest difference, then how many checks the
        other frameworks passed and their largest difference. Every check passed its
        tolerance, or the table would not exist: :func:`compare` raises.

        At most two calls are named; more are counted (``"a, b and 3 more"``).
        """
        if not self:
            return "no checks"
        frameworks = [c.framework for c in self]
        shown = "torch" if "torch" in frameworks else frameworks[0]
        ours = CheckTable(c for c in self if c.framework == shown)
        rest = CheckTable(c for c in self if c.framework != shown)
        calls = ", ".join(c.call for c in ours[:2])
        if len(ours) > 2:
            calls += f" and {len(ours) - 2} more"
        text = f"{shown} {calls}: max |diff| {ours.largest:.1e}"
        if rest:
            names = ", ".join(dict.fromkeys(c.framework for c in rest))
            text += f" | {names}: {len(rest)} more, max {rest.largest:.1e}"
        return text

    def named(self, case: str) -> CheckTable:
        """The same checks with ``case`` in front of each call, to tell cases apart
        when tables are added together."""
        return CheckTable(
            Check(c.framework, f"{case}: {c.call}", c.difference, c.tolerance) for c in self
        )

    def __add__(self, other):
        return CheckTable(list(self) + list(other))

    def __repr__(self) -> str:
        return self.line()


#: Every check made since the module was imported (or since ``LOG.clear()``).
LOG = CheckTable()


def compare(framework: str, call: str, hand, other, rtol: float | None = None) -> Check:
    """Assert that ``other`` (a framework's result) equals ``hand``; return the check.

    ``rtol`` defaults to 1e-12 for ``framework="torch"`` and to 1e-6 otherwise. A
    shape mismatch or a difference above the tolerance raises ``AssertionError``
    naming ``call``.
    """
    if rtol is None:
        rtol = FLOAT64_RTOL if framework == "torch" else FLOAT32_RTOL
    hand = np.asarray(hand, dtype=np.float64)
    other = np.asarray(_numpy(other), dtype=np.float64)
    if hand.shape != other.shape:
        raise AssertionError(f"{call}: shape {other.shape}, the hand result has shape {hand.shape}")
    try:
        np.testing.assert_allclose(other, hand, rtol=rtol, atol=rtol)
    except AssertionError as error:
        raise AssertionError(f"{call} differs from the hand result:{error}") from None
    difference = float(np.max(np.abs(other - hand))) if hand.size else 0.0
    check = Check(framework, call, difference, rtol)
    LOG.append(check)
    return check


def check(framework: str, call: str, hand, other, rtol: float | None = None) -> CheckTable:
    """:func:`compare` one result, as a one-row :class:`CheckTable` for a cell to show."""
    return CheckTable([compare(framework, call, hand, other, rtol)])


def summary():
    """Per framework: how many checks :data:`LOG` holds and their largest difference."""
    import pandas as pd

    frame = pd.DataFrame(
        {"framework": [c.framework for c in LOG], "difference": [c.difference for c in LOG]}
    )
    table = frame.groupby("framework", sort=False)["difference"].agg(["count", "max"])
    table.columns = ["checks", "largest |difference|"]
    table["largest |difference|"] = table["largest |difference|"].map("{:.1e}".format)
    return table


def _numpy(value):
    if hasattr(value, "detach"):  # torch tensor
        return value.detach().numpy()
    if hasattr(value, "numpy"):  # TensorFlow / Keras tensor
        return value.numpy()
    return value


def _t64(a, grad=False):
    import torch

    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=torch.float64, requires_grad=grad)


def _f32(a):
    return np.asarray(a, dtype=np.float32)


def to_nhwc(x):
    """(C, H, W) or (H, W) image -> a float32 batch of one in TensorFlow's (1, H, W, C)."""
    x = np.asarray(x)
    x = x[None] if x.ndim == 2 else x
    return _f32(x.transpose(1, 2, 0)[None])


def to_hwio(w):
    """(out, in, kh, kw) or (kh, kw) weights -> float32 (kh, kw, in, out), TensorFlow's."""
    w = np.asarray(w)
    w = w[None, None] if w.ndim == 2 else w
    return _f32(w.transpose(2, 3, 1, 0))


def _from_nhwc(y, two_d):
    y = _numpy(y)[0].transpose(2, 0, 1)  # (1, H, W, C) -> (C, H, W)
    return y[0] if two_d else y


def conv2d(hand, x, w, b=None, *, stride: int = 1, padding=0) -> CheckTable:
    """Check a hand convolution (cross-correlation) against every framework.

    ``x`` is ``(C, H, W)`` or one ``(H, W)`` map, ``w`` is ``(F, C, kh, kw)`` or one
    ``(kh, kw)`` kernel, ``b`` is ``(F,)`` or None; ``hand`` has the output's shape,
    ``(F, OH, OW)`` or ``(OH, OW)``. ``padding`` is PyTorch's: ``p`` zeros on every
    side, or TensorFlow's names ``"valid"`` and ``"same"``. A framework that cannot
    express the padding is left out: PyTorch refuses ``"same"`` with a stride above 1,
    and Keras knows only ``"valid"`` and ``"same"``.
    """
    import keras
    import tensorflow as tf
    import torch.nn.functional as F

    two_d = np.ndim(x) == 2
    x3 = np.asarray(x)[None] if two_d else np.asarray(x)
    w4 = np.asarray(w)[None, None] if np.ndim(w) == 2 else np.asarray(w)
    filters, _, kh, kw = w4.shape
    bias = np.zeros(filters) if b is None else np.asarray(b)
    if isinstance(padding, str):
        if padding not in ("valid", "same"):
            raise ValueError(f"padding must be an int, 'valid' or 'same', got {padding!r}")
        pad = 0 if padding == "valid" else None
    else:
        pad = int(padding)
    table = CheckTable()

    if not (padding == "same" and stride > 1):
        torch_pad = padding if isinstance(padding, str) else pad
        out = F.conv2d(
            _t64(x3)[None],
            _t64(w4),
            None if b is None else _t64(b),
            stride=stride,
            padding=torch_pad,
        )[0]
        table.append(
            compare(
                "torch",
                f"F.conv2d(stride={stride}, padding={torch_pad!r})",
                hand,
                out[0] if two_d else out,
            )
        )

    tf_pad = (
        "SAME" if pad is None else "VALID" if pad == 0 else [[0, 0], [pad, pad], [pad, pad], [0, 0]]
    )
    out = tf.nn.conv2d(to_nhwc(x3), to_hwio(w4), strides=stride, padding=tf_pad)
    call = f"tf.nn.conv2d(strides={stride}, padding={tf_pad!r})"
    if b is not None:
        out, call = tf.nn.bias_add(out, _f32(b)), call + " + bias_add"
    table.append(compare("tensorflow", call, hand, _from_nhwc(out, two_d)))

    same_as_pad = stride == 1 and pad is not None and 2 * pad == kh - 1 == kw - 1
    keras_pad = "same" if pad is None or same_as_pad else "valid" if pad == 0 else None
    if keras_pad is not None:
        layer = keras.layers.Conv2D(filters, (kh, kw), strides=stride, padding=keras_pad)
        layer.build((None, *x3.shape[1:], x3.shape[0]))
        layer.set_weights([to_hwio(w4), _f32(bias)])
        out = layer(to_nhwc(x3))
        table.append(
            compare(
                "keras",
                f"layers.Conv2D(strides={stride}, padding={keras_pad!r})",
                hand,
                _from_nhwc(out, two_d),
            )
        )
    return table


def output_sizes(formula, cases):
    """Check an output-size formula against the shapes PyTorch and TensorFlow give.

    ``formula(W, K, P, S)`` is the hand formula; ``cases`` are ``(W, K, P, S)`` tuples
    (input width, kernel, symmetric padding, stride). Returns a table with the three
    widths per case; a disagreement raises ``AssertionError``.
    """
    import pandas as pd
    import tensorflow as tf
    import torch
    import torch.nn.functional as F

    rows = []
    for W, K, P, S in cases:
        torch_w = F.conv2d(
            torch.zeros(1, 1, W, W), torch.zeros(1, 1, K, K), stride=S, padding=P
        ).shape[-1]
        tf_w = tf.nn.conv2d(
            tf.zeros((1, W, W, 1)),
            tf.zeros((K, K, 1, 1)),
            strides=S,
            padding=[[0, 0], [P, P], [P, P], [0, 0]],
        ).shape[1]
        hand = formula(W, K, P, S)
        if not hand == torch_w == tf_w:
            raise AssertionError(
                f"W={W} K={K} P={P} S={S}: formula {hand}, torch {torch_w}, tensorflow {tf_w}"
            )
        rows.append((W, K, P, S, hand, torch_w, tf_w))
    return pd.DataFrame(rows, columns=["W", "K", "P", "S", "formula", "torch", "tensorflow"])


def pool2d(hand, x, k: int = 2, *, stride: int | None = None, op: str = "max") -> CheckTable:
    """Check hand pooling of one 2-D map ``x`` over ``k x k`` windows (``op`` is
    ``"max"`` or ``"mean"``; the stride defaults to ``k``, as in every framework)."""
    import keras
    import tensorflow as tf
    import torch.nn.functional as F

    if op not in ("max", "mean"):
        raise ValueError(f"op must be 'max' or 'mean', got {op!r}")
    s = k if stride is None else stride
    torch_fn, tf_fn, keras_layer = (
        (F.max_pool2d, tf.nn.max_pool2d, keras.layers.MaxPooling2D)
        if op == "max"
        else (F.avg_pool2d, tf.nn.avg_pool2d, keras.layers.AveragePooling2D)
    )
    table = CheckTable()
    table.append(
        compare(
            "torch",
            f"F.{torch_fn.__name__}({k}, stride={s})",
            hand,
            torch_fn(_t64(x)[None, None], k, stride=s)[0, 0],
        )
    )
    out = tf_fn(to_nhwc(x), k, strides=s, padding="VALID")
    table.append(
        compare(
            "tensorflow", f"tf.nn.{tf_fn.__name__}({k}, strides={s})", hand, _from_nhwc(out, True)
        )
    )
    out = keras_layer((k, k), strides=s)(to_nhwc(x))
    table.append(
        compare(
            "keras",
            f"layers.{keras_layer.__name__}(({k}, {k}), strides={s})",
            hand,
            _from_nhwc(out, True),
        )
    )
    return table


def pool_gradient(hand, x, upstream, k: int = 2, *, op: str = "max") -> CheckTable:
    """Check a hand gradient of ``sum(pool(x) * upstream)`` with respect to the 2-D
    map ``x`` (``k x k`` windows, stride ``k``): where backpropagation sends the
    gradient ``upstream`` that arrives at the pooled map. PyTorch's autograd and
    TensorFlow's ``GradientTape`` must both give ``hand``."""
    import tensorflow as tf
    import torch.nn.functional as F

    if op not in ("max", "mean"):
        raise ValueError(f"op must be 'max' or 'mean', got {op!r}")
    if np.shape(upstream) != (np.shape(x)[0] // k, np.shape(x)[1] // k):
        raise ValueError(
            f"upstream has shape {np.shape(upstream)}; the pooled map of a {np.shape(x)} "
            f"input with k={k} has shape {(np.shape(x)[0] // k, np.shape(x)[1] // k)}"
        )
    torch_fn, tf_fn = (
        (F.max_pool2d, tf.nn.max_pool2d) if op == "max" else (F.avg_pool2d, tf.nn.avg_pool2d)
    )
    xt = _t64(x, grad=True)
    (torch_fn(xt[None, None], k)[0, 0] * _t64(upstream)).sum().backward()
    table = CheckTable()
    table.append(compare("torch", f"autograd: F.{torch_fn.__name__}({k})", hand, xt.grad))
    xv = tf.constant(to_nhwc(x))
    with tf.GradientTape() as tape:
        tape.watch(xv)
        out = tf.reduce_sum(tf_fn(xv, k, strides=k, padding="VALID")[0, :, :, 0] * _f32(upstream))
    grad = tape.gradient(out, xv)
    table.append(
        compare(
            "tensorflow", f"GradientTape: tf.nn.{tf_fn.__name__}({k})", hand, _from_nhwc(grad, True)
        )
    )
    return table


def receptive_field(hand_sizes, layers, *, size: int = 28) -> CheckTable:
    """Check hand receptive-field sizes with PyTorch's autograd.

    ``layers`` is a list of ``(kernel, stride)`` pairs without padding, such as
    ``[(3, 1), (2, 2), (3, 1), (2, 2)]`` for conv, pool, conv, pool; ``hand_sizes`` has
    one width per layer: how many input pixels (along one axis) a unit after that
    layer depends on. Which pixels a unit sees depends only on the windows and the
    strides, so every layer is built as an average over its window (all weights
    positive, unlike a max-pool, which passes the gradient to one pixel only), and the
    input rows that receive a gradient from the middle unit are counted.
    """
    import torch
    import torch.nn.functional as F

    if len(hand_sizes) != len(layers):
        raise ValueError(
            f"{len(hand_sizes)} hand sizes for {len(layers)} layers: give one per layer"
        )
    measured = []
    for depth in range(1, len(layers) + 1):
        x = torch.zeros(1, 1, size, size, dtype=torch.float64, requires_grad=True)
        h = x
        for k, s in layers[:depth]:
            if h.shape[-1] < k:
                raise ValueError(f"a {size} x {size} input leaves no output after layer {depth}")
            h = F.avg_pool2d(h, k, stride=s)
        middle = h.shape[-1] // 2
        h[0, 0, middle, middle].backward()
        rows = torch.nonzero(x.grad[0, 0].abs().sum(dim=1)).flatten()
        measured.append(int(rows.max() - rows.min() + 1))
    return check("torch", "autograd: input pixels behind one unit", hand_sizes, measured)


def activation(name: str, z, value, derivative) -> CheckTable:
    """Check an activation (``"relu"``, ``"sigmoid"`` or ``"tanh"``) and its derivative
    at the points ``z`` against each framework's function and automatic
    differentiation (the gradient of the sum of the outputs is the derivative)."""
    import keras
    import tensorflow as tf
    import torch

    torch_fns = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}
    tf_fns = {
        "relu": ("tf.nn.relu", tf.nn.relu),
        "sigmoid": ("tf.sigmoid", tf.sigmoid),
        "tanh": ("tf.tanh", tf.tanh),
    }
    if name not in torch_fns:
        raise ValueError(f"unknown activation {name!r}; use one of {sorted(torch_fns)}")
    zt = _t64(z, grad=True)
    out = torch_fns[name](zt)
    out.sum().backward()
    table = CheckTable()
    table.append(compare("torch", f"torch.{name}", value, out))
    table.append(compare("torch", f"autograd: {name}'", derivative, zt.grad))
    zv = tf.constant(_f32(z))
    with tf.GradientTape() as tape:
        tape.watch(zv)
        out = tf_fns[name][1](zv)
    table.append(compare("tensorflow", tf_fns[name][0], value, out))
    table.append(
        compare("tensorflow", f"GradientTape: {name}'", derivative, tape.gradient(out, zv))
    )
    table.append(
        compare("keras", f"activations.{name}", value, getattr(keras.activations, name)(zv))
    )
    return table


def softmax(hand, z) -> CheckTable:
    """Check a hand softmax of the logits ``z`` (over the last axis)."""
    import keras
    import tensorflow as tf
    import torch

    table = CheckTable()
    table.append(compare("torch", "torch.softmax", hand, torch.softmax(_t64(z), dim=-1)))
    table.append(compare("tensorflow", "tf.nn.softmax", hand, tf.nn.softmax(_f32(z))))
    table.append(compare("keras", "ops.softmax", hand, keras.ops.softmax(_f32(z))))
    return table


def cross_entropy(hand, labels, *, probabilities=None, logits=None) -> CheckTable:
    """Check a hand cross-entropy (the mean over a batch) for integer ``labels``.

    Give either ``probabilities`` (``(N, K)``, what Keras losses take by default) or
    ``logits`` (what PyTorch's ``F.cross_entropy`` takes, and Keras with
    ``from_logits=True``). For probabilities PyTorch gets their logarithms as logits:
    the softmax of ``ln p`` is ``p`` when ``p`` sums to 1.
    """
    import keras
    import torch
    import torch.nn.functional as F

    if (probabilities is None) == (logits is None):
        raise ValueError("give either probabilities or logits")
    labels = np.atleast_1d(np.asarray(labels))
    scores = np.atleast_2d(probabilities if logits is None else logits)
    from_logits = logits is not None
    onehot = np.eye(scores.shape[1])[labels]
    table = CheckTable()
    torch_logits = _t64(scores if from_logits else np.log(scores))
    table.append(
        compare(
            "torch",
            "F.cross_entropy" + ("" if from_logits else "(ln p)"),
            hand,
            F.cross_entropy(torch_logits, torch.tensor(labels)),
        )
    )
    suffix = "(from_logits=True)" if from_logits else ""
    categorical = keras.losses.CategoricalCrossentropy(from_logits=from_logits)
    table.append(
        compare(
            "keras",
            "losses.CategoricalCrossentropy" + suffix,
            hand,
            categorical(_f32(onehot), _f32(scores)),
        )
    )
    sparse = keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)
    table.append(
        compare(
            "keras",
            "losses.SparseCategoricalCrossentropy" + suffix,
            hand,
            sparse(labels, _f32(scores)),
        )
    )
    return table


def cross_entropy_gradient(hand, logits, labels) -> CheckTable:
    """Check a hand gradient of the mean cross-entropy with respect to the logits
    (``(K,)`` for one example or ``(N, K)`` for a batch) against automatic
    differentiation in PyTorch and TensorFlow."""
    import keras
    import tensorflow as tf
    import torch
    import torch.nn.functional as F

    one = np.ndim(logits) == 1
    scores = np.atleast_2d(logits)
    labels = np.atleast_1d(np.asarray(labels))
    zt = _t64(scores, grad=True)
    F.cross_entropy(zt, torch.tensor(labels)).backward()
    table = CheckTable()
    table.append(
        compare("torch", "autograd: F.cross_entropy", hand, zt.grad[0] if one else zt.grad)
    )
    zv = tf.Variable(_f32(scores))
    with tf.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, zv)
    grad = tape.gradient(loss, zv).numpy()
    table.append(
        compare(
            "tensorflow",
            "GradientTape: SparseCategoricalCrossentropy",
            hand,
            grad[0] if one else grad,
        )
    )
    return table


def torch_two_layer(weights):
    """Chapter 3's tiny network in PyTorch: its four float64 parameters, which
    require gradients, and a function from one input vector to the two logits."""
    params = [_t64(v, grad=True) for v in weights]

    def logits(x):
        W1, b1, W2, b2 = params
        return W2 @ (W1 @ _t64(x) + b1).relu() + b2

    return params, logits


def keras_two_layer(weights, lam):
    """The tiny network in Keras: ``Dense`` kernels are ``W`` transposed, and
    ``L2(lam / 2)`` adds ``lam / 2 * sum(W ** 2)``, Keras' L2 having no one half."""
    import keras

    W1, b1, W2, b2 = weights
    net = keras.Sequential(
        [
            keras.Input((W1.shape[1],)),
            keras.layers.Dense(
                W1.shape[0], activation="relu", kernel_regularizer=keras.regularizers.L2(lam / 2)
            ),
            keras.layers.Dense(W2.shape[0], kernel_regularizer=keras.regularizers.L2(lam / 2)),
        ]
    )
    net.set_weights([W1.T, b1, W2.T, b2])
    return net


def _keras_loss_and_gradients(net, x, label):
    import keras
    import tensorflow as tf

    ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        logits = net(_f32(x)[None])
        penalty = tf.add_n(net.losses)  # the L2 terms, from the current weights
        total = ce(np.array([label]), logits) + penalty
    return penalty, total, tape.gradient(total, net.trainable_variables)


_NAMES = ("W1", "b1", "W2", "b2")


def _untranspose(a):
    a = _numpy(a)
    return a.T if a.ndim == 2 else a


def two_layer_network(
    hand_loss, hand_grads, weights, x, label, *, lam: float, l2=None
) -> CheckTable:
    """Check the loss and the four gradients of chapter 3's tiny network
    ``softmax(W2 relu(W1 x + b1) + b2)`` with the L2 penalty ``lam/2 (|W1|^2 + |W2|^2)``.

    ``weights`` and ``hand_grads`` are ``(W1, b1, W2, b2)``; ``l2`` (optional) is the
    hand penalty, compared with what Keras collects in ``model.losses``. PyTorch adds
    the penalty to the loss; Keras gets it from ``kernel_regularizer=L2(lam / 2)``.
    """
    import torch
    import torch.nn.functional as F

    params, logits = torch_two_layer(weights)
    W1, _, W2, _ = params
    loss = F.cross_entropy(logits(x)[None], torch.tensor([label])) + lam / 2 * (
        W1.square().sum() + W2.square().sum()
    )
    loss.backward()
    table = CheckTable()
    table.append(compare("torch", "cross_entropy + lam/2 ||W||^2", hand_loss, loss))
    for name, grad, param in zip(_NAMES, hand_grads, params):
        table.append(compare("torch", f"autograd: dL/d{name}", grad, param.grad))
    penalty, total, grads = _keras_loss_and_gradients(keras_two_layer(weights, lam), x, label)
    if l2 is not None:
        table.append(compare("keras", "L2(lam/2) penalty, model.losses", l2, penalty))
    table.append(compare("keras", "cross-entropy + model.losses", hand_loss, total))
    for name, grad, keras_grad in zip(_NAMES, hand_grads, grads):
        table.append(
            compare("tensorflow", f"GradientTape: dL/d{name}", grad, _untranspose(keras_grad))
        )
    return table


def sgd_step(hand_new, weights, x, label, *, lam: float, eta: float) -> CheckTable:
    """Check one hand SGD step with L2 on chapter 3's tiny network (see
    :func:`two_layer_network`): ``hand_new`` are the four updated arrays.

    PyTorch: the cross-entropy alone is backpropagated and ``torch.optim.SGD`` adds
    ``lam * W`` through ``weight_decay=lam``, given to the weights only (a parameter
    group with ``weight_decay=0`` spares the biases). Keras: ``SGD`` applies the
    gradients of the loss that includes the ``L2(lam / 2)`` regularizer.
    """
    import keras
    import torch
    import torch.nn.functional as F

    params, logits = torch_two_layer(weights)
    W1, b1, W2, b2 = params
    optimizer = torch.optim.SGD(
        [{"params": [W1, W2], "weight_decay": lam}, {"params": [b1, b2], "weight_decay": 0.0}],
        lr=eta,
    )
    optimizer.zero_grad()
    F.cross_entropy(logits(x)[None], torch.tensor([label])).backward()
    optimizer.step()
    table = CheckTable()
    for name, new, param in zip(_NAMES, hand_new, params):
        table.append(compare("torch", f"optim.SGD(weight_decay): {name}", new, param))
    net = keras_two_layer(weights, lam)
    _, _, grads = _keras_loss_and_gradients(net, x, label)
    keras.optimizers.SGD(learning_rate=eta).apply_gradients(zip(grads, net.trainable_variables))
    for name, new, value in zip(_NAMES, hand_new, net.get_weights()):
        table.append(compare("keras", f"optimizers.SGD + L2: {name}", new, _untranspose(value)))
    return table
