"""mnist_utils.draw: pen strokes into pictures, their prediction path, and the board."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_utils import draw, load_mnist, models, training


def test_strokes_become_dark_ink_on_white_paper():
    image = draw.strokes_to_image([[(140, 40), (140, 240)]], width=20)
    assert image.shape == (280, 280) and image.dtype == np.uint8
    assert image[140, 140] == 0 and image[140, 20] == 255  # on the line / far from it
    ink = np.flatnonzero(image[140] == 0)
    assert (ink.min(), ink.max()) == (131, 150)  # 20 px wide around x=140
    assert np.flatnonzero(image[:, 140] == 0).min() == 30  # round cap: 10 px past y=40
    dot = draw.strokes_to_image([[(50, 50)]], width=10)
    assert dot[50, 50] == 0 and dot[50, 60] == 255


@pytest.mark.parametrize(
    "strokes, message",
    [
        ([], "no strokes to draw"),
        ([[]], "stroke 0 has no points"),
        ([[(10, 10)], [(10, 10), (300, 10)]], r"stroke 1 has points off the 280x280 board"),
        ([[(10, 10, 3)]], "not \\(x, y\\) pairs"),
    ],
)
def test_bad_strokes_are_rejected(strokes, message):
    with pytest.raises(ValueError, match=message):
        draw.strokes_to_image(strokes)


def test_probability_bars_highlight_the_best_digit():
    p = np.full(10, 0.05)
    p[7] = 0.55
    bars = draw.probability_bars(p)
    assert bars.count("<b>") == 10 and "55.0%" in bars
    assert bars.index("#1f77b4") > bars.index("<b>7</b>") > bars.index("<b>6</b>")
    with pytest.raises(ValueError, match="expected 10 non-negative probabilities"):
        draw.probability_bars([0.5, 0.5])


@pytest.fixture(scope="module")
def small_model():
    """A small CNN trained for one epoch on 6,000 images (a few seconds on a CPU)."""
    torch = pytest.importorskip("torch")
    (x, y), _ = load_mnist()
    images, labels = training.to_tensors(x[:6000], y[:6000])
    torch.manual_seed(0)
    net = models.torch_model(
        models.get_spec("article000", convs=(16, 32), dense=(64,), dropout=0.0)
    )
    training.fit(
        net,
        training.TensorBatches(images, labels, 64, shuffle=True, seed=0),
        training.TensorBatches(images[:500], labels[:500], 500),
        torch.optim.Adam(net.parameters(), 2e-3),
        epochs=1,
        device="cpu",
        progress=False,
        verbose=False,
    )
    return net


def test_a_drawn_one_and_zero_are_read_correctly(small_model):
    one = draw.predict_strokes(small_model, [[(150, 40), (135, 240)]])
    assert one["digit"] == 1, one["probabilities"].round(3)
    circle = [(140 + 70 * np.sin(t), 140 - 100 * np.cos(t)) for t in np.linspace(0, 2 * np.pi, 60)]
    zero = draw.predict_strokes(small_model, [circle])
    assert zero["digit"] == 0, zero["probabilities"].round(3)
    assert zero["image"].shape == (28, 28)
    assert zero["probabilities"].sum() == pytest.approx(1)


def test_the_board_explains_itself_without_a_front_end(monkeypatch, capsys, small_model):
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert draw.draw_digit(small_model) is None
    out = capsys.readouterr().out
    assert "Drawing board not shown: no widget front end here" in out
    assert "make lab" in out


def test_the_board_is_built_where_widgets_can_show(monkeypatch, small_model):
    pytest.importorskip("ipycanvas")
    monkeypatch.setenv("JPY_SESSION_NAME", "chapter.ipynb")
    board = draw.draw_digit(small_model)
    canvas = board.children[0].children[0]
    assert (canvas.width, canvas.height) == (draw.BOARD_SIZE, draw.BOARD_SIZE)
    assert "Draw one digit" in board.children[1].children[0].value
    # force=True builds it even without a front end (for other widget-aware tools)
    monkeypatch.delenv("JPY_SESSION_NAME")
    assert draw.draw_digit(small_model, force=True) is not None


def test_checking_for_widgets_creates_no_widget():
    """Importing ipycanvas creates a widget, whose state would make the static page
    load widget scripts from a CDN; the availability check must not import it."""
    import os
    import subprocess
    import sys

    code = (
        "import sys; from mnist_utils import draw; ok, why = draw.widgets_available(); "
        "print('ipycanvas' in sys.modules, 'ipywidgets' in sys.modules, ok)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "JPY_SESSION_NAME"},
        check=True,
    ).stdout.split()
    assert out == ["False", "False", "False"]
