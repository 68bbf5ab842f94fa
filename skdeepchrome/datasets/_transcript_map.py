"""Transcript -> gene maps, to turn transcript-level quantifications into gene expression.

Salmon, kallisto and RSEM's isoform table quantify transcripts; DeepChrome labels genes.
Summing a gene's transcripts needs to know which transcripts belong to which gene, which
a GTF's transcript records say (``transcript_id`` and ``gene_id`` attributes), or a small
two-column file (tximport's ``tx2gene``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..genome._annotation import parse_gtf_attributes
from ._expression_formats import GZIP_ERRORS, damaged, open_table, separator, split_fields

__all__ = ["read_transcript_map"]

_MAP_HEADERS = {"transcript_id", "transcript", "tx", "tx_id", "txname", "target_id", "name",
                "enst", "transcript stable id"}


def read_transcript_map(path, feature="transcript"):
    """Read which gene each transcript belongs to, from a GTF or a two-column file.

    Parameters
    ----------
    path : str or path-like
        A GTF (``.gtf`` or ``.gtf.gz``) with transcript records, each carrying
        ``transcript_id`` and ``gene_id`` attributes; or a two-column TSV/CSV of
        transcript id, gene id (an optional header row such as ``transcript_id,gene_id``;
        further columns are ignored).
    feature : str, default="transcript"
        The GTF record type read (``"exon"`` works for GTFs without transcript rows).

    Returns
    -------
    pandas.Series
        Gene id (str) indexed by transcript id, both as written (version suffixes kept).

    Raises
    ------
    FileNotFoundError
        When the file does not exist.
    ValueError
        When a GTF has no ``feature`` records (naming the record types it has), a row
        lacks an id, or a transcript is mapped to two different genes.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     tsv = Path(tmp) / "tx2gene.tsv"
    ...     _ = tsv.write_text("transcript_id\\tgene_id\\nENST01.1\\tENSG01\\nENST02\\tENSG01\\n")
    ...     read_transcript_map(tsv).to_dict()
    {'ENST01.1': 'ENSG01', 'ENST02': 'ENSG01'}
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such transcript -> gene map.")
    first = next((line for _, line in _lines(path)
                  if line.strip() and not line.startswith("#")), "")
    if not first:
        raise ValueError(f"{path}: the transcript -> gene map is empty.")
    fields = first.rstrip("\r\n").split("\t")
    if len(fields) == 9 and fields[3].isdigit() and fields[4].isdigit():
        return _from_gtf(path, feature)
    return _from_columns(path)


def _lines(path):
    """``(line number, line)`` of a possibly gzip-compressed table; a truncated or corrupt
    gzip stream is one ValueError naming the file."""
    try:
        with open_table(path) as handle:
            yield from enumerate(handle, 1)
    except GZIP_ERRORS as exc:
        raise damaged(path, exc) from None


def _from_gtf(path, feature):
    pairs, seen_features = [], set()
    for lineno, line in _lines(path):
        if line.startswith("#") or not line.strip():
            continue
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) != 9:
            raise ValueError(f"{path}, line {lineno}: expected 9 tab-separated GTF columns, "
                             f"got {len(fields)}.")
        if not line.endswith(("\n", "\r")) and not fields[8].rstrip().endswith(";"):
            # GTF attributes end with ';': a last line without its newline that stops
            # elsewhere was cut mid-record.
            raise ValueError(f"{path}, line {lineno}: the attributes stop mid-record and the "
                             "line ends without a newline: the file looks truncated.")
        if fields[2] != feature:
            seen_features.add(fields[2])
            continue
        attributes = parse_gtf_attributes(fields[8])
        tx, gene = attributes.get("transcript_id"), attributes.get("gene_id")
        if not tx or not gene:
            raise ValueError(f"{path}, line {lineno}: the {feature} record lacks a "
                             "transcript_id or gene_id attribute.")
        pairs.append((tx, gene, lineno))
    if not pairs:
        raise ValueError(
            f"{path}: no {feature!r} records, so no transcript -> gene map (record types "
            f"present: {sorted(seen_features)[:10]}); use a GTF with transcript records (e.g. "
            f"GENCODE's full annotation, not a genes-only one) or a two-column map file."
        )
    return _check_pairs(path, pairs)


def _from_columns(path):
    pairs = []
    sep = None
    for lineno, line in _lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        sep = sep or separator(line)
        fields = [f.strip().strip('"') for f in split_fields(line.rstrip("\r\n"), sep)]
        if len(fields) < 2 or not fields[0] or not fields[1]:
            raise ValueError(f"{path}, line {lineno}: expected two columns, transcript id "
                             f"and gene id; got {line.strip()!r}.")
        if not pairs and fields[0].lower() in _MAP_HEADERS:
            continue  # the header row
        pairs.append((fields[0], fields[1], lineno))
    if not pairs:
        raise ValueError(f"{path}: the transcript -> gene map has no rows.")
    return _check_pairs(path, pairs)


def _check_pairs(path, pairs):
    frame = pd.DataFrame(pairs, columns=["transcript", "gene", "line"]).drop_duplicates(
        ["transcript", "gene"])
    clash = frame["transcript"].duplicated(keep=False)
    if clash.any():
        tx = frame.loc[clash, "transcript"].iloc[0]
        rows = frame[frame["transcript"] == tx]
        raise ValueError(
            f"{path}: transcript {tx!r} is mapped to several genes "
            f"{rows['gene'].tolist()} (lines {rows['line'].tolist()})."
        )
    return pd.Series(frame["gene"].to_numpy(dtype=str),
                     index=pd.Index(frame["transcript"].to_numpy(dtype=str), name="transcript"),
                     name="gene_id")


def as_transcript_map(tx2gene):
    """A Series transcript -> gene from a path (see :func:`read_transcript_map`) or mapping."""
    if isinstance(tx2gene, pd.Series):
        return tx2gene.astype(str)
    if isinstance(tx2gene, Mapping):
        return pd.Series({str(k): str(v) for k, v in tx2gene.items()}, dtype=object)
    if isinstance(tx2gene, pd.DataFrame) and tx2gene.shape[1] >= 2:
        return pd.Series(tx2gene.iloc[:, 1].astype(str).to_numpy(),
                         index=tx2gene.iloc[:, 0].astype(str).to_numpy())
    return read_transcript_map(tx2gene)


def genes_of_transcripts(transcripts, tx2gene, source):
    """Each transcript's gene; exact ids first, then without version or ``|`` suffix.

    Every transcript must be found: a transcript missing from the map is an error that
    counts them and shows examples, because dropping it would change its gene's total.
    """

    tx = np.asarray(transcripts, dtype=str)
    keys = tx2gene.index.to_numpy(dtype=str)
    genes = tx2gene.reindex(tx).to_numpy(dtype=object).copy()
    missing = pd.isna(genes)
    if missing.any():
        # GENCODE transcriptomes name transcripts 'ENST...|ENSG...|...|'; versions differ.
        base = pd.Series(tx2gene.to_numpy(dtype=object), index=strip_version(keys))
        base = base[~base.index.duplicated(keep=False)]
        query = strip_version([t.split("|")[0] for t in tx[missing]])
        genes[missing] = base.reindex(query).to_numpy(dtype=object)
        missing = pd.isna(genes)
    if missing.any():
        raise ValueError(
            f"{source}: {int(missing.sum())} of {len(tx)} transcripts are not in the "
            f"transcript -> gene map ({len(keys)} transcripts), even ignoring version "
            f"suffixes; e.g. {tx[missing][:3].tolist()} (map ids look like "
            f"{keys[:3].tolist()}). Is the map from the same annotation release?"
        )
    return genes.astype(str)


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


_VERSION = re.compile(r"\.\d+$")
