"""mnist_utils.export (chapter 7): the exported model predicts what PyTorch does,
with ONNX Runtime or, without it, TorchScript."""

from __future__ import annotations

import builtins

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mnist_utils import export, models


def small_model():
    torch.manual_seed(0)
    return models.torch_model("article000").eval()


def test_export_gives_the_same_logits(tmp_path):
    pytest.importorskip("onnxruntime")
    model = small_model()
    images = torch.randn(5, 1, 28, 28)
    exported = export.export_for_inference(model, images[:1], tmp_path / "m.onnx")
    assert exported.path == tmp_path / "m.onnx" and exported.path.stat().st_size > 0
    assert exported.method.startswith("ONNX")
    with torch.no_grad():
        expected = model(images).numpy()
    got = exported.logits(images.numpy(), batch_size=2)  # batches of 2, 2 and 1
    assert got.shape == (5, 10)
    np.testing.assert_allclose(got, expected, atol=1e-4)
    assert model.training is False and next(model.parameters()).requires_grad


def test_without_onnx_runtime_torchscript_is_used(tmp_path, monkeypatch, capsys):
    real_import = builtins.__import__

    def no_onnxruntime(name, *args, **kwargs):
        if name == "onnxruntime":
            raise ImportError("No module named 'onnxruntime'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_onnxruntime)
    model = small_model()
    images = torch.randn(3, 1, 28, 28)
    exported = export.export_for_inference(model, images[:1], tmp_path / "m.onnx")
    assert exported.path == tmp_path / "m.ts" and exported.method.startswith("TorchScript")
    assert "ONNX Runtime is not installed" in capsys.readouterr().out
    with torch.no_grad():
        np.testing.assert_allclose(
            exported.logits(images.numpy()), model(images).numpy(), atol=1e-5
        )


def test_bad_paths_and_batches_are_refused(tmp_path):
    with pytest.raises(ValueError, match="ending in .onnx"):
        export.export_for_inference(small_model(), torch.zeros(1, 1, 28, 28), tmp_path / "m.pt")
    exported = export.ExportedModel(tmp_path / "x.onnx", "none", lambda x: x)
    with pytest.raises(ValueError, match=r"expected a batch of shape \(N, 1, 28, 28\)"):
        exported.logits(np.zeros((28, 28)))
