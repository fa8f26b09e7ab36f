"""mnist_utils.crosscheck: hand results checked against PyTorch, TensorFlow and Keras."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_utils import crosscheck

pytest.importorskip("torch")
pytest.importorskip("keras")

X = np.array(
    [[1, 2, 0, 1, 3], [0, 1, 3, 2, 1], [2, 0, 1, 0, 2], [1, 3, 2, 1, 0], [0, 1, 0, 2, 1]],
    dtype=np.float64,
)
W = np.array([[1, 0, -1], [2, 1, 0], [0, -1, 1]], dtype=np.float64)
# The 'valid' cross-correlation of X with W, worked out by hand.
Y_VALID = np.array([[3.0, 5.0, 7.0], [0.0, -1.0, 3.0], [5.0, 10.0, 3.0]])


def test_compare_records_the_largest_difference_and_the_tolerance():
    check = crosscheck.compare("torch", "f", [1.0, 2.0], np.array([1.0, 2.0 + 1e-13]))
    assert check.framework == "torch" and check.call == "f"
    assert check.difference == pytest.approx(1e-13, rel=1e-3)
    assert check.tolerance == crosscheck.FLOAT64_RTOL
    assert crosscheck.compare("keras", "g", 1.0, 1.0).tolerance == crosscheck.FLOAT32_RTOL
    assert crosscheck.LOG[-1].call == "g"


def test_compare_fails_on_a_wrong_value_or_shape():
    with pytest.raises(AssertionError, match="my call differs"):
        crosscheck.compare("torch", "my call", [1.0, 2.0], [1.0, 2.0 + 1e-9])
    with pytest.raises(AssertionError, match="shape"):
        crosscheck.compare("keras", "my call", [1.0, 2.0], [1.0, 2.0, 3.0])


def test_table_adds_names_and_shows_one_row_per_check():
    table = crosscheck.check("torch", "a", 1.0, 1.0).named("case 1") + crosscheck.check(
        "keras", "b", 2.0, 2.0
    )
    assert isinstance(table, crosscheck.CheckTable)
    assert [c.call for c in table] == ["case 1: a", "b"]
    assert list(table.frame()["framework"]) == ["torch", "keras"]
    assert "case 1: a" in table.frame().to_string()
    assert table.largest == 0.0


def test_a_table_shows_as_one_line_naming_pytorch_and_counting_the_others():
    table = crosscheck.conv2d(Y_VALID, X, W)
    assert (
        repr(table)
        == table.line()
        == (
            "torch F.conv2d(stride=1, padding=0): max |diff| 0.0e+00 | tensorflow, keras: 2 more, "
            "max 0.0e+00"
        )
    )
    many = crosscheck.CheckTable(crosscheck.Check("torch", c, 0.0, 1e-12) for c in "abcd")
    assert many.line().startswith("torch a, b and 2 more:")
    no_torch = crosscheck.CheckTable([crosscheck.Check("keras", "k", 2e-8, 1e-6)])
    assert no_torch.line() == "keras k: max |diff| 2.0e-08"
    assert crosscheck.CheckTable().line() == "no checks"


def test_layout_helpers_transpose_to_tensorflow():
    x = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    assert crosscheck.to_nhwc(x).shape == (1, 3, 4, 2)
    assert crosscheck.to_nhwc(x)[0, 1, 2, 1] == x[1, 1, 2]
    w = np.arange(5 * 2 * 3 * 3).reshape(5, 2, 3, 3)
    assert crosscheck.to_hwio(w).shape == (3, 3, 2, 5)
    assert crosscheck.to_hwio(w)[0, 2, 1, 4] == w[4, 1, 0, 2]
    assert crosscheck.to_hwio(W).shape == (3, 3, 1, 1)


def test_conv2d_checks_every_framework_that_can_express_the_padding():
    table = crosscheck.conv2d(Y_VALID, X, W)
    assert [c.framework for c in table] == ["torch", "tensorflow", "keras"]
    assert table.largest == 0.0
    # PyTorch refuses 'same' with stride 2; Keras has no name for padding 1 with stride 2.
    assert "torch" not in [
        c.framework
        for c in crosscheck.conv2d(np.zeros((3, 3)), np.zeros((5, 5)), W, stride=2, padding="same")
    ]
    assert "keras" not in [
        c.framework
        for c in crosscheck.conv2d(np.zeros((3, 3)), np.zeros((5, 5)), W, stride=2, padding=1)
    ]


def test_conv2d_with_channels_and_bias():
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 5, 5)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1)))
    hand = np.array(
        [
            [
                [np.sum(xp[:, i : i + 3, j : j + 3] * w[f]) + b[f] for j in range(5)]
                for i in range(5)
            ]
            for f in range(3)
        ]
    )
    assert len(crosscheck.conv2d(hand, x, w, b, padding=1)) == 3


def test_conv2d_stops_on_a_wrong_hand_result_and_a_bad_padding():
    with pytest.raises(AssertionError, match="F.conv2d"):
        crosscheck.conv2d(Y_VALID + 1, X, W)
    with pytest.raises(ValueError, match="padding"):
        crosscheck.conv2d(Y_VALID, X, W, padding="full")


def test_output_sizes_table():
    def formula(W, K, P, S):
        return (W - K + 2 * P) // S + 1

    table = crosscheck.output_sizes(formula, [(28, 3, 0, 1), (10, 4, 1, 3)])
    assert list(table["formula"]) == [26, 3]
    assert list(table["torch"]) == list(table["tensorflow"]) == [26, 3]
    with pytest.raises(AssertionError, match="formula 27"):
        crosscheck.output_sizes(lambda W, K, P, S: 27, [(28, 3, 0, 1)])


def test_pool2d():
    a = np.array([[1, 3, 2, 0], [4, 6, 5, 1], [7, 2, 9, 8], [0, 1, 3, 4]], float)
    assert len(crosscheck.pool2d(np.array([[6.0, 5.0], [7.0, 9.0]]), a)) == 3
    assert len(crosscheck.pool2d(np.array([[3.5, 2.0], [2.5, 6.0]]), a, op="mean")) == 3
    with pytest.raises(AssertionError):
        crosscheck.pool2d(np.array([[6.0, 5.0], [7.0, 8.0]]), a)
    with pytest.raises(ValueError, match="op"):
        crosscheck.pool2d(a, a, op="min")


def test_pool_gradient_goes_to_the_maximum_or_spreads_over_the_window():
    a = np.array([[1, 3, 2, 0], [4, 6, 5, 1], [7, 2, 9, 8], [0, 1, 3, 4]], float)
    g = np.array([[1.0, 2.0], [3.0, 4.0]])
    to_max = np.zeros((4, 4))
    to_max[1, 1], to_max[1, 2], to_max[2, 0], to_max[2, 2] = 1.0, 2.0, 3.0, 4.0
    table = crosscheck.pool_gradient(to_max, a, g)
    assert [c.framework for c in table] == ["torch", "tensorflow"]
    spread = np.kron(g, np.ones((2, 2))) / 4
    assert len(crosscheck.pool_gradient(spread, a, g, op="mean")) == 2
    with pytest.raises(AssertionError):
        crosscheck.pool_gradient(spread, a, g)
    with pytest.raises(ValueError, match="upstream has shape"):
        crosscheck.pool_gradient(to_max, a, np.ones((3, 3)))


def test_receptive_field_of_the_baseline_network_grows_3_4_8_10():
    layers = [(3, 1), (2, 2), (3, 1), (2, 2)]
    table = crosscheck.receptive_field([3, 4, 8, 10], layers)
    assert table.largest == 0.0
    with pytest.raises(AssertionError):
        crosscheck.receptive_field([3, 5, 8, 10], layers)
    with pytest.raises(ValueError, match="one per layer"):
        crosscheck.receptive_field([3], layers)
    with pytest.raises(ValueError, match="no output"):
        crosscheck.receptive_field([5, 9], [(5, 1), (5, 1)], size=8)


def test_activation_values_and_derivatives():
    z = np.array([-1.0, 0.0, 2.0])
    table = crosscheck.activation("relu", z, [0.0, 0.0, 2.0], [0.0, 0.0, 1.0])
    assert len(table) == 5
    with pytest.raises(AssertionError):
        crosscheck.activation("relu", z, [0.0, 0.0, 2.0], [0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="unknown activation"):
        crosscheck.activation("gelu", z, z, z)


def test_softmax_and_cross_entropy():
    z = np.array([1.0, 2.0, 3.0])
    p = np.exp(z) / np.exp(z).sum()
    assert len(crosscheck.softmax(p, z)) == 3
    assert (
        len(crosscheck.cross_entropy(-np.log(0.5), [2], probabilities=np.array([0.2, 0.3, 0.5])))
        == 3
    )
    assert len(crosscheck.cross_entropy(-np.log(p[2]), [2], logits=z)) == 3
    assert len(crosscheck.cross_entropy_gradient(p - [0, 0, 1], z, 2)) == 2
    with pytest.raises(ValueError, match="either"):
        crosscheck.cross_entropy(1.0, [2])
    with pytest.raises(AssertionError):
        crosscheck.cross_entropy_gradient(p, z, 2)


def _tiny_network():
    x = np.array([1.0, 0.5, -1.0, 2.0])
    W1 = np.array([[0.1, -0.2, 0.0, 0.3], [-0.3, 0.1, 0.2, -0.1], [0.2, 0.2, -0.1, 0.1]])
    b1 = np.array([0.0, 0.1, -0.1])
    W2 = np.array([[0.4, -0.1, 0.2], [-0.2, 0.3, 0.1]])
    b2 = np.zeros(2)
    lam, label = 0.01, 1
    z1 = W1 @ x + b1
    a1 = np.maximum(0, z1)
    z2 = W2 @ a1 + b2
    p = np.exp(z2 - z2.max()) / np.exp(z2 - z2.max()).sum()
    l2 = lam / 2 * (np.sum(W1**2) + np.sum(W2**2))
    delta2 = p - np.eye(2)[label]
    delta1 = (W2.T @ delta2) * (z1 > 0)
    grads = [np.outer(delta1, x) + lam * W1, delta1, np.outer(delta2, a1) + lam * W2, delta2]
    return (W1, b1, W2, b2), grads, x, label, lam, -np.log(p[label]) + l2, l2


def test_two_layer_network_and_sgd_step():
    weights, grads, x, label, lam, loss, l2 = _tiny_network()
    table = crosscheck.two_layer_network(loss, grads, weights, x, label, lam=lam, l2=l2)
    assert len(table) == 11
    new = [v - 0.1 * g for v, g in zip(weights, grads)]
    assert len(crosscheck.sgd_step(new, weights, x, label, lam=lam, eta=0.1)) == 8
    with pytest.raises(AssertionError):  # a step without weight decay is not the step
        crosscheck.sgd_step(new, weights, x, label, lam=0.0, eta=0.1)
    with pytest.raises(AssertionError, match="dL/dW1"):
        crosscheck.two_layer_network(loss, [2 * g for g in grads], weights, x, label, lam=lam)


def test_summary_counts_checks_per_framework():
    crosscheck.LOG.clear()
    crosscheck.check("torch", "a", 1.0, 1.0)
    crosscheck.check("torch", "b", 1.0, 1.0 + 1e-13)
    crosscheck.check("keras", "c", 1.0, 1.0)
    table = crosscheck.summary()
    assert dict(table["checks"]) == {"torch": 2, "keras": 1}
    assert table.loc["torch", "largest |difference|"] == "1.0e-13"
