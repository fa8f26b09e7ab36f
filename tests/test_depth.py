"""Chapter 10's networks (mnist_utils.depth) and what the chapter measures with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnist_utils import diagnostics, load_mnist, models, parameters, training
from mnist_utils.depth import VARIANTS, depth_spec, first_layer_weight

CHAPTER = Path(__file__).resolve().parent.parent / "chapters" / "10_depth_study.ipynb"


def test_every_depth_fits_and_keeps_the_same_classifier():
    for depth in range(1, 9):
        for variant in VARIANTS:
            spec = depth_spec(depth, variant)
            assert spec.padding == "same" and spec.convs == (16,) * depth
            expected = (14, 14, 16) if depth == 1 else (7, 7, 16)
            assert spec.feature_shape() == expected
    assert depth_spec(40, "plain", width=4).feature_shape() == (7, 7, 4)


@pytest.mark.parametrize(
    "depth, variant, params",
    [
        (1, "plain", 201_578),  # 160 + 14*14*16*64 + 64 + 650
        (2, "plain", 53_370),  # + 2320 for conv2, 7x7 features
        (8, "plain", 67_290),  # six more layers of 2320
        (8, "batchnorm", 67_546),  # + 8 * 32 BatchNorm scales and shifts
        (8, "residual", 67_546),  # identity skips cost nothing
    ],
)
def test_parameter_counts(depth, variant, params):
    spec = depth_spec(depth, variant)
    assert models.count_params(spec) == params
    torch = pytest.importorskip("torch")
    net = models.torch_model(spec)
    assert sum(p.numel() for p in net.parameters()) == params
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 10)


def test_variants():
    plain, bn, res = (depth_spec(4, v, activation="tanh") for v in VARIANTS)
    assert (plain.batchnorm, plain.residual) == (False, False)
    assert (bn.batchnorm, bn.residual) == (True, False)
    assert (res.batchnorm, res.residual) == (True, True)
    assert res.skip_layers() == (1, 2, 3) and res.activation == "tanh"
    # one layer has nothing to skip around: its residual network is the batchnorm one
    assert depth_spec(1, "residual").with_(name="x") == depth_spec(1, "batchnorm").with_(name="x")
    assert depth_spec(3, "residual").name == "depth3_residual_relu"


@pytest.mark.parametrize(
    "args, message",
    [
        ((0, "plain"), "depth must be a whole number of conv layers from 1 to 50, got 0"),
        ((2.0, "plain"), "depth must be a whole number"),
        ((True, "plain"), "depth must be a whole number"),
        ((3, "resnet"), "variant 'resnet' is not one of"),
    ],
)
def test_bad_arguments_are_rejected(args, message):
    with pytest.raises(ValueError, match=message):
        depth_spec(*args)
    with pytest.raises(ValueError, match="activation 'swish' is not one of"):
        depth_spec(2, activation="swish")


def test_first_layer_weight_names_the_first_conv():
    pytest.importorskip("torch")
    assert first_layer_weight(models.torch_model(depth_spec(3, "residual"))) == "conv1.weight"
    assert first_layer_weight(models.torch_model(depth_spec(1, "plain"))) == "conv1.weight"
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="no conv layer"):
        first_layer_weight(torch.nn.Linear(3, 2))


def test_deep_plain_sigmoid_stack_starts_with_a_vanishing_first_layer_gradient():
    """The chapter's central measurement, on real digits: at initialisation the
    first layer of an 8-layer plain sigmoid stack gets a gradient thousands of times
    smaller than that of a 2-layer one; BatchNorm and residual stacks do not."""
    torch = pytest.importorskip("torch")
    (x, y), _ = load_mnist()
    images, labels = training.to_tensors(x[:256], y[:256])

    def first_grad(depth, variant):
        torch.manual_seed(0)
        net = models.torch_model(depth_spec(depth, variant, activation="sigmoid"))
        return diagnostics.gradient_norms(net, images, labels)["conv1.weight"]

    shallow, deep = first_grad(2, "plain"), first_grad(8, "plain")
    assert deep < shallow / 1000
    assert first_grad(8, "batchnorm") > 100 * deep
    assert first_grad(8, "residual") > 100 * deep


def test_the_chapter_parameters_parse_as_the_chapter_parses_them():
    declared = parameters.CHAPTERS["10"]
    depths = [str(d) for d in range(1, 9)]
    assert declared["DEPTH"].pick("DEPTH", "all") == depths
    assert declared["DEPTH"].pick("DEPTH", 4) == ["4"]  # papermill's -p DEPTH 4
    assert declared["VARIANT"].pick("VARIANT", "residual,plain") == ["plain", "residual"]
    with pytest.raises(ValueError, match="'9' is not an option"):
        declared["DEPTH"].pick("DEPTH", "2,9")


def test_the_chapter_can_be_swept_by_variant_and_seed():
    pytest.importorskip("papermill")
    from mnist_utils import sweep

    combos = sweep.plan(CHAPTER, [("VARIANT", "plain,residual"), ("SEED", "0,1")])
    assert combos[0] == {"VARIANT": "plain", "SEED": 0} and len(combos) == 4
    assert sweep.plan(CHAPTER, [("STACK_DEPTH", "all")]) == [{"STACK_DEPTH": "all"}]
