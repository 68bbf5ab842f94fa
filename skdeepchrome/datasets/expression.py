"""Gene expression tables and the labels DeepChrome learns from them.

DeepChrome's target is binary: a gene is "high" (1) in an epigenome when its RPKM is
strictly above that epigenome's median RPKM, else "low" (0). The RPKM values come from
tables such as Roadmap's ``57epigenomes.RPKM.pc``: tab-separated, a ``gene_id`` column of
Ensembl ids, then one column per epigenome (``E003``, ``E004``, ...).
"""

from __future__ import annotations

import gzip
import re
from numbers import Real
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

_VERSION = re.compile(r"\.\d+$")


def strip_version(gene_ids):
    """Drop an Ensembl version suffix (``".17"``) from each id.

    Only a final ``.<digits>`` goes, so ``ENSG00000002586.20_PAR_Y`` (the Y-chromosome copy
    of a pseudo-autosomal gene) stays distinct from ``ENSG00000002586``.

    Examples
    --------
    >>> strip_version(["ENSG00000141510.17", "ENSG00000141510", "000003"]).tolist()
    ['ENSG00000141510', 'ENSG00000141510', '000003']
    """
    ids = pd.Series(np.asarray(gene_ids, dtype=str), dtype=object)
    return ids.str.replace(_VERSION, "", regex=True).to_numpy(dtype=str)


def _head(path, n=2):
    """The first ``n`` lines of a (possibly gzipped) text file, without line endings."""
    opener = gzip.open if path.name.endswith(".gz") else open
    lines = []
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                lines.append(line.rstrip("\r\n"))
                if len(lines) == n:
                    break
    except (OSError, EOFError) as exc:
        raise ValueError(
            f"{path}: cannot be read as a (gzip-compressed) text table: {exc}"
        ) from None
    if not lines or not lines[0].strip():
        raise ValueError(
            f"{path}: " + ("the expression table is empty." if not lines else
                           "line 1 is blank; expected a header row naming the columns.")
        )
    return lines


def _separator(header):
    if "\t" in header:
        return "\t"
    if "," in header:
        return ","
    return r"\s+"


def _n_fields(line, sep):
    return len(re.split(sep, line.strip()) if sep == r"\s+" else line.split(sep))


def read_expression_table(path, epigenome=None, gene_column=None):
    """Read one column of a gene expression table as a Series of non-negative values.

    Parameters
    ----------
    path : str or path-like
        A table with a header row: REMC's ``57epigenomes.RPKM.pc`` (tab-separated,
        ``gene_id`` then one column per epigenome) or any TSV/CSV (``.gz`` allowed). The
        separator is detected from the header: tab, else comma, else whitespace. A
        header one field shorter than the data rows (R's ``write.table`` style) names
        only the value columns; the first column is then the gene ids.
    epigenome : str, default=None
        The value column to read. Required when the table has several value columns;
        with a single one, that column is taken.
    gene_column : str, default=None
        The gene-id column, by name; ``None`` means the first column.

    Returns
    -------
    pandas.Series
        float64 values indexed by gene id (str, kept exactly as written, e.g. with
        version suffixes), named after the value column.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValueError
        On an empty table, an unknown column (the message lists the available ones), a
        missing, non-numeric, infinite or negative value (naming the gene and line), an
        empty gene id, or a gene id that appears twice (naming both lines: duplicated
        ids are refused, not averaged, because which row is right cannot be guessed).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     table = Path(tmp) / "57epigenomes.RPKM.pc"
    ...     _ = table.write_text("gene_id\\tE003\\tE004\\nENSG01\\t0.5\\t3\\nENSG02\\t12\\t0\\n")
    ...     rpkm = read_expression_table(table, epigenome="E004")
    >>> rpkm
    gene_id
    ENSG01    3.0
    ENSG02    0.0
    Name: E004, dtype: float64
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such expression table.")
    if not path.is_file():
        raise ValueError(f"{path}: is a folder, not an expression table.")
    head = _head(path)
    sep = _separator(head[0])
    names = None
    if len(head) > 1 and _n_fields(head[1], sep) == _n_fields(head[0], sep) + 1:
        names = ["gene_id", *(f for f in re.split(sep, head[0].strip()) if f)]
    try:
        # Everything as text first: numbers are converted below so that a bad cell can
        # be reported with its gene and line instead of silently becoming NaN.
        table = pd.read_csv(
            path,
            sep=sep,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            header=None if names else 0,
            skiprows=1 if names else None,
            names=names,
        )
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: the expression table is empty.") from None
    except pd.errors.ParserError as exc:
        raise ValueError(f"{path}: malformed table: {str(exc).strip()}") from None
    blank = (table == "").all(axis=1).to_numpy()
    n_rows = len(table) - (np.argmin(blank[::-1]) if not blank.all() else len(table))
    table = table.iloc[:n_rows]  # trailing blank lines are harmless; inner ones are not
    if n_rows == 0:
        raise ValueError(f"{path}: the expression table has a header but no rows.")
    columns = [str(c) for c in table.columns]
    table.columns = columns
    if gene_column is None:
        gene_column = columns[0]
    elif gene_column not in columns:
        raise ValueError(
            f"{path}: no gene-id column {gene_column!r}; the columns are {columns}."
        )
    value_columns = [c for c in columns if c != gene_column]
    if not value_columns:
        raise ValueError(f"{path}: the table has no value column besides {gene_column!r}.")
    if epigenome is None:
        if len(value_columns) > 1:
            raise ValueError(
                f"{path}: the table has {len(value_columns)} value columns; pass epigenome= "
                f"naming one of {value_columns}."
            )
        epigenome = value_columns[0]
    elif epigenome not in value_columns:
        raise ValueError(
            f"{path}: no column {epigenome!r}; available value columns: {value_columns}."
        )

    ids = table[gene_column].to_numpy(dtype=object).astype(str)
    text = table[epigenome].to_numpy(dtype=object)
    values = pd.to_numeric(pd.Series(text, dtype=object), errors="coerce").to_numpy(float)
    line_of = np.arange(len(ids)) + 2  # header is line 1
    bad = np.flatnonzero(~np.isfinite(values) | (values < 0) | (ids == ""))
    if bad.size:
        i = int(bad[0])
        where = f"{path}, line {line_of[i]}"
        if ids[i] == "":
            problem = (
                "the line is blank"
                if blank[i]
                else f"the gene id ({gene_column}) is empty"
            )
            raise ValueError(f"{where}: {problem}.")
        kind = "negative" if values[i] < 0 else (
            "not a finite number" if np.isinf(values[i]) else "not a number"
        )
        raise ValueError(
            f"{where}, gene {str(ids[i])!r}, column {epigenome!r}: expression "
            f"{str(text[i])!r} is {kind}; expression values must be non-negative numbers."
        )
    duplicated = pd.Series(ids).duplicated(keep=False).to_numpy()
    if duplicated.any():
        dup = ids[np.flatnonzero(duplicated)[0]]
        lines = line_of[ids == dup][:5].tolist()
        raise ValueError(
            f"{path}: gene id {str(dup)!r} appears more than once (lines {lines}); an "
            f"expression table needs one row per gene."
        )
    return pd.Series(values, index=pd.Index(ids, dtype=object, name=gene_column), name=epigenome)


def align_expression(gene_ids, expression, verbose=False):
    """Look up each gene's expression, tolerating Ensembl version suffixes.

    An id is first matched exactly; failing that, both sides are compared without their
    version suffix, so ``ENSG00000141510.17`` matches ``ENSG00000141510`` (and
    ``.16`` matches ``.17``).

    Parameters
    ----------
    gene_ids : array-like of str
        The genes to find, e.g. a dataset's ``gene_ids``.
    expression : pandas.Series or mapping
        Expression by gene id, e.g. from :func:`read_expression_table`.
    verbose : bool, default=False
        Print one line with the match count.

    Returns
    -------
    Bunch
        ``expression`` float64 aligned to ``gene_ids`` (NaN where unmatched), also under
        the key ``"values"`` (the same array; ``aligned.values`` is the dict method, so
        use ``aligned["values"]`` or ``aligned.expression``), ``matched`` bool mask,
        ``n_matched``, ``n_total`` and ``unmatched_ids``.

    Raises
    ------
    ValueError
        When no id matches (the message shows examples from both sides), or when an id
        matches only without its version and several table ids share that base.

    Examples
    --------
    >>> import pandas as pd
    >>> rpkm = pd.Series({"ENSG00000141510.17": 8.0, "ENSG00000012048": 2.5})
    >>> aligned = align_expression(["ENSG00000141510", "ENSG00000012048.23", "X"], rpkm)
    >>> aligned.expression.tolist(), aligned.n_matched, aligned.n_total
    ([8.0, 2.5, nan], 2, 3)
    """
    ids = np.asarray(gene_ids, dtype=str)
    if ids.ndim != 1:
        raise ValueError(f"gene_ids must be 1-D, got shape {ids.shape}.")
    table = expression if isinstance(expression, pd.Series) else pd.Series(dict(expression))
    keys = table.index.to_numpy().astype(str)
    try:
        table_values = table.to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"expression values must be numeric: {exc}") from None
    if len(pd.unique(keys)) != len(keys):
        dup = keys[pd.Series(keys).duplicated().to_numpy()][0]
        raise ValueError(f"expression has gene id {str(dup)!r} more than once.")

    position = pd.Index(keys).get_indexer(ids)
    unmatched = np.flatnonzero(position < 0)
    if unmatched.size:
        base_keys = strip_version(keys)
        by_base = pd.Series(np.arange(len(keys)), index=base_keys)
        shared = by_base.index.duplicated(keep=False)
        query = strip_version(ids[unmatched])
        clash = query[np.isin(query, base_keys[shared])]
        if clash.size:
            raise ValueError(
                f"gene id {str(clash[0])!r} matches several expression ids once versions "
                f"are ignored: {keys[base_keys == clash[0]].tolist()}; cannot tell which "
                f"to use."
            )
        via_base = by_base[~shared].reindex(query).to_numpy(dtype=float)
        found = ~np.isnan(via_base)
        position[unmatched[found]] = via_base[found].astype(np.intp)
    matched = position >= 0
    n_matched, n_total = int(matched.sum()), len(ids)
    if n_total and n_matched == 0:
        raise ValueError(
            f"none of the {n_total} gene ids matches the {len(keys)} expression ids, even "
            f"ignoring version suffixes; e.g. gene ids {ids[:3].tolist()} vs expression ids "
            f"{keys[:3].tolist()}."
        )
    values = np.full(n_total, np.nan)
    values[matched] = table_values[position[matched]]
    if verbose:
        print(
            f"align_expression: matched {n_matched} of {n_total} genes "
            f"({100 * n_matched / max(n_total, 1):.1f}%)."
        )
    return Bunch(
        expression=values,
        values=values,
        matched=matched,
        n_matched=n_matched,
        n_total=n_total,
        unmatched_ids=ids[~matched],
    )


def binarize_expression(values, threshold="median", return_threshold=False):
    """Label genes 1 (high) when their expression is strictly above a threshold, else 0.

    Parameters
    ----------
    values : array-like of shape (n_genes,)
        Expression values (e.g. RPKM); NaN is an error, never silently labelled.
    threshold : "median", ("quantile", q) or float, default="median"
        ``"median"`` is DeepChrome's rule (above the median of ``values``);
        ``("quantile", q)`` uses the ``q``-quantile of ``values`` (0 < q < 1; ``q=0.5`` is
        the median); a plain number is an absolute expression threshold.
    return_threshold : bool, default=False
        Also return the threshold that was applied.

    Returns
    -------
    labels : ndarray of int64
    threshold : float
        Only when ``return_threshold`` is True.

    Examples
    --------
    >>> binarize_expression([0.0, 1.0, 5.0, 40.0]).tolist()  # median is 3.0
    [0, 0, 1, 1]
    >>> binarize_expression([0.0, 1.0, 5.0, 40.0], ("quantile", 0.75)).tolist()
    [0, 0, 0, 1]
    >>> binarize_expression([0.0, 1.0, 5.0, 40.0], 0.5, return_threshold=True)
    (array([0, 1, 1, 1]), 0.5)
    """
    index = values.index if isinstance(values, pd.Series) else None
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(f"values must be a non-empty 1-D array, got shape {values.shape}.")
    nan = np.flatnonzero(np.isnan(values))
    if nan.size:
        where = f"gene {str(index[nan[0]])!r}" if index is not None else f"position {nan[0]}"
        raise ValueError(
            f"values holds {nan.size} NaN value(s) (first at {where}); drop or fill unmatched "
            f"genes (see align_expression(...).matched) before binarizing."
        )
    if isinstance(threshold, str) and threshold == "median":
        cut = float(np.median(values))
    elif (
        isinstance(threshold, tuple)
        and len(threshold) == 2
        and threshold[0] == "quantile"
        and isinstance(threshold[1], Real)
    ):
        q = float(threshold[1])
        if not 0 < q < 1:
            raise ValueError(f"The quantile in threshold must be in (0, 1), got {q}.")
        cut = float(np.quantile(values, q))
    elif isinstance(threshold, Real) and not isinstance(threshold, bool):
        cut = float(threshold)
        if not np.isfinite(cut):
            raise ValueError(f"threshold must be finite, got {threshold!r}.")
    else:
        raise ValueError(
            f"threshold must be 'median', ('quantile', q) or a number, got {threshold!r}."
        )
    labels = (values > cut).astype(np.int64)
    return (labels, cut) if return_threshold else labels


def log_expression(values):
    """``log(1 + expression)``, the continuous target for regressing expression.

    RPKM is heavy-tailed (a few genes reach thousands); ``np.log1p`` compresses it while
    keeping 0 at 0. NaN (e.g. unmatched genes from :func:`align_expression`) stays NaN;
    negative values are refused.

    Examples
    --------
    >>> log_expression([0.0, np.e - 1]).tolist()
    [0.0, 1.0]
    """
    values = np.asarray(values, dtype=float)
    negative = np.flatnonzero(values < 0)
    if negative.size:
        raise ValueError(
            f"expression must be non-negative; position {negative[0]} holds "
            f"{values[negative[0]]}."
        )
    return np.log1p(values)
