"""Reading bigWig windows: what a worker process runs, importing only numpy and pyBigWig.

:func:`~skdeepchrome.genome.extract_signal` plans the work and sends
:func:`read_windows` to its workers; keeping it here, away from pandas and scikit-learn,
makes a worker start in a fraction of the time.
"""

from __future__ import annotations

import numpy as np

# Windows reduced at once: bounds the temporary (batch, window) array to a few MB.
_BATCH = 128


def import_pybigwig():
    """Import pyBigWig, or say how to install it.

    Examples
    --------
    >>> import_pybigwig().__name__
    'pyBigWig'
    """
    try:
        import pyBigWig
    except ImportError as exc:
        raise ImportError(
            'Reading bigWig files needs pyBigWig, the "genomics" extra: pip install -e '
            '".[genomics]" in the skdeepchrome clone (or pip install pyBigWig)'
        ) from exc
    return pyBigWig


def open_bigwig(path):
    """Open a bigWig file, turning pyBigWig's failures into errors that name the file.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "not.bw")
    ...     with open(path, "w") as fh:
    ...         _ = fh.write("hello")
    ...     open_bigwig(path)
    Traceback (most recent call last):
    ...
    ValueError: ...not.bw: not a readable bigWig file (corrupt, truncated or another format).
    """
    pyBigWig = import_pybigwig()
    try:
        handle = pyBigWig.open(str(path))
    except RuntimeError:
        handle = None
    if handle is None or not handle.isBigWig():
        raise ValueError(
            f"{path}: not a readable bigWig file (corrupt, truncated or another format)."
        )
    return handle


def read_windows(path, chrom, length, starts, chunks, width, bin_size, statistic):
    """Bin the windows ``starts`` (sorted, on ``chrom``) of one bigWig, in genomic order."""
    handle = open_bigwig(path)
    n_bins = width // bin_size
    out = np.empty((len(starts), n_bins), dtype=np.float32)
    try:
        for first, stop in chunks:
            lo = int(starts[first])
            hi = int(starts[first:stop].max()) + width
            a, b = max(lo, 0), min(hi, length)
            try:
                values = handle.values(chrom, a, b, numpy=True) if a < b else None
            except RuntimeError as exc:
                raise ValueError(
                    f"{path}: reading {chrom}:{a}-{b} failed ({exc}); the file may be corrupt."
                ) from None
            if (a, b) == (lo, hi):
                buffer = values
            else:  # the window runs off a chromosome end: no data there
                buffer = np.full(hi - lo, np.nan, dtype=np.float32)
                if values is not None:
                    buffer[a - lo:b - lo] = values
            out[first:stop] = _bin_windows(buffer, starts[first:stop] - lo, width, bin_size,
                                           statistic)
    finally:
        handle.close()
    return out


def _bin_windows(buffer, offsets, width, bin_size, statistic):
    """Per-bin statistic of the windows ``buffer[o:o + width]`` for each offset ``o``.

    ``buffer`` holds NaN where there is no data. Sums run in float64 over each bin's
    bases in order, the same arithmetic as deeptools' mean.
    """
    n_bins = width // bin_size
    windows = np.lib.stride_tricks.sliding_window_view(buffer, width)
    result = np.empty((len(offsets), n_bins), dtype=np.float64)
    for i in range(0, len(offsets), _BATCH):
        # Only the windows' own bases are cleaned and widened, never the gaps between them.
        block = windows[offsets[i:i + _BATCH]]
        missing = np.isnan(block)
        if statistic == "coverage":
            block = (~missing).astype(np.float64)
        else:
            np.copyto(block, 0.0, where=missing)
            if statistic in ("mean", "sum"):
                block = block.astype(np.float64)
        block = block.reshape(-1, n_bins, bin_size)
        if statistic == "max":
            result[i:i + _BATCH] = block.max(axis=2)
        elif statistic == "min":
            result[i:i + _BATCH] = block.min(axis=2)
        else:
            result[i:i + _BATCH] = block.sum(axis=2)
    if statistic in ("mean", "coverage"):
        result /= bin_size
    return result.astype(np.float32)
