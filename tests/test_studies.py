"""mnist_utils.studies: choosing a study's configurations and summarising its runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mnist_utils import studies


def test_matching_and_summarize():
    frame = pd.DataFrame(
        {
            "config.activation": ["relu", "relu", "tanh", "relu"],
            "config.epochs": [5, 5, 5, 1],
            "seed": [0, 1, 0, 0],
            "test_accuracy": [0.98, 0.99, 0.97, 0.50],
        }
    )
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


def _tiny_data(torch, n=64):
    from mnist_utils import training

    images, labels = torch.randn(n, 1, 28, 28), torch.arange(n) % 10
    val = training.TensorBatches(images[:32], labels[:32], batch_size=32)
    return studies.StudyData(images, labels, val, val, batch_size=16)


def test_run_study_keeps_what_on_epoch_returns_and_records_numbers(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    from mnist_utils import models
    from mnist_utils.runtime import ChapterRun

    monkeypatch.setenv("MNIST_BOOK_RESULTS", str(tmp_path))
    data = _tiny_data(torch)
    run = ChapterRun(seed=0, quick=True, chapter="09")
    seen = []

    def build(config, seed):
        model = models.torch_model("article000", activation=config["activation"])
        before = {"val_accuracy_0": data.val_accuracy(model), "label": "fresh"}
        return studies.Trial(
            model, torch.optim.Adam(model.parameters()), data.train_batches(seed), measured=before
        )

    def after_epoch(config, seed, epoch, model, history):
        seen.append((config["activation"], seed, epoch, len(history["loss"])))
        if epoch == 1:
            return {"loss_after_1": history["loss"][0]}
        return None  # nothing to keep after the other epochs

    study = studies.run_study(
        run,
        [{"activation": "relu"}],
        build,
        seeds=[0],
        epochs=2,
        data=data,
        settings={"model": "article000"},
        on_epoch=after_epoch,
        progress=False,
    )
    assert seen == [("relu", 0, 1, 1), ("relu", 0, 2, 2)]
    one = study.get(activation="relu", seed=0)
    assert one.measured["loss_after_1"] == one.history["loss"][0]
    assert one.measured["label"] == "fresh"
    assert 0.0 <= one.measured["val_accuracy_0"] <= 1.0
    recorded = run.recorded(model="article000")
    assert len(recorded) == 1
    assert recorded["loss_after_1"].iloc[0] == pytest.approx(one.history["loss"][0])
    assert "label" not in recorded  # only numbers are recorded


def test_val_accuracy_counts_the_correct_validation_images():
    torch = pytest.importorskip("torch")
    data = _tiny_data(torch)

    class Always(torch.nn.Module):  # predicts class 3 for every image
        def __init__(self):
            super().__init__()
            self.bias = torch.nn.Parameter(torch.zeros(10))

        def forward(self, x):
            return self.bias.expand(len(x), 10) + torch.nn.functional.one_hot(
                torch.full((len(x),), 3), 10
            )

    # the 32 validation labels are 0..9 repeated: 3 occurs at 3, 13, 23 -> 3 / 32
    assert data.val_accuracy(Always()) == 3 / 32
