"""mnist_utils.metrics.commonest_confusions (chapter 7): the largest off-diagonal
counts of a confusion matrix, with the share and the reverse mistake."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_utils import metrics


def test_commonest_confusions_sorts_the_mistakes_and_counts_the_reverse():
    matrix = np.array([[50, 4, 1], [0, 40, 6], [2, 9, 30]])
    pairs = metrics.commonest_confusions(matrix, k=3)
    assert pairs[["true", "predicted", "count"]].values.tolist() == [
        [2, 1, 9],
        [1, 2, 6],
        [0, 1, 4],
    ]
    assert pairs.loc[0, "share of the true digit"] == pytest.approx(9 / 41)
    assert pairs["count the other way round"].tolist() == [6, 9, 0]
    assert len(metrics.commonest_confusions(matrix, k=100)) == 6  # off-diagonal cells


def test_commonest_confusions_needs_a_square_matrix():
    with pytest.raises(ValueError, match="square confusion matrix"):
        metrics.commonest_confusions(np.zeros((2, 3)))
