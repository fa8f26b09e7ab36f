"""Test-time augmentation and ensembles: averaging probabilities (chapter 13).

Chapter 13 squeezes the last errors out of its best model in two ways, both of which
average softmax probabilities instead of trusting a single forward pass:

* :func:`tta_probabilities` (test-time augmentation) averages one PyTorch model's
  probabilities over a few shifted copies of each image (:data:`TTA_SHIFTS`);
* :func:`ensemble_probabilities` averages several models' (optionally augmented)
  probabilities.

The shifts reuse :func:`mnist_utils.augment.affine`, so a shifted image is exactly
what the augmented training batches of chapter 11 look like.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TTA_SHIFTS", "ensemble_probabilities", "tta_probabilities"]

#: Test-time augmentation: the image itself and four one-pixel shifts (dx, dy).
TTA_SHIFTS = ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))


def tta_probabilities(model, images, device=None, shifts=TTA_SHIFTS, batch_size: int = 1000):
    """Softmax probabilities of a PyTorch ``model`` averaged over shifted copies of
    ``images`` (a normalised ``(N, 1, 28, 28)`` tensor); ``shifts`` lists ``(dx, dy)``
    in pixels, ``(0, 0)`` being the image itself. Returns an ``(N, 10)`` array."""
    import torch

    from .augment import affine

    if not shifts:
        raise ValueError("shifts must list at least one (dx, dy) pair, e.g. ((0, 0),)")
    device = device or next(model.parameters()).device
    model.eval()
    total = np.zeros((len(images), 10))
    with torch.no_grad():
        for dx, dy in shifts:
            for begin in range(0, len(images), batch_size):
                batch = images[begin : begin + batch_size]
                if dx or dy:
                    batch = affine(batch, 0.0, float(dx), float(dy), 1.0)
                logits = model(batch.to(device))
                total[begin : begin + len(batch)] += torch.softmax(logits, 1).cpu().numpy()
    return total / len(shifts)


def ensemble_probabilities(models, images, device=None, shifts=((0, 0),)):
    """The mean of several models' (test-time augmented) probabilities."""
    models = list(models)
    if not models:
        raise ValueError("an ensemble needs at least one model")
    return np.mean([tta_probabilities(m, images, device, shifts) for m in models], axis=0)
