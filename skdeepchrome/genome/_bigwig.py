"""Histone-mark signal from bigWig tracks, binned in windows around each TSS."""

from __future__ import annotations

import numpy as np

from ._bigwig_reader import import_pybigwig, open_bigwig, read_windows  # noqa: F401  (import_pybigwig, open_bigwig: their old home)
from ._chromosomes import match_chromosomes, require_same_assembly, require_shared_chromosomes
from ._parallel import run_tasks
from ._vocabulary import STATISTICS
from ._windows import (
    as_tss_table,
    check_files,
    check_window,
    check_within,
    chromosome_groups,
    plan_chunks,
    split_tasks,
    warn_missing,
    window_bunch,
    window_starts,
)

#: Below this many windows (genes x tracks), extraction runs in this process: a worker
#: process takes about half a second to start, while one process reads some 60,000
#: windows a second, so parallel reading of a small set would be slower than serial.
SERIAL_BELOW = 100_000


def extract_signal(tss, tracks, flank=5000, bin_size=100, statistic="mean", n_jobs=None,
                   progress=True):
    """Bin bigWig signal in a window around each gene's TSS.

    Parameters
    ----------
    tss : pandas.DataFrame or path
        The table from :func:`~skdeepchrome.genome.read_tss`, or an annotation file it
        reads with its defaults.
    tracks : mapping of str to path
        Mark name to bigWig file, e.g. ``{"H3K4me3": "E003-H3K4me3.fc.bw"}``; the order
        is the mark order of the result.
    flank : int, default=5000
        Bases upstream and downstream of the TSS (deeptools' ``-b``/``-a``).
    bin_size : int, default=100
        Bases per bin; ``flank`` must be a multiple of it.
    statistic : {"mean", "sum", "max", "min", "coverage"}, default="mean"
        Per-bin statistic (deeptools' ``--averageTypeBins``). Missing data counts as
        zero: a base without data, or past a chromosome end, is a 0 inside the bin's
        mean, sum, max and min (deeptools' ``--missingDataAsZero``). ``"coverage"`` is
        the fraction of the bin's bases that have data.
    n_jobs : int, default=None
        Processes reading (track, chromosome) chunks in parallel, joblib's meaning. Work
        smaller than :data:`SERIAL_BELOW` windows (genes x tracks) is read in this process
        whatever ``n_jobs`` says: starting workers would cost more than they save.
    progress : bool, default=True
        Show a progress bar on stderr.

    Returns
    -------
    Bunch
        ``data`` float32 ``(n_genes, n_marks * n_bins)`` in the mark-major layout with
        ``n_bins = 2 * flank // bin_size``, bins running upstream to downstream on both
        strands; ``gene_ids`` (str, in the order of ``tss``), ``marks``,
        ``feature_names``, ``tss`` (the table), ``flank``, ``bin_size``, ``n_bins``,
        ``statistic``, ``files`` (mark to path), ``missing_chromosomes`` (mark to the
        annotation chromosomes the track lacks) and ``DESCR``.

    Raises
    ------
    FileNotFoundError
        When a bigWig file does not exist.
    ValueError
        Naming the file: a corrupt or non-bigWig file, a track sharing no chromosome
        with the annotation, a TSS beyond the end of its chromosome; or ``flank`` not a
        multiple of ``bin_size``, an unknown ``statistic``.

    Notes
    -----
    Windows are centred on the TSS: the TSS base starts bin
    ``n_bins // 2``; minus-strand windows are reversed. The result equals deeptools'
    ``computeMatrix reference-point --referencePoint TSS -b flank -a flank
    --binSize bin_size --averageTypeBins statistic --missingDataAsZero`` run on a BED6
    of the genes, with these differences, all at the edges:

    * computeMatrix silently leaves out genes on a chromosome missing from a track (and
      from every track once any track lacks it, or when two tracks disagree on its
      length); here their rows are zeros for that mark and a warning counts them.
    * A TSS beyond its chromosome's end (annotation and track from different
      assemblies) is an error here. computeMatrix skips a gene whose BED start lies past
      the end (a message, none with ``--quiet``) but keeps a ``-`` gene whose BED end
      does, binning a window around a TSS that is not on the chromosome.
    * Chromosome names are matched up to ``chr1``/``1`` and ``chrM``/``MT`` (computeMatrix
      tries the same aliases).

    Windows running off either chromosome end are not a difference: both count the
    missing bases as zeros.

    Each chunk of neighbouring windows is read with one ``bigWig.values`` call, so no
    base is read twice within a chunk and whole chromosomes are never loaded.

    Examples
    --------
    A mark covering bases 400-499 of chr1 is the first 100 bp of a ``+`` gene starting
    at 400 and of a ``-`` gene ending at 499: both see it in the bin after the TSS.

    >>> import os, shutil, tempfile
    >>> import pandas as pd
    >>> import pyBigWig
    >>> tmp = tempfile.mkdtemp()
    >>> bw = pyBigWig.open(os.path.join(tmp, "k4.bw"), "w")
    >>> bw.addHeader([("chr1", 1000)])
    >>> bw.addEntries(["chr1"], [400], ends=[500], values=[2.0])
    >>> bw.close()
    >>> genes = pd.DataFrame({"gene_id": ["plus", "minus"], "chrom": ["chr1", "chr1"],
    ...                       "tss": [400, 499], "strand": ["+", "-"]})
    >>> signal = extract_signal(genes, {"H3K4me3": os.path.join(tmp, "k4.bw")},
    ...                         flank=200, bin_size=100, progress=False)
    >>> signal.data
    array([[0., 0., 2., 0.],
           [0., 0., 2., 0.]], dtype=float32)
    >>> signal.feature_names.tolist()
    ['H3K4me3_bin000', 'H3K4me3_bin001', 'H3K4me3_bin002', 'H3K4me3_bin003']
    >>> shutil.rmtree(tmp)
    """
    n_bins = check_window(flank, bin_size)
    if statistic not in STATISTICS:
        raise ValueError(f"statistic must be one of {STATISTICS}, got {statistic!r}.")
    table = as_tss_table(tss)
    marks, paths = check_files(tracks, "tracks")
    width = 2 * int(flank)
    starts = window_starts(table["tss"], table["strand"], flank)
    annotation_chroms = table["chrom"].unique().tolist()

    tasks, placements, missing, file_lengths = [], [], {}, {}
    for mark_index, (mark, path) in enumerate(zip(marks, paths)):
        handle = open_bigwig(path)
        lengths = handle.chroms()
        handle.close()
        file_lengths[path] = lengths
        require_same_assembly(file_lengths)
        mapping = match_chromosomes(annotation_chroms, lengths)
        require_shared_chromosomes(mapping, annotation_chroms, list(lengths), path)
        missing[mark] = sorted(set(annotation_chroms) - set(mapping))
        for chrom, rows in chromosome_groups(table, starts, mapping).items():
            file_chrom = mapping[chrom]
            check_within(table, rows, chrom, file_chrom, lengths[file_chrom], path,
                         lengths)
            chrom_starts = starts[rows]
            for part in split_tasks(plan_chunks(chrom_starts, width)):
                first, stop = part[0][0], part[-1][1]
                tasks.append((
                    str(path), file_chrom, int(lengths[file_chrom]), chrom_starts[first:stop],
                    [(a - first, b - first) for a, b in part], width, int(bin_size),
                    statistic,
                ))
                placements.append((mark_index, rows[first:stop]))
    warn_missing(missing, table, "track")
    if sum(len(task[3]) for task in tasks) < SERIAL_BELOW:
        n_jobs = 1
    results = run_tasks(read_windows, tasks, n_jobs=n_jobs, progress=progress,
                        desc="bigWig")
    X3 = np.zeros((len(table), len(marks), n_bins), dtype=np.float32)
    minus = (table["strand"] == "-").to_numpy()
    for (mark_index, rows), values in zip(placements, results):
        flip = minus[rows]
        values[flip] = values[flip, ::-1]
        X3[rows, mark_index, :] = values
    return window_bunch(
        X3.reshape(len(table), -1), table, marks, paths, flank=flank, bin_size=bin_size,
        statistic=statistic, missing=missing,
        descr=f"bigWig {statistic} in {n_bins} bins of {bin_size} bp, TSS +/- {flank} bp.",
    )
