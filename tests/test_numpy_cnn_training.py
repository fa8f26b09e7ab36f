"""mnist_utils.numpy_cnn_training: fit repeats train_epoch and keeps the history."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_utils import numpy_cnn as nc
from mnist_utils import numpy_cnn_training


def _data(n, seed):
    rng = np.random.default_rng(seed)
    return rng.random((n, 1, 8, 8)).astype(np.float32), rng.integers(0, 10, n)


def test_fit_equals_train_epoch_by_hand_and_records_each_epoch(capsys):
    fit_data, val_data = _data(20, 0), _data(10, 1)
    model = nc.build_cnn(2, 3, image_size=8, seed=0)
    history = numpy_cnn_training.fit(
        model, nc.SGD(model, lr=0.1), fit_data, val_data, epochs=2, batch_size=8, seed=3
    )
    twin = nc.build_cnn(2, 3, image_size=8, seed=0)
    optimizer, rng = nc.SGD(twin, lr=0.1), np.random.default_rng(3)
    by_hand = [nc.train_epoch(twin, optimizer, *fit_data, 8, rng) for _ in range(2)]
    for ours, theirs in zip(history.batch_losses, by_hand):
        np.testing.assert_array_equal(ours, theirs)
    assert history.epoch == [0, 1, 2]
    assert len(history.val_acc) == len(history.val_loss) == 3
    assert (history.val_acc[-1], history.val_loss[-1]) == twin.evaluate(*val_data)
    assert len(history.epoch_seconds) == 2
    assert history.seconds == pytest.approx(sum(history.epoch_seconds))
    assert [len(b) for b in history.batch_losses] == [3, 3]  # ceil(20 / 8)
    assert capsys.readouterr().out.count("\n") == 3


def test_fit_refuses_bad_counts():
    model = nc.build_cnn(2, 3, image_size=8)
    with pytest.raises(ValueError, match="epochs"):
        numpy_cnn_training.fit(
            model, nc.SGD(model, lr=0.1), _data(4, 0), _data(4, 1), epochs=0, batch_size=2, seed=0
        )
    with pytest.raises(ValueError, match="batch_size"):
        numpy_cnn_training.fit(
            model, nc.SGD(model, lr=0.1), _data(4, 0), _data(4, 1), epochs=1, batch_size=2.5, seed=0
        )
