"""mnist_utils.peer_recipes: the public recipes chapter 12 races against -- their
networks as published and their trainings on small subsets."""

from __future__ import annotations

import pytest

from mnist_utils import load_splits, peer_recipes, speed

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def small():
    return load_splits(5000, 0, fit=2000, test=500)


def test_peer_networks_have_their_published_sizes():
    assert sum(p.numel() for p in peer_recipes.pytorch_examples_net().parameters()) == 1_199_882
    assert peer_recipes.keras_io_net().count_params() == 34_826


def test_tuomaso_net_is_the_scripts_network_layer_for_layer():
    net = peer_recipes.tuomaso_net()
    layers = dict(net.named_children())
    weights = {
        name: tuple(layer.weight.shape)
        for name, layer in layers.items()
        if hasattr(layer, "weight")
    }
    assert weights == {
        "conv1": (24, 1, 5, 5),
        "conv2": (32, 24, 3, 3),
        "fc1": (256, 800),
        "fc2": (10, 256),
    }
    # what each layer hands on, for one image: 28 -> 24 (5 x 5) -> 12 -> 10 (3 x 3) -> 5
    x, shapes = torch.zeros(1, 1, 28, 28), []
    for layer in layers.values():
        x = layer(x)
        shapes.append(tuple(x.shape[1:]))
    assert list(zip(layers, shapes)) == [
        ("conv1", (24, 24, 24)),
        ("pool1", (24, 12, 12)),
        ("act1", (24, 12, 12)),
        ("conv2", (32, 10, 10)),
        ("pool2", (32, 5, 5)),
        ("act2", (32, 5, 5)),
        ("flatten", (800,)),
        ("fc1", (256,)),
        ("act3", (256,)),
        ("fc2", (10,)),
        ("log_softmax", (10,)),
    ]
    # conv1, conv2, fc1, fc2: weights plus one bias per output
    expected = (24 * 25 + 24) + (32 * 24 * 9 + 32) + (800 * 256 + 256) + (256 * 10 + 10)
    assert expected == 215_194
    assert sum(p.numel() for p in net.parameters()) == expected


def test_tuomaso_net_gives_log_probabilities():
    net = peer_recipes.tuomaso_net().eval()
    with torch.no_grad():
        out = net(torch.randn(2, 1, 28, 28))
    assert out.shape == (2, 10)
    assert (out <= 0).all()  # log-probabilities
    torch.testing.assert_close(out.exp().sum(1), torch.ones(2))


def test_tuomaso_recipe_trains_on_what_it_is_given_and_is_reproducible(small):
    runs = [
        peer_recipes.tuomaso_recipe(
            small.x_fit, small.y_fit, small.x_test, small.y_test, seed=3, device="cpu"
        )
        for _ in range(2)
    ]
    first, second = runs
    assert isinstance(first, speed.RaceResult)
    assert first.recipe == "tuomaso/train_mnist_fast"
    assert first.accuracy == second.accuracy
    assert 0.5 < first.accuracy < 1  # learned something from 8 batches of 256
    assert first.train_images == 2_000
    assert first.epochs == 1 and first.history == [(1, first.seconds, first.accuracy)]
    assert first.reached == (first.accuracy >= 0.99)
    assert first.params == 215_194 and first.seed == 3
    assert not speed.is_book(first)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"target": 0}, "target is a test accuracy"),
        ({"epochs": 0}, "whole number >= 1"),
        ({"y_train": [1, 2]}, "2000 training images but 2 labels"),
    ],
)
def test_tuomaso_recipe_rejects_bad_input_before_training(small, kwargs, message, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("the recipe built its network before checking its input")

    monkeypatch.setattr(peer_recipes, "tuomaso_net", no_training)
    data = {"x_train": small.x_fit, "y_train": small.y_fit, "x_test": small.x_test}
    with pytest.raises(ValueError, match=message):
        peer_recipes.tuomaso_recipe(**{**data, **kwargs}, y_test=small.y_test)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"train_limit": 0}, "train_limit must be None"),
        ({"test_limit": 2.5}, "test_limit must be None"),
        ({"max_epochs": True}, "whole number >= 1"),
    ],
)
def test_pytorch_examples_recipe_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        peer_recipes.pytorch_examples_recipe(**kwargs)


def test_pytorch_examples_recipe_stops_at_its_target():
    result = peer_recipes.pytorch_examples_recipe(
        train_limit=640, test_limit=200, target=0.01, max_epochs=3, device="cpu", verbose=False
    )
    assert result.reached and result.epochs == 1 and len(result.history) == 1
    assert result.train_images == 640
    assert result.recipe == "pytorch/examples"


def test_keras_io_recipe_stops_at_its_target(small):
    result = peer_recipes.keras_io_recipe(
        small.x_fit[:600],
        small.y_fit[:600],
        small.x_test,
        small.y_test,
        target=0.01,
        max_epochs=3,
        verbose=False,
    )
    assert result.reached and result.epochs == 1
    assert result.train_images == 540  # validation_split=0.1 keeps the last 60
    never = peer_recipes.keras_io_recipe(
        small.x_fit[:600],
        small.y_fit[:600],
        small.x_test,
        small.y_test,
        target=1.0,
        max_epochs=2,
        verbose=False,
    )
    assert not never.reached and never.epochs == 2
    assert never.params == 34_826 and never.seed == 0
    assert [h[0] for h in never.history] == [1, 2]
