"""From genome tracks to model input: TSS tables, bigWig signal and read counts.

Everything here speaks deeptools' vocabulary: a window around a reference point (the
TSS), an upstream and a downstream flank, a bin size, a per-bin statistic, and missing
data counted as zero. :func:`read_tss` reads a GTF, GFF3 or BED6 annotation;
:func:`extract_signal` bins bigWig tracks and :func:`count_reads` counts aligned reads
(BAM or tagAlign/BED) in the same windows, both returning the mark-major
``(n_genes, n_marks * n_bins)`` float32 layout of :mod:`skdeepchrome.layout`.

pyBigWig and pysam (the ``genomics`` extra) are imported only when a track is read; the
names below are imported on first use (PEP 562), so ``skdeepchrome extract --help`` and
the option lists :data:`MODES` and :data:`STATISTICS` need neither pandas nor
scikit-learn.
"""

from .._lazy import lazy_face
from ._vocabulary import MODES, STATISTICS

_LAZY = {
    "chromosome_aliases": "._chromosomes",
    "count_reads": "._reads",
    "extract_signal": "._bigwig",
    "match_chromosomes": "._chromosomes",
    "read_tss": "._annotation",
}

__all__ = [
    "MODES",
    "STATISTICS",
    "chromosome_aliases",
    "count_reads",
    "extract_signal",
    "match_chromosomes",
    "read_tss",
]


__getattr__, __dir__ = lazy_face(__name__, _LAZY)
