"""Exporting a trained PyTorch model to run without PyTorch's Python code (chapter 7).

:func:`export_for_inference` writes an ONNX file and loads it in ONNX Runtime. PyTorch
has two ONNX exporters: the newer one, based on ``torch.export`` (the default since
PyTorch 2.9), needs the ``onnxscript`` package; the older one, based on TorchScript
tracing, is chosen with ``dynamo=False``. They are tried in that order. Without ONNX
Runtime the model is traced to a TorchScript file instead. Either way the result can
predict logits from a NumPy batch, so the chapter can check the export against PyTorch.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["ExportedModel", "export_for_inference"]


@dataclass
class ExportedModel:
    """An exported model: its file, the exporter that wrote it, and ``run``, which
    maps a float32 batch ``(N, 1, 28, 28)`` to logits ``(N, 10)``."""

    path: Path
    method: str
    run: Callable[[np.ndarray], np.ndarray]

    def logits(self, images, batch_size: int = 1000) -> np.ndarray:
        """Logits of every image (a NumPy array or a CPU tensor), batch by batch."""
        images = np.asarray(images, dtype=np.float32)
        if images.ndim != 4 or len(images) == 0:
            raise ValueError(f"expected a batch of shape (N, 1, 28, 28), got {images.shape}")
        return np.concatenate(
            [self.run(images[i : i + batch_size]) for i in range(0, len(images), batch_size)]
        )


def _onnx(model, example, path: Path) -> str:
    import torch

    def export(**options):
        torch.onnx.export(
            model,
            (example,),
            path,
            input_names=["images"],
            output_names=["logits"],
            dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}},
            **options,
        )

    try:
        export()  # the torch.export-based exporter (needs onnxscript)
        return "ONNX, torch.export-based exporter"
    except ImportError as err:
        print(f"the default exporter is unavailable ({err})")
    with warnings.catch_warnings():
        # this exporter announces that it is the legacy one
        warnings.simplefilter("ignore", DeprecationWarning)
        export(dynamo=False)
    return "ONNX, TorchScript-based exporter (dynamo=False)"


def export_for_inference(model, example, path) -> ExportedModel:
    """Export a copy of the PyTorch ``model`` (in evaluation mode) to the ONNX file
    ``path``, traced on the batch ``example``, with one input ``images`` whose batch
    size may vary; the file is loaded in ONNX Runtime with as many threads as
    PyTorch uses. Without ONNX Runtime, a TorchScript file (``path`` with the suffix
    ``.ts``) is written and loaded instead. Prints why an exporter was skipped."""
    import torch

    path = Path(path)
    if path.suffix != ".onnx":
        raise ValueError(f"give the ONNX file's path, ending in .onnx, not {path.name!r}")
    model = copy.deepcopy(model).cpu().eval()  # the trained model is left as it is
    try:
        import onnxruntime as ort
    except ImportError as err:
        print(f"ONNX Runtime is not installed ({err}): using TorchScript")
        path = path.with_suffix(".ts")
        torch.jit.trace(model, example).save(str(path))
        loaded = torch.jit.load(str(path))

        def run_torchscript(x):
            with torch.no_grad():
                return loaded(torch.from_numpy(x)).numpy()

        return ExportedModel(path, "TorchScript (torch.jit.trace)", run_torchscript)
    method = _onnx(model, example, path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return ExportedModel(path, method, lambda x: session.run(None, {"images": x})[0])
