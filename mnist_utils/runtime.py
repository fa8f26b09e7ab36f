"""Chapter set-up: quick mode, seeds, threads, versions and device (chapter 02).

Every chapter starts the same way. Its first code cell, tagged ``parameters`` for
papermill, holds literal defaults; what each may be is declared once in
:mod:`mnist_utils.parameters`. The next cell calls :func:`setup_chapter`, which finds
the chapter's parameters, checks them (before any slow work), resolves quick mode,
seeds every random number generator, sets the threads and prints what the reader is
running on::

    SEED = 0
    EPOCHS = 10
    QUICK = None   # None: follow the environment variable MNIST_BOOK_QUICK

    run = setup_chapter("05", frameworks=("torch",))
    epochs = run.pick(full=EPOCHS, quick=1)

The returned :class:`ChapterRun` also does a chapter's bookkeeping: ``run.record``
(one measured run), ``run.glue`` (several figures for the prose at once),
``run.claim`` (a finding checked by this run), ``run.timed`` (a slow cell's time, for
the warning before it), ``run.seeds`` and ``run.chosen``.
"""

from __future__ import annotations

import contextlib
import os
import platform
import random
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import numpy as np

from .checks import ParameterError
from .lab_values import show_for_lab

__all__ = [
    "ParameterError",
    "ChapterRun",
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
    from .checks import whole_number

    whole_number("SEED", seed, minimum=0, error=ParameterError)
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
    """What :func:`setup_chapter` resolved (chapter 02): the chapter, its checked
    parameters, quick mode, seed and device, and the bookkeeping every chapter
    does the same way (recording runs, glueing figures, choosing seeds)."""

    seed: int
    quick: bool
    device: str = "cpu"
    params: dict = field(default_factory=dict)
    chapter: str = ""
    started: float = field(default_factory=time.perf_counter)

    def pick(self, *, full, quick):
        """``full`` in the full run, ``quick`` in quick mode (CI)."""
        return quick if self.quick else full

    def seeds(self, repeats: int, *, quick: int = 1) -> list[int]:
        """``repeats`` consecutive seeds from the chapter's ``SEED`` (``quick`` of them
        in quick mode): ``SEED=0, repeats=3`` gives ``[0, 1, 2]``."""
        from .checks import whole_number

        count = whole_number(
            "the number of seeds",
            self.pick(full=repeats, quick=quick),
            minimum=1,
            error=ParameterError,
        )
        return list(range(self.seed, self.seed + count))

    def chosen(self, name: str) -> list:
        """The options a selection parameter names, in the declared order:
        ``ACTIVATION = "relu,tanh"`` gives ``["relu", "tanh"]``, ``"all"`` every one."""
        from . import parameters

        declaration = parameters.declarations(self.chapter or "01", [name]).get(name)
        if not isinstance(declaration, parameters.Selection):
            raise KeyError(f"{name} is not a selection parameter of chapter {self.chapter}")
        return declaration.pick(name, self.params[name])

    def record(
        self,
        *,
        model: str,
        framework: str,
        test_accuracy: float,
        seed: int | None = None,
        config: dict | None = None,
        **metrics,
    ) -> Path:
        """Record one measured run in the results record (chapter 05), filling in the
        chapter, the mode and (unless given) the chapter's seed."""
        from .results import record_result

        return record_result(
            chapter=self.chapter,
            model=model,
            framework=framework,
            seed=self.seed if seed is None else seed,
            quick=self.quick,
            test_accuracy=test_accuracy,
            config=config,
            **metrics,
        )

    def recorded(self, **settings):
        """This chapter's recorded runs in this mode whose config matches ``settings``
        (runs made by a sweep included), as a pandas DataFrame."""
        from .results import load_results
        from .studies import matching

        return matching(load_results(self.quick, chapter=self.chapter), **settings)

    def glue(self, **figures) -> None:
        """Glue several figures for the prose at once: ``run.glue(n_train=5000, epochs=3)``
        makes ``{glue:text}`n_train``` and ``{glue:text}`epochs``` available."""
        for name, value in figures.items():
            glue(name, value)
        show_for_lab(figures)

    def claim(
        self, key: str, held, *, always: bool = False, measured: bool = True, **values
    ) -> None:
        """Check a finding the prose states, and glue its mark for ``{claim}`key```
        (chapter 05): ``held`` is the condition over this run's measurements, ``values``
        the measurements, shown beside a ✗ when it fails. In quick mode the claim is
        marked not checked unless ``always`` is true, and so is it when a parameter
        switched its measurement off (``measured=False``; see :mod:`mnist_utils.claims`).
        Returns nothing, so a cell that ends with a claim shows no output."""
        from .claims import check

        claim = self._checked(check, key, held, always, measured, values)
        glue(key, claim)
        show_for_lab({key: claim})

    def goal(self, key: str, met, *, always: bool = False, measured: bool = True, **values) -> None:
        """Set a goal fixed before the run beside what this run reached, and glue its badge
        for ``{goal}`key``` (chapter 12): ``run.goal("race_goal", met, reached=9, runs=10)``.
        The same rules as :meth:`claim`, but a goal not met is a result, shown as "goal not
        met" with ``values``, and never fails the release build. Returns nothing."""
        from .claims import check_goal

        goal = self._checked(check_goal, key, met, always, measured, values)
        glue(key, goal)
        show_for_lab({key: goal})

    def _checked(self, check, key, condition, always, measured, values):
        """``check`` (a claim's or a goal's) applied with this run's chapter and mode."""
        return check(
            key,
            condition,
            chapter=self.chapter,
            quick=self.quick,
            always=always,
            measured=measured,
            **values,
        )

    @contextlib.contextmanager
    def timed(self, key: str):
        """Time the block and glue its minutes as ``key`` (chapter 05), so the warning
        before a slow cell says how long it took when the page was built::

            with run.timed("fit_minutes"):
                history = model.fit(...)
        """
        start = time.perf_counter()
        yield
        minutes = (time.perf_counter() - start) / 60
        glue(key, minutes)
        show_for_lab({key: minutes})

    def minutes_so_far(self) -> float:
        """Minutes since :func:`setup_chapter` (a chapter glues its whole time at the end)."""
        return (time.perf_counter() - self.started) / 60

    def model_path(self, filename: str) -> Path:
        """Where a chapter saves a trained model: ``runs/models/<filename>`` in the
        git-ignored ``runs/`` folder (chapter 05). In quick mode ``_quick`` is added
        to the stem, so a CI run never replaces the full run's file."""
        name = Path(filename)
        if name.name != filename or not name.suffix:
            raise ValueError(
                f"give a file name with an extension, such as 'model.keras', not {filename!r}"
            )
        if self.quick:
            name = name.with_name(f"{name.stem}_quick{name.suffix}")
        folder = project_root() / "runs" / "models"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / name


def setup_chapter(
    chapter: str, *, frameworks=(), verbose: bool = True, namespace: dict | None = None
) -> ChapterRun:
    """Check a chapter's parameters, resolve quick mode, seed everything, set the
    threads and the frameworks' log levels, print versions and device (chapter 02).

    ``chapter`` is the chapter's number (``"09"``). The parameters are read from the
    notebook's namespace (the caller's globals, or ``namespace``): the chapter's own
    names and the shared ones it sets, each checked against its declaration in
    :mod:`mnist_utils.parameters`. ``frameworks`` names what the chapter uses
    (``"torch"``, ``"tensorflow"``): they are imported in the one order that lets them
    share a process, seeded, and their versions printed. ``THREADS`` (when the
    chapter has it) sets PyTorch's CPU threads; 0 keeps PyTorch's default.
    """
    from . import parameters

    for fw in frameworks:
        if fw not in FRAMEWORKS:
            raise ParameterError(f"unknown framework {fw!r}; use one of {FRAMEWORKS}")
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    declared = parameters.declarations(chapter)
    values = {name: namespace[name] for name in declared if name in namespace}
    checked = parameters.check_values(chapter, values, complete=True)
    seed = checked.get("SEED", 0)
    is_quick = resolve_quick(checked.get("QUICK"))

    if "tensorflow" in frameworks:
        # TensorFlow's C++ start-up notices are not about the book
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import_tensorflow()
    seed_everything(seed, frameworks)
    device = "cpu"
    threads = None
    if "torch" in frameworks:
        import torch

        if checked.get("THREADS"):
            torch.set_num_threads(checked["THREADS"])
        threads = torch.get_num_threads()
        dev = torch_device()
        device = dev.type if dev.type != "cuda" else f"cuda ({torch.cuda.get_device_name(0)})"
    elif "tensorflow" in frameworks:
        tf = import_tensorflow()
        gpus = tf.config.list_physical_devices("GPU")
        device = f"GPU ({len(gpus)})" if gpus else "cpu"

    run = ChapterRun(
        seed=seed,
        quick=is_quick,
        device=device,
        params=checked,
        chapter=parameters._chapter_key(chapter),
    )
    if verbose:
        print(describe_environment(frameworks, run, threads=threads))
    return run


def cpu_model() -> str:
    """The processor's model name, as the kernel reports it (times are only
    comparable on one machine: the book prints this beside every time)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def describe_environment(
    frameworks=(), run: ChapterRun | None = None, *, threads: int | None = None
) -> str:
    """One short block: Python, the key packages' versions, the device and the mode."""
    packages = ["numpy", "matplotlib"]
    if "torch" in frameworks:
        packages += ["torch", "torchvision"]
    if "tensorflow" in frameworks:
        packages += ["tensorflow", "keras"]
    lines = [
        f"Python {platform.python_version()} on {sys.platform}",
        f"cpu          {cpu_model()} ({os.cpu_count()} cores)",
    ]
    lines += [f"{p:<12} {_version(p)}" for p in packages]
    if run is not None:
        lines.append(f"device       {run.device}")
        if threads is not None:
            lines.append(f"threads      {threads} (PyTorch, on the CPU)")
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
