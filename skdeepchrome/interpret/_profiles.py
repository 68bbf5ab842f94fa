"""Average profile of every mark around the TSS, per class: the first plot a biologist makes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..layout import REMC_MARKS, infer_marks, resolve_marks, to_3d
from ._positions import DEFAULT_FLANK, bin_centres_kb


def mark_profiles(X, y, marks=None, *, scale=None, flank=DEFAULT_FLANK):
    """Mean signal of each mark in each bin for the genes of each class, with its error.

    Parameters
    ----------
    X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
    y : array-like of shape (n_genes,)
        Class labels (e.g. 1 for high, 0 for low expression).
    marks : int or sequence of str, default=None
        ``None`` takes them from ``X``, else the five REMC marks.
    scale : {None, "log1p"}, default=None
        Average the counts themselves, or ``log1p`` of them (less dominated by a few
        very marked genes).
    flank : int, default=5000
        Base pairs either side of the TSS covered by the bins.

    Returns
    -------
    DataFrame
        One row per class, mark and bin: ``class``, ``mark``, ``bin``, ``position_kb``
        (bin centre), ``mean``, ``sem`` (standard error of the mean), ``n_genes``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[[0.0, 2.0]], [[4.0, 6.0]]])
    >>> mark_profiles(X, [0, 1], ["H3K4me3"], flank=100)[["class", "position_kb", "mean"]]
       class  position_kb  mean
    0      0        -0.05   0.0
    1      0         0.05   2.0
    2      1        -0.05   4.0
    3      1         0.05   6.0
    """
    if scale not in (None, "log1p"):
        raise ValueError(f"scale must be None or 'log1p', got {scale!r}.")
    if marks is None:
        marks = infer_marks(X) or REMC_MARKS
    X = np.asarray(X, dtype=np.float64)
    marks = resolve_marks(marks, X.shape[1] if X.ndim == 2 else None)
    X3 = to_3d(X, len(marks))
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(X3):
        raise ValueError(f"y must hold one label per gene ({len(X3)}), got shape {y.shape}.")
    if scale == "log1p":
        if (X3 < 0).any():
            raise ValueError("scale='log1p' needs non-negative counts.")
        X3 = np.log1p(X3)
    n_bins = X3.shape[2]
    positions = bin_centres_kb(n_bins, flank)
    frames = []
    for label in np.unique(y):
        group = X3[y == label]
        sem = (group.std(axis=0, ddof=1) / np.sqrt(len(group)) if len(group) > 1
               else np.full(group.shape[1:], np.nan))
        frames.append(pd.DataFrame({
            "class": label,
            "mark": np.repeat(np.asarray(marks, dtype=object), n_bins),
            "bin": np.tile(np.arange(n_bins), len(marks)),
            "position_kb": np.tile(positions, len(marks)),
            "mean": group.mean(axis=0).ravel(),
            "sem": sem.ravel(),
            "n_genes": len(group),
        }))
    return pd.concat(frames, ignore_index=True)
