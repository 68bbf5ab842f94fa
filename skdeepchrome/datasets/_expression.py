"""Gene expression tables and the labels DeepChrome learns from them.

DeepChrome's target is binary: a gene is "high" (1) in an epigenome when its RPKM is
strictly above that epigenome's median RPKM, else "low" (0). The RPKM values come from
tables such as Roadmap's ``57epigenomes.RPKM.pc``: tab-separated, a ``gene_id`` column of
Ensembl ids, then one column per epigenome (``E003``, ``E004``, ...).
"""

from __future__ import annotations

from numbers import Real
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ._expression_formats import check_format, detect_expression_format, read_text_table
from ._transcript_map import as_transcript_map, genes_of_transcripts, strip_version


def read_expression_table(path, epigenome=None, gene_column=None, *, column=None,
                          format=None, tx2gene=None):
    """Read one column of a gene expression table as a Series of non-negative values.

    Parameters
    ----------
    path : str or path-like
        An expression table (``.gz`` allowed), in any layout listed under ``format``,
        detected from its first lines
        (:func:`~skdeepchrome.datasets.detect_expression_format`):
        Roadmap's ``57epigenomes.RPKM.pc`` / ``.N.pc`` (``gene_id`` then one column per
        epigenome; a trailing tab on every data row is tolerated), a headerless
        ``gene,value`` table (DeepDiffChrome's ``Cell*.expr.csv``), Salmon ``quant.sf``,
        kallisto ``abundance.tsv``, RSEM ``*.genes.results`` / ``*.isoforms.results``,
        featureCounts output, GCT, or any TSV/CSV with a header. The separator is tab,
        else comma, else whitespace. A header one field shorter than the data rows (R's
        ``write.table``) names only the value columns.
    epigenome : str, default=None
        The value column to read from a table with one column per epigenome or sample
        (Roadmap, featureCounts, GCT). Required when the table has several value columns
        and its format has no default.
    gene_column : str, default=None
        The gene-id column, by name; ``None`` means the format's (the first column of a
        plain table, ``Name`` in quant.sf, ``Geneid`` in featureCounts, ...).
    column : str, default=None
        Another name for ``epigenome``, for the quantity of a quantifier's table:
        ``"TPM"`` (the default of Salmon, RSEM and kallisto), ``"NumReads"``, ``"FPKM"``,
        ``"expected_count"``, ``"est_counts"``... matched case-insensitively when no
        column has the exact name. Give ``epigenome`` or ``column``, not both.
    format : str, default=None
        Skip detection: ``"table"`` (alias ``"remc"``), ``"headerless"``, ``"salmon"``,
        ``"kallisto"``, ``"rsem"``, ``"rsem-isoforms"``, ``"featurecounts"`` or ``"gct"``.
    tx2gene : path-like, mapping or pandas.Series, default=None
        Transcript -> gene map for a transcript-level table (Salmon, kallisto, RSEM
        isoforms): a GTF with transcript records or a two-column file (see
        :func:`~skdeepchrome.datasets.read_transcript_map`). The transcripts' values are
        summed per gene. Without it, a transcript-level table is refused.

    Returns
    -------
    pandas.Series
        float64 values indexed by gene id (str, kept exactly as written, e.g. with
        version suffixes), named after the value column. ``attrs`` record the
        ``format``, ``source`` and, after aggregation, ``n_transcripts``.

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValueError
        On an empty table, an unknown column (the message lists the available ones), a
        missing, non-numeric, infinite or negative value (naming the gene and line), an
        empty gene id, a gene id that appears twice (naming both lines: duplicated ids
        are refused, not averaged, because which row is right cannot be guessed), a
        transcript-level table without ``tx2gene``, or transcripts the map lacks.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     table = Path(tmp) / "57epigenomes.RPKM.pc"
    ...     _ = table.write_text("gene_id\\tE003\\tE004\\nENSG01\\t0.5\\t3\\t\\n"
    ...                          "ENSG02\\t12\\t0\\t\\n")
    ...     rpkm = read_expression_table(table, epigenome="E004")
    >>> rpkm
    gene_id
    ENSG01    3.0
    ENSG02    0.0
    Name: E004, dtype: float64

    A Salmon table becomes gene TPM with a transcript -> gene map:

    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     sf = Path(tmp) / "quant.sf"
    ...     _ = sf.write_text("Name\\tLength\\tEffectiveLength\\tTPM\\tNumReads\\n"
    ...                       "ENST01.2\\t900\\t700\\t3.5\\t12\\nENST02.1\\t500\\t300\\t1.5\\t4\\n")
    ...     tpm = read_expression_table(sf, tx2gene={"ENST01": "ENSG01", "ENST02": "ENSG01"})
    >>> tpm.to_dict(), tpm.attrs["format"]
    ({'ENSG01': 5.0}, 'salmon')
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such expression table.")
    if not path.is_file():
        raise ValueError(f"{path}: is a folder, not an expression table.")
    if epigenome is not None and column is not None:
        raise ValueError(f"give epigenome= or column=, not both (got {epigenome!r} and "
                         f"{column!r}).")
    wanted = epigenome if epigenome is not None else column
    option = "epigenome=" if epigenome is not None or column is None else "column="
    fmt = check_format(detect_expression_format(path) if format is None else format)
    table, first_line = read_text_table(path, fmt)
    blank = (table == "").all(axis=1).to_numpy()
    n_rows = len(table) - (np.argmin(blank[::-1]) if not blank.all() else len(table))
    table = table.iloc[:n_rows]  # trailing blank lines are harmless; inner ones are not
    if n_rows == 0:
        raise ValueError(f"{path}: the expression table has a header but no rows.")
    columns = list(table.columns)
    if gene_column is None:
        gene_column = fmt.gene_column if fmt.gene_column in columns else columns[0]
    elif gene_column not in columns:
        raise ValueError(
            f"{path}: no gene-id column {gene_column!r}; the columns are {columns}."
        )
    value_columns = [c for c in columns
                     if c != gene_column and c not in fmt.annotation_columns]
    if not value_columns:
        raise ValueError(f"{path}: the table has no value column besides {gene_column!r}.")
    if wanted is None:
        if fmt.default_column in value_columns:
            wanted = fmt.default_column
        elif len(value_columns) > 1:
            raise ValueError(
                f"{path}: the table has {len(value_columns)} value columns; pass epigenome= "
                f"naming one of {value_columns}."
            )
        else:
            wanted = value_columns[0]
    wanted = _match_column(path, wanted, value_columns, option)

    ids = table[gene_column].to_numpy(dtype=object).astype(str)
    ids = np.char.strip(ids) if fmt.name != "table" else ids
    text = table[wanted].to_numpy(dtype=object)
    values = pd.to_numeric(pd.Series(text, dtype=object), errors="coerce").to_numpy(float)
    line_of = np.arange(len(ids)) + first_line
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
            f"{where}, gene {str(ids[i])!r}, column {wanted!r}: expression "
            f"{str(text[i])!r} is {kind}; expression values must be non-negative numbers."
        )
    what = "transcript" if fmt.level == "transcript" else "gene"
    duplicated = pd.Series(ids).duplicated(keep=False).to_numpy()
    if duplicated.any():
        dup = ids[np.flatnonzero(duplicated)[0]]
        lines = line_of[ids == dup][:5].tolist()
        raise ValueError(
            f"{path}: {what} id {str(dup)!r} appears more than once (lines {lines}); "
            f"{int(pd.Series(ids).duplicated().sum())} repeated row(s) in all, and an "
            f"expression table needs one row per {what}."
        )
    attrs = dict(format=fmt.name, source=str(path), column=wanted)
    if fmt.level == "transcript":
        if tx2gene is None:
            raise ValueError(
                f"{path}: this is a transcript-level table ({fmt.description}, "
                f"{len(ids)} transcripts such as {ids[:2].tolist()}); DeepChrome labels "
                f"genes. Pass tx2gene= (a GTF with transcript records, a two-column "
                f"transcript,gene file, or a mapping; `skdeepchrome extract --tx2gene` on "
                f"the command line) to sum its transcripts per gene, or read the gene-level "
                f"table of the same run (RSEM's *.genes.results)."
            )
        genes = genes_of_transcripts(ids, as_transcript_map(tx2gene), path)
        summed = pd.Series(values).groupby(pd.Index(genes), sort=False).sum()
        series = pd.Series(summed.to_numpy(dtype=float),
                           index=pd.Index(summed.index.astype(str), dtype=object,
                                          name="gene_id"), name=wanted)
        series.attrs = dict(attrs, n_transcripts=len(ids))
        return series
    series = pd.Series(values, index=pd.Index(ids, dtype=object, name=gene_column),
                       name=wanted)
    series.attrs = attrs
    return series


def _match_column(path, wanted, value_columns, option):
    if wanted in value_columns:
        return wanted
    folded = [c for c in value_columns if c.lower() == str(wanted).lower()]
    if len(folded) == 1:
        return folded[0]
    # featureCounts names its count columns by the BAM path given on its command line.
    named = [c for c in value_columns
             if str(wanted) in (Path(c).name, Path(c).name.removesuffix(".bam"))]
    if len(named) == 1:
        return named[0]
    raise ValueError(
        f"{path}: no column {wanted!r}; available value columns: {value_columns} "
        f"(pass one as {option})."
    )


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
