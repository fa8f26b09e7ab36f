"""Every chapter parameter's type, bounds and choices, declared once (chapter 02).

A chapter's first code cell, tagged ``parameters``, holds literal defaults only:
papermill reads and overrides literals. What each value may be is declared here,
once: in :data:`SHARED` for the names several chapters use (``SEED``, ``EPOCHS``,
``VAL_SIZE``, ``THREADS``, ``QUICK``, ...) and in :data:`CHAPTERS` for a chapter's
own names. :func:`mnist_utils.runtime.setup_chapter` checks a chapter's values
against these declarations; ``python -m mnist_utils.sweep`` and ``make rerun`` check
the values given on the command line against the same declarations before any
kernel starts. A test checks that every name of every parameters cell is declared.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass

from .checks import ParameterError

__all__ = [
    "CHAPTERS",
    "SHARED",
    "Choice",
    "Flag",
    "Number",
    "Quick",
    "Selection",
    "check_values",
    "declarations",
]


@dataclass(frozen=True)
class Number:
    """A whole number (``kind=int``) or a real number (``kind=float``, ints accepted)
    within inclusive bounds."""

    kind: type = int
    minimum: float | None = None
    maximum: float | None = None

    def check(self, name, value):
        whole = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        real = whole or (isinstance(value, numbers.Real) and not isinstance(value, bool))
        if not (whole if self.kind is int else real):
            wanted = "a whole number" if self.kind is int else "a number"
            raise ParameterError(
                f"{name} must be {wanted} {self.describe()}, got {value!r} "
                f"({type(value).__name__}); with papermill: -p {name} <value>"
            )
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            raise ParameterError(f"{name}={value!r} is out of range: it must be {self.describe()}")
        return value

    def describe(self) -> str:
        low = "-inf" if self.minimum is None else f"{self.minimum:,}"
        high = "inf" if self.maximum is None else f"{self.maximum:,}"
        return f"from {low} to {high}"


@dataclass(frozen=True)
class Flag:
    """``True`` or ``False``."""

    def check(self, name, value):
        if not isinstance(value, bool):
            raise ParameterError(f"{name} must be True or False, got {value!r}")
        return value

    def describe(self) -> str:
        return "True or False"


@dataclass(frozen=True)
class Quick:
    """``QUICK``: ``None`` (follow ``$MNIST_BOOK_QUICK``), ``True`` or ``False``."""

    def check(self, name, value):
        if value is None or isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
            return value
        raise ParameterError(f"{name} must be True, False or None, got {value!r}")

    def describe(self) -> str:
        return "None (follow $MNIST_BOOK_QUICK), True or False"


@dataclass(frozen=True)
class Choice:
    """Exactly one of a fixed set of values."""

    values: tuple

    def check(self, name, value):
        if isinstance(value, bool) or value not in self.values:
            raise ParameterError(
                f"{name}={value!r} is not one of: {', '.join(map(repr, self.values))}"
            )
        return value

    def describe(self) -> str:
        return "one of " + ", ".join(map(repr, self.values))


@dataclass(frozen=True)
class Selection:
    """A text naming some options: ``"all"``, one option, or a comma-separated list
    such as ``"relu,tanh"`` (and ``"none"`` where ``allow_none``); where an option is
    itself named ``"all"`` (chapter 11's training-set size), ``"all"`` selects it alone.
    ``options`` is a tuple, or a function returning one (so a module's list is read
    when needed).
    Numeric options (depths, sizes) also accept a number: papermill reads
    ``-p DEPTH 4`` (or ``-p TRAIN_SIZES 5000``) as an integer."""

    options: tuple | Callable[[], tuple]
    allow_none: bool = False

    def allowed(self) -> list[str]:
        options = self.options() if callable(self.options) else self.options
        return [str(option) for option in options]

    def check(self, name, value):
        self.pick(name, value)
        return value

    def pick(self, name, value) -> list[str]:
        """The options ``value`` selects, in the declared order."""
        allowed = self.allowed()
        numeric = any(option.isdigit() for option in allowed)
        if numeric and isinstance(value, numbers.Integral) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise ParameterError(
                f"{name} must be a string such as 'all' or "
                f"'{allowed[0]},{allowed[-1]}', got {value!r}"
            )
        picked = [part.strip() for part in value.split(",") if part.strip()]
        if picked == ["all"] and "all" not in allowed:  # an option named "all" is itself
            return allowed
        if self.allow_none and picked == ["none"]:
            return []
        unknown = [p for p in picked if p not in allowed]
        if unknown or not picked:
            extra = " or 'none'" if self.allow_none else ""
            raise ParameterError(
                f"{name}={value!r}: {', '.join(map(repr, unknown)) or 'nothing'} is not an "
                f"option; choose 'all'{extra} or some of: {', '.join(allowed)}"
            )
        return [option for option in allowed if option in picked]

    def describe(self) -> str:
        extra = ", 'none'" if self.allow_none else ""
        return f"'all'{extra} or a comma-separated list of: {', '.join(self.allowed())}"


def _activations():
    from .models import ACTIVATIONS

    return ACTIVATIONS


def _transfer_methods():
    from .transfer import METHODS

    return tuple(METHODS)


def _budgets():
    from .transfer import BUDGETS

    return BUDGETS


def _variants():
    from .depth import VARIANTS

    return VARIANTS


def _regularizers():
    from .regularization import METHODS

    return METHODS


def _train_sizes():
    from .regularization import TRAIN_SIZES

    return TRAIN_SIZES


def _peers():
    from .speed import PEER_RECIPES

    return PEER_RECIPES


#: Names that several chapters share: one declaration each.
SHARED = {
    "SEED": Number(int, 0, 2**31 - 1),
    "QUICK": Quick(),
    "EPOCHS": Number(int, 1, 100),
    "BATCH_SIZE": Number(int, 1, 10_000),
    "LEARNING_RATE": Number(float, 1e-7, 2.0),
    "VAL_SIZE": Number(int, 1_000, 30_000),
    "THREADS": Number(int, 0, 256),
    "REPEATS": Number(int, 1, 20),
    "N_TRAIN": Number(int, 100, 55_000),
    "PATIENCE": Number(int, 1, 50),
    "ACTIVATION": Selection(_activations),
    "ROTATION": Number(float, 0, 180),
    "SHIFT": Number(float, 0, 14),
    "ZOOM": Number(float, 0, 0.99),
}

#: Each chapter's own names.
CHAPTERS = {
    "01": {
        "DIGIT_INDEX": Number(int, 0, 59_999),
        "LEAKY_SLOPE": Number(float, 0.0, 1.0),
        "LORA_RANK": Number(int, 1, 64),
    },
    "02": {},
    "03": {"N_SHIFT_IMAGES": Number(int, 10, 60_000)},
    "04": {
        "MOMENTUM": Number(float, 0.0, 0.99),
        "FILTERS": Number(int, 1, 64),
        "KERNEL_SIZE": Choice((3, 5, 7)),
    },
    "05": {
        "EPOCHS_003": Number(int, 1, 100),
        "DEMO_SIZE": Number(int, 100, 55_000),
        "MAX_EPOCHS": Number(int, 1, 100),
    },
    "06": {
        "ARTICLE_EPOCHS": Number(int, 1, 20),
        "FIXED_EPOCHS": Number(int, 1, 20),
        "FIXED_LR": Number(float, 1e-6, 1.0),
    },
    "07": {},
    "08": {
        "PRETRAIN_SEED": Number(int, 0, 2**31 - 1),
        "METHOD": Selection(_transfer_methods),
        "BUDGET": Selection(_budgets),
        "PRETRAIN_EPOCHS": Number(int, 1, 50),
        "MIN_STEPS": Number(int, 0, 10_000),
        "SMALL_LR": Number(float, 1e-7, 1.0),
        "HEAD_LR": Number(float, 1e-6, 1.0),
        "RANK": Number(int, 1, 128),
    },
    "09": {},
    "10": {
        "DEPTH": Selection(tuple(range(1, 9))),
        "VARIANT": Selection(_variants),
        "STACK_DEPTH": Selection(tuple(range(1, 9))),
        "WIDTH": Number(int, 1, 256),
    },
    "11": {
        "METHOD": Selection(_regularizers),
        "TRAIN_SIZES": Selection(_train_sizes),
        "FULL_EPOCHS": Number(int, 1, 50),
        "FULL_METHOD": Selection(_regularizers),
        "WEIGHT_DECAY": Number(float, 0.0, 1.0),
        "ADAMW_DECAY": Number(float, 0.0, 10.0),
    },
    "12": {
        "TARGET": Number(float, 0.5, 1.0),
        "FAST_RUNS": Number(int, 1, 20),
        "FAST_LR": Number(float, 1e-4, 2.0),
        "PEERS": Selection(_peers, allow_none=True),
        "ABLATION": Flag(),
        "ABLATION_RUNS": Number(int, 1, 20),
    },
    "13": {
        "MEMBERS": Number(int, 1, 10),
        "BEST_EPOCHS": Number(int, 1, 100),
        "BEST_LR": Number(float, 1e-5, 1.0),
        "LABEL_SMOOTHING": Number(float, 0.0, 0.5),
    },
}


def _chapter_key(chapter) -> str:
    key = str(chapter)[:2]
    if key not in CHAPTERS:
        raise ParameterError(f"unknown chapter {chapter!r}; the chapters are {', '.join(CHAPTERS)}")
    return key


def declarations(chapter, names=None) -> dict:
    """Name -> declaration for a chapter: its own names, plus the shared names among
    ``names`` (the names its parameters cell assigns; all shared names if omitted)."""
    own = CHAPTERS[_chapter_key(chapter)]
    shared = {n: d for n, d in SHARED.items() if names is None or n in names}
    return {**shared, **own}


def check_values(chapter, values: dict, *, complete: bool = False) -> dict:
    """Check each ``NAME: value`` against the chapter's declarations; return them.

    An undeclared name is an error (a typo would otherwise be ignored). With
    ``complete=True`` every one of the chapter's own names must be present too.
    """
    declared = declarations(chapter)
    unknown = [name for name in values if name not in declared]
    if unknown:
        raise ParameterError(
            f"chapter {_chapter_key(chapter)} has no parameter "
            f"{', '.join(map(repr, unknown))}; its parameters are: "
            f"{', '.join(sorted(declared))}"
        )
    if complete:
        missing = [n for n in CHAPTERS[_chapter_key(chapter)] if n not in values]
        if missing:
            raise ParameterError(
                f"the parameters cell of chapter {_chapter_key(chapter)} "
                f"does not set {', '.join(missing)}"
            )
    return {name: declared[name].check(name, value) for name, value in values.items()}
