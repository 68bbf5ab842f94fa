"""From genome tracks to model input: TSS tables, bigWig signal and read counts.

Everything here speaks deeptools' vocabulary: a window around a reference point (the
TSS), an upstream and a downstream flank, a bin size, a per-bin statistic, and missing
data counted as zero. :func:`read_tss` reads a GTF, GFF3 or BED6 annotation;
:func:`extract_signal` bins bigWig tracks and :func:`count_reads` counts aligned reads
(BAM or tagAlign/BED) in the same windows, both returning the mark-major
``(n_genes, n_marks * n_bins)`` float32 layout of :mod:`skdeepchrome.layout`.

pyBigWig and pysam (the ``genomics`` extra) are imported only when a track is read.
"""

from .annotation import read_tss
from .bigwig import STATISTICS, extract_signal
from .chromosomes import chromosome_aliases, match_chromosomes
from .reads import count_reads

__all__ = [
    "STATISTICS",
    "chromosome_aliases",
    "count_reads",
    "extract_signal",
    "match_chromosomes",
    "read_tss",
]
