"""The layouts of expression tables that users hold, and how to tell them apart.

Each quantifier writes its own table: Roadmap's ``57epigenomes.RPKM.pc`` (one column per
epigenome, every data row ending in a stray tab), DeepDiffChrome's headerless
``Cell*.expr.csv``, Salmon's ``quant.sf``, RSEM's ``*.genes.results`` and
``*.isoforms.results``, featureCounts' output, kallisto's ``abundance.tsv`` and GCT files.
:func:`detect_expression_format` recognises them from their first lines, and
:func:`read_text_table` reads one into a table of text cells, so that
:func:`~skdeepchrome.datasets.read_expression_table` can report a bad cell with its line.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

__all__ = ["detect_expression_format"]


@dataclass(frozen=True)
class ExpressionFormat:
    """What one table layout holds.

    Attributes
    ----------
    name : str
    description : str
    gene_column : str or None
        The id column, ``None`` for the first one.
    default_column : str or None
        The value column read when none is named; ``None`` takes the only value column.
    level : {"gene", "transcript"}
        Transcript-level tables need a transcript -> gene map to become gene expression.
    annotation_columns : tuple of str
        Columns that hold annotation, never values (featureCounts' ``Chr``, ``Length``...).
    """

    name: str
    description: str
    gene_column: str | None = None
    default_column: str | None = None
    level: str = "gene"
    annotation_columns: tuple = ()


FORMATS = {
    f.name: f
    for f in (
        ExpressionFormat("table", "a TSV/CSV with a header row: a gene-id column, then value "
                         "columns (Roadmap's 57epigenomes.RPKM.pc and .N.pc)"),
        ExpressionFormat("headerless", "a TSV/CSV without header: gene id, then value(s) "
                         "(DeepDiffChrome's Cell*.expr.csv)"),
        ExpressionFormat("salmon", "Salmon quant.sf (transcripts)", "Name", "TPM",
                         "transcript", ("Length", "EffectiveLength")),
        ExpressionFormat("kallisto", "kallisto abundance.tsv (transcripts)", "target_id", "tpm",
                         "transcript", ("length", "eff_length")),
        ExpressionFormat("rsem", "RSEM *.genes.results", "gene_id", "TPM", "gene",
                         ("transcript_id(s)", "length", "effective_length")),
        ExpressionFormat("rsem-isoforms", "RSEM *.isoforms.results (transcripts)",
                         "transcript_id", "TPM", "transcript",
                         ("gene_id", "length", "effective_length", "IsoPct")),
        ExpressionFormat("featurecounts", "featureCounts output (raw counts)", "Geneid", None,
                         "gene", ("Chr", "Start", "End", "Strand", "Length")),
        ExpressionFormat("gct", "GCT 1.2/1.3 (#1.2 line, dimensions line, Name/Description)",
                         "Name", None, "gene", ("Description",)),
    )
}

_HEADERS = (
    # (first header fields, format), most specific first.
    (("Name", "Length", "EffectiveLength", "TPM", "NumReads"), "salmon"),
    (("target_id", "length", "eff_length", "est_counts", "tpm"), "kallisto"),
    (("gene_id", "transcript_id(s)"), "rsem"),
    (("transcript_id", "gene_id", "length"), "rsem-isoforms"),
    (("Geneid", "Chr", "Start", "End", "Strand", "Length"), "featurecounts"),
)
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^(nan|NaN|NA|inf|Inf)$")


def check_format(format):
    """The :class:`ExpressionFormat` named ``format`` (``"remc"`` is ``"table"``)."""
    name = "table" if format == "remc" else format
    if name not in FORMATS:
        raise ValueError(
            f"format must be None (detect) or one of {sorted(FORMATS)}, got {format!r}."
        )
    return FORMATS[name]


def open_table(path):
    """Open a text table, gzip-compressed or not (told by its first bytes, not its name)."""
    with open(path, "rb") as handle:
        magic = handle.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace", newline="")
    return open(path, encoding="utf-8", errors="replace", newline="")


#: What reading a damaged gzip stream raises (BadGzipFile is an OSError).
GZIP_ERRORS = (EOFError, zlib.error, gzip.BadGzipFile)


def damaged(path, exc):
    """The ValueError for a file whose gzip stream ``exc`` says is cut off or corrupt."""
    return ValueError(f"{path}: the gzip-compressed file is truncated or corrupt ({exc}); "
                      "download or decompress it again.")


def head_lines(path, n=4):
    """The first ``n`` lines of a table, without line endings; clear errors when unreadable."""
    lines = []
    try:
        with open_table(path) as handle:
            for line in handle:
                lines.append(line.rstrip("\r\n"))
                if len(lines) == n:
                    break
    except GZIP_ERRORS as exc:
        raise damaged(path, exc) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"{path}: cannot be read as a (gzip-compressed) text table: {exc}"
        ) from None
    if not lines or not lines[0].strip():
        raise ValueError(
            f"{path}: " + ("the expression table is empty." if not lines else
                           "line 1 is blank; expected a header row naming the columns.")
        )
    return lines


def separator(line):
    """Tab, else comma, else runs of whitespace: what splits ``line`` into fields."""
    if "\t" in line:
        return "\t"
    if "," in line:
        return ","
    return r"\s+"


def split_fields(line, sep):
    return re.split(sep, line.strip()) if sep == r"\s+" else line.split(sep)


def _is_number(text):
    return bool(_NUMBER.match(text.strip()))


def detect_expression_format(path):
    """Name the layout of an expression table from its first lines.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    str
        A key of :data:`FORMATS`.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     sf = Path(tmp) / "quant.sf"
    ...     _ = sf.write_text("Name\\tLength\\tEffectiveLength\\tTPM\\tNumReads\\n"
    ...                       "ENST01\\t900\\t700\\t3.5\\t12\\n")
    ...     detect_expression_format(sf)
    'salmon'
    """
    path = Path(path)
    lines = head_lines(path)
    first = lines[0].lstrip("\ufeff")
    if re.match(r"^#1\.[23]\b", first):
        return "gct"
    # featureCounts starts with a '# Program:featureCounts ...' comment line.
    header = next((line for line in lines if line.strip() and not line.startswith("#")), first)
    fields = [f.strip().strip('"') for f in split_fields(header, separator(header))]
    for start, name in _HEADERS:
        if tuple(fields[: len(start)]) == start:
            return name
    values = [f for f in fields[1:] if f != ""]
    if values and all(_is_number(f) for f in values):
        return "headerless"
    return "table"


def read_text_table(path, fmt):
    """Read a table of format ``fmt`` as text cells.

    Returns
    -------
    table : pandas.DataFrame of str
        Every column, named by the header (``gene_id``, ``value`` for headerless tables).
    first_line : int
        The file line (1-based) of the table's first data row.
    """
    path = Path(path)
    lines = head_lines(path)
    skip = 0
    if fmt.name == "gct":
        skip = 2
        if len(lines) < 3:
            raise ValueError(f"{path}: a GCT file needs a version line, a dimensions line and a "
                             "header line; it is shorter.")
    elif fmt.name == "featurecounts":
        skip = next((i for i, line in enumerate(lines) if not line.startswith("#")), 0)
    header = lines[skip] if len(lines) > skip else ""
    sep = separator(header)
    n_header = len(split_fields(header, sep))
    names, header_row = None, 0
    if fmt.name == "headerless":
        names = ["gene_id"] + (["value"] if n_header == 2 else
                               [f"value{i}" for i in range(1, n_header)])
        header_row = None
    elif len(lines) > skip + 1:
        row = lines[skip + 1]
        n_row = len(split_fields(row, sep))
        if n_row == n_header + 1 and sep != r"\s+" and row.endswith(sep):
            # A stray separator at the end of each data row (Roadmap's RPKM table): an
            # empty last field, checked below to be empty everywhere.
            names = [*split_fields(header, sep), "\0trailing"]
            header_row = None
        elif n_row == n_header + 1:
            # R's write.table: the header names only the value columns.
            names = ["gene_id", *(f for f in split_fields(header, sep) if f)]
            header_row = None
    try:
        # Everything as text: numbers are converted later, so that a bad cell can be
        # reported with its gene and line instead of silently becoming NaN.
        table = pd.read_csv(
            path, sep=sep, dtype=str, na_filter=False, skip_blank_lines=False,
            header=header_row, skiprows=skip + (0 if fmt.name == "headerless" else
                                                (1 if names else 0)),
            names=names, compression="gzip" if _is_gzip(path) else None,
        )
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: the expression table is empty.") from None
    except pd.errors.ParserError as exc:
        raise ValueError(f"{path}: malformed {fmt.name} table: {str(exc).strip()}") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a text table ({exc}).") from None
    except GZIP_ERRORS as exc:
        # head_lines read only the start; the damage is further in.
        raise damaged(path, exc) from None
    if names and names[-1] == "\0trailing":
        filled = (table["\0trailing"] != "").to_numpy()
        if filled.any():
            i = int(filled.argmax())
            raise ValueError(
                f"{path}, line {skip + 2 + i}: {n_header + 1} fields, one more than the "
                f"header's {n_header}; only an empty trailing field is tolerated."
            )
        table = table.drop(columns="\0trailing")
    table.columns = [str(c).strip() for c in table.columns]
    if len(set(table.columns)) != len(table.columns):
        dup = sorted({c for c in table.columns if list(table.columns).count(c) > 1})
        raise ValueError(f"{path}: the header names column(s) {dup} more than once.")
    return table, skip + (1 if fmt.name == "headerless" else 2)


def _is_gzip(path):
    with open(path, "rb") as handle:
        return handle.read(2) == b"\x1f\x8b"
