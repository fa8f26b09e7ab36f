"""mnist_utils.numpy_cnn: exact values, gradient checks, bad input, PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_utils import numpy_cnn as nc

TOL = 1e-6  # relative error allowed between backward and central differences


def _rng(seed=0):
    return np.random.default_rng(seed)


# ------------------------------------------------------------ exact values


def test_im2col_rows_are_the_patches():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    cols = nc.im2col(x, 3, 3)
    assert cols.shape == (4, 9)
    np.testing.assert_array_equal(cols[0], [0, 1, 2, 4, 5, 6, 8, 9, 10])
    np.testing.assert_array_equal(cols[3], [5, 6, 7, 9, 10, 11, 13, 14, 15])


@pytest.mark.parametrize("padding", [0, 1])
def test_conv_forward_equals_naive_loops(padding):
    rng = _rng(1)
    x = rng.standard_normal((2, 3, 7, 6))
    conv = nc.Conv2D(3, 4, 3, padding=padding, rng=2, dtype=np.float64)
    conv.params["b"][:] = rng.standard_normal(4)
    W, b = conv.params["W"], conv.params["b"]
    x_pad = np.pad(x, ((0, 0), (0, 0), (padding,) * 2, (padding,) * 2))
    expected = nc.conv2d_naive(x_pad, W, b)
    out = conv.forward(x)
    assert out.shape == expected.shape == (2, 4, 5 + 2 * padding, 4 + 2 * padding)
    np.testing.assert_allclose(out, expected, rtol=0, atol=1e-12)


def test_conv_by_hand():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    conv = nc.Conv2D(1, 1, 3, dtype=np.float64)
    conv.params["W"][:] = 0
    conv.params["W"][0, 0, 1, 1] = 1.0  # picks the centre pixel
    conv.params["b"][:] = 0.5
    np.testing.assert_array_equal(conv.forward(x)[0, 0], [[5.5, 6.5], [9.5, 10.5]])


POOL_X = np.array([[1, 3, 2, 1], [4, 2, 0, 1], [5, 6, 1, 2], [7, 8, 3, 4]], dtype=np.float64)[
    None, None
]


def test_maxpool_forward_and_backward_by_hand():
    pool = nc.MaxPool2D(2)
    np.testing.assert_array_equal(pool.forward(POOL_X)[0, 0], [[4, 2], [8, 4]])
    dx = pool.backward(np.array([[[[10.0, 20.0], [30.0, 40.0]]]]))
    np.testing.assert_array_equal(
        dx[0, 0], [[0, 0, 20, 0], [10, 0, 0, 0], [0, 0, 0, 0], [0, 30, 0, 40]]
    )


def test_maxpool_ties_go_to_the_first_and_odd_edges_are_dropped():
    x = np.zeros((1, 1, 5, 5))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = 2.0  # a tie in the top-left window
    pool = nc.MaxPool2D(2)
    out = pool.forward(x)
    assert out.shape == (1, 1, 2, 2)
    dx = pool.backward(np.ones((1, 1, 2, 2)))
    expected = np.zeros((5, 5))
    expected[0, 1] = 1  # first of the two 2s in row-major order
    expected[0, 2] = expected[2, 0] = expected[2, 2] = 1  # all-zero windows
    np.testing.assert_array_equal(dx[0, 0], expected)
    assert dx.sum() == 4  # the gradient is routed, never copied


def test_relu_forward_and_backward():
    relu = nc.ReLU()
    x = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(relu.forward(x), [[0, 0, 3]])
    np.testing.assert_array_equal(relu.backward(np.ones_like(x)), [[0, 0, 1]])


def test_softmax_and_cross_entropy_on_article_001s_examples():
    np.testing.assert_allclose(
        nc.softmax(np.array([1.0, 2.0, 3.0])), [0.090031, 0.244728, 0.665241], atol=1e-6
    )
    y_hat = np.array([[0.2, 0.3, 0.5]])
    ce = nc.SoftmaxCrossEntropy()
    loss = ce.forward(np.log(y_hat), np.array([2]))  # softmax(log p) = p
    assert loss == pytest.approx(0.693147, abs=1e-6)
    np.testing.assert_allclose(ce.backward(), [[0.2, 0.3, -0.5]], atol=1e-12)


def test_softmax_is_stable_for_huge_logits():
    ce = nc.SoftmaxCrossEntropy()
    loss = ce.forward(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0]))
    assert np.isfinite(loss) and loss == pytest.approx(500.0)


def test_dense_forward_by_hand():
    dense = nc.Dense(2, 3, dtype=np.float64)
    dense.params["W"][:] = [[1, 2, 3], [4, 5, 6]]
    dense.params["b"][:] = [0.5, 0, -0.5]
    np.testing.assert_array_equal(dense.forward(np.array([[1.0, 1.0]])), [[5.5, 7, 8.5]])


# -------------------------------------------------------------- bad input


def test_a_single_image_without_batch_and_channel_axes_is_refused():
    model = nc.build_cnn(4, 3, seed=0)
    image = np.zeros((28, 28), dtype=np.float32)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\).*x\[None, None\]"):
        model.forward(image)
    with pytest.raises(ValueError, match=r"x\[:, None\]"):
        model.forward(np.zeros((5, 28, 28), dtype=np.float32))
    assert model.forward(image[None, None]).shape == (1, 10)


def test_other_bad_inputs_say_what_is_expected():
    model = nc.build_cnn(4, 3, seed=0)
    with pytest.raises(ValueError, match="1 channel"):
        model.forward(np.zeros((2, 3, 28, 28), dtype=np.float32))
    with pytest.raises(TypeError, match="x.astype"):
        model.forward(np.zeros((2, 1, 28, 28), dtype=np.uint8))
    with pytest.raises(ValueError, match="at least 3x3"):
        model.forward(np.zeros((2, 1, 2, 2), dtype=np.float32))
    with pytest.raises(ValueError, match=r"Dense expects shape \(N, 12\)"):
        nc.Dense(12, 5).forward(np.zeros((2, 13)))
    ce = nc.SoftmaxCrossEntropy()
    with pytest.raises(ValueError, match="labels must have shape"):
        ce.forward(np.zeros((2, 10)), np.zeros((2, 10), dtype=int))
    with pytest.raises(ValueError, match="integers in 0..9"):
        ce.forward(np.zeros((2, 10)), np.array([0, 10]))


# ---------------------------------------------------------- gradient checks


def _conv_with_bias(padding=0):
    conv = nc.Conv2D(2, 3, 3, padding=padding, rng=1, dtype=np.float64)
    conv.params["b"][:] = _rng(5).standard_normal(3)
    return conv


LAYERS = {
    "conv": (_conv_with_bias, (2, 2, 6, 5), ("W", "b", "x")),
    "conv_padded": (lambda: _conv_with_bias(1), (2, 2, 4, 4), ("W", "b", "x")),
    "relu": (nc.ReLU, (2, 3, 4, 4), ("x",)),
    "maxpool": (nc.MaxPool2D, (2, 3, 5, 4), ("x",)),
    "flatten": (nc.Flatten, (2, 3, 2, 2), ("x",)),
    "dense": (lambda: nc.Dense(12, 5, rng=2, dtype=np.float64), (4, 12), ("W", "b", "x")),
}


@pytest.mark.parametrize("name", LAYERS)
def test_every_layer_passes_the_gradient_check(name):
    make, shape, expected_keys = LAYERS[name]
    layer = make()
    results = nc.check_layer_gradients(layer, _rng(3).standard_normal(shape))
    assert tuple(results) == expected_keys
    for key, (analytic, numeric) in results.items():
        assert analytic.shape == numeric.shape
        assert np.abs(analytic).max() > 1e-3, f"{name}.{key}: all zero?"
        assert nc.relative_error(analytic, numeric) < TOL, f"{name}.{key}"


def test_softmax_cross_entropy_gradient_check():
    rng = _rng(4)
    z, y = rng.standard_normal((5, 10)), rng.integers(0, 10, 5)
    ce = nc.SoftmaxCrossEntropy()
    ce.forward(z, y)
    analytic = ce.backward()
    numeric = nc.numerical_gradient(lambda: ce.forward(z, y), z)
    assert nc.relative_error(analytic, numeric) < TOL


def test_whole_network_gradient_check():
    rng = _rng(6)
    model = nc.build_cnn(3, 3, image_size=8, seed=1, dtype=np.float64)
    model.layers[0].input_grad = True
    for _, _, a in model.parameters():
        a += 0.1 * rng.standard_normal(a.shape)
    x, y = rng.standard_normal((3, 1, 8, 8)), np.array([0, 4, 9])
    model.loss(x, y)
    dx = model.backward()
    for i, name, a in model.parameters():
        numeric = nc.numerical_gradient(lambda: model.loss(x, y), a)
        err = nc.relative_error(model.layers[i].grads[name], numeric)
        assert err < TOL, (i, name, err)
    numeric = nc.numerical_gradient(lambda: model.loss(x, y), x)
    assert nc.relative_error(dx, numeric) < TOL


def test_relative_error():
    a = np.array([1.0, 2.0])
    assert nc.relative_error(a, a) == 0.0
    assert nc.relative_error(a, -a) == 1.0
    assert nc.relative_error(np.zeros(2), np.zeros(2)) == 0.0


# ---------------------------------------------------------------- training


def _small_mnist(n=600):
    from mnist_utils import load_mnist

    (x, y), _ = load_mnist()
    return (x[:n].astype(np.float32) / 255)[:, None], y[:n]


def test_training_lowers_the_loss_and_is_seeded():
    x, y = _small_mnist()

    def train(seed):
        model = nc.build_cnn(8, 5, seed=seed)
        opt = nc.SGD(model, lr=0.05, momentum=0.9)
        rng = np.random.default_rng(seed)
        losses = nc.train_epoch(model, opt, x, y, 50, rng)
        return model, losses

    model, losses = train(0)
    assert model.layers[0].params["W"].dtype == np.float32
    assert len(losses) == 12 and losses[-3:].mean() < losses[:3].mean()
    accuracy, _ = model.evaluate(x, y)
    assert accuracy > 0.6
    again, losses_again = train(0)
    np.testing.assert_array_equal(losses, losses_again)
    for (_, _, a), (_, _, b) in zip(model.parameters(), again.parameters()):
        np.testing.assert_array_equal(a, b)
    _, other = train(1)
    assert not np.array_equal(losses, other)


# ----------------------------------------------------------------- PyTorch


def test_same_weights_give_the_same_logits_loss_and_gradients_in_torch():
    torch = pytest.importorskip("torch")
    rng = _rng(7)
    model = nc.build_cnn(4, 5, image_size=14, seed=2, dtype=np.float64)
    model.layers[0].input_grad = True
    for _, _, a in model.parameters():
        a += 0.05 * rng.standard_normal(a.shape)
    x = np.maximum(rng.standard_normal((6, 1, 14, 14)), 0)
    y = rng.integers(0, 10, 6)
    net = nc.torch_twin(model)

    xt = torch.from_numpy(x).requires_grad_()
    logits_t = net(xt)
    loss_t = torch.nn.functional.cross_entropy(logits_t, torch.from_numpy(y))
    loss_t.backward()
    logits = model.forward(x)
    loss = model.loss(x, y)
    dx = model.backward()

    assert np.abs(logits - logits_t.detach().numpy()).max() < 1e-10
    assert abs(loss - loss_t.item()) < 1e-10
    conv, dense = model.layers[0], model.layers[4]
    pairs = [
        (conv.grads["W"], net[0].weight.grad),
        (conv.grads["b"], net[0].bias.grad),
        (dense.grads["W"], net[4].weight.grad.T),
        (dense.grads["b"], net[4].bias.grad),
        (dx, xt.grad),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=0, atol=1e-10)


def test_sgd_with_momentum_matches_torch_optim_sgd():
    torch = pytest.importorskip("torch")
    rng = _rng(8)
    model = nc.build_cnn(2, 3, image_size=8, seed=3, dtype=np.float64)
    net = nc.torch_twin(model)
    opt = nc.SGD(model, lr=0.1, momentum=0.9)
    opt_t = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    for _ in range(3):
        x = rng.standard_normal((4, 1, 8, 8))
        y = rng.integers(0, 10, 4)
        model.loss(x, y)
        model.backward()
        opt.step()
        opt_t.zero_grad()
        torch.nn.functional.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        opt_t.step()
    np.testing.assert_allclose(
        model.layers[0].params["W"], net[0].weight.detach().numpy(), atol=1e-12
    )
    np.testing.assert_allclose(
        model.layers[4].params["W"].T, net[4].weight.detach().numpy(), atol=1e-12
    )
