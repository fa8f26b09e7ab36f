"""mnist_utils.layer_arithmetic: chapter 1's shapes, parameter counts and receptive fields."""

from __future__ import annotations

import pytest

from mnist_utils.layer_arithmetic import conv_params, dense_params, layer_table, print_layer_table

MODEL_000 = [
    ("conv", 3, 32),
    ("pool", 2),
    ("conv", 3, 64),
    ("pool", 2),
    ("flatten",),
    ("dense", 128),
    ("dense", 10),
]


def test_parameter_formulas():
    assert conv_params(3, 1, 32) == 320  # 9 weights and a bias, 32 times
    assert conv_params(3, 32, 64) == 18_496  # (9 * 32 + 1) * 64
    assert conv_params(5, 3, 1) == 76
    assert dense_params(784, 128) == 100_480  # (784 + 1) * 128
    assert dense_params(1600, 10) == 16_010


@pytest.mark.parametrize(
    "call",
    [
        lambda: conv_params(0, 1, 32),
        lambda: conv_params(3, 1.5, 2),
        lambda: dense_params(10, 0),
        lambda: dense_params(True, 3),
    ],
)
def test_parameter_formulas_reject_bad_sizes(call):
    with pytest.raises(ValueError, match="must be a whole number|below the minimum"):
        call()


def test_article000_shapes_parameters_and_receptive_fields():
    rows = layer_table(MODEL_000)
    assert [row.out_shape for row in rows] == [
        (26, 26, 32),
        (13, 13, 32),
        (11, 11, 64),
        (5, 5, 64),
        (1600,),
        (128,),
        (10,),
    ]
    assert [row.params for row in rows] == [320, 0, 18_496, 0, 0, 204_928, 1_290]
    assert sum(row.params for row in rows) == 225_034
    assert [row.field for row in rows[:4]] == ["3x3", "4x4", "8x8", "10x10"]
    # the second pool drops the odd 11th row: the maps cover 26 x 26 of the 28 x 28 pixels
    assert rows[4].field == rows[-1].field == "26x26 (all maps)"
    dense = [row for row in rows if row.kind == "dense"]
    assert [(row.in_shape, row.weights, row.biases) for row in dense] == [
        ((1600,), 204_800, 128),
        ((128,), 1_280, 10),
    ]
    assert rows[0].name == "conv 3 32" and rows[0].in_shape == (28, 28, 1)


def test_without_pooling_the_maps_cover_the_whole_image():
    rows = layer_table([layer for layer in MODEL_000 if layer[0] != "pool"])
    assert rows[2].out_shape == (36_864,) and rows[2].field == "28x28 (all maps)"
    assert sum(row.params for row in rows) == 4_738_826


@pytest.mark.parametrize(
    "layers, message",
    [
        ([("dense", 10)], "flatten the"),
        ([("conv", 3, 8), ("conv", 30, 8)], "does not fit"),
        ([("pool", 2), ("pool", 20)], "does not fit"),
        ([("flatten",), ("conv", 3, 8)], "needs maps"),
        ([("dropout", 0.5)], "unknown layer"),
    ],
)
def test_impossible_models_are_refused(layers, message):
    with pytest.raises(ValueError, match=message):
        layer_table(layers)


def test_printed_table_ends_with_the_total(capsys):
    print_layer_table(layer_table(MODEL_000))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["layer", "output", "shape", "parameters", "receptive", "field"]
    assert lines[1].split() == ["conv", "3", "32", "(26,", "26,", "32)", "320", "3x3"]
    assert lines[-1].split() == ["total", "225,034"]
