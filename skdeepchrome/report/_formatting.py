"""How numbers and tables are written into reports (terminal, Markdown, JSON)."""

from __future__ import annotations

import json

import pandas as pd


def format_p(p):
    """A p-value for reading: two significant digits, ``n/a`` when undefined.

    More digits would claim a precision the tests do not have (a bootstrap of 1000
    resamples resolves p to about 0.001). Both digits are written, a trailing zero too
    (``0.010``, not ``0.01``), so every p-value shows the same precision.

    Examples
    --------
    >>> format_p(0.000999), format_p(0.00999), format_p(float("nan")), format_p(0.25)
    ('0.0010', '0.010', 'n/a', '0.25')
    >>> format_p(0.0000123), format_p(1.0)
    ('1.2e-05', '1.0')
    """
    return "n/a" if p is None or pd.isna(p) else f"{p:#.2g}"


def json_records(frame):
    """A table as a list of JSON-ready row dicts (NaN becomes null)."""
    return json.loads(frame.to_json(orient="records"))


def markdown_table(frame):
    """A table as GitHub-flavoured Markdown."""
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])
