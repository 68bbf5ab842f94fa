"""``--data`` read as chunks of genes, for commands whose work is per gene (``predict``).

The one file a command needs (a dataset file, or one split of an epigenome folder) is
streamed by :func:`skdeepchrome.datasets.iter_gene_chunks`, so memory holds a chunk
rather than the input; what cannot be streamed (the packaged sample, a file given with
``--epigenome``) is read whole by :func:`._data.read_data`, as before. Heavy modules are
imported inside the functions: ``--help`` must not load them.
"""

from __future__ import annotations

from pathlib import Path

from . import _data
from . import _roadmap_sample as roadmap

SUFFIXES = (".csv", ".csv.gz")


def _split_file(folder, split):
    """The CSV of ``split`` in an epigenome folder, or None when it is not one file."""
    found = [folder / f"{split}{suffix}" for suffix in SUFFIXES]
    found = [path for path in found if path.is_file()]
    return found[0] if len(found) == 1 else None


def streamed_file(data, epigenome, split):
    """``(file, marks, n_bins)`` to stream for ``--data``, or None to read it whole.

    ``marks`` and ``n_bins`` are None where the file's loader chooses them.
    """
    data = Path(data)
    if roadmap.is_roadmap_sample(data):
        return None
    if data.is_file():
        return None if epigenome is not None else (data, None, None)
    if not data.is_dir():
        return None
    from ..datasets import load_remc_collection

    if (file := _split_file(data, split)) is not None:
        return None if epigenome is not None else (file, None, None)
    try:
        collection = load_remc_collection(data)
    except ValueError:
        return None  # read_data names what --data is not
    names = list(collection.epigenomes)
    name = _data._choose(names, epigenome, data)
    file = _split_file(collection.folders[name], split)
    return None if file is None else (file, collection.marks, collection.n_bins)


def gene_chunks(data, epigenome, split, marks=None):
    """Yield ``(X, gene_ids, marks, bin_size)`` chunks of ``--data`` (its ``split`` for an
    epigenome); ``bin_size`` is None where the file does not record it.

    ``marks`` (``--marks``) names the columns of a file that does not name them itself.

    A last chunk shorter than the others joins the one before it, so every chunk but a
    lone one is at least :data:`~skdeepchrome.datasets.CHUNK_GENES` genes: the
    estimators then run the very batches, on the same threads, that a prediction of
    the whole input does, and give the same numbers.
    """
    import numpy as np

    from .. import datasets

    source = streamed_file(data, epigenome, split)
    if source is None:
        loaded = _data.read_data(data, epigenome, marks)
        part = loaded[split] if "train" in loaded else loaded
        yield part.data, part.gene_ids, tuple(loaded.marks), loaded.get("bin_size")
        return
    file, recorded, n_bins = source
    marks = recorded if marks is None else marks
    held = None
    for chunk in datasets.iter_gene_chunks(file, chunk_size=datasets.CHUNK_GENES, marks=marks,
                                           n_bins=n_bins):
        if held is not None and len(chunk.gene_ids) < len(held.gene_ids):
            # The last chunk (only it is shorter): joined to the one before.
            yield (np.concatenate([held.data, chunk.data]),
                   np.concatenate([held.gene_ids, chunk.gene_ids]), tuple(chunk.marks), None)
            return
        if held is not None:
            yield held.data, held.gene_ids, tuple(held.marks), None
        held = chunk
    if held is not None:
        yield held.data, held.gene_ids, tuple(held.marks), None
