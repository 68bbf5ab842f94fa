"""Aligned reads (BAM or tagAlign/BED) counted in bins around each TSS."""

from __future__ import annotations

import gzip
import os
import warnings
from array import array
from pathlib import Path

import numpy as np
import pandas as pd

from ._chromosomes import match_chromosomes, require_same_assembly, require_shared_chromosomes
from ._parallel import run_tasks
from ._vocabulary import MODES
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

_FLAG_PROPER, _FLAG_UNMAPPED, _FLAG_REVERSE = 0x2, 0x4, 0x10
_FLAG_QCFAIL, _FLAG_DUPLICATE = 0x200, 0x400
_FETCH_COST_IN_READS = 128


def import_pysam():
    """Import pysam, or say how to install it.

    Examples
    --------
    >>> import_pysam().__name__
    'pysam'
    """
    try:
        import pysam
    except ImportError as exc:
        raise ImportError(
            'Reading BAM files needs pysam, the "genomics" extra: pip install -e '
            '".[genomics]" in the skdeepchrome clone (or pip install pysam)'
        ) from exc
    return pysam


def is_bam(path):
    """Whether ``path`` is a BAM file (a BGZF stream starting with ``BAM\\1``).

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "reads.tagAlign")
    ...     with open(path, "w") as fh:
    ...         _ = fh.write("chr1\\t10\\t46\\tN\\t1000\\t+\\n")
    ...     is_bam(path)
    False
    """
    with open(path, "rb") as fh:
        if fh.read(2) != b"\x1f\x8b":
            return False
    try:
        with gzip.open(path, "rb") as fh:
            return fh.read(4) == b"BAM\x01"
    except (OSError, EOFError):
        return False


def open_bam(path):
    """Open an indexed BAM file, building its index when it has none.

    The index (``path + ".bai"``) is built with ``pysam.index`` when the folder is
    writable; otherwise the error says how to build it.
    """
    pysam = import_pysam()
    try:
        bam = pysam.AlignmentFile(str(path), "rb")
    except (ValueError, OSError) as exc:
        raise ValueError(f"{path}: not a readable BAM file ({exc}).") from None
    if not bam.is_bam:
        bam.close()
        raise ValueError(f"{path}: not a BAM file; convert it with `samtools view -b`.")
    if bam.has_index():
        return bam
    bam.close()
    folder = Path(path).resolve().parent
    if not os.access(folder, os.W_OK):
        raise ValueError(
            f"{path} has no index and its folder {folder} is not writable; build one with "
            f"`samtools index {path}` where you can write, or copy the BAM elsewhere."
        )
    try:
        pysam.index(str(path))
    except pysam.SamtoolsError as exc:
        raise ValueError(
            f"{path} has no index and indexing it failed ({str(exc).strip()}); is it sorted "
            f"by coordinate? Sort it with `samtools sort` first."
        ) from None
    bam = pysam.AlignmentFile(str(path), "rb")
    if not bam.has_index():  # pragma: no cover - defensive
        bam.close()
        raise ValueError(f"{path}: could not build a BAM index; run `samtools index {path}`.")
    return bam


def count_reads(tss, reads, flank=5000, bin_size=100, *, mode="overlap", shift=0,
                min_mapq=0, keep_duplicates=False, keep_qcfail=False, proper_pairs=False,
                n_jobs=None, progress=True):
    """Count aligned reads in bins of a window around each gene's TSS.

    Parameters
    ----------
    tss : pandas.DataFrame or path
        The table from :func:`~skdeepchrome.genome.read_tss`, or an annotation path.
    reads : mapping of str to path
        Mark name to a coordinate-sorted BAM file, or a tagAlign/BED file (gzip allowed;
        columns chrom, start, end and, for ``mode="5prime"``, strand in column 6).
    flank, bin_size : int, default=5000, 100
        Window of ``flank`` bases each side of the TSS in bins of ``bin_size`` bases,
        exactly as in :func:`~skdeepchrome.genome.extract_signal`.
    mode : {"overlap", "5prime"}, default="overlap"
        ``"overlap"``: a read counts once in every bin it overlaps by at least one base
        (``bedtools multicov`` / ``bedtools intersect -c``; a BAM read spans its
        alignment, deletions and introns included, soft clips excluded).
        ``"5prime"``: a read counts once, in the bin holding its 5' end (start on
        ``+``, last base on ``-``) moved ``shift`` bases in its own direction.
    shift : int, default=0
        With ``mode="5prime"``, the 5'-end shift towards the read's 3' end, e.g. half
        the fragment length to count fragment centres.
    min_mapq : int, default=0
        BAM only: skip alignments with mapping quality below this (``multicov -q``).
    keep_duplicates, keep_qcfail : bool, default=False
        BAM only: count alignments flagged duplicate (0x400) / QC-failed (0x200);
        like ``multicov``, both are skipped by default (``-D``/``-F`` keep them).
    proper_pairs : bool, default=False
        BAM only: count only alignments flagged as properly paired (``multicov -p``).
    n_jobs : int, default=None
        Processes, joblib's meaning.
    progress : bool, default=True
        Show a progress bar on stderr.

    Returns
    -------
    Bunch
        As :func:`~skdeepchrome.genome.extract_signal` (``data`` float32 counts,
        bins upstream to downstream on both strands), with ``statistic="count"`` plus
        ``mode`` and ``shift``.

    Raises
    ------
    FileNotFoundError
        When a reads file does not exist.
    ValueError
        Naming the file: an unreadable or unsorted BAM, a BAM without an index in a
        read-only folder, malformed BED lines (with line number), no chromosome shared
        with the annotation.

    Notes
    -----
    As with ``bedtools multicov``, unmapped reads are never counted, while secondary and
    supplementary alignments are (each mate of a pair counts separately). The BAM
    filters do not apply to tagAlign/BED files (a warning says so when they are set).
    Counting is vectorised: per chromosome chunk, read starts and ends are collected
    once and every bin's count is two ``np.searchsorted`` look-ups.

    Examples
    --------
    Three 36-bp reads around a ``+`` gene starting at base 1000:

    >>> import os, tempfile
    >>> import pandas as pd
    >>> genes = pd.DataFrame({"gene_id": ["g"], "chrom": ["chr1"], "tss": [1000],
    ...                       "strand": ["+"]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "H3K4me3.tagAlign")
    ...     with open(path, "w") as fh:
    ...         _ = fh.write("chr1\\t950\\t986\\tN\\t1000\\t+\\n"   # bin 1 only
    ...                      "chr1\\t990\\t1026\\tN\\t1000\\t-\\n"  # bins 1 and 2
    ...                      "chr1\\t1100\\t1136\\tN\\t1000\\t+\\n")  # bin 3
    ...     count_reads(genes, {"H3K4me3": path}, flank=200, progress=False).data
    array([[0., 2., 1., 1.]], dtype=float32)
    """
    n_bins = check_window(flank, bin_size)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}.")
    if not isinstance(shift, (int, np.integer)) or isinstance(shift, bool):
        raise ValueError(f"shift must be an integer number of bases, got {shift!r}.")
    if shift and mode != "5prime":
        raise ValueError(f"shift={shift} only applies with mode='5prime'.")
    if not isinstance(min_mapq, (int, np.integer)) or min_mapq < 0:
        raise ValueError(f"min_mapq must be a non-negative integer, got {min_mapq!r}.")
    table = as_tss_table(tss)
    marks, paths = check_files(reads, "reads")
    width = 2 * int(flank)
    starts = window_starts(table["tss"], table["strand"], flank)
    annotation_chroms = table["chrom"].unique().tolist()
    filters = (int(min_mapq), bool(keep_duplicates), bool(keep_qcfail), bool(proper_pairs))
    placement = (mode, int(shift), width, int(bin_size))
    filtered = filters != (0, False, False, False)

    tasks, targets, missing, file_lengths = [], [], {}, {}
    for mark_index, (mark, path) in enumerate(zip(marks, paths)):
        if not is_bam(path):
            if filtered:
                warnings.warn(
                    f"{path} is a tagAlign/BED file: min_mapq, keep_duplicates, keep_qcfail "
                    f"and proper_pairs apply to BAM files only and are not used for it.",
                    UserWarning,
                    stacklevel=2,
                )
            tasks.append(("bed", str(path), table["chrom"].to_numpy().astype(str), starts,
                          placement))
            targets.append((mark_index, None))
            continue
        with open_bam(path) as bam:
            lengths = dict(zip(bam.references, bam.lengths))
            n_indexed = {stat.contig: stat.total for stat in bam.get_index_statistics()}
        file_lengths[path] = lengths
        require_same_assembly(file_lengths, "BAM file")
        mapping = match_chromosomes(annotation_chroms, lengths)
        require_shared_chromosomes(mapping, annotation_chroms, list(lengths), path, "BAM file")
        missing[mark] = sorted(set(annotation_chroms) - set(mapping))
        for chrom, rows in chromosome_groups(table, starts, mapping).items():
            file_chrom = mapping[chrom]
            check_within(table, rows, chrom, file_chrom, lengths[file_chrom], path,
                         lengths)
            chrom_starts = starts[rows]
            chunks = plan_chunks(chrom_starts, width, max_gap=_max_gap(
                n_indexed.get(file_chrom, 0), lengths[file_chrom]))
            for part in split_tasks(chunks, max_windows=2048):
                first, stop = part[0][0], part[-1][1]
                tasks.append(("bam", str(path), file_chrom, int(lengths[file_chrom]),
                              chrom_starts[first:stop],
                              [(a - first, b - first) for a, b in part], placement, filters))
                targets.append((mark_index, rows[first:stop]))

    results = run_tasks(_count_task, tasks, n_jobs=n_jobs, progress=progress, desc="reads")
    X3 = np.zeros((len(table), len(marks), n_bins), dtype=np.float32)
    minus = (table["strand"] == "-").to_numpy()
    for (mark_index, rows), result in zip(targets, results):
        if rows is None:  # a BED file: every gene at once
            counts, file_chroms = result
            mapping = match_chromosomes(annotation_chroms, file_chroms)
            require_shared_chromosomes(mapping, annotation_chroms, file_chroms,
                                       paths[mark_index], "reads file")
            missing[marks[mark_index]] = sorted(set(annotation_chroms) - set(mapping))
            rows = np.arange(len(table))
        else:
            counts = result
        flip = minus[rows]
        counts[flip] = counts[flip, ::-1]
        X3[rows, mark_index, :] = counts
    missing = {mark: missing[mark] for mark in marks}
    warn_missing(missing, table, "reads file")
    what = "5' ends" + (f" shifted {shift} bp" if shift else "") if mode == "5prime" else "reads"
    bunch = window_bunch(
        X3.reshape(len(table), -1), table, marks, paths, flank=flank, bin_size=bin_size,
        statistic="count", missing=missing,
        descr=f"Counts of {what} in {n_bins} bins of {bin_size} bp, TSS +/- {flank} bp.",
    )
    bunch.mode = mode
    bunch.shift = int(shift)
    return bunch


def _max_gap(n_reads, length):
    """Widest gap between windows worth reading through rather than seeking over.

    A BAM fetch costs about as much as decoding ~128 reads in Python (a BGZF block is
    decompressed each time), so a gap expected to hold fewer reads is read through.
    """
    density = n_reads / max(length, 1)
    return int(min(_FETCH_COST_IN_READS / density, 1_000_000)) if density > 0 else 1_000_000


def _count_task(kind, *args):
    if kind == "bam":
        return _count_bam(*args)
    return _count_bed(*args)


def _bin_counts(positions, window_starts, placement, ends=None):
    """Counts per bin for windows starting at ``window_starts``.

    With ``ends`` (overlap mode) ``positions`` are read starts: a read overlaps bin
    ``[s, e)`` when ``start < e`` and ``end > s``, and as ``end > start`` that count is
    ``#(start < e) - #(end <= s)``. Otherwise ``positions`` are single bases, counted when
    ``s <= p < e``. All arrays must be sorted.
    """
    _, _, width, bin_size = placement
    n_bins = width // bin_size
    edges = np.asarray(window_starts, dtype=np.int64)[:, None] + np.arange(
        0, width + 1, bin_size, dtype=np.int64
    )
    before_end = np.searchsorted(positions, edges[:, 1:], side="left")
    if ends is None:
        before_start = np.searchsorted(positions, edges[:, :-1], side="left")
    else:
        before_start = np.searchsorted(ends, edges[:, :-1], side="right")
    return (before_end - before_start).astype(np.float32).reshape(-1, n_bins)


def _placed(starts, ends, reverse, placement):
    """Sorted positions (and ends) to count, from read coordinates."""
    mode, shift, _, _ = placement
    if mode == "overlap":
        return np.sort(starts), np.sort(ends)
    five = np.where(reverse, ends - 1 - shift, starts + shift)
    return np.sort(five), None


def _count_bam(path, chrom, length, starts, chunks, placement, filters):
    min_mapq, keep_duplicates, keep_qcfail, proper_pairs = filters
    reach = abs(placement[1])
    width = placement[2]
    skip = _FLAG_UNMAPPED
    skip |= 0 if keep_duplicates else _FLAG_DUPLICATE
    skip |= 0 if keep_qcfail else _FLAG_QCFAIL
    out = np.zeros((len(starts), width // placement[3]), dtype=np.float32)
    bam = open_bam(path)
    try:
        for first, stop in chunks:
            lo = max(int(starts[first]) - reach, 0)
            hi = min(int(starts[first:stop].max()) + width + reach, length)
            if lo >= hi:
                continue
            read_starts, read_ends = array("q"), array("q")
            flags, mapqs = array("l"), array("l")
            add_start, add_end = read_starts.append, read_ends.append
            add_flag, add_mapq = flags.append, mapqs.append
            try:
                for read in bam.fetch(chrom, lo, hi):
                    end = read.reference_end
                    if end is None:  # unmapped, or no reference-consuming CIGAR operation
                        continue
                    add_start(read.reference_start)
                    add_end(end)
                    add_flag(read.flag)
                    add_mapq(read.mapping_quality)
            except (OSError, ValueError) as exc:
                raise ValueError(
                    f"{path}: reading {chrom}:{lo}-{hi} failed ({exc}); the file may be "
                    f"corrupt or truncated."
                ) from None
            read_starts = np.frombuffer(read_starts, dtype=np.int64)
            read_ends = np.frombuffer(read_ends, dtype=np.int64)
            flags = np.frombuffer(flags, dtype=np.dtype("l"))
            keep = ((flags & skip) == 0) & (read_ends > read_starts)
            if min_mapq:
                keep &= np.frombuffer(mapqs, dtype=np.dtype("l")) >= min_mapq
            if proper_pairs:
                keep &= (flags & _FLAG_PROPER) != 0
            positions, ends = _placed(read_starts[keep], read_ends[keep],
                                      (flags[keep] & _FLAG_REVERSE) != 0, placement)
            out[first:stop] = _bin_counts(positions, starts[first:stop], placement, ends)
    finally:
        bam.close()
    return out


def _count_bed(path, chroms, starts, placement):
    """Count a whole tagAlign/BED file for every window; also return its chromosomes."""
    frame = _read_reads_bed(path, strand=placement[0] == "5prime")
    width, bin_size = placement[2], placement[3]
    counts = np.zeros((len(starts), width // bin_size), dtype=np.float32)
    file_chroms = frame["chrom"].unique().tolist()
    mapping = match_chromosomes(pd.unique(chroms).tolist(), file_chroms)
    groups = frame.groupby("chrom", sort=False, observed=True).indices
    for chrom, file_chrom in mapping.items():
        rows = np.flatnonzero(chroms == chrom)
        index = groups[file_chrom]
        read_starts = frame["start"].to_numpy()[index]
        read_ends = frame["end"].to_numpy()[index]
        reverse = (frame["strand"].to_numpy()[index] == "-") if "strand" in frame else None
        positions, ends = _placed(read_starts, read_ends, reverse, placement)
        counts[rows] = _bin_counts(positions, starts[rows], placement, ends)
    return counts, file_chroms


def _read_reads_bed(path, strand):
    """Read chrom, start, end (and strand) columns of a tagAlign/BED file, validated."""
    n_header = 0
    with gzip.open(path, "rt") if _gzipped(path) else open(path) as fh:
        for line in fh:
            if line.startswith(("#", "track", "browser")) or not line.strip():
                n_header += 1
                continue
            n_columns = len(line.rstrip("\r\n").split("\t"))
            break
        else:
            raise ValueError(f"{path}: the reads file has no data lines.")
    if n_columns < 3:
        raise ValueError(
            f"{path}, line {n_header + 1}: a tagAlign/BED reads file needs tab-separated "
            f"chrom, start, end columns, got {n_columns} column(s)."
        )
    if strand and n_columns < 6:
        raise ValueError(
            f"{path}: mode='5prime' needs each read's strand in column 6, but the file has "
            f"{n_columns} columns."
        )
    columns = [0, 1, 2, 5] if strand else [0, 1, 2]
    names = ["chrom", "start", "end", "strand"][:len(columns)]
    try:
        frame = pd.read_csv(
            path, sep="\t", header=None, usecols=columns, names=None, skiprows=n_header,
            dtype={0: "category", 1: "float64", 2: "float64", 5: "str"}, engine="c",
            skip_blank_lines=True,
        )
    except (ValueError, pd.errors.ParserError) as exc:
        raise ValueError(
            f"{path}: cannot parse the reads file as tab-separated BED ({exc})."
        ) from None
    frame.columns = names
    start, end = frame["start"].to_numpy(), frame["end"].to_numpy()
    bad = ~(np.isfinite(start) & np.isfinite(end) & (start >= 0) & (end > start)
            & (start % 1 == 0) & (end % 1 == 0))
    if strand:
        bad |= ~frame["strand"].isin(["+", "-"]).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        row = frame.iloc[i]
        raise ValueError(
            f"{path}, data row {i + 1} (line {n_header + i + 1} if the file has no blank "
            f"lines): chrom={row['chrom']!r} start={row['start']!r} "
            f"end={row['end']!r}"
            + (f" strand={row['strand']!r}" if strand else "")
            + "; reads need integer 0 <= start < end"
            + (" and strand '+' or '-'." if strand else ".")
        )
    frame["start"] = start.astype(np.int64)
    frame["end"] = end.astype(np.int64)
    return frame


def _gzipped(path):
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"
