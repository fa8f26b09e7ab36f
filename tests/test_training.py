"""mnist_utils.training: the PyTorch loop -- channels-last layout and per-batch schedules."""

from __future__ import annotations

import math

import pytest

from mnist_utils import load_splits, speed, training

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def small():
    return load_splits(5000, 0, fit=2000, test=500)


def test_fit_steps_a_per_batch_scheduler_and_can_skip_validation(small):
    images, labels = training.to_tensors(small.x_fit[:256], small.y_fit[:256])
    net = speed.fast_net()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=8)
    history = training.fit(net, training.TensorBatches(images, labels, 64), None, optimizer,
                           epochs=2, device="cpu", scheduler=scheduler,
                           scheduler_step="batch", progress=False, verbose=False)
    assert scheduler.last_epoch == 8  # 4 batches x 2 epochs
    assert all(math.isnan(v) for v in history["val_accuracy"])
    with pytest.raises(ValueError, match="scheduler_step must be 'epoch' or 'batch'"):
        training.fit(net, [], None, optimizer, epochs=1, device="cpu",
                     scheduler_step="step")
    with pytest.raises(ValueError, match="pass val_batches"):
        training.fit(net, [], None, optimizer, epochs=1, device="cpu", patience=2)
