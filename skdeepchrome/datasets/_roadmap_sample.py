"""A real sample shipped with the package: 600 genes of two Roadmap epigenomes.

Read counts of five histone marks around the TSS of the same 600 genes in H1 embryonic
stem cells (E003) and K562 leukaemia cells (E123), from the sample data of DeepDiffChrome
(Apache License 2.0), with DeepChrome's high/low labels from Roadmap's RPKM table. It is
small enough to ship (about 0.5 MB) and real enough to show what the models do on real
data, without downloading anything. ``_build_roadmap_sample`` regenerates it.
"""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..layout import HistoneMatrix, feature_names

__all__ = ["load_roadmap_sample", "roadmap_sample_epigenomes"]

EPIGENOMES = ("E003", "E123")
_NPZ = "roadmap_sample.npz"
_DESCR = "roadmap_sample.rst"
#: DeepChrome's window: TSS +/- 5 kb, 100 bins of 100 bp.
DEEPCHROME_WINDOW = (-5000, 5000)


def _data_file(name):
    return resources.files(__package__).joinpath("data", name)


def _read_archive():
    with _data_file(_NPZ).open("rb") as handle, np.load(handle, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def _crop(window, flank, bin_size):
    if window is None:
        return slice(None), (-flank, flank)
    try:
        start, end = (int(v) for v in window)
    except (TypeError, ValueError):
        raise ValueError(f"window must be a (start, end) pair of base pairs relative to the "
                         f"TSS, e.g. (-5000, 5000); got {window!r}.") from None
    if not -flank <= start < end <= flank or start % bin_size or end % bin_size:
        raise ValueError(
            f"window {window!r} must lie within [-{flank}, {flank}] bp of the TSS with "
            f"start < end on {bin_size}-bp bin boundaries, e.g. (-5000, 5000)."
        )
    return slice((start + flank) // bin_size, (end + flank) // bin_size), (start, end)


def load_roadmap_sample(epigenome=None, *, return_X_y=False, as_frame=False, window=None):
    """Load 600 real genes of E003 (H1) and E123 (K562): histone read counts and labels.

    Five marks (REMC order ``H3K27me3, H3K36me3, H3K4me1, H3K4me3, H3K9me3``) of
    Roadmap ChIP-seq read counts in 200 bins of 100 bp from 10 kb upstream to 10 kb
    downstream of each gene's TSS, oriented 5' -> 3' with the gene's strand; the label is
    DeepChrome's rule (RPKM above the median of all 19,795 protein-coding genes of the
    epigenome). The genes come split 200 / 200 / 200 into train, valid and test, the same
    genes in both epigenomes. See ``DESCR`` for provenance and licence.

    Parameters
    ----------
    epigenome : {"E003", "E123"} or None, default=None
        One epigenome, or ``None`` for both: then a Bunch keyed by epigenome whose values
        are what each epigenome alone returns (a Bunch, or with ``return_X_y`` an
        ``(X, y)`` tuple).
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        ``data`` is a DataFrame with the feature names as columns and the gene ids as
        index, ``target`` a Series, and ``frame`` holds both.
    window : (int, int), default=None
        Crop to ``[start, end)`` bp around the TSS, on bin boundaries;
        ``(-5000, 5000)`` gives DeepChrome's 100 bins. ``None`` keeps all 200.

    Returns
    -------
    Bunch or tuple
        ``data`` float32 ``(600, 5 * n_bins)`` mark-major read counts (see
        :mod:`skdeepchrome.layout`); ``target`` int64 (1 = high); ``expression``
        ``log1p(RPKM)``; ``rpkm``; ``rpkm_median`` (the label threshold); ``counts``
        (the gene's RNA-seq read count, Roadmap's ``57epigenomes.N.pc``); ``gene_ids``
        (Ensembl, no version); ``symbols``; ``strand``; ``split`` (``"train"``,
        ``"valid"``, ``"test"``); ``marks``; ``n_bins``; ``window``; ``bin_size``;
        ``feature_names``; ``epigenome``; ``frame`` (None unless ``as_frame``);
        ``DESCR``.

    See Also
    --------
    skdeepchrome.datasets.load_remc : the REMC release's folders, in the same layout.

    Examples
    --------
    >>> from skdeepchrome.datasets import load_roadmap_sample
    >>> h1 = load_roadmap_sample("E003")
    >>> h1.data.shape, h1.marks[:2], h1.target.mean().round(2)
    ((600, 1000), ('H3K27me3', 'H3K36me3'), np.float64(0.55))
    >>> X, y = load_roadmap_sample("E123", return_X_y=True, window=(-5000, 5000))
    >>> X.shape, y.shape
    ((600, 500), (600,))
    >>> sorted(load_roadmap_sample())
    ['E003', 'E123']
    """
    if epigenome is None:
        return Bunch(**{e: load_roadmap_sample(e, return_X_y=return_X_y, as_frame=as_frame,
                                               window=window) for e in EPIGENOMES})
    if epigenome not in EPIGENOMES:
        raise ValueError(f"epigenome must be one of {EPIGENOMES} or None, got {epigenome!r}.")
    arrays = _read_archive()
    metadata = json.loads(str(arrays["metadata"]))
    flank, bin_size = metadata["flank"], metadata["bin_size"]
    crop, bounds = _crop(window, flank, bin_size)
    counts = arrays[f"counts_{epigenome}"][:, :, crop]
    marks = tuple(arrays["marks"].tolist())
    n_genes, n_marks, n_bins = counts.shape
    data = HistoneMatrix(counts.astype(np.float32).reshape(n_genes, n_marks * n_bins), marks,
                         n_bins, bin_size=bin_size)
    target = arrays[f"target_{epigenome}"].astype(np.int64)
    rpkm = arrays[f"rpkm_{epigenome}"]
    names = feature_names(marks, n_bins)
    gene_ids = arrays["gene_ids"].astype(str)
    frame = None
    if as_frame:
        index = pd.Index(gene_ids, name="gene_id")
        data = pd.DataFrame(data, columns=names, index=index)
        target = pd.Series(target, index=index, name="target")
        frame = pd.concat([data, target], axis=1)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        expression=np.log1p(rpkm),
        rpkm=rpkm,
        rpkm_median=float(arrays[f"rpkm_median_{epigenome}"]),
        counts=arrays[f"read_count_{epigenome}"],
        gene_ids=gene_ids,
        symbols=arrays["symbols"].astype(str),
        strand=arrays["strand"].astype(str),
        split=arrays["split"].astype(str),
        marks=marks,
        n_bins=n_bins,
        window=bounds,
        bin_size=bin_size,
        feature_names=names,
        epigenome=epigenome,
        frame=frame,
        DESCR=_data_file(_DESCR).read_text(encoding="utf-8"),
    )


def roadmap_sample_epigenomes(window=DEEPCHROME_WINDOW):
    """The sample as the paper's protocol takes it: per epigenome, train / valid / test.

    Parameters
    ----------
    window : (int, int) or None, default=(-5000, 5000)
        As in :func:`load_roadmap_sample`; the default is DeepChrome's 100-bin window.

    Returns
    -------
    dict
        ``{"E003": Bunch, "E123": Bunch}``, each with ``train``, ``valid`` and ``test``
        Bunches (``data``, ``target``, ``expression``, ``gene_ids``), ``marks``, ``bin_size``
        and ``epigenome``: what :func:`skdeepchrome.compare.paper_protocol` reads.

    Examples
    --------
    >>> epigenomes = roadmap_sample_epigenomes()
    >>> epigenomes["E123"].test.data.shape
    (200, 500)
    """
    out = {}
    for name, sample in load_roadmap_sample(window=window).items():
        parts = {
            split: Bunch(data=sample.data[sample.split == split],
                         target=sample.target[sample.split == split],
                         expression=sample.expression[sample.split == split],
                         gene_ids=sample.gene_ids[sample.split == split])
            for split in ("train", "valid", "test")
        }
        out[name] = Bunch(**parts, marks=sample.marks, epigenome=name, window=sample.window,
                          bin_size=sample.bin_size)
    return out
