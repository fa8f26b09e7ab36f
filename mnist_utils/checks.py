"""Argument checks shared by every module: one copy of each (chapter 02).

The helpers check their arguments before any slow work starts and say what was
wrong and what would be accepted. A chapter parameter that fails a check raises
:class:`ParameterError`; a helper's own argument raises the error its caller asks
for (``ValueError`` by default).
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["ParameterError", "is_whole_number", "whole_number", "real_number"]


class ParameterError(ValueError):
    """A chapter parameter has the wrong type or value (raised before any work)."""


def is_whole_number(value) -> bool:
    """``True`` for an ``int`` or NumPy integer; ``False`` for ``True``/``False``,
    floats and anything else."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def whole_number(name: str, value, *, minimum=None, maximum=None, error=ValueError) -> int:
    """``value`` as an ``int`` if it is a whole number within the inclusive bounds;
    otherwise ``error`` naming ``name``, the value and the accepted range."""
    if not is_whole_number(value):
        raise error(f"{name} must be a whole number, got {value!r} ({type(value).__name__})")
    _bounded(name, value, minimum, maximum, error)
    return int(value)


def real_number(name: str, value, *, minimum=None, maximum=None, error=ValueError) -> float:
    """``value`` as a ``float`` if it is a real number (not a bool) within the
    inclusive bounds; otherwise ``error``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise error(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    if not np.isfinite(value):
        raise error(f"{name} must be finite, got {value!r}")
    _bounded(name, value, minimum, maximum, error)
    return float(value)


def _bounded(name, value, minimum, maximum, error) -> None:
    if minimum is not None and value < minimum:
        raise error(f"{name}={value!r} is below the minimum {minimum}")
    if maximum is not None and value > maximum:
        raise error(f"{name}={value!r} is above the maximum {maximum}")
