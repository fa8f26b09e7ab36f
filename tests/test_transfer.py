"""mnist_utils.transfer: task split, label budgets, freezing, LoRA adapters (chapter 8)."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_utils import load_mnist, models, transfer
from mnist_utils.runtime import ParameterError

torch = pytest.importorskip("torch")

N_HEAD = 128 * 5 + 5  # a 5-way head on article000's 128 units
N_ALL = 225_034 - 1290 + N_HEAD  # article000 with a 5-way head


def test_task_data_keeps_the_digits_and_renumbers_them():
    (x, y), _ = load_mnist()
    x_new, y_new = transfer.task_data(x[:1000], y[:1000], transfer.NEW_DIGITS)
    keep = y[:1000] >= 5
    assert len(y_new) == keep.sum() and set(y_new) == {0, 1, 2, 3, 4}
    np.testing.assert_array_equal(y_new, y[:1000][keep] - 5)
    np.testing.assert_array_equal(x_new, x[:1000][keep])
    _, y_old = transfer.task_data(x[:1000], y[:1000], transfer.OLD_DIGITS)
    assert len(y_old) + len(y_new) == 1000
    _, y_odd = transfer.task_data(x[:100], y[:100], (9, 1))
    assert set(y_odd) == {0, 1} and (y_odd == 0).sum() == (y[:100] == 9).sum()
    for bad in ((), (1, 1), (3, 10)):
        with pytest.raises(ValueError, match="distinct digits 0-9"):
            transfer.task_data(x[:10], y[:10], bad)


def test_budgets_parse_and_bad_budgets_are_refused():
    assert [transfer.budget_per_class(b) for b in transfer.BUDGETS] == [10, 100, 1000, None]
    assert transfer.budget_per_class("7/class") == 7
    for bad in ("10", "0/class", "-5/class", "2.5/class", "all", "ten/class", 10):
        with pytest.raises(ParameterError, match="'N/class' with a positive whole number"):
            transfer.budget_per_class(bad)


def test_sample_per_class_is_balanced_seeded_and_checked():
    labels = np.repeat(np.arange(5), [30, 20, 25, 40, 12])
    picked = transfer.sample_per_class(labels, 10, seed=3)
    assert list(np.bincount(labels[picked])) == [10] * 5
    assert len(set(picked)) == 50 and list(picked) == sorted(picked)
    np.testing.assert_array_equal(picked, transfer.sample_per_class(labels, 10, seed=3))
    assert not np.array_equal(picked, transfer.sample_per_class(labels, 10, seed=4))
    np.testing.assert_array_equal(transfer.sample_per_class(labels, None), np.arange(127))
    with pytest.raises(ValueError, match="class 4 has 12 images, fewer than the 13"):
        transfer.sample_per_class(labels, 13)
    for bad in (0, -1, 2.0, True):
        with pytest.raises(ValueError, match="per_class must be a positive whole number"):
            transfer.sample_per_class(labels, bad)


def test_schedule_gives_small_sets_enough_steps():
    assert transfer.schedule(50, 128, 1, 50) == (10, 10)  # 5 steps an epoch
    assert transfer.schedule(500, 128, 1, 50) == (100, 10)
    assert transfer.schedule(5000, 128, 1, 50) == (128, 2)  # 40 steps an epoch
    assert transfer.schedule(26_878, 128, 1, 50) == (128, 1)
    assert transfer.schedule(26_878, 128, 3, 0) == (128, 3)
    with pytest.raises(ValueError, match="epochs must be a positive whole number"):
        transfer.schedule(50, 128, 0, 50)


def test_unknown_method_is_refused_with_the_choices():
    with pytest.raises(ParameterError, match="unknown method 'lora2'; choose one of: scratch"):
        transfer.prepare(transfer.task_model(), "lora2")


@pytest.fixture(scope="module")
def pretrained():
    torch.manual_seed(0)
    return transfer.task_model("article000", 5)


EXPECTED = {
    "scratch": N_ALL,
    "linear_probe": N_HEAD,
    "partial": 1600 * 128 + 128 + N_HEAD,
    "full_small_lr": N_ALL,
    "full_large_lr": N_ALL,
    "lora": 4 * (1600 + 128) + N_HEAD,
}


@pytest.mark.parametrize("method", list(transfer.METHODS))
def test_trainable_counts_are_exact_and_keras_agrees(pretrained, method):
    net = transfer.prepare(pretrained, method, rank=4)
    assert models.count_parameters(net) == EXPECTED[method]
    keras_net = transfer.keras_prepare(transfer.keras_task_model(), method, rank=4)
    assert models.count_parameters(keras_net) == EXPECTED[method]
    # the pretrained model itself is never touched
    assert models.count_parameters(pretrained) == N_ALL
    assert not any(transfer._is_lora(m) for m in pretrained.modules())


def test_a_new_lora_adapter_is_an_exact_no_op(pretrained):
    torch.manual_seed(1)
    adapted = transfer.add_lora(
        transfer.with_head(pretrained, pretrained.output), ("dense1",), rank=8, alpha=16
    )
    images = torch.randn(64, 1, 28, 28)
    with torch.no_grad():
        assert torch.equal(pretrained.eval()(images), adapted.eval()(images))
        assert not adapted.dense1.delta_weight().any()
        assert adapted.dense1.scale == 2.0
        assert adapted.dense1.lora_a.abs().max() > 0  # A is random, B is zero
    assert adapted.dense1.lora_a.shape == (8, 1600)
    assert adapted.dense1.lora_b.shape == (128, 8)
    assert not adapted.dense1.base.weight.requires_grad
    assert not adapted.dense1.base.bias.requires_grad


def test_lora_forward_is_the_low_rank_update_and_can_be_switched_off():
    torch.manual_seed(0)
    base = torch.nn.Linear(6, 3)
    layer = transfer.lora_linear(base, rank=2, alpha=4)
    with torch.no_grad():
        layer.lora_b.copy_(torch.arange(6.0).reshape(3, 2))
    x = torch.randn(5, 6)
    merged = base.weight + 2.0 * layer.lora_b @ layer.lora_a
    torch.testing.assert_close(layer(x), x @ merged.T + base.bias)
    net = torch.nn.Sequential(layer)
    assert transfer.set_adapters(net, False) == 1
    assert torch.equal(net(x), base(x))


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"rank": 0}, "rank must be a positive whole number"),
        ({"rank": 2.0}, "rank must be a positive whole number"),
        ({"rank": 200}, "rank 200 exceeds the layer's 1600x128 size"),
    ],
)
def test_bad_lora_settings_are_refused(pretrained, bad, message):
    with pytest.raises(ValueError, match=message):
        transfer.add_lora(transfer.with_head(pretrained, pretrained.output), **bad)


def test_lora_only_wraps_dense_layers(pretrained):
    with pytest.raises(ValueError, match="'conv1' is not a dense"):
        transfer.add_lora(transfer.with_head(pretrained, pretrained.output), ("conv1",))
    with pytest.raises(ValueError, match="has no layer"):
        transfer.freeze_except(transfer.task_model(), ("dense9",))


@pytest.mark.parametrize(
    "method, frozen",
    [
        ("linear_probe", ("conv1", "conv2", "dense1")),
        ("partial", ("conv1", "conv2")),
        ("lora", ("conv1", "conv2", "dense1")),
    ],
)
def test_frozen_weights_do_not_change_in_a_training_step(pretrained, method, frozen):
    torch.manual_seed(0)
    net = transfer.prepare(pretrained, method, rank=4)
    before = {k.replace(".base.", "."): v.clone() for k, v in net.state_dict().items()}
    optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], 0.01)
    images, labels = torch.randn(32, 1, 28, 28), torch.randint(0, 5, (32,))
    net.train()
    for _ in range(2):  # two steps: B is zero in the first, so A moves from the second
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(images), labels).backward()
        optimizer.step()
    after = {k.replace(".base.", "."): v for k, v in net.state_dict().items()}
    for name, value in before.items():
        layer = name.split(".")[0]
        if layer in frozen and "lora_" not in name:
            assert torch.equal(after[name], value), f"{method}: frozen {name} changed"
        else:
            assert not torch.equal(after[name], value), f"{method}: {name} did not train"


def test_with_head_and_model_accuracy(pretrained):
    images = torch.zeros(4, 1, 28, 28)
    head = torch.nn.Linear(128, 5)
    with torch.no_grad():
        head.weight.zero_()
        head.bias.copy_(torch.tensor([0.0, 0.0, 3.0, 0.0, 0.0]))
    twin = transfer.with_head(pretrained, head)
    assert twin.output is not head and pretrained.output is not twin.output
    assert transfer.model_accuracy(twin, images, np.array([2, 2, 2, 0])) == 0.75


# ---------------------------------------------- chapter 8's data, cache and checks


class _Splits:
    """A stand-in for load_splits' result: 60 fit, 30 validation and 20 test images."""

    def __init__(self):
        rng = np.random.default_rng(0)
        for part, n in (("fit", 60), ("val", 30), ("test", 20)):
            setattr(self, f"x_{part}", rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
            setattr(self, f"y_{part}", np.arange(n) % 10)


def test_task_split_keeps_each_part_and_makes_study_data():
    new = transfer.task_split(_Splits(), transfer.NEW_DIGITS)
    assert [len(part[1]) for part in (new.fit, new.val, new.test)] == [30, 15, 10]
    assert set(new.fit[1]) == {0, 1, 2, 3, 4}
    data = new.study_data(batch_size=8, n_val=5)
    assert tuple(data.train_images.shape) == (30, 1, 28, 28) and data.batch_size == 8
    assert len(data.val_batches.labels) == 5 and data.val_batches.batch_size == 5
    assert len(data.test_batches.labels) == 10
    sizes = transfer.split_sizes({"new": new})
    assert sizes.loc["new"].tolist() == [30, 15, 10, 6]  # 6 of each new digit in fit


def test_unchanged_sees_a_changed_weight_and_a_lora_layer(pretrained):
    lora = transfer.prepare(pretrained, "lora", rank=2)
    assert transfer.unchanged(lora, pretrained, ("conv1", "conv2", "dense1"))
    with torch.no_grad():
        lora.conv2.weight[0, 0, 0, 0] += 1e-3
    assert not transfer.unchanged(lora, pretrained, ("conv2",))
    assert transfer.unchanged(lora, pretrained, ("conv1", "dense1"))
    with pytest.raises(ValueError, match="no layer"):
        transfer.unchanged(lora, pretrained, ("dense9",))


def test_load_or_train_trains_once_per_config(tmp_path, capsys):
    path, calls = tmp_path / "pre.pt", []

    def train(model):
        calls.append(1)
        with torch.no_grad():
            model.output.bias.fill_(0.5)
        return {"loss": [1.0], "seconds": [0.1]}

    first = transfer.task_model("article000", 5)
    assert transfer.load_or_train(first, train, path, {"epochs": 1}) == {
        "loss": [1.0],
        "seconds": [0.1],
    }
    second = transfer.task_model("article000", 5)
    history = transfer.load_or_train(second, train, path, {"epochs": 1})
    assert calls == [1] and history["loss"] == [1.0]
    assert torch.equal(second.output.bias, torch.full((5,), 0.5))
    transfer.load_or_train(transfer.task_model("article000", 5), train, path, {"epochs": 2})
    assert calls == [1, 1]  # other settings: trained again
    out = capsys.readouterr().out
    assert out.count("saved to pre.pt") == 2 and "loaded pre.pt" in out
    assert str(tmp_path) not in out  # file names only
