"""Gene annotations (GTF, GFF3, BED6) to a table of transcription start sites.

Coordinates
-----------
Every TSS in skdeepchrome is the **0-based position of the TSS base** on the forward
strand, so the base is ``sequence[tss]`` in a Python string of the chromosome.

* GTF and GFF3 rows are 1-based and closed: a gene at ``start=11, end=20`` covers bases
  11..20, which are 0-based 10..19. Its TSS is ``start - 1 = 10`` on ``+`` and
  ``end - 1 = 19`` on ``-``.
* BED rows are 0-based and half-open: ``start=10, end=20`` covers the same bases
  10..19. Its TSS is ``start = 10`` on ``+`` and ``end - 1 = 19`` on ``-``.

So the same gene written in either format gives the same TSS.
"""

from __future__ import annotations

import gzip
import re
import warnings
import zlib
from pathlib import Path
from urllib.parse import unquote

import pandas as pd

from ._vocabulary import ANNOTATION_FORMATS

#: Columns of the table returned by :func:`read_tss`.
TSS_COLUMNS = ("gene_id", "name", "chrom", "tss", "strand")

_GTF_TYPE_KEYS = ("gene_type", "gene_biotype")
_GFF3_TYPE_KEYS = ("gene_type", "biotype", "gene_biotype")
_GTF_ATTRIBUTE = re.compile(r'\s*([^\s;"]+)\s+(?:"([^"]*)"|([^;]*?))\s*(?:;|$)')
_FORMATS = ANNOTATION_FORMATS


def read_tss(path, feature="gene", gene_types=("protein_coding",), *, format=None,
             id_attribute="gene_id"):
    """Read the TSS of each gene from a GTF, GFF3 or BED6 annotation.

    Parameters
    ----------
    path : str or path-like
        The annotation; gzip-compressed files are read transparently.
    feature : str, default="gene"
        GTF/GFF3 rows whose type (column 3) equals this are read, e.g. ``"gene"`` or
        ``"transcript"``. Ignored for BED, where every row is read.
    gene_types : sequence of str or None, default=("protein_coding",)
        Keep only rows whose gene type is one of these: the GTF attribute ``gene_type``
        (GENCODE) or ``gene_biotype`` (Ensembl); the GFF3 attribute ``gene_type`` or
        ``biotype``. Rows without a type are then dropped. ``None`` keeps every type.
        BED rows carry no type and are all kept; a GTF/GFF3 file none of whose rows
        carries a type is read unfiltered, with a warning.
    format : {"gtf", "gff3", "bed"}, default=None
        ``None`` infers it from the extension (``.gtf``, ``.gff``, ``.gff3``, ``.bed``,
        each optionally ``.gz``) and failing that from the first data line.
    id_attribute : str, default="gene_id"
        The GTF/GFF3 attribute naming each row, e.g. ``"transcript_id"`` together with
        ``feature="transcript"``. In GFF3, when absent, the ``ID`` attribute is used with
        any ``gene:``/``transcript:`` prefix removed. BED rows are named by column 4.

    Returns
    -------
    pandas.DataFrame
        Columns ``gene_id``, ``name`` (``gene_name``/``Name`` attribute, else the id),
        ``chrom``, ``tss`` (int64, 0-based position of the TSS base: the start on ``+``,
        the end on ``-``; see the module notes for the conversion) and ``strand``, in
        file order. ``df.attrs["source"]`` is the path.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        Naming the file and line: a row without the id attribute, a strand other than
        ``+``/``-``, malformed coordinates or columns; naming the file: nothing left
        after the feature and type filters.

    Notes
    -----
    Duplicates: when several rows share an id (e.g. genes listed on two assemblies'
    patches, or transcripts read with the default ``id_attribute="gene_id"``), the
    **first row in file order is kept** and a warning says how many were dropped.

    Examples
    --------
    Genes A (``+``) and C (``-``) both cover 1-based bases 11..20 (0-based 10..19); B
    is dropped by the default type filter:

    >>> import os, tempfile
    >>> def gtf_row(strand, gene, kind):
    ...     attributes = f'gene_id "{gene}"; gene_type "{kind}";'
    ...     return "\\t".join(["chr1", "src", "gene", "11", "20", ".", strand, ".", attributes])
    >>> rows = [gtf_row("+", "A", "protein_coding"), gtf_row("-", "B", "lncRNA"),
    ...         gtf_row("-", "C", "protein_coding")]
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "genes.gtf")
    ...     with open(path, "w") as fh:
    ...         _ = fh.write("\\n".join(rows) + "\\n")
    ...     read_tss(path)
      gene_id name chrom  tss strand
    0       A    A  chr1   10      +
    1       C    C  chr1   19      -
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Annotation file {path} does not exist.")
    if gene_types is not None:
        if isinstance(gene_types, str):
            gene_types = (gene_types,)
        gene_types = frozenset(map(str, gene_types))
    fmt = _resolve_format(path, format)
    if fmt == "bed":
        rows, dropped = _read_bed(path)
    else:
        rows, dropped = _read_gff(path, fmt, feature, gene_types, id_attribute)
    if dropped:
        count, (first_id, first_line) = dropped
        warnings.warn(
            f"{path}: {count} row(s) repeat an earlier id (first: {first_id!r} on line "
            f"{first_line}); the first row of each id is kept.",
            UserWarning,
            stacklevel=2,
        )
    table = pd.DataFrame(rows, columns=["gene_id", "name", "chrom", "tss", "strand"])
    table["tss"] = table["tss"].astype("int64")
    table.attrs["source"] = str(path)
    return table


def open_text(path):
    """Open a possibly gzip-compressed text file for reading.

    Examples
    --------
    >>> import gzip, os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "a.bed.gz")
    ...     with gzip.open(path, "wt") as fh:
    ...         _ = fh.write("chr1\\t0\\t10\\n")
    ...     with open_text(path) as fh:
    ...         fh.read()
    'chr1\\t0\\t10\\n'
    """
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def text_lines(path):
    """Yield ``(line number, line)`` of a possibly gzip-compressed text file.

    A damaged file is one ValueError naming it, wherever the damage is met: a truncated
    or corrupt gzip stream (EOFError, zlib and gzip errors otherwise) or bytes that are
    not UTF-8 text.

    Examples
    --------
    >>> import gzip, os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "cut.gtf.gz")
    ...     with open(path, "wb") as fh:
    ...         _ = fh.write(gzip.compress(b"chr1 src gene" * 1000)[:30])
    ...     try:
    ...         list(text_lines(path))
    ...     except ValueError as exc:
    ...         print(str(exc).split(": ", 1)[1])
    the gzip-compressed file is truncated or corrupt (Compressed file ended before the \
end-of-stream marker was reached); download or decompress it again.
    """
    lineno = 0
    try:
        with open_text(path) as fh:
            for lineno, line in enumerate(fh, 1):
                yield lineno, line
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ValueError(
            f"{path}: the gzip-compressed file is truncated or corrupt ({exc}); download or "
            f"decompress it again."
        ) from None
    except UnicodeDecodeError as exc:
        # Text is decoded by the block, so the failing line is not known exactly.
        raise ValueError(
            f"{path}: not UTF-8 text ({exc.reason}) after line {lineno}; is it a binary or "
            f"a differently encoded file?"
        ) from None


def _cut_off(line):
    """A hint for a line that ends without a newline (only a file's last line can)."""
    if line.endswith(("\n", "\r")):
        return ""
    return " The line ends without a newline: the file looks truncated (cut mid-line)."


def _resolve_format(path, format):
    if format is not None:
        fmt = str(format).lower()
        fmt = "gff3" if fmt == "gff" else fmt
        if fmt not in _FORMATS:
            raise ValueError(f"format must be one of {_FORMATS} or None, got {format!r}.")
        return fmt
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    ext = suffixes[-1] if suffixes else ""
    by_ext = {".gtf": "gtf", ".gff": "gff3", ".gff3": "gff3", ".bed": "bed"}
    if ext in by_ext:
        return by_ext[ext]
    return _sniff_format(path)


def _sniff_format(path):
    for _, line in text_lines(path):
        if not line.strip() or line.startswith(("#", "track", "browser")):
            continue
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) == 9 and fields[3].isdigit() and fields[4].isdigit():
            return "gtf" if re.search(r'gene_id\s+"', fields[8]) else "gff3"
        if len(fields) >= 3 and fields[1].isdigit() and fields[2].isdigit():
            return "bed"
        break
    raise ValueError(
        f"{path}: cannot tell whether this is GTF, GFF3 or BED from its name or first data "
        f"line; name it .gtf/.gff3/.bed or pass format=."
    )


def parse_gtf_attributes(text):
    attributes = {}
    for match in _GTF_ATTRIBUTE.finditer(text):
        key = match.group(1)
        if key not in attributes:
            value = match.group(2) if match.group(2) is not None else match.group(3)
            attributes[key] = value.strip()
    return attributes


def _parse_gff3_attributes(text):
    attributes = {}
    for item in text.strip().split(";"):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        if sep:
            # GFF3 escapes ;=&, and commas separate multiple values: keep the first.
            attributes.setdefault(unquote(key.strip()), unquote(value.split(",")[0].strip()))
    return attributes


def _row_id(attributes, fmt, id_attribute):
    value = attributes.get(id_attribute)
    if not value and fmt == "gff3":
        value = attributes.get("ID", "")
        for prefix in ("gene:", "transcript:"):
            if value.startswith(prefix):
                value = value[len(prefix):]
    return value or None


def _read_gff(path, fmt, feature, gene_types, id_attribute):
    parse = parse_gtf_attributes if fmt == "gtf" else _parse_gff3_attributes
    type_keys = _GTF_TYPE_KEYS if fmt == "gtf" else _GFF3_TYPE_KEYS
    kind = fmt.upper()
    rows, seen = [], set()
    n_dropped, first_dropped = 0, None
    features_seen, types_seen = set(), set()
    n_feature = n_typed = 0
    untyped = []  # rows without a type, kept only if the file carries no types at all
    for lineno, line in text_lines(path):
        if line.startswith("#"):
            if line.startswith("##FASTA"):
                break
            continue
        if not line.strip():
            continue
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) != 9:
            raise ValueError(
                f"{path}, line {lineno}: expected 9 tab-separated {kind} columns, got "
                f"{len(fields)}.{_cut_off(line)}"
            )
        if fmt == "gtf" and _cut_off(line) and not fields[8].rstrip().endswith(";"):
            # GTF attributes end with ';': a last line without its newline that stops
            # elsewhere was cut, and its attributes (gene type, name) are incomplete.
            raise ValueError(
                f"{path}, line {lineno}: the attributes stop mid-record "
                f"({fields[8][-40:]!r}).{_cut_off(line)}"
            )
        if fields[2] != feature:
            if len(features_seen) < 50:
                features_seen.add(fields[2])
            continue
        n_feature += 1
        attributes = parse(fields[8])
        gene_id = _row_id(attributes, fmt, id_attribute)
        if gene_id is None:
            what = f"'{id_attribute}'" + (" or 'ID'" if fmt == "gff3" else "")
            raise ValueError(
                f"{path}, line {lineno}: the {feature} row has no {what} attribute."
            )
        chrom, start, end, strand = fields[0], fields[3], fields[4], fields[6]
        try:
            start, end = int(start), int(end)
        except ValueError:
            raise ValueError(
                f"{path}, line {lineno}: start {fields[3]!r} and end {fields[4]!r} must "
                f"be integers."
            ) from None
        if start < 1 or end < start:
            raise ValueError(
                f"{path}, line {lineno}: {kind} coordinates are 1-based with start <= "
                f"end, got start={start}, end={end}."
            )
        if strand not in ("+", "-"):
            raise ValueError(
                f"{path}, line {lineno}: gene {gene_id!r} has strand {strand!r}; a TSS "
                f"needs '+' or '-'."
            )
        gene_type = next((attributes[k] for k in type_keys if k in attributes), None)
        if gene_type is not None:
            n_typed += 1
            types_seen.add(gene_type)
        name = attributes.get("gene_name") or attributes.get("Name") or gene_id
        # 1-based closed [start, end] -> 0-based position of the first/last base.
        tss = start - 1 if strand == "+" else end - 1
        row = (gene_id, name, chrom, tss, strand)
        if gene_types is not None and gene_type is None:
            untyped.append((row, lineno))
            continue
        if gene_types is not None and gene_type not in gene_types:
            continue
        if gene_id in seen:
            n_dropped += 1
            first_dropped = first_dropped or (gene_id, lineno)
            continue
        seen.add(gene_id)
        rows.append((row, lineno))
    if n_feature == 0:
        raise ValueError(
            f"{path}: no row has feature {feature!r} in column 3 (features seen: "
            f"{sorted(features_seen)[:10]})."
        )
    if gene_types is not None and n_typed == 0:
        warnings.warn(
            f"{path}: no {feature} row carries a gene type ({' or '.join(type_keys)}), so "
            f"gene_types={sorted(gene_types)} cannot be applied; all {n_feature} rows are "
            f"kept. Pass gene_types=None to silence this.",
            UserWarning,
            stacklevel=3,
        )
        rows = []
        seen.clear()
        for row, lineno in untyped:
            if row[0] in seen:
                n_dropped += 1
                first_dropped = first_dropped or (row[0], lineno)
                continue
            seen.add(row[0])
            rows.append((row, lineno))
    if not rows:
        raise ValueError(
            f"{path}: no {feature} row is left after keeping gene types "
            f"{sorted(gene_types)}; types present: {sorted(types_seen)[:10]}."
        )
    return [row for row, _ in rows], (n_dropped, first_dropped) if n_dropped else None


def _read_bed(path):
    rows, seen = [], set()
    n_dropped, first_dropped = 0, None
    for lineno, line in text_lines(path):
        if not line.strip() or line.startswith(("#", "track", "browser")):
            continue
        fields = line.rstrip("\r\n").split("\t")
        if len(fields) < 6:
            raise ValueError(
                f"{path}, line {lineno}: a BED annotation needs at least 6 tab-separated "
                f"columns (chrom, start, end, name, score, strand), got {len(fields)}."
                f"{_cut_off(line)}"
            )
        chrom, start, end, name, strand = (fields[0], fields[1], fields[2], fields[3],
                                           fields[5])
        try:
            start, end = int(start), int(end)
        except ValueError:
            raise ValueError(
                f"{path}, line {lineno}: start {fields[1]!r} and end {fields[2]!r} must "
                f"be integers."
            ) from None
        if start < 0 or end <= start:
            raise ValueError(
                f"{path}, line {lineno}: BED coordinates are 0-based half-open with "
                f"0 <= start < end, got start={start}, end={end}."
            )
        if not name or name == ".":
            raise ValueError(f"{path}, line {lineno}: column 4 (the gene name) is empty.")
        if strand not in ("+", "-"):
            raise ValueError(
                f"{path}, line {lineno}: gene {name!r} has strand {strand!r}; a TSS "
                f"needs '+' or '-'."
            )
        if name in seen:
            n_dropped += 1
            first_dropped = first_dropped or (name, lineno)
            continue
        seen.add(name)
        # 0-based half-open [start, end): the first base is start, the last end - 1.
        rows.append((name, name, chrom, start if strand == "+" else end - 1, strand))
    if not rows:
        raise ValueError(f"{path}: the BED annotation has no data rows.")
    return rows, (n_dropped, first_dropped) if n_dropped else None
