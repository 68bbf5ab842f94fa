"""Simulated epigenomes in the REMC release's shape: train / valid / test splits."""

from __future__ import annotations

from functools import partial

import numpy as np
from sklearn.utils import Bunch, check_random_state

from ._simulator import cell_type_names, make_histone_dataset

#: Genes per split in the DeepChrome release.
RELEASE_SIZES = (6601, 6601, 6600)


def simulate_epigenome(cell_type=None, n_genes=RELEASE_SIZES, random_state=None, **kwargs):
    """One simulated epigenome with ``train``, ``valid`` and ``test`` splits.

    Each split is an independent draw of :func:`make_histone_dataset` for the same cell
    type, so the splits share one generative model and each carries its exact Bayes
    ``posterior``.

    Parameters
    ----------
    cell_type : str, optional
        A preset of :data:`skdeepchrome.datasets.CELL_TYPES` (default preset when
        None).
    n_genes : (int, int, int), default=(6601, 6601, 6600)
        Genes in train, valid and test, as in the release.
    random_state : int or None
    **kwargs
        Passed to :func:`make_histone_dataset`.

    Returns
    -------
    Bunch
        ``train``, ``valid``, ``test`` (each as from :func:`make_histone_dataset`),
        ``epigenome`` (the cell type's name) and ``marks``.

    Examples
    --------
    >>> epi = simulate_epigenome("blood", n_genes=(50, 20, 30), random_state=0)
    >>> epi.epigenome, epi.train.data.shape, epi.test.posterior.shape
    ('blood', (50, 500), (30,))
    """
    if len(n_genes) != 3:
        raise ValueError(f"n_genes needs three sizes (train, valid, test), got {n_genes!r}.")
    rng = check_random_state(random_state)
    seeds = rng.randint(np.iinfo(np.int32).max, size=3)
    splits = {
        split: make_histone_dataset(n_genes=int(n), cell_type=cell_type, random_state=int(seed),
                                    **kwargs)
        for split, n, seed in zip(("train", "valid", "test"), n_genes, seeds)
    }
    name = splits["train"].get("cell_type", cell_type)
    return Bunch(**splits, epigenome=name, marks=tuple(splits["train"].marks))


def simulated_collection(cell_types=None, n_genes=RELEASE_SIZES, random_state=None, **kwargs):
    """Lazy simulated epigenomes, one per cell-type preset: ``{name: loader}``.

    Each value is a zero-argument callable that simulates its epigenome when called, so
    :func:`skdeepchrome.compare.paper_protocol` can generate each inside its own worker.

    Examples
    --------
    >>> collection = simulated_collection(["blood", "fibroblast"], n_genes=(40, 20, 20),
    ...                                   random_state=0)
    >>> sorted(collection)
    ['blood', 'fibroblast']
    >>> collection["blood"]().valid.data.shape
    (20, 500)
    """
    names = list(cell_type_names() if cell_types is None else cell_types)
    if not names:
        raise ValueError("cell_types is empty.")
    unknown = sorted(set(names) - set(cell_type_names()))
    if unknown:
        raise ValueError(f"Unknown cell type(s) {unknown}; presets are {cell_type_names()}.")
    rng = check_random_state(random_state)
    seeds = rng.randint(np.iinfo(np.int32).max, size=len(names))
    return {
        name: partial(simulate_epigenome, name, n_genes, int(seed), **kwargs)
        for name, seed in zip(names, seeds)
    }
