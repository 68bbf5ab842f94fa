"""The genome readers' option values, importable without numpy, pandas or scikit-learn.

The command line builds its ``--help`` from these, so they live apart from the readers.
"""

#: Per-bin statistics of :func:`~skdeepchrome.genome.extract_signal`.
STATISTICS = ("mean", "sum", "max", "min", "coverage")

#: How :func:`~skdeepchrome.genome.count_reads` places a read: in every bin it overlaps
#: (bedtools multicov) or at its 5' end.
MODES = ("overlap", "5prime")

#: Annotation formats :func:`~skdeepchrome.genome.read_tss` reads.
ANNOTATION_FORMATS = ("gtf", "gff3", "bed")
