"""Looking inside training: per-layer gradient norms (chapters 9 and 10).

A layer whose weights get (almost) no gradient does not learn. Measuring the norm of
each layer's weight gradient on the same batch, before training and after some, shows
where a deep sigmoid stack stops passing the signal back, and what BatchNorm or a
residual connection changes.
"""

from __future__ import annotations

__all__ = ["gradient_norms"]


def gradient_norms(model, images, labels, *, loss_fn=None, device=None) -> dict[str, float]:
    """L2 norm of the loss gradient of every conv and dense weight, on one batch.

    Returns ``{parameter name: norm}`` in the model's layer order (biases and
    BatchNorm scales are left out). The model's own gradients are left as they were,
    and it runs in training mode (dropout active) as it does when it learns; seed the
    generators first for a repeatable figure.
    """
    import torch

    if len(images) != len(labels) or len(images) == 0:
        raise ValueError(f"need a non-empty batch with one label per image, "
                         f"got {len(images)} images and {len(labels)} labels")
    loss_fn = loss_fn or torch.nn.CrossEntropyLoss()
    device = device or next(model.parameters()).device
    weights = {name: p for name, p in model.named_parameters() if p.ndim > 1}
    was_training = model.training
    model.train()
    try:
        loss = loss_fn(model(images.to(device)), labels.to(device))
        grads = torch.autograd.grad(loss, list(weights.values()), allow_unused=True)
    finally:
        model.train(was_training)
    return {name: (0.0 if g is None else g.norm().item()) for name, g in zip(weights, grads)}
