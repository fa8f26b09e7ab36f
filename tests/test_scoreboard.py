"""The results page's scoreboard figure: one point per recorded model, the public recipes
apart, the claimed accuracies as lines."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from mnist_utils.scoreboard import QUOTED_CLAIMS, plot_scoreboard, scoreboard_points


@pytest.fixture
def record():
    return pd.DataFrame(
        {
            "model": ["article000", "book (fast_net)", "tuomaso/train_mnist_fast", "keras.io"],
            "test_accuracy": [0.9912, 0.9921, 0.9904, 0.9907],
            "train_seconds": [250.0, 5.1, 12.4, np.nan],
            "params": [225_034, 29_178, 215_194, 34_826],
        }
    )


def test_points_mark_the_public_recipes_and_keep_missing_times(record):
    points = scoreboard_points(record)
    assert points["peer"].tolist() == [False, False, True, True]
    assert points.loc[1, "seconds"] == 5.1 and np.isnan(points.loc[3, "seconds"])
    assert points["params"].tolist() == [225_034, 29_178, 215_194, 34_826]


def test_an_empty_record_gives_no_points():
    assert len(scoreboard_points(pd.DataFrame())) == 0


def test_the_figure_has_a_point_per_model_and_a_line_per_claim(record):
    fig = plot_scoreboard(scoreboard_points(record))
    time_axis, params_axis = fig.axes
    assert time_axis.get_xscale() == params_axis.get_xscale() == "log"
    # the keras.io row has no training time: 3 points in the time panel, 4 in the other
    offsets = [len(c.get_offsets()) for c in time_axis.collections]
    assert offsets == [2, 1]
    assert [len(c.get_offsets()) for c in params_axis.collections] == [2, 2]
    dashed = [line.get_ydata()[0] for line in params_axis.lines]
    assert dashed == pytest.approx([100 * a for a in QUOTED_CLAIMS.values()])
    low, high = time_axis.get_ylim()
    assert high == 100 and low == pytest.approx(98.0 - 0.3)
