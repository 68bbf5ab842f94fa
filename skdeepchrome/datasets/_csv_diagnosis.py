"""Pinpoint what is wrong in a DeepChrome CSV once the vectorised checks found a problem.

These helpers run only on the error path, so they may be slow; each builds a message that
names the file, the line (1-based, as an editor shows it), the gene and the column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_MISSING_WORDS = {"", "na", "nan", "null", "none", "n/a", "-nan"}


def column_label(j, marks):
    """Human name of CSV column ``j`` (0-based) for a file with ``marks``."""
    if j == 0:
        return "GeneID"
    if j == 1:
        return "BinID"
    if j - 2 < len(marks):
        return marks[j - 2]
    return "label"


def _shorten(values, limit=5):
    values = [int(v) for v in values]
    text = ", ".join(map(str, values[:limit]))
    return text + (f", ... ({len(values)} in all)" if len(values) > limit else "")


def non_numeric_error(path, frame, columns, marks, first_line=1):
    """ValueError for the first line holding a cell that is not a number in ``columns``.

    ``first_line`` is the line of the frame's first row (after a file's header lines).
    """
    first_row, first_col = None, None
    for j in columns:
        parsed = pd.to_numeric(frame[j], errors="coerce")
        bad = np.flatnonzero(parsed.isna().to_numpy())
        if bad.size and (first_row is None or bad[0] < first_row):
            first_row, first_col = int(bad[0]), j
    if first_row is None:  # pragma: no cover - only called when a column is not numeric
        return ValueError(f"{path}: a column that should be numeric is not.")
    line = first_row + first_line
    row = frame.iloc[first_row]
    if all(str(v) == "" for v in row):
        return ValueError(
            f"{path}, line {line}: the line is blank; DeepChrome CSV files have no blank lines."
        )
    value = str(row.iloc[first_col])
    where = (
        f"{path}, line {line}, column {first_col + 1} "
        f"({column_label(first_col, marks)}) of gene {str(row.iloc[0])!r}"
    )
    if value == "":
        return ValueError(
            f"{where}: the cell is empty (the line has {frame.shape[1]} fields expected, "
            f"is one missing?)."
        )
    if value.strip().lower() in _MISSING_WORDS:
        return ValueError(f"{where}: missing/NaN value {value!r}; every cell must be a number.")
    hint = (
        " The file seems to start with a header row; DeepChrome CSV files have none."
        if line == first_line
        else ""
    )
    return ValueError(f"{where}: {value!r} is not a number.{hint}")


def bad_value_error(path, frame, row, col, marks, problem, first_line=1):
    """ValueError for a numeric cell that parsed but is not acceptable (``problem`` says why)."""
    return ValueError(
        f"{path}, line {row + first_line}, column {col + 1} ({column_label(col, marks)}) of gene "
        f"{str(frame.iat[row, 0])!r}: value {frame.iat[row, col]!r} {problem}."
    )


def bin_error(path, gene_id, rows, bins, n_bins, first_line=1):
    """ValueError describing why a gene's rows are not exactly BinID 1..n_bins once each.

    ``rows`` are the gene's 0-based row indices in file order and ``bins`` its BinIDs;
    ``first_line`` is the line of row 0.
    """
    lines = rows + first_line
    parts = [
        f"{path}: gene {str(gene_id)!r} (first at line {lines[0]}) has {len(rows)} rows but needs "
        f"exactly one row per BinID 1..{n_bins}"
    ]
    present, counts = np.unique(bins, return_counts=True)
    outside = present[(present < 1) | (present > n_bins)]
    if outside.size:
        parts.append(f"BinID {_shorten(outside)} outside 1..{n_bins}")
    missing = np.setdiff1d(np.arange(1, n_bins + 1), present)
    if missing.size:
        parts.append(f"missing BinID {_shorten(missing)}")
    for dup in present[counts > 1][:3]:
        parts.append(f"BinID {int(dup)} repeated at lines {_shorten(lines[bins == dup])}")
    starts = np.flatnonzero(np.diff(rows, prepend=-2) != 1)
    if starts.size > 1:
        ends = np.append(starts[1:], len(rows)) - 1
        spans = ", ".join(f"{lines[s]}-{lines[e]}" for s, e in zip(starts[:4], ends[:4]))
        parts.append(
            f"its rows form {starts.size} separate blocks (lines {spans}); is the GeneID "
            f"used for two genes, or were files concatenated?"
        )
    k = len(rows)
    if k != n_bins and np.array_equal(np.sort(bins), np.arange(1, k + 1)):
        parts.append(f"if every gene has {k} bins, pass n_bins={k}")
    return ValueError("; ".join(parts) + ".")
