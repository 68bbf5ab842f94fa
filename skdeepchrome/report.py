"""Write a comparison's report files: CSV, JSON, Markdown and PNG pictures."""

from __future__ import annotations

import json
from pathlib import Path

from .datasets._atomic import atomic_path


def write_report(result, out_dir, *, plots=True):
    """Write ``result`` into ``out_dir``.

    Files: ``results.csv`` (tidy table), ``summary.csv``, ``tests.csv``,
    ``predictions.csv.gz`` (held-out scores), ``report.json``, ``report.md`` and, with
    ``plots=True``, ``roc_curves.png`` and ``auc_bars.png``. Each file appears whole or not
    at all.

    Parameters
    ----------
    result : ComparisonResult
    out_dir : str or Path
        Created when missing.
    plots : bool, default=True

    Returns
    -------
    dict of str -> Path
    """
    if plots:
        # Before any file is written: a report without its pictures would be half-written.
        from .plotting._figure import require_matplotlib

        require_matplotlib()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"Report folder {out} exists and is not a folder.")
    out.mkdir(parents=True, exist_ok=True)
    written = {}

    def text(name, content):
        with atomic_path(out / name) as part:
            part.write_text(content)
        written[name] = out / name

    def frame(name, df, **kwargs):
        with atomic_path(out / name) as part:
            df.to_csv(part, **kwargs)
        written[name] = out / name

    frame("results.csv", result.table, index=False)
    frame("summary.csv", result.summary)
    frame("tests.csv", result.tests, index=False)
    frame("predictions.csv.gz", result.predictions, index=False, compression="gzip")
    text("report.json", json.dumps(result.to_dict(), indent=2, default=str))
    text("report.md", _markdown(result))
    if plots:
        from .plotting import plot_auc_bars, plot_roc_curves

        for name, draw in (("roc_curves.png", plot_roc_curves), ("auc_bars.png", plot_auc_bars)):
            with atomic_path(out / name) as part:
                draw(result).savefig(part, dpi=120, format="png")
            written[name] = out / name
    return written


def _markdown(result):
    info = result.info
    lines = [
        "# skdeepchrome comparison",
        "",
        f"Protocol: {info.get('protocol')}; {result.unit}s: "
        f"{result.table[result.unit].nunique()}; models: {', '.join(result.models)}.",
    ]
    if "ceiling" in set(result.table["model"]):
        lines.append("The `ceiling` row scores the exact Bayes posterior of the simulated data: "
                     "no model can be expected to beat it.")
    lines += ["", result.to_markdown(), ""]
    return "\n".join(lines)
