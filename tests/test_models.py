"""Model builders (both frameworks), the PyTorch loop, metrics and the results record."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mnist_utils import metrics, models, results, training

EXPECTED_PARAMS = {"article000": 225_034, "article003": 93_322, "article004": 1_111_946}


@pytest.mark.parametrize("name, expected", EXPECTED_PARAMS.items())
def test_parameter_counts_by_hand(name, expected):
    assert models.count_params(models.MODELS[name]) == expected


@pytest.mark.parametrize("name, expected", EXPECTED_PARAMS.items())
def test_torch_builder_matches(name, expected):
    torch = pytest.importorskip("torch")
    net = models.torch_model(name)
    assert sum(p.numel() for p in net.parameters()) == expected
    assert net(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


@pytest.mark.parametrize("name, expected", EXPECTED_PARAMS.items())
def test_keras_builder_matches(name, expected):
    pytest.importorskip("keras")
    net = models.keras_model(name)
    assert net.count_params() == expected
    out = net.predict(np.zeros((2, 28, 28, 1), np.float32), verbose=0)
    assert out.shape == (2, 10)
    np.testing.assert_allclose(out.sum(axis=1), 1, rtol=1e-5)  # softmax output


def test_count_parameters_counts_what_trains_in_both_frameworks():
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    spec = models.get_spec("article000", batchnorm=True)
    net, k_net = models.torch_model(spec), models.keras_model(spec)
    assert models.count_parameters(net) == models.count_params(spec) == 225_226
    # Keras' own count_params() adds BatchNorm's moving mean and variance
    assert models.count_parameters(k_net) == 225_226 < k_net.count_params()
    net.conv1.requires_grad_(False)
    assert models.count_parameters(net) == 225_226 - (9 * 32 + 32)
    k_net.get_layer("conv1").trainable = False
    assert models.count_parameters(k_net) == 225_226 - (9 * 32 + 32)
    with pytest.raises(TypeError, match=r"for a CNNSpec use count_params\(spec\)"):
        models.count_parameters(spec)
    with pytest.raises(TypeError, match="nn.Module or a Keras model, got str"):
        models.count_parameters("article000")


def test_article000_shapes():
    spec = models.MODELS["article000"]
    assert spec.feature_shape() == (5, 5, 64)
    assert models.MODELS["article004"].feature_shape() == (4, 4, 64)  # the article says 5x5


@pytest.mark.parametrize("activation", models.ACTIVATIONS)
def test_every_activation_builds_in_both(activation):
    torch = pytest.importorskip("torch")
    pytest.importorskip("keras")
    spec = models.get_spec("article000", activation=activation)
    assert models.torch_model(spec)(torch.zeros(1, 1, 28, 28)).shape == (1, 10)
    assert models.keras_model(spec).count_params() == 225_034


@pytest.mark.parametrize(
    "changes",
    [
        dict(batchnorm=True),
        dict(activation="leaky_relu"),
        dict(convs=(8, 8, 16), padding="same", pool_after=(1, 2)),
        dict(activation="gelu"),  # act-then-pool in PyTorch too
    ],
)
def test_ported_keras_weights_give_the_same_logits(changes):
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    spec = models.get_spec("article000", **changes)
    assert_port_gives_same_logits(models.keras_model(spec, softmax=False), models.torch_model(spec))


def assert_port_gives_same_logits(k_net, t_net, seed=0):
    """Copy the Keras weights into the PyTorch net; both must give the same logits."""
    import torch

    models.port_keras_weights(k_net, t_net)
    x = np.random.default_rng(seed).random((4, 28, 28), dtype=np.float32)
    k_logits = k_net.predict(x[..., None], verbose=0)
    t_net.eval()
    with torch.no_grad():
        t_logits = t_net(torch.from_numpy(x)[:, None]).numpy()
    np.testing.assert_allclose(t_logits, k_logits, atol=1e-4)


@pytest.mark.parametrize("batchnorm", [False, True])
@pytest.mark.parametrize("activation", models.POOL_COMMUTES)
def test_pool_first_computes_the_same_function(activation, batchnorm):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = models.torch_model("article003", activation=activation, batchnorm=batchnorm)
    names = [name for name, _ in net.named_children()]
    assert names[: 4 if batchnorm else 3] == (
        ["conv1", "bn1", "pool1", "act1"] if batchnorm else ["conv1", "pool1", "act1"]
    )
    assert names.index("act3") == names.index("conv3") + (2 if batchnorm else 1)  # no pool
    keras_order = models.torch_model(
        "article003", activation=activation, batchnorm=batchnorm, pool_first=False
    )
    assert [n for n, _ in keras_order.named_children()][1:3] == (
        ["bn1", "act1"] if batchnorm else ["act1", "pool1"]
    )
    keras_order.load_state_dict(net.state_dict())  # same names, same weights
    x = 3 * torch.randn(16, 1, 28, 28)  # large enough to saturate tanh and sigmoid
    net.train()  # batchnorm with batch statistics, dropout off (article003 has none)
    out, expected = net(x), keras_order(x)
    torch.testing.assert_close(out, expected, rtol=1e-6, atol=1e-6)
    if activation in ("relu", "leaky_relu", "linear"):
        assert torch.equal(out, expected)  # max commutes exactly with these
    grads = torch.autograd.grad(out.square().sum(), list(net.parameters()))
    expected_grads = torch.autograd.grad(expected.square().sum(), list(keras_order.parameters()))
    for grad, expected_grad in zip(grads, expected_grads):
        torch.testing.assert_close(grad, expected_grad, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("activation", ["gelu", "silu"])
def test_non_monotone_activations_come_before_the_pool(activation):
    torch = pytest.importorskip("torch")
    assert activation not in models.POOL_COMMUTES
    net = models.torch_model("article000", activation=activation)
    names = [name for name, _ in net.named_children()]
    assert names[:6] == ["conv1", "act1", "pool1", "conv2", "act2", "pool2"]
    # the order matters for them: both dip below zero for negative inputs
    z = torch.tensor([[[[-0.5, -3.0], [-4.0, -6.0]]]])
    act, pool = net.act1, net.pool1
    assert not torch.allclose(pool(act(z)), act(pool(z)))
    with pytest.raises(ValueError, match=f"pool_first=True would change what a {activation}"):
        models.torch_model("article000", activation=activation, pool_first=True)
    assert [n for n, _ in models.torch_model("article000", pool_first=False).named_children()][
        :3
    ] == ["conv1", "act1", "pool1"]


def test_bad_specs_are_rejected():
    with pytest.raises(ValueError, match="unknown model 'lenet'"):
        models.get_spec("lenet")
    with pytest.raises(ValueError, match="activation 'swish' is not one of"):
        models.get_spec("article000", activation="swish")
    with pytest.raises(ValueError, match="shrink below 1x1"):
        models.get_spec("article000", convs=(8,) * 6, pool_after=(0, 1, 2, 3, 4, 5))
    with pytest.raises(ValueError, match="pool_after"):
        models.get_spec("article000", pool_after=(5,))


def test_training_loop_learns_a_tiny_subset(tmp_path):
    torch = pytest.importorskip("torch")
    from mnist_utils import load_mnist

    (x, y), _ = load_mnist()
    images, labels = training.to_tensors(x[:512], y[:512])
    torch.manual_seed(0)
    net = models.torch_model(models.get_spec("article000", convs=(8, 16), dense=(32,), dropout=0.0))
    batches = training.TensorBatches(images, labels, 64, shuffle=True, seed=0)
    history = training.fit(
        net,
        batches,
        training.TensorBatches(images, labels, 256),
        torch.optim.Adam(net.parameters(), 3e-3),
        epochs=3,
        device="cpu",
        progress=False,
        verbose=False,
    )
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy", "seconds"}
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_accuracy"][-1] > 0.6  # it learned something in 24 steps


def test_training_is_reproducible_with_a_seed():
    torch = pytest.importorskip("torch")
    from mnist_utils import load_mnist

    (x, y), _ = load_mnist()
    images, labels = training.to_tensors(x[:256], y[:256])

    def run():
        torch.manual_seed(1)
        net = models.torch_model(models.get_spec("article000", convs=(4, 8), dense=(16,)))
        return training.fit(
            net,
            training.TensorBatches(images, labels, 32, shuffle=True, seed=1),
            training.TensorBatches(images, labels, 256),
            torch.optim.SGD(net.parameters(), 0.05),
            epochs=2,
            device="cpu",
            progress=False,
            verbose=False,
        )

    assert run()["loss"] == run()["loss"]


def test_tensor_batches_cover_every_sample_once():
    torch = pytest.importorskip("torch")
    batches = training.TensorBatches(torch.arange(10), torch.arange(10), 4, shuffle=True)
    seen = torch.cat([b for b, _ in batches])
    assert sorted(seen.tolist()) == list(range(10)) and len(batches) == 3
    with pytest.raises(ValueError, match="10 images but 9 labels"):
        training.TensorBatches(torch.arange(10), torch.arange(9))


def test_tensor_batches_shuffle_anew_each_epoch_and_replay_from_epoch_zero():
    torch = pytest.importorskip("torch")

    def order(batches):
        return torch.cat([b for b, _ in batches]).tolist()

    batches = training.TensorBatches(torch.arange(50), torch.arange(50), 8, shuffle=True, seed=3)
    first, second = order(batches), order(batches)
    assert first != second and batches.epoch == 2
    fresh = training.TensorBatches(torch.arange(50), torch.arange(50), 8, shuffle=True, seed=3)
    assert order(fresh) == first
    batches.epoch = 0
    assert order(batches) == first


def test_to_tensors_normalises_and_checks_shape():
    pytest.importorskip("torch")
    images = training.to_tensors(np.array([[[0] * 28] * 28, [[255] * 28] * 28], np.uint8))
    assert images.shape == (2, 1, 28, 28)
    assert images[0, 0, 0, 0].item() == pytest.approx(-0.1307 / 0.3081)
    with pytest.raises(ValueError, match=r"expected images of shape \(N, 28, 28\)"):
        training.to_tensors(np.zeros((2, 784), np.uint8))


def test_accuracy_and_interval():
    assert metrics.accuracy([1, 2, 3, 4], [1, 2, 0, 4]) == 0.75
    assert metrics.accuracy(np.eye(3), np.eye(3)) == 1.0
    low, high = metrics.accuracy_interval(9_900, 10_000)
    assert low == pytest.approx(0.98785, abs=1e-5) and high == pytest.approx(0.99177, abs=1e-5)
    with pytest.raises(ValueError):
        metrics.accuracy_interval(11, 10)
    with pytest.raises(ValueError, match="3 labels but 2 predictions"):
        metrics.accuracy([1, 2, 3], [1, 2])


def test_confusion_matrix_and_table():
    y_true, y_pred = np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 2, 0])
    m = metrics.confusion_matrix(y_true, y_pred, n_classes=3)
    assert m.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    table = metrics.classification_table(y_true, y_pred)
    assert table.loc[2, "precision"] == 1.0 and table.loc[2, "recall"] == pytest.approx(2 / 3)


def test_mistakes_and_calibration():
    probs = np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8], [0.55, 0.45]])
    y = np.array([1, 1, 1, 0])
    assert metrics.most_confident_mistakes(probs, y, k=5).tolist() == [0]
    edges, conf, acc, counts = metrics.calibration_bins(probs, y, n_bins=2)
    assert counts.tolist() == [0, 4]
    ece = metrics.expected_calibration_error(probs, y, n_bins=2)
    assert ece == pytest.approx(abs(np.mean([0.9, 0.6, 0.8, 0.55]) - 0.75))
    np.testing.assert_allclose(
        metrics.softmax([1.0, 2.0, 3.0]), [0.0900, 0.2447, 0.6652], atol=1e-4
    )


def test_results_record_round_trip(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_BOOK_RESULTS", str(tmp_path))
    path = results.record_result(
        chapter="05",
        model="article000",
        framework="keras",
        seed=0,
        quick=False,
        test_accuracy=0.99,
        config={"epochs": 10},
        train_seconds=np.float64(12.5),
    )
    assert json.loads(path.read_text())["train_seconds"] == 12.5
    # the same configuration overwrites; quick runs are kept apart
    results.record_result(
        chapter="05",
        model="article000",
        framework="keras",
        seed=0,
        quick=False,
        test_accuracy=0.98,
        config={"epochs": 10},
    )
    results.record_result(
        chapter="05",
        model="article000",
        framework="keras",
        seed=0,
        quick=True,
        test_accuracy=0.5,
        config={"epochs": 1},
    )
    table = results.load_results()
    assert len(table) == 1 and table.loc[0, "test_accuracy"] == 0.98
    assert table.loc[0, "config.epochs"] == 10
    assert len(results.load_results(quick=True)) == 1
    with pytest.raises(ValueError, match="fraction"):
        results.record_result(
            chapter="05", model="m", framework="k", seed=0, quick=False, test_accuracy=99.2
        )


# ------------------------------------------------------- residual specs (chapter 10)

RESIDUAL = dict(convs=(8, 8, 8), padding="same", pool_after=(0, 2), dense=(16,), dropout=0.0)


def test_residual_is_off_by_default_and_plain_layer_names_are_unchanged():
    torch = pytest.importorskip("torch")
    assert models.MODELS["article000"].residual is False
    assert models.MODELS["article000"].skip_layers() == ()
    names = [name for name, _ in models.torch_model("article000").named_children()]
    assert names == [  # ReLU after the pool: see test_pool_first_computes_the_same_function
        "conv1",
        "pool1",
        "act1",
        "conv2",
        "pool2",
        "act2",
        "flatten",
        "dense1",
        "dense_act1",
        "dropout1",
        "output",
    ]
    assert not any(
        isinstance(m, torch.nn.Module) and type(m).__name__ == "ResidualConv"
        for m in models.torch_model("article003").modules()
    )


def test_skip_layers_are_those_that_keep_their_channels():
    spec = models.get_spec("article000", **RESIDUAL, residual=True)
    assert spec.skip_layers() == (1, 2)  # the first layer turns 1 channel into 8
    mixed = spec.with_(convs=(8, 16, 16, 32))
    assert mixed.skip_layers() == (2,)
    assert spec.with_(convs=(1, 4), pool_after=(0,)).skip_layers() == (
        0,
    )  # 1 -> 1 channel keeps its shape


@pytest.mark.parametrize("batchnorm", [False, True])
def test_residual_models_have_the_plain_parameter_count(batchnorm):
    torch = pytest.importorskip("torch")
    pytest.importorskip("keras")
    plain = models.get_spec("article000", **RESIDUAL, batchnorm=batchnorm)
    spec = plain.with_(residual=True)
    expected = models.count_params(plain)
    # conv1 80, conv2 and conv3 584 each, dense 7*7*8*16 + 16, output 170, BN 2*8 a layer
    assert models.count_params(spec) == expected == 7_706 + (48 if batchnorm else 0)
    net = models.torch_model(spec)
    assert sum(p.numel() for p in net.parameters()) == expected
    assert [n for n, _ in net.named_children()][:6] == (
        ["conv1", "bn1", "pool1", "act1", "block2", "block3"]
        if batchnorm
        else ["conv1", "pool1", "act1", "block2", "block3", "pool3"]
    )
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    k_net = models.keras_model(spec)  # count_params() would add BN's moving statistics
    assert models.count_parameters(k_net) == expected


def test_residual_block_adds_its_input_before_the_activation():
    torch = pytest.importorskip("torch")
    spec = models.get_spec("article000", **RESIDUAL, residual=True, activation="tanh")
    block = models.torch_model(spec).block2
    assert isinstance(block, models.ResidualConv)
    x = torch.randn(2, 8, 14, 14)
    with torch.no_grad():
        np.testing.assert_allclose(
            block(x).numpy(), torch.tanh(block.conv(x) + x).numpy(), rtol=1e-6
        )
        block.conv.weight.zero_()
        block.conv.bias.zero_()
        np.testing.assert_allclose(block(x).numpy(), torch.tanh(x).numpy(), rtol=1e-6)


@pytest.mark.parametrize("batchnorm", [False, True])
def test_ported_keras_weights_give_the_same_logits_for_residual_specs(batchnorm):
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    spec = models.get_spec("article000", **RESIDUAL, residual=True, batchnorm=batchnorm)
    k_net, t_net = models.keras_model(spec, softmax=False), models.torch_model(spec)
    assert {"add2", "add3"} <= {layer.name for layer in k_net.layers}
    assert_port_gives_same_logits(k_net, t_net, seed=1)


def test_residual_models_pickle_whole():
    torch = pytest.importorskip("torch")
    import io

    net = models.torch_model("article000", **RESIDUAL, residual=True)
    buffer = io.BytesIO()
    torch.save(net, buffer)
    buffer.seek(0)
    again = torch.load(buffer, weights_only=False)
    x = torch.randn(1, 1, 28, 28)
    with torch.no_grad():
        assert torch.equal(net.eval()(x), again.eval()(x))


def test_residual_specs_that_cannot_skip_are_rejected():
    with pytest.raises(ValueError, match="residual=True needs padding='same'"):
        models.get_spec("article000", convs=(8, 8), residual=True)
    with pytest.raises(
        ValueError,
        match=r"no conv layer has as many filters as its "
        r"input has channels \(convs=\(32, 64\)\)",
    ):
        models.get_spec("article000", padding="same", residual=True)
