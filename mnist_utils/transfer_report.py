"""The fine-tuning study's results (chapter 8): the summary per method and label
budget, the comparison table, its two figures and the figures the prose quotes.

Chapter 8 trains every method of :data:`mnist_utils.transfer.METHODS` at every label
budget of :data:`mnist_utils.transfer.BUDGETS` over several seeds and reads the runs
back from the results record, sweeps included. This module turns those records into
what the chapter shows.
"""

from __future__ import annotations

import numpy as np

from .transfer import BUDGETS, METHODS

__all__ = [
    "FIGURES",
    "METRICS",
    "comparison_table",
    "has_every_budget",
    "percent_tables",
    "plot_budget_curves",
    "plot_learning_curves",
    "plot_weight_changes",
    "read_results",
    "summarize",
]

#: The recorded figures summarised per method and budget.
METRICS = ("test_accuracy", "old_task_accuracy", "forgetting", "trainable_params")

#: Every figure :func:`read_results` can return (it leaves out those whose runs are missing).
FIGURES = (
    "gain_small_pts",
    "gain_large_pts",
    *(
        f"{m}_vs_scratch_{end}_pts"
        for m in ("linear_probe", "full_small_lr", "full_large_lr")
        for end in ("min", "max")
    ),
    "probe_min_pct",
    "probe_max_pct",
    "lowest_new_pct",
    "lowest_scratch_pct",
    "worst_old_pct",
    "max_forgetting_pts",
    "small_lr_few_pct",
    "large_lr_few_pct",
    *(f"old_mean_{m}_pct" for m in ("partial", "full_small_lr", "full_large_lr", "lora")),
)


def _colour(method: str) -> str:
    return f"C{list(METHODS).index(method)}"  # one colour per method, in every figure


def summarize(frame):
    """Mean, standard deviation and number of runs of :data:`METRICS` per method and
    budget of a frame of recorded runs (``run.recorded(...)``), with the columns
    ``method`` and ``budget``. A metric no run recorded (a sweep of ``scratch`` alone
    has no old task) is missing (NaN)."""
    import pandas as pd

    from .studies import summarize as summarize_runs

    frame = pd.DataFrame() if frame is None else frame.copy()
    for name in METRICS:
        if name not in frame:
            frame[name] = np.nan
    for name in ("config.method", "config.budget"):
        if name not in frame:
            frame[name] = pd.Series(dtype=object)
    summary = summarize_runs(frame, by=["config.method", "config.budget"], metrics=METRICS)
    return summary.rename(columns={"config.method": "method", "config.budget": "budget"})


def _orders(summary):
    methods = [m for m in METHODS if m in set(summary["method"])]
    budgets = [b for b in BUDGETS if b in set(summary["budget"])]
    return methods, budgets


def percent_tables(summary):
    """The mean accuracy on the new task and on the old task after fine-tuning, in
    percent: two tables of every method of :data:`METHODS` (rows) by the summary's
    budgets (columns, smallest first). A method or budget no run recorded is NaN."""
    _, budgets = _orders(summary)
    tables = []
    for metric in ("test_accuracy_mean", "old_task_accuracy_mean"):
        table = summary.pivot(index="method", columns="budget", values=metric)
        tables.append(100 * table.reindex(index=list(METHODS), columns=budgets).astype(float))
    return tuple(tables)


def has_every_budget(table, *methods) -> bool:
    """Whether a :func:`percent_tables` table has a figure for every budget of each of
    ``methods`` (chapter 08): ``METHOD`` may leave methods out, and a claim about them
    is then not measured."""
    return bool(table.loc[list(methods)].notna().all().all())


def _mean_std(mean, std) -> str:
    import pandas as pd

    if mean is None or pd.isna(mean):
        return "-"
    return f"{100 * mean:.2f}" if pd.isna(std) else f"{100 * mean:.2f} ± {100 * std:.2f}"


def comparison_table(summary, trainable: dict):
    """One row per method: its trainable parameters (``trainable``, method -> count),
    the fewest seeds of any of its cells, and per budget the accuracy (%) on the new
    task and on the old task after fine-tuning, as "mean ± std" over the seeds."""
    import pandas as pd

    methods, budgets = _orders(summary)
    table = {}
    for label, metric in (
        ("5-9 test accuracy (%)", "test_accuracy"),
        ("0-4 accuracy after (%)", "old_task_accuracy"),
    ):
        for budget in budgets:
            rows = summary[summary["budget"] == budget].set_index("method")
            table[label, budget] = [
                _mean_std(rows[f"{metric}_mean"].get(m), rows[f"{metric}_std"].get(m))
                for m in methods
            ]
    table = pd.DataFrame(table, index=methods)
    table.insert(0, ("", "trainable params"), [f"{trainable[m]:,}" for m in methods])
    table.insert(
        1, ("", "seeds"), [int(summary[summary["method"] == m]["runs"].min()) for m in methods]
    )
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return table


def plot_budget_curves(summary, old_accuracy_before: float):
    """Accuracy on the new task (left) and on the old task after fine-tuning (right)
    against the label budget, one line per method with a bar of ± one standard
    deviation; a dotted line marks the pretrained model's old-task accuracy."""
    import matplotlib.pyplot as plt

    methods, budgets = _orders(summary)
    fig, (ax_new, ax_old) = plt.subplots(1, 2, figsize=(11, 4), sharex=True)
    xs = np.arange(len(budgets))
    for method in methods:
        i = list(METHODS).index(method)
        rows = summary[summary["method"] == method].set_index("budget").reindex(budgets)
        for ax, metric in ((ax_new, "test_accuracy"), (ax_old, "old_task_accuracy")):
            if rows[f"{metric}_mean"].notna().any():
                ax.errorbar(
                    xs + (i - 2.5) * 0.03,
                    100 * rows[f"{metric}_mean"],
                    yerr=100 * rows[f"{metric}_std"].fillna(0),
                    marker="o",
                    capsize=3,
                    color=_colour(method),
                    label=method,
                )
    ax_old.axhline(100 * old_accuracy_before, color="k", ls=":", lw=1, label="before fine-tuning")
    ax_new.set(title="new task (5-9): test accuracy", ylabel="accuracy (%)")
    ax_old.set(title="old task (0-4) after fine-tuning", ylabel="accuracy (%)")
    for ax in (ax_new, ax_old):
        ax.set(xticks=xs, xticklabels=budgets, xlabel="labels per class")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_learning_curves(study, seed: int):
    """Validation accuracy after each epoch of one seed's runs of a
    :func:`~mnist_utils.studies.run_study` study, one panel per budget whose runs
    lasted more than one epoch; ``None`` when none did."""
    import matplotlib.pyplot as plt

    runs = [one for one in study if one.seed == seed]
    if not runs:
        raise ValueError(f"the study has no run with seed {seed}")
    budgets = [
        b
        for b in BUDGETS
        if any(one.config["budget"] == b and len(one.history["val_accuracy"]) > 1 for one in runs)
    ]
    if not budgets:
        return None
    fig, axes = plt.subplots(
        1, len(budgets), squeeze=False, figsize=(3.6 * len(budgets) + 0.6, 3.3)
    )
    for ax, budget in zip(axes[0], budgets):
        for one in runs:
            if one.config["budget"] == budget:
                accuracy = 100 * np.array(one.history["val_accuracy"])
                ax.plot(
                    range(1, len(accuracy) + 1),
                    accuracy,
                    marker=".",
                    color=_colour(one.config["method"]),
                    label=one.config["method"],
                )
        ax.set(title=budget, xlabel="epoch", ylabel="validation accuracy (%)")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(f"Fine-tuning on 5-9, seed {seed}")
    fig.tight_layout()
    return fig


def plot_weight_changes(changes: dict):
    """The singular values of the change each method made to one weight matrix
    (chapter 8), largest first on a log scale, one line per method. ``changes`` maps a
    method to its change (tuned minus pretrained weight, or a LoRA adapter's ``B A``) as
    a 2-D array; singular values below 1e-6 of the largest change's are left out, so a
    rank-r change draws r points. Returns the figure."""
    import matplotlib.pyplot as plt

    if not changes:
        raise ValueError("give at least one method's weight change as method: 2-D array")
    values = {}
    for method, change in changes.items():
        change = np.asarray(change, dtype=np.float64)
        if change.ndim != 2:
            raise ValueError(f"{method}: the change must be a 2-D matrix, got {change.shape}")
        values[method] = np.linalg.svd(change, compute_uv=False)
    floor = 1e-6 * max(v.max() for v in values.values())
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for method, singular in values.items():
        kept = singular[singular > floor]
        ax.plot(
            np.arange(1, len(kept) + 1),
            kept,
            marker=".",
            ms=4,
            lw=1,
            color=_colour(method) if method in METHODS else None,
            label=method,
        )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="index of the singular value (largest first)",
        ylabel="singular value",
        title="How many directions each method changed",
    )
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return fig


def read_results(summary, old_accuracy_before: float) -> dict:
    """Print the comparison's main figures (the best method per budget, the gain of
    transfer over scratch, three methods' gaps to scratch, the lowest accuracy, the
    most forgetting, the two rates of full fine-tuning, the old task per method) and
    return the figures the
    chapter's prose quotes, in percent or points, by glue name. A figure whose runs
    are missing (a sweep of some methods only) is left out."""
    import pandas as pd

    methods, budgets = _orders(summary)
    if not budgets:
        raise ValueError("no recorded runs to read: run the study first")
    acc = summary.pivot(index="method", columns="budget", values="test_accuracy_mean")
    old = summary.pivot(index="method", columns="budget", values="old_task_accuracy_mean")
    acc, old = (
        acc.reindex(index=methods, columns=budgets),
        old.reindex(index=methods, columns=budgets),
    )
    small, large = budgets[0], budgets[-1]
    figures = {}
    for budget in budgets:
        column = acc[budget].dropna()
        best = column.idxmax()
        line = f"{budget:>10}: best on 5-9 is {best} ({column.max():.2%})"
        if "scratch" in column and best != "scratch":
            line += f", {100 * (column.max() - column['scratch']):.2f} points above scratch"
        print(line)
    if "scratch" in acc.index and len(acc.columns) > 1 and len(acc) > 1:
        gains = acc.drop(index="scratch").max() - acc.loc["scratch"]
        print(
            f"best transfer method minus scratch: {100 * gains[small]:+.2f} points at "
            f"{small}, {100 * gains[large]:+.2f} points at {large}"
        )
        figures.update(gain_small_pts=100 * gains[small], gain_large_pts=100 * gains[large])
    if "scratch" in acc.index:
        for method in ("linear_probe", "full_small_lr", "full_large_lr"):
            gap = (acc.loc[method] - acc.loc["scratch"]).dropna() if method in acc.index else ()
            if len(gap):
                print(
                    f"{method:>14} minus scratch on 5-9: {100 * gap.min():+.2f} to "
                    f"{100 * gap.max():+.2f} points over the budgets"
                )
                figures[f"{method}_vs_scratch_min_pts"] = 100 * gap.min()
                figures[f"{method}_vs_scratch_max_pts"] = 100 * gap.max()
    if "linear_probe" in acc.index and acc.loc["linear_probe"].notna().any():
        figures.update(
            probe_min_pct=100 * acc.loc["linear_probe"].min(),
            probe_max_pct=100 * acc.loc["linear_probe"].max(),
        )
    lowest = acc.stack().idxmin()
    print(f"lowest accuracy on 5-9: {lowest[0]} at {lowest[1]}, {acc.stack().min():.2%}")
    figures["lowest_new_pct"] = 100 * acc.stack().min()
    if "scratch" in acc.index and pd.notna(acc.loc["scratch", lowest[1]]):
        figures["lowest_scratch_pct"] = 100 * acc.loc["scratch", lowest[1]]
    if old.notna().any().any():
        worst = old.stack().idxmin()
        print(
            f"most forgetting: {worst[0]} at {worst[1]}, 0-4 accuracy "
            f"{old.stack().min():.2%} (was {old_accuracy_before:.2%})"
        )
        figures["worst_old_pct"] = 100 * old.stack().min()
        figures["max_forgetting_pts"] = 100 * (old_accuracy_before - old.stack().min())
    if {"full_small_lr", "full_large_lr"} <= set(acc.index):
        print(
            f"at {small}: full fine-tuning reaches "
            f"{acc.loc['full_small_lr', small]:.2%} on 5-9 with the small rate, "
            f"{acc.loc['full_large_lr', small]:.2%} with the large one"
        )
        figures.update(
            small_lr_few_pct=100 * acc.loc["full_small_lr", small],
            large_lr_few_pct=100 * acc.loc["full_large_lr", small],
        )
    for method in ("partial", "full_small_lr", "full_large_lr", "lora"):
        if method in old.index:
            mean_old = old.loc[method].mean()
            print(
                f"{method:>14}: 0-4 accuracy after, by budget: "
                + ", ".join(
                    f"{b} {old.loc[method, b]:.2%}" for b in budgets if pd.notna(old.loc[method, b])
                )
                + f"; mean {mean_old:.2%}"
            )
            figures[f"old_mean_{method}_pct"] = 100 * mean_old
    return {name: float(value) for name, value in figures.items()}
