"""Do the class-optimal inputs say what the attributions say?

A class-optimal input (:func:`~skdeepchrome.interpret.class_optimal_input`) is what drives
the network's score to its extreme, which can lie far from any real gene; integrated
gradients (:func:`~skdeepchrome.interpret.attributions`) explain the network on real genes.
When the two rank the marks differently, the class-optimal picture is not a summary of
what the model uses, and a report must say so instead of reading it as one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

#: Below this Spearman correlation between the two rankings of the marks (or with a
#: different top mark) the class-optimal inputs are said to disagree.
MIN_AGREEMENT = 0.5


def optimal_contrast(optimal):
    """How much each class's optimal input favours each mark over the other classes'.

    Each optimal input is read in its stabilising scale as a fraction of the mark's
    allowed range (0 at the lower bound, 1 at the upper), averaged over bins; a class's
    contrast for a mark is its fraction minus the mean fraction of the other classes.

    Parameters
    ----------
    optimal : list of ClassOptimalInput
        One per class, from :func:`~skdeepchrome.interpret.class_optimal_input`.

    Returns
    -------
    pandas.DataFrame
        ``class``, ``mark``, ``level`` (the fraction) and ``contrast``, one row per class
        and mark.
    """
    if not optimal:
        raise ValueError("optimal is empty: give one class-optimal input per class.")
    levels = []
    for result in optimal:
        values, low, high = result.scaled()
        span = np.where(high > low, high - low, 1.0)
        levels.append(((values - low) / span).mean(axis=1))
    levels = np.asarray(levels)
    rows = []
    for i, result in enumerate(optimal):
        others = np.delete(levels, i, axis=0)
        contrast = levels[i] - (others.mean(axis=0) if len(others) else 0.0)
        for mark, level, value in zip(result.marks, levels[i], contrast):
            rows.append({"class": result.target_class, "mark": mark, "level": float(level),
                         "contrast": float(value)})
    return pd.DataFrame(rows)


def optimal_agreement(optimal, attribution, *, min_agreement=MIN_AGREEMENT):
    """Per class, whether the class-optimal input ranks the marks as the attributions do.

    Parameters
    ----------
    optimal : list of ClassOptimalInput
    attribution : pandas.DataFrame
        ``class``, ``mark``, ``attribution``: each class's genes' mean integrated
        gradients toward their own class, summed over bins
        (:func:`~skdeepchrome.interpret.mark_attribution` per class).
    min_agreement : float, default=0.5
        The Spearman correlation below which the two are said to disagree.

    Returns
    -------
    pandas.DataFrame
        One row per class: ``class``, ``top_optimal`` (the mark the optimal input favours
        most), ``top_attribution`` (the mark pushing hardest toward the class), ``spearman``
        (over the marks), ``agree`` (same top mark and ``spearman >= min_agreement``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skdeepchrome.interpret import ClassOptimalInput
    >>> def optimum(label, levels):
    ...     values = np.repeat(np.asarray(levels, float)[:, None], 4, axis=1)
    ...     return ClassOptimalInput(values, ("A", "B", "C"), label, 0.0, 0.0, 2000, None,
    ...                              (np.zeros((3, 1)), np.ones((3, 1))), np.zeros(1))
    >>> optimal = [optimum(1, [0.9, 0.1, 0.2]), optimum(0, [0.1, 0.8, 0.3])]
    >>> attribution = pd.DataFrame({"class": [1, 1, 1, 0, 0, 0], "mark": list("ABCABC"),
    ...                             "attribution": [2.0, -1.0, 0.1, -1.5, 1.0, 0.2]})
    >>> optimal_agreement(optimal, attribution)[["class", "top_optimal", "agree"]]
       class top_optimal  agree
    0      1           A   True
    1      0           B   True
    """
    contrast = optimal_contrast(optimal)
    rows = []
    for result in optimal:
        label = result.target_class
        mine = contrast[contrast["class"] == label].set_index("mark")["contrast"]
        pushed = attribution[attribution["class"] == label].set_index("mark")["attribution"]
        marks = [m for m in mine.index if m in pushed.index]
        if len(marks) < 2:
            continue
        a, b = mine[marks].to_numpy(), pushed[marks].to_numpy()
        rho = (float(stats.spearmanr(a, b).statistic)
               if np.ptp(a) > 0 and np.ptp(b) > 0 else float("nan"))
        top_optimal, top_attribution = marks[int(np.argmax(a))], marks[int(np.argmax(b))]
        rows.append({"class": label, "top_optimal": top_optimal,
                     "top_attribution": top_attribution, "spearman": rho,
                     "agree": bool(top_optimal == top_attribution and np.isfinite(rho)
                                   and rho >= min_agreement)})
    return pd.DataFrame(rows, columns=["class", "top_optimal", "top_attribution", "spearman",
                                       "agree"])
