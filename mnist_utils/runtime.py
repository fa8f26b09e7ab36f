"""Chapter set-up: parameters, quick mode, seeds, versions and device (chapter 02).

Every chapter starts the same way. Its first code cell, tagged ``parameters`` for
papermill, holds literal defaults; the next cell hands them to :func:`setup_chapter`,
which checks them (before any slow work), resolves quick mode, seeds every random
number generator and prints what the reader is running on::

    SEED = 0
    EPOCHS = 10
    QUICK = None   # None: follow the environment variable MNIST_BOOK_QUICK

    run = setup_chapter(seed=SEED, quick=QUICK, frameworks=("torch",),
                        EPOCHS=(EPOCHS, int))
    epochs = run.pick(full=EPOCHS, quick=1)
"""

from __future__ import annotations

import contextlib
import os
import platform
import random
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

__all__ = [
    "ParameterError",
    "ChapterRun",
    "check_param",
    "glue",
    "import_tensorflow",
    "project_root",
    "resolve_quick",
    "seed_everything",
    "setup_chapter",
    "torch_device",
]

QUICK_ENV = "MNIST_BOOK_QUICK"
FRAMEWORKS = ("torch", "tensorflow")


class ParameterError(ValueError):
    """A chapter parameter has the wrong type or value (raised before any work)."""


def project_root() -> Path:
    """The book's checkout (the folder holding ``_config.yml`` and ``mnist_utils``),
    found from the working directory upwards, else from this package; else the
    working directory."""
    here = Path.cwd().resolve()
    candidates = [here, *here.parents, Path(__file__).resolve().parent.parent]
    for folder in candidates:
        if (folder / "_config.yml").is_file() and (folder / "mnist_utils").is_dir():
            return folder
    return here


def resolve_quick(quick: bool | int | None) -> bool:
    """``QUICK`` as given, or, when it is ``None``, from ``$MNIST_BOOK_QUICK``."""
    if quick is None:
        raw = os.environ.get(QUICK_ENV, "").strip().lower()
        if raw in ("", "0", "false", "no", "off"):
            return False
        if raw in ("1", "true", "yes", "on"):
            return True
        raise ParameterError(f"{QUICK_ENV}={raw!r}: use 1 for quick mode or 0 for the full run")
    if isinstance(quick, bool) or quick in (0, 1):
        return bool(quick)
    raise ParameterError(f"QUICK must be True, False or None, got {quick!r}")


def check_param(name: str, value, kind=None, *, choices=None, minimum=None, maximum=None):
    """Validate one notebook parameter and return it.

    ``kind`` is a type or a tuple of types (``int`` also rejects ``True``/``False``;
    ``float`` accepts ints); ``choices`` a collection of allowed values;
    ``minimum``/``maximum`` inclusive bounds. The error names the parameter, the bad
    value and what would be accepted.
    """
    if kind is not None:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if float in kinds:
            kinds = (*kinds, int)
        ok = isinstance(value, kinds) and not (
            isinstance(value, bool) and bool not in kinds
        )
        if not ok:
            names = " or ".join(k.__name__ for k in kinds if k is not type(None))
            raise ParameterError(
                f"{name} must be {names}, got {value!r} ({type(value).__name__}); "
                f"with papermill pass e.g. -p {name} <value>"
            )
    if choices is not None and value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ParameterError(f"{name}={value!r} is not one of: {allowed}")
    if minimum is not None and value < minimum:
        raise ParameterError(f"{name}={value!r} is below the minimum {minimum}")
    if maximum is not None and value > maximum:
        raise ParameterError(f"{name}={value!r} is above the maximum {maximum}")
    return value


def import_tensorflow():
    """Import and return TensorFlow so that it can share the process with PyTorch.

    PyTorch loads the Triton compiler lazily (e.g. when an optimizer is created); if
    TensorFlow is already loaded then, the process crashes with a segmentation fault
    (their bundled LLVM libraries clash). Loading Triton first avoids it, so when
    PyTorch is installed this imports ``torch._dynamo`` (which loads Triton) before
    TensorFlow. Every TensorFlow import in ``mnist_utils`` goes through here.
    """
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    if _installed("torch"):
        import torch._dynamo  # noqa: F401  (loads Triton before TensorFlow)
    # TensorFlow's C++ start-up chatter (no CUDA drivers, absl notices) is not about
    # the book; it goes straight to file descriptor 2, so silence that while loading.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _native_stderr_silenced():
        import tensorflow as tf

        tf.config.list_physical_devices("GPU")  # the first query logs CUDA errors too
    return tf


@contextlib.contextmanager
def _native_stderr_silenced():
    """Point file descriptor 2 at /dev/null for the duration (C++ logging included)."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def seed_everything(seed: int, frameworks=FRAMEWORKS) -> None:
    """Seed Python, NumPy and the named frameworks that are installed.

    PyTorch is seeded with ``torch.manual_seed``; TensorFlow/Keras with
    ``keras.utils.set_random_seed`` and op determinism, so that a seed gives the same
    metrics on a CPU. Frameworks are imported only when named here.
    """
    check_param("SEED", seed, int, minimum=0)
    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    if "torch" in frameworks and _installed("torch"):
        import torch

        torch.manual_seed(seed)
    if "tensorflow" in frameworks and _installed("tensorflow"):
        tf = import_tensorflow()
        import keras

        keras.utils.set_random_seed(seed)
        tf.config.experimental.enable_op_determinism()


def torch_device(prefer: str | None = None):
    """The ``torch.device`` to train on: CUDA when present, else Apple MPS, else CPU.

    ``prefer="cpu"`` forces the CPU.
    """
    import torch

    if prefer:
        return torch.device(prefer)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _installed(dist: str) -> bool:
    try:
        metadata.version(dist)
    except metadata.PackageNotFoundError:
        return False
    return True


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


@dataclass
class ChapterRun:
    """What :func:`setup_chapter` resolved: seed, quick mode, device, parameters."""

    seed: int
    quick: bool
    device: str = "cpu"
    params: dict = field(default_factory=dict)

    def pick(self, *, full, quick):
        """``full`` in the full run, ``quick`` in quick mode (CI)."""
        return quick if self.quick else full

    def model_path(self, filename: str) -> Path:
        """Where a chapter saves a trained model: ``runs/models/<filename>`` in the
        git-ignored ``runs/`` folder (chapter 05). In quick mode ``_quick`` is added
        to the stem, so a CI run never replaces the full run's file."""
        name = Path(filename)
        if name.name != filename or not name.suffix:
            raise ValueError(f"give a file name with an extension, such as 'model.keras', "
                             f"not {filename!r}")
        if self.quick:
            name = name.with_name(f"{name.stem}_quick{name.suffix}")
        folder = project_root() / "runs" / "models"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name


def setup_chapter(
    *, seed: int = 0, quick: bool | None = None, frameworks=(), verbose: bool = True, **params
) -> ChapterRun:
    """Check parameters, resolve quick mode, seed everything, print versions and device.

    Each extra keyword is a parameter given as ``NAME=(value, kind)`` or
    ``NAME=(value, kind, {"choices": ..., "minimum": ...})``; see :func:`check_param`.
    ``frameworks`` names what the chapter uses (``"torch"``, ``"tensorflow"``): their
    versions are printed and they are seeded; the device is the one PyTorch (or
    TensorFlow) will use.
    """
    for fw in frameworks:
        if fw not in FRAMEWORKS:
            raise ParameterError(f"unknown framework {fw!r}; use one of {FRAMEWORKS}")
    check_param("SEED", seed, int, minimum=0)
    is_quick = resolve_quick(quick)
    checked = {}
    for name, spec in params.items():
        if not isinstance(spec, tuple) or not 2 <= len(spec) <= 3:
            raise TypeError(f"{name}: give (value, kind) or (value, kind, options)")
        value, kind, *options = spec
        checked[name] = check_param(name, value, kind, **(options[0] if options else {}))

    seed_everything(seed, frameworks)
    device = "cpu"
    if "torch" in frameworks:
        import torch

        dev = torch_device()
        device = dev.type if dev.type != "cuda" else f"cuda ({torch.cuda.get_device_name(0)})"
    elif "tensorflow" in frameworks:
        tf = import_tensorflow()
        gpus = tf.config.list_physical_devices("GPU")
        device = f"GPU ({len(gpus)})" if gpus else "cpu"

    run = ChapterRun(seed=seed, quick=is_quick, device=device, params=checked)
    if verbose:
        print(describe_environment(frameworks, run))
    return run


def describe_environment(frameworks=(), run: ChapterRun | None = None) -> str:
    """One short block: Python, the key packages' versions, the device and the mode."""
    packages = ["numpy", "matplotlib"]
    if "torch" in frameworks:
        packages += ["torch", "torchvision"]
    if "tensorflow" in frameworks:
        packages += ["tensorflow", "keras"]
    lines = [f"Python {platform.python_version()} on {sys.platform} ({os.cpu_count()} CPUs)"]
    lines += [f"{p:<12} {_version(p)}" for p in packages]
    if run is not None:
        lines.append(f"device       {run.device}")
        mode = "QUICK (small data, few epochs)" if run.quick else "full"
        lines.append(f"mode         {mode}, seed {run.seed}")
    return "\n".join(lines)


def glue(name: str, value, *, display: bool = False):
    """Make a value computed in a cell available to the chapter's text (myst-nb ``glue``),
    as a plain Python number so ``{glue:text}`name:.2f``` formats it."""
    from myst_nb import glue as myst_glue

    if isinstance(value, np.generic):
        value = value.item()
    myst_glue(name, value, display=display)
