"""mnist_utils.runtime and mnist_utils.plots: parameters, quick mode, seeds, figures."""

from __future__ import annotations

import random

import numpy as np
import pytest

from mnist_utils import runtime
from mnist_utils.plots import image_grid, save_and_show
from mnist_utils.runtime import (
    ChapterRun,
    ParameterError,
    project_root,
    resolve_quick,
    setup_chapter,
)


@pytest.mark.parametrize(
    "raw, expected", [("", False), ("0", False), ("1", True), ("true", True), ("off", False)]
)
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


def test_setup_chapter_checks_before_doing_anything(monkeypatch):
    calls = []
    monkeypatch.setattr(runtime, "seed_everything", lambda *a, **k: calls.append(a))
    with pytest.raises(ParameterError, match="VAL_SIZE must be a whole number"):
        setup_chapter("02", namespace={"SEED": 0, "QUICK": False, "VAL_SIZE": "5000"})
    with pytest.raises(ParameterError, match="SEED=-1 is out of range"):
        setup_chapter("02", namespace={"SEED": -1, "QUICK": False})
    with pytest.raises(ParameterError, match="unknown framework 'jax'"):
        setup_chapter("02", frameworks=("jax",), namespace={"SEED": 0})
    with pytest.raises(ParameterError, match="does not set N_SHIFT_IMAGES"):
        setup_chapter("03", namespace={"SEED": 0})
    with pytest.raises(ParameterError, match="'swish' is not an option"):
        setup_chapter("09", namespace={"SEED": 0, "ACTIVATION": "relu,swish"})
    assert calls == [], "nothing may be seeded or imported after a bad parameter"


EPOCHS = 10  # read by the next test from this module's globals, as from a notebook's
SEED = 3


def test_setup_chapter_finds_the_parameters_reports_and_picks(capsys, monkeypatch):
    monkeypatch.setenv("MNIST_BOOK_QUICK", "1")
    run = setup_chapter("07")
    assert run.quick and run.seed == 3 and run.chapter == "07"
    assert run.params == {"SEED": 3, "EPOCHS": 10}
    assert run.pick(full=10, quick=1) == 1
    assert run.seeds(3) == [3] and run.seeds(3, quick=2) == [3, 4]
    out = capsys.readouterr().out
    assert "numpy" in out and "QUICK" in out and "seed 3" in out and "cpu " in out


def test_chosen_reads_a_selection_in_the_declared_order():
    run = setup_chapter(
        "09", namespace={"SEED": 0, "QUICK": False, "ACTIVATION": "tanh,relu"}, verbose=False
    )
    assert run.chosen("ACTIVATION") == ["relu", "tanh"]
    with pytest.raises(KeyError, match="SEED is not a selection"):
        run.chosen("SEED")


def test_threads_are_set_by_setup_chapter():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    try:
        setup_chapter(
            "07",
            frameworks=("torch",),
            verbose=False,
            namespace={"SEED": 0, "QUICK": True, "THREADS": 1},
        )
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_record_fills_in_chapter_seed_and_mode(tmp_path, monkeypatch):
    import json

    monkeypatch.setenv("MNIST_BOOK_RESULTS", str(tmp_path))
    run = runtime.ChapterRun(seed=4, quick=True, chapter="09")
    path = run.record(
        model="article000",
        framework="torch",
        test_accuracy=0.9,
        config={"epochs": 1},
        train_seconds=2.5,
    )
    record = json.loads(path.read_text())
    assert (record["chapter"], record["seed"], record["quick"]) == ("09", 4, True)
    assert record["train_seconds"] == 2.5 and path.parent.name == "quick"
    assert len(run.recorded(epochs=1)) == 1 and len(run.recorded(epochs=2)) == 0


def test_glue_several_figures_at_once(monkeypatch):
    seen = {}
    import myst_nb

    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display: seen.update({name: value}))
    runtime.ChapterRun(seed=0, quick=True).glue(n_train=np.int64(5000), epochs=3)
    assert seen == {"n_train": 5000, "epochs": 3} and type(seen["n_train"]) is int


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


class _CpuInfo:
    """Stands in for ``Path("/proc/cpuinfo")``: its text, or OSError when None."""

    def __init__(self, text):
        self.text = text

    def read_text(self):
        if self.text is None:
            raise OSError("no /proc here")
        return self.text


@pytest.mark.parametrize(
    "cpuinfo, processor, machine, expected",
    [
        (
            "processor\t: 0\nvendor_id\t: GenuineIntel\n"
            "model name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\nprocessor\t: 1\n"
            "model name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n",
            "",
            "x86_64",
            "Intel(R) Xeon(R) CPU @ 2.20GHz",
        ),
        ("processor\t: 0\nBogoMIPS\t: 50.00\n", "arm", "aarch64", "arm"),  # no model name
        (None, "", "arm64", "arm64"),  # no /proc/cpuinfo, empty platform.processor()
        (None, "", "", "unknown"),
    ],
)
def test_cpu_model_reads_the_model_name_else_falls_back(
    monkeypatch, cpuinfo, processor, machine, expected
):
    monkeypatch.setattr(runtime, "Path", lambda path: _CpuInfo(cpuinfo))
    monkeypatch.setattr(runtime.platform, "processor", lambda: processor)
    monkeypatch.setattr(runtime.platform, "machine", lambda: machine)
    assert runtime.cpu_model() == expected


def test_cpu_model_on_this_machine():
    from pathlib import Path

    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        lines = []
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    if names:
        assert runtime.cpu_model() == names[0]
    else:
        assert runtime.cpu_model()
