"""A dataset file read a chunk of genes at a time, so predicting it needs bounded memory.

:func:`iter_gene_chunks` streams the two layouts that allow it without reading the whole
file: an npz dataset's ``data`` array is decompressed row block by row block, and a
DeepChrome CSV in the release's order (each gene's ``n_bins`` rows together, BinID
1..n_bins) is parsed ``chunk_size`` genes at a time. Anything else, or anything a chunk's
checks do not accept, is read whole by the loaders (:func:`load_dataset`): they give the
same genes in the same order, or the error naming the file, line and gene, so streaming
never changes what a file means or how a damaged one is reported, only the memory
needed for a sound one.
"""

from __future__ import annotations

import math
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..layout import REMC_MARKS, resolve_marks
from ._npz import load_dataset
from ._remc import _compression

#: Genes per chunk: a multiple of the estimators' inference batch (4096 genes), so a
#: streamed prediction runs the very batches a whole one does.
CHUNK_GENES = 8192


class _NotStreamable(Exception):
    """The file, or a chunk of it, is not in a layout the streaming readers accept."""


def iter_gene_chunks(path, *, chunk_size=CHUNK_GENES, marks=None, n_bins=None):
    """Yield the genes of a dataset file as ``Bunch(data, gene_ids, marks, n_bins)`` chunks.

    Memory holds one chunk (``chunk_size`` genes) of a ``.npz`` dataset or of a
    DeepChrome CSV whose genes are in the release's order; other files are loaded whole
    (see the module's notes). Concatenated, the chunks are ``load_dataset(path)``'s
    ``data`` and ``gene_ids``, in order.

    Parameters
    ----------
    path : str or path-like
        A ``.npz`` dataset or a DeepChrome ``.csv`` / ``.csv.gz`` file.
    chunk_size : int, default=8192
        Genes per chunk (the last may hold fewer).
    marks : sequence of str, default=None
        The CSV's mark columns, as for :func:`load_deepchrome_csv` (``None``: the
        release's); an npz file names its own.
    n_bins : int, default=None
        The CSV's rows per gene (``None``: the loader's default, the release's 100).

    Yields
    ------
    Bunch
        ``data`` float32 ``(n, n_marks * n_bins)``, ``gene_ids`` str ``(n,)``, ``marks``
        and ``n_bins``.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`load_dataset` raises them for the file; since a file is checked as it
        is read, an error may come after the first chunks.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from skdeepchrome.datasets import save_npz_dataset
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save_npz_dataset(Path(tmp) / "d.npz", np.arange(10.0).reshape(5, 2),
    ...                             gene_ids=list("abcde"), marks=["A", "B"])
    ...     [chunk.gene_ids.tolist() for chunk in iter_gene_chunks(path, chunk_size=2)]
    [['a', 'b'], ['c', 'd'], ['e']]
    """
    path = Path(path)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}.")
    options = {key: value for key, value in (("marks", marks), ("n_bins", n_bins))
               if value is not None}
    name = path.name.lower()
    if path.is_file() and name.endswith(".npz"):
        reader = _npz_chunks(path, chunk_size)
    elif path.is_file() and name.endswith((".csv", ".csv.gz")):
        reader = _csv_chunks(path, chunk_size,
                             REMC_MARKS if marks is None else resolve_marks(marks),
                             100 if n_bins is None else n_bins)
    else:
        reader = iter(())
    done = 0
    try:
        for chunk in reader:
            done += len(chunk.gene_ids)
            yield chunk
        if done:
            return
    except _NotStreamable:
        pass
    # Read whole, by the loaders: their result, or their error for what is wrong.
    loaded = load_dataset(path, **options)
    if "data" not in loaded:
        raise ValueError(f"{path}: not one dataset file (.npz, .csv or .csv.gz).")
    for start in range(done, len(loaded.gene_ids), chunk_size):
        stop = start + chunk_size
        yield Bunch(data=loaded.data[start:stop], gene_ids=loaded.gene_ids[start:stop],
                    marks=loaded.marks, n_bins=loaded.n_bins)


# -- npz -------------------------------------------------------------------------------


def _small_arrays(path):
    """Every array of the archive but ``data``, read with numpy's own checks."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not isinstance(archive, np.lib.npyio.NpzFile) or "data" not in archive.files:
                raise _NotStreamable
            return {key: archive[key] for key in archive.files if key != "data"}
    except _NotStreamable:
        raise
    except Exception:  # noqa: BLE001 - the loader names what is wrong with the file
        raise _NotStreamable from None


def _npz_chunks(path, chunk_size):
    arrays = _small_arrays(path)
    gene_ids, marks_array = arrays.get("gene_ids"), arrays.get("marks")
    if gene_ids is None or marks_array is None or gene_ids.dtype.kind != "U" or (
            marks_array.dtype.kind != "U" or gene_ids.ndim != 1):
        raise _NotStreamable
    marks = tuple(marks_array.reshape(-1).tolist())
    try:
        with zipfile.ZipFile(path) as archive, archive.open("data.npy") as member:
            layout = _npy_layout(archive, member, len(gene_ids), marks, arrays)
            marks, n_bins, width, dtype = layout
            for start in range(0, len(gene_ids), chunk_size):
                rows = min(chunk_size, len(gene_ids) - start)
                block = member.read(rows * width * dtype.itemsize)
                data = np.frombuffer(block, dtype=dtype).reshape(rows, width)
                yield Bunch(data=data.astype(np.float32), marks=marks, n_bins=n_bins,
                            gene_ids=gene_ids[start:start + rows])
    except _NotStreamable:
        raise
    except Exception:  # noqa: BLE001 - a damaged stream: the loader says how
        raise _NotStreamable from None


def _npy_layout(archive, member, n_genes, marks, arrays):
    """``(marks, n_bins, width, dtype)`` of the ``data`` member, or ``_NotStreamable``."""
    version = np.lib.format.read_magic(member)
    if version not in ((1, 0), (2, 0)):
        raise _NotStreamable
    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                   else np.lib.format.read_array_header_2_0)
    shape, fortran, dtype = read_header(member)
    # Declared against stored bytes before anything is allocated, as the loader does.
    size = archive.getinfo("data.npy").file_size - member.tell()
    if (fortran or dtype.hasobject or dtype.kind not in "biuf" or len(shape) not in (2, 3)
            or math.prod(shape) * dtype.itemsize != size or shape[0] != n_genes
            or len(shape) == 3 and shape[1] != len(marks)):
        raise _NotStreamable
    width = math.prod(shape[1:])
    marks = resolve_marks(marks, n_features=width)
    n_bins = width // len(marks)
    if "n_bins" in arrays and int(arrays["n_bins"]) != n_bins:
        raise _NotStreamable
    return marks, n_bins, width, dtype


# -- DeepChrome CSV --------------------------------------------------------------------


def _csv_chunks(path, chunk_size, marks, n_bins):
    """Chunks of a CSV in the release's order; ``_NotStreamable`` at the first surprise."""
    n_marks = len(marks)
    try:
        compression = _compression(path)
    except ValueError:
        raise _NotStreamable from None
    seen = set()
    expected_bins = np.arange(1, n_bins + 1)
    try:
        # As the loader reads it (GeneID as text, leading zeros kept), whole genes at a
        # time.
        with pd.read_csv(path, header=None, dtype={0: object}, na_filter=False,
                         skip_blank_lines=False, compression=compression,
                         chunksize=chunk_size * n_bins) as frames:
            while True:
                with warnings.catch_warnings():
                    # A mixed-type column is refused below; its warning is only noise.
                    warnings.simplefilter("ignore", pd.errors.DtypeWarning)
                    frame = next(frames, None)
                if frame is None:
                    return
                chunk = _csv_chunk(frame, n_marks, n_bins, expected_bins, seen, marks)
                yield chunk
    except _NotStreamable:
        raise
    except Exception:  # noqa: BLE001 - the loader names what is wrong with the file
        raise _NotStreamable from None


def _csv_chunk(frame, n_marks, n_bins, expected_bins, seen, marks):
    n_rows = len(frame)
    if frame.shape[1] != n_marks + 3 or n_rows % n_bins:
        raise _NotStreamable
    for j in range(1, frame.shape[1]):
        kind = frame.dtypes[j].kind
        if kind not in "iuf":
            raise _NotStreamable
    n_genes = n_rows // n_bins
    blocks = frame[0].to_numpy().reshape(n_genes, n_bins)
    bins = frame[1].to_numpy().reshape(n_genes, n_bins)
    labels = frame[n_marks + 2].to_numpy().reshape(n_genes, n_bins)
    gene_ids = blocks[:, 0]
    if not ((blocks == gene_ids[:, None]).all() and (bins == expected_bins).all()
            and (labels == labels[:, :1]).all() and (labels[:, 0] == np.round(labels[:, 0])).all()
            and (gene_ids != "").all()):
        raise _NotStreamable
    gene_ids = np.asarray(gene_ids, dtype=str)
    before = len(seen)
    seen.update(gene_ids.tolist())
    if len(seen) != before + n_genes:  # a GeneID twice: the loader says where
        raise _NotStreamable
    counts = frame.iloc[:, 2:2 + n_marks].to_numpy(dtype=np.float32)
    if not (np.isfinite(counts).all() and (counts >= 0).all()):
        raise _NotStreamable
    data = counts.reshape(n_genes, n_bins, n_marks).transpose(0, 2, 1).reshape(n_genes, -1)
    return Bunch(data=np.ascontiguousarray(data), gene_ids=gene_ids, marks=marks,
                 n_bins=n_bins)
