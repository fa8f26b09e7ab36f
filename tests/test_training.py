"""mnist_utils.training: the PyTorch loop -- channels-last layout and per-batch schedules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mnist_utils import load_mnist, load_splits, models, speed, training

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def small():
    return load_splits(5000, 0, fit=2000, test=500)


def test_fit_in_channels_last_matches_the_usual_layout():
    torch = pytest.importorskip("torch")
    (x, y), _ = load_mnist()
    images, labels = training.to_tensors(x[:256], y[:256])

    def train(channels_last):
        torch.manual_seed(0)
        net = models.torch_model(models.get_spec("article000", convs=(4, 8), dense=(16,)))
        history = training.fit(
            net,
            training.TensorBatches(images, labels, 64, shuffle=True),
            training.TensorBatches(images, labels, 256),
            torch.optim.SGD(net.parameters(), 0.05),
            epochs=2,
            device="cpu",
            progress=False,
            verbose=False,
            channels_last=channels_last,
        )
        return net, history

    net, history = train(True)
    # the model is handed back in the usual (contiguous NCHW) layout
    assert net.conv1.weight.is_contiguous()
    _, plain = train(False)
    np.testing.assert_allclose(history["loss"], plain["loss"], rtol=1e-4)


def test_fit_explains_a_view_that_channels_last_breaks():
    torch = pytest.importorskip("torch")
    from torch import nn

    class ViewNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3)
            self.fc = nn.Linear(4 * 26 * 26, 10)

        def forward(self, x):
            return self.fc(self.conv(x).view(-1, 4 * 26 * 26))

    (x, y), _ = load_mnist()
    batches = training.TensorBatches(*training.to_tensors(x[:64], y[:64]), 32)
    net = ViewNet()
    optimizer = torch.optim.SGD(net.parameters(), 0.01)
    with pytest.raises(RuntimeError, match=r"calls \.view\(\) on a channels_last feature map"):
        training.fit(
            net, batches, batches, optimizer, epochs=1, device="cpu", progress=False, verbose=False
        )
    assert net.conv.weight.is_contiguous()  # handed back in the usual layout anyway
    history = training.fit(
        net,
        batches,
        batches,
        optimizer,
        epochs=1,
        device="cpu",
        progress=False,
        verbose=False,
        channels_last=False,
    )
    assert len(history["loss"]) == 1


def test_fit_steps_a_per_batch_scheduler_and_can_skip_validation(small):
    images, labels = training.to_tensors(small.x_fit[:256], small.y_fit[:256])
    net = speed.fast_net()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=8)
    history = training.fit(
        net,
        training.TensorBatches(images, labels, 64),
        None,
        optimizer,
        epochs=2,
        device="cpu",
        scheduler=scheduler,
        scheduler_step="batch",
        progress=False,
        verbose=False,
    )
    assert scheduler.last_epoch == 8  # 4 batches x 2 epochs
    assert all(math.isnan(v) for v in history["val_accuracy"])
    with pytest.raises(ValueError, match="scheduler_step must be 'epoch' or 'batch'"):
        training.fit(net, [], None, optimizer, epochs=1, device="cpu", scheduler_step="step")
    with pytest.raises(ValueError, match="pass val_batches"):
        training.fit(net, [], None, optimizer, epochs=1, device="cpu", patience=2)


def test_to_tensors_leaves_its_input_alone_whatever_its_dtype():
    from mnist_utils.training import MNIST_MEAN, MNIST_STD, to_tensors

    for dtype in (np.uint8, np.float32, np.float64):
        images = np.full((2, 28, 28), 255, dtype=dtype)
        tensor = to_tensors(images)
        assert (images == 255).all(), dtype  # not normalised in place
        assert tensor.shape == (2, 1, 28, 28)
        assert np.allclose(tensor.numpy(), (1 - MNIST_MEAN) / MNIST_STD)
