"""From an ordinary picture of a digit to a prediction (chapter 7).

MNIST digits are not raw scans. Each one was cropped to its ink, scaled (keeping its
aspect ratio, with anti-aliasing) so that the longer side is 20 pixels, pasted into a
28x28 field and shifted so that its centre of mass sits in the middle; the ink is
white (255) on black (0). A model trained on MNIST expects exactly that, so
:func:`prepare_image` repeats the recipe for a photo or scan of one digit, and
:func:`predict_image` normalises the result as training did and runs a model on it.

Every problem with the input (a missing file, a file that is not an image or has more
pixels than PIL's limit, an empty or blank image, a picture of noise, an array of the
wrong shape or type) raises a clear error before any model work starts.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path

import numpy as np

__all__ = ["FIELD", "BOX", "MIN_CONTRAST", "prepare_image", "predict_image"]

#: MNIST's frame (28x28) and the box the digit's longer side is scaled to (20 px).
FIELD, BOX = 28, 20
#: Ink must differ from the background by at least this many grey levels (of 255);
#: anything fainter is treated as a blank image.
MIN_CONTRAST = 10.0
#: Pixels fainter than this share of the strongest ink do not widen the crop box
#: (they are kept in the image when they lie inside it).
FRINGE = 0.1
#: Larger pictures (phone photos) are first shrunk to this longer side.
MAX_SIDE = 1024

_HELP = (
    "pass a file path, the file's bytes, a PIL image or a NumPy array of shape "
    "(H, W), (H, W, 1), (H, W, 3) or (H, W, 4) holding one digit"
)


# ------------------------------------------------------------------ loading


def _open_pil(source, name: str):
    """Open and fully decode an image with PIL; unreadable data is a ValueError."""
    from PIL import Image, UnidentifiedImageError

    limit = Image.MAX_IMAGE_PIXELS
    too_large = ValueError(
        f"{name} is not an image PIL can read: it has more pixels than PIL's limit of "
        f"{limit:,} (PIL.Image.MAX_IMAGE_PIXELS, a guard against decompression bombs); "
        "save the digit as a smaller PNG or JPEG file and try again"
    )
    try:
        with warnings.catch_warnings():  # PIL's bomb warning: the check below refuses it
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(source)  # reads the header only
        # PIL only warns between its limit and twice it: refuse those pictures too
        if not (limit and image.size[0] * image.size[1] > limit):
            image.load()  # PIL opens lazily: decode now so truncated files fail here
    except Image.DecompressionBombError:
        raise too_large from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise ValueError(
            f"{name} is not an image PIL can read ({err}); save the digit as a PNG "
            "or JPEG file and try again"
        ) from None
    if limit and image.size[0] * image.size[1] > limit:
        raise too_large
    return image


def _pil_to_gray(image) -> np.ndarray:
    """A PIL image as float32 grey levels 0..255; transparency is composited on white
    and the camera's orientation tag is applied."""
    from PIL import Image, ImageOps

    image = ImageOps.exif_transpose(image)
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        gray = np.asarray(image, dtype=np.float32)
        if image.mode.startswith("I;16"):
            gray = gray / 257.0  # 16-bit -> 8-bit scale
        elif gray.size and gray.max() > 255:
            gray = gray * (255.0 / gray.max())
        return gray
    has_alpha = "A" in image.getbands() or "transparency" in image.info
    if has_alpha:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.asarray(image.convert("L"), dtype=np.float32)


def _array_to_gray(array: np.ndarray) -> np.ndarray:
    """Check a NumPy image and turn it into float32 grey levels 0..255."""
    shape = array.shape
    if array.ndim not in (2, 3) or (array.ndim == 3 and shape[2] not in (1, 3, 4)):
        hint = (
            " For a batch, pass one image at a time, e.g. images[0]."
            if array.ndim == 4 or (array.ndim == 3 and shape[2] not in (1, 3, 4))
            else ""
        )
        raise ValueError(
            f"expected one image of shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), "
            f"got an array of shape {shape}.{hint}"
        )
    if array.size == 0 or min(shape[:2]) == 0:
        raise ValueError(
            f"the image is empty (array of shape {shape}); pass a picture of one digit"
        )
    kind = array.dtype.kind
    if kind == "b":
        values = array.astype(np.float32) * 255
    elif kind in "ui":
        if array.min() < 0 or array.max() > 255:
            raise ValueError(
                f"integer pixels must lie in 0..255, got {array.min()}..{array.max()} "
                f"(dtype {array.dtype}); rescale to uint8 first"
            )
        values = array.astype(np.float32)
    elif kind == "f":
        if not np.all(np.isfinite(array)):
            raise ValueError("the image holds NaN or infinite values; pass finite pixel values")
        low, high = float(array.min()), float(array.max())
        if low < 0 or high > 255:
            raise ValueError(
                f"float pixels must lie in 0..1 or 0..255, got {low:g}..{high:g}; "
                "rescale them first"
            )
        values = array.astype(np.float32) * (255.0 if high <= 1.0 else 1.0)
    else:
        raise ValueError(
            f"pixels of dtype {array.dtype} are not an image; use uint8 (0..255) or "
            "float (0..1) values"
        )
    if values.ndim == 2:
        return values
    if values.shape[2] == 1:
        return values[:, :, 0]
    rgb = values[:, :, :3]
    if values.shape[2] == 4:  # composite on white paper
        alpha = values[:, :, 3:] / 255.0
        rgb = rgb * alpha + 255.0 * (1 - alpha)
    return rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)  # PIL's "L"


def _load_gray(source) -> np.ndarray:
    """Any supported input as a 2-D float32 array of grey levels 0..255."""
    from PIL import Image

    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(
                f"no such file: {str(path)!r}; check the path (relative paths start "
                f"from {os.getcwd()})"
            )
        if path.is_dir():
            raise ValueError(
                f"{str(path)!r} is a folder, not an image file; pass the path of one image"
            )
        if path.stat().st_size == 0:
            raise ValueError(f"{str(path)!r} is an empty file (0 bytes); save the image again")
        return _pil_to_gray(_open_pil(path, repr(str(path))))
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) == 0:
            raise ValueError(
                "the image data is empty (0 bytes); pass the bytes of a PNG or JPEG file"
            )
        return _pil_to_gray(_open_pil(io.BytesIO(bytes(source)), "the data"))
    if isinstance(source, Image.Image):
        if 0 in source.size:
            raise ValueError(f"the PIL image is empty (size {source.size})")
        return _pil_to_gray(source)
    if hasattr(source, "read"):  # an open file
        return _pil_to_gray(_open_pil(source, "the file object"))
    if isinstance(source, np.ndarray) or (isinstance(source, (list, tuple)) and source):
        try:
            array = np.asarray(source)
        except ValueError:
            array = np.empty(0, dtype=object)
        if array.dtype == object:
            raise ValueError(
                "the nested list is ragged (rows of different lengths); pass a rectangular array"
            )
        return _array_to_gray(array)
    raise TypeError(f"cannot read an image from {type(source).__name__}; {_HELP}")


def _shrink(gray: np.ndarray, max_side: int = MAX_SIDE) -> np.ndarray:
    """Large photos are shrunk (anti-aliased) first: faster, and it averages noise."""
    from PIL import Image

    h, w = gray.shape
    if max(h, w) <= max_side:
        return gray
    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(gray.astype(np.float32)).resize(size, Image.Resampling.BOX))


# --------------------------------------------------------------- the recipe


def _ink(gray: np.ndarray) -> np.ndarray:
    """Ink strength >= 0 per pixel, background 0, whatever the polarity.

    The background level is the median of the border (a picture of one digit has
    paper, not ink, at its edges); its spread, measured robustly there, is the
    noise level that is subtracted too. The ink is the side (darker or brighter
    than the background) that holds more signal above the noise.
    """
    h, w = gray.shape
    edge = max(1, min(h, w) // 20)
    border = np.concatenate(
        [gray[:edge].ravel(), gray[-edge:].ravel(), gray[:, :edge].ravel(), gray[:, -edge:].ravel()]
    )
    background = float(np.median(border))
    noise = 3 * 1.4826 * float(np.median(np.abs(border - background)))
    deviation = gray - background
    darker = np.clip(-deviation - noise, 0, None)
    brighter = np.clip(deviation - noise, 0, None)
    # MNIST is white ink on black: a dark-on-light picture gets inverted
    ink = darker if darker.sum() > brighter.sum() else brighter
    if ink.max() < MIN_CONTRAST and noise >= MIN_CONTRAST:
        raise ValueError(
            "no single digit found: the picture varies everywhere, like noise or a "
            f"textured background (its border alone spreads over about {noise:.0f} grey "
            "levels), so no mark stands out from it; pass a picture of one digit on plain "
            "paper"
        )
    if ink.max() < MIN_CONTRAST:
        raise ValueError(
            "no digit found: the image is blank (its strongest mark differs from the "
            f"background by {ink.max():.1f} of 255 grey levels, less than "
            f"{MIN_CONTRAST:g}); pass a picture with a visible digit"
        )
    return ink


def _centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    total = image.sum()
    rows = np.arange(image.shape[0]) @ image.sum(axis=1) / total
    cols = np.arange(image.shape[1]) @ image.sum(axis=0) / total
    return float(rows), float(cols)


def prepare_image(image) -> np.ndarray:
    """Turn a picture of one handwritten digit into an MNIST-style 28x28 uint8 image.

    ``image`` is a file path, the bytes of an image file, an open binary file, a PIL
    image, or a NumPy array ``(H, W)``, ``(H, W, 1)``, ``(H, W, 3)`` or ``(H, W, 4)``
    (uint8 0..255 or float 0..1). The steps follow MNIST's own preprocessing:

    1. grey levels (transparent pixels count as white paper);
    2. the background level (median of the border) and its noise are subtracted, and
       dark ink on light paper is inverted, so the ink is bright on black as in MNIST;
    3. the ink is stretched so its strongest pixel is 255, and cropped to its
       bounding box;
    4. the box is scaled (anti-aliased, aspect ratio kept) so its longer side is 20 px,
       and stretched again so that thin, faded strokes still reach 255;
    5. it is pasted into a 28x28 field so that its centre of mass lands on pixel
       (14, 14), the centre MNIST's digits have (to within half a pixel).

    Raises ``FileNotFoundError`` for a missing file, ``ValueError`` for a file or
    array that is not a usable image (including a blank one) and ``TypeError`` for
    other objects; each message says what to do.
    """
    from PIL import Image

    ink = _ink(_shrink(_load_gray(image)))
    ink = ink / ink.max()

    # crop to the ink; faint fringes (and leftover noise) do not widen the box
    strong = ink >= FRINGE
    rows, cols = np.flatnonzero(strong.any(axis=1)), np.flatnonzero(strong.any(axis=0))
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]

    # longer side -> 20 px, keeping the aspect ratio
    h, w = crop.shape
    scale = BOX / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))  # PIL: (width, height)
    small = Image.fromarray(crop.astype(np.float32)).resize(size, Image.Resampling.LANCZOS)
    small = np.clip(np.asarray(small, dtype=np.float64), 0, None)
    if small.max() <= 0:  # a sub-pixel speck vanished when scaled
        raise ValueError(
            "no digit found: the image is blank apart from specks "
            "too small to be a digit; pass a picture with a visible digit"
        )
    # thin strokes fade when shrunk: stretch again so the strongest pixel is 255,
    # as in MNIST (whose every digit reaches 254 or 255)
    small = small / small.max()

    # paste so that the centre of mass sits on (14, 14); stay inside the field
    cy, cx = _centre_of_mass(small)
    sh, sw = small.shape
    top = int(np.clip(round(FIELD / 2 - cy), 0, FIELD - sh))
    left = int(np.clip(round(FIELD / 2 - cx), 0, FIELD - sw))
    field = np.zeros((FIELD, FIELD))
    field[top : top + sh, left : left + sw] = small
    return np.round(field * 255).astype(np.uint8)


# --------------------------------------------------------------- prediction


def predict_image(model, image, *, framework: str = "torch", device=None) -> dict:
    """Prepare ``image`` with :func:`prepare_image` and classify it with ``model``.

    ``framework="torch"``: a PyTorch module returning logits for ``(N, 1, 28, 28)``
    inputs standardised with MNIST's mean and std (as :func:`training.to_tensors`
    does); it runs on ``device`` (default: where its parameters are). ``"keras"``: a
    Keras model taking ``(N, 28, 28, 1)`` inputs scaled by 1/255; its output may be
    probabilities or logits.

    Returns ``{"digit": int, "probabilities": (10,) array, "image": (28, 28) uint8}``.
    All input errors are raised before the model is touched.
    """
    from .metrics import softmax

    if framework not in ("torch", "keras"):
        raise ValueError(f"framework must be 'torch' or 'keras', got {framework!r}")
    prepared = prepare_image(image)

    if framework == "torch":
        import torch

        from .training import to_tensors

        if device is None:
            param = next(iter(model.parameters()), None)
            device = param.device if param is not None else "cpu"
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                output = model(to_tensors(prepared[None], device=device))
        finally:
            model.train(was_training)
        output = output.detach().cpu().numpy()[0].astype(np.float64)
        probabilities = softmax(output)
    else:
        x = prepared[None, :, :, None].astype(np.float32) / 255.0
        output = np.asarray(model(x, training=False), dtype=np.float64)[0]
        is_probability = output.min() >= 0 and abs(output.sum() - 1) < 1e-3
        probabilities = output / output.sum() if is_probability else softmax(output)

    if probabilities.shape != (10,):
        raise ValueError(
            f"the model returned {probabilities.shape[0]} scores; expected 10 (one per digit)"
        )
    return {"digit": int(probabilities.argmax()), "probabilities": probabilities, "image": prepared}
