"""Windows around each TSS: where they lie, how they are read, how results are packed.

Geometry (shared by bigWig signal and read counts)
--------------------------------------------------
A gene's window spans ``flank`` bases upstream and ``flank`` bases downstream of its
TSS, cut into ``2 * flank / bin_size`` bins. The TSS base is the first base of the
downstream half, as in deeptools' ``computeMatrix reference-point --referencePoint TSS``:

* ``+`` strand, TSS at 0-based ``t``: the window is ``[t - flank, t + flank)``.
* ``-`` strand: the window is ``[t + 1 - flank, t + 1 + flank)`` and its bins are
  reversed, so that on both strands bin 0 is the most upstream bin and bin
  ``n_bins // 2`` starts at the TSS base, running 5' to 3'.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..layout import feature_names, resolve_marks
from ._annotation import TSS_COLUMNS, read_tss
from ._chromosomes import assembly_of


def check_window(flank, bin_size):
    """Validate ``flank`` and ``bin_size``; return the number of bins.

    Examples
    --------
    >>> check_window(5000, 100)
    100
    >>> check_window(5050, 100)
    Traceback (most recent call last):
    ...
    ValueError: flank=5050 is not a multiple of bin_size=100; the window must hold whole bins.
    """
    for name, value in (("flank", flank), ("bin_size", bin_size)):
        if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer (bases), got {value!r}.")
    if flank % bin_size:
        raise ValueError(
            f"flank={flank} is not a multiple of bin_size={bin_size}; the window must hold "
            f"whole bins."
        )
    return 2 * int(flank) // int(bin_size)


def as_tss_table(tss):
    """Return a validated TSS table from a :func:`read_tss` DataFrame or an annotation path.

    The table must have the columns of :func:`read_tss` (extra columns are kept), unique
    ``gene_id`` values, strands ``+``/``-`` and non-negative integer ``tss``.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"gene_id": ["A"], "name": ["A"], "chrom": ["chr1"],
    ...                       "tss": [10], "strand": ["+"]})
    >>> as_tss_table(table).shape
    (1, 5)
    """
    if isinstance(tss, (str, Path)):
        return read_tss(tss)
    if not isinstance(tss, pd.DataFrame):
        raise ValueError(
            f"tss must be a DataFrame from read_tss or a path to an annotation file, got "
            f"{type(tss).__name__}."
        )
    source = tss.attrs.get("source", "the TSS table")
    missing = [c for c in TSS_COLUMNS if c not in tss.columns and c != "name"]
    if missing:
        raise ValueError(f"{source} lacks column(s) {missing}; read_tss gives {TSS_COLUMNS}.")
    if len(tss) == 0:
        raise ValueError(f"{source} has no genes.")
    table = tss.reset_index(drop=True).copy()
    if "name" not in table.columns:
        table["name"] = table["gene_id"]
    table["gene_id"] = table["gene_id"].astype(str)
    table["chrom"] = table["chrom"].astype(str)
    bad = ~table["strand"].isin(["+", "-"])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"{source}: gene {table['gene_id'][i]!r} has strand {table['strand'][i]!r}; a TSS "
            f"needs '+' or '-'."
        )
    positions = pd.to_numeric(table["tss"], errors="coerce")
    bad = positions.isna() | (positions < 0) | (positions % 1 != 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(
            f"{source}: gene {table['gene_id'][i]!r} has tss {table['tss'][i]!r}; it must be "
            f"a non-negative integer (0-based position)."
        )
    table["tss"] = positions.astype("int64")
    duplicated = table["gene_id"].duplicated()
    if duplicated.any():
        gene = table["gene_id"][int(np.flatnonzero(duplicated.to_numpy())[0])]
        raise ValueError(
            f"{source}: gene_id {gene!r} appears more than once; one window per gene is "
            f"needed (read_tss keeps the first row of each id)."
        )
    return table


def check_files(files, what):
    """Validate a ``{mark: path}`` mapping; return marks and paths as tuples.

    Examples
    --------
    >>> check_files({}, "tracks")
    Traceback (most recent call last):
    ...
    ValueError: tracks must map at least one mark name to a file, e.g. {'H3K4me3': 'a.bw'}.
    """
    if isinstance(files, Mapping):
        items = list(files.items())
    else:
        try:
            items = [tuple(pair) for pair in files]
        except TypeError:
            items = None
        if items is None or any(len(pair) != 2 for pair in items):
            raise ValueError(f"{what} must map mark names to file paths, got {files!r}.")
    if not items:
        raise ValueError(
            f"{what} must map at least one mark name to a file, e.g. {{'H3K4me3': 'a.bw'}}."
        )
    marks = resolve_marks([str(mark) for mark, _ in items])
    paths = tuple(Path(path) for _, path in items)
    for mark, path in zip(marks, paths):
        if not path.is_file():
            raise FileNotFoundError(f"The {mark} file {path} does not exist.")
    return marks, paths


def window_starts(tss, strands, flank):
    """Leftmost base of each gene's window (see the module notes).

    Examples
    --------
    >>> window_starts([100, 100], ["+", "-"], 50).tolist()
    [50, 51]
    """
    tss = np.asarray(tss, dtype=np.int64)
    minus = np.asarray(strands) == "-"
    return tss - int(flank) + minus.astype(np.int64)


def plan_chunks(starts, width, max_gap=65_536, max_span=4_194_304):
    """Group sorted windows into chunks that are each read from the file in one go.

    Reading a file region has a fixed cost (an index search and a block decompression)
    plus a small cost per base, so neighbouring windows are read together when the gap
    between them is at most ``max_gap`` bases, as long as the chunk stays within
    ``max_span`` bases (bounding memory; whole chromosomes are never read at once).

    Parameters
    ----------
    starts : ndarray of int, sorted
        Window starts on one chromosome.
    width : int
        Window length.

    Returns
    -------
    list of (first, stop)
        Index ranges into ``starts``; chunk ``k`` covers windows ``starts[first:stop]``.

    Examples
    --------
    >>> plan_chunks([0, 50, 1000, 1020, 90000], width=100, max_gap=500)
    [(0, 2), (2, 4), (4, 5)]
    """
    starts = np.asarray(starts, dtype=np.int64)
    chunks = []
    first = 0
    chunk_lo = chunk_hi = None
    for i, start in enumerate(starts.tolist()):
        end = start + width
        if chunk_lo is None:
            chunk_lo, chunk_hi = start, end
            continue
        if start - chunk_hi > max_gap or max(chunk_hi, end) - chunk_lo > max_span:
            chunks.append((first, i))
            first, chunk_lo, chunk_hi = i, start, end
        else:
            chunk_hi = max(chunk_hi, end)
    if chunk_lo is not None:
        chunks.append((first, len(starts)))
    return chunks


def split_tasks(chunks, max_windows=4096):
    """Cut a chromosome's chunk list into consecutive runs of about ``max_windows`` windows.

    Examples
    --------
    >>> split_tasks([(0, 3), (3, 5), (5, 9)], max_windows=5)
    [[(0, 3), (3, 5)], [(5, 9)]]
    """
    tasks, current, size = [], [], 0
    for first, stop in chunks:
        if current and size + (stop - first) > max_windows:
            tasks.append(current)
            current, size = [], 0
        current.append((first, stop))
        size += stop - first
    if current:
        tasks.append(current)
    return tasks


def chromosome_groups(table, starts, mapping):
    """Genes per annotation chromosome that a file knows, sorted by window start.

    Returns
    -------
    dict
        ``{annotation_chrom: row_indices}``, rows sorted by ``starts``.
    """
    groups = {}
    chroms = table["chrom"].to_numpy().astype(str)
    order = np.lexsort((starts, chroms))
    sorted_chroms = chroms[order]
    boundaries = np.flatnonzero(sorted_chroms[1:] != sorted_chroms[:-1]) + 1
    for rows in np.split(order, boundaries):
        chrom = str(chroms[int(rows[0])])
        if chrom in mapping:
            groups[chrom] = rows
    return groups


def check_within(table, rows, chrom, file_chrom, length, path, lengths=None):
    """Raise when a TSS lies beyond the end of its chromosome in a file.

    ``lengths`` (all the file's chromosome lengths) lets the message name the assembly
    the file seems to use.
    """
    positions = table["tss"].to_numpy()[rows]
    beyond = positions >= length
    if beyond.any():
        i = int(rows[np.flatnonzero(beyond)[0]])
        raise ValueError(
            f"{path}: gene {table['gene_id'].iat[i]!r} has its TSS at {chrom}:"
            f"{int(table['tss'].iat[i])} (0-based), beyond the end of {file_chrom} "
            f"({length} bp) in this file; the annotation and the file seem to use different "
            f"assemblies"
            + (f" (the file looks like {assembly_of(lengths)})"
               if lengths is not None and assembly_of(lengths) else "")
            + "."
        )


def window_bunch(data, table, marks, files, *, flank, bin_size, statistic, missing, descr):
    """Pack a window matrix into the Bunch returned by extract_signal and count_reads."""
    n_bins = 2 * flank // bin_size
    return Bunch(
        data=data,
        gene_ids=table["gene_id"].to_numpy().astype(str),
        marks=tuple(marks),
        feature_names=feature_names(marks, n_bins),
        tss=table,
        flank=int(flank),
        bin_size=int(bin_size),
        n_bins=int(n_bins),
        statistic=statistic,
        files={mark: str(path) for mark, path in zip(marks, files)},
        missing_chromosomes=missing,
        DESCR=descr,
    )


def warn_missing(missing, table, what):
    """Warn about genes whose chromosome a file lacks (their rows stay zero)."""
    for mark, chroms in missing.items():
        if not chroms:
            continue
        n_genes = int(table["chrom"].isin(chroms).sum())
        warnings.warn(
            f"The {mark} {what} has no chromosome {sorted(chroms)[:6]}"
            f"{' ...' if len(chroms) > 6 else ''}: the {n_genes} gene(s) there get zeros for "
            f"{mark} (missing data counts as zero).",
            UserWarning,
            stacklevel=3,
        )
