"""prepare_image / predict_image (chapter 7): MNIST's preprocessing recipe on synthetic
pictures, every input error with its message, and both frameworks' input conventions."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mnist_utils import inference
from mnist_utils.inference import predict_image, prepare_image
from mnist_utils.training import MNIST_MEAN, MNIST_STD


def mass_centre(image):
    image = np.asarray(image, dtype=np.float64)
    total = image.sum()
    return (np.arange(28) @ image.sum(axis=1) / total, np.arange(28) @ image.sum(axis=0) / total)


def ink_box(image):
    rows = np.flatnonzero(image.any(axis=1))
    cols = np.flatnonzero(image.any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def paper(size=(200, 200), colour=255, mode="L"):
    return Image.new(mode, size, colour)


def rectangle_on_paper(box=(50, 30, 80, 150)):
    """Black filled rectangle (31 wide, 121 tall) on white paper."""
    image = paper()
    ImageDraw.Draw(image).rectangle(box, fill=0)
    return image


def assert_mnist_like(prepared):
    assert prepared.shape == (28, 28) and prepared.dtype == np.uint8
    cy, cx = mass_centre(prepared)
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5, (cy, cx)
    assert max(ink_box(prepared)) == 20
    assert prepared.max() == 255


# ---------------------------------------------------------------- the recipe


def test_rectangle_is_cropped_scaled_centred_and_inverted():
    prepared = prepare_image(rectangle_on_paper())
    assert_mnist_like(prepared)
    height, width = ink_box(prepared)
    assert height == 20 and width == round(31 * 20 / 121)  # aspect ratio kept
    assert prepared[14, 14] == 255  # the ink is white, the paper black
    # a symmetric shape sits in the middle: a 4-pixel empty frame all round
    assert prepared[:4].max() == prepared[-4:].max() == 0


def test_white_on_black_gives_the_same_as_black_on_white():
    black_on_white = np.asarray(rectangle_on_paper())
    white_on_black = 255 - black_on_white
    np.testing.assert_array_equal(prepare_image(white_on_black), prepare_image(black_on_white))


def test_wide_shape_uses_width_for_the_20_pixels():
    prepared = prepare_image(rectangle_on_paper(box=(20, 90, 179, 109)))
    assert_mnist_like(prepared)
    height, width = ink_box(prepared)
    assert width == 20 and height == round(20 * 20 / 160)


@pytest.mark.parametrize("width", [3, 9, 20])
def test_drawn_strokes_of_any_thickness(width):
    image = paper()
    draw = ImageDraw.Draw(image)
    draw.line([(60, 40), (140, 40), (90, 170)], fill=0, width=width)  # a "7"
    assert_mnist_like(prepare_image(image))


def test_small_digit_in_a_corner_is_centred():
    image = paper((300, 200))
    draw = ImageDraw.Draw(image)
    draw.ellipse((10, 10, 40, 50), outline=0, width=4)  # a small "0", top left
    prepared = prepare_image(image)
    assert_mnist_like(prepared)
    assert prepared[14, 14] == 0  # the hole of the 0 stays empty


def test_paths_bytes_pil_and_arrays_agree(tmp_path):
    image = rectangle_on_paper()
    path = tmp_path / "digit.png"
    image.save(path)
    expected = prepare_image(image)
    np.testing.assert_array_equal(prepare_image(path), expected)
    np.testing.assert_array_equal(prepare_image(str(path)), expected)
    np.testing.assert_array_equal(prepare_image(path.read_bytes()), expected)
    with open(path, "rb") as f:
        np.testing.assert_array_equal(prepare_image(f), expected)
    array = np.asarray(image)
    np.testing.assert_array_equal(prepare_image(array), expected)
    np.testing.assert_array_equal(prepare_image(array[:, :, None]), expected)
    np.testing.assert_array_equal(prepare_image(array / 255.0), expected)
    rgb = np.repeat(array[:, :, None], 3, axis=2)
    np.testing.assert_array_equal(prepare_image(rgb), expected)
    np.testing.assert_array_equal(prepare_image(image.convert("RGB")), expected)


def test_coloured_ink_on_white():
    image = paper(mode="RGB", colour=(255, 255, 255))
    ImageDraw.Draw(image).rectangle((50, 30, 80, 150), fill=(20, 40, 200))  # blue pen
    assert_mnist_like(prepare_image(image))


def test_rgba_transparency_is_composited_on_white():
    # drawing apps export strokes on a transparent background whose hidden colour is
    # black: read naively (ignoring alpha) the whole picture would be black
    rgba = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).rectangle((50, 30, 80, 150), fill=(0, 0, 0, 255))
    expected = prepare_image(rectangle_on_paper())
    np.testing.assert_array_equal(prepare_image(rgba), expected)
    np.testing.assert_array_equal(prepare_image(np.asarray(rgba)), expected)
    buffer = io.BytesIO()
    rgba.save(buffer, format="PNG")
    np.testing.assert_array_equal(prepare_image(buffer.getvalue()), expected)


def test_grey_noisy_paper():
    rng = np.random.default_rng(0)
    gray = np.full((200, 200), 150.0)
    gray[30:151, 50:81] = 40.0  # dark ink on grey paper (darker than mid-grey)
    gray += rng.normal(0, 6, gray.shape)
    prepared = prepare_image(np.clip(gray, 0, 255).astype(np.uint8))
    assert_mnist_like(prepared)
    assert ink_box(prepared) == (20, 5)  # the noise does not widen the crop


def test_mnist_digits_round_trip():
    """An MNIST test digit, upscaled to 112x112 and printed black on white, comes back
    close to the original."""
    from mnist_utils import load_mnist

    _, (x_test, _) = load_mnist()
    correlations = []
    for digit in x_test[:30]:
        big = Image.fromarray(255 - digit).resize((112, 112), Image.Resampling.BICUBIC)
        prepared = prepare_image(big)
        cy, cx = mass_centre(prepared)
        assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
        assert max(ink_box(prepared)) == 20
        # rounding the centre can move a thin digit by one pixel: allow that
        best = max(
            np.corrcoef(np.roll(prepared, (dy, dx), (0, 1)).ravel(), digit.ravel())[0, 1]
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
        )
        correlations.append(best)
    assert min(correlations) > 0.85 and np.mean(correlations) > 0.95


# ------------------------------------------------------------------- errors


def test_missing_file(tmp_path):
    missing = tmp_path / "nope.png"
    with pytest.raises(FileNotFoundError, match="no such file: .*nope.png"):
        prepare_image(missing)


def test_folder(tmp_path):
    with pytest.raises(ValueError, match="is a folder, not an image file"):
        prepare_image(tmp_path)


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty file \(0 bytes\)"):
        prepare_image(empty)


def test_file_that_is_not_an_image(tmp_path):
    notes = tmp_path / "notes.png"
    notes.write_text("this is text, not a PNG")
    with pytest.raises(ValueError, match="notes.png' is not an image PIL can read.*PNG"):
        prepare_image(notes)


def test_truncated_image(tmp_path):
    buffer = io.BytesIO()
    rectangle_on_paper().save(buffer, format="PNG")
    broken = tmp_path / "broken.png"
    broken.write_bytes(buffer.getvalue()[:60])
    with pytest.raises(ValueError, match="is not an image PIL can read"):
        prepare_image(broken)


def test_bad_bytes():
    with pytest.raises(ValueError, match=r"image data is empty \(0 bytes\)"):
        prepare_image(b"")
    with pytest.raises(ValueError, match="the data is not an image PIL can read"):
        prepare_image(b"\x00\x01 definitely not an image")


@pytest.mark.parametrize(
    "blank",
    [
        np.full((50, 50), 255, np.uint8),
        np.zeros((50, 50), np.uint8),
        np.full((50, 50, 4), 0, np.uint8),  # fully transparent
        np.clip(np.random.default_rng(1).normal(200, 1.5, (80, 80)), 0, 255).astype(np.uint8),
    ],
    ids=["white", "black", "transparent", "faint-noise"],
)
def test_blank_images(blank):
    with pytest.raises(ValueError, match="no digit found: the image is blank"):
        prepare_image(blank)


@pytest.mark.parametrize(
    "noise",
    [
        np.random.default_rng(2).integers(0, 256, (64, 64)).astype(np.uint8),
        np.random.default_rng(3).integers(0, 256, (40, 60, 3)).astype(np.uint8),
    ],
    ids=["grey-noise", "colour-noise"],
)
def test_pure_noise_is_no_single_digit_not_a_blank_image(noise):
    with pytest.raises(ValueError, match="no single digit found: the picture varies everywhere"):
        prepare_image(noise)


@pytest.mark.parametrize("side", [40, 100], ids=["over-the-limit", "over-twice-the-limit"])
def test_a_picture_over_pils_pixel_limit_is_refused_naming_the_limit(side, monkeypatch, tmp_path):
    # PIL warns between MAX_IMAGE_PIXELS and twice it, and raises above: both are refused
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1_000)
    big = tmp_path / "big.png"
    rectangle_on_paper().resize((side, side)).save(big)
    with pytest.raises(ValueError, match=r"is not an image PIL can read: .*limit of 1,000"):
        prepare_image(big)
    with pytest.raises(ValueError, match=r"the data is not an image PIL can read: .*1,000"):
        prepare_image(big.read_bytes())


def test_a_picture_at_pils_pixel_limit_is_read(monkeypatch, tmp_path):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 40 * 40)
    exact = tmp_path / "exact.png"
    rectangle_on_paper().resize((40, 40)).save(exact)
    assert prepare_image(exact).shape == (28, 28)


@pytest.mark.parametrize(
    "array, message",
    [
        (np.zeros((1, 28, 28, 1), np.uint8), r"shape \(1, 28, 28, 1\).*one image at a time"),
        (np.zeros((5, 28, 28), np.uint8), r"shape \(5, 28, 28\).*one image at a time"),
        (np.zeros((28, 28, 2), np.uint8), r"got an array of shape \(28, 28, 2\)"),
        (np.zeros(784, np.uint8), r"got an array of shape \(784,\)"),
        (np.zeros((0, 28), np.uint8), r"the image is empty"),
        (np.full((28, 28), 300, np.int64), r"integer pixels must lie in 0..255"),
        (np.full((28, 28), -1.0), r"float pixels must lie in 0..1 or 0..255"),
        (np.full((28, 28), np.nan), r"NaN or infinite"),
        (np.zeros((28, 28), np.complex64), r"dtype complex64 are not an image"),
    ],
)
def test_bad_arrays(array, message):
    with pytest.raises(ValueError, match=message):
        prepare_image(array)


def test_ragged_list():
    with pytest.raises(ValueError, match="ragged"):
        prepare_image([[0, 1], [2]])


@pytest.mark.parametrize("thing", [None, 42, 3.5, {"image": 1}])
def test_unsupported_objects(thing):
    with pytest.raises(TypeError, match="cannot read an image from"):
        prepare_image(thing)


# --------------------------------------------------------------- prediction


class RecordingKerasModel:
    """Stands in for a Keras model: records its input, returns fixed scores."""

    def __init__(self, output):
        self.output, self.inputs = np.asarray(output, np.float32), []

    def __call__(self, x, training=False):
        self.inputs.append(np.asarray(x))
        return self.output[None]


class Untouchable:
    def __call__(self, *args, **kwargs):
        raise AssertionError("the model must not run on bad input")

    def parameters(self):
        raise AssertionError("the model must not be touched on bad input")


def test_keras_path_scales_to_unit_range_nhwc():
    probabilities = np.full(10, 0.02)
    probabilities[3] = 0.82
    model = RecordingKerasModel(probabilities)
    result = predict_image(model, rectangle_on_paper(), framework="keras")
    (x,) = model.inputs
    assert x.shape == (1, 28, 28, 1) and x.dtype == np.float32
    assert x.min() == 0 and x.max() == 1
    np.testing.assert_array_equal(x[0, :, :, 0], result["image"] / np.float32(255))
    assert result["digit"] == 3
    np.testing.assert_allclose(result["probabilities"], probabilities, rtol=1e-6)


def test_keras_logits_are_softmaxed():
    logits = np.arange(10, dtype=np.float32)
    result = predict_image(RecordingKerasModel(logits), rectangle_on_paper(), framework="keras")
    assert result["digit"] == 9
    np.testing.assert_allclose(result["probabilities"].sum(), 1)


def test_torch_path_standardises_like_training():
    torch = pytest.importorskip("torch")

    class Recorder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Parameter(torch.ones(1))
            self.seen = None

        def forward(self, x):
            self.seen = x.clone()
            logits = torch.zeros(len(x), 10)
            logits[:, 7] = 5.0
            return logits * self.scale

    model = Recorder().train()
    result = predict_image(model, rectangle_on_paper())
    x = model.seen
    assert tuple(x.shape) == (1, 1, 28, 28) and x.dtype == torch.float32
    np.testing.assert_allclose(x.min().item(), (0 - MNIST_MEAN) / MNIST_STD, rtol=1e-6)
    np.testing.assert_allclose(x.max().item(), (1 - MNIST_MEAN) / MNIST_STD, rtol=1e-6)
    assert result["digit"] == 7 and result["image"].shape == (28, 28)
    np.testing.assert_allclose(result["probabilities"].sum(), 1)
    assert model.training  # the caller's mode is restored


def test_torch_model_round_trip_on_upscaled_mnist():
    """A small CNN trained for a few seconds classifies MNIST test digits that were
    upscaled to 112x112, printed black on white and prepared, as it does the originals."""
    torch = pytest.importorskip("torch")
    from mnist_utils import load_mnist, models, training

    (x_train, y_train), (x_test, y_test) = load_mnist()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny batches: one thread is faster on a busy machine
    try:
        torch.manual_seed(0)
        spec = models.get_spec("article000", convs=(8, 16), dense=(32,), dropout=0.0)
        net = models.torch_model(spec)
        batches = training.TensorBatches(
            *training.to_tensors(x_train[:2000], y_train[:2000]), batch_size=64, shuffle=True
        )
        optimizer = torch.optim.Adam(net.parameters(), 3e-3)
        for _ in range(2):
            training.train_epoch(net, batches, optimizer, torch.nn.CrossEntropyLoss(), "cpu")
        direct = training.predict_logits(net, training.to_tensors(x_test[:50]), "cpu").argmax(1)
        prepared = np.array(
            [
                predict_image(
                    net, Image.fromarray(255 - digit).resize((112, 112), Image.Resampling.BICUBIC)
                )["digit"]
                for digit in x_test[:50]
            ]
        )
    finally:
        torch.set_num_threads(threads)
    assert np.mean(prepared == direct) >= 0.9
    assert np.mean(prepared == y_test[:50]) >= 0.85


def test_errors_come_before_any_model_work(tmp_path):
    with pytest.raises(ValueError, match="framework must be 'torch' or 'keras'"):
        predict_image(Untouchable(), rectangle_on_paper(), framework="jax")
    with pytest.raises(FileNotFoundError):
        predict_image(Untouchable(), tmp_path / "missing.png")
    with pytest.raises(ValueError, match="no digit found"):
        predict_image(Untouchable(), np.full((40, 40), 255, np.uint8), framework="keras")
    with pytest.raises(ValueError, match="one image at a time"):
        predict_image(Untouchable(), np.zeros((2, 28, 28, 1), np.uint8))


def test_constants_match_mnist():
    assert (inference.FIELD, inference.BOX) == (28, 20)
