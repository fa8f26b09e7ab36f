"""The figures of chapters 12 and 13: what each ingredient of the recipes does.

Chapter 12's fast recipe: the 24 x 24 crop (:func:`plot_crop`, :func:`crop_ink_share`),
the one-cycle schedule read from the scheduler the recipe builds
(:func:`schedule_rates`, :func:`plot_learning_rates`), the memory of Adam's betas
(:func:`adam_weights`, :func:`half_weight_steps`, :func:`plot_adam_memory`), label
smoothing (:func:`smoothed_target`, :func:`smoothed_loss`, :func:`best_margin`,
:func:`plot_label_smoothing`) and bfloat16 (:func:`bfloat16_error`,
:func:`plot_bfloat16`). Chapter 13's test-time augmentation (:func:`shifted_copies`,
:func:`plot_shifted_copies`) and ensemble (:func:`error_overlap`,
:func:`plot_member_agreement`).

Each ``plot_*`` function returns a matplotlib figure for ``save_and_show``; the
others compute what a figure shows, with the book's own layers where there is one.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = [
    "adam_weights",
    "best_margin",
    "bfloat16_error",
    "crop_ink_share",
    "error_overlap",
    "half_weight_steps",
    "plot_adam_memory",
    "plot_bfloat16",
    "plot_crop",
    "plot_label_smoothing",
    "plot_learning_rates",
    "plot_member_agreement",
    "plot_shifted_copies",
    "schedule_rates",
    "shifted_copies",
    "smoothed_loss",
    "smoothed_target",
]


def _images(images) -> np.ndarray:
    images = np.asarray(images, dtype=float)
    if images.ndim == 2:
        images = images[None]
    images = images.reshape(len(images), *images.shape[-2:])
    if images.shape[1:] != (28, 28):
        raise ValueError(f"expected 28 x 28 images, got shape {images.shape[1:]}")
    return images


# ---------------------------------------------------------------- the crop (ch. 12)


def crop_ink_share(images, crop: int = 2) -> float:
    """The share of all the ink of ``images`` (28 x 28, any scale with 0 as
    background) that lies in the outer ``crop`` pixels of every side, which the
    recipe's crop removes (chapter 12)."""
    images = _images(images)
    if not 1 <= crop <= 13:
        raise ValueError(f"crop must be 1-13 pixels per side, got {crop!r}")
    total = images.sum()
    if total <= 0:
        raise ValueError("the images hold no ink (every pixel is 0)")
    inside = images[:, crop:-crop, crop:-crop].sum()
    return float((total - inside) / total)


def plot_crop(image, images, crop: int = 2):
    """Two panels (chapter 12): one digit with the crop's box drawn on it, and the
    mean of ``images`` (how much ink each pixel holds on average) with the same
    box; the crop keeps what is inside the box."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    image, mean = _images(image)[0], _images(images).mean(0)
    fig, axes = plt.subplots(1, 2, figsize=(7, 3.4))
    for ax, picture, title in [
        (axes[0], image, "one training digit"),
        (axes[1], mean, "mean of the training digits"),
    ]:
        shown = ax.imshow(picture, cmap="gray_r", vmin=0)
        size = 28 - 2 * crop
        ax.add_patch(Rectangle((crop - 0.5, crop - 0.5), size, size, fill=False, ec="C3", lw=2))
        ax.set(title=title, xticks=[crop, 27 - crop], yticks=[crop, 27 - crop])
    fig.colorbar(shown, ax=axes[1], fraction=0.046, label="mean pixel value")
    fig.suptitle(f"The {size} × {size} crop (red box) of the 28 × 28 image")
    fig.tight_layout()
    return fig


# ------------------------------------------------------- the schedule (ch. 12, 13)


def schedule_rates(make_optimizer, make_schedule, steps: int) -> np.ndarray:
    """The learning rate of every training step, read from a real scheduler:
    ``make_optimizer(parameters)`` builds the recipe's optimizer (here on one
    throw-away parameter) and ``make_schedule(optimizer)`` its scheduler, which is
    stepped ``steps`` times as the training loop steps it (after each batch)."""
    import torch

    if not (isinstance(steps, int) and steps >= 1):
        raise ValueError(f"steps must be a whole number >= 1, got {steps!r}")
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = make_optimizer([parameter])
    scheduler = make_schedule(optimizer)
    rates = []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()  # no gradient: the parameter stays as it is
        scheduler.step()
    return np.array(rates)


def plot_learning_rates(rates, *, title: str = "The one-cycle schedule"):
    """The learning rate against the training step (chapters 12 and 13), with the
    peak marked."""
    import matplotlib.pyplot as plt

    rates = np.asarray(rates, dtype=float)
    if rates.ndim != 1 or len(rates) < 2:
        raise ValueError("give the learning rate of at least two steps")
    peak = int(np.argmax(rates))
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot(np.arange(1, len(rates) + 1), rates, color="C0")
    ax.plot([peak + 1], [rates[peak]], "o", color="C3", label=f"peak at step {peak + 1}")
    ax.axvline(peak + 1, color="C3", lw=0.8, ls=":")
    ax.set(xlabel="training step (one batch)", ylabel="learning rate", title=title)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------- Adam's betas (ch. 12)


def _check_beta(beta) -> None:
    if not 0 < beta < 1:
        raise ValueError(f"a beta must be between 0 and 1 (exclusive), got {beta!r}")


def adam_weights(beta: float, steps: int) -> np.ndarray:
    """The weight Adam's bias-corrected moving average gives, after ``steps``
    steps, to the gradient of ``k`` steps ago, for ``k = 0 .. steps - 1``:
    ``(1 - beta) * beta**k / (1 - beta**steps)``. They sum to 1 (chapter 12)."""
    _check_beta(beta)
    if not (isinstance(steps, int) and steps >= 1):
        raise ValueError(f"steps must be a whole number >= 1, got {steps!r}")
    k = np.arange(steps)
    return (1 - beta) * beta**k / (1 - beta**steps)


def half_weight_steps(beta: float, steps: int) -> int:
    """How many of the most recent steps hold half of the weight of Adam's average
    after ``steps`` steps (the average's half-life, in steps)."""
    cumulative = np.cumsum(adam_weights(beta, steps))
    return int(np.searchsorted(cumulative, 0.5 - 1e-12) + 1)


def plot_adam_memory(steps: int, recipe=(0.7, 0.9), defaults=(0.9, 0.999)):
    """Two panels (chapter 12): the weight of each past gradient in Adam's first
    moment (beta1) and second moment (beta2) at the end of a run of ``steps``
    steps, for the recipe's betas and for PyTorch's defaults, with each average's
    half-life marked."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.3), sharey=True)
    k = np.arange(steps)
    for ax, index, moment in [
        (axes[0], 0, "first moment (beta1)"),
        (axes[1], 1, "second moment (beta2)"),
    ]:
        for beta, style, who in [
            (recipe[index], "-", "recipe"),
            (defaults[index], "--", "default"),
        ]:
            (line,) = ax.plot(k, adam_weights(beta, steps), style, label=f"{who}: {beta:g}")
            ax.axvline(half_weight_steps(beta, steps), color=line.get_color(), lw=0.8, ls=":")
        ax.set(xlabel="steps ago", title=moment, yscale="log", xlim=(0, steps - 1))
        ax.set_ylim(bottom=1e-6)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("weight in the average")
    fig.suptitle(f"What Adam's averages remember at the end of {steps} steps")
    fig.tight_layout()
    return fig


# -------------------------------------------------------- label smoothing (ch. 12)


def _check_smoothing(smoothing, classes) -> None:
    if not 0 <= smoothing < 1:
        raise ValueError(f"smoothing must be in [0, 1), got {smoothing!r}")
    if not (isinstance(classes, int) and classes >= 2):
        raise ValueError(f"classes must be a whole number >= 2, got {classes!r}")


def smoothed_target(label: int, smoothing: float, classes: int = 10) -> np.ndarray:
    """The target distribution that cross-entropy with label ``smoothing`` trains
    against: ``smoothing / classes`` for every class, plus ``1 - smoothing`` for the
    true ``label``."""
    _check_smoothing(smoothing, classes)
    if not 0 <= label < classes:
        raise ValueError(f"label must be a class in 0-{classes - 1}, got {label!r}")
    target = np.full(classes, smoothing / classes)
    target[label] += 1 - smoothing
    return target


def smoothed_loss(margins, smoothing: float, classes: int = 10) -> np.ndarray:
    """PyTorch's cross-entropy with ``label_smoothing`` for logits that give the true
    class ``margin`` more than each of the other classes (which are equal), one loss
    per margin."""
    import torch

    _check_smoothing(smoothing, classes)
    margins = torch.as_tensor(np.asarray(margins, dtype=float)).reshape(-1)
    logits = torch.zeros(len(margins), classes, dtype=torch.float64)
    logits[:, 0] = margins
    labels = torch.zeros(len(margins), dtype=torch.long)
    loss = torch.nn.functional.cross_entropy(
        logits, labels, label_smoothing=smoothing, reduction="none"
    )
    return loss.numpy()


def best_margin(smoothing: float, classes: int = 10) -> float:
    """The margin at which :func:`smoothed_loss` is lowest: the softmax then gives the
    true class exactly its target, ``1 - smoothing + smoothing / classes``, so the
    margin is ``log(target_true / target_other)``. Without smoothing there is no
    lowest point (the loss keeps falling): ``inf``."""
    _check_smoothing(smoothing, classes)
    if smoothing == 0:
        return math.inf
    other = smoothing / classes
    return math.log((1 - smoothing + other) / other)


def plot_label_smoothing(label: int, smoothing: float, classes: int = 10, max_margin: float = 12):
    """Two panels (chapter 12): the target distribution of one image without and
    with label ``smoothing``, and the loss against the margin of the true logit
    (:func:`smoothed_loss`), with the smoothed loss's lowest point marked."""
    import matplotlib.pyplot as plt

    fig, (ax_target, ax_loss) = plt.subplots(1, 2, figsize=(9, 3.3))
    digits = np.arange(classes)
    for offset, eps, name in [
        (-0.2, 0.0, "one-hot"),
        (0.2, smoothing, f"smoothed ({smoothing:g})"),
    ]:
        ax_target.bar(digits + offset, smoothed_target(label, eps, classes), width=0.4, label=name)
    ax_target.set(
        xticks=digits, xlabel="class", ylabel="target probability", title=f"The target of a {label}"
    )
    ax_target.legend(fontsize=8)
    margins = np.linspace(0, max_margin, 241)
    ax_loss.plot(margins, smoothed_loss(margins, 0.0, classes), "--", label="one-hot")
    ax_loss.plot(
        margins, smoothed_loss(margins, smoothing, classes), label=f"smoothed ({smoothing:g})"
    )
    best = best_margin(smoothing, classes)
    if best <= max_margin:
        low = smoothed_loss([best], smoothing, classes)[0]
        ax_loss.plot([best], [low], "o", color="C3", label="lowest smoothed loss")
    ax_loss.set(xlabel="margin of the true logit over the others", ylabel="loss", title="The loss")
    ax_loss.set_ylim(bottom=0)
    ax_loss.grid(alpha=0.3)
    ax_loss.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------- bfloat16 (ch. 12)

#: Bits of sign, exponent and fraction of three floating-point formats.
FORMATS = {"float32": (1, 8, 23), "bfloat16": (1, 8, 7), "float16": (1, 5, 10)}


def bfloat16_error(values) -> np.ndarray:
    """The relative error of each (non-zero) value when PyTorch rounds it to bfloat16
    and back to float32."""
    import torch

    values = torch.as_tensor(np.asarray(values, dtype=np.float32)).reshape(-1)
    values = values[values != 0]
    if not len(values):
        raise ValueError("give at least one non-zero value")
    rounded = values.to(torch.bfloat16).to(torch.float32)
    return ((rounded - values).abs() / values.abs()).numpy()


def plot_bfloat16(values):
    """Two panels (chapter 12): the bits of float32, bfloat16 and float16 (sign,
    exponent, fraction), and a histogram of the relative error of ``values`` rounded
    to bfloat16 (:func:`bfloat16_error`), with the largest possible error, half of
    bfloat16's machine epsilon, marked."""
    import matplotlib.pyplot as plt
    import torch

    errors = bfloat16_error(values)
    fig, (ax_bits, ax_err) = plt.subplots(1, 2, figsize=(10, 3.2), width_ratios=(1.3, 1))
    colours = ("C3", "C0", "C2")
    for row, parts in enumerate(FORMATS.values()):
        start = 0
        for part, width, colour in zip(("sign", "exponent", "fraction"), parts, colours):
            ax_bits.barh(
                row,
                width,
                left=start,
                color=colour,
                edgecolor="white",
                label=part if row == 0 else None,
            )
            ax_bits.text(
                start + width / 2,
                row,
                str(width),
                ha="center",
                va="center",
                color="white",
                fontsize=8,
            )
            start += width
    ax_bits.set(
        yticks=range(len(FORMATS)),
        yticklabels=list(FORMATS),
        xlabel="bits",
        title="Three number formats",
    )
    ax_bits.invert_yaxis()
    ax_bits.legend(fontsize=8, ncols=3, loc="lower right")
    bound = torch.finfo(torch.bfloat16).eps / 2
    ax_err.hist(100 * errors, bins=40, color="C0")
    ax_err.axvline(100 * bound, color="C3", ls="--", label="largest possible")
    ax_err.set(
        xlabel="relative rounding error (%)",
        ylabel="values",
        title="The weights rounded to bfloat16",
    )
    ax_err.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ------------------------------------------------ test-time augmentation (ch. 13)


def shifted_copies(image, shifts) -> np.ndarray:
    """The copies of one image that test-time augmentation classifies: ``image``
    (28 x 28, or a normalised ``(1, 28, 28)`` tensor) shifted by every ``(dx, dy)``
    of ``shifts`` with :func:`mnist_utils.augment.affine`, the warp the test-time
    augmentation of chapter 13 uses. Returns ``(len(shifts), 28, 28)``."""
    import torch

    from .augment import BACKGROUND, affine

    if not shifts:
        raise ValueError("shifts must list at least one (dx, dy) pair, e.g. ((0, 0),)")
    tensor = torch.as_tensor(np.asarray(image, dtype=np.float32)).reshape(1, 1, 28, 28)
    copies = [
        affine(tensor, 0.0, float(dx), float(dy), 1.0, fill=BACKGROUND)[0, 0]
        if dx or dy
        else tensor[0, 0]
        for dx, dy in shifts
    ]
    return torch.stack(copies).numpy()


def plot_shifted_copies(copies, shifts, probabilities=None):
    """The copies of one digit that test-time augmentation averages over (chapter
    13), one panel each, titled with its shift and, if given, the probability the
    model gives the true class on it."""
    import matplotlib.pyplot as plt

    copies = np.asarray(copies)
    if len(copies) != len(shifts):
        raise ValueError(f"{len(copies)} copies for {len(shifts)} shifts")
    fig, axes = plt.subplots(1, len(copies), figsize=(1.7 * len(copies), 2.2))
    for i, ax in enumerate(np.atleast_1d(axes)):
        ax.imshow(copies[i], cmap="gray_r")
        title = f"shift {tuple(int(s) for s in shifts[i])}"
        if probabilities is not None:
            title += f"\np = {probabilities[i]:.2f}"
        ax.set_title(title, fontsize=8)
        ax.set(xticks=[], yticks=[])
    fig.tight_layout()
    return fig


# ---------------------------------------------------------- the ensemble (ch. 13)


def _member_probabilities(member_probabilities, labels):
    probabilities = np.asarray(member_probabilities, dtype=float)
    labels = np.asarray(labels)
    if probabilities.ndim != 3 or probabilities.shape[1] != len(labels):
        raise ValueError(
            "member_probabilities must be (members, images, classes) with one row per "
            f"label; got shape {probabilities.shape} for {len(labels)} labels"
        )
    return probabilities, labels


def error_overlap(member_probabilities, labels) -> dict:
    """How the members' test errors overlap (chapter 13): the errors of each member,
    the images at least one of them gets wrong, those every one gets wrong, and the
    errors of their average (the ensemble), and those of its errors that no member
    makes (``ensemble_only``, always 0). The ensemble can only err where some
    member errs: where all are right, the true class is first in every member, and
    so in their mean."""
    probabilities, labels = _member_probabilities(member_probabilities, labels)
    wrong = probabilities.argmax(2) != labels
    ensemble_wrong = probabilities.mean(0).argmax(1) != labels
    return {
        "member_errors": [int(w.sum()) for w in wrong],
        "any_wrong": int(wrong.any(0).sum()),
        "all_wrong": int(wrong.all(0).sum()),
        "ensemble_errors": int(ensemble_wrong.sum()),
        "ensemble_only": int((ensemble_wrong & ~wrong.any(0)).sum()),
    }


def plot_member_agreement(member_probabilities, labels, names, max_images: int = 40):
    """A heat map (chapter 13): for the test images that at least one member or
    their average gets wrong (the first ``max_images``), the probability each member
    (a row, named by ``names``) and the average (the last row) give the true class;
    dark cells are confident right answers, light ones errors."""
    import matplotlib.pyplot as plt

    probabilities, labels = _member_probabilities(member_probabilities, labels)
    if len(names) != len(probabilities):
        raise ValueError(f"{len(names)} names for {len(probabilities)} members")
    rows = np.vstack([probabilities, probabilities.mean(0, keepdims=True)])
    wrong = (rows.argmax(2) != labels).any(0)
    shown = np.flatnonzero(wrong)[:max_images]
    true = rows[:, shown, labels[shown]] if len(shown) else np.zeros((len(rows), 0))
    fig, ax = plt.subplots(figsize=(max(4, 0.25 * len(shown) + 2), 0.45 * len(rows) + 1.4))
    shown_map = ax.imshow(true, cmap="Greens", vmin=0, vmax=1, aspect="auto")
    ax.set(
        yticks=range(len(rows)),
        yticklabels=[*names, "average"],
        xticks=range(len(shown)),
        xlabel="test images that a row gets wrong",
    )
    ax.set_xticklabels([str(labels[i]) for i in shown], fontsize=7)
    fig.colorbar(shown_map, ax=ax, label="probability of the true class")
    fig.tight_layout()
    return fig
