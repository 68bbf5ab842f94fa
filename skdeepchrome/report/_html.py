"""A self-contained HTML page: headings, paragraphs, tables and embedded PNG pictures.

Nothing is fetched when the page opens: the style is inline and every picture is a
``data:`` URI, so the file can be mailed, archived or opened offline as it is.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 72em; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: right; }
th { background: #eee; } td:first-child, th:first-child { text-align: left; }
td:first-child { white-space: nowrap; }
img { max-width: 100%; border: 1px solid #ddd; margin: 0.5em 0; }
.note { background: #fff6dd; border-left: 4px solid #e0a800; padding: 0.4em 0.8em; }
code, .small { font-size: 0.85em; color: #444; }
"""


def paragraph(text, css_class=None):
    """An escaped ``<p>``."""
    attribute = f' class="{css_class}"' if css_class else ""
    return f"<p{attribute}>{html.escape(str(text))}</p>"


def table(frame, index=False):
    """A pandas DataFrame as an escaped HTML table."""
    return frame.to_html(index=index, border=0, escape=True, na_rep="")


def picture(path, alt):
    """A PNG file embedded as a ``data:`` URI."""
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'
            f"<figcaption class=\"small\">{html.escape(alt)}</figcaption></figure>")


def page(title, sections):
    """The whole page: ``sections`` is a list of ``(heading or None, [html fragments])``.

    Examples
    --------
    >>> import pandas as pd
    >>> text = page("Demo", [("Numbers", [table(pd.DataFrame({"a": [1]}))])])
    >>> "<table" in text and "http" not in text.split("<body>")[1]
    True
    """
    body = [f"<h1>{html.escape(title)}</h1>"]
    for heading, fragments in sections:
        if heading:
            body.append(f"<h2>{html.escape(heading)}</h2>")
        body.extend(fragments)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n"
            + "\n".join(body) + "\n</body></html>\n")
