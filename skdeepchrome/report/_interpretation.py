"""The report of ``skdeepchrome interpret``: what the files show, in Markdown and HTML."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..plotting._interpretation import class_name
from ..plotting._labels import metric_label
from . import _html as h

#: What each picture of the interpretation shows, for its caption.
CAPTIONS = {
    "mark_profiles.png": "Average signal of each mark around the TSS, high- and "
                         "low-expression genes; the bands are ±1 standard error of the mean",
    "mark_importance.png": "How much the held-out score drops when a mark is shuffled "
                           "(permutation importance), most important first",
    "class_optimal_inputs.png": "DeepChrome's class-optimal inputs: the signal the model "
                                "scores as most typical of each class",
    "attributions.png": "Integrated gradients per mark and position, averaged over the "
                        "held-out genes of each class",
}


def interpretation_summary(importance, scoring, attribution=None, agreement=None):
    """What the interpretation found, in sentences drawn from the measures the report shows.

    The marks are named in the order of the permutation importance and of the integrated
    gradients, never of the class-optimal inputs alone; the class-optimal inputs are
    described only beside the attributions, and where the two rank the marks differently
    the sentence is a caveat.

    Parameters
    ----------
    importance : pandas.DataFrame
        ``mark``, ``importance`` (:func:`~skdeepchrome.interpret.mark_importance`).
    scoring : str
        What the importance is a drop of.
    attribution : pandas.DataFrame, optional
        ``class``, ``mark``, ``attribution``: each class's genes' integrated gradients
        toward their own class, per mark.
    agreement : pandas.DataFrame, optional
        From :func:`~skdeepchrome.interpret.optimal_agreement`.

    Returns
    -------
    (list of str, list of str)
        The summary lines and the caveats.

    Examples
    --------
    >>> import pandas as pd
    >>> importance = pd.DataFrame({"mark": ["H3K4me3", "H3K27me3"],
    ...                            "importance": [0.128, 0.02]})
    >>> lines, caveats = interpretation_summary(importance, "roc_auc")
    >>> print(lines[0].replace(", then", ",\\nthen"))
    most important mark: H3K4me3 (ROC AUC drops by 0.128 when it is shuffled),
    then H3K27me3 (0.020)
    """
    lines, caveats = [], []
    ranked = importance.sort_values("importance", ascending=False)
    first, *rest = list(ranked.itertuples(index=False))
    then = ", ".join(f"{r.mark} ({r.importance:.3f})" for r in rest[:2] if r.importance > 0)
    lines.append(f"most important mark: {first.mark} ({metric_label(scoring)} drops by "
                 f"{first.importance:.3f} when it is shuffled)" + (f", then {then}" if then
                                                                   else ""))
    if first.importance <= 0:
        caveats.append(f"no mark's shuffling lowers the held-out {metric_label(scoring)}: "
                       "the model has learnt little that the importance can show.")
    if attribution is not None and len(attribution):
        parts = []
        for label, group in attribution.groupby("class", sort=False):
            order = group.sort_values("attribution", ascending=False)
            top = order.iloc[0]
            second = order.iloc[1] if len(order) > 1 and order.iloc[1]["attribution"] > 0 \
                else None
            parts.append(f"toward {class_name(label)}, {top['mark']} pushes most"
                         + (f", then {second['mark']}" if second is not None else ""))
        lines.append("integrated gradients on the held-out genes: " + "; ".join(parts))
    for row in (agreement.itertuples(index=False) if agreement is not None else ()):
        name = class_name(row[0])
        rho = "n/a" if not np.isfinite(row.spearman) else f"{row.spearman:.2f}"
        if row.agree:
            lines.append(f"class-optimal input for {name}: favours {row.top_optimal} over "
                         f"the other classes, as the attributions do (Spearman rho {rho} "
                         "between the two rankings of the marks)")
        else:
            caveats.append(
                f"the class-optimal input for {name} favours {row.top_optimal}, but the "
                f"attributions on the held-out genes point to {row.top_attribution} "
                f"(Spearman rho {rho} between the two rankings of the marks).")
    if agreement is not None and len(agreement) and not agreement["agree"].all():
        caveats.append("A class-optimal input shows what drives the network's score to its "
                       "extreme, which may lie far from any gene the model has seen; where "
                       "it disagrees with the attributions, read the importance and the "
                       "attributions for what the model uses.")
    return lines, caveats


def write_interpretation_report(folder, *, description, importance, scoring, n_genes,
                                pictures, run, summary=None, caveats=None):
    """Write ``report.md`` and a self-contained ``report.html`` into ``folder``.

    Parameters
    ----------
    folder : Path
    description : str
        What the data were.
    importance : pandas.DataFrame
        The mark importance table.
    scoring : str
    n_genes : int
        Held-out genes explained.
    pictures : list of str
        Picture files already in ``folder``.
    run : dict
        ``command``, ``seed``, ``data``, ``model`` and ``versions``.
    summary, caveats : list of str, optional
        From :func:`interpretation_summary`: the report's first section and its caveats.

    Returns
    -------
    list of str
        The names written.
    """
    folder = Path(folder)
    shown = importance[["mark", "importance", "sd"]].copy()
    shown["importance"] = shown["importance"].map(lambda v: f"{v:+.4f}")
    shown["sd"] = shown["sd"].map(lambda v: f"{v:.4f}")
    method = importance["method"].iloc[0] if "method" in importance else "permutation"
    intro = (f"Data: {description}. Mark importance ({method}): the drop in {scoring} on "
             f"{n_genes} held-out genes when the mark is shuffled.")
    versions = ", ".join(f"{k} {v}" for k, v in run.get("versions", {}).items())
    made = [f"Command: {run.get('command')}", f"Seed: {run.get('seed')}",
            f"Data: {run.get('data')}", f"Model: {run.get('model')}", f"Versions: {versions}"]

    summary, caveats = list(summary or []), list(caveats or [])
    captions = dict(CAPTIONS)
    if any("class-optimal input for" in c for c in caveats):
        captions["class_optimal_inputs.png"] += (
            "; here they rank the marks otherwise than the attributions do (see Caveats)")
    lines = ["# skdeepchrome interpretation", "", intro, ""]
    if summary:
        lines += ["## Summary", ""] + [f"- {line}" for line in summary] + [""]
    if caveats:
        lines += ["## Caveats", ""] + [f"- {line}" for line in caveats] + [""]
    lines += ["## Mark importance", "", "| mark | importance | sd |", "|---|---|---|"]
    lines += [f"| {r.mark} | {r.importance} | {r.sd} |" for r in shown.itertuples()]
    if pictures:
        lines += ["", "## Pictures", ""]
        for name in pictures:
            caption = captions.get(name, name)
            lines += [f"![{caption}]({name})", "", f"*{caption}*", ""]
    lines += ["", "## How this report was made", ""] + [f"- {m}" for m in made] + [""]
    (folder / "report.md").write_text("\n".join(lines), encoding="utf-8")

    sections = [(None, [h.paragraph(intro)])]
    if summary:
        sections.append(("Summary", [h.paragraph(line) for line in summary]))
    if caveats:
        sections.append(("Caveats", [h.paragraph(line, "note") for line in caveats]))
    sections.append(("Mark importance", [h.table(shown)]))
    if pictures:
        sections.append(("Pictures", [h.picture(folder / n, captions.get(n, n))
                                      for n in pictures]))
    sections.append(("How this report was made", [h.paragraph(m) for m in made]))
    (folder / "report.html").write_text(h.page("skdeepchrome interpretation", sections),
                                        encoding="utf-8")
    return ["report.md", "report.html"]
