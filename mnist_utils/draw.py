"""Draw a digit with the mouse and watch a model's probabilities change (chapter 13).

:func:`draw_digit` shows a drawing board (an ``ipycanvas`` canvas) next to ten
probability bars; every time the pen is lifted, the drawing goes through the same
path as a photographed digit (:func:`mnist_utils.inference.predict_image`: crop, fit
in 20x20, centre by mass in 28x28) and the bars are redrawn.

The board needs a live kernel and a widget-aware front end (JupyterLab, Jupyter
Notebook). Where there is none, as on the book's static website or when a chapter
runs headless, it prints what to do instead of showing a dead widget.
:func:`strokes_to_image` and :func:`predict_strokes` are the same path without the
widget: they turn pen strokes (lists of points) into a picture and classify it,
which is how the tests and the static pages exercise it.
"""

from __future__ import annotations

import html
import importlib.util
import os

import numpy as np

__all__ = [
    "BOARD_SIZE",
    "draw_digit",
    "probability_bars",
    "predict_strokes",
    "strokes_to_image",
    "widgets_available",
]

#: Side of the drawing board in pixels; the pen is about a tenth of it wide, as the
#: strokes of an MNIST digit are about a tenth of its 28x28 field.
BOARD_SIZE = 280
PEN_WIDTH = 22


def strokes_to_image(strokes, *, size: int = BOARD_SIZE, width: int = PEN_WIDTH) -> np.ndarray:
    """Dark strokes on white paper, as a ``(size, size)`` uint8 array.

    ``strokes`` is a list of strokes, each a list of ``(x, y)`` points in board
    pixels (a single point makes a dot). Raises ``ValueError`` for no strokes, an
    empty stroke or points off the board.
    """
    from PIL import Image, ImageDraw

    if size < 28 or width < 1:
        raise ValueError(
            f"size must be at least 28 and width at least 1, got size={size}, width={width}"
        )
    if not strokes:
        raise ValueError("no strokes to draw: give a list of strokes, each a list of (x, y) points")
    image = Image.new("L", (size, size), 255)
    pen = ImageDraw.Draw(image)
    for number, stroke in enumerate(strokes):
        points = [tuple(map(float, point)) for point in stroke]
        if not points:
            raise ValueError(f"stroke {number} has no points")
        off = [p for p in points if len(p) != 2 or not all(0 <= v <= size for v in p)]
        if off:
            raise ValueError(
                f"stroke {number} has points off the {size}x{size} board "
                f"(or not (x, y) pairs): {off[:3]}"
            )
        if len(points) > 1:
            pen.line(points, fill=0, width=width, joint="curve")
        radius = width / 2  # round caps and single dots
        for x, y in (points[0], points[-1]):
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=0)
    return np.asarray(image)


def predict_strokes(model, strokes, *, framework: str = "torch", **draw_options) -> dict:
    """Draw ``strokes`` (see :func:`strokes_to_image`) and classify the picture with
    :func:`mnist_utils.inference.predict_image`; returns its dictionary (``digit``,
    ``probabilities``, the 28x28 ``image``)."""
    from .inference import predict_image

    return predict_image(model, strokes_to_image(strokes, **draw_options), framework=framework)


def probability_bars(probabilities) -> str:
    """Ten horizontal bars as an HTML snippet, the most likely digit highlighted."""
    probabilities = np.asarray(probabilities, dtype=float)
    if probabilities.shape != (10,) or not np.all(probabilities >= 0):
        raise ValueError(f"expected 10 non-negative probabilities, got {probabilities!r}")
    best = int(probabilities.argmax())
    rows = []
    for digit, p in enumerate(probabilities):
        colour = "#1f77b4" if digit == best else "#9ecae1"
        rows.append(
            f'<div style="display:flex;align-items:center;gap:6px;font-family:monospace">'
            f"<b>{digit}</b>"
            f'<div style="background:{colour};height:14px;width:{200 * p:.0f}px"></div>'
            f"<span>{100 * p:5.1f}%</span></div>"
        )
    return "".join(rows)


def widgets_available() -> tuple[bool, str]:
    """Whether a drawing board can work here, and if not, why."""
    # find_spec, not import: importing ipycanvas creates a widget, and a notebook that
    # holds widget state makes its HTML page load the widget scripts from a CDN
    missing = [
        name for name in ("ipywidgets", "ipycanvas") if importlib.util.find_spec(name) is None
    ]
    if missing:
        return False, (
            f"the drawing board needs ipywidgets and ipycanvas ({', '.join(missing)} "
            "missing); install the book's requirements "
            "(pip install -r requirements.txt)"
        )
    # Jupyter Server starts each notebook's kernel with JPY_SESSION_NAME set; a build
    # or a test run (nbclient, papermill, nbval) has no front end to draw in.
    if not os.environ.get("JPY_SESSION_NAME"):
        return False, (
            "no widget front end here (a static page, or the notebook runs "
            "headless); open the chapter in JupyterLab (`make lab`) to draw, "
            "or call draw_digit(model, force=True) in a front end that shows "
            "widgets"
        )
    return True, ""


def draw_digit(
    model,
    *,
    framework: str = "torch",
    size: int = BOARD_SIZE,
    width: int = PEN_WIDTH,
    force: bool = False,
):
    """A drawing board with live probabilities (JupyterLab); see the module docstring.

    Returns the widget to display, or ``None`` after printing why no board can be shown.
    """
    ok, why = widgets_available()
    if not ok and not (force and "front end" in why):
        print(f"Drawing board not shown: {why}.")
        return None

    import ipywidgets as widgets
    from ipycanvas import Canvas

    from .inference import predict_image

    canvas = Canvas(width=size, height=size, sync_image_data=True)
    canvas.layout.border = "1px solid #888"
    canvas.stroke_style, canvas.line_width = "black", width
    canvas.line_cap = canvas.line_join = "round"
    bars = widgets.HTML(probability_bars(np.full(10, 0.1)))
    status = widgets.HTML("Draw one digit with the mouse.")
    clear = widgets.Button(description="Clear", icon="eraser")
    last = {"point": None}

    def pen_down(x, y):
        last["point"] = (x, y)

    def pen_move(x, y):
        if last["point"] is not None:
            canvas.stroke_line(*last["point"], x, y)
            last["point"] = (x, y)

    def pen_up(x, y):
        last["point"] = None
        pixels = canvas.get_image_data()  # RGBA; untouched pixels are transparent
        if pixels is None:
            return
        try:
            result = predict_image(model, pixels, framework=framework)
        except ValueError as error:  # e.g. a blank board
            status.value = html.escape(str(error))
            return
        bars.value = probability_bars(result["probabilities"])
        status.value = f"The model reads a <b>{result['digit']}</b>."

    def clear_board(_):
        canvas.clear()
        bars.value = probability_bars(np.full(10, 0.1))
        status.value = "Draw one digit with the mouse."

    canvas.on_mouse_down(pen_down)
    canvas.on_mouse_move(pen_move)
    canvas.on_mouse_up(pen_up)
    clear.on_click(clear_board)
    return widgets.HBox([widgets.VBox([canvas, clear]), widgets.VBox([status, bars])])
