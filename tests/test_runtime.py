"""mnist_utils.runtime and mnist_utils.plots: parameters, quick mode, seeds, figures."""

from __future__ import annotations

import random

import numpy as np
import pytest

from mnist_utils import runtime
from mnist_utils.plots import image_grid, save_and_show
from mnist_utils.runtime import ParameterError, check_param, resolve_quick, setup_chapter
from mnist_utils.runtime import ChapterRun, project_root


@pytest.mark.parametrize("raw, expected", [("", False), ("0", False), ("1", True), ("true", True), ("off", False)])
def test_quick_none_follows_the_environment(monkeypatch, raw, expected):
    monkeypatch.setenv("MNIST_BOOK_QUICK", raw)
    assert resolve_quick(None) is expected


def test_quick_explicit_value_wins(monkeypatch):
    monkeypatch.setenv("MNIST_BOOK_QUICK", "1")
    assert resolve_quick(False) is False
    assert resolve_quick(1) is True


def test_bad_quick_values_are_rejected(monkeypatch):
    monkeypatch.setenv("MNIST_BOOK_QUICK", "maybe")
    with pytest.raises(ParameterError, match="MNIST_BOOK_QUICK='maybe'"):
        resolve_quick(None)
    with pytest.raises(ParameterError, match="QUICK must be True, False or None"):
        resolve_quick("yes")


def test_check_param_types_and_ranges():
    assert check_param("EPOCHS", 3, int, minimum=1) == 3
    assert check_param("LR", 1, float) == 1  # an int is a fine float
    with pytest.raises(ParameterError, match=r"EPOCHS must be int, got '3' \(str\)"):
        check_param("EPOCHS", "3", int)
    with pytest.raises(ParameterError, match="EPOCHS must be int, got True"):
        check_param("EPOCHS", True, int)
    with pytest.raises(ParameterError, match="EPOCHS=0 is below the minimum 1"):
        check_param("EPOCHS", 0, int, minimum=1)
    with pytest.raises(ParameterError, match="RATE=1.5 is above the maximum 1"):
        check_param("RATE", 1.5, float, maximum=1)
    with pytest.raises(ParameterError, match="ACTIVATION='swish' is not one of: 'relu', 'tanh'"):
        check_param("ACTIVATION", "swish", str, choices=("relu", "tanh"))


def test_setup_chapter_checks_before_doing_anything(monkeypatch):
    calls = []
    monkeypatch.setattr(runtime, "seed_everything", lambda *a, **k: calls.append(a))
    with pytest.raises(ParameterError, match="VAL_SIZE"):
        setup_chapter(seed=0, quick=False, VAL_SIZE=("5000", int))
    with pytest.raises(ParameterError, match="SEED"):
        setup_chapter(seed=-1, quick=False)
    with pytest.raises(ParameterError, match="unknown framework 'jax'"):
        setup_chapter(seed=0, quick=False, frameworks=("jax",))
    assert calls == [], "nothing may be seeded or imported after a bad parameter"


def test_setup_chapter_reports_and_picks(capsys):
    run = setup_chapter(seed=3, quick=True, EPOCHS=(10, int, {"minimum": 1}))
    assert run.quick and run.seed == 3 and run.params == {"EPOCHS": 10}
    assert run.pick(full=10, quick=1) == 1
    out = capsys.readouterr().out
    assert "numpy" in out and "QUICK" in out and "seed 3" in out


def test_same_seed_same_numbers():
    runtime.seed_everything(7, frameworks=())
    first = (random.random(), np.random.rand(3))
    runtime.seed_everything(7, frameworks=())
    second = (random.random(), np.random.rand(3))
    assert first[0] == second[0]
    np.testing.assert_array_equal(first[1], second[1])


def test_torch_is_seeded_and_device_is_cpu_here():
    torch = pytest.importorskip("torch")
    runtime.seed_everything(5, frameworks=("torch",))
    a = torch.randn(4)
    runtime.seed_everything(5, frameworks=("torch",))
    assert torch.equal(a, torch.randn(4))
    assert runtime.torch_device("cpu").type == "cpu"
    expected = "cuda" if torch.cuda.is_available() else runtime.torch_device().type
    assert runtime.torch_device().type == expected


def test_project_root_is_the_checkout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = runtime.project_root()
    assert (root / "_config.yml").is_file() and (root / "mnist_utils").is_dir()


def test_save_and_show_writes_the_png(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.setenv("MNIST_BOOK_FIGURES", str(tmp_path))
    fig = image_grid(np.zeros((3, 28, 28), dtype=np.uint8), titles=["a", "b", "c"], ncols=3)
    assert save_and_show(fig, "test_grid") is None  # a cell ending with it shows only the figure
    path = tmp_path / "test_grid.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*"))
    with pytest.raises(ValueError, match="figure name 'bad name/x'"):
        save_and_show(fig, "bad name/x")


def test_glue_turns_numpy_scalars_into_python_numbers(monkeypatch):
    seen = {}
    import myst_nb

    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: seen.update({name: value}))
    assert runtime.glue("x", np.float64(0.5)) is None
    assert seen["x"] == 0.5 and type(seen["x"]) is float


def test_model_path_keeps_quick_runs_apart():
    full = ChapterRun(seed=0, quick=False).model_path("05_model.keras")
    quick = ChapterRun(seed=0, quick=True).model_path("05_model.keras")
    assert full == project_root() / "runs" / "models" / "05_model.keras"
    assert quick.name == "05_model_quick.keras" and quick.parent.is_dir()
    for bad in ("model", "sub/model.pt"):
        with pytest.raises(ValueError, match="give a file name with an extension"):
            ChapterRun(seed=0, quick=False).model_path(bad)
