"""Differential expression between two cells: the log2 fold change and up / down labels.

DeepDiff (Sekhon, Singh & Qi, Bioinformatics 2018) regresses
``log2((count_1 + 1) / (count_2 + 1))`` of each gene's raw RNA-seq read counts in the two
cells. The same rule on RPKM (``log2((rpkm_1 + 1) / (rpkm_2 + 1))``) corrects for each
library's depth and gene length, which cancel between cells in a count ratio only when
the two libraries are equally deep: a pure depth difference shifts every count LFC by a
constant, which Pearson correlation ignores but R² does not.
"""

from __future__ import annotations

import numpy as np

__all__ = ["UPDOWN_THRESHOLD", "log2_fold_change", "updown_labels"]

#: Absolute log2 fold change at or above which a gene is called up or down (a two-fold change).
UPDOWN_THRESHOLD = 1.0


def log2_fold_change(value_1, value_2, *, pseudocount=1.0):
    """``log2((value_1 + pseudocount) / (value_2 + pseudocount))`` per gene.

    Parameters
    ----------
    value_1, value_2 : array-like of shape (n_genes,)
        Non-negative expression of the same genes in the first and the second cell: raw
        RNA-seq read counts (DeepDiff's rule) or RPKM (depth- and length-normalised).
    pseudocount : float, default=1.0
        Added to both, so unexpressed genes have a finite ratio.

    Returns
    -------
    ndarray of shape (n_genes,)
        Positive where the first cell expresses the gene more.

    Examples
    --------
    >>> log2_fold_change([3, 0, 7], [1, 0, 31]).tolist()
    [1.0, 0.0, -2.0]
    """
    a = np.asarray(value_1, dtype=np.float64)
    b = np.asarray(value_2, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"value_1 and value_2 must be 1-D with one value per gene, the same "
                         f"genes; got shapes {a.shape} and {b.shape}.")
    if not (pseudocount > 0):
        raise ValueError(f"pseudocount must be positive, got {pseudocount!r}.")
    for name, v in (("value_1", a), ("value_2", b)):
        if not np.isfinite(v).all() or (v < 0).any():
            bad = np.flatnonzero(~np.isfinite(v) | (v < 0))
            raise ValueError(f"{name} must hold finite, non-negative expression; {len(bad)} "
                             f"genes do not (positions {bad[:5].tolist()}).")
    return np.log2(a + pseudocount) - np.log2(b + pseudocount)


def updown_labels(lfc, threshold=UPDOWN_THRESHOLD):
    """``1`` (up), ``-1`` (down) or ``0`` (unchanged: ``|lfc| < threshold``) per gene.

    Examples
    --------
    >>> updown_labels([2.5, -1.0, 0.3]).tolist()
    [1, -1, 0]
    """
    lfc = np.asarray(lfc, dtype=np.float64)
    if not threshold >= 0:
        raise ValueError(f"threshold must be a non-negative |log2 fold change|, got "
                         f"{threshold!r}.")
    return np.where(lfc >= threshold, 1, np.where(lfc <= -threshold, -1, 0)).astype(np.int64)
