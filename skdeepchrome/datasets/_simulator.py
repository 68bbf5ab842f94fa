"""Simulated REMC-like histone-mark read counts whose best achievable AUC is known.

:func:`make_histone_dataset` draws genes from an explicit generative model of chromatin
state, transcription and ChIP-seq read counts, and returns with them each gene's exact
Bayes probability of high expression, so any classifier can be scored against the ceiling
``roc_auc_score(target, posterior)``. The model's numbers and the cell-type presets live in
``skdeepchrome/datasets/_simulator_presets.py``.

Typical figures (``benchmarks/bench_simulator.py``: train and test splits of 6,601 genes;
test ROC AUC; logistic regression on standardised log1p counts, a 500-tree random forest):

==============  =======  ========  ======
cell type       ceiling  logistic  forest
==============  =======  ========  ======
fibroblast      0.868    0.845     0.857
embryonic_stem  0.882    0.858     0.872
blood           0.899    0.880     0.895
tissue          0.824    0.788     0.809
low_depth       0.848    0.812     0.818
==============  =======  ========  ======
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache, partial
from numbers import Integral, Real

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, logsumexp, ndtr
from sklearn.utils import Bunch, check_random_state

from ..layout import REMC_MARKS, HistoneMatrix, feature_names
from . import _simulator_presets as P

__all__ = [
    "CELL_TYPES",
    "DEFAULT_CELL_TYPE",
    "bayes_posterior",
    "cell_type_names",
    "make_histone_dataset",
]

CELL_TYPES = P.CELL_TYPES
DEFAULT_CELL_TYPE = P.DEFAULT_CELL_TYPE

#: The simulated window, base pairs from the TSS (deeptools' ``-b 5000 -a 5000``).
FLANK = 5000
#: Fewer bins than this make bins wider than the 250-bp gap kept between a gene's own
#: promoter signal and a neighbour's, and no longer resolve a ~1.5-kb H3K4me3 peak.
MIN_BINS = 40
#: Sub-positions averaged per bin so shapes are integrated over the bin, not sampled.
_SUBSAMPLES = 16
#: Activity quadrature: nodes per continuous state over +-_Z_MAX standard deviations.
DEFAULT_N_QUAD = 81
_Z_MAX = 8.0
_CHUNK = 2048


def cell_type_names():
    """Names of the cell-type presets, default first.

    Examples
    --------
    >>> cell_type_names()[0]
    'fibroblast'
    >>> "embryonic_stem" in cell_type_names()
    True
    """
    return [DEFAULT_CELL_TYPE] + [name for name in CELL_TYPES if name != DEFAULT_CELL_TYPE]


# --------------------------------------------------------------------------- shapes
def _triweight(u, centre, radius):
    """Smooth bump ``(1 - ((u - centre) / radius)**2)**3``, exactly zero outside the radius."""
    z = (np.asarray(u, dtype=float) - centre) / radius
    return np.where(np.abs(z) < 1.0, (1.0 - z * z) ** 3, 0.0)


def _k4me3_peak(u):
    # Two nucleosome-scale lobes either side of the nucleosome-depleted TSS, the +1 side
    # stronger; support [-1450, 1750] bp.
    return 0.45 * _triweight(u, -350.0, 1100.0) + 0.55 * _triweight(u, 450.0, 1300.0)


def _k4me1_flanks(u):
    # H3K4me1 flanks active promoters at about +-0.9 kb and is depleted at the TSS itself.
    return _triweight(u, -900.0, 800.0) + _triweight(u, 900.0, 800.0)


def _k36me3_body(u):
    # Absent upstream, rising through the transcribed body toward the 3' end.
    u = np.asarray(u, dtype=float)
    body = np.clip(u, 0.0, None)
    return np.where(
        u > 0.0,
        (1.0 - np.exp(-body / 600.0)) * (0.35 + 0.65 * (1.0 - np.exp(-body / 3000.0))),
        0.0,
    )


def _k27me3_domain(u):
    # A broad Polycomb domain over the promoter CpG island on a flat floor.
    u = np.asarray(u, dtype=float)
    return 0.3 + 0.7 * np.exp(-0.5 * ((u + 300.0) / 1500.0) ** 2)


def _k9me3_domain(u):
    # Heterochromatin covers the whole window without regard to the TSS.
    return np.ones_like(np.asarray(u, dtype=float))


_OWN_SHAPES = {
    "H3K27me3": _k27me3_domain,
    "H3K36me3": _k36me3_body,
    "H3K4me1": _k4me1_flanks,
    "H3K4me3": _k4me3_peak,
    "H3K9me3": _k9me3_domain,
}


def _neighbour_shape(mark, u):
    # A neighbour's orientation is unknown, so its shapes are symmetric.
    if mark == "H3K4me3":
        return _triweight(u, 0.0, 1000.0)
    if mark == "H3K4me1":
        return P.NEIGHBOUR_H3K4ME1 * (_triweight(u, -700.0, 500.0) + _triweight(u, 700.0, 500.0))
    return np.zeros_like(np.asarray(u, dtype=float))


_FINE = np.arange(-8000.0, 8001.0)


def _own_shape(mark, stretch=1.0):
    """The mark's own shape with every width multiplied by ``stretch`` (a family knob)."""
    shape = _OWN_SHAPES[mark]
    if stretch == 1.0:
        return shape
    return lambda u: shape(np.asarray(u, dtype=float) / stretch)


def _bin_average(shape, n_bins, shift):
    """Mean of ``shape(x - shift)`` over each of ``n_bins`` bins tiling [-FLANK, FLANK)."""
    width = 2 * FLANK / n_bins
    offsets = (np.arange(_SUBSAMPLES) + 0.5) / _SUBSAMPLES * width
    x = -FLANK + np.arange(n_bins)[:, None] * width + offsets[None, :]
    return shape(x - shift).mean(axis=1)


# --------------------------------------------------------------------------- model
@dataclass(frozen=True)
class _Model:
    """The generative model for one (marks, n_bins, cell type), with its likelihood tables.

    Arrays indexed by mark follow ``marks``; ``K`` states, ``S`` jitters, ``Q`` activity
    nodes (over all states), ``D`` neighbour offsets and ``L`` neighbour levels. With a
    per-gene depth (a family setting's ``gene_depth``), ``S`` runs over every (jitter,
    depth level) pair: index ``s * G + g``, with ``jitter`` and ``jitter_prior`` repeated
    and multiplied accordingly and ``placement_depth`` the pair's depth (ones otherwise).
    """

    marks: tuple
    n_bins: int
    cell_type: str
    state_prior: np.ndarray  # (K,)
    activity_mean: np.ndarray  # (K,)
    activity_sd: np.ndarray  # (K,)
    expression_noise: float
    threshold: float  # population median of log expression
    amp_params: np.ndarray  # (K, n_marks, 5): height, floor, centre, width, sign
    spread: np.ndarray  # (n_marks,) sd of the gene-level log-amplitude noise
    ladder_low: np.ndarray  # (n_marks,) log of the ladder's lowest cut
    ladder_step: float  # log spacing of the rungs
    rungs: tuple  # per mark: (R_m,) amplitudes, rungs[m][0] == 0
    signal_scale: np.ndarray  # (n_marks,) reads per bin per unit amplitude at the peak
    jitter: np.ndarray  # (S,) bp
    jitter_prior: np.ndarray  # (S,)
    background: np.ndarray  # (n_marks, n_bins) reads per bin
    dispersion: np.ndarray  # (n_marks,)
    own_shape: np.ndarray  # (S, n_marks, n_bins), normalised to peak 1
    neighbour_rate: float
    neighbour_offsets: np.ndarray  # (D,)
    neighbour_level_prior: np.ndarray  # (L,)
    neighbour_extra: np.ndarray  # (S, D, L, n_marks, n_bins): added reads per bin
    placement_depth: np.ndarray  # (S,) the gene's own depth, shared by all its marks
    tables: dict = field(default_factory=dict)

    def mean_amplitude(self, state, activity):
        """``A(k, a)``: amplitude of every mark before the gene-level spread, ``(N, n_marks)``."""
        height, floor, centre, width, sign = np.moveaxis(self.amp_params[state], -1, 0)
        finite = np.isfinite(width)
        z = (activity[:, None] - centre) / np.where(finite, width, 1.0)
        # sign 0: a bump, highest at ``centre`` (a mark related to activity non-monotonically)
        ramp = np.where(finite, np.where(sign == 0, np.exp(-0.5 * z * z), expit(sign * z)), 1.0)
        return height * (floor + (1.0 - floor) * ramp)

    def rung_probabilities(self, state, activity):
        """``P(rung | k, a)`` for every mark: a list of ``(N, R_m)`` arrays."""
        amp = self.mean_amplitude(state, activity)
        out = []
        for m, rungs in enumerate(self.rungs):
            cuts = self.ladder_low[m] + self.ladder_step * np.arange(len(rungs) - 1)
            with np.errstate(divide="ignore"):
                z = (cuts[None, :] - np.log(amp[:, m : m + 1])) / self.spread[m]
            ones, zeros = np.ones((len(amp), 1)), np.zeros((len(amp), 1))
            below = np.diff(np.concatenate([zeros, ndtr(z), ones], axis=1), axis=1)
            above = -np.diff(np.concatenate([ones, ndtr(-z), zeros], axis=1), axis=1)
            # Take each cell's probability from the tail it lies in, so far tails stay exact.
            lower_edge = np.concatenate([np.full((len(amp), 1), -np.inf), z], axis=1)
            out.append(np.clip(np.where(lower_edge > 0, above, below), 0.0, 1.0))
        return out

    def sample_rungs(self, state, activity, rng):
        """Draw each gene's amplitude rung index per mark, ``(N, n_marks)``."""
        amp = self.mean_amplitude(state, activity)
        index = np.zeros(amp.shape, dtype=np.int64)
        for m, rungs in enumerate(self.rungs):
            present = amp[:, m] > 0
            v = np.log(amp[present, m]) + self.spread[m] * rng.standard_normal(present.sum())
            cell = np.floor((v - self.ladder_low[m]) / self.ladder_step).astype(np.int64)
            index[present, m] = np.clip(cell + 1, 0, len(rungs) - 1)
        return index

    def rates(self, rung_index, jitter_index):
        """Mean reads ``(N, n_marks, n_bins)`` of the gene's own chromatin (no neighbour)."""
        amp = np.stack([self.rungs[m][rung_index[:, m]] for m in range(len(self.marks))], 1)
        amp = amp * self.signal_scale
        own = self.background + amp[:, :, None] * self.own_shape[jitter_index]
        return self.placement_depth[jitter_index][:, None, None] * own


def simulated_marks(marks):
    if marks is None:
        return REMC_MARKS
    if isinstance(marks, Integral) and not isinstance(marks, bool):
        if not 1 <= marks <= len(REMC_MARKS):
            raise ValueError(
                f"marks as a count must be between 1 and {len(REMC_MARKS)}, got {marks}."
            )
        return REMC_MARKS[: int(marks)]
    if isinstance(marks, str):
        marks = [marks]
    names = tuple(str(m) for m in marks)
    unknown = [m for m in names if m not in REMC_MARKS]
    if unknown:
        raise ValueError(
            f"Unknown histone mark(s) {unknown}; the simulator knows {list(REMC_MARKS)}."
        )
    if not names:
        raise ValueError("marks must name at least one mark, got an empty sequence.")
    if len(set(names)) != len(names):
        raise ValueError(f"marks contains duplicated names: {list(names)}.")
    return names


def _preset(name):
    """A cell-type preset or a setting of the simulator family (``P.FAMILY``)."""
    return CELL_TYPES[name] if name in CELL_TYPES else P.FAMILY[name]


def resolve_cell_type(cell_type):
    if cell_type is None:
        return DEFAULT_CELL_TYPE
    if not isinstance(cell_type, str) or (cell_type not in CELL_TYPES
                                          and cell_type not in P.FAMILY):
        raise ValueError(
            f"Unknown cell_type {cell_type!r}; choose one of {cell_type_names()} "
            f"(None means {DEFAULT_CELL_TYPE!r}) or a setting of the simulator family, "
            f"{list(P.FAMILY)}."
        )
    return cell_type


def check_n_bins(n_bins):
    if not isinstance(n_bins, Integral) or isinstance(n_bins, bool) or n_bins < MIN_BINS:
        raise ValueError(
            f"n_bins must be an integer of at least {MIN_BINS} (bins of at most "
            f"{2 * FLANK // MIN_BINS} bp over the 10-kb window), got {n_bins!r}."
        )
    return int(n_bins)


def check_n_quad(n_quad):
    if not isinstance(n_quad, Integral) or isinstance(n_quad, bool) or n_quad < 3:
        raise ValueError(f"n_quad must be an integer of at least 3, got {n_quad!r}.")
    return int(n_quad)


def _median_log_expression(prior, mean, sd, noise):
    # Log expression is a Gaussian mixture; its median is found once, to machine precision.
    scale = np.sqrt(sd**2 + noise**2)

    def excess(m):
        return float(np.sum(prior * ndtr((m - mean) / scale))) - 0.5

    lo, hi = float(np.min(mean - 10 * scale)), float(np.max(mean + 10 * scale))
    return brentq(excess, lo, hi, xtol=1e-13, rtol=1e-15)


def _check_depth_factor(depth_factor):
    if (isinstance(depth_factor, bool) or not isinstance(depth_factor, Real)
            or not np.isfinite(depth_factor) or depth_factor <= 0):
        raise ValueError(f"depth_factor must be a positive number, got {depth_factor!r}.")
    return float(depth_factor)


@lru_cache(maxsize=16)
def build_model(marks, n_bins, cell_type, n_quad, depth_factor=1.0):
    preset = _preset(cell_type)
    states = P.STATES
    n_marks = len(marks)
    # depth_factor scales the preset's depth, hence every rate the posterior uses too.
    depth = depth_factor * preset["depth"] * (2 * FLANK / n_bins) / 100.0

    prior = np.array([preset["state_prior"][k] for k in states], dtype=float)
    prior /= prior.sum()
    mean = np.array([P.ACTIVITY[k][0] for k in states])
    sd = np.array([P.ACTIVITY[k][1] for k in states])
    noise = float(preset["expression_noise"])
    threshold = _median_log_expression(prior, mean, sd, noise)

    amp = np.zeros((len(states), n_marks, 5))
    amp[..., 3] = np.inf
    amp[..., 4] = 1.0
    bumps = preset.get("activity_bump", {})
    for i, k in enumerate(states):
        for j, m in enumerate(marks):
            if m in P.AMPLITUDE[k]:
                height, floor, centre, width, sign = P.AMPLITUDE[k][m]
                if k == "polycomb" and m == "H3K4me3":
                    height = height * preset["bivalent"]
                if k == "active" and m in bumps:
                    centre, width, floor = bumps[m]
                    sign = 0
                amp[i, j] = (height, floor, centre, np.inf if width is None else width, sign)

    spread = preset["spread"] * np.array([P.SPREAD[m] for m in marks], dtype=float)
    ladder = P.AMPLITUDE_LADDER
    step = np.log(2.0) / ladder["rungs_per_doubling"]
    top = np.log(np.array([max(P.AMPLITUDE[k].get(m, (1.0,))[0] for k in states) for m in marks]))
    low = top - ladder["depth_below_max"]
    n_cells = np.ceil((ladder["depth_below_max"] + ladder["sd_above_max"] * spread) / step)
    # Rung i > 0 stands for the cell [low + (i-1) step, low + i step), the last one open above;
    # its amplitude is the cell's geometric midpoint.
    rungs = tuple(
        np.concatenate([[0.0], np.exp(lo + step * (np.arange(int(c)) + 0.5))])
        for lo, c in zip(low, n_cells)
    )

    jitter = np.array(sorted(P.JITTER), dtype=float) * preset.get("jitter_scale", 1.0)
    jitter_prior = np.array([P.JITTER[s] for s in sorted(P.JITTER)], dtype=float)
    jitter_prior /= jitter_prior.sum()
    background = depth * np.array([P.BACKGROUND[m] for m in marks])[:, None] * np.ones(n_bins)
    dispersion = (np.array([P.DISPERSION[m] for m in marks], dtype=float)
                  * preset.get("dispersion_scale", 1.0))
    if "dispersion_size" in preset:
        dispersion = np.full(n_marks, float(preset["dispersion_size"]))
    strength = preset.get("mark_strength", {})
    shapes = [_own_shape(m, preset.get("shape_scale", {}).get(m, 1.0)) for m in marks]
    # Amplitudes are reads at the shape's maximum, wherever a stretch moves it.
    signal_scale = np.array([depth * preset["snr"] * strength.get(m, 1.0)
                             / float(shape(_FINE).max()) for m, shape in zip(marks, shapes)])
    own_shape = np.array([[_bin_average(shape, n_bins, s) for shape in shapes]
                          for s in jitter])

    offsets = np.array(P.NEIGHBOUR_OFFSETS, dtype=float)
    levels = np.array(list(P.NEIGHBOUR_LEVELS), dtype=float)
    level_prior = np.array(list(P.NEIGHBOUR_LEVELS.values()), dtype=float)
    level_prior /= level_prior.sum()
    nb_unit = np.array(
        [
            [[_bin_average(partial(_neighbour_shape, m), n_bins, s + d) for m in marks]
             for d in offsets]
            for s in jitter
        ]
    )  # (S, D, n_marks, n_bins)
    neighbour_extra = (
        preset["snr"] * depth * levels[None, None, :, None, None] * nb_unit[:, :, None]
    )
    # The neighbour factorises out of the sum over the gene's own latents only if, in every
    # bin it touches, the gene's own rate is the bare background whatever the state.
    can_signal = (amp[:, :, 0].max(axis=0) > 0)[None, None, :, None]
    overlap = (nb_unit > 0) & (own_shape[:, None] > 0) & can_signal
    if np.any(overlap):
        touched = [m for j, m in enumerate(marks) if overlap[:, :, j].any()]
        raise RuntimeError(
            f"Simulator setting {cell_type!r} at {n_bins} bins: the gene's own {touched} "
            "signal reaches a neighbouring promoter's bins, so the neighbour no longer "
            "factors out of the posterior; narrow the shape (shape_scale) or use finer bins."
        )

    # A per-gene depth shared by every mark (mappability, copy number) joins the jitter as
    # a latent of the gene's placement: each (jitter, level) pair scales all of its rates.
    levels = preset.get("gene_depth", {1.0: 1.0})
    depth_level = np.array(list(levels), dtype=float)
    depth_prior = np.array(list(levels.values()), dtype=float)
    depth_prior /= depth_prior.sum()
    G = len(depth_level)
    placement_depth = np.tile(depth_level, len(jitter))
    jitter = np.repeat(jitter, G)
    jitter_prior = (jitter_prior[:, None] * depth_prior[None, :]).ravel()
    own_shape = np.repeat(own_shape, G, axis=0)
    neighbour_extra = (np.repeat(neighbour_extra, G, axis=0)
                       * placement_depth[:, None, None, None, None])

    model = _Model(
        marks=marks, n_bins=n_bins, cell_type=cell_type, state_prior=prior,
        activity_mean=mean, activity_sd=sd, expression_noise=noise, threshold=threshold,
        amp_params=amp, spread=spread, ladder_low=low, ladder_step=step, rungs=rungs,
        signal_scale=signal_scale, jitter=jitter, jitter_prior=jitter_prior,
        background=background, dispersion=dispersion, own_shape=own_shape,
        neighbour_rate=float(preset["neighbour_rate"]), neighbour_offsets=offsets,
        neighbour_level_prior=level_prior, neighbour_extra=neighbour_extra,
        placement_depth=placement_depth,
    )
    model.tables.update(likelihood_tables(model, n_quad))
    # Models are cached and shared between calls, so nobody may change them.
    for value in [*vars(model).values(), *model.tables.values()]:
        for array in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(array, np.ndarray):
                array.setflags(write=False)
    return model


def likelihood_tables(model, n_quad):
    """Everything the posterior needs that does not depend on the data."""
    K, S = len(model.state_prior), len(model.jitter)
    # Activity nodes: trapezoid rule on the standard normal density, which for these smooth
    # integrands over an effectively infinite range converges geometrically in the spacing.
    z = np.linspace(-_Z_MAX, _Z_MAX, n_quad)
    w = np.exp(-0.5 * z**2)
    w /= w.sum()
    states, acts, logw, p_high = [], [], [], []
    for k in range(K):
        amp = model.amp_params[k]
        mu, sd = model.activity_mean[k], model.activity_sd[k]
        if np.any(np.isfinite(amp[:, 3]) & (amp[:, 0] > 0)):
            a = mu + sd * z
            states.append(np.full(n_quad, k))
            acts.append(a)
            logw.append(np.log(model.state_prior[k]) + np.log(w))
            p_high.append(ndtr((a - model.threshold) / model.expression_noise))
        else:
            # The marks ignore activity in this state: integrate it analytically.
            states.append(np.array([k]))
            acts.append(np.array([mu]))
            logw.append(np.array([np.log(model.state_prior[k])]))
            p_high.append(np.array([ndtr((mu - model.threshold)
                                         / np.hypot(sd, model.expression_noise))]))
    states, acts = np.concatenate(states), np.concatenate(acts)
    node_prob = [p.astype(np.float32).T.copy() for p in model.rung_probabilities(states, acts)]

    r = model.dispersion
    depth = model.placement_depth
    rung_W, rung_b = [], []
    for m, rungs in enumerate(model.rungs):
        # (S, R_m, n_bins) rates of every rung at every jitter (and gene depth).
        mu = depth[:, None, None] * (model.background[m] + model.signal_scale[m]
                                     * rungs[None, :, None] * model.own_shape[:, m][:, None, :])
        rung_W.append(np.log(mu / (mu + r[m])).reshape(-1, model.n_bins).T.copy())
        rung_b.append((r[m] * np.log(r[m] / (mu + r[m]))).sum(axis=-1).reshape(-1))

    # Neighbour: log-likelihood ratio against background in the bins it touches.
    bg, rr = depth[:, None, None, None, None] * model.background, r[:, None]
    D, L = model.neighbour_extra.shape[1:3]
    mu_nb = bg + model.neighbour_extra  # (S, D, L, n_marks, n_bins)
    nb_W = np.log(mu_nb / (mu_nb + rr)) - np.log(bg / (bg + rr))
    nb_b = (rr * (np.log(rr / (mu_nb + rr)) - np.log(rr / (bg + rr)))).sum(axis=(-2, -1))
    nb_logw = np.concatenate(
        [[np.log1p(-model.neighbour_rate)],
         np.log(model.neighbour_rate / D) + np.log(np.tile(model.neighbour_level_prior, D))]
    )
    return dict(
        node_log_weight=np.concatenate(logw),  # (Q,)
        node_p_high=np.concatenate(p_high),  # (Q,)
        node_prob=node_prob,  # per mark (R_m, Q) float32
        rung_W=rung_W,  # per mark (n_bins, S * R_m)
        rung_b=rung_b,  # per mark (S * R_m,)
        nb_W=nb_W.reshape(S * D * L, -1).T.copy(),  # (n_features, S * D * L)
        nb_b=nb_b.reshape(S, D * L),
        nb_log_weight=nb_logw,  # (1 + D * L,)
    )


# --------------------------------------------------------------------------- inference
def _posterior(model, X):
    """Exact ``P(high | X)`` under ``model``, summing over every latent configuration."""
    X = np.asarray(X, dtype=np.float64)
    t = model.tables
    S, n_bins = len(model.jitter), model.n_bins
    node_weight = np.exp(t["node_log_weight"])
    out = np.empty(len(X))
    for start in range(0, len(X), _CHUNK):
        x = X[start : start + _CHUNK]
        n = len(x)
        # The likelihood of every (jitter s, activity node q) is kept as
        # exp(offset[n, s]) * prod[n, s, q], so no logarithm over (n, s, q) is ever taken.
        offset = np.log(model.jitter_prior) + neighbour_factor(model, x)
        prod = None
        for m in range(len(model.marks)):
            # log p(x_m | rung, s) up to a term constant in the latents: one matrix product.
            ll = x[:, m * n_bins : (m + 1) * n_bins] @ t["rung_W"][m] + t["rung_b"][m]
            ll = ll.reshape(n * S, -1)
            top = ll.max(axis=1, keepdims=True)
            ll -= top
            # Mixing over rungs with P(rung | state, activity) gives p(x_m | s, node).
            mix = np.exp(ll.astype(np.float32)) @ t["node_prob"][m]
            scale = mix.max(axis=1, keepdims=True)
            mix /= scale
            offset += (top + np.log(scale)).reshape(n, S)
            prod = mix.astype(np.float64) if prod is None else prod * mix
        offset -= offset.max(axis=1, keepdims=True)
        weights = np.einsum("ns,nsq->nq", np.exp(offset), prod.reshape(n, S, -1))
        weights *= node_weight
        den = weights.sum(axis=1)
        out[start : start + n] = (weights @ t["node_p_high"]) / np.where(den > 0, den, 1.0)
        # Counts no latent configuration explains within float range (far outside anything
        # the model generates) are redone in log space, gene by gene.
        for i in np.flatnonzero(~(den > 0)):
            out[start + i] = _posterior_log_space(model, x[i])
    return np.clip(out, 0.0, 1.0)


def _posterior_log_space(model, x):
    """The posterior of one gene, with every sum taken in log space (slow, never underflows)."""
    t = model.tables
    S, n_bins = len(model.jitter), model.n_bins
    loglik = (np.log(model.jitter_prior) + neighbour_factor(model, x[None])[0])[:, None]
    loglik = loglik + t["node_log_weight"]
    for m in range(len(model.marks)):
        ll = (x[m * n_bins : (m + 1) * n_bins] @ t["rung_W"][m] + t["rung_b"][m]).reshape(S, -1)
        with np.errstate(divide="ignore"):
            log_prob = np.log(t["node_prob"][m].astype(np.float64))
        loglik = loglik + logsumexp(ll[:, :, None] + log_prob[None], axis=1)
    loglik = loglik.ravel()
    log_high = np.log(np.tile(t["node_p_high"], S))
    return float(np.exp(logsumexp(loglik + log_high) - logsumexp(loglik)))


def neighbour_factor(model, x):
    """``log p(x | s)`` of the neighbour's bins relative to background, summed over neighbours."""
    t = model.tables
    S = len(model.jitter)
    nb = (x @ t["nb_W"]).reshape(len(x), S, -1) + t["nb_b"]
    nb = np.concatenate([np.zeros((len(x), S, 1)), nb], axis=2) + t["nb_log_weight"]
    return logsumexp(nb, axis=2)


def bayes_posterior(X, *, marks=5, cell_type=None, n_quad=DEFAULT_N_QUAD, depth_factor=1.0):
    """Exact Bayes probability of high expression for read counts ``X``.

    The probability is taken under the generative model of :func:`make_histone_dataset`
    for the given marks and cell type; it is what that function returns as ``posterior``.

    Parameters
    ----------
    X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        Non-negative integer read counts in the mark-major layout.
    marks : int or sequence of str, default=5
        The marks of ``X``'s column blocks, as in :func:`make_histone_dataset`.
    cell_type : str, default=None
        Preset name from :data:`CELL_TYPES` (or a setting of the simulator family);
        ``None`` is :data:`DEFAULT_CELL_TYPE`.
    n_quad : int, default=81
        Quadrature nodes for transcriptional activity in each state whose marks depend on
        it (trapezoid rule over +-8 standard deviations). With the default, doubling the
        nodes changes no posterior by more than about 1e-7 on any preset.
    depth_factor : float, default=1.0
        The sequencing-depth multiple the counts were simulated at (see
        :func:`make_histone_dataset`).

    Returns
    -------
    ndarray of shape (n_genes,)
        ``P(y = 1 | X)``.

    Examples
    --------
    >>> data = make_histone_dataset(200, random_state=0)
    >>> p = bayes_posterior(data.data)
    >>> bool(np.allclose(p, data.posterior))
    True
    """
    marks = simulated_marks(marks)
    cell_type = resolve_cell_type(cell_type)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 3 and X.shape[1] == len(marks):
        X = X.reshape(len(X), -1)
    if X.ndim != 2 or X.shape[1] % len(marks):
        raise ValueError(
            f"X must be 2-D with n_marks * n_bins columns (or 3-D (n_genes, n_marks, n_bins)) "
            f"for the {len(marks)} marks {list(marks)}, got shape {X.shape}."
        )
    n_quad = check_n_quad(n_quad)
    model = build_model(marks, check_n_bins(X.shape[1] // len(marks)), cell_type, n_quad,
                         _check_depth_factor(depth_factor))
    if X.size and (np.any(X < 0) or not np.all(np.isfinite(X))):
        raise ValueError("X must hold finite, non-negative read counts.")
    return _posterior(model, X)


# --------------------------------------------------------------------------- sampling
def as_generator(random_state):
    if isinstance(random_state, np.random.Generator):
        return random_state
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max, size=4)
    return np.random.default_rng(seed)


def _draw_latents(model, n_genes, rng):
    """Draw every latent variable of ``n_genes`` genes from the prior."""
    S = len(model.jitter)
    D, L = model.neighbour_extra.shape[1:3]
    state = rng.choice(len(model.state_prior), size=n_genes, p=model.state_prior)
    activity = model.activity_mean[state] + model.activity_sd[state] * rng.standard_normal(
        n_genes
    )
    return Bunch(
        state=state,
        activity=activity,
        log_expression=activity + model.expression_noise * rng.standard_normal(n_genes),
        rung=model.sample_rungs(state, activity, rng),
        jitter=rng.choice(S, size=n_genes, p=model.jitter_prior),
        has_neighbour=rng.random(n_genes) < model.neighbour_rate,
        offset=rng.integers(D, size=n_genes),
        level=rng.choice(L, size=n_genes, p=model.neighbour_level_prior),
    )


def latent_rates(model, z):
    """Mean reads ``(N, n_marks, n_bins)`` given the latents ``z`` of :func:`_draw_latents`."""
    mu = model.rates(z.rung, z.jitter)
    nb = z.has_neighbour
    mu[nb] += model.neighbour_extra[z.jitter[nb], z.offset[nb], z.level[nb]]
    return mu


def _sample(model, n_genes, rng):
    z = _draw_latents(model, n_genes, rng)
    mu = latent_rates(model, z)
    counts = np.empty(mu.shape, dtype=np.float32)
    for m, r in enumerate(model.dispersion):
        # Gamma-Poisson: a negative binomial with mean mu and size r.
        gamma = rng.standard_gamma(r, size=mu[:, m].shape, dtype=np.float32)
        counts[:, m] = rng.poisson(gamma * (mu[:, m] / r))
    z.counts = counts.reshape(n_genes, -1)
    z.target = (z.log_expression > model.threshold).astype(np.int64)
    return z


def make_histone_dataset(
    n_genes=6601,
    marks=5,
    n_bins=100,
    cell_type=None,
    random_state=None,
    *,
    return_X_y=False,
    n_quad=DEFAULT_N_QUAD,
    depth_factor=1.0,
):
    r"""Simulate REMC-like histone-mark read counts around TSSs, with the exact Bayes ceiling.

    Each gene gets read counts of up to five histone marks in ``n_bins`` bins tiling
    TSS-5 kb .. TSS+5 kb (100-bp bins by default, like the REMC/DeepChrome release),
    oriented 5'->3' (upstream bins first), a high/low expression label, a continuous
    log1p(RPKM)-like expression, and its exact posterior probability of being high given
    its counts. ``roc_auc_score(target, posterior)`` is therefore the best ROC AUC any model
    can reach on the sample (its *ceiling*); across the presets in :data:`CELL_TYPES` it
    ranges from about 0.82 (``"tissue"``) to 0.90 (``"blood"``).

    **Generative model.** Every number below lives in
    ``skdeepchrome/datasets/_simulator_presets.py`` (the preset's keys in quotes).
    Positions ``u`` are bp from the gene's true TSS, 5'->3'; rates are reads per 100 bp at
    depth 1 and scale with the bin width. Genes are independent; for each:

    1. *Chromatin state* ``k`` from ``STATES = (active, polycomb, heterochromatin,
       quiescent)`` with probabilities ``"state_prior"``.
    2. *Transcriptional activity* ``a | k ~ Normal(ACTIVITY[k])`` (log-RPKM units).
    3. *Expression* ``e = a + Normal(0, "expression_noise")``. The label is
       ``y = 1[e > m]`` with ``m`` the population median of ``e`` (solved exactly for the
       Gaussian mixture), so classes are balanced in expectation; ``expression`` is
       ``log1p(exp(e))``, log1p(RPKM) for RPKM = exp(e).
    4. *Mark amplitudes*: for each mark ``j`` independently,
       ``log alpha_j = log A_j(k, a) + SPREAD[j] * "spread" * Normal(0, 1)``, rounded to
       the geometric ``AMPLITUDE_LADDER`` (6 rungs per doubling; below the ladder
       ``alpha_j = 0``). ``A_j(k, a) = height * (floor + (1 - floor) * expit(sign *
       (a - centre) / width))`` with ``(height, floor, centre, width, sign) =
       AMPLITUDE[k][j]`` (0 if absent; the polycomb H3K4me3 height is multiplied by
       ``"bivalent"``). The spread is gene-level variation no activity explains
       (CpG-island size, gene length, local ChIP efficiency). So: active genes carry an
       H3K4me3 peak that saturates at modest activity, H3K36me3 that keeps rising and
       saturates only at high activity, H3K4me1 flanks, and some H3K27me3 only when weakly
       active; polycomb genes carry a broad H3K27me3 domain that falls with activity and,
       bivalently, a weaker H3K4me3 peak that rises with it; heterochromatin carries H3K9me3
       and a little H3K27me3; quiescent genes only background. H3K4me3 thus means *high*
       only without H3K27me3 and H3K9me3.
    5. *TSS jitter* ``s`` from ``JITTER`` (0, +-0.3, +-0.6, +-1 or +-2 kb: annotation
       error, alternative promoters) shifts all of the gene's own shapes.
    6. *Neighbouring promoter*, independent of everything above: present with probability
       ``"neighbour_rate"``, centred at ``s + d`` with ``d`` uniform over
       ``NEIGHBOUR_OFFSETS`` (3.2-4.6 kb either side) and height ``l`` from
       ``NEIGHBOUR_LEVELS``; it adds a symmetric H3K4me3 peak (triweight bump of radius
       1 kb) and weak H3K4me1 flanks (``NEIGHBOUR_H3K4ME1 * l`` at +-0.7 kb), and never
       overlaps the gene's own promoter signal.
    7. *Rates*: ``mu[j, i] = depth * (BACKGROUND[j] + snr * alpha_j * f_j(x_i - s)) +
       neighbour``, with ``depth = "depth"``, ``snr = "snr"`` (which also scales the
       neighbour), and shapes ``f_j`` averaged over each bin and normalised to peak 1:
       H3K4me3 a sharp two-lobed peak around the TSS (support -1.45..+1.75 kb); H3K4me1
       two flanks at +-0.9 kb, depleted at the TSS; H3K36me3 zero upstream and rising
       through the body toward 3'; H3K27me3 a broad domain (sd 1.5 kb) on a flat floor;
       H3K9me3 flat.
    8. *Counts* ``x[j, i] ~ NegativeBinomial(mean mu[j, i], size DISPERSION[j])``
       (Gamma-Poisson), independent given the latents.

    **Exact posterior.** For a fixed size ``r``, ``log NB(x | mu, r) = x log(mu / (mu + r))
    + r log(r / (mu + r)) + c(x)``, so the log-likelihood of every gene's counts of mark
    ``j`` at every (rung, jitter) is one matrix product. ``posterior = P(y=1 | x)`` is then
    the finite sum over state, jitter, every mark's rung and the neighbour, and the
    integral over activity, of ``p(x | latents) p(latents) Phi((a - m) /
    expression_noise)``, normalised. Activity is integrated by the trapezoid rule with
    ``n_quad`` nodes over +-8 sd in states whose marks depend on it (analytically in the
    others); the neighbour, confined to bins where the gene's own rate is background,
    factors out exactly. The quadrature is the only approximation and is converged to
    about 1e-7 (the likelihood mixtures are accumulated in float32).

    Parameters
    ----------
    n_genes : int, default=6601
        Number of genes (one REMC split by default).
    marks : int or sequence of str, default=5
        ``5`` (or ``None``) for all of :data:`~skdeepchrome.layout.REMC_MARKS`; an int ``k``
        for its first ``k`` marks; or mark names from it, in any order (column blocks
        follow that order). The posterior uses only the marks returned.
    n_bins : int, default=100
        Bins over the fixed 10-kb window, at least 40 (bins of at most 250 bp). Shapes are
        defined in bp, so other values rescale them, and counts grow with the bin width.
    cell_type : str, default=None
        A preset name from :data:`CELL_TYPES` (see :func:`cell_type_names`); ``None`` is
        :data:`DEFAULT_CELL_TYPE` (``"fibroblast"``). A setting of the simulator family,
        ``skdeepchrome.datasets.SIMULATOR_FAMILY`` (depth, dispersion, TSS
        jitter, distal peaks and mark strengths varied; a per-gene depth shared by the
        marks, negative-binomial size 1, marks non-monotone in activity; see
        ``benchmarks/bench_simulator_family.py``), is accepted too, its posterior as exact.
    random_state : int, RandomState instance, Generator or None, default=None
        Seed of the simulation; the same seed gives the same dataset.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of the Bunch.
    n_quad : int, default=81
        Activity quadrature nodes per state (see :func:`bayes_posterior`).
    depth_factor : float, default=1.0
        Sequencing depth relative to the preset's: multiplies ``depth`` in step 7, so every
        rate (background, signal, neighbour) and hence the expected counts scale by it, as
        a library sequenced ``depth_factor`` times deeper would. The posterior is computed
        at the same rates. Epigenomes at different depths model the several-fold depth
        differences between real epigenomes (see
        :class:`skdeepchrome.preprocessing.DepthNormalizer`).

    Returns
    -------
    Bunch
        data : ndarray of shape (n_genes, n_marks * n_bins), float32
            Integer-valued read counts, mark-major.
        target : ndarray of shape (n_genes,), int
            1 if the gene's expression is above the population median, else 0.
        posterior : ndarray of shape (n_genes,), float64
            Exact ``P(target = 1 | data)`` under the generative model.
        expression : ndarray of shape (n_genes,), float64
            log1p(RPKM)-like continuous expression (for regression).
        gene_ids : ndarray of str
            ``"SIM000001"``, ``"SIM000002"``, ...
        marks : tuple of str
            The marks of the column blocks, in order.
        feature_names : ndarray of str
            ``"{mark}_bin{index:03d}"``.
        cell_type : str
            The preset's name.
        chromatin_state : ndarray of str
            The latent state of each gene (for inspection; models must not see it).
        DESCR : str
            A description of the sample and of the model that drew it.

    See Also
    --------
    bayes_posterior : The posterior for any counts under a preset.
    cell_type_names : The presets, to loop over.

    Examples
    --------
    >>> from sklearn.metrics import roc_auc_score
    >>> ds = make_histone_dataset(n_genes=500, random_state=0)
    >>> ds.data.shape, ds.data.dtype, ds.feature_names[0]
    ((500, 500), dtype('float32'), 'H3K27me3_bin000')
    >>> ceiling = roc_auc_score(ds.target, ds.posterior)
    >>> 0.75 < ceiling < 0.95
    True
    >>> X, y = make_histone_dataset(50, marks=["H3K4me3", "H3K27me3"], n_bins=50,
    ...                             cell_type="embryonic_stem", random_state=1,
    ...                             return_X_y=True)
    >>> X.shape
    (50, 100)
    """
    if not isinstance(n_genes, Integral) or isinstance(n_genes, bool) or n_genes < 1:
        raise ValueError(f"n_genes must be a positive integer, got {n_genes!r}.")
    marks = simulated_marks(marks)
    n_bins = check_n_bins(n_bins)
    cell_type = resolve_cell_type(cell_type)
    model = build_model(marks, n_bins, cell_type, check_n_quad(n_quad),
                         _check_depth_factor(depth_factor))
    rng = as_generator(random_state)

    sim = _sample(model, int(n_genes), rng)
    # The counts carry their layout, bin width included, to whatever reads them next.
    counts = HistoneMatrix(sim.counts, marks, n_bins, bin_size=2 * FLANK / n_bins)
    if return_X_y:
        return counts, sim.target
    width = max(6, len(str(n_genes)))
    return Bunch(
        data=counts,
        target=sim.target,
        posterior=_posterior(model, sim.counts),
        expression=np.log1p(np.exp(sim.log_expression)),
        gene_ids=np.array([f"SIM{i:0{width}d}" for i in range(1, n_genes + 1)]),
        marks=marks,
        feature_names=feature_names(marks, n_bins),
        cell_type=cell_type,
        chromatin_state=np.asarray(P.STATES)[sim.state],
        DESCR=_describe(model, n_genes),
    )


def _describe(model, n_genes):
    preset = _preset(model.cell_type)
    return (
        f"Simulated REMC-like histone ChIP-seq read counts ({model.cell_type} preset: "
        f"{preset['description']})\n\n"
        f"{n_genes} genes x {len(model.marks)} marks ({', '.join(model.marks)}) x "
        f"{model.n_bins} bins over TSS-5kb..+5kb, 5'->3'. target = expression above the "
        f"population median (log-RPKM {model.threshold:.3f}); posterior = exact "
        "P(target=1 | counts) under the generative model, so roc_auc_score(target, "
        "posterior) is the ceiling of any classifier on this sample. The model is stated in "
        "skdeepchrome.datasets.make_histone_dataset's docstring."
    )
