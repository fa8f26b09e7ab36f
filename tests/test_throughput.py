"""mnist_utils.throughput: timing data paths and racing them in turns (chapter 6)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from mnist_utils import throughput, training  # noqa: E402


def _batches(n=50, batch_size=8, shuffle=False):
    images = torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    labels = torch.arange(n) % 10
    return training.TensorBatches(images, labels, batch_size, shuffle=shuffle)


def test_data_rate_counts_at_most_max_batches(monkeypatch):
    clock = iter([0.0, 2.0])
    monkeypatch.setattr(throughput.time, "perf_counter", lambda: next(clock))
    # 3 batches of 8 images in 2 s (of the 7 batches there are)
    assert throughput.data_rate(_batches(), max_batches=3) == pytest.approx(12.0)


def test_data_rate_rejects_bad_input():
    with pytest.raises(ValueError, match="max_batches must be at least 1"):
        throughput.data_rate(_batches(), max_batches=0)
    with pytest.raises(ValueError, match="empty"):
        throughput.data_rate([], max_batches=5)


def test_train_steps_updates_the_model_and_counts_images():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    before = model[1].weight.detach().clone()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    seen = throughput.train_steps(model, optimizer, iter(_batches()), 3)
    assert seen == 24
    assert not torch.equal(before, model[1].weight)


def test_take_turns_times_every_path_over_epochs():
    torch.manual_seed(0)
    paths = {}
    for name in ("a", "b"):
        model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
        paths[name] = (
            model,
            torch.optim.SGD(model.parameters(), lr=0.1),
            _batches(n=20, shuffle=True),
        )
    # 3 rounds (plus the warm-up) of 2 steps need 8 batches: more than one epoch of 3
    rate = throughput.take_turns(paths, rounds=3, steps=2)
    assert set(rate) == {"a", "b"} and all(r > 0 for r in rate.values())
    assert paths["a"][2].epoch >= 3
    with pytest.raises(ValueError, match="rounds and steps"):
        throughput.take_turns(paths, rounds=0, steps=2)
