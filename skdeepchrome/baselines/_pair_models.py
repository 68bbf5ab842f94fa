"""The models of the differential task: two cells' marks in, the log2 fold change out.

Every model is a ``Pipeline`` over the pair matrix (:mod:`skdeepchrome.layout`) that
starts with a :class:`~skdeepchrome.HistoneBinner` of all the pair's marks (``log1p``):

- ``"deepdiff"``: :class:`~skdeepchrome.estimators.DeepDiffRegressor`, DeepDiff's
  design (difference and concatenation of the two cells' representations, each cell's
  expression as an auxiliary task);
- ``"deepchrome_difference"``: a DeepChrome regressor per cell on its own expression, the
  prediction their difference
  (:class:`~skdeepchrome.estimators.CellwiseDifferenceRegressor`);
  it needs each cell's expression, so the comparison runs it only when given;
- ``"{ridge,random_forest,gradient_boosting}_difference"``: the tabular regressor on the
  first cell's binned ``log1p`` signal minus the second's
  (:class:`~skdeepchrome.preprocessing.CellDifference`): bin by bin log ratios;
- ``"{ridge,random_forest,gradient_boosting}_concat"``: the same regressor on both cells'
  features side by side.

``features="marks"`` gives the tabular models one mean per mark and cell instead of every
bin, as in the single-cell baselines.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ..estimators import CellwiseDifferenceRegressor, DeepChromeRegressor, DeepDiffRegressor
from ..layout import DEFAULT_CELLS, pair_marks, split_pair_marks
from ..preprocessing import CellDifference, HistoneBinner
from ._names import DIFFERENTIAL_MODEL_NAMES

#: The tabular regressors of the differential task.
TABULAR = ("ridge", "random_forest", "gradient_boosting")
#: The two ways a tabular regressor reads a pair: the difference of the cells' features, or
#: both cells' features side by side.
PAIR_SETTINGS = ("difference", "concat")


def _pair_marks(marks):
    """The pair's mark names: given as a pair's, or one cell's marks to be paired."""
    if isinstance(marks, int):
        if marks % 2:
            raise ValueError(f"marks as a count must be a pair's (even), got {marks}.")
        return pair_marks(marks // 2, DEFAULT_CELLS)
    marks = tuple(marks)
    if any(":" in m for m in marks):
        split_pair_marks(marks)
        return marks
    return pair_marks(marks, DEFAULT_CELLS)


def _tabular(kind, random_state):
    if kind == "ridge":
        return RidgeCV(alphas=np.logspace(-1, 5, 13))
    if kind == "random_forest":
        return RandomForestRegressor(n_estimators=500, min_samples_leaf=2, max_features="sqrt",
                                     n_jobs=-1, random_state=random_state)
    return HistGradientBoostingRegressor(random_state=random_state)


def make_differential_model(name, *, features="bins", marks=("H3K27me3", "H3K36me3",
                            "H3K4me1", "H3K4me3", "H3K9me3"), random_state=None):
    """A fresh, unfitted pipeline of the differential task (see the module docstring).

    Parameters
    ----------
    name : str
        One of :data:`~skdeepchrome.baselines.DIFFERENTIAL_MODEL_NAMES`.
    features : {"bins", "marks"}, default="bins"
        Feature setting of the tabular models.
    marks : int or sequence of str
        The pair's marks (``"{cell}:{mark}"`` names, or an even count), or one cell's
        marks, which both cells then share (the default: the REMC marks).
    random_state : int or None, default=None

    Returns
    -------
    sklearn.pipeline.Pipeline

    Examples
    --------
    >>> model = make_differential_model("ridge_difference")
    >>> [step for step, _ in model.steps]
    ['binner', 'difference', 'scaler', 'model']
    >>> model.named_steps["binner"].marks[5]
    'cell2:H3K27me3'
    """
    if name not in DIFFERENTIAL_MODEL_NAMES:
        raise ValueError(f"Unknown differential model {name!r}; choose from "
                         f"{list(DIFFERENTIAL_MODEL_NAMES)}.")
    if features not in ("bins", "marks"):
        raise ValueError(f"features must be 'bins' or 'marks', got {features!r}.")
    marks = _pair_marks(marks)
    if name == "deepdiff":
        return Pipeline([("binner", HistoneBinner(marks, scale="log1p")),
                         ("model", DeepDiffRegressor(random_state=random_state))])
    if name == "deepchrome_difference":
        network = DeepChromeRegressor(random_state=random_state)
        return Pipeline([("binner", HistoneBinner(marks, scale="log1p")),
                         ("model", CellwiseDifferenceRegressor(network))])
    kind, _, setting = name.rpartition("_")
    if features == "bins":
        binner = HistoneBinner(marks, scale="log1p")
    else:
        binner = HistoneBinner(marks, n_bins=1, statistic="mean", scale="log1p")
    steps = [("binner", binner)]
    if setting == "difference":
        steps.append(("difference", CellDifference()))
    if kind == "ridge":
        steps.append(("scaler", StandardScaler()))
    steps.append(("model", _tabular(kind, random_state)))
    return Pipeline(steps)
