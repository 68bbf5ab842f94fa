"""The same simulated genes in two cell types, with the best achievable differential score.

:func:`make_differential_dataset` extends :func:`~skdeepchrome.datasets.make_histone_dataset`'s
generative model to a pair of cells: every gene is drawn in both, some genes switch
chromatin state between them, each cell's library has its own depth, and each gene's true
expression in both cells (so its true log2 fold change) is known. With the data comes
``posterior_lfc = E[lfc | both cells' marks]``, computed exactly from the model's own
likelihood, and so the *ceiling* of any differential model: ``ceiling = pearsonr(lfc,
posterior_lfc)``. No function of the marks correlates better with the fold change in the
population (for any ``f``, ``corr(lfc, f(x)) <= sd(E[lfc | x]) / sd(lfc)``, with
equality for ``f = E[lfc | x]``), so on a large sample a model's Pearson r can exceed it
only by sampling noise.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from numbers import Integral, Real

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy import stats
from sklearn.utils import Bunch

from ..layout import feature_names, pair_marks, stack_cells
from . import _simulator_presets as P
from ._simulator import (
    DEFAULT_N_QUAD,
    as_generator,
    build_model,
    check_n_bins,
    check_n_quad,
    latent_rates,
    likelihood_tables,
    neighbour_factor,
    resolve_cell_type,
    simulated_marks,
)

__all__ = ["make_differential_dataset"]

#: The default pair: stem-like cells with many bivalent promoters against blood-like cells,
#: as DeepDiff's sample pair (H1 and K562).
DEFAULT_PAIR = ("blood", "embryonic_stem")
#: Simulated RNA-seq reads per unit RPKM (for the ``counts`` only; the target uses RPKM).
RNA_READS_PER_RPKM = 20.0
_Z_MAX = 8.0
_HERMITE_NODES = 48
_CHUNK = 512


@lru_cache(maxsize=16)
def _cell_model(marks, n_bins, cell_type, n_quad, depth):
    """The single-cell model with every read rate multiplied by ``depth``."""
    base = build_model(marks, n_bins, cell_type, n_quad)
    if depth == 1.0:
        return base
    model = dataclasses.replace(
        base, background=base.background * depth, signal_scale=base.signal_scale * depth,
        neighbour_extra=base.neighbour_extra * depth, tables={},
    )
    model.tables.update(likelihood_tables(model, n_quad))
    return model


def _grid(model, n_quad):
    """Every (state, activity node) on one standard-normal grid: ``(states, z, activity)``.

    Unlike the single-cell posterior, states whose marks ignore activity are kept on the
    grid too: the activities of the two cells are correlated, so each needs a value.
    """
    z = np.linspace(-_Z_MAX, _Z_MAX, n_quad)
    K = len(model.state_prior)
    states = np.repeat(np.arange(K), n_quad)
    zs = np.tile(z, K)
    return states, zs, model.activity_mean[states] + model.activity_sd[states] * zs


def _cell_likelihood(model, X, node_prob):
    """``log p(x | s) offset (n, S)`` and ``p(x | s, node) / exp(offset)`` ``(n, S, Q)``."""
    t = model.tables
    S, n_bins = len(model.jitter), model.n_bins
    n = len(X)
    offset = np.log(model.jitter_prior) + neighbour_factor(model, X)
    prod = None
    for m in range(len(model.marks)):
        ll = (X[:, m * n_bins:(m + 1) * n_bins] @ t["rung_W"][m] + t["rung_b"][m])
        ll = ll.reshape(n * S, -1)
        top = ll.max(axis=1, keepdims=True)
        mix = np.exp(ll - top) @ node_prob[m]
        scale = mix.max(axis=1, keepdims=True)
        scale = np.where(scale > 0, scale, 1.0)
        mix /= scale
        offset = offset + (top + np.log(scale)).reshape(n, S)
        prod = mix if prod is None else prod * mix
    return offset, prod.reshape(n, S, -1)


def _expected_log2_expression(activity, noise):
    """``E[log2(exp(a + noise * eps) + 1)]`` over ``eps ~ N(0, 1)`` (Gauss-Hermite)."""
    nodes, weights = hermegauss(_HERMITE_NODES)
    weights = weights / weights.sum()
    e = activity[:, None] + noise * nodes[None, :]
    return (np.logaddexp(e, 0.0) / np.log(2.0)) @ weights


def _transition(prior_1, prior_2, switch_fraction):
    """``P(k1, k2)``: cell 1 from its prior; cell 2 the same state, or (with probability
    ``switch_fraction``) another state drawn from cell 2's prior without cell 1's."""
    K = len(prior_1)
    other = np.tile(prior_2, (K, 1))
    np.fill_diagonal(other, 0.0)
    other /= other.sum(axis=1, keepdims=True)
    return prior_1[:, None] * ((1 - switch_fraction) * np.eye(K) + switch_fraction * other)


def _node_prior(models, n_quad, switch_fraction, rho):
    """Joint prior of the two cells' (state, activity) nodes, ``(Q1, Q2)``, summing to 1."""
    z = np.linspace(-_Z_MAX, _Z_MAX, n_quad)
    zz = (z[:, None] ** 2 - 2 * rho * z[:, None] * z[None, :] + z[None, :] ** 2)
    w = np.exp(-0.5 * zz / (1 - rho ** 2))
    w /= w.sum()
    states = _transition(models[0].state_prior, models[1].state_prior, switch_fraction)
    K = len(states)
    prior = states[:, None, :, None] * w[None, :, None, :]
    return prior.reshape(K * n_quad, K * n_quad)


def _posterior_lfc(models, counts, n_quad, switch_fraction, rho):
    """``E[target | both cells' counts]`` and each cell's ``E[log2(RPKM + 1) | counts]``."""
    grids = [_grid(m, n_quad) for m in models]
    node_prob = [
        [p.T.copy() for p in m.rung_probabilities(g[0], g[2])] for m, g in zip(models, grids)
    ]
    h = [_expected_log2_expression(g[2], m.expression_noise) for m, g in zip(models, grids)]
    prior = _node_prior(models, n_quad, switch_fraction, rho)
    n = len(counts[0])
    out = np.empty((n, 2))
    for start in range(0, n, _CHUNK):
        part = slice(start, start + _CHUNK)
        (o1, p1), (o2, p2) = (
            _cell_likelihood(m, np.asarray(X[part], dtype=np.float64), npb)
            for m, X, npb in zip(models, counts, node_prob)
        )
        # The TSS jitter is the gene's own (its annotation), shared by both cells.
        offset = o1 + o2
        weight = np.exp(offset - offset.max(axis=1, keepdims=True))[:, :, None]
        a, b = p1 * weight, p2
        rows = np.einsum("nsq,nsq->nq", a, b @ prior.T)  # sum over cell 2's nodes
        cols = np.einsum("nsr,nsr->nr", b, a @ prior)  # sum over cell 1's nodes
        den = rows.sum(axis=1)
        if not np.all(den > 0):  # pragma: no cover - counts the model cannot produce
            raise RuntimeError("Counts outside the float range of the likelihood.")
        out[part, 0] = rows @ h[0] / den
        out[part, 1] = cols @ h[1] / den
    return out


def _sample_cell(model, state, activity, jitter, rng):
    """One cell's counts given its states, activities and the genes' shared TSS jitter."""
    n = len(state)
    D, L = model.neighbour_extra.shape[1:3]
    # The neighbouring promoter's activity is the cell's own: drawn per cell.
    z = Bunch(
        rung=model.sample_rungs(state, activity, rng),
        jitter=jitter,
        has_neighbour=rng.random(n) < model.neighbour_rate,
        offset=rng.integers(D, size=n),
        level=rng.choice(L, size=n, p=model.neighbour_level_prior),
    )
    mu = latent_rates(model, z)
    counts = np.empty(mu.shape, dtype=np.float32)
    for m, r in enumerate(model.dispersion):
        gamma = rng.standard_gamma(r, size=mu[:, m].shape, dtype=np.float32)
        counts[:, m] = rng.poisson(gamma * (mu[:, m] / r))
    return counts


def _check_pair_arguments(n_genes, cell_types, switch_fraction, depths, rho):
    if not isinstance(n_genes, Integral) or isinstance(n_genes, bool) or n_genes < 2:
        raise ValueError(f"n_genes must be an integer of at least 2, got {n_genes!r}.")
    cell_types = tuple(cell_types) if not isinstance(cell_types, str) else (cell_types,)
    if len(cell_types) != 2:
        raise ValueError(f"cell_types must name two presets (the first and the second cell), "
                         f"got {cell_types!r}.")
    cell_types = tuple(resolve_cell_type(c) for c in cell_types)
    if not isinstance(switch_fraction, Real) or not 0 <= switch_fraction <= 1:
        raise ValueError(f"switch_fraction must be a probability in [0, 1], got "
                         f"{switch_fraction!r}.")
    depths = tuple(depths)
    if len(depths) != 2 or not all(isinstance(d, Real) and d > 0 for d in depths):
        raise ValueError(f"depths must be two positive read-depth multipliers, one per cell, "
                         f"got {depths!r}.")
    if not isinstance(rho, Real) or not 0 <= rho <= 0.95:
        raise ValueError(f"activity_correlation must be in [0, 0.95], got {rho!r}.")
    return cell_types, float(switch_fraction), tuple(float(d) for d in depths), float(rho)


def make_differential_dataset(
    n_genes=2000,
    cell_types=DEFAULT_PAIR,
    switch_fraction=0.2,
    depths=(1.0, 2.0),
    activity_correlation=0.8,
    marks=5,
    n_bins=100,
    random_state=None,
    *,
    return_X_y=False,
    n_quad=DEFAULT_N_QUAD,
):
    """Simulate the same genes in two cell types, with the exact differential ceiling.

    **Model.** Each cell follows :func:`~skdeepchrome.datasets.make_histone_dataset`'s
    generative model under its own preset (state prior, bivalency, signal-to-noise,
    expression noise), and the two are tied gene by gene:

    1. *State*: ``k1`` from the first preset's ``state_prior``; ``k2 = k1``, except that
       with probability ``switch_fraction`` the gene *switches* to a different state,
       drawn from the second preset's prior without ``k1``.
    2. *Activity*: standardised activities ``(z1, z2)`` are bivariate normal with
       correlation ``activity_correlation``; ``a_c = ACTIVITY[k_c] mean + sd * z_c``. A
       gene that keeps its state thus still changes activity a little (more with a lower
       correlation); one that switches changes a lot.
    3. *Expression* ``e_c = a_c + Normal(0, expression_noise_c)``, independently; RPKM
       ``exp(e_c)``. The **target** is the log2 fold change of RPKM with DeepDiff's
       pseudo-count, ``lfc = log2((RPKM_1 + 1) / (RPKM_2 + 1))``.
    4. *Marks*: given ``(k_c, a_c)`` each cell's amplitudes, neighbouring promoter and
       counts are drawn as in the single-cell model, independently between cells, except
       the TSS jitter (an annotation error of the gene), which is the same in both. Every
       read rate of cell ``c`` is multiplied by ``depths[c]`` (library depth).

    **Ceiling.** ``posterior_lfc = E[lfc | x1, x2]`` sums the joint likelihood over both
    cells' states, rungs, neighbours and the shared jitter, and integrates both activities
    on a trapezoid grid of ``n_quad`` nodes per state (the correlated pair on the product
    grid) and the expression noise by Gauss-Hermite quadrature. It is the best predictor
    of ``lfc`` in mean squared error, so ``ceiling = pearsonr(lfc, posterior_lfc)`` is the
    best Pearson correlation and ``ceiling_r2`` the best R² any model of the two cells'
    marks can reach in the population.

    Parameters
    ----------
    n_genes : int, default=2000
    cell_types : (str, str), default=("blood", "embryonic_stem")
        Presets of the first and second cell (:func:`~skdeepchrome.datasets.cell_type_names`).
    switch_fraction : float, default=0.2
        Probability that a gene's chromatin state differs between the cells.
    depths : (float, float), default=(1.0, 2.0)
        Sequencing-depth multiplier of each cell's ChIP-seq (on top of the preset's).
    activity_correlation : float, default=0.8
        Correlation of a gene's standardised activity in the two cells, in [0, 0.95].
    marks : int or sequence of str, default=5
        As in :func:`~skdeepchrome.datasets.make_histone_dataset`.
    n_bins : int, default=100
        Bins per mark over TSS +/- 5 kb, at least 40.
    random_state : int, RandomState instance, Generator or None, default=None
    return_X_y : bool, default=False
        Return ``(data, lfc)``.
    n_quad : int, default=81
        Activity nodes per state.

    Returns
    -------
    Bunch
        data : HistoneMatrix of shape (n_genes, 2 * n_marks * n_bins)
            The pair matrix (:mod:`skdeepchrome.layout`): the first cell's marks
            then the second's, marks ``"{cell}:{mark}"``.
        cell_data : (ndarray, ndarray)
            Each cell's own ``(n_genes, n_marks * n_bins)`` counts.
        lfc, target : ndarray of shape (n_genes,)
            The true log2 fold change (``target`` is the same array).
        posterior_lfc : ndarray of shape (n_genes,)
            ``E[lfc | both cells' counts]``.
        ceiling, ceiling_r2 : float
            ``pearsonr(lfc, posterior_lfc)`` and the R² of ``posterior_lfc``.
        cell_expression : ndarray of shape (n_genes, 2)
            ``log2(RPKM + 1)`` per cell (``lfc`` is their difference): the auxiliary
            targets of :class:`~skdeepchrome.estimators.DeepDiffRegressor`.
        posterior_cell_expression : ndarray of shape (n_genes, 2)
            Each cell's ``E[log2(RPKM + 1) | both cells' counts]``.
        expression : ndarray of shape (n_genes, 2)
            ``log1p(RPKM)`` per cell, as the single-cell simulator's ``expression``.
        counts : ndarray of shape (n_genes, 2)
            Simulated RNA-seq read counts, ``Poisson(20 * RPKM)``, for DeepDiff's count
            rule (:func:`~skdeepchrome.datasets.log2_fold_change`); noisier than ``lfc``.
        switched : ndarray of bool
            Whether the gene's chromatin state differs between the cells.
        chromatin_state : ndarray of str, shape (n_genes, 2)
            Each gene's latent state in each cell (for inspection; models must not see it).
        cells, cell_types, marks, cell_marks, n_bins, depths, feature_names, gene_ids, DESCR
            The cells' names (the presets', numbered if the same preset twice), the
            presets, the pair's and each cell's marks, bins per mark, ChIP depths,
            ``"{cell}:{mark}_binNNN"`` names, ``"SIM000001"``... ids and a description.

    Examples
    --------
    >>> ds = make_differential_dataset(300, random_state=0)
    >>> ds.data.shape, ds.marks[5], ds.switched.dtype
    ((300, 1000), 'embryonic_stem:H3K27me3', dtype('bool'))
    >>> 0.3 < ds.ceiling < 1.0
    True
    """
    cell_types, switch_fraction, depths, rho = _check_pair_arguments(
        n_genes, cell_types, switch_fraction, depths, activity_correlation)
    marks = simulated_marks(marks)
    n_bins = check_n_bins(n_bins)
    n_quad = check_n_quad(n_quad)
    models = [_cell_model(marks, n_bins, c, n_quad, d) for c, d in zip(cell_types, depths)]
    rng = as_generator(random_state)
    n = int(n_genes)

    K = len(P.STATES)
    joint = _transition(models[0].state_prior, models[1].state_prior, switch_fraction)
    pick = rng.choice(K * K, size=n, p=joint.ravel() / joint.sum())
    state = np.column_stack([pick // K, pick % K])
    z1 = rng.standard_normal(n)
    z2 = rho * z1 + np.sqrt(1 - rho ** 2) * rng.standard_normal(n)
    z = np.column_stack([z1, z2])
    activity = np.column_stack([
        m.activity_mean[state[:, c]] + m.activity_sd[state[:, c]] * z[:, c]
        for c, m in enumerate(models)
    ])
    log_rpkm = activity + np.column_stack(
        [m.expression_noise * rng.standard_normal(n) for m in models])
    jitter = rng.choice(len(models[0].jitter), size=n, p=models[0].jitter_prior)
    cell_counts = tuple(
        _sample_cell(m, state[:, c], activity[:, c], jitter, rng).reshape(n, -1)
        for c, m in enumerate(models)
    )
    cell_expression = np.logaddexp(log_rpkm, 0.0) / np.log(2.0)
    lfc = cell_expression[:, 0] - cell_expression[:, 1]
    rna_counts = rng.poisson(RNA_READS_PER_RPKM * np.exp(log_rpkm))
    cells = cell_types if cell_types[0] != cell_types[1] else tuple(
        f"{c}_{i + 1}" for i, c in enumerate(cell_types))
    data = stack_cells(*cell_counts, marks=marks, cells=cells)
    if return_X_y:
        return data, lfc
    posterior = _posterior_lfc(models, cell_counts, n_quad, switch_fraction, rho)
    posterior_lfc = posterior[:, 0] - posterior[:, 1]
    width = max(6, len(str(n)))
    residual = np.sum((lfc - posterior_lfc) ** 2)
    return Bunch(
        data=data,
        cell_data=cell_counts,
        lfc=lfc,
        target=lfc,
        posterior_lfc=posterior_lfc,
        ceiling=float(stats.pearsonr(lfc, posterior_lfc)[0]),
        ceiling_r2=float(1 - residual / np.sum((lfc - lfc.mean()) ** 2)),
        cell_expression=cell_expression,
        posterior_cell_expression=posterior,
        expression=np.log1p(np.exp(log_rpkm)),
        counts=rna_counts,
        switched=state[:, 0] != state[:, 1],
        chromatin_state=np.asarray(P.STATES)[state],
        cells=cells,
        cell_types=cell_types,
        marks=pair_marks(marks, cells),
        cell_marks=marks,
        n_bins=n_bins,
        depths=depths,
        feature_names=feature_names(pair_marks(marks, cells), n_bins),
        gene_ids=np.array([f"SIM{i:0{width}d}" for i in range(1, n + 1)]),
        DESCR=(
            f"Simulated pair of cells ({cells[0]} and {cells[1]} presets, ChIP depths "
            f"{depths[0]:g} and {depths[1]:g}), {n} genes x {len(marks)} marks x {n_bins} "
            f"bins each; {switch_fraction:.0%} of genes switch chromatin state, activity "
            f"correlation {rho:g}. target = log2((RPKM_1 + 1) / (RPKM_2 + 1)); "
            "posterior_lfc = E[target | both cells' counts] under the generative model, so "
            "pearsonr(target, posterior_lfc) is the ceiling of any differential model. The "
            "model is stated in skdeepchrome.datasets.make_differential_dataset."
        ),
    )
