"""Pictures of a differential model: what drives the predicted fold change, per cell and mark."""

from __future__ import annotations

import numpy as np

from ..baselines import CEILING
from ..interpret._positions import DEFAULT_FLANK
from ..layout import resolve_marks
from ._figure import figure_and_axes
from ._interpretation import plot_marks_by_bins
from ._labels import model_colour, model_label

#: At most this many panels per row of the predicted-vs-observed picture.
SCATTER_COLUMNS = 4


def plot_differential_attribution(attr, cells, marks, *, flank=DEFAULT_FLANK, absolute=False,
                                  title=None):
    """Mean attribution of the fold change per mark and bin, one heatmap per cell, and each
    (cell, mark)'s total beside them.

    Parameters
    ----------
    attr : ndarray of shape (n_genes, 2, n_marks, n_bins)
        From :func:`skdeepchrome.interpret.differential_attributions`
        (e.g. of the genes predicted up, or all).
    cells : (str, str)
        The cells, first (the fold change's numerator) then second.
    marks : sequence of str
        Each cell's marks.
    flank : int, default=5000
        Base pairs either side of the TSS that the bins tile.
    absolute : bool, default=False
        Mean absolute attribution (how much a position matters either way) instead of the
        signed mean (red: pushes toward higher expression in the first cell).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> attr = np.random.default_rng(0).normal(size=(4, 2, 5, 20))
    >>> marks = ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]
    >>> fig = plot_differential_attribution(attr, ("E123", "E003"), marks)
    >>> [ax.get_title() for ax in fig.axes[:3:2]]
    ['E123', 'E003']
    """
    attr = np.asarray(attr, dtype=float)
    marks = resolve_marks(marks)
    if attr.ndim != 4 or attr.shape[1] != 2 or attr.shape[2] != len(marks):
        raise ValueError(f"attr must be (n_genes, 2, {len(marks)}, n_bins) from "
                         f"differential_attributions, got shape {attr.shape}.")
    cells = tuple(cells)
    if len(cells) != 2:
        raise ValueError(f"cells must name the two cells, got {cells!r}.")
    maps = (np.abs(attr) if absolute else attr).mean(axis=0)
    limit = float(np.abs(maps).max()) or 1.0
    fig, axes = figure_and_axes(figsize=(11, 0.9 * len(marks) + 2.5), nrows=2, ncols=2,
                                gridspec_kw={"width_ratios": (4, 1)})
    totals = (np.abs(attr).sum(axis=3) if absolute else attr.sum(axis=3)).mean(axis=0)
    span = float(np.abs(totals).max()) or 1.0
    label = "mean |attribution|" if absolute else "mean attribution to the log2 FC"
    for c, cell in enumerate(cells):
        plot_marks_by_bins(maps[c], marks, flank=flank, diverging=not absolute,
                           vmin=None if not absolute else 0.0, vmax=limit,
                           colorbar_label=label, title=cell, ax=axes[c, 0])
        bars = axes[c, 1]
        colours = ["#b2182b" if v > 0 else "#2166ac" for v in totals[c]]
        bars.barh(np.arange(len(marks)), totals[c], color=colours)
        bars.set_yticks(np.arange(len(marks)), marks)
        bars.invert_yaxis()
        bars.axvline(0.0, color="black", lw=0.8)
        bars.set_xlim(-span * 1.1 if not absolute else 0, span * 1.1)
        bars.set_title(f"{cell}: per mark")
        bars.set_xlabel("summed over bins")
    if title:
        fig.suptitle(title)
    return fig


def plot_predicted_vs_observed(result, models=None):
    """Each model's held-out predicted log2 fold change against the observed one.

    One small panel per model (best first; the Bayes ceiling first when the data have
    one), every gene once (from the fold that held it out), on the same axes in every
    panel, with the identity line and the Pearson r of the pooled held-out genes. A
    model that predicts well puts its genes along the diagonal; one that predicts only
    the direction puts them in the two matching quadrants.

    Parameters
    ----------
    result : ComparisonResult
        Of :func:`skdeepchrome.compare.compare_differential` (``predictions`` holds
        ``y_true`` and ``score``, the predicted fold change).
    models : list of str, optional
        Default every model of the result, best first.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepchrome.compare import compare_differential
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(3.0, size=(120, 10, 10)).astype(float)
    >>> lfc = np.log2(X[:, 3].sum(1) + 1) - np.log2(X[:, 8].sum(1) + 1)
    >>> result = compare_differential(X, lfc, models=["ridge_difference"], cv=3,
    ...                               random_state=0, reference="ridge_difference",
    ...                               verbose=0)
    >>> fig = plot_predicted_vs_observed(result)
    >>> fig.axes[0].get_title().split(":")[0]
    'ridge difference'
    """
    predictions = result.predictions
    if models is None:
        models = list(getattr(result, "ranked_models", result.models))
        if CEILING in set(predictions["model"]):
            models = [CEILING, *models]
    models = [m for m in models if (predictions["model"] == m).any()]
    if not models:
        raise ValueError("The result holds no predictions to draw.")
    shown = predictions[predictions["model"].isin(models)]
    values = np.r_[shown["y_true"].to_numpy(float), shown["score"].to_numpy(float)]
    values = values[np.isfinite(values)]
    low, high = (np.percentile(values, [0.5, 99.5]) if len(values) else (-1.0, 1.0))
    pad = 0.05 * max(high - low, 1e-6)
    limits = (low - pad, high + pad)
    ncols = min(SCATTER_COLUMNS, len(models))
    nrows = int(np.ceil(len(models) / ncols))
    fig, axes = figure_and_axes(figsize=(2.9 * ncols + 0.6, 3.1 * nrows + 0.9), nrows=nrows,
                                ncols=ncols, squeeze=False, sharex=True, sharey=True)
    axes = list(axes.ravel())
    for extra in axes[len(models):]:
        extra.set_visible(False)
    for ax, model in zip(axes, models):
        rows = predictions[predictions["model"] == model]
        observed = rows["y_true"].to_numpy(float)
        predicted = rows["score"].to_numpy(float)
        colour = "black" if model == CEILING else model_colour(model)
        ax.scatter(observed, predicted, s=5, alpha=0.5, color=colour, linewidths=0,
                   rasterized=True)
        ax.plot(limits, limits, color="grey", lw=0.8, ls="--")
        ax.axhline(0.0, color="#cccccc", lw=0.6, zorder=0)
        ax.axvline(0.0, color="#cccccc", lw=0.6, zorder=0)
        finite = np.isfinite(observed) & np.isfinite(predicted)
        r = (np.corrcoef(observed[finite], predicted[finite])[0, 1]
             if finite.sum() > 2 and np.std(predicted[finite]) > 0 else np.nan)
        ax.set_title(f"{model_label(model)}: r = {r:.3f}", fontsize=9)
        ax.set(xlim=limits, ylim=limits)
        ax.set_box_aspect(1)
    for i, ax in enumerate(axes[:len(models)]):
        if i + ncols >= len(models):  # no panel below it
            ax.set_xlabel("observed log2 FC")
            ax.xaxis.set_tick_params(labelbottom=True)
        if i % ncols == 0:
            ax.set_ylabel("predicted log2 FC")
    fig.suptitle(f"Held-out genes, predicted against observed log2 fold change "
                 f"({len(models)} models, best first; dashed: perfect prediction)",
                 fontsize=10)
    return fig
