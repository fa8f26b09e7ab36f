"""The figures of chapter 01: a kernel sliding over a small grid, one convolution block
applied to a digit by hand, the activation functions with their derivatives and their
effect on a feature map, pooling, one digit's way through a network with its shapes, the
losses and their gradients, dropout, gradient descent on one weight, and what each
fine-tuning strategy trains.

The chapter computes what is shown (the feature maps, the functions); these helpers
only draw it, so the drawing code does not hide the computation.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "busiest_window",
    "plot_activation_on_map",
    "plot_activations",
    "plot_conv_block",
    "plot_dropout",
    "plot_gradient_steps",
    "plot_kernel_on_grid",
    "plot_loss_curves",
    "plot_network_flow",
    "plot_pooling",
    "plot_trainable_shares",
]


def plot_conv_block(digit, stages: dict, *, title: str = ""):
    """One row per filter (chapter 01): the input digit, the filter's feature map, the
    map after ReLU and after 2x2 max-pooling. ``stages`` maps a filter's name to its
    three arrays ``(feature_map, after_relu, after_pool)``. Values are drawn red above
    0 and blue below; returns the figure."""
    import matplotlib.pyplot as plt

    digit = np.asarray(digit)
    if digit.ndim != 2 or not stages:
        raise ValueError(
            f"need a 2-D digit and at least one filter's stages, got a "
            f"{digit.ndim}-D digit and {len(stages)} filters"
        )
    fig, axes = plt.subplots(len(stages), 4, figsize=(9, 2.4 * len(stages)), squeeze=False)
    for row, (name, arrays) in zip(axes, stages.items()):
        if len(arrays) != 3:
            raise ValueError(
                f"{name}: give (feature_map, after_relu, after_pool), got {len(arrays)} arrays"
            )
        fmap, relu, pooled = map(np.asarray, arrays)
        row[0].imshow(digit, cmap="gray_r", vmin=0, vmax=digit.max() or 1)
        row[0].set_title(f"input {digit.shape}", fontsize=9)
        panels = [
            (fmap, f"{name}\n{fmap.shape}"),
            (relu, "after ReLU"),
            (pooled, f"after 2x2 max-pool\n{pooled.shape}"),
        ]
        for ax, (image, label) in zip(row[1:], panels):
            limit = np.abs(image).max() or 1  # symmetric, so 0 is white
            ax.imshow(image, cmap="RdBu_r", vmin=-limit, vmax=limit)
            ax.set_title(label, fontsize=9)
        for ax in row:
            ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_activations(activations: dict, x):
    """Activation functions (left) and their derivatives (right) on the inputs ``x``
    (chapter 01). ``activations`` maps a name to ``(function, derivative)``; returns
    the figure."""
    import matplotlib.pyplot as plt

    if not activations:
        raise ValueError("give at least one activation as name: (function, derivative)")
    x = np.asarray(x)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8))
    for name, (f, df) in activations.items():
        ax1.plot(x, f(x), label=name)
        ax2.plot(x, df(x), label=name)
    ax1.set(title="Activation functions", xlabel="x", ylim=(-1.5, 3))
    ax2.set(title="Their derivatives", xlabel="x", ylim=(-0.2, 1.2))
    for ax in (ax1, ax2):
        ax.axhline(0, color="grey", lw=0.6)
        ax.axvline(0, color="grey", lw=0.6)
    ax1.legend(fontsize=8)
    return fig


def busiest_window(values, size: int, *, step: int = 1) -> tuple[slice, slice]:
    """The rows and columns of the ``size`` x ``size`` window of ``values`` with the largest
    sum (chapter 01), its corner on a grid of ``step`` pixels (``step=2`` keeps a window
    aligned with 2x2 pooling): where a small figure of a feature map has most to show.
    The first such window wins a tie."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or size < 1 or size > min(values.shape) or step < 1:
        raise ValueError(
            f"need a 2-D array at least {size} x {size} and a step >= 1, got shape "
            f"{values.shape} and step {step}"
        )
    best, corner = -np.inf, (0, 0)
    for i in range(0, values.shape[0] - size + 1, step):
        for j in range(0, values.shape[1] - size + 1, step):
            total = values[i : i + size, j : j + size].sum()
            if total > best:
                best, corner = total, (i, j)
    i, j = corner
    return slice(i, i + size), slice(j, j + size)


def _number_grid(ax, values, *, fmt="{:.1f}", cmap="RdBu_r", limit=None, diverging=True):
    """``values`` as coloured cells with their numbers written in (chapter 01): centred
    on 0 when ``diverging``, else from 0 to ``limit``; dark cells get white numbers."""
    values = np.asarray(values, dtype=float)
    limit = limit or np.abs(values).max() or 1
    ax.imshow(values, cmap=cmap, vmin=-limit if diverging else 0, vmax=limit)
    for (i, j), v in np.ndenumerate(values):
        dark = abs(v) / limit > 0.6
        ax.text(
            j, i, fmt.format(v), ha="center", va="center", fontsize=8, color="w" if dark else "k"
        )
    ax.set_xticks([])
    ax.set_yticks([])


def plot_kernel_on_grid(grid, kernel, output, at: tuple[int, int]):
    """A kernel sliding over a small grid (chapter 01): the input grid with the kernel's
    window outlined at output position ``at``, the kernel, and the output grid with that
    position outlined; every cell shows its number. ``output`` is what the chapter
    computed (valid cross-correlation, so ``grid`` size - kernel size + 1); returns the
    figure."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    grid, kernel, output = (np.asarray(a, dtype=float) for a in (grid, kernel, output))
    k = kernel.shape[0]
    expected = (grid.shape[0] - k + 1, grid.shape[1] - kernel.shape[1] + 1)
    if grid.ndim != 2 or kernel.ndim != 2 or output.shape != expected:
        raise ValueError(
            f"a {grid.shape} grid and a {kernel.shape} kernel give a {expected} output, "
            f"got {output.shape}"
        )
    i, j = at
    if not (0 <= i < output.shape[0] and 0 <= j < output.shape[1]):
        raise ValueError(f"position {at} is outside the {output.shape} output")
    fig, axes = plt.subplots(
        1, 3, figsize=(10, 3.6), gridspec_kw={"width_ratios": [grid.shape[1], k, output.shape[1]]}
    )
    _number_grid(axes[0], grid, cmap="Greys", diverging=False)
    _number_grid(axes[1], kernel, fmt="{:g}")
    _number_grid(axes[2], output)
    axes[0].add_patch(
        Rectangle((j - 0.5, i - 0.5), kernel.shape[1], k, fill=False, ec="tab:orange", lw=3)
    )
    axes[2].add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="tab:orange", lw=3))
    axes[0].set_title(f"input {grid.shape[0]} x {grid.shape[1]}", fontsize=10)
    axes[1].set_title(f"kernel {k} x {kernel.shape[1]}", fontsize=10)
    axes[2].set_title(
        f"output {output.shape[0]} x {output.shape[1]}\n"
        f"output[{i}, {j}] = sum of {kernel.size} products = {output[i, j]:.1f}",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def plot_activation_on_map(feature_map, activated: dict):
    """What each activation does to one feature map (chapter 01): the map, then the map
    after each function in ``activated`` (name: the activated array), all on one colour
    scale centred on 0 (red above, blue below, white at 0); returns the figure."""
    import matplotlib.pyplot as plt

    feature_map = np.asarray(feature_map, dtype=float)
    if feature_map.ndim != 2 or not activated:
        raise ValueError(
            f"need a 2-D feature map and at least one activated copy, got a "
            f"{feature_map.ndim}-D map and {len(activated)} copies"
        )
    panels = {"feature map": feature_map, **{k: np.asarray(v) for k, v in activated.items()}}
    for name, values in panels.items():
        if values.shape != feature_map.shape:
            raise ValueError(f"{name}: shape {values.shape}, the map is {feature_map.shape}")
    limit = max(np.abs(v).max() for v in panels.values()) or 1
    fig, axes = plt.subplots(1, len(panels), figsize=(2.2 * len(panels), 2.8))
    for ax, (name, values) in zip(axes, panels.items()):
        image = ax.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(name, fontsize=9)
        ax.axis("off")
    fig.colorbar(image, ax=list(axes), shrink=0.8)
    return fig


def plot_pooling(grid, max_pooled, mean_pooled, size: int = 2):
    """A small feature map cut into ``size`` x ``size`` windows, the maximum of each
    outlined, and the max-pooled and average-pooled results beside it (chapter 01);
    every cell shows its number. The pooled arrays are what the chapter computed;
    returns the figure."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    grid = np.asarray(grid, dtype=float)
    expected = (grid.shape[0] // size, grid.shape[1] // size)
    for name, pooled in (("max_pooled", max_pooled), ("mean_pooled", mean_pooled)):
        if np.shape(pooled) != expected:
            raise ValueError(
                f"{name}: a {grid.shape} grid pooled {size} x {size} is {expected}, "
                f"got {np.shape(pooled)}"
            )
    limit = np.abs(grid).max() or 1
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.4), gridspec_kw={"width_ratios": [2, 1, 1]})
    _number_grid(axes[0], grid, limit=limit)
    for a in range(expected[0]):
        for b in range(expected[1]):
            block = grid[a * size : (a + 1) * size, b * size : (b + 1) * size]
            m, n = np.unravel_index(block.argmax(), block.shape)
            axes[0].add_patch(
                Rectangle(
                    (b * size + n - 0.5, a * size + m - 0.5),
                    1,
                    1,
                    fill=False,
                    ec="tab:orange",
                    lw=3,
                    zorder=3,
                )
            )
    for edge in range(0, max(grid.shape) + 1, size):
        axes[0].axhline(edge - 0.5, color="k", lw=1)
        axes[0].axvline(edge - 0.5, color="k", lw=1)
    _number_grid(axes[1], max_pooled, limit=limit)
    _number_grid(axes[2], mean_pooled, limit=limit)
    axes[0].set_title(f"feature map, {size} x {size} windows\n(the maximum of each outlined)")
    axes[1].set_title("max-pooling")
    axes[2].set_title("average pooling")
    fig.tight_layout()
    return fig


def plot_network_flow(digit, rows, *, ncols: int = 4):
    """One digit's way through a network (chapter 01): the digit, then each layer of
    :func:`~mnist_utils.layer_arithmetic.layer_table`'s ``rows`` drawn to scale (a map
    as a square whose side is its height, a stack of squares for its channels; a vector
    as a bar), labelled with the layer, its output shape and its parameters, ``ncols``
    panels a row, read left to right and top to bottom; returns the figure."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    digit = np.asarray(digit)
    if digit.ndim != 2 or not rows:
        raise ValueError(
            f"need a 2-D digit and at least one layer row, got a {digit.ndim}-D digit "
            f"and {len(rows)} rows"
        )
    nrows = -(-(len(rows) + 1) // ncols)
    fig, grid = plt.subplots(nrows, ncols, figsize=(2.4 * ncols, 3.3 * nrows), squeeze=False)
    axes = grid.ravel()
    for ax in axes[len(rows) + 1 :]:
        ax.set_visible(False)
    axes[0].imshow(digit, cmap="gray_r", extent=(0.1, 0.85, 0.1, 0.85))  # the maps' scale
    axes[0].add_patch(Rectangle((0.1, 0.1), 0.75, 0.75, fill=False, ec="grey"))
    axes[0].set(xlim=(0, 1), ylim=(0, 1), xticks=[], yticks=[])
    axes[0].set_title("input", fontsize=11)
    axes[0].set_xlabel(" x ".join(map(str, (*digit.shape, 1))), fontsize=11)
    longest = max((np.prod(row.out_shape) for row in rows if len(row.out_shape) == 1), default=10)
    for spine in axes[0].spines.values():
        spine.set_visible(False)
    for ax, row in zip(axes[1:], rows):
        shape = row.out_shape
        if len(shape) == 3:
            side = 0.75 * shape[0] / digit.shape[0]
            layers = min(shape[2], 8)
            for n in reversed(range(layers)):
                offset = 0.02 * n
                ax.add_patch(
                    Rectangle((0.1 + offset, 0.1 + offset), side, side, fc="tab:blue", ec="w")
                )
        else:
            height = 0.1 + 0.8 * np.log10(shape[0]) / np.log10(max(longest, 10))
            ax.add_patch(Rectangle((0.45, 0.5 - height / 2), 0.1, height, fc="tab:green"))
        ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal", xticks=[], yticks=[])
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_title(f"{row.name}\n{row.params:,} parameters", fontsize=11)
        ax.set_xlabel(" x ".join(map(str, shape)), fontsize=11)
    fig.tight_layout(h_pad=2.5)
    return fig


def plot_loss_curves(p_true, ce, se, grad_ce, grad_se):
    """Cross-entropy and squared error (left) and the size of their gradients on the
    true class's logit (right), against the probability the model gives the true class
    (chapter 01); both axes of the right panel are logarithmic. Returns the figure."""
    import matplotlib.pyplot as plt

    arrays = [np.asarray(a, dtype=float) for a in (p_true, ce, se, grad_ce, grad_se)]
    if len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1:
        raise ValueError(f"give five 1-D arrays of one length, got {[a.shape for a in arrays]}")
    p_true, ce, se, grad_ce, grad_se = arrays
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
    ax1.plot(p_true, ce, label="cross-entropy")
    ax1.plot(p_true, se, label="squared error")
    ax1.set(xscale="log", xlabel="probability of the true class", ylabel="loss", title="Loss")
    ax2.plot(p_true, np.abs(grad_ce), label="cross-entropy")
    ax2.plot(p_true, np.abs(grad_se), label="squared error")
    ax2.set(
        xscale="log",
        yscale="log",
        xlabel="probability of the true class",
        title="Size of the gradient on the true logit",
    )
    ax1.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_dropout(outputs, keep, dropped):
    """Dropout on one layer's outputs (chapter 01): the outputs, the random mask (white:
    kept, black: dropped) and what the next layer receives, the kept values scaled up;
    the outputs and the result share one colour scale. Returns the figure."""
    import matplotlib.pyplot as plt

    outputs, keep, dropped = np.asarray(outputs, float), np.asarray(keep), np.asarray(dropped)
    if not outputs.shape == keep.shape == dropped.shape or outputs.ndim != 2:
        raise ValueError(
            f"outputs, keep and dropped must be 2-D of one shape, got {outputs.shape}, "
            f"{keep.shape} and {dropped.shape}"
        )
    top = max(np.abs(outputs).max(), np.abs(dropped).max()) or 1
    fig, axes = plt.subplots(1, 3, figsize=(8, 3))
    axes[0].imshow(outputs, cmap="magma", vmin=0, vmax=top)
    axes[1].imshow(keep, cmap="gray", vmin=0, vmax=1)
    axes[2].imshow(dropped, cmap="magma", vmin=0, vmax=top)
    for ax, title in zip(axes, ["outputs", "mask (white: kept)", "after dropout"]):
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    fig.tight_layout()
    return fig


def plot_gradient_steps(w_grid, loss_grid, path_w, path_loss, slope):
    """Gradient descent on one weight (chapter 01): the loss against the weight, the
    tangent at the starting point with the given ``slope`` (the gradient), and the
    points that successive steps reach, joined in order. Returns the figure."""
    import matplotlib.pyplot as plt

    w_grid, loss_grid = np.asarray(w_grid, float), np.asarray(loss_grid, float)
    path_w, path_loss = np.asarray(path_w, float), np.asarray(path_loss, float)
    if w_grid.shape != loss_grid.shape or path_w.shape != path_loss.shape or len(path_w) < 2:
        raise ValueError(
            f"need a loss per grid weight and a loss per step (at least 2 points), got "
            f"{w_grid.shape}/{loss_grid.shape} and {path_w.shape}/{path_loss.shape}"
        )
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    ax.plot(w_grid, loss_grid, color="grey", label="loss L(w)")
    reach = np.array([-0.8, 0.8])
    ax.plot(
        path_w[0] + reach,
        path_loss[0] + slope * reach,
        ls="--",
        color="tab:red",
        label="slope at the start: the gradient",
    )
    ax.plot(path_w, path_loss, "o-", color="tab:blue", label="one point per step")
    ax.set(xlabel="weight w", ylabel="loss", ylim=(0, loss_grid.max()))
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_trainable_shares(trainable: dict, total: int):
    """The share of a model's parameters that each fine-tuning strategy trains
    (chapter 01), as horizontal bars on a logarithmic axis, each labelled with its share
    in percent; ``trainable`` maps a strategy to its trainable count. Returns the figure."""
    import matplotlib.pyplot as plt

    if not trainable or total < 1 or any(not 0 < n <= total for n in trainable.values()):
        raise ValueError(
            f"give each strategy's trainable count, between 1 and the total {total}: {trainable}"
        )
    names = list(trainable)[::-1]
    shares = [100 * trainable[name] / total for name in names]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(names) + 1))
    bars = ax.barh(names, shares, color="tab:blue")
    ax.bar_label(bars, labels=[f"{s:.3g}%" for s in shares], padding=3, fontsize=8)
    ax.set(xscale="log", xlabel="trainable parameters, % of the model", xlim=(None, 400))
    fig.tight_layout()
    return fig
