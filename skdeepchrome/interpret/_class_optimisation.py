"""DeepChrome's visualisation: the input that the network finds most typical of a class.

Singh et al. (2016) find, for each class, the marks x bins input ``X*`` maximising the
class score ``S_c(X) - lambda * ||X||^2`` by gradient ascent from a random start (their
``7_viz.lua``: ``lambda = 0.009``, 1000 RMSprop steps from ``rand(100, 5)``, then clamped
to ``[0, 1]``). The map shows which combinations of marks, where, the network ties to high
and to low expression. Here the ascent runs in the *input* space of the fitted pipeline
(read counts before its ``HistoneBinner``) and every step is projected back into the valid
range.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from sklearn.utils import check_random_state

from ..estimators import torch_threads
from ..layout import REMC_MARKS, infer_marks, resolve_marks, to_3d
from ._differentiable_pipeline import DifferentiablePipeline
from ._positions import bin_centres_kb

_TO_SCALE = {None: lambda v: v, "log1p": np.log1p, "asinh": np.arcsinh}
_FROM_SCALE = {None: lambda u: u, "log1p": torch.expm1, "asinh": torch.sinh}


@dataclass
class ClassOptimalInput:
    """An input maximising one class's score, with what is needed to read it.

    Attributes
    ----------
    values : ndarray of shape (n_marks, n_bins)
        The optimised input, in the estimator's input space and layout.
    marks : tuple of str
        Row names of ``values``.
    target_class : object
        The class whose score was maximised.
    score : float
        The class score at ``values`` (logit, or log-odds for two classes).
    objective : float
        The quantity maximised: ``score`` minus the L2 (and smoothness) penalty.
    flank : int
        Base pairs either side of the TSS that the bins tile; ``positions_kb`` gives the
        bin centres in kb (upstream negative).
    scale : {None, "log1p", "asinh"}
        The variance-stabilising scale the ascent stepped in (the first binner's).
    bounds : (ndarray, ndarray)
        Lower and upper limits the input was kept within, each ``(n_marks, n_bins)``.
    history : ndarray of shape (n_steps,)
        The best start's objective after every step (to check convergence).
    """

    values: np.ndarray
    marks: tuple
    target_class: object
    score: float
    objective: float
    flank: int
    scale: str | None
    bounds: tuple = field(repr=False)
    history: np.ndarray = field(repr=False)

    @property
    def positions_kb(self):
        """Bin centres in kb from the TSS, ``(n_bins,)``."""
        return bin_centres_kb(self.values.shape[1], self.flank)

    def scaled(self):
        """``values`` and ``bounds`` in the stabilised ``scale`` (``log1p`` of counts).

        Returns
        -------
        (values, low, high) : ndarrays of shape (n_marks, n_bins)
        """
        to_scale = _TO_SCALE[self.scale]
        low, high = self.bounds
        with np.errstate(invalid="ignore"):
            return to_scale(self.values), to_scale(low), to_scale(high)

    def to_frame(self):
        """Tidy table: one row per mark and bin.

        Returns
        -------
        DataFrame
            Columns ``target_class``, ``mark``, ``bin``, ``position_kb``, ``value``.
        """
        n_marks, n_bins = self.values.shape
        return pd.DataFrame({
            "target_class": [self.target_class] * (n_marks * n_bins),
            "mark": np.repeat(np.asarray(self.marks, dtype=object), n_bins),
            "bin": np.tile(np.arange(n_bins), n_marks),
            "position_kb": np.tile(self.positions_kb, n_marks),
            "value": self.values.ravel(),
        })


def input_bounds(X, marks=None, *, quantile=0.999):
    """Per-mark ``(low, high)`` limits of the values seen in ``X``, for the optimisation.

    The upper limit is a high ``quantile`` of each mark over all genes and bins (a robust
    maximum), the lower one the mark's minimum. Limits are per mark, not per bin: per-bin
    limits would copy the data's average profile into the optimised input.

    Parameters
    ----------
    X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        Typically the training genes, in the estimator's input space.
    marks : int or sequence of str, default=None
        The input's marks; ``None`` takes them from ``X`` or assumes the five REMC marks.
    quantile : float, default=0.999

    Returns
    -------
    (ndarray, ndarray)
        ``low`` and ``high``, each of shape ``(n_marks, 1)`` (broadcasting over bins).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.stack([np.zeros((10, 4)), np.arange(40.0).reshape(10, 4)], axis=1)
    >>> low, high = input_bounds(X, ["A", "B"], quantile=1.0)
    >>> low.ravel().tolist(), high.ravel().tolist()
    ([0.0, 0.0], [0.0, 39.0])
    """
    if not 0 < quantile <= 1:
        raise ValueError(f"quantile must be in (0, 1], got {quantile!r}.")
    if marks is None:
        marks = infer_marks(X) or REMC_MARKS
    X = np.asarray(X, dtype=np.float64)
    if X.ndim not in (2, 3):
        raise ValueError(f"X must be 2-D or 3-D genes x marks x bins, got shape {X.shape}.")
    n_features = X.shape[1] * (X.shape[2] if X.ndim == 3 else 1)
    marks = resolve_marks(marks, n_features)
    X3 = to_3d(X, len(marks))
    per_mark = np.moveaxis(X3, 1, 0).reshape(len(marks), -1)
    if not np.isfinite(per_mark).all():
        raise ValueError("X contains NaN or infinity.")
    return per_mark.min(axis=1)[:, None], np.quantile(per_mark, quantile, axis=1)[:, None]


def _resolve_bounds(model, bounds):
    shape = (len(model.marks), model.n_positions)
    if bounds is None:
        low, high = model.lower_bound, np.inf
    else:
        try:
            low, high = bounds
        except (TypeError, ValueError):
            raise ValueError(
                f"bounds must be a (low, high) pair, got {bounds!r}."
            ) from None
    try:
        low = np.broadcast_to(np.asarray(low, dtype=np.float64), shape).copy()
        high = np.broadcast_to(np.asarray(high, dtype=np.float64), shape).copy()
    except ValueError:
        raise ValueError(
            f"bounds must broadcast to (n_marks, n_bins) = {shape}, got shapes "
            f"{np.shape(bounds[0])} and {np.shape(bounds[1])}."
        ) from None
    if np.isnan(low).any() or np.isnan(high).any() or (low > high).any():
        raise ValueError("bounds need low <= high everywhere and no NaN.")
    if (low < model.lower_bound).any():
        raise ValueError(
            f"bounds go below {model.lower_bound}, but the pipeline applies log1p to read "
            f"counts, which must stay >= 0."
        )
    return low, high


def class_optimal_input(
    estimator,
    target_class,
    *,
    bounds=None,
    l2=0.009,
    n_steps=500,
    lr=0.1,
    n_init=8,
    random_state=None,
    smoothness=0.0,
    start=None,
):
    """The input (marks x bins) the network scores highest for ``target_class``.

    Maximises ``S(X) - l2 * ||B(X)||^2`` over the inputs ``X`` of one gene by projected
    gradient ascent (Adam, every step clamped into ``bounds``). ``S`` is the class score:
    the logit of ``target_class``, or for two classes its log-odds against the other.
    ``B`` is what the network sees, the first ``HistoneBinner``'s output (e.g. ``log1p``
    of pooled counts) before any standardisation, so the penalty shrinks towards no
    signal and means the same whatever the units of the counts; without a binner it is
    the identity, and this is the paper's objective exactly. The penalty keeps only
    signal that earns its cost, so marks the class does not need stay at the lower bound.

    Steps are taken in that binner's variance-stabilising scale (``u = log1p(X)``, or
    ``asinh``), so that one learning rate suits marks whose counts differ by orders of
    magnitude.

    The score runs through the whole fitted pipeline, ``HistoneBinner`` steps included
    (cropping, selection, pooling, scaling, standardisation), and ``values`` are in its
    input space and layout (e.g. read counts in 100-bp bins).

    Parameters
    ----------
    estimator : DeepChromeClassifier or Pipeline
        Fitted; a pipeline's steps before the classifier must be ``HistoneBinner``.
    target_class : object
        A label from the classifier's ``classes_``.
    bounds : (low, high), default=None
        Valid range of the input, scalars or arrays broadcasting to ``(n_marks, n_bins)``.
        ``None`` is ``[0, inf)`` when a binner applies ``log1p`` (read counts cannot be
        negative) and unbounded otherwise, leaving the penalty alone to keep the optimum
        finite, as in the paper. A fitted model keeps no record of the range of its
        training data; to keep the optimum where the network was trained, pass
        ``bounds=input_bounds(X_train)`` (per-mark minimum and 99.9th percentile), as
        ``skdeepchrome interpret`` does.
    l2 : float, default=0.009
        Weight of the squared L2 norm (the paper's ``lambda``).
    n_steps : int, default=500
        Gradient steps.
    lr : float, default=0.1
        Adam learning rate, in the binner's scale.
    n_init : int, default=8
        Random starts optimised together; the one with the highest objective is kept.
    random_state : int, RandomState instance or None, default=None
        Seeds the random starts: uniform on ``[0, 1)`` in the binner's scale, like the
        paper's ``rand``, then clamped into ``bounds``.
    smoothness : float, default=0.0
        Weight of a total-variation penalty: the squared differences between neighbouring
        bins of what the network sees, summed. Without it the optimum is free to be a
        barcode of isolated spikes, which no real gene resembles; with it (e.g. ``0.05``)
        the signal forms peaks a reader can compare with the attributions. ``0`` is the
        paper's objective.
    start : array-like of shape (n_marks, n_bins), optional
        Where the ascent starts, in the input space (e.g. the class's mean training
        gene), each of the ``n_init`` starts a small random perturbation of it in the
        binner's scale; default the paper's random starts.

    Returns
    -------
    ClassOptimalInput
        ``values`` ``(n_marks, n_bins)``, ``marks``, ``target_class``, ``score``, ...;
        ``to_frame()`` gives a tidy table.

    Raises
    ------
    TypeError
        For an estimator without gradients (e.g. a random forest).
    ValueError
        For a class not in ``classes_`` or invalid bounds.

    See Also
    --------
    input_bounds : Per-mark bounds from training data.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdeepchrome import DeepChromeClassifier, HistoneBinner
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(2.0, size=(60, 5 * 20)).astype(float)
    >>> y = np.arange(60) % 2
    >>> model = make_pipeline(HistoneBinner(n_bins=10, scale="log1p"),
    ...                       DeepChromeClassifier(max_epochs=1, random_state=0)).fit(X, y)
    >>> best = class_optimal_input(model, 1, n_steps=20, random_state=0)
    >>> best.values.shape, best.marks[3], bool(best.values.min() >= 0)
    ((5, 20), 'H3K4me3', True)
    >>> best.to_frame().columns.tolist()
    ['target_class', 'mark', 'bin', 'position_kb', 'value']
    """
    if not l2 >= 0:
        raise ValueError(f"l2 must be >= 0, got {l2!r}.")
    if int(n_steps) < 1 or int(n_init) < 1 or not lr > 0:
        raise ValueError(
            f"n_steps and n_init must be positive integers and lr positive, got "
            f"n_steps={n_steps!r}, n_init={n_init!r}, lr={lr!r}."
        )
    model = DifferentiablePipeline(estimator)
    class_idx = np.full(int(n_init), model.class_index(target_class), dtype=np.int64)
    low, high = _resolve_bounds(model, bounds)
    to_scale, from_scale = _TO_SCALE[model.input_scale], _FROM_SCALE[model.input_scale]
    with np.errstate(invalid="ignore"):
        u_low, u_high = torch.tensor(to_scale(low)), torch.tensor(to_scale(high))
    if not smoothness >= 0:
        raise ValueError(f"smoothness must be >= 0, got {smoothness!r}.")
    rng = check_random_state(random_state)
    if start is None:
        begin = rng.uniform(size=(int(n_init), *low.shape))
    else:
        centre = np.asarray(start, dtype=np.float64)
        if centre.size != low.size:
            raise ValueError(f"start must have the input's {low.shape} marks x bins, got "
                             f"shape {centre.shape}.")
        with np.errstate(invalid="ignore"):
            centre = to_scale(np.clip(centre.reshape(low.shape), low, high))
        begin = centre + rng.normal(0.0, 0.1, size=(int(n_init), *low.shape))
    u = torch.tensor(begin).clamp(u_low, u_high).requires_grad_(True)
    optimizer = torch.optim.Adam([u], lr=lr)
    n_marks = len(model.marks)

    def objective():
        x = from_scale(u).reshape(len(u), -1)
        score = model.scores(x, class_idx)
        seen = model.unstandardized(x)
        penalty = l2 * (seen ** 2).sum(dim=1)
        if smoothness:
            per_mark = seen.reshape(len(u), n_marks, -1)
            penalty = penalty + smoothness * (per_mark.diff(dim=2) ** 2).sum(dim=(1, 2))
        return score, score - penalty

    history = np.empty((int(n_steps), int(n_init)))
    # One gene at a time is far too small to share among threads; on a busy machine extra
    # threads only wait for each other.
    with torch_threads(1), torch.enable_grad():
        for step in range(int(n_steps)):
            optimizer.zero_grad()
            _, value = objective()
            (-value.sum()).backward()
            optimizer.step()
            with torch.no_grad():
                u.copy_(torch.clamp(u, u_low, u_high))
            history[step] = value.detach().numpy()
        with torch.no_grad():
            score, value = objective()
            values = np.clip(from_scale(u).numpy(), low, high)
    best = int(torch.argmax(value))
    history[-1] = value.numpy()
    return ClassOptimalInput(
        values=values[best].copy(),
        marks=model.marks,
        target_class=model.classes_[class_idx[0]],
        score=float(score[best]),
        objective=float(value[best]),
        flank=model.flank,
        scale=model.input_scale,
        bounds=(low, high),
        history=history[:, best],
    )
