"""How numbers and tables are written into reports (terminal, Markdown, JSON)."""

from __future__ import annotations

import json

import pandas as pd


def format_p(p):
    """A p-value for reading: three significant digits, ``n/a`` when undefined.

    Examples
    --------
    >>> format_p(0.000999), format_p(float("nan")), format_p(0.25)
    ('0.000999', 'n/a', '0.25')
    """
    return "n/a" if p is None or pd.isna(p) else f"{p:.3g}"


def json_records(frame):
    """A table as a list of JSON-ready row dicts (NaN becomes null)."""
    return json.loads(frame.to_json(orient="records"))


def markdown_table(frame):
    """A table as GitHub-flavoured Markdown."""
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])
