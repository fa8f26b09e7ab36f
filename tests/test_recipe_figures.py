"""mnist_utils.recipe_figures: the figures of chapters 12 and 13 show what the recipes'
own layers, optimizers and schedulers do."""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mnist_utils import augment, ensembles, speed  # noqa: E402
from mnist_utils import recipe_figures as rf  # noqa: E402

torch = pytest.importorskip("torch")


def test_crop_ink_share_counts_the_frame_and_the_figure_draws_the_box():
    images = np.zeros((2, 28, 28))
    images[0, 0, 0] = 1.0  # in the two-pixel frame
    images[1, 14, 14] = 3.0  # inside the 24 x 24 crop
    assert rf.crop_ink_share(images, crop=2) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="no ink"):
        rf.crop_ink_share(np.zeros((1, 28, 28)))
    with pytest.raises(ValueError, match="28 x 28"):
        rf.crop_ink_share(np.ones((1, 24, 24)))
    fig = rf.plot_crop(images[1], images)
    box = fig.axes[0].patches[0]
    assert (box.get_x(), box.get_width()) == (1.5, 24)
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), images.mean(0))
    plt.close(fig)


def test_schedule_rates_follow_the_book_recipes_one_cycle():
    steps = 100
    rates = rf.schedule_rates(
        lambda params: speed.book_optimizer(params, 0.02),
        lambda optimizer: speed.book_schedule(optimizer, 0.02, steps),
        steps,
    )
    assert len(rates) == steps
    assert rates[0] == pytest.approx(0.02 / 25)  # OneCycleLR's default div_factor
    assert int(np.argmax(rates)) == 29  # the peak after 30% of the steps
    assert rates.max() == pytest.approx(0.02)
    assert rates[-1] < 1e-6
    fig = rf.plot_learning_rates(rates)
    (ax,) = fig.axes
    np.testing.assert_allclose(ax.lines[0].get_ydata(), rates)
    assert ax.lines[1].get_xdata()[0] == 30
    plt.close(fig)
    with pytest.raises(ValueError, match="whole number"):
        rf.schedule_rates(None, None, 0)


def test_adam_weights_are_what_torch_adam_averages():
    gradients = [0.5, -2.0, 3.0, 1.0]
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.Adam([parameter], lr=0.1, betas=(0.7, 0.9))
    for g in gradients:
        parameter.grad = torch.tensor([g])
        optimizer.step()
    state = optimizer.state[parameter]
    n = len(gradients)
    newest_first = np.array(gradients[::-1])
    first = state["exp_avg"].item() / (1 - 0.7**n)
    second = state["exp_avg_sq"].item() / (1 - 0.9**n)
    assert first == pytest.approx(rf.adam_weights(0.7, n) @ newest_first)
    assert second == pytest.approx(rf.adam_weights(0.9, n) @ newest_first**2)
    np.testing.assert_allclose(rf.adam_weights(0.5, 3), [4 / 7, 2 / 7, 1 / 7])
    assert rf.half_weight_steps(0.5, 3) == 1
    assert rf.half_weight_steps(0.9, 1000) == 7  # 0.9**7 = 0.478 < 0.5 < 0.9**6
    with pytest.raises(ValueError, match="between 0 and 1"):
        rf.adam_weights(1.0, 10)
    fig = rf.plot_adam_memory(50)
    assert len(fig.axes) == 2
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), rf.adam_weights(0.9, 50))
    plt.close(fig)


def test_label_smoothing_targets_and_the_lowest_loss():
    target = rf.smoothed_target(3, 0.1)
    assert target[3] == pytest.approx(0.91) and target[0] == pytest.approx(0.01)
    assert target.sum() == pytest.approx(1.0)
    np.testing.assert_array_equal(rf.smoothed_target(3, 0.0), np.eye(10)[3])
    # torch's smoothed loss equals cross-entropy against the smoothed target
    logits = torch.tensor([[2.0, -1.0, 0.5, 3.0, 0, 0, 1, 0, 0, -2]], dtype=torch.float64)
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor([3]), label_smoothing=0.1)
    by_hand = -(torch.tensor(target) * torch.log_softmax(logits, 1)).sum()
    assert loss.item() == pytest.approx(by_hand.item())
    assert rf.best_margin(0.1) == pytest.approx(math.log(91))
    assert rf.best_margin(0.0) == math.inf
    margins = np.linspace(0, 10, 10_001)
    lowest = margins[np.argmin(rf.smoothed_loss(margins, 0.1))]
    assert lowest == pytest.approx(math.log(91), abs=1e-3)
    assert np.all(np.diff(rf.smoothed_loss(margins, 0.0)) < 0)  # one-hot: always lower
    with pytest.raises(ValueError, match="label must be a class"):
        rf.smoothed_target(10, 0.1)
    fig = rf.plot_label_smoothing(3, 0.1)
    bars = [bar.get_height() for bar in fig.axes[0].patches]
    np.testing.assert_allclose(bars[10:], target)
    assert fig.axes[1].lines[2].get_xdata()[0] == pytest.approx(math.log(91))
    plt.close(fig)


def test_bfloat16_error_is_within_half_an_epsilon():
    values = np.array([1.0, 1 + 2**-8 + 2**-10, -3.14159, 0.0, 1e-3])
    errors = rf.bfloat16_error(values)
    assert len(errors) == 4  # zero is left out
    assert errors[0] == 0.0  # 1 is exact in bfloat16
    assert errors.max() <= torch.finfo(torch.bfloat16).eps / 2
    assert errors[1] > 0
    with pytest.raises(ValueError, match="non-zero"):
        rf.bfloat16_error([0.0])
    fig = rf.plot_bfloat16(values)
    widths = [bar.get_width() for bar in fig.axes[0].patches]
    assert widths == [1, 8, 23, 1, 8, 7, 1, 5, 10]
    plt.close(fig)


def test_shifted_copies_move_a_pixel_by_one_and_match_the_tta_warp():
    image = np.full((28, 28), augment.BACKGROUND, np.float32)
    image[10, 10] = 2.0
    copies = rf.shifted_copies(image, ensembles.TTA_SHIFTS)
    bright = [tuple(np.argwhere(np.isclose(c, 2.0))[0]) for c in copies]
    assert bright == [(10, 10), (10, 11), (10, 9), (11, 10), (9, 10)]  # (row, column)
    fig = rf.plot_shifted_copies(copies, ensembles.TTA_SHIFTS, [0.9, 0.8, 0.7, 0.6, 0.5])
    assert len(fig.axes) == 5
    assert fig.axes[1].get_title() == "shift (1, 0)\np = 0.80"
    plt.close(fig)
    with pytest.raises(ValueError, match="2 copies for 5 shifts"):
        rf.plot_shifted_copies(copies[:2], ensembles.TTA_SHIFTS)


def test_error_overlap_and_the_agreement_map():
    labels = np.array([0, 1, 2, 0])
    a = np.eye(3)[[0, 1, 1, 0]] * 0.8 + 0.2 / 3  # wrong on image 2
    b = np.eye(3)[[0, 2, 2, 2]] * 0.6 + 0.4 / 3  # wrong on images 1 and 3
    overlap = rf.error_overlap([a, b], labels)
    assert overlap == {
        "member_errors": [1, 2],
        "any_wrong": 3,
        "all_wrong": 0,
        "ensemble_errors": 1,  # the average is wrong on image 2 only
        "ensemble_only": 0,
    }
    fig = rf.plot_member_agreement([a, b], labels, ["seed 0", "seed 1"])
    shown = fig.axes[0].images[0].get_array()
    assert shown.shape == (3, 3)  # two members and the average, images 1, 2, 3
    np.testing.assert_allclose(shown[0], [a[1, 1], a[2, 2], a[3, 0]])
    np.testing.assert_allclose(shown[2], (shown[0] + shown[1]) / 2)
    plt.close(fig)
    with pytest.raises(ValueError, match="one row per label"):
        rf.error_overlap([a], labels[:3])
