"""Datasets as compressed ``.npz`` files, and one entry point for every dataset on disk.

An npz dataset is what the genome extractor writes and the comparison harness reads:
the mark-major matrix with its gene ids and mark names, optional labels and expression,
and a small JSON dictionary of how it was made (flank, bin size, statistic, source
files, epigenome, ...). Only plain arrays are stored, so loading never unpickles.
"""

from __future__ import annotations

import json
import math
import tokenize
import zipfile
import zlib
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from .._files import atomic_path
from ..layout import HistoneMatrix, feature_names, infer_bin_size, resolve_marks
from ._remc import (
    check_gene_ids,
    is_epigenome_folder,
    load_deepchrome_csv,
    load_remc,
    load_remc_collection,
)

FORMAT = "skdeepchrome-npz-1"
_REQUIRED = ("data", "gene_ids", "marks")


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _per_gene(name, values, n_genes, numeric_kinds):
    values = np.asarray(values)
    if values.shape != (n_genes,):
        raise ValueError(
            f"{name} must have shape ({n_genes},) (one value per gene), got {values.shape}."
        )
    if values.dtype.kind not in numeric_kinds:
        raise ValueError(f"{name} must be numeric, got dtype {values.dtype}.")
    return values


def _check_layout(n_bins, bin_size, window, where):
    """``(bin_size, window)`` checked against each other and ``n_bins``; window centred if
    only the width is known."""
    if bin_size is not None:
        bin_size = float(bin_size)
        if not (math.isfinite(bin_size) and bin_size > 0):
            raise ValueError(f"{where}bin_size must be a positive number of base pairs, got "
                             f"{bin_size!r}.")
    if window is None:
        if bin_size is None:
            return None, None
        half = n_bins * bin_size / 2
        return bin_size, ((-int(half), int(half)) if half == int(half) else None)
    try:
        start, end = (int(v) for v in window)
    except (TypeError, ValueError):
        raise ValueError(f"{where}window must be a (start, end) pair of base pairs around "
                         f"the TSS, got {window!r}.") from None
    if start >= end:
        raise ValueError(f"{where}window {window!r} must have start < end.")
    if bin_size is not None and end - start != n_bins * bin_size:
        raise ValueError(f"{where}window {window!r} spans {end - start} bp but {n_bins} bins "
                         f"of {bin_size:g} bp span {n_bins * bin_size:g}.")
    return bin_size, (start, end)


def save_npz_dataset(path, data, *, gene_ids, marks, target=None, expression=None,
                     bin_size=None, window=None, **metadata):
    """Write a dataset to a compressed ``.npz`` file, atomically.

    Parameters
    ----------
    path : str or path-like
        Destination, written exactly as named (no ``.npz`` is appended) via a temporary
        file renamed when complete.
    data : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        Mark-major signal; stored as float32 (NaN allowed, e.g. for missing coverage).
    gene_ids : array-like of str, shape (n_genes,)
        Unique, non-empty gene ids.
    marks : sequence of str
        Mark names in column-block order.
    target : array-like of shape (n_genes,), default=None
        Labels (integers) or a continuous target.
    expression : array-like of shape (n_genes,), default=None
        Expression values (e.g. RPKM), stored as float64.
    bin_size : float, default=None
        Base pairs per bin, recorded so that loading gives a
        :class:`~skdeepchrome.layout.HistoneMatrix` that carries it; ``None`` takes the
        width ``data`` carries, if any.
    window : (int, int), default=None
        Base pairs around the TSS the bins span (``(-5000, 5000)`` for DeepChrome's);
        ``None`` records a window centred on the TSS when the width is known.
    **metadata
        Small JSON-serialisable values describing the dataset (numpy scalars and arrays
        and paths are converted), stored as one JSON string.

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = save_npz_dataset(Path(tmp) / "E003.npz", np.ones((2, 2, 3)),
    ...                            gene_ids=["g1", "g2"], marks=["H3K4me3", "H3K27me3"],
    ...                            target=[0, 1], bin_size=100, window=(-100, 200))
    ...     ds = load_npz_dataset(out)
    >>> ds.data.shape, ds.gene_ids.tolist(), ds.target.tolist(), ds.metadata
    ((2, 6), ['g1', 'g2'], [0, 1], {'bin_size': 100, 'window': [-100, 200]})
    >>> ds.data.bin_size, ds.bin_size, ds.window
    (100.0, 100.0, (-100, 200))
    """
    path = Path(path)
    carried = infer_bin_size(data)
    marks = resolve_marks(marks)
    try:
        data = np.asarray(data, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"data must be numeric: {exc}") from None
    if data.ndim == 3:
        if data.shape[1] != len(marks):
            raise ValueError(
                f"data has {data.shape[1]} marks on axis 1 but {len(marks)} marks "
                f"{list(marks)} were given."
            )
        data = data.reshape(data.shape[0], -1)
    elif data.ndim != 2:
        raise ValueError(
            f"data must be 2-D (n_genes, n_marks * n_bins) or 3-D (n_genes, n_marks, n_bins), "
            f"got shape {data.shape}."
        )
    resolve_marks(marks, n_features=data.shape[1])
    n_genes = data.shape[0]
    if bin_size is None and carried is not None:
        bin_size = carried
    elif bin_size is not None and carried is not None and float(bin_size) != carried:
        raise ValueError(f"bin_size={bin_size!r} but data carries bins of {carried:g} bp.")
    # Recorded as told (a centred window is derived when the file is read).
    _check_layout(data.shape[1] // len(marks), bin_size, window, "")
    if bin_size is not None:
        metadata["bin_size"] = bin_size
    if window is not None:
        metadata["window"] = [int(v) for v in window]
    arrays = {
        "format": np.asarray(FORMAT),
        "data": data,
        "gene_ids": check_gene_ids(gene_ids, n_genes),
        "marks": np.asarray(marks, dtype=str),
        "n_bins": np.asarray(data.shape[1] // len(marks)),
    }
    if target is not None:
        arrays["target"] = _per_gene("target", target, n_genes, "biuf")
    if expression is not None:
        arrays["expression"] = _per_gene("expression", expression, n_genes, "biuf").astype(
            np.float64
        )
    for key, value in metadata.items():
        try:
            json.dumps(value, default=_json_default)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"metadata {key!r} is not JSON serialisable: {exc}.") from None
    arrays["metadata"] = np.asarray(json.dumps(metadata, default=_json_default, sort_keys=True))
    with atomic_path(path) as part, open(part, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    return path


def _check_members(path):
    """Refuse an npz archive whose arrays declare more data than they hold.

    numpy allocates the shape an array's header declares before it reads the data, so a
    damaged header (one flipped digit of a shape) would ask for terabytes; each member's
    declared size is checked against its size in the zip directory first. Plain ``.npy``
    files and other non-archives are left to numpy.
    """
    if not zipfile.is_zipfile(path):
        return
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version not in ((1, 0), (2, 0)):
                    continue  # numpy reads (or refuses) what it alone knows
                header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                          else np.lib.format.read_array_header_2_0)
                shape, _, dtype = header(member)
                declared = math.prod(shape) * dtype.itemsize
                if not dtype.hasobject and declared != info.file_size - member.tell():
                    raise ValueError(
                        f"the array {info.filename[:-4]!r} declares {declared} bytes "
                        f"(shape {shape}, dtype {dtype}) but holds "
                        f"{info.file_size - member.tell()}"
                    )


def load_npz_dataset(path):
    """Load a dataset written by :func:`save_npz_dataset`.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    Bunch
        ``data`` float32 ``(n_genes, n_marks * n_bins)`` (a
        :class:`~skdeepchrome.layout.HistoneMatrix` carrying its marks and, when recorded,
        its bin width), ``gene_ids`` str, ``marks`` tuple, ``feature_names``, ``n_bins``,
        ``bin_size`` and ``window`` (None when not recorded; a file that records ``flank``
        and ``bin_size`` has the window ``(-flank, flank)``), ``target`` (or None),
        ``expression`` (or None), ``metadata`` dict, ``filename`` and ``DESCR``.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValueError
        When it is not a readable npz file (corrupt, truncated, or holding pickled
        objects), lacks a required array, or its arrays disagree in shape.

    Examples
    --------
    See :func:`save_npz_dataset`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: no such file." if not path.exists() else f"{path}: is a folder."
        )
    try:
        _check_members(path)
        with np.load(path, allow_pickle=False) as archive:
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise ValueError("it holds a single array, not an npz archive")
            missing = [key for key in _REQUIRED if key not in archive.files]
            if missing:
                raise KeyError(missing, sorted(archive.files))
            arrays = {key: archive[key] for key in archive.files}
    except KeyError as exc:
        missing, present = exc.args
        raise ValueError(
            f"{path}: not an skdeepchrome dataset, missing array(s) {missing} "
            f"(it holds {present})."
        ) from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, MemoryError,
            NotImplementedError, RuntimeError, SyntaxError, tokenize.TokenError) as exc:
        # numpy parses an array's header as a Python literal: a damaged one fails with
        # SyntaxError or TokenError too.
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"{path}: not a readable .npz dataset; it is truncated or corrupt "
                         f"({' '.join(str(exc).split()) or type(exc).__name__}).") from None

    data, gene_ids = arrays["data"], arrays["gene_ids"]
    marks_array = arrays["marks"]
    if data.dtype.kind not in "biuf" or gene_ids.dtype.kind not in "U" or (
        marks_array.dtype.kind != "U"
    ):
        raise ValueError(
            f"{path}: data must be numeric and gene_ids/marks text, got dtypes "
            f"{data.dtype}, {gene_ids.dtype}, {marks_array.dtype}."
        )
    marks = tuple(marks_array.reshape(-1).tolist())
    if data.ndim == 3 and data.shape[1] == len(marks):
        data = data.reshape(data.shape[0], -1)
    if data.ndim != 2 or gene_ids.shape != (data.shape[0],):
        raise ValueError(
            f"{path}: shape mismatch, data {data.shape} vs gene_ids {gene_ids.shape}; "
            f"expected (n_genes, n_marks * n_bins) and (n_genes,)."
        )
    try:
        marks = resolve_marks(marks, n_features=data.shape[1])
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    n_bins = data.shape[1] // len(marks)
    if "n_bins" in arrays and int(arrays["n_bins"]) != n_bins:
        raise ValueError(
            f"{path}: records n_bins={int(arrays['n_bins'])} but data {data.shape} with "
            f"{len(marks)} marks has {n_bins} bins per mark."
        )
    optional = {}
    for key in ("target", "expression"):
        value = arrays.get(key)
        if value is not None and value.shape != (data.shape[0],):
            raise ValueError(
                f"{path}: shape mismatch, {key} {value.shape} vs {data.shape[0]} genes."
            )
        optional[key] = value
    try:
        metadata = json.loads(str(arrays["metadata"])) if "metadata" in arrays else {}
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: metadata is not valid JSON ({exc}).") from None
    if not isinstance(metadata, dict):
        raise ValueError(f"{path}: metadata must be a JSON object, got {type(metadata).__name__}.")
    window = metadata.get("window")
    flank = metadata.get("flank")
    if window is None and isinstance(flank, (int, float)) and not isinstance(flank, bool):
        window = (-flank, flank)  # files written before the window was recorded
    try:
        bin_size, window = _check_layout(n_bins, metadata.get("bin_size"), window, "")
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{path}: its metadata's {exc}") from None
    return Bunch(
        data=HistoneMatrix(data.astype(np.float32, copy=False), marks, n_bins,
                           bin_size=bin_size),
        bin_size=bin_size,
        window=window,
        gene_ids=gene_ids.astype(str),
        marks=marks,
        feature_names=feature_names(marks, n_bins),
        n_bins=n_bins,
        target=optional["target"],
        expression=optional["expression"],
        metadata=metadata,
        filename=str(path),
        DESCR=(
            f"skdeepchrome npz dataset {path}: {data.shape[0]} genes x {len(marks)} marks "
            f"{list(marks)} x {n_bins} bins; metadata {metadata}."
        ),
    )


def load_dataset(path, **kwargs):
    """Load whatever dataset ``path`` is: npz file, DeepChrome CSV, epigenome folder or root.

    =================================  ==============================
    ``path`` is                        loaded with
    =================================  ==============================
    a ``.npz`` file                    :func:`load_npz_dataset`
    a ``.csv`` or ``.csv.gz`` file     :func:`load_deepchrome_csv`
    a folder with train/valid/test     :func:`load_remc`
    a folder of such folders           :func:`load_remc_collection`
    =================================  ==============================

    Parameters
    ----------
    path : str or path-like
    **kwargs
        Passed on to the loader (e.g. ``marks=``, ``n_bins=`` for the CSV loaders).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = save_npz_dataset(Path(tmp) / "d.npz", np.zeros((1, 4)), gene_ids=["g"],
    ...                          marks=["A", "B"])
    ...     load_dataset(Path(tmp) / "d.npz").feature_names.tolist()
    ['A_bin000', 'A_bin001', 'B_bin000', 'B_bin001']
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder.")
    name = path.name.lower()
    if path.is_file():
        if name.endswith(".npz"):
            return load_npz_dataset(path, **kwargs)
        if name.endswith((".csv", ".csv.gz")):
            return load_deepchrome_csv(path, **kwargs)
        raise ValueError(
            f"{path}: unsupported file type; expected a .npz dataset or a DeepChrome "
            f".csv/.csv.gz file."
        )
    if is_epigenome_folder(path):
        return load_remc(path, **kwargs)
    if any(is_epigenome_folder(child) for child in path.iterdir()):
        return load_remc_collection(path, **kwargs)
    raise ValueError(
        f"{path}: neither an epigenome folder (train/valid/test .csv or .csv.gz) nor a "
        f"folder of epigenome folders."
    )
