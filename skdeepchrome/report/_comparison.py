"""Write a comparison's report files: CSV, JSON, Markdown, HTML and PNG pictures."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .._files import StagedFolder, atomic_path, check_whole
from ..baselines import CEILING
from ..plotting import plot_model_scores, plot_roc_curves
from ..plotting._figure import require_matplotlib
from ..plotting._labels import metric_label, model_label
from . import _html as h
from ._formatting import format_p, json_records, markdown_table
from ._provenance import versions
from ._published import HEADING as PUBLISHED_HEADING
from ._published import published_notes, published_table

#: Units whose reports have a table of each unit on its own (folds of one data set do
#: not: they are resamples, not different questions).
PER_UNIT = ("epigenome", "pair")
#: Columns of the summary that pool the units into one number (left out where the
#: epigenomes are not exchangeable).
POOLED_SUFFIXES = ("_mean", "_sd", "_median", "_ci_low", "_ci_high")

#: Every file name :func:`write_report` may write; :func:`own_files` adds the pictures.
TABLE_FILES = ("results.csv", "summary.csv", "tests.csv", "predictions.csv.gz", "report.json",
               "report.md", "report.html")
#: Pictures of earlier versions, removed from a reused folder so none is left stale.
FORMER_PICTURES = ("auc_bars.png", "r2_bars.png", "pearson_bars.png", "spearman_bars.png")


def picture_names(result):
    """``{file name: caption}`` of the pictures of ``result``, in report order."""
    metric = result.metrics[0]
    pictures = {}
    if result.task != "regression" and result.unit == "pair":
        pictures["roc_curves.png"] = (
            "ROC curves of each target's test genes, one small panel per source -> target "
            "pair (rows) and model (columns): solid, fitted on the source; dashed, fitted "
            "on the target's own genes; the panel's title gives both AUCs")
    elif result.task != "regression":
        pictures["roc_curves.png"] = (
            f"ROC curves of the held-out genes, one panel per {result.unit} (the legend's "
            f"AUCs are that {result.unit}'s, as in the results table)")
    ceiling = CEILING in set(result.table["model"])
    if not exchangeable(result):
        pictures[f"{metric}_by_model.png"] = (
            f"{_metric_label(metric)} per model (rank order), each {result.unit} on its own "
            "(one marker each) with its own 95 % interval where computed; no mean over "
            f"{result.unit}s")
        pictures.update(getattr(result, "extra_pictures", dict)())
        return pictures
    pictures[f"{metric}_by_model.png"] = (
        f"{_metric_label(metric)} per model (rank order): the mean over {result.unit}s with "
        "its bootstrap 95 % interval where computed, and each "
        f"{result.unit} as a small dot"
        + (f", joined to a black tick at that {result.unit}'s own Bayes ceiling"
           if ceiling else ""))
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
    return (TABLE_FILES + ("roc_curves.png", "transfer_matrix.png", "predicted_vs_observed.png")
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
    frame("summary.csv", _summary_frame(result))
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
    text("report.json", json.dumps(_json(result), indent=2, default=str))
    text("report.md", _markdown(result, pictures))
    text("report.html", _html(result, {n: c for n, c in pictures.items()}, out))


def exchangeable(result):
    """Whether ``result``'s units may be pooled into one mean (``info["exchangeable"]``).

    Folds of one data set and simulated epigenomes are; epigenomes of different real cells
    (the Roadmap sample's H1 and K562) are not: their mean would describe neither.
    """
    return result.info.get("exchangeable", True) is not False


def _summary_frame(result):
    """The summary as ``summary.csv`` holds it: without pooled columns where the units
    are not exchangeable."""
    summary = result.summary
    if exchangeable(result):
        return summary
    return summary[[c for c in summary.columns if not c.endswith(POOLED_SUFFIXES)]]


def _json(result):
    """``report.json``: the result's dict, each unit's own rows, the labels a reader saw."""
    payload = result.to_dict()
    payload["labels"] = {m: model_label(m) for m in dict.fromkeys(result.table["model"])}
    if result.unit in PER_UNIT:
        payload[f"per_{result.unit}"] = json_records(result.unit_table())
    payload["pooled"] = exchangeable(result)
    if not exchangeable(result):
        payload["summary"] = json_records(_summary_frame(result).reset_index())
        payload["not_pooled"] = _not_pooled_note(result)
    if "p_adjusted" in result.tests:
        payload["multiplicity"] = _multiplicity(result)
    return payload


def _not_pooled_note(result):
    return result.info.get("not_pooled") or (
        f"Each {result.unit} is reported on its own: they are not exchangeable, so no mean "
        "over them is given.")


def _multiplicity(result):
    return result.info.get("multiplicity") or (
        "p_adjusted: Benjamini-Hochberg adjusted p-values over the tests of this table.")


def _run_lines(result):
    """How the report was made: the command's record, or what the result itself knows
    (a report written from Python, or a sub-report of a larger job)."""
    run = result.info.get("run") or {}
    recorded = run.get("versions") or versions()
    names = ", ".join(f"{k} {v}" for k, v in recorded.items())
    command = run.get("command") or result.info.get("command") or (
        "not recorded (written from Python, or as part of a larger job: see its report)")
    seed = run.get("seed", result.info.get("random_state"))
    data = run.get("data") or result.info.get("data") or "not recorded"
    lines = [f"Command: `{command}`", f"Seed: {seed}", f"Data: {data}",
             f"Protocol: {result.info.get('protocol', 'not recorded')}"]
    if result.info.get("window") is not None:
        lines.append(f"Window: {result.info['window']} bp around the TSS")
    return lines + [f"Versions: {names}"]


def _headline(result):
    info = result.info
    names = ", ".join(model_label(m) for m in result.ranked_models)
    return (f"Protocol: {info.get('protocol')}; {result.unit}s: "
            f"{result.table[result.unit].nunique()}; models, best first: {names}.")


def _with_labels(frame):
    """A display table with models named as the pictures name them."""
    frame = frame.copy()
    if "model" in frame.columns:
        frame["model"] = frame["model"].map(model_label)
    if "reference" in frame.columns:
        frame["reference"] = frame["reference"].map(model_label)
    return frame


def _interval(low, high):
    return "" if not np.isfinite(low) else f"[{low:.3f}, {high:.3f}]"


def unit_display(result):
    """Each epigenome's own row: every model's score with its 95 % interval, and the
    epigenome's Bayes ceiling where known (a display table, models best first)."""
    rows = result.unit_table()
    metric = result.metrics[0]
    out = {}
    for unit, group in rows.groupby(result.unit, sort=True):
        line = {result.unit: unit}
        ceiling = group["ceiling"].iloc[0]
        if np.isfinite(ceiling):
            line["Bayes ceiling"] = f"{ceiling:.3f}"
        for row in group[group["model"] != CEILING].itertuples(index=False):
            interval = _interval(row.ci_low, row.ci_high)
            line[model_label(row.model)] = f"{row.value:.3f}" + (
                f" {interval}" if interval else "")
        out[unit] = line
    frame = pd.DataFrame(list(out.values()))
    return frame, (f"{_metric_label(metric)} of each {result.unit} on its own test genes"
                   + (", with its bootstrap 95 % interval (resampling that "
                      f"{result.unit}'s test genes)" if metric == "roc_auc" else "")
                   + ("; the Bayes ceiling is the best any model could score on that "
                      f"{result.unit}" if "Bayes ceiling" in frame.columns else
                      "; no Bayes ceiling is known (real data carry no posterior)") + ".")


def _summary_parts(result):
    """``(heading, sentence, table or None)`` of the summary, labelled as what it pools."""
    n = result.table[result.unit].nunique()
    table = _with_labels(result.summary_table().reset_index())
    if not exchangeable(result):
        kept = [c for c in table.columns
                if c in ("model", "rank", "wins", "fit s")]
        return ("Models", _not_pooled_note(result) + " Rank and wins count per-"
                f"{result.unit} results.", table[kept])
    if result.unit == "epigenome" and n > 1:
        why = result.info.get("exchangeable_note", "simulated cell types of one simulator, pooled "
                              "as the DeepChrome paper pools its 56 cell types")
        return (f"Summary, pooled over {n} epigenomes",
                f"Mean ± sd over the {n} epigenomes, treating them as exchangeable ({why}); "
                "the 95 % interval resamples each epigenome's test genes. Each epigenome's "
                "own row follows.", table)
    return (f"Summary over {n} {result.unit}s" if n > 1 else "Summary",
            f"Mean ± sd over the {result.unit}s." if n > 1 else "", table)


def _tests_parts(result):
    """``(heading, table, notes)`` of the paired tests."""
    tests = _with_labels(result.tests_table())
    notes = []
    if "p_adjusted" in tests.columns:
        tests["p_adjusted"] = result.tests["p_adjusted"].map(format_p).to_numpy()
        # Beside the p-value it corrects.
        order = [c for c in tests.columns if c != "p_adjusted"]
        order.insert(order.index("p_value") + 1, "p_adjusted")
        tests = tests[order]
        notes.append(_multiplicity(result))
    return (f"Paired tests of {model_label(result.reference)} against each model", tests,
            notes)


def _markdown(result, pictures):
    lines = ["# skdeepchrome comparison", "", _headline(result)]
    if "ceiling" in set(result.table["model"]):
        lines.append("The `ceiling` row scores the exact Bayes posterior of the simulated data: "
                     "no model can be expected to beat it.")
    heading, sentence, table = _summary_parts(result)
    lines += ["", f"## {heading}", ""] + ([sentence, ""] if sentence else [])
    lines += [markdown_table(table), ""]
    if result.unit in PER_UNIT:
        units, caption = unit_display(result)
        lines += [f"## Each {result.unit} on its own", "", caption, "",
                  markdown_table(units), ""]
    if len(result.tests):
        heading, tests, notes = _tests_parts(result)
        lines += [f"## {heading}", ""]
        for note in notes:
            lines += [note, ""]
        lines += [markdown_table(tests), ""]
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
    lines += ["## How this report was made", ""] + [f"- {line}" for line in
                                                    _run_lines(result)] + [""]
    return "\n".join(lines)


def _html(result, pictures, folder):
    intro = [h.paragraph(_headline(result))]
    if "ceiling" in set(result.table["model"]):
        intro.append(h.paragraph("The ceiling row scores the exact Bayes posterior of the "
                                 "simulated data: no model can be expected to beat it."))
    heading, sentence, table = _summary_parts(result)
    sections = [(None, intro),
                (heading, ([h.paragraph(sentence)] if sentence else []) + [h.table(table)])]
    if result.unit in PER_UNIT:
        units, caption = unit_display(result)
        sections.append((f"Each {result.unit} on its own",
                         [h.paragraph(caption), h.table(units)]))
    if len(result.tests):
        heading, tests, notes = _tests_parts(result)
        sections.append((heading, [h.paragraph(n, "note") for n in notes] + [h.table(tests)]))
    published = published_table(result)
    if published is not None:
        sections.append((PUBLISHED_HEADING, [h.table(published)] + [
            h.paragraph(note, "note") for note in published_notes(result)]))
    if result.caveats:
        sections.append(("Caveats", [h.paragraph(c, "note") for c in result.caveats]))
    if pictures:
        sections.append(("Pictures", [h.picture(Path(folder) / name, caption)
                                      for name, caption in pictures.items()]))
    sections.append(("How this report was made",
                     [h.paragraph(line.replace("`", "")) for line in _run_lines(result)]))
    return h.page("skdeepchrome comparison", sections)
