"""A small CNN written from scratch in NumPy, forward and backward (chapter 4).

Every layer is a class with the same four members:

* ``params``: a dict of weight arrays (empty for ReLU, pooling, flatten);
* ``grads``: the same keys, filled by ``backward``;
* ``forward(x)``: computes the output and keeps what ``backward`` needs;
* ``backward(grad)``: takes dL/d(output), fills ``grads`` and returns
  dL/d(input).

Images are ``(N, C, H, W)`` arrays (batch, channels, height, width), the
layout PyTorch uses, so a conv kernel copies to ``torch.nn.Conv2d`` as it is;
the dense weight is stored as (in, out), the transpose of ``nn.Linear``'s.
Everything is vectorised: a convolution is one matrix product over an
*im2col* matrix, and no Python loop runs over samples or pixels. ``dtype``
is float32 for training speed and float64 for gradient checks.

``softmax`` here is :func:`mnist_utils.metrics.softmax` (one copy for the whole book),
re-exported so that chapter 4 can write ``nc.softmax``.
"""

from __future__ import annotations

import numpy as np

from .metrics import softmax

__all__ = [
    "Conv2D",
    "Dense",
    "Flatten",
    "MaxPool2D",
    "ReLU",
    "SGD",
    "Sequential",
    "SoftmaxCrossEntropy",
    "build_cnn",
    "check_layer_gradients",
    "conv2d_naive",
    "im2col",
    "numerical_gradient",
    "relative_error",
    "softmax",
    "torch_twin",
    "train_epoch",
]


# ----------------------------------------------------------------- checks


def check_images(x, layer, channels=None, min_size=1):
    """Return ``x`` if it is a floating (N, C, H, W) batch, else raise a
    ValueError/TypeError that says what shape and type are expected."""
    x = np.asarray(x)
    if x.ndim != 4:
        hint = ""
        if x.ndim == 2:
            hint = "; for one image use x[None, None]"
        elif x.ndim == 3:
            hint = "; for a batch of N grey images use x[:, None]"
        raise ValueError(
            f"{layer} expects a 4-D batch of shape (N, C, H, W), "
            f"e.g. (64, 1, 28, 28); got shape {x.shape}{hint}"
        )
    if channels is not None and x.shape[1] != channels:
        raise ValueError(
            f"{layer} expects {channels} channel(s) on axis 1 of (N, C, H, W); got shape {x.shape}"
        )
    if min(x.shape[2:]) < min_size:
        raise ValueError(
            f"{layer} needs images of at least {min_size}x{min_size} pixels; got shape {x.shape}"
        )
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(
            f"{layer} expects floating-point input, got {x.dtype}; "
            "scale the images first, e.g. x.astype(np.float32) / 255"
        )
    return x


# ------------------------------------------------------------ convolution


def im2col(x, kh, kw):
    """Unfold (N, C, H, W) into a matrix of shape (N*OH*OW, C*kh*kw).

    Row (n, i, j) holds the C x kh x kw patch of image n that the kernel
    sees at output position (i, j); OH = H - kh + 1, OW = W - kw + 1.
    """
    n, c, h, w = x.shape
    oh, ow = h - kh + 1, w - kw + 1
    # windows[n, c, i, j] is the kh x kw patch at (i, j): a view, no copy
    windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    # (N, OH, OW, C, kh, kw): one row per position; reshape copies here
    windows = windows.transpose(0, 2, 3, 1, 4, 5)
    return windows.reshape(n * oh * ow, c * kh * kw)


def conv2d_naive(x, W, b):
    """The textbook loops (the reference for tests): y[n, f, i, j] =
    b[f] + sum over c, u, v of W[f, c, u, v] * x[n, c, i + u, j + v]."""
    n, c, h, w = x.shape
    f, _, kh, kw = W.shape
    y = np.zeros((n, f, h - kh + 1, w - kw + 1), dtype=np.float64)
    for s in range(n):
        for o in range(f):
            for i in range(h - kh + 1):
                for j in range(w - kw + 1):
                    patch = x[s, :, i : i + kh, j : j + kw]
                    y[s, o, i, j] = b[o] + np.sum(patch * W[o])
    return y


class Conv2D:
    """Convolution (cross-correlation), stride 1, optional zero padding.

    ``W`` has shape (F, C, k, k) like ``torch.nn.Conv2d.weight``, ``b`` (F,).
    ``input_grad=False`` skips dL/dx: the first layer does not need it.
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        *,
        padding=0,
        input_grad=True,
        rng=None,
        dtype=np.float32,
    ):
        rng = np.random.default_rng(rng)
        k = kernel_size
        fan_in = in_channels * k * k
        # He initialisation: keeps the signal's scale through a ReLU
        W = rng.standard_normal((out_channels, in_channels, k, k))
        self.params = {
            "W": (W * np.sqrt(2.0 / fan_in)).astype(dtype),
            "b": np.zeros(out_channels, dtype=dtype),
        }
        self.grads = {}
        self.k, self.padding, self.input_grad = k, padding, input_grad

    def forward(self, x):
        W, b = self.params["W"], self.params["b"]
        n_out, c_in, k, _ = W.shape
        x = check_images(x, "Conv2D", c_in, k - 2 * self.padding)
        p = self.padding
        if p:
            x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        n, _, h, w = x.shape
        oh, ow = h - k + 1, w - k + 1
        cols = im2col(x, k, k)  # (N*OH*OW, C*k*k)
        out = cols @ W.reshape(n_out, -1).T + b  # (N*OH*OW, F)
        self.cache = (cols, x.shape)
        # back to (N, F, OH, OW), stored contiguously for the next layers
        return np.ascontiguousarray(out.reshape(n, oh, ow, n_out).transpose(0, 3, 1, 2))

    def backward(self, grad):
        cols, (n, c_in, h, w) = self.cache
        W = self.params["W"]
        n_out, k = W.shape[0], self.k
        # rows in the same (n, i, j) order as the rows of cols
        g = grad.transpose(0, 2, 3, 1).reshape(-1, n_out)  # (N*OH*OW, F)
        self.grads["W"] = (g.T @ cols).reshape(W.shape)
        self.grads["b"] = g.sum(axis=0)
        if not self.input_grad:
            return None
        # dL/dx: correlate the zero-padded gradient with the kernel
        # flipped in space, in- and out-channels swapped: im2col again
        gp = np.pad(grad, ((0, 0), (0, 0), (k - 1, k - 1), (k - 1, k - 1)))
        W_flip = W[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C, F, k, k)
        dx = im2col(gp, k, k) @ W_flip.reshape(c_in, -1).T  # (N*H*W, C)
        dx = dx.reshape(n, h, w, c_in).transpose(0, 3, 1, 2)
        p = self.padding
        return dx[:, :, p : h - p, p : w - p] if p else dx


# ------------------------------------------------------ ReLU and pooling


class ReLU:
    """max(0, x); its derivative is 1 where x > 0 and 0 elsewhere."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        self.mask = x > 0
        return np.maximum(x, 0)

    def backward(self, grad):
        return grad * self.mask


class MaxPool2D:
    """Non-overlapping max pooling (stride = size). Rows or columns that do
    not fill a whole window are dropped, as in PyTorch and Keras."""

    def __init__(self, size=2):
        self.size = size
        self.params, self.grads = {}, {}

    def _views(self, a):
        """The p*p positions (di, dj) inside the windows, each as one
        strided view of ``a`` with shape (N, C, OH, OW)."""
        p = self.size
        oh, ow = a.shape[2] // p, a.shape[3] // p
        return [a[:, :, di : oh * p : p, dj : ow * p : p] for di in range(p) for dj in range(p)]

    def forward(self, x):
        x = check_images(x, "MaxPool2D", min_size=self.size)
        views = self._views(x)
        out = views[0].copy()
        for v in views[1:]:  # p*p - 1 element-wise maxima
            np.maximum(out, v, out=out)
        # where each window's maximum sits: a boolean mask per position,
        # the first position wins a tie (as in PyTorch)
        taken = np.zeros(out.shape, dtype=bool)
        self.winners = []
        for v in views:
            win = (v == out) & ~taken
            taken |= win
            self.winners.append(win)
        self.x_shape = x.shape
        return out

    def backward(self, grad):
        # each window's gradient goes to its winner; the others get 0
        dx = np.zeros(self.x_shape, dtype=grad.dtype)
        for view, win in zip(self._views(dx), self.winners):
            view[...] = grad * win  # writes into dx
        return dx


# ------------------------------------------------ flatten, dense, softmax


class Flatten:
    """(N, C, H, W) -> (N, C*H*W) in C order, like ``torch.flatten(x, 1)``."""

    def __init__(self):
        self.params, self.grads = {}, {}

    def forward(self, x):
        self.x_shape = x.shape
        return x.reshape(len(x), -1)

    def backward(self, grad):
        return grad.reshape(self.x_shape)


class Dense:
    """z = x W + b for a batch of row vectors x (N, in); W (in, out).

    Article 001 writes z = W a + b for one column vector a, so its W, like
    ``torch.nn.Linear.weight``, has the shape (out, in): the transpose.
    """

    def __init__(self, n_in, n_out, *, rng=None, dtype=np.float32):
        rng = np.random.default_rng(rng)
        # LeCun initialisation: no ReLU follows, the logits go to softmax
        W = rng.standard_normal((n_in, n_out)) * np.sqrt(1.0 / n_in)
        self.params = {"W": W.astype(dtype), "b": np.zeros(n_out, dtype=dtype)}
        self.grads = {}

    def forward(self, x):
        n_in = self.params["W"].shape[0]
        if x.ndim != 2 or x.shape[1] != n_in:
            raise ValueError(f"Dense expects shape (N, {n_in}); got shape {x.shape}")
        self.x = x
        return x @ self.params["W"] + self.params["b"]

    def backward(self, grad):
        self.grads["W"] = self.x.T @ grad  # sums over the batch
        self.grads["b"] = grad.sum(axis=0)
        return grad @ self.params["W"].T


class SoftmaxCrossEntropy:
    """Mean cross-entropy of softmax(logits) against integer labels.

    ``backward()`` returns dL/dlogits = (softmax(z) - onehot(y)) / N.
    """

    def forward(self, logits, y):
        y = np.asarray(y)
        if logits.ndim != 2:
            raise ValueError(
                "SoftmaxCrossEntropy expects logits of shape "
                f"(N, classes); got shape {logits.shape}"
            )
        if y.shape != (len(logits),):
            raise ValueError(
                f"labels must have shape ({len(logits)},) (integer classes); got shape {y.shape}"
            )
        if (
            not np.issubdtype(y.dtype, np.integer)
            or len(y)
            and (y.min() < 0 or y.max() >= logits.shape[1])
        ):
            raise ValueError(f"labels must be integers in 0..{logits.shape[1] - 1}")
        # log-softmax, computed stably: z - max - log(sum(exp(z - max)))
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        self.probs, self.y = np.exp(log_p), y
        return -log_p[np.arange(len(y)), y].mean()

    def backward(self):
        n = len(self.y)
        grad = self.probs.copy()
        grad[np.arange(n), self.y] -= 1  # y-hat minus the one-hot y
        return grad / n


# ------------------------------------------------------------ the model


class Sequential:
    """Layers applied in order, with softmax cross-entropy on top."""

    def __init__(self, layers):
        self.layers = list(layers)
        self.loss_fn = SoftmaxCrossEntropy()

    def forward(self, x):
        for layer in self.layers:
            x = layer.forward(x)
        return x  # the logits

    def loss(self, x, y):
        return self.loss_fn.forward(self.forward(x), y)

    def backward(self):
        grad = self.loss_fn.backward()
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad  # dL/dx, or None when the first layer skips it

    def parameters(self):
        """(layer index, name, array) for every weight array."""
        return [
            (i, name, a) for i, layer in enumerate(self.layers) for name, a in layer.params.items()
        ]

    def predict_logits(self, x, batch_size=500):
        """Logits for many images, a batch at a time to bound memory."""
        return np.concatenate(
            [self.forward(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
        )

    def evaluate(self, x, y, batch_size=500):
        """(accuracy, mean loss) over a data set."""
        logits = self.predict_logits(x, batch_size)
        loss = SoftmaxCrossEntropy().forward(logits, y)
        return float((logits.argmax(axis=1) == y).mean()), float(loss)


def build_cnn(filters=16, kernel_size=5, image_size=28, n_classes=10, *, seed=0, dtype=np.float32):
    """conv(filters, k x k) -> ReLU -> 2x2 max-pool -> flatten -> dense."""
    rng = np.random.default_rng(seed)
    pooled = (image_size - kernel_size + 1) // 2
    return Sequential(
        [
            Conv2D(1, filters, kernel_size, input_grad=False, rng=rng, dtype=dtype),
            ReLU(),
            MaxPool2D(2),
            Flatten(),
            Dense(filters * pooled * pooled, n_classes, rng=rng, dtype=dtype),
        ]
    )


def torch_twin(model):
    """The PyTorch twin of a :func:`build_cnn` model, holding the same weights.

    ``nn.Conv2d.weight`` has ``Conv2D``'s (F, C, k, k) layout and copies as it is;
    ``nn.Linear.weight`` is (out, in), the transpose of ``Dense``'s (in, out). The
    twin has the NumPy model's dtype (float32 or float64). Chapter 4 compares the
    two networks' logits and gradients.
    """
    import torch
    from torch import nn

    conv, dense = model.layers[0], model.layers[4]
    n_filters, n_channels, k, _ = conv.params["W"].shape
    net = nn.Sequential(
        nn.Conv2d(n_channels, n_filters, k),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(*dense.params["W"].shape),
    ).to(torch.from_numpy(conv.params["W"]).dtype)
    with torch.no_grad():
        net[0].weight.copy_(torch.from_numpy(conv.params["W"]))
        net[0].bias.copy_(torch.from_numpy(conv.params["b"]))
        net[4].weight.copy_(torch.from_numpy(dense.params["W"].T))
        net[4].bias.copy_(torch.from_numpy(dense.params["b"]))
    return net


# ------------------------------------------------------------- training


class SGD:
    """Minibatch SGD with momentum, in PyTorch's form:
    v = momentum * v + grad;  w = w - lr * v."""

    def __init__(self, model, lr, momentum=0.0):
        self.model, self.lr, self.momentum = model, lr, momentum
        self.velocity = {(i, name): np.zeros_like(a) for i, name, a in model.parameters()}

    def step(self):
        for i, name, w in self.model.parameters():
            v = self.velocity[i, name]
            v *= self.momentum
            v += self.model.layers[i].grads[name]
            w -= self.lr * v  # in place


def train_epoch(model, optimizer, x, y, batch_size, rng):
    """One pass over (x, y) in shuffled minibatches.

    Returns the loss of every minibatch (measured before its update)."""
    order = rng.permutation(len(x))
    losses = []
    for start in range(0, len(x), batch_size):
        idx = order[start : start + batch_size]
        losses.append(model.loss(x[idx], y[idx]))  # forward
        model.backward()  # backward: the grads
        optimizer.step()  # update the weights
    return np.array(losses)


# ------------------------------------------------------ gradient checks


def numerical_gradient(f, a, eps=1e-6):
    """dF/da by central differences, one entry at a time:
    (f(a + eps) - f(a - eps)) / (2 eps). ``a`` is changed in place and
    restored. Slow by design: it is the reference, not the method."""
    grad = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        old = a[idx]
        a[idx] = old + eps
        plus = f()
        a[idx] = old - eps
        minus = f()
        a[idx] = old
        grad[idx] = (plus - minus) / (2 * eps)
    return grad


def relative_error(analytic, numeric):
    """||a - n|| / (||a|| + ||n||): 0 when equal, 1 when unrelated."""
    num = np.linalg.norm(analytic - numeric)
    den = np.linalg.norm(analytic) + np.linalg.norm(numeric)
    return float(num / den) if den else 0.0


def check_layer_gradients(layer, x, *, seed=0, eps=1e-6):
    """Compare a layer's backward pass with central differences.

    The scalar checked is L = sum(layer.forward(x) * R) for a fixed
    random R, so dL/d(output) = R. Returns a dict ``{name: (analytic,
    numeric)}`` for every parameter and for the input ``"x"`` (skipped
    when the layer does not compute it). Use float64 arrays.
    """
    x = np.array(x, dtype=np.float64)
    R = np.random.default_rng(seed).standard_normal(layer.forward(x).shape)
    dx = layer.backward(R)
    results = {}
    for name, a in layer.params.items():
        numeric = numerical_gradient(lambda: np.sum(layer.forward(x) * R), a, eps)
        results[name] = (layer.grads[name], numeric)
    if dx is not None:
        numeric = numerical_gradient(lambda: np.sum(layer.forward(x) * R), x, eps)
        results["x"] = (dx, numeric)
    return results
