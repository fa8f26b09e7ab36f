"""Looking inside training: per-layer gradient norms (chapters 9 and 10).

A layer whose weights get (almost) no gradient does not learn. Measuring the norm of
each layer's weight gradient on the same batch, before training and after some, shows
where a deep sigmoid stack stops passing the signal back, and what BatchNorm or a
residual connection changes.
"""

from __future__ import annotations

__all__ = ["gradient_norms", "probe_gradients"]


def gradient_norms(model, images, labels, *, loss_fn=None, device=None) -> dict[str, float]:
    """L2 norm of the loss gradient of every conv and dense weight, on one batch.

    Returns ``{parameter name: norm}`` in the model's layer order (biases and
    BatchNorm scales are left out). The model's own gradients are left as they were,
    and it runs in training mode (dropout active) as it does when it learns; seed the
    generators first for a repeatable figure.
    """
    import torch

    if len(images) != len(labels) or len(images) == 0:
        raise ValueError(
            f"need a non-empty batch with one label per image, "
            f"got {len(images)} images and {len(labels)} labels"
        )
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


def probe_gradients(model, images, labels, *, loss_fn=None, device=None) -> dict[str, float]:
    """:func:`gradient_norms` measured without changing the run (chapters 9 and 10).

    The norms are taken on a copy of the model, so that BatchNorm's running
    statistics stay as they were, and PyTorch's random state is put back afterwards
    (dropout draws random numbers in training mode): a run measured before training,
    or between epochs, trains exactly as it would unmeasured.
    """
    import copy

    import torch

    state = torch.get_rng_state()
    try:
        return gradient_norms(copy.deepcopy(model), images, labels, loss_fn=loss_fn, device=device)
    finally:
        torch.set_rng_state(state)
