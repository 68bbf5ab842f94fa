"""Write a comparison's report files: CSV, JSON, Markdown, HTML and PNG pictures."""

from __future__ import annotations

import json
from pathlib import Path

from .._files import StagedFolder, atomic_path, check_whole
from ..baselines import display_name
from ..plotting import plot_model_scores, plot_roc_curves
from ..plotting._figure import require_matplotlib
from ..plotting._labels import metric_label
from . import _html as h
from ._formatting import (
    format_p,  # noqa: F401  (re-exported for the command line)
    markdown_table,
)
from ._published import HEADING as PUBLISHED_HEADING
from ._published import published_notes, published_table

#: Every file name :func:`write_report` may write; :func:`own_files` adds the pictures.
TABLE_FILES = ("results.csv", "summary.csv", "tests.csv", "predictions.csv.gz", "report.json",
               "report.md", "report.html")
#: Pictures of earlier versions, removed from a reused folder so none is left stale.
FORMER_PICTURES = ("auc_bars.png", "r2_bars.png", "pearson_bars.png", "spearman_bars.png")


def picture_names(result):
    """``{file name: caption}`` of the pictures of ``result``, in report order."""
    metric = result.metrics[0]
    pictures = {}
    if result.task != "regression":
        pictures["roc_curves.png"] = (
            f"ROC curves of the held-out genes, one panel per {result.unit} (the legend's "
            f"AUCs are that {result.unit}'s, as in the results table)")
    pictures[f"{metric}_by_model.png"] = (
        f"{_metric_label(metric)} per model (rank order): the mean over {result.unit}s with "
        "its bootstrap 95 % interval where computed, and each "
        f"{result.unit} as a small dot")
    # Pictures a kind of result adds (a transfer's source x target matrix).
    pictures.update(getattr(result, "extra_pictures", dict)())
    return pictures


def own_files():
    """Every file name a comparison report may hold (for pruning a reused folder).

    Examples
    --------
    >>> "report.html" in own_files() and "roc_curves.png" in own_files()
    True
    """
    metrics = ("roc_auc", "average_precision", "accuracy", "balanced_accuracy", "f1", "r2",
               "pearson", "spearman")
    return (TABLE_FILES + ("roc_curves.png", "transfer_matrix.png")
            + tuple(f"{m}_by_model.png" for m in metrics) + FORMER_PICTURES)


def _metric_label(metric):
    return metric_label(metric)


def write_report(result, out_dir, *, plots=True):
    """Write ``result`` into ``out_dir``.

    Files: ``results.csv`` (tidy table), ``summary.csv``, ``tests.csv``,
    ``predictions.csv.gz`` (held-out scores), ``report.json``, ``report.md``,
    ``report.html`` (self-contained: tables and pictures embedded) and, with ``plots=True``,
    the pictures of :func:`picture_names`. The files are written beside the folder and
    moved in whole (a reader checks with :func:`check_report`), one run at a time; the
    package's files of an earlier report in the folder that this one does not rewrite are
    removed, so none is left stale, and a file it did not write is never replaced.

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

        require_matplotlib()
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"Report folder {out} exists and is not a folder.")
    # Written aside and moved in whole, one run at a time; never replacing a file the
    # package did not write there (a staging folder of the command line is written into).
    with StagedFolder(out, own=own_files(), option="report folder") as stage:
        _write_files(result, stage.path, plots)
        return stage.commit()


def check_report(folder):
    """The files of the one whole report in ``folder``; a one-line error if it holds none.

    A report is moved into its folder file by file; the folder's manifest, written last,
    names the run and each file's SHA-256. A reader that must not mix two runs' files (a
    run killed while moving its files in leaves the folder so until the next run on it
    finishes the move) checks the folder first.

    Parameters
    ----------
    folder : str or Path

    Returns
    -------
    dict of str -> Path
        ``{name: path}`` of the report's files.

    Raises
    ------
    ValueError
        When the folder holds no report, a run stopped while moving its files in, or a
        file that is not the one its run wrote (naming them).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     check_report(tmp)
    Traceback (most recent call last):
    ...
    ValueError: report folder ...: holds no skdeepchrome report (.skdeepchrome-files is missing).
    """
    entry = check_whole(folder)
    return {name: Path(folder) / name for name in sorted(entry["files"])}


def _write_files(result, out, plots):
    """Write the report's files into ``out`` (a staging folder)."""
    def text(name, content):
        with atomic_path(out / name) as part:
            part.write_text(content, encoding="utf-8")

    def frame(name, df, **kwargs):
        with atomic_path(out / name) as part:
            df.to_csv(part, **kwargs)

    frame("results.csv", result.table, index=False)
    frame("summary.csv", result.summary)
    frame("tests.csv", result.tests, index=False)
    frame("predictions.csv.gz", result.predictions, index=False, compression="gzip")
    pictures = picture_names(result) if plots else {}
    if plots:
        for name in pictures:
            if name == "roc_curves.png":
                fig = plot_roc_curves(result)
            elif name in getattr(result, "extra_pictures", dict)():
                fig = result.draw_picture(name)
            else:
                fig = plot_model_scores(result, metric=result.metrics[0])
            with atomic_path(out / name) as part:
                fig.savefig(part, dpi=120, format="png")
    text("report.json", json.dumps(result.to_dict(), indent=2, default=str))
    text("report.md", _markdown(result, pictures))
    text("report.html", _html(result, {n: c for n, c in pictures.items()}, out))


def _run_lines(result):
    run = result.info.get("run")
    if not run:
        return []
    versions = ", ".join(f"{k} {v}" for k, v in run.get("versions", {}).items())
    return [f"Command: `{run.get('command')}`", f"Seed: {run.get('seed')}",
            f"Data: {run.get('data')}", f"Versions: {versions}"]


def _headline(result):
    info = result.info
    names = ", ".join(display_name(m) for m in result.ranked_models)
    return (f"Protocol: {info.get('protocol')}; {result.unit}s: "
            f"{result.table[result.unit].nunique()}; models, best first: {names}.")


def _markdown(result, pictures):
    lines = ["# skdeepchrome comparison", "", _headline(result)]
    if "ceiling" in set(result.table["model"]):
        lines.append("The `ceiling` row scores the exact Bayes posterior of the simulated data: "
                     "no model can be expected to beat it.")
    lines += ["", result.to_markdown(), ""]
    published = published_table(result)
    if published is not None:
        lines += [f"## {PUBLISHED_HEADING}", "", markdown_table(published), ""]
        lines += [f"- {note}" for note in published_notes(result)] + [""]
    if result.caveats:
        lines += ["## Caveats", ""] + [f"- {c}" for c in result.caveats] + [""]
    if pictures:
        lines += ["## Pictures", ""]
        for name, caption in pictures.items():
            lines += [f"![{caption}]({name})", "", f"*{caption}*", ""]
    run = _run_lines(result)
    if run:
        lines += ["## How this report was made", ""] + [f"- {line}" for line in run] + [""]
    return "\n".join(lines)


def _html(result, pictures, folder):
    intro = [h.paragraph(_headline(result))]
    if "ceiling" in set(result.table["model"]):
        intro.append(h.paragraph("The ceiling row scores the exact Bayes posterior of the "
                                 "simulated data: no model can be expected to beat it."))
    sections = [(None, intro), ("Summary", [h.table(result.summary_table().reset_index())])]
    if len(result.tests):
        sections.append((f"Paired tests of {result.reference} against each model",
                         [h.table(result.tests_table())]))
    published = published_table(result)
    if published is not None:
        sections.append((PUBLISHED_HEADING, [h.table(published)] + [
            h.paragraph(note, "note") for note in published_notes(result)]))
    if result.caveats:
        sections.append(("Caveats", [h.paragraph(c, "note") for c in result.caveats]))
    if pictures:
        sections.append(("Pictures", [h.picture(Path(folder) / name, caption)
                                      for name, caption in pictures.items()]))
    run = _run_lines(result)
    if run:
        sections.append(("How this report was made",
                         [h.paragraph(line.replace("`", "")) for line in run]))
    return h.page("skdeepchrome comparison", sections)
