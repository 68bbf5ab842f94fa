"""Pictures of a differential model: what drives the predicted fold change, per cell and mark."""

from __future__ import annotations

import numpy as np

from ..interpret._positions import DEFAULT_FLANK
from ..layout import resolve_marks
from ._figure import figure_and_axes
from ._interpretation import plot_marks_by_bins


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
