"""The published-beside-measured table of a paper-protocol run on REMC epigenomes."""

from __future__ import annotations

import pandas as pd

from ..baselines import display_name

HEADING = "Published beside measured"


def published_table(result, digits=3):
    """Per epigenome: DeepChrome's published AUC, then each model's ``measured (difference)``.

    Parameters
    ----------
    result : ComparisonResult
        A paper-protocol result; its ``info["published"]`` rows are read.
    digits : int, default=3

    Returns
    -------
    pandas.DataFrame or None
        ``None`` when the run has no published figure beside it. The last column says
        whether the epigenome's data has the release's layout.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> rows = [dict(epigenome="E003", model="logistic", published_roc_auc=0.77,
    ...              measured_roc_auc=0.8, difference=0.03, n_train=10, n_valid=10,
    ...              n_test=9, release=False)]
    >>> published_table(SimpleNamespace(info={"published": rows})).iloc[0].tolist()
    ['E003', '0.770', '0.800 (+0.030)', '10 / 10 / 9', 'no']
    """
    rows = (getattr(result, "info", None) or {}).get("published")
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    out = []
    for epigenome, group in frame.groupby("epigenome", sort=False):
        first = group.iloc[0]
        line = {"epigenome": epigenome,
                "published DeepChrome": f"{first.published_roc_auc:.{digits}f}"}
        for row in group.itertuples():
            line[display_name(row.model)] = (f"{row.measured_roc_auc:.{digits}f} "
                                             f"({row.difference:+.{digits}f})")
        sizes = [first.get(key) for key in ("n_train", "n_valid", "n_test")]
        line["genes train / valid / test"] = " / ".join(
            "?" if pd.isna(n) else str(int(n)) for n in sizes)
        line["release"] = "yes" if bool(first.release) else "no"
        out.append(line)
    return pd.DataFrame(out)


def published_notes(result):
    """The sentences that go with :func:`published_table` (its source, the non-release data)."""
    return list((getattr(result, "info", None) or {}).get("published_notes") or [])


def published_text(result):
    """The table and its notes as plain text for the command line ('' when there is none)."""
    table = published_table(result)
    if table is None:
        return ""
    lines = [f"{HEADING} (ROC AUC; measured (measured - published)):",
             table.to_string(index=False)]
    lines += [f"note: {note}" for note in published_notes(result)]
    return "\n".join(lines)
