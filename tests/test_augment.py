"""Batched augmentation (mnist_utils.augment) and early stopping in training.fit
(chapter 11)."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_utils import load_mnist, models, training

torch = pytest.importorskip("torch")
from mnist_utils import augment  # noqa: E402  (needs torch only when called)

# float32 rounding of the interpolation; one grey level is 1 / 255 / 0.3081 = 0.0127
TOL = 5e-5


@pytest.fixture(scope="module")
def digits():
    (x, y), _ = load_mnist()
    return training.to_tensors(x[:64], y[:64])


def test_zero_ranges_are_the_identity(digits):
    images, _ = digits
    same = augment.random_affine(images, rotation=0, shift=0, zoom=0)
    assert torch.equal(same, images) and same is not images
    # the warp itself with angle 0, no shift and scale 1 reproduces every pixel
    warped = augment.affine(images, 0.0, 0.0, 0.0, 1.0)
    torch.testing.assert_close(warped, images, atol=TOL, rtol=0)


def test_a_one_pixel_shift_moves_the_image_one_pixel(digits):
    images, _ = digits
    fill = augment.BACKGROUND
    right = augment.affine(images, 0.0, 1.0, 0.0, 1.0)
    torch.testing.assert_close(right[..., :, 1:], images[..., :, :-1], atol=TOL, rtol=0)
    torch.testing.assert_close(
        right[..., :, 0], torch.full_like(right[..., :, 0], fill), atol=TOL, rtol=0
    )
    down = augment.affine(images, 0.0, 0.0, 1.0, 1.0)
    torch.testing.assert_close(down[..., 1:, :], images[..., :-1, :], atol=TOL, rtol=0)
    # per-image shifts: image 0 moves left by 3, image 1 stays
    dx = torch.tensor([-3.0, 0.0])
    both = augment.affine(images[:2], 0.0, dx, 0.0, 1.0)
    torch.testing.assert_close(both[0, :, :, :-3], images[0, :, :, 3:], atol=TOL, rtol=0)
    torch.testing.assert_close(both[1], images[1], atol=TOL, rtol=0)


def test_a_quarter_turn_is_rot90_counter_clockwise(digits):
    images, _ = digits
    turned = augment.affine(images, 90.0, 0.0, 0.0, 1.0)
    # torch.rot90 over (H, W) with k=1 turns counter-clockwise as displayed
    torch.testing.assert_close(turned, torch.rot90(images, 1, dims=(2, 3)), atol=TOL, rtol=0)


def test_zoom_out_keeps_the_ink_and_shrinks_the_digit(digits):
    images, _ = digits
    ink = images - augment.BACKGROUND  # 0 on the background
    small = augment.affine(images, 0.0, 0.0, 0.0, 0.5) - augment.BACKGROUND
    # half the size in each direction: a quarter of the area, same total ink / 4
    ratio = small.sum(dim=(1, 2, 3)) / ink.sum(dim=(1, 2, 3))
    torch.testing.assert_close(ratio, torch.full_like(ratio, 0.25), atol=0.02, rtol=0)


def test_seeded_augmentation_is_reproducible_and_varies_by_epoch(digits):
    images, labels = digits

    def epochs(seed):
        batches = augment.AugmentedBatches(
            training.TensorBatches(images, labels, 16, shuffle=True, seed=seed),
            rotation=15,
            shift=2,
            zoom=0.1,
            seed=seed,
        )
        return [[(x.clone(), y.clone()) for x, y in batches] for _ in range(2)]

    first, again, other = epochs(0), epochs(0), epochs(1)
    assert len(first[0]) == 4
    for (x1, y1), (x2, y2) in zip(first[0] + first[1], again[0] + again[1]):
        assert torch.equal(x1, x2) and torch.equal(y1, y2)
    assert not torch.equal(first[0][0][0], other[0][0][0])
    assert not torch.equal(first[0][0][0], first[1][0][0])  # a new epoch, new variants
    x, y = first[0][0]
    assert x.shape == (16, 1, 28, 28) and x.dtype == torch.float32
    # labels are untouched, and the pixels stay in the normalised range
    assert x.min() >= augment.BACKGROUND - 1e-5
    assert x.max() <= (1 - training.MNIST_MEAN) / training.MNIST_STD + 1e-5


@pytest.mark.parametrize(
    "ranges, message",
    [
        ({"rotation": -5}, r"rotation must be >= 0 and <= 180 degrees, got -5"),
        ({"rotation": 200}, r"rotation must be >= 0 and <= 180 degrees, got 200"),
        ({"shift": 15}, r"shift must be >= 0 and <= 14 pixels, got 15"),
        ({"zoom": 1.0}, r"zoom must be >= 0 and < 1"),
        ({"zoom": -0.1}, r"zoom must be >= 0 and < 1"),
        ({"shift": float("nan")}, r"shift must be >= 0"),
        ({"rotation": "10"}, r"rotation must be a number, got '10'"),
        ({"zoom": True}, r"zoom must be a number, got True"),
    ],
)
def test_bad_ranges_are_rejected(digits, ranges, message):
    images, labels = digits
    with pytest.raises(ValueError, match=message):
        augment.random_affine(images, **ranges)
    with pytest.raises(ValueError, match=message):
        augment.AugmentedBatches(training.TensorBatches(images, labels), **ranges)


def test_bad_images_and_parameters_are_rejected(digits):
    images, _ = digits
    with pytest.raises(
        ValueError, match=r"4-D tensor of images \(N, C, H, W\), got \(64, 28, 28\)"
    ):
        augment.random_affine(images[:, 0])
    with pytest.raises(ValueError, match="floating-point images"):
        augment.random_affine(torch.zeros(2, 1, 28, 28, dtype=torch.uint8))
    with pytest.raises(ValueError, match="square images"):
        augment.affine(images[..., :20], 0.0, 0.0, 0.0, 1.0)
    with pytest.raises(ValueError, match=r"dx must be a number or hold one value per image \(64\)"):
        augment.affine(images, 0.0, torch.zeros(3), 0.0, 1.0)
    with pytest.raises(ValueError, match="scale must be positive"):
        augment.affine(images, 0.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="seed must be a whole number >= 0"):
        augment.AugmentedBatches([], seed=-1)


# ------------------------------------------------------------ early stopping


def _tiny_run(epochs, **options):
    (x, y), _ = load_mnist()
    fit_set = training.to_tensors(x[:256], y[:256])
    val_set = training.to_tensors(x[256:512], y[256:512])
    torch.manual_seed(0)
    net = models.torch_model(models.get_spec("article000", convs=(4, 8), dense=(16,)))
    # a large learning rate on 256 images overfits within a few epochs
    optimizer = torch.optim.Adam(net.parameters(), lr=0.02)
    history = training.fit(
        net,
        training.TensorBatches(*fit_set, 32, shuffle=True),
        training.TensorBatches(*val_set, 256),
        optimizer,
        epochs=epochs,
        device="cpu",
        progress=False,
        verbose=False,
        **options,
    )
    val_loss = training.evaluate(
        net, training.TensorBatches(*val_set, 256), torch.nn.CrossEntropyLoss(), "cpu"
    )[0]
    return history, val_loss


def test_fit_without_patience_is_unchanged():
    history, _ = _tiny_run(3)
    assert list(history) == ["loss", "accuracy", "val_loss", "val_accuracy", "seconds"]
    assert len(history["loss"]) == 3


def _expected_stop(val_losses, patience):
    """(best epoch, epochs run) that early stopping should give, worked out by
    hand from a full run's validation losses."""
    best_loss, best = float("inf"), 0
    for epoch, loss in enumerate(val_losses, start=1):
        if loss < best_loss:
            best_loss, best = loss, epoch
        elif epoch - best >= patience:
            return best, epoch
    return best, len(val_losses)


def test_early_stopping_stops_and_restores_the_best_epoch():
    plain, _ = _tiny_run(12)
    best, ran = _expected_stop(plain["val_loss"], patience=2)
    assert ran < 12, "this seeded tiny run has two worse epochs in a row"
    stopped, restored_loss = _tiny_run(12, patience=2)
    # the same seed gives the same epochs until it stops
    assert len(stopped["val_loss"]) == ran
    np.testing.assert_allclose(stopped["val_loss"], plain["val_loss"][:ran], rtol=1e-5)
    assert stopped["best_epoch"] == best and stopped["stopped_early"] is True
    # the model handed back is the best epoch's, not the last one's
    assert restored_loss == pytest.approx(plain["val_loss"][best - 1], rel=1e-5)
    assert restored_loss < stopped["val_loss"][-1]
    kept, last_loss = _tiny_run(12, patience=2, restore_best=False)
    assert last_loss == pytest.approx(kept["val_loss"][-1], rel=1e-5)
    # a patience longer than the run: every epoch runs, the best one is restored
    full, full_loss = _tiny_run(4, patience=10)
    assert len(full["loss"]) == 4 and full["stopped_early"] is False
    assert full_loss == pytest.approx(min(full["val_loss"]), rel=1e-5)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_early_stopping_rejects_a_bad_patience(bad):
    with pytest.raises(ValueError, match="patience must be None"):
        _tiny_run(1, patience=bad)
