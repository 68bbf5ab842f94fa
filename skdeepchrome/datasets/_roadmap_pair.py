"""The shipped Roadmap sample as a pair of cells, for differential expression (DeepDiff)."""

from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch

from ..layout import feature_names, pair_marks, stack_cells
from ._fold_change import log2_fold_change
from ._roadmap_sample import EPIGENOMES, load_roadmap_sample

__all__ = ["DEEPDIFF_PAIR", "load_roadmap_pair"]

#: DeepDiff's own sample pair: Cell1 = E123 (K562), Cell2 = E003 (H1).
DEEPDIFF_PAIR = ("E123", "E003")
#: The expression a fold change can be taken of.
FOLD_CHANGE_OF = ("counts", "rpkm")


def load_roadmap_pair(pair=DEEPDIFF_PAIR, *, fold_change_of="counts", window=None):
    """The same 600 genes in two Roadmap epigenomes, stacked, with their log2 fold change.

    Parameters
    ----------
    pair : (str, str), default=("E123", "E003")
        First and second cell; the fold change is first over second (DeepDiff's order:
        K562 over H1).
    fold_change_of : {"counts", "rpkm"}, default="counts"
        ``"counts"``: DeepDiff's ``log2((count_1 + 1) / (count_2 + 1))`` of Roadmap's raw
        RNA-seq read counts; ``"rpkm"``: the same rule on RPKM.
    window : (int, int), default=None
        As in :func:`~skdeepchrome.datasets.load_roadmap_sample` (``None``: all 200 bins).

    Returns
    -------
    Bunch
        ``data``: the pair matrix (:mod:`skdeepchrome.layout`), float32 ``(600, 2 *
        5 * n_bins)``, marks ``"E123:H3K27me3", ...``; ``target``: the log2 fold change;
        ``cell_expression``: ``(600, 2)`` ``log2(value + 1)`` of each cell (so
        ``target == cell_expression[:, 0] - cell_expression[:, 1]``), the auxiliary
        targets of :class:`~skdeepchrome.estimators.DeepDiffRegressor`;
        ``counts`` and ``rpkm`` ``(600, 2)``; ``cells``; ``marks`` (the pair's);
        ``cell_marks``; ``n_bins``; ``gene_ids``; ``symbols``; ``strand``; ``split``;
        ``feature_names``; ``fold_change_of``; ``DESCR``.

    Examples
    --------
    >>> pair = load_roadmap_pair(window=(-5000, 5000))
    >>> pair.data.shape, pair.marks[5], round(float(pair.target[0]), 3)
    ((600, 1000), 'E003:H3K27me3', -2.739)
    """
    pair = tuple(pair)
    if len(pair) != 2 or pair[0] == pair[1] or not set(pair) <= set(EPIGENOMES):
        raise ValueError(f"pair must be two different epigenomes of the sample {EPIGENOMES}, "
                         f"e.g. ('E123', 'E003'); got {pair!r}.")
    if fold_change_of not in FOLD_CHANGE_OF:
        raise ValueError(f"fold_change_of must be one of {FOLD_CHANGE_OF}, got "
                         f"{fold_change_of!r}.")
    first, second = (load_roadmap_sample(e, window=window) for e in pair)
    data = stack_cells(first.data, second.data, marks=first.marks, cells=pair)
    values = np.column_stack([first[fold_change_of], second[fold_change_of]]).astype(float)
    marks = pair_marks(first.marks, pair)
    return Bunch(
        data=data,
        target=log2_fold_change(values[:, 0], values[:, 1]),
        cell_expression=np.log2(values + 1.0),
        counts=np.column_stack([first.counts, second.counts]),
        rpkm=np.column_stack([first.rpkm, second.rpkm]),
        cells=pair,
        marks=marks,
        cell_marks=first.marks,
        n_bins=first.n_bins,
        window=first.window,
        gene_ids=first.gene_ids,
        symbols=first.symbols,
        strand=first.strand,
        split=first.split,
        feature_names=feature_names(marks, first.n_bins),
        fold_change_of=fold_change_of,
        DESCR=(f"The Roadmap sample's 600 genes in {pair[0]} and {pair[1]}, stacked as a pair "
               f"(first cell's marks, then the second's); target = log2(({fold_change_of}_1 + "
               f"1) / ({fold_change_of}_2 + 1)).\n\n" + first.DESCR),
    )
