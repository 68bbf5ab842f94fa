"""Pictures of what a model learnt: class-optimal inputs, attributions, mark importance, profiles.

Every x axis is in kb relative to the TSS (upstream negative), with the TSS marked.
"""

from __future__ import annotations

import numpy as np

from ..interpret import mark_profiles
from ..interpret._positions import DEFAULT_FLANK
from ..layout import REMC_MARKS, resolve_marks
from ._figure import figure_and_axes as _figure
from ._labels import metric_label

_CLASS_NAMES = {1: "high", 0: "low", -1: "low"}


def class_name(label):
    """Display name of a class: ``"high"`` for 1, ``"low"`` for 0 or -1, else the label.

    Examples
    --------
    >>> class_name(1), class_name(0), class_name("tissue-specific")
    ('high', 'low', 'tissue-specific')
    """
    if isinstance(label, (bool, np.bool_)):
        return str(label)
    try:
        return _CLASS_NAMES.get(label, str(label))
    except TypeError:
        return str(label)


def _check_map(values, marks):
    values = np.asarray(values, dtype=float)
    if values.ndim != 2:
        raise ValueError(f"values must be (n_marks, n_bins), got shape {values.shape}.")
    marks = resolve_marks(marks)
    if len(marks) != values.shape[0]:
        raise ValueError(f"values has {values.shape[0]} marks but {len(marks)} names were given.")
    return values, marks


def _mark_tss(ax, vertical=True, color="black"):
    (ax.axvline if vertical else ax.axhline)(0.0, color=color, lw=0.8, ls="--")


def plot_marks_by_bins(
    values,
    marks=REMC_MARKS,
    *,
    flank=DEFAULT_FLANK,
    diverging=False,
    vmin=None,
    vmax=None,
    cmap=None,
    colorbar_label=None,
    title=None,
    ax=None,
):
    """Heatmap of a marks x bins matrix: marks as rows, bins in kb from the TSS as columns.

    Parameters
    ----------
    values : array-like of shape (n_marks, n_bins)
    marks : sequence of str, default=REMC_MARKS
    flank : int, default=5000
        Base pairs either side of the TSS that the bins tile.
    diverging : bool, default=False
        Signed values (attributions): a diverging map centred on 0.
    vmin, vmax : float, optional
        Colour limits; by default the data's (symmetric when ``diverging``).
    cmap : str, optional
        ``"RdBu_r"`` when diverging, else ``"viridis"``.
    colorbar_label, title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_marks_by_bins(np.random.default_rng(0).random((5, 100)))
    >>> fig.axes[0].get_xlabel()
    'Position relative to TSS (kb)'
    """
    values, marks = _check_map(values, marks)
    fig, ax = _figure(ax, (8, 0.45 * len(marks) + 1.4))
    if diverging:
        limit = np.nanmax(np.abs(values)) if vmax is None else vmax
        limit = limit if limit > 0 else 1.0
        vmin, vmax = -limit, limit
    edge = flank / 1000
    image = ax.imshow(
        values, aspect="auto", interpolation="nearest",
        cmap=cmap or ("RdBu_r" if diverging else "viridis"), vmin=vmin, vmax=vmax,
        extent=(-edge, edge, len(marks) - 0.5, -0.5),
    )
    # Black vanishes on viridis's dark end, white on a diverging map's white zero.
    _mark_tss(ax, color="black" if diverging else "white")
    ax.set_yticks(np.arange(len(marks)), marks)
    ax.set_xlabel("Position relative to TSS (kb)")
    if title:
        ax.set_title(title)
    colorbar = fig.colorbar(image, ax=ax, pad=0.01)
    if colorbar_label:
        colorbar.set_label(colorbar_label)
    return fig


def plot_class_optimal_inputs(results, *, normalize="auto", axes=None):
    """DeepChrome's figure: the class-optimal input of each class, as marks x bins heatmaps.

    Parameters
    ----------
    results : ClassOptimalInput or sequence of them
        From :func:`skdeepchrome.interpret.class_optimal_input`, e.g. one per class.
    normalize : {"auto", "bounds", "max", None}, default="auto"
        ``"bounds"``: each mark as the fraction of its valid range used, measured in the
        scale the network reads (``log1p`` of counts after a ``log1p`` binner), so marks
        whose counts differ by orders of magnitude become comparable; ``"max"``: divided
        by the map's maximum, as in the paper; ``None``: input values. ``"auto"`` is
        ``"bounds"`` when every bound is finite, else ``"max"``.
    axes : sequence of matplotlib Axes, optional
        One per result.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepchrome.interpret import ClassOptimalInput
    >>> res = ClassOptimalInput(values=np.ones((5, 10)), marks=REMC_MARKS, target_class=1,
    ...                         score=2.0, objective=1.5, flank=5000, scale=None,
    ...                         bounds=(np.zeros((5, 10)), np.full((5, 10), 2.0)),
    ...                         history=np.zeros(3))
    >>> plot_class_optimal_inputs(res).axes[0].get_title()
    'Optimal input for high expression (score 2.00)'
    """
    if not isinstance(results, (list, tuple)):
        results = [results]
    if not results:
        raise ValueError("results is empty; pass one ClassOptimalInput per class.")
    if normalize not in ("auto", "bounds", "max", None):
        raise ValueError(f"normalize must be 'auto', 'bounds', 'max' or None, got {normalize!r}.")
    if axes is None:
        n_marks = len(results[0].marks)
        fig, axes = _figure(None, (8, len(results) * (0.45 * n_marks + 1.3)),
                            nrows=len(results), squeeze=False)
        axes = axes[:, 0]
    elif len(axes) != len(results):
        raise ValueError(f"axes has {len(axes)} Axes for {len(results)} results.")
    for result, ax in zip(results, axes):
        scaled, low, high = result.scaled()
        mode = normalize
        if mode == "auto":
            mode = "bounds" if np.isfinite(low).all() and np.isfinite(high).all() else "max"
        values, label = result.values, "input value"
        if mode == "bounds":
            span = np.where(high > low, high - low, 1.0)
            values = (scaled - low) / span
            label = "fraction of the mark's range" + (f" ({result.scale})" if result.scale
                                                      else "")
        elif mode == "max":
            peak = np.abs(values).max()
            values, label = values / (peak if peak > 0 else 1.0), "value / maximum"
        plot_marks_by_bins(
            values, result.marks, flank=result.flank, colorbar_label=label, ax=ax,
            vmin=0 if mode in ("bounds", "max") and values.min() >= 0 else None,
            vmax=1 if mode in ("bounds", "max") else None,
            title=f"Optimal input for {class_name(result.target_class)} expression "
                  f"(score {result.score:.2f})",
        )
    return axes[0].figure


def plot_position_attribution(values, marks=REMC_MARKS, *, flank=DEFAULT_FLANK, title=None,
                              ax=None):
    """Mean attribution of every mark in every bin, red pushing toward the class, blue away.

    Parameters
    ----------
    values : array-like of shape (n_marks, n_bins)
        E.g. :func:`skdeepchrome.interpret.position_attribution` of the high genes.
    marks : sequence of str, default=REMC_MARKS
    flank : int, default=5000
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_position_attribution(np.linspace(-1, 1, 500).reshape(5, 100))
    >>> fig.axes[1].get_ylabel()
    'mean attribution'
    """
    return plot_marks_by_bins(values, marks, flank=flank, diverging=True, title=title,
                              colorbar_label="mean attribution", ax=ax)


def plot_mark_importance(table, *, value="importance", error="sd", ax=None):
    """Horizontal bars of each mark's importance, with error bars.

    Parameters
    ----------
    table : DataFrame
        From :func:`skdeepchrome.interpret.mark_importance` (or
        :func:`~skdeepchrome.interpret.mark_attribution` with ``value="attribution"``).
    value, error : str
        Columns holding the bar lengths and the error bars (``error=None`` for none).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"mark": ["H3K4me3", "H3K9me3"], "importance": [0.2, 0.01],
    ...                       "sd": [0.02, 0.01], "method": "permutation",
    ...                       "scoring": "roc_auc"})
    >>> plot_mark_importance(table).axes[0].get_xlabel()
    'Drop in ROC AUC (permutation)'
    """
    missing = [c for c in ("mark", value, error) if c is not None and c not in table]
    if missing:
        raise ValueError(f"table lacks the columns {missing}; it has {list(table.columns)}.")
    fig, ax = _figure(ax, (5.5, 0.45 * len(table) + 1.5))
    y = np.arange(len(table))[::-1]
    xerr = table[error].to_numpy(dtype=float) if error else None
    ax.barh(y, table[value].to_numpy(dtype=float), xerr=xerr, capsize=3, color="C0")
    ax.axvline(0.0, color="black", lw=0.8)
    ax.set_yticks(y, table["mark"].tolist())
    if "scoring" in table and "method" in table:
        ax.set_xlabel(f"Drop in {metric_label(table['scoring'].iloc[0])} "
                      f"({table['method'].iloc[0]})")
        ax.set_title("Mark importance" + (" (error bars: sd over repeats)" if error else ""))
    else:
        ax.set_xlabel(value)
    return fig


def plot_mark_profiles(X, y, marks=None, *, scale=None, flank=DEFAULT_FLANK, axes=None):
    """Average profile of each mark around the TSS for each class, one small panel per mark.

    Bands are +-1 standard error of the mean; the legend says so.

    Parameters
    ----------
    X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
    y : array-like of shape (n_genes,)
    marks : sequence of str, optional
        ``None`` takes them from ``X``, else the five REMC marks.
    scale : {None, "log1p"}, default=None
        Average counts, or ``log1p`` of counts.
    flank : int, default=5000
    axes : sequence of matplotlib Axes, optional
        One per mark.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> fig = plot_mark_profiles(rng.poisson(2.0, (40, 500)), np.arange(40) % 2)
    >>> len(fig.axes), fig.axes[0].get_title()
    (5, 'H3K27me3')
    """
    table = mark_profiles(X, y, marks, scale=scale, flank=flank)
    names = list(dict.fromkeys(table["mark"]))
    own_figure = axes is None
    if own_figure:
        n_cols = min(len(names), 5)
        n_rows = int(np.ceil(len(names) / n_cols))
        fig, grid = _figure(None, (2.6 * n_cols + 0.5, 2.4 * n_rows + 0.4), nrows=n_rows,
                            ncols=n_cols, squeeze=False, sharex=True)
        axes = grid.ravel()
        for extra in axes[len(names):]:
            extra.set_visible(False)
    elif len(axes) != len(names):
        raise ValueError(f"axes has {len(axes)} Axes for {len(names)} marks.")
    ylabel = "mean log1p(reads)" if scale == "log1p" else "mean reads per bin"
    for i, (mark, ax) in enumerate(zip(names, axes)):
        for label, group in table[table["mark"] == mark].groupby("class", sort=True):
            x, mean, sem = (group[c].to_numpy() for c in ("position_kb", "mean", "sem"))
            line, = ax.plot(x, mean, lw=1.3,
                            label=f"{class_name(label)} (n={group['n_genes'].iloc[0]})")
            ax.fill_between(x, mean - sem, mean + sem, color=line.get_color(), alpha=0.25,
                            lw=0)
        _mark_tss(ax)
        ax.set_title(mark)
        ax.set_xlabel("kb from TSS")
        if i == 0:
            ax.set_ylabel(ylabel)
    fig = axes[0].figure
    handles, labels = axes[0].get_legend_handles_labels()
    # Every mark on the picture is named: the bands and the TSS line too.
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles += [Patch(color="grey", alpha=0.35, lw=0),
                Line2D([], [], color="black", lw=0.8, ls="--")]
    labels += ["band: ±1 standard error of the mean", "TSS"]
    if own_figure:
        # One legend for all panels, above them, where it hides no curve.
        fig.legend(handles, labels, loc="outside upper center", ncols=len(labels),
                   frameon=False)
    else:
        axes[0].legend(fontsize="small", frameon=False)
    return fig
