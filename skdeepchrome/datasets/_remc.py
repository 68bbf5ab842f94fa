"""The REMC/DeepChrome release format: per-bin CSV files, epigenome folders, collections.

The DeepChrome release (Singh et al., Bioinformatics 2016) holds one folder per Roadmap
epigenome (``E003/``, ``E004/``, ...), each with ``train.csv``, ``valid.csv`` and
``test.csv``. A file has no header and one row per bin::

    GeneID,BinID,H3K27me3,H3K36me3,H3K4me1,H3K4me3,H3K9me3,label
    000003,1,0,1,0,2,0,1
    000003,2,1,2,2,8,0,1

``n_bins`` rows per gene (BinID 1..n_bins, 100-bp bins from TSS-5 kb to TSS+5 kb) and
one 0/1 label per gene (expression above the epigenome's median). GeneIDs are zero-padded
strings whose leading zeros are kept.

A file may also say its own layout, as ``skdeepchrome extract`` writes it: comment lines
of ``key=value`` words, then a header naming the columns::

    # skdeepchrome: bin_size=100 window=-5000,5000
    GeneID,BinID,H3K4me3,H3K27me3,label
    G1,1,0,3,1

so the marks and the bin width travel with the file (``pandas.read_csv(path,
comment="#")`` reads it as a table). Files without them are the release's: the marks of
:data:`~skdeepchrome.layout.REMC_MARKS`, 100 bins of 100 bp centred on the TSS.
"""

from __future__ import annotations

import gzip
import io
import os
import warnings
import zlib
from collections.abc import Iterator
from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from .._files import atomic_path
from ..layout import (
    REMC_BIN_SIZE,
    REMC_MARKS,
    REMC_N_BINS,
    HistoneMatrix,
    feature_names,
    infer_bin_size,
    infer_marks,
    resolve_marks,
)
from ._csv_diagnosis import bad_value_error, bin_error, non_numeric_error

SPLITS = ("train", "valid", "test")
CSV_SUFFIXES = (".csv", ".csv.gz")
#: First word of the comment line in which a file records its layout.
PREAMBLE = "# skdeepchrome:"
#: The columns around the marks in a header row.
HEADER_START, HEADER_END = ("GeneID", "BinID"), "label"


def _check_n_bins(n_bins):
    if isinstance(n_bins, bool) or not isinstance(n_bins, Integral) or n_bins < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}.")
    return int(n_bins)


def _compression(path):
    """pandas' compression for ``path``, told by its first bytes; refuses a misleading name.

    pandas goes by the name: a gzip file named ``.csv`` would be parsed as text (a
    "malformed CSV" error about field counts), a plain file named ``.gz`` fails inside
    gzip. Either is said for what it is.
    """
    with open(path, "rb") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
    named = path.name.lower().endswith(".gz")
    if gzipped and not named:
        raise ValueError(
            f"{path}: the file is gzip-compressed but its name does not end in .gz; name it "
            f"{path.name}.gz (or decompress it: gunzip -c {path.name}.gz > {path.name})."
        )
    if named and not gzipped:
        raise ValueError(
            f"{path}: the name ends in .gz but the file is not gzip-compressed; rename it "
            f"without .gz (or compress it with gzip)."
        )
    return "gzip" if gzipped else None


def _parse_window(text, where):
    try:
        start, end = (int(v) for v in str(text).split(","))
    except ValueError:
        raise ValueError(f"{where}: window={text!r} must be START,END in bp around the TSS, "
                         f"e.g. window=-5000,5000.") from None
    if start >= end:
        raise ValueError(f"{where}: window={text!r} must have START < END.")
    return start, end


def read_preamble(path):
    """The layout a DeepChrome CSV file records at its top, and the lines it takes.

    Returns
    -------
    dict
        ``lines`` (comment and header lines before the data), ``marks`` (from the header
        row, or None), ``bin_size`` (float or None), ``window`` ((start, end) or None) and
        ``metadata`` (every ``key=value`` word of the comment lines, as text).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     csv = Path(tmp) / "genes.csv"
    ...     _ = csv.write_text("# skdeepchrome: bin_size=500 window=-1000,1000\\n"
    ...                        "GeneID,BinID,H3K4me3,label\\nG1,1,3,1\\n")
    ...     layout = read_preamble(csv)
    >>> layout["lines"], layout["marks"], layout["bin_size"], layout["window"]
    (2, ('H3K4me3',), 500.0, (-1000, 1000))
    """
    path = Path(path)
    opener = gzip.open if _compression(path) == "gzip" else open
    layout = {"lines": 0, "marks": None, "bin_size": None, "window": None, "metadata": {}}
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            for line in handle:
                text = line.rstrip("\r\n")
                if text.startswith("#"):
                    layout["lines"] += 1
                    body = text[len(PREAMBLE):] if text.startswith(PREAMBLE) else ""
                    for word in body.split():
                        key, sep, value = word.partition("=")
                        if sep:
                            layout["metadata"][key] = value
                    continue
                fields = [f.strip() for f in text.split(",")]
                if (len(fields) >= 4 and tuple(f.lower() for f in fields[:2])
                        == tuple(h.lower() for h in HEADER_START)
                        and fields[-1].lower() == HEADER_END.lower()):
                    layout["lines"] += 1
                    layout["marks"] = resolve_marks(fields[2:-1])
                break
    except (UnicodeDecodeError, EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        return layout  # the full read below says what is wrong with the file
    metadata = layout["metadata"]
    where = f"{path}, line 1"
    if "bin_size" in metadata:
        try:
            width = float(metadata["bin_size"])
        except ValueError:
            width = float("nan")
        if not (np.isfinite(width) and width > 0):
            raise ValueError(f"{where}: bin_size={metadata['bin_size']!r} must be a positive "
                             f"number of base pairs.")
        layout["bin_size"] = width
    if "window" in metadata:
        layout["window"] = _parse_window(metadata["window"], where)
    return layout


def _agree(path, name, given, recorded):
    """``recorded`` unless ``given`` contradicts it; ``given`` when the file records nothing."""
    if recorded is None or given is None:
        return recorded if given is None else given
    if given != recorded:
        raise ValueError(f"{path}: the file records {name}={recorded!r} but {name}="
                         f"{given!r} was given; leave {name}=None to use the file's own.")
    return recorded


def _layout(path, preamble, marks, n_bins, bin_size):
    """Marks, bins, bin width and window of a file: given, recorded, else the release's."""
    recorded_marks = preamble["marks"]
    marks = _agree(path, "marks", None if marks is None else resolve_marks(marks),
                   recorded_marks)
    marks = REMC_MARKS if marks is None else marks
    width = _agree(path, "bin_size", None if bin_size is None else float(bin_size),
                   preamble["bin_size"])
    window = preamble["window"]
    recorded_bins = None
    if window is not None and width is not None:
        span = (window[1] - window[0]) / width
        if span != int(span):
            raise ValueError(f"{path}: window={window[0]},{window[1]} is not a whole number "
                             f"of {width:g}-bp bins.")
        recorded_bins = int(span)
    n_bins = _agree(path, "n_bins", None if n_bins is None else _check_n_bins(n_bins),
                    recorded_bins)
    n_bins = REMC_N_BINS if n_bins is None else n_bins
    if width is None:
        width = float(REMC_BIN_SIZE)  # the format's bins, as the release's: 100 bp
    if window is None and width is not None:
        half = n_bins * width / 2
        window = (-int(half), int(half)) if half == int(half) else None
    return marks, n_bins, width, window


def _read_frame(path, skip=0):
    """Read the whole file with pandas' C parser, mapping its failures to clear errors."""
    try:
        compression = _compression(path)
        with warnings.catch_warnings():
            # A non-numeric cell gives a mixed-type column (and this warning); the caller
            # turns that into an error naming the line, so the warning is only noise.
            warnings.simplefilter("ignore", pd.errors.DtypeWarning)
            # GeneID as text keeps leading zeros; na_filter=False keeps "NA"-like GeneIDs
            # as they are (and is faster); skip_blank_lines=False keeps row == line - 1.
            # low_memory=False would double the parse time.
            return pd.read_csv(
                path, header=None, dtype={0: object}, na_filter=False, skip_blank_lines=False,
                compression=compression, skiprows=skip,
            )
    except pd.errors.EmptyDataError:
        raise ValueError(
            f"{path}: the file is empty; expected one row per bin: "
            f"GeneID,BinID,<mark counts...>,label."
        ) from None
    except pd.errors.ParserError as exc:
        raise ValueError(f"{path}: malformed CSV: {str(exc).strip()}") from None
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ValueError(
            f"{path}: the gzip-compressed file is truncated or corrupt ({exc}); download or "
            f"decompress it again."
        ) from None
    except (UnicodeDecodeError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"{path}: cannot be read as a (gzip-compressed) CSV file: {exc}") from None


def _integer_column(path, frame, j, marks, first_line=1):
    """Column ``j`` as int64, rejecting non-finite or fractional values with their line."""
    values = frame[j].to_numpy()
    if values.dtype.kind in "iu":
        return values.astype(np.int64, copy=False)
    bad = np.flatnonzero(~np.isfinite(values) | (values != np.round(values)))
    if bad.size:
        raise bad_value_error(path, frame, int(bad[0]), j, marks, "is not an integer",
                              first_line)
    return values.astype(np.int64)


def _check_no_empty_id(path, gene_ids, genes, first_line=1):
    if (gene_ids == "").any():
        row = int(np.flatnonzero(genes == "")[0])
        raise ValueError(f"{path}, line {row + first_line}: the GeneID (column 1) is empty.")


def load_deepchrome_csv(path, marks=None, n_bins=None, return_X_y=False, *,
                        bin_size=None):
    """Load one DeepChrome/REMC CSV file (``train.csv``, ``valid.csv`` or ``test.csv``).

    Parameters
    ----------
    path : str or path-like
        The file; ``.gz`` files are decompressed on the fly.
    marks : sequence of str, default=None
        Names of the mark columns, in file order. ``None`` means the names of the file's
        header row, else :data:`~skdeepchrome.layout.REMC_MARKS`. Their number must match
        the file's column count minus GeneID, BinID and label.
    n_bins : int, default=None
        Rows (bins) per gene; ``None`` means what the file records (its window over its
        bin width), else the release's 100.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    bin_size : float, default=None
        Base pairs per bin; ``None`` means what the file records, else the release's 100.
        A value that contradicts the file's record is an error.

    Returns
    -------
    data : Bunch
        ``data`` float32 ``(n_genes, n_marks * n_bins)`` in the mark-major layout (for gene
        ``g``, columns ``[m * n_bins:(m + 1) * n_bins]`` are mark ``m``'s bins 1..n_bins),
        ``target`` int64 labels, ``gene_ids`` str (leading zeros kept) in order of first
        appearance in the file, ``marks``, ``feature_names``, ``n_bins``, ``bin_size``,
        ``window`` (bp around the TSS: the file's record, else centred), ``filename`` and
        ``DESCR``. ``data`` is a :class:`~skdeepchrome.layout.HistoneMatrix`, so a pipeline
        fitted on it knows the marks and the bin width.
    (data, target) : tuple
        When ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValueError
        When the file is empty, malformed, truncated (a cut-off gzip stream) or
        gzip-compressed under a name without ``.gz``; the message names the file, line,
        gene and column. Checked: column count, numeric and finite cells,
        integer BinIDs in 1..n_bins, exactly one row per BinID per gene, one integer label
        per gene.

    Notes
    -----
    Rows are grouped by GeneID wherever they are in the file: a gene's rows may come in
    any order, and even in several blocks, as long as together they hold each BinID
    exactly once. A GeneID reused for two genes therefore shows up as repeated BinIDs,
    and the error names the separate blocks. Parsing is vectorised: one
    :func:`pandas.read_csv` call followed by numpy checks; the slow diagnosis that
    locates the offending line runs only when a check fails.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     csv = Path(tmp) / "train.csv"
    ...     _ = csv.write_text("000007,2,5,0,1\\n000007,1,4,2,1\\n"
    ...                        "000010,1,0,0,0\\n000010,2,3,1,0\\n")
    ...     ds = load_deepchrome_csv(csv, marks=["H3K4me3", "H3K27me3"], n_bins=2)
    >>> ds.gene_ids.tolist(), ds.target.tolist()
    (['000007', '000010'], [1, 0])
    >>> np.asarray(ds.data)  # gene 000007: H3K4me3 bins 1-2, then H3K27me3 bins 1-2
    array([[4., 5., 2., 0.],
           [0., 3., 0., 1.]], dtype=float32)
    >>> ds.data.bin_size, ds.window  # the release's 100-bp bins, centred on the TSS
    (100.0, (-100, 100))
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no such file."
            if not path.exists()
            else f"{path}: is a folder, not a DeepChrome CSV file (use load_remc for folders)."
        )
    preamble = read_preamble(path)
    marks, n_bins, bin_size, window = _layout(path, preamble, marks, n_bins, bin_size)
    n_marks = len(marks)
    skip = preamble["lines"]
    first = skip + 1  # the first data row's line, as an editor numbers it

    frame = _read_frame(path, skip)
    n_columns = frame.shape[1]
    if n_columns != n_marks + 3:
        raise ValueError(
            f"{path}: line {first} has {n_columns} columns, but GeneID, BinID, {n_marks} marks "
            f"{list(marks)} and label make {n_marks + 3}. Pass marks= naming the file's "
            f"{max(n_columns - 3, 0)} mark columns in order."
        )
    not_numeric = [
        j
        for j in range(1, n_columns)
        if not pd.api.types.is_numeric_dtype(frame.dtypes[j])
        or pd.api.types.is_bool_dtype(frame.dtypes[j])
    ]
    if not_numeric:
        raise non_numeric_error(path, frame, not_numeric, marks, first)

    genes = frame[0].to_numpy()
    n_rows = len(frame)
    bins = _integer_column(path, frame, 1, marks, first)
    labels = _integer_column(path, frame, n_columns - 1, marks, first)
    expected_bins = np.arange(1, n_bins + 1)

    # Fast path, the release's own layout: genes in contiguous blocks of BinID 1..n_bins.
    # Comparing each row with its block's first row is much cheaper than hashing GeneIDs.
    order = None
    gene_ids = None
    if n_rows % n_bins == 0:
        n_genes = n_rows // n_bins
        blocks = genes.reshape(n_genes, n_bins)
        if (
            (blocks == blocks[:, :1]).all()
            and len(pd.unique(blocks[:, 0])) == n_genes
            and (bins.reshape(n_genes, n_bins) == expected_bins).all()
        ):
            gene_ids = np.asarray(blocks[:, 0], dtype=str)
            _check_no_empty_id(path, gene_ids, genes, first)
    if gene_ids is None:
        codes, uniques = pd.factorize(genes, sort=False)
        gene_ids = np.asarray(uniques, dtype=str)
        _check_no_empty_id(path, gene_ids, genes, first)
        n_genes = len(gene_ids)
        order = np.lexsort((bins, codes))
        counts = np.bincount(codes, minlength=n_genes)
        starts = np.cumsum(counts) - counts
        sorted_codes = codes[order]
        rank = np.arange(n_rows) - starts[sorted_codes]
        wrong = (bins[order] != rank + 1) | (counts[sorted_codes] != n_bins)
        if wrong.any():
            gene = int(sorted_codes[wrong].min())  # first problem gene in file order
            rows = np.flatnonzero(codes == gene)
            raise bin_error(path, gene_ids[gene], rows, bins[rows], n_bins, first)
    sorted_labels = (labels if order is None else labels[order]).reshape(n_genes, n_bins)
    differs = sorted_labels != sorted_labels[:, :1]
    if differs.any():
        gene = int(np.flatnonzero(differs.any(axis=1))[0])
        pos = np.array([0, int(np.flatnonzero(differs[gene])[0])]) + gene * n_bins
        one, other = pos if order is None else order[pos]
        raise ValueError(
            f"{path}: gene {str(gene_ids[gene])!r} has differing labels: "
            f"{labels[one]} at line {one + first} but {labels[other]} at line "
            f"{other + first}; "
            f"all rows of a gene must carry the same label."
        )

    counts = frame.iloc[:, 2 : 2 + n_marks].to_numpy(dtype=np.float32)
    if any(frame.dtypes[j].kind == "f" for j in range(2, 2 + n_marks)):
        # float32 also overflows to inf for counts beyond ~3.4e38.
        finite = np.isfinite(counts)
        if not finite.all():
            row, col = np.argwhere(~finite)[0]
            raise bad_value_error(
                path, frame, int(row), int(col) + 2, marks, "is not a finite number", first
            )
    if order is not None:
        counts = counts[order]
    data = np.ascontiguousarray(
        counts.reshape(n_genes, n_bins, n_marks).transpose(0, 2, 1).reshape(n_genes, -1)
    )
    data = HistoneMatrix(data, marks, n_bins, bin_size=bin_size)
    target = np.ascontiguousarray(sorted_labels[:, 0])
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        gene_ids=gene_ids,
        marks=marks,
        feature_names=feature_names(marks, n_bins),
        n_bins=n_bins,
        bin_size=bin_size,
        window=window,
        filename=str(path),
        DESCR=(
            f"DeepChrome CSV {path}: {n_genes} genes x {n_marks} marks {list(marks)} x "
            f"{n_bins} bins of {bin_size:g} bp; genes per label "
            f"{dict(zip(*(a.tolist() for a in np.unique(target, return_counts=True))))}."
        ),
    )


def _as_3d(X, marks):
    X = np.asarray(X)
    if marks is None:
        marks = infer_marks(X) or REMC_MARKS
    if X.ndim == 3:
        marks = resolve_marks(marks)
        if X.shape[1] != len(marks):
            raise ValueError(
                f"X has {X.shape[1]} marks on axis 1 but {len(marks)} marks {list(marks)} "
                f"were given."
            )
        return X, marks
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D (n_genes, n_marks * n_bins) or 3-D (n_genes, n_marks, n_bins), "
            f"got shape {X.shape}."
        )
    marks = resolve_marks(marks, n_features=X.shape[1])
    return X.reshape(X.shape[0], len(marks), -1), marks


def check_gene_ids(gene_ids, n_genes, what="gene_ids"):
    """Gene ids as a str array of length ``n_genes``: unique, non-empty, CSV-safe."""
    ids = np.asarray(gene_ids)
    if ids.ndim != 1 or len(ids) != n_genes:
        raise ValueError(
            f"{what} must be 1-D with one id per gene ({n_genes}), got shape {ids.shape}."
        )
    ids = ids.astype(str)
    if n_genes:
        uniq, first, counts = np.unique(ids, return_index=True, return_counts=True)
        if (counts > 1).any():
            dup = uniq[counts > 1][0]
            where = np.flatnonzero(ids == dup)[:3].tolist()
            raise ValueError(f"{what} must be unique; {str(dup)!r} appears at positions {where}.")
    bad = [i for i in ids if i == "" or any(c in i for c in ',"\n\r')][:1]
    if bad:
        raise ValueError(
            f"{what} must be non-empty and free of commas, quotes and line breaks, "
            f"got {str(bad[0])!r}."
        )
    return ids


def _count_column(col):
    """Integral values as integers; others as the shortest decimal that reads back exactly."""
    if col.dtype.kind == "i":
        return col
    integral = (col == np.round(col)) & (np.abs(col) < 2**53)
    if integral.all():
        return col.astype(np.int64)
    # numpy's str() of a float is the shortest repr that round-trips in its own dtype,
    # so float32 input gives "0.001", not the float64 expansion "0.00100000005".
    text = col.astype(str).astype(object)
    text[integral] = col[integral].astype(np.int64).astype(str)
    return text


def save_deepchrome_csv(path, X, y, gene_ids, marks=None, *, header=False, bin_size=None,
                        window=None, **metadata):
    """Write genes in the DeepChrome/REMC CSV layout, atomically.

    By default the output is exactly what :func:`load_deepchrome_csv` and the original
    DeepChrome code read: no header, one row ``GeneID,BinID,<marks...>,label`` per bin,
    BinID 1..n_bins, genes in the order given. With ``header=True`` the file first says its
    own layout, so that it is read back without being told the marks or the bin width: a
    comment line ``# skdeepchrome: bin_size=... window=...`` and a header row naming the
    columns (``pandas.read_csv(path, comment="#")`` reads such a file as a table).

    Parameters
    ----------
    path : str or path-like
        Destination; a name ending in ``.gz`` is gzip-compressed. Written to a temporary
        name in the same folder and renamed when complete.
    X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        Mark-major signal, finite. Integral values are written without a decimal point,
        others as the shortest decimal that reads back to the same value in ``X``'s own
        float type, so loading returns exactly ``X.astype(np.float32)``.
    y : array-like of shape (n_genes,)
        Integer labels.
    gene_ids : array-like of shape (n_genes,)
        Unique gene ids, written as given (keep leading zeros by passing strings).
    marks : sequence of str, default=None
        Mark names, used to split a 2-D ``X`` (and to check a 3-D one) and, with
        ``header=True``, written in the header row. ``None`` takes them from ``X`` when it
        carries them, else :data:`REMC_MARKS`.
    header : bool, default=False
        Write the comment line and the header row.
    bin_size : float, default=None
        With ``header=True``: base pairs per bin to record; ``None`` takes the width ``X``
        carries (a :class:`~skdeepchrome.layout.HistoneMatrix`), if any.
    window : (int, int), default=None
        With ``header=True``: bp around the TSS the bins span (``(-5000, 5000)`` for the
        release); ``None`` records a window centred on the TSS when the width is known.
    **metadata
        With ``header=True``: more ``key=value`` words for the comment line (values
        without spaces, e.g. ``epigenome="E003"``).

    Returns
    -------
    pathlib.Path
        The written file.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> X = np.array([[[4, 5], [1, 1.5]]])  # 1 gene, 2 marks, 2 bins
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = save_deepchrome_csv(Path(tmp) / "test.csv", X, [1], ["000042"],
    ...                               marks=["H3K4me3", "H3K27me3"])
    ...     print(out.read_text(), end="")
    000042,1,4,1,1
    000042,2,5,1.5,1
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = save_deepchrome_csv(Path(tmp) / "test.csv", X, [1], ["000042"],
    ...                               marks=["H3K4me3", "H3K27me3"], header=True,
    ...                               bin_size=500)
    ...     print(out.read_text(), end="")
    ...     load_deepchrome_csv(out).bin_size
    # skdeepchrome: bin_size=500 window=-500,500
    GeneID,BinID,H3K4me3,H3K27me3,label
    000042,1,4,1,1
    000042,2,5,1.5,1
    500.0
    """
    path = Path(path)
    carried = infer_bin_size(X)
    X3, marks = _as_3d(X, marks)
    n_genes, n_marks, n_bins = X3.shape
    if n_genes == 0 or n_bins == 0:
        raise ValueError(f"X holds no data (shape {X3.shape}); nothing to write to {path}.")
    gene_ids = check_gene_ids(gene_ids, n_genes)
    y = np.asarray(y)
    if y.shape != (n_genes,):
        raise ValueError(f"y must have shape ({n_genes},) (one label per gene), got {y.shape}.")
    if y.dtype.kind not in "iub":
        if y.dtype.kind != "f" or not (np.isfinite(y) & (y == np.round(y))).all():
            raise ValueError(f"y must hold integer labels, got dtype {y.dtype} values {y[:5]}.")
    y = y.astype(np.int64)
    if X3.dtype.kind in "biu":
        values = X3.astype(np.int64)
    elif X3.dtype.kind == "f":
        values = X3.astype(np.promote_types(X3.dtype, np.float32), copy=False)
    else:
        raise ValueError(f"X must be numeric, got dtype {X3.dtype}.")
    finite = np.isfinite(values)
    if not finite.all():
        g, m, b = np.argwhere(~finite)[0]
        raise ValueError(
            f"X holds a non-finite value {values[g, m, b]} for gene {str(gene_ids[g])!r}, "
            f"mark {marks[m]!r}, bin {b + 1}; the CSV format stores finite counts only."
        )

    preamble = (_preamble_lines(path, marks, n_bins, bin_size or carried, window, metadata)
                if header else "")
    rows = values.transpose(0, 2, 1).reshape(n_genes * n_bins, n_marks)
    columns = {0: np.repeat(gene_ids, n_bins), 1: np.tile(np.arange(1, n_bins + 1), n_genes)}
    for m in range(n_marks):
        columns[m + 2] = _count_column(rows[:, m])
    columns[n_marks + 2] = np.repeat(y, n_bins)
    frame = pd.DataFrame(columns)
    compression = (
        {"method": "gzip", "compresslevel": 6, "mtime": 0}
        if path.name.endswith(".gz")
        else None
    )
    with atomic_path(path) as part:
        if preamble:
            # Text first, then the rows, into one (possibly gzip) stream.
            with open(part, "wb") as raw:
                stream = (gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0)
                          if compression else raw)
                with io.TextIOWrapper(stream, encoding="utf-8", newline="") as out:
                    out.write(preamble)
                    frame.to_csv(out, header=False, index=False, lineterminator="\n")
        else:
            frame.to_csv(
                part,
                header=False,
                index=False,
                lineterminator="\n",
                compression=compression,
            )
    return path


def _preamble_lines(path, marks, n_bins, bin_size, window, metadata):
    """The comment line and the header row of a file that records its layout."""
    words = {}
    if bin_size is not None:
        width = float(bin_size)
        if not (np.isfinite(width) and width > 0):
            raise ValueError(f"bin_size must be a positive number of base pairs, got "
                             f"{bin_size!r}.")
        words["bin_size"] = f"{width:g}"
        if window is None:
            half = n_bins * width / 2
            window = (-half, half) if half == int(half) else None
    if window is not None:
        start, end = (int(v) for v in window)
        if bin_size is not None and (end - start) != n_bins * float(bin_size):
            raise ValueError(f"window {window!r} spans {end - start} bp but {n_bins} bins of "
                             f"{float(bin_size):g} bp span {n_bins * float(bin_size):g}; "
                             f"nothing written to {path}.")
        words["window"] = f"{start},{end}"
    for key, value in metadata.items():
        if value is None:
            continue
        text = str(value)
        if not key.isidentifier() or not text or any(c.isspace() or c in "#," for c in text):
            raise ValueError(f"metadata {key}={value!r}: keys must be names and values "
                             f"one word without spaces, commas or '#'.")
        words[key] = text
    comment = " ".join(f"{k}={v}" for k, v in words.items())
    bad = [m for m in marks if "," in m or m.startswith("#")]
    if bad:
        raise ValueError(f"mark name(s) {bad} cannot head a CSV column (comma or '#').")
    columns = ",".join([*HEADER_START, *marks, HEADER_END])
    return f"{PREAMBLE} {comment}\n{columns}\n"


def _split_files(folder):
    """``{split: path}`` for an epigenome folder, or raise naming the folder and split."""
    found = {}
    for split in SPLITS:
        candidates = [folder / f"{split}{suffix}" for suffix in CSV_SUFFIXES]
        present = [c for c in candidates if c.is_file()]
        if not present:
            raise FileNotFoundError(
                f"{folder}: epigenome folder has no {split!r} split (looked for "
                f"{' and '.join(c.name for c in candidates)})."
            )
        if len(present) > 1:
            raise ValueError(
                f"{folder}: the {split!r} split is ambiguous, both "
                f"{' and '.join(p.name for p in present)} exist; keep one."
            )
        found[split] = present[0]
    return found


def is_epigenome_folder(folder):
    """True when ``folder`` holds at least one of ``train/valid/test.csv[.gz]``.

    A folder with only some of the splits still counts, so that loading it reports the
    missing split rather than the folder being skipped without a word.
    """
    folder = Path(folder)
    return folder.is_dir() and any(
        (folder / f"{split}{suffix}").is_file() for split in SPLITS for suffix in CSV_SUFFIXES
    )


def load_remc(folder, marks=None, n_bins=None, *, bin_size=None):
    """Load one epigenome folder of the DeepChrome release into its three splits.

    Parameters
    ----------
    folder : str or path-like
        A folder such as ``E003/`` holding ``train``, ``valid`` and ``test`` as ``.csv``
        or ``.csv.gz``.
    marks : sequence of str, default=None
        Mark column names; ``None`` means the files' header rows, else
        :data:`~skdeepchrome.layout.REMC_MARKS`.
    n_bins : int, default=None
        Rows (bins) per gene; ``None`` means what the files record, else the release's 100.
    bin_size : float, default=None
        Base pairs per bin; ``None`` means what the files record, else the release's 100.

    Returns
    -------
    Bunch
        ``train``, ``valid``, ``test`` (each as returned by :func:`load_deepchrome_csv`),
        ``epigenome`` (the folder name), ``marks``, ``n_bins``, ``bin_size``, ``window``
        and ``folder``.

    Raises
    ------
    FileNotFoundError
        When the folder or one of its splits is missing (the message names both).
    ValueError
        When a split is present both as ``.csv`` and ``.csv.gz``, or a file is malformed.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = Path(tmp) / "E003"
    ...     folder.mkdir()
    ...     for split in ("train", "valid", "test.csv.gz"):
    ...         name = split if split.endswith(".gz") else split + ".csv"
    ...         _ = save_deepchrome_csv(folder / name, np.ones((2, 5, 3)), [0, 1],
    ...                                 ["000001", "000002"])
    ...     remc = load_remc(folder, n_bins=3)
    >>> remc.epigenome, remc.train.data.shape, remc.test.target.tolist()
    ('E003', (2, 15), [0, 1])
    """
    folder = Path(folder)
    if not folder.exists():
        raise FileNotFoundError(f"{folder}: no such epigenome folder.")
    if not folder.is_dir():
        raise ValueError(f"{folder}: is a file; load_remc expects an epigenome folder.")
    files = _split_files(folder)
    splits = {split: load_deepchrome_csv(files[split], marks, n_bins, bin_size=bin_size)
              for split in SPLITS}
    train = splits["train"]
    for split in SPLITS[1:]:
        part = splits[split]
        for name in ("marks", "n_bins", "bin_size", "window"):
            if part[name] != train[name]:
                raise ValueError(
                    f"{folder}: the splits disagree: {files['train'].name} has {name} "
                    f"{train[name]!r} but {files[split].name} has {part[name]!r}.")
    sizes = ", ".join(f"{s} {len(splits[s].gene_ids)}" for s in SPLITS)
    return Bunch(
        **splits,
        epigenome=folder.name,
        marks=train.marks,
        n_bins=train.n_bins,
        bin_size=train.bin_size,
        window=train.window,
        folder=str(folder),
        DESCR=f"REMC/DeepChrome epigenome {folder.name} ({folder}): genes per split {sizes}.",
    )


class RemcCollection:
    """The epigenome folders under a root, loaded one at a time when asked for.

    Made by :func:`load_remc_collection`. Nothing is cached: the full release is about
    2 GB as float32, so each access reads the folder again and memory holds one
    epigenome at a time while iterating.

    Attributes
    ----------
    root : pathlib.Path
    epigenomes : tuple of str
        Folder names, sorted.
    folders : dict of str to pathlib.Path
    marks : tuple of str
    n_bins : int
    bin_size : float
    """

    def __init__(self, root, folders, marks, n_bins, bin_size=REMC_BIN_SIZE):
        self.root = Path(root)
        self.folders = dict(sorted(folders.items()))
        self.epigenomes = tuple(self.folders)
        self.marks = marks
        self.n_bins = n_bins
        self.bin_size = float(bin_size)

    def __len__(self):
        return len(self.epigenomes)

    def __contains__(self, name):
        return name in self.folders

    def __iter__(self) -> Iterator[tuple[str, Bunch]]:
        for name in self.epigenomes:
            yield name, self[name]

    def __getitem__(self, name):
        if name not in self.folders:
            raise KeyError(
                f"No epigenome {name!r} under {self.root}; available: {list(self.epigenomes)}."
            )
        return load_remc(self.folders[name], marks=self.marks, n_bins=self.n_bins,
                         bin_size=self.bin_size)

    def __repr__(self):
        shown = ", ".join(self.epigenomes[:4]) + (", ..." if len(self) > 4 else "")
        return f"RemcCollection({str(self.root)!r}, {len(self)} epigenomes: {shown})"


def load_remc_collection(root, marks=None, n_bins=None, epigenomes=None, *, bin_size=None):
    """Find the epigenome folders under ``root``; load each lazily.

    Parameters
    ----------
    root : str or path-like
        A folder whose sub-folders (``E003/``, ``E004/``, ...) are epigenome folders, as
        in the DeepChrome release. Sub-folders holding none of the split files (and
        hidden ones) are not epigenomes and are ignored; one holding only some splits is
        listed and raises its missing-split error when loaded.
    marks : sequence of str, default=None
        Mark column names; ``None`` means what the first epigenome's files record in
        their header row, else :data:`~skdeepchrome.layout.REMC_MARKS`.
    n_bins : int, default=None
        Rows (bins) per gene; ``None``: as recorded, else the release's 100.
    epigenomes : sequence of str, default=None
        Keep only these epigenomes (each must exist).
    bin_size : float, default=None
        Base pairs per bin; ``None``: as recorded, else the release's 100.

    Returns
    -------
    RemcCollection
        Has ``len()``, ``.epigenomes`` (sorted names), ``name in collection``,
        ``collection[name]`` (a :func:`load_remc` Bunch) and iterates
        ``(name, bunch)`` pairs, reading each folder only when it is reached.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     for name in ("E005", "E003"):
    ...         (Path(tmp) / name).mkdir()
    ...         for split in ("train", "valid", "test"):
    ...             _ = save_deepchrome_csv(Path(tmp) / name / f"{split}.csv",
    ...                                     np.zeros((1, 5, 4)), [0], ["000001"])
    ...     collection = load_remc_collection(tmp, n_bins=4)
    ...     print(len(collection), collection.epigenomes)
    ...     print([(name, remc.valid.data.shape) for name, remc in collection])
    2 ('E003', 'E005')
    [('E003', (1, 20)), ('E005', (1, 20))]
    """
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"{root}: no such folder.")
    if not root.is_dir():
        raise ValueError(f"{root}: is a file; load_remc_collection expects a folder.")
    folders = {
        entry.name: Path(entry.path)
        for entry in os.scandir(root)
        if not entry.name.startswith(".") and is_epigenome_folder(entry.path)
    }
    if not folders:
        hint = (
            " It is itself an epigenome folder: use load_remc."
            if is_epigenome_folder(root)
            else ""
        )
        raise ValueError(
            f"{root}: no epigenome folders found (sub-folders holding train/valid/test "
            f".csv or .csv.gz).{hint}"
        )
    if epigenomes is not None:
        wanted = [str(e) for e in ([epigenomes] if isinstance(epigenomes, str) else epigenomes)]
        unknown = [e for e in wanted if e not in folders]
        if unknown:
            raise ValueError(
                f"{root}: no epigenome folder(s) {unknown}; available: {sorted(folders)}."
            )
        folders = {e: folders[e] for e in wanted}
    # The first epigenome's first split says the layout (only its top lines are read);
    # every other file is checked against it when loaded.
    first = min(folders)
    present = [folders[first] / f"{split}{suffix}" for split in SPLITS
               for suffix in CSV_SUFFIXES]
    sample = next(p for p in present if p.is_file())
    marks, n_bins, bin_size, _ = _layout(sample, read_preamble(sample), marks, n_bins,
                                         bin_size)
    return RemcCollection(root, folders, marks, n_bins, bin_size)
