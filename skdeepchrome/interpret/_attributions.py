"""Per-gene attributions: how much each mark in each bin pushes a gene toward a class.

All methods differentiate the class score of the whole fitted pipeline with respect to its
input (see :class:`~skdeepchrome.interpret.DifferentiablePipeline`),
so attributions live in the layout the user holds: ``(n_genes, n_marks, n_bins)`` of the
pipeline's input, e.g. raw read counts before a ``HistoneBinner(scale="log1p")``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..layout import REMC_MARKS, resolve_marks
from ._differentiable_pipeline import GRADIENT_BATCH_SIZE, DifferentiablePipeline

METHODS = ("integrated_gradients", "saliency", "gradient", "input_x_gradient")


def _baseline(model, baseline, X):
    if baseline is None:
        return np.zeros_like(X)
    baseline = np.asarray(baseline, dtype=np.float64)
    n_genes, n_features = X.shape
    shapes = {(), (n_features,), (len(model.marks), model.n_positions), (n_genes, n_features),
              (n_genes, len(model.marks), model.n_positions)}
    if baseline.shape not in shapes:
        raise ValueError(
            f"baseline has shape {baseline.shape}; expected a scalar, one gene "
            f"({n_features},) or ({len(model.marks)}, {model.n_positions}), or one per gene "
            f"({n_genes}, {n_features})."
        )
    # One gene's baseline broadcasts over genes; a per-gene one already has X's size.
    baseline = baseline.reshape(X.shape if baseline.size == X.size else -1)
    if not np.isfinite(baseline).all():
        raise ValueError("baseline contains NaN or infinity.")
    model.check_domain(baseline, "baseline")
    return np.broadcast_to(baseline, X.shape).astype(np.float64)


def _path_quadrature(model, delta, n_steps):
    """Nodes and weights, each ``(n_genes, 1)``, for integrating over ``alpha`` in [0, 1].

    Integrated gradients' path is the straight line from the baseline; only the
    quadrature adapts to the binner. After ``log1p`` (or ``asinh``) a path climbing from
    a low baseline changes the score fastest at its start (``log1p(alpha * x)`` for counts
    in the hundreds), so there the nodes are Gauss-Legendre in ``t`` with
    ``alpha = expm1(t * L) / expm1(L)``, ``L = log1p`` of the gene's largest step: the same
    integral, with nodes where the integrand changes. Otherwise plain Gauss-Legendre.
    """
    nodes, weights = np.polynomial.legendre.leggauss(n_steps)
    t, weights = (nodes + 1) / 2, weights / 2
    if model.input_scale is None or (delta < 0).any():
        return [(np.array([[a]]), np.array([[w]])) for a, w in zip(t, weights)]
    L = np.log1p(np.abs(delta).max(axis=1, keepdims=True))
    L = np.where(L > 1e-6, L, 1e-6)  # a zero step: any quadrature is exact
    out = []
    for tk, wk in zip(t, weights):
        alpha = np.expm1(tk * L) / np.expm1(L)
        out.append((alpha, wk * L * np.exp(tk * L) / np.expm1(L)))
    return out


def attributions(
    estimator,
    X,
    method="integrated_gradients",
    *,
    target=None,
    baseline=None,
    n_steps=50,
    batch_size=GRADIENT_BATCH_SIZE,
):
    """Attribute each gene's class score to every mark and bin of the input.

    The class score is the logit of ``target``, or for two classes its log-odds against
    the other class (``decision_function`` for ``classes_[1]``).

    Parameters
    ----------
    estimator : DeepChromeClassifier or Pipeline
        Fitted; a pipeline's steps before the classifier must be ``HistoneBinner``.
    X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        Genes to explain, in the estimator's input layout.
    method : {"integrated_gradients", "saliency", "gradient", "input_x_gradient"}
        ``"integrated_gradients"`` (Sundararajan et al., 2017): the path integral of the
        gradient from ``baseline`` to ``x``, times ``x - baseline``; attributions of a
        gene add up to ``score(x) - score(baseline)`` (completeness). ``"saliency"``:
        the absolute gradient (Simonyan et al., 2014). ``"gradient"``: the signed
        gradient. ``"input_x_gradient"``: ``x`` times the gradient.
    target : class label, array-like of labels, or None, default=None
        Class to explain, one for all genes or one per gene (e.g. ``y`` to explain each
        gene's own class). ``None``: ``classes_[1]`` for two classes, each gene's predicted
        class otherwise.
    baseline : float or array-like, default=None
        Integrated gradients' reference input: a scalar, one gene, or one per gene.
        ``None`` is all zeros: no reads of any mark.
    n_steps : int, default=50
        Quadrature nodes of the path integral (integrated gradients only), placed densely
        where a ``log1p``/``asinh`` binner makes the score change fastest. The integrand
        has kinks (ReLU), so completeness holds only up to a quadrature error: on a
        trained DeepChrome pipeline about 0.5 % of ``score(x) - score(baseline)`` for a
        typical gene at 50 steps, a few percent at worst; raise ``n_steps`` for more.
    batch_size : int, default=1024
        Genes per forward/backward pass.

    Returns
    -------
    ndarray of shape (n_genes, n_marks, n_bins)
        In the estimator's input layout (marks in the order of the input's column blocks).

    Raises
    ------
    TypeError
        For an estimator without gradients (e.g. a random forest).
    ValueError
        For an unknown method or class, X of the wrong width, or invalid values.

    See Also
    --------
    mark_attribution : Per-mark totals over a set of genes.
    position_attribution : Mean attribution per mark and bin.

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
    >>> attr = attributions(model, X[:4], n_steps=100)
    >>> attr.shape
    (4, 5, 20)
    >>> gap = model.decision_function(X[:4]) - model.decision_function(np.zeros((1, 100)))
    >>> bool(np.allclose(attr.sum(axis=(1, 2)), gap, atol=5e-3))
    True
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}.")
    if int(n_steps) < 1:
        raise ValueError(f"n_steps must be a positive integer, got {n_steps!r}.")
    model = DifferentiablePipeline(estimator)
    X = model.validate(X)
    class_idx = model.class_indices(target, len(X))
    if method == "integrated_gradients":
        base = _baseline(model, baseline, X)
        total = np.zeros_like(X)
        for alpha, weight in _path_quadrature(model, X - base, int(n_steps)):
            _, grad = model.gradients(base + alpha * (X - base), class_idx, batch_size)
            total += weight * grad
        attr = (X - base) * total
    else:
        _, grad = model.gradients(X, class_idx, batch_size)
        if method == "saliency":
            attr = np.abs(grad)
        elif method == "gradient":
            attr = grad
        else:
            attr = X * grad
    return attr.reshape(len(X), len(model.marks), model.n_positions)


def _check_attr(attr):
    attr = np.asarray(attr, dtype=np.float64)
    if attr.ndim != 3:
        raise ValueError(
            f"attr must be (n_genes, n_marks, n_bins) as returned by attributions(), got "
            f"shape {attr.shape}."
        )
    if len(attr) == 0:
        raise ValueError("attr holds no genes.")
    return attr


def mark_attribution(attr, marks=None):
    """Each mark's total attribution per gene, summarised over genes.

    Parameters
    ----------
    attr : ndarray of shape (n_genes, n_marks, n_bins)
        From :func:`attributions`, for the genes to summarise (e.g. the high genes).
    marks : int or sequence of str, default=None
        Mark names; ``None`` names them ``mark0``, ``mark1``, ... (five marks are taken
        to be :data:`~skdeepchrome.layout.REMC_MARKS`).

    Returns
    -------
    DataFrame
        One row per mark, in input order: ``mark``, ``attribution`` (mean over genes of
        the mark's summed attribution), ``sd`` (over genes), ``abs_attribution`` (mean
        absolute summed attribution) and ``share`` (``abs_attribution`` over all marks').

    Examples
    --------
    >>> import numpy as np
    >>> attr = np.zeros((2, 2, 3))
    >>> attr[:, 1] = 1.0
    >>> mark_attribution(attr, ["H3K27me3", "H3K4me3"])[["mark", "attribution", "share"]]
           mark  attribution  share
    0  H3K27me3          0.0    0.0
    1   H3K4me3          3.0    1.0
    """
    attr = _check_attr(attr)
    if marks is None:
        marks = REMC_MARKS if attr.shape[1] == len(REMC_MARKS) else attr.shape[1]
    marks = resolve_marks(marks)
    if len(marks) != attr.shape[1]:
        raise ValueError(f"attr has {attr.shape[1]} marks but {len(marks)} names were given.")
    totals = attr.sum(axis=2)
    abs_mean = np.abs(totals).mean(axis=0)
    denominator = abs_mean.sum()
    return pd.DataFrame({
        "mark": list(marks),
        "attribution": totals.mean(axis=0),
        "sd": totals.std(axis=0, ddof=1) if len(totals) > 1 else np.zeros(len(marks)),
        "abs_attribution": abs_mean,
        "share": abs_mean / denominator if denominator > 0 else np.zeros(len(marks)),
    })


def position_attribution(attr, *, absolute=False):
    """Mean attribution of every mark in every bin over a set of genes.

    Parameters
    ----------
    attr : ndarray of shape (n_genes, n_marks, n_bins)
        From :func:`attributions`.
    absolute : bool, default=False
        Average absolute attributions (how much a position matters either way) instead
        of signed ones (which way it pushes).

    Returns
    -------
    ndarray of shape (n_marks, n_bins)
        Sum over axis 0 for one profile over positions, all marks together.

    Examples
    --------
    >>> import numpy as np
    >>> position_attribution(np.array([[[1.0, -2.0]], [[3.0, 2.0]]])).tolist()
    [[2.0, 0.0]]
    """
    attr = _check_attr(attr)
    return (np.abs(attr) if absolute else attr).mean(axis=0)
