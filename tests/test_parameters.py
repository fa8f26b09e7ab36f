"""mnist_utils.parameters: each chapter parameter declared once, checked before any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnist_utils import parameters
from mnist_utils.checks import ParameterError
from mnist_utils.parameters import Choice, Flag, Number, Quick, Selection, check_values
from mnist_utils.sweep import notebook_parameters

CHAPTERS = sorted((Path(__file__).resolve().parent.parent / "chapters").glob("[0-9][0-9]_*.ipynb"))


def test_numbers_check_type_and_bounds():
    epochs = Number(int, 1, 100)
    assert epochs.check("EPOCHS", 3) == 3
    for bad, message in [
        ("3", "must be a whole number from 1 to 100, got '3' \\(str\\)"),
        (True, "must be a whole number"),
        (2.0, "must be a whole number"),
        (0, "EPOCHS=0 is out of range: it must be from 1 to 100"),
    ]:
        with pytest.raises(ParameterError, match=message):
            epochs.check("EPOCHS", bad)
    rate = Number(float, 0, 1)
    assert rate.check("LR", 1) == 1  # a whole number is a fine real number
    with pytest.raises(ParameterError, match="LR=1.5 is out of range"):
        rate.check("LR", 1.5)


def test_flags_quick_and_choices():
    assert Flag().check("ABLATION", False) is False
    with pytest.raises(ParameterError, match="ABLATION must be True or False, got 1"):
        Flag().check("ABLATION", 1)
    assert Quick().check("QUICK", None) is None and Quick().check("QUICK", 1) == 1
    with pytest.raises(ParameterError, match="QUICK must be True, False or None"):
        Quick().check("QUICK", "yes")
    assert Choice((3, 5, 7)).check("KERNEL_SIZE", 5) == 5
    with pytest.raises(ParameterError, match="KERNEL_SIZE=4 is not one of: 3, 5, 7"):
        Choice((3, 5, 7)).check("KERNEL_SIZE", 4)


def test_selections_pick_in_the_declared_order():
    pick = Selection(("relu", "tanh", "sigmoid")).pick
    assert pick("A", "all") == ["relu", "tanh", "sigmoid"]
    assert pick("A", "sigmoid, relu") == ["relu", "sigmoid"]
    with pytest.raises(
        ParameterError,
        match="'swish' is not an option; choose 'all' or some of: relu, tanh, sigmoid",
    ):
        pick("A", "relu,swish")
    with pytest.raises(ParameterError, match="nothing is not an option"):
        pick("A", " , ")
    assert Selection(("a", "b"), allow_none=True).pick("PEERS", "none") == []
    depths = Selection(tuple(range(1, 9)))
    assert depths.pick("DEPTH", 4) == ["4"]  # papermill reads -p DEPTH 4 as a number
    assert depths.pick("DEPTH", "2,8") == ["2", "8"]
    sizes = Selection(("5000", "all"))  # chapter 11: a number among text options
    assert sizes.pick("TRAIN_SIZES", 5000) == ["5000"]
    assert sizes.pick("TRAIN_SIZES", "all") == ["all"]  # the option, not every option
    assert sizes.pick("TRAIN_SIZES", "5000,all") == ["5000", "all"]
    with pytest.raises(ParameterError, match="'100' is not an option"):
        sizes.pick("TRAIN_SIZES", 100)


def test_check_values_knows_each_chapter():
    assert check_values("09", {"ACTIVATION": "gelu", "EPOCHS": 2}) == {
        "ACTIVATION": "gelu",
        "EPOCHS": 2,
    }
    with pytest.raises(ParameterError, match="chapter 09 has no parameter 'EPOCH'"):
        check_values("09", {"EPOCH": 2})
    with pytest.raises(ParameterError, match="'sgd' is not an option"):
        check_values("08", {"METHOD": "sgd"})
    with pytest.raises(ParameterError, match="unknown chapter '14'"):
        check_values("14", {})


def test_no_chapter_redeclares_a_shared_name():
    for chapter, own in parameters.CHAPTERS.items():
        assert not set(own) & set(parameters.SHARED), chapter


@pytest.mark.parametrize("notebook", CHAPTERS, ids=lambda p: p.stem)
def test_every_parameter_of_every_chapter_is_declared_and_its_default_valid(notebook):
    defaults = notebook_parameters(notebook)
    chapter = notebook.stem[:2]
    check_values(chapter, defaults, complete=True)  # raises on an undeclared name
