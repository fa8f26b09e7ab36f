"""mnist_utils.diagnostics: per-layer gradient norms."""

from __future__ import annotations

import pytest

from mnist_utils import diagnostics, load_mnist, models, training


def test_gradient_norms_vanish_in_a_deep_sigmoid_stack():
    torch = pytest.importorskip("torch")
    (x, y), _ = load_mnist()
    images, labels = training.to_tensors(x[:128], y[:128])
    deep = dict(convs=(16,) * 6, padding="same", pool_after=(1, 3), dense=(32,))
    norms = {}
    for activation in ("relu", "sigmoid"):
        torch.manual_seed(0)
        net = models.torch_model(models.get_spec("article000", activation=activation, **deep))
        before = [p.grad for p in net.parameters()]
        norms[activation] = diagnostics.gradient_norms(net, images, labels)
        assert before == [p.grad for p in net.parameters()]  # .grad left untouched
    assert list(norms["relu"]) == [
        *(f"conv{i}.weight" for i in range(1, 7)),
        "dense1.weight",
        "output.weight",
    ]
    # sigmoid: the first layer gets orders of magnitude less gradient than the last
    assert norms["sigmoid"]["conv1.weight"] < 1e-3 * norms["sigmoid"]["output.weight"]
    assert norms["relu"]["conv1.weight"] > 1e-2 * norms["relu"]["output.weight"]
    with pytest.raises(ValueError, match="one label per image"):
        diagnostics.gradient_norms(net, images, labels[:5])


def test_probe_gradients_leaves_the_run_unchanged():
    torch = pytest.importorskip("torch")
    (x, y), _ = load_mnist()
    images, labels = training.to_tensors(x[:64], y[:64])
    spec = models.get_spec("article000", convs=(8, 8), padding="same", batchnorm=True)
    torch.manual_seed(0)
    net = models.torch_model(spec)
    bn = next(m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d))
    mean_before = bn.running_mean.clone()
    state = torch.get_rng_state()
    probed = diagnostics.probe_gradients(net, images, labels)
    assert torch.equal(torch.get_rng_state(), state)  # dropout's draws put back
    assert torch.equal(bn.running_mean, mean_before)  # measured on a copy
    torch.set_rng_state(state)
    direct = diagnostics.gradient_norms(net, images, labels)
    assert probed == pytest.approx(direct)
    assert not torch.equal(bn.running_mean, mean_before)  # gradient_norms does update it
    with pytest.raises(ValueError, match="one label per image"):
        diagnostics.probe_gradients(net, images, labels[:3])
