"""load_splits, ChapterRun.model_path, the channels-last loop, gradient norms, studies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mnist_utils import diagnostics, load_mnist, load_splits, models, studies, training
from mnist_utils.runtime import ChapterRun, ParameterError, project_root


def test_load_splits_matches_train_val_split_and_cuts_subsets():
    from mnist_utils import train_val_split

    (x, y), (x_test, y_test) = load_mnist()
    (x_fit, y_fit), (x_val, y_val) = train_val_split(x, y, val_size=5000, seed=3)
    full = load_splits(5000, 3)
    assert full.sizes() == "fit 55,000  validation 5,000  test 10,000 images"
    np.testing.assert_array_equal(full.x_fit, x_fit)
    np.testing.assert_array_equal(full.y_val, y_val)
    np.testing.assert_array_equal(x[full.fit_index], x_fit)  # positions in the training set
    assert not set(full.fit_index) & set(full.val_index)

    small = load_splits(5000, 3, fit=100, val=20, test=7)
    assert (len(small.y_fit), len(small.y_val), len(small.y_test)) == (100, 20, 7)
    np.testing.assert_array_equal(small.y_fit, y_fit[:100])
    assert list(small.y_test) == [7, 2, 1, 0, 4, 1, 4]  # MNIST's first test labels
    assert len(load_splits(5000, 3, fit=10**9).y_fit) == 55_000  # capped, not an error


@pytest.mark.parametrize("bad", [0, -5, 2.5, "100", True])
def test_load_splits_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="fit must be a positive number of images or None"):
        load_splits(5000, 0, fit=bad)


def test_model_path_keeps_quick_runs_apart():
    full = ChapterRun(seed=0, quick=False).model_path("05_model.keras")
    quick = ChapterRun(seed=0, quick=True).model_path("05_model.keras")
    assert full == project_root() / "runs" / "models" / "05_model.keras"
    assert quick.name == "05_model_quick.keras" and quick.parent.is_dir()
    for bad in ("model", "sub/model.pt"):
        with pytest.raises(ValueError, match="give a file name with an extension"):
            ChapterRun(seed=0, quick=False).model_path(bad)


def test_fit_in_channels_last_matches_the_usual_layout():
    torch = pytest.importorskip("torch")
    (x, y), _ = load_mnist()
    images, labels = training.to_tensors(x[:256], y[:256])

    def train(channels_last):
        torch.manual_seed(0)
        net = models.torch_model(models.get_spec("article000", convs=(4, 8), dense=(16,)))
        history = training.fit(net, training.TensorBatches(images, labels, 64, shuffle=True),
                               training.TensorBatches(images, labels, 256),
                               torch.optim.SGD(net.parameters(), 0.05), epochs=2,
                               device="cpu", progress=False, verbose=False,
                               channels_last=channels_last)
        return net, history

    net, history = train(True)
    # the model is handed back in the usual (contiguous NCHW) layout
    assert net.conv1.weight.is_contiguous()
    _, plain = train(False)
    np.testing.assert_allclose(history["loss"], plain["loss"], rtol=1e-4)


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
    assert list(norms["relu"]) == [*(f"conv{i}.weight" for i in range(1, 7)),
                                   "dense1.weight", "output.weight"]
    # sigmoid: the first layer gets orders of magnitude less gradient than the last
    assert norms["sigmoid"]["conv1.weight"] < 1e-3 * norms["sigmoid"]["output.weight"]
    assert norms["relu"]["conv1.weight"] > 1e-2 * norms["relu"]["output.weight"]
    with pytest.raises(ValueError, match="one label per image"):
        diagnostics.gradient_norms(net, images, labels[:5])


def test_choose_and_seeds():
    allowed = ("relu", "tanh", "sigmoid")
    assert studies.choose("ACTIVATION", "all", allowed) == list(allowed)
    assert studies.choose("ACTIVATION", "sigmoid, relu", allowed) == ["relu", "sigmoid"]
    with pytest.raises(ParameterError, match=r"'swish' is not an option; choose 'all' or some of"):
        studies.choose("ACTIVATION", "relu,swish", allowed)
    with pytest.raises(ParameterError, match="must be a string"):
        studies.choose("ACTIVATION", 3, allowed)
    assert studies.seeds(2, 3) == [2, 3, 4]
    with pytest.raises(ParameterError, match="REPEATS must be a positive whole number"):
        studies.seeds(0, 0)


def test_matching_and_summarize():
    frame = pd.DataFrame({
        "config.activation": ["relu", "relu", "tanh", "relu"],
        "config.epochs": [5, 5, 5, 1],
        "seed": [0, 1, 0, 0],
        "test_accuracy": [0.98, 0.99, 0.97, 0.50],
    })
    same = studies.matching(frame, epochs=5)
    assert len(same) == 3
    assert len(studies.matching(frame, width=3)) == 0  # a setting nobody recorded
    table = studies.summarize(same, by="config.activation")
    assert table["config.activation"].tolist() == ["relu", "tanh"]
    assert table["runs"].tolist() == [2, 1]
    assert table["test_accuracy_mean"].tolist() == pytest.approx([0.985, 0.97])
    assert table["test_accuracy_std"].iloc[0] == pytest.approx(np.std([0.98, 0.99], ddof=1))
    assert np.isnan(table["test_accuracy_std"].iloc[1])
    with pytest.raises(KeyError, match="no column"):
        studies.summarize(same, by="config.depth")


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
        training.fit(net, batches, batches, optimizer, epochs=1, device="cpu",
                     progress=False, verbose=False)
    assert net.conv.weight.is_contiguous()  # handed back in the usual layout anyway
    history = training.fit(net, batches, batches, optimizer, epochs=1, device="cpu",
                           progress=False, verbose=False, channels_last=False)
    assert len(history["loss"]) == 1
