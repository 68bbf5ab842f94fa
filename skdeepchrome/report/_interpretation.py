"""The report of ``skdeepchrome interpret``: what the files show, in Markdown and HTML."""

from __future__ import annotations

from pathlib import Path

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


def write_interpretation_report(folder, *, description, importance, scoring, n_genes,
                                pictures, run):
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

    lines = ["# skdeepchrome interpretation", "", intro, "", "## Mark importance", "",
             "| mark | importance | sd |", "|---|---|---|"]
    lines += [f"| {r.mark} | {r.importance} | {r.sd} |" for r in shown.itertuples()]
    if pictures:
        lines += ["", "## Pictures", ""]
        for name in pictures:
            caption = CAPTIONS.get(name, name)
            lines += [f"![{caption}]({name})", "", f"*{caption}*", ""]
    lines += ["", "## How this report was made", ""] + [f"- {m}" for m in made] + [""]
    (folder / "report.md").write_text("\n".join(lines), encoding="utf-8")

    sections = [(None, [h.paragraph(intro)]), ("Mark importance", [h.table(shown)])]
    if pictures:
        sections.append(("Pictures", [h.picture(folder / n, CAPTIONS.get(n, n))
                                      for n in pictures]))
    sections.append(("How this report was made", [h.paragraph(m) for m in made]))
    (folder / "report.html").write_text(h.page("skdeepchrome interpretation", sections),
                                        encoding="utf-8")
    return ["report.md", "report.html"]
