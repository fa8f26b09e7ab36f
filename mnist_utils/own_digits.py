"""Digits that did not come from MNIST (chapter 7): a few drawn with PIL as stand-ins
for the reader's own photos, and the figure of how a model reads them.

Chapter 7 classifies pictures of digits with :func:`mnist_utils.inference.predict_image`.
So that it runs anywhere, it draws its own: black strokes of different thickness on
white 200 x 200 "paper", some small or far from the centre (:func:`draw_examples`),
saved as PNG files (:func:`save_drawings`) and read back from disk as a photo would be.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["draw_examples", "plot_readings", "save_drawings"]

PAPER = (200, 200)


def _paper():
    from PIL import Image, ImageDraw

    image = Image.new("L", PAPER, 255)  # white paper
    return image, ImageDraw.Draw(image)


def draw_examples() -> dict:
    """Eight drawn digits, ``name: (the digit meant, PIL image)``: a thick 0, a thin
    slanted 1, a 2, a 3, a small 4 in a corner, a 6, a 7 in the opposite corner and
    an 8, each black on white."""
    drawings = {}

    image, pen = _paper()  # a thick 0
    pen.ellipse((55, 25, 145, 175), outline=0, width=16)
    drawings["zero_thick"] = (0, image)

    image, pen = _paper()  # a thin, slanted 1 with a flag
    pen.line([(90, 30), (112, 172)], fill=0, width=4)
    pen.line([(90, 30), (70, 50)], fill=0, width=4)
    drawings["one_thin"] = (1, image)

    image, pen = _paper()  # a 2: an arc, a diagonal and a base
    pen.arc((55, 25, 145, 115), start=170, end=30, fill=0, width=11)
    pen.line([(142, 88), (55, 170)], fill=0, width=11)
    pen.line([(55, 170), (152, 170)], fill=0, width=11)
    drawings["two"] = (2, image)

    image, pen = _paper()  # a 3: two open bowls
    pen.arc((60, 20, 140, 100), start=190, end=95, fill=0, width=9)
    pen.arc((55, 95, 145, 180), start=265, end=165, fill=0, width=9)
    drawings["three"] = (3, image)

    image, pen = _paper()  # a small 4 in the bottom-right corner
    pen.line([(160, 110), (120, 160), (185, 160)], fill=0, width=6)
    pen.line([(165, 125), (165, 190)], fill=0, width=6)
    drawings["four_small"] = (4, image)

    image, pen = _paper()  # a 6: a stroke down into a loop
    pen.arc((55, 30, 175, 240), start=180, end=260, fill=0, width=10)
    pen.ellipse((55, 95, 135, 175), outline=0, width=10)
    drawings["six"] = (6, image)

    image, pen = _paper()  # a 7 in the top-left corner
    pen.line([(15, 20), (85, 20), (45, 110)], fill=0, width=8)
    drawings["seven_corner"] = (7, image)

    image, pen = _paper()  # an 8: two loops
    pen.ellipse((70, 25, 130, 95), outline=0, width=10)
    pen.ellipse((62, 90, 138, 175), outline=0, width=10)
    drawings["eight"] = (8, image)
    return drawings


def save_drawings(drawings: dict, folder) -> dict:
    """Save each drawing of :func:`draw_examples` as ``<folder>/<name>.png`` (the
    folder is created); returns ``name: path``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, (_, image) in drawings.items():
        paths[name] = folder / f"{name}.png"
        image.save(paths[name])
    return paths


def plot_readings(paths: dict, outcomes: list):
    """One column per picture: as drawn (top), as prepared for the model (middle,
    white ink on black) and the ten probabilities (bottom, the predicted digit in
    red). ``outcomes`` are :func:`~mnist_utils.inference.predict_image` results in
    the order of ``paths``."""
    import matplotlib.pyplot as plt
    from PIL import Image

    names = list(paths)
    if len(names) != len(outcomes) or not names:
        raise ValueError(
            f"{len(names)} pictures but {len(outcomes)} outcomes: give "
            "one predict_image outcome per picture"
        )
    fig, axes = plt.subplots(
        3,
        len(names),
        figsize=(1.6 * len(names), 5.2),
        squeeze=False,
        gridspec_kw={"height_ratios": [1, 1, 0.7]},
    )
    for col, (name, outcome) in enumerate(zip(names, outcomes)):
        raw, prepared, bars = axes[:, col]
        raw.imshow(Image.open(paths[name]), cmap="gray", vmin=0, vmax=255)
        raw.set_title(name, fontsize=8)
        prepared.imshow(outcome["image"], cmap="gray", vmin=0, vmax=255)
        prepared.set_title(
            f"→ {outcome['digit']} ({outcome['probabilities'].max():.2f})", fontsize=9
        )
        colours = ["C3" if d == outcome["digit"] else "C0" for d in range(10)]
        bars.bar(range(10), outcome["probabilities"], color=colours)
        bars.set(ylim=(0, 1), xticks=range(10))
        bars.tick_params(labelsize=6)
        for ax in (raw, prepared):
            ax.set(xticks=[], yticks=[])
    axes[0, 0].set_ylabel("as drawn")
    axes[1, 0].set_ylabel("prepared")
    axes[2, 0].set_ylabel("probability")
    fig.tight_layout()
    return fig
