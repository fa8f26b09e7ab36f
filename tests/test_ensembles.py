"""mnist_utils.ensembles: test-time augmentation and ensembles (chapter 13)."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_utils import ensembles, speed

torch = pytest.importorskip("torch")


def test_tta_without_shifts_is_the_softmax_and_shifts_are_exact_translations():
    from mnist_utils.augment import BACKGROUND

    torch.manual_seed(0)
    net = speed.fast_net(crop=0).eval()
    images = torch.randn(6, 1, 28, 28)
    images[..., -1] = BACKGROUND  # so shifting right by one pixel equals rolling
    with torch.no_grad():
        plain = torch.softmax(net(images), 1).numpy()
        rolled = torch.softmax(net(torch.roll(images, 1, dims=3)), 1).numpy()
    np.testing.assert_allclose(
        ensembles.tta_probabilities(net, images, shifts=((0, 0),)), plain, rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(
        ensembles.tta_probabilities(net, images, shifts=((1, 0),)), rolled, rtol=1e-4, atol=1e-6
    )
    assert not np.allclose(plain, rolled)
    both = ensembles.tta_probabilities(net, images, shifts=((0, 0), (1, 0)))
    np.testing.assert_allclose(both, (plain + rolled) / 2, rtol=1e-4, atol=1e-6)


def test_ensemble_of_one_model_twice_is_that_model():
    torch.manual_seed(1)
    net = speed.fast_net().eval()
    images = torch.randn(4, 1, 28, 28)
    single = ensembles.tta_probabilities(net, images)
    twice = ensembles.ensemble_probabilities([net, net], images, shifts=ensembles.TTA_SHIFTS)
    np.testing.assert_allclose(twice, single, rtol=1e-6)
    with pytest.raises(ValueError, match="at least one model"):
        ensembles.ensemble_probabilities([], images)
    with pytest.raises(ValueError, match="at least one"):
        ensembles.tta_probabilities(net, images, shifts=())
