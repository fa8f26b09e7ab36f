"""Study chapters: choosing configurations and summarising measured runs (chapters 8-11).

A study chapter trains one or several configurations (activation functions, depths,
regularisers, ...) and records every run with :func:`mnist_utils.results.record_result`.
Its comparison section then reads the record back, so runs made by a sweep
(``python -m mnist_utils.sweep``) show up in the same table::

    ACTIVATION = "all"      # parameters cell: "all", one name, or "relu,tanh"
    chosen = choose("ACTIVATION", ACTIVATION, models.ACTIVATIONS)
    ...
    table = summarize(load_results(run.quick, chapter="09"), by=["config.activation"])
"""

from __future__ import annotations

from .runtime import ParameterError

__all__ = ["choose", "matching", "seeds", "summarize"]


def choose(name: str, text: str, allowed) -> list[str]:
    """The options a string parameter selects: ``"all"``, one option or a
    comma-separated list of options, checked against ``allowed`` (in its order)."""
    allowed = list(allowed)
    if not isinstance(text, str):
        raise ParameterError(f"{name} must be a string such as 'all' or "
                             f"'{allowed[0]},{allowed[-1]}', got {text!r}")
    picked = [part.strip() for part in text.split(",") if part.strip()]
    if picked == ["all"]:
        return allowed
    unknown = [p for p in picked if p not in allowed]
    if unknown or not picked:
        raise ParameterError(f"{name}={text!r}: {', '.join(map(repr, unknown)) or 'nothing'} "
                             f"is not an option; choose 'all' or some of: {', '.join(allowed)}")
    return [option for option in allowed if option in picked]


def seeds(first: int, repeats: int) -> list[int]:
    """``repeats`` consecutive seeds from ``first``: ``seeds(0, 3) == [0, 1, 2]``."""
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ParameterError(f"REPEATS must be a positive whole number, got {repeats!r}")
    return list(range(first, first + repeats))


def matching(frame, **settings):
    """The rows of a results frame (:func:`mnist_utils.results.load_results`) whose
    ``config.<key>`` equals each setting, e.g. ``matching(df, epochs=5)``: runs made
    with other settings are not comparable and are left out."""
    if frame is None or len(frame) == 0:
        return frame
    mask = None
    for key, value in settings.items():
        column = f"config.{key}"
        if column not in frame:
            return frame.iloc[0:0]
        hit = frame[column] == value
        mask = hit if mask is None else mask & hit
    return frame if mask is None else frame[mask]


def summarize(frame, by, *, metrics=("test_accuracy",)):
    """Mean, standard deviation and number of seeds of each metric per group.

    ``by`` names the columns that define a configuration (for instance
    ``["config.activation"]``). The standard deviation is the sample one (``ddof=1``)
    and is missing (NaN) for a group with a single run.
    """
    import pandas as pd

    by = [by] if isinstance(by, str) else list(by)
    if frame is None or len(frame) == 0:
        return pd.DataFrame(columns=[*by, "runs"])
    missing = [c for c in [*by, *metrics] if c not in frame]
    if missing:
        raise KeyError(f"the results have no column(s) {missing}; "
                       f"they have: {', '.join(frame.columns)}")
    grouped = frame.groupby(by, sort=False)
    table = grouped.size().rename("runs").to_frame()
    for metric in metrics:
        table[f"{metric}_mean"] = grouped[metric].mean()
        table[f"{metric}_std"] = grouped[metric].std(ddof=1)
    return table.reset_index()
