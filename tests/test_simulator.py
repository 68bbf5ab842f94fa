"""Tests of the histone simulator: REMC-like counts, and a posterior that is the true ceiling."""

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp, ndtr
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skdeepchrome.datasets import (
    CELL_TYPES,
    DEFAULT_CELL_TYPE,
    bayes_posterior,
    cell_type_names,
    make_histone_dataset,
)
from skdeepchrome.datasets import _simulator as simulator
from skdeepchrome.layout import REMC_MARKS, feature_names


@pytest.fixture(scope="module")
def default_20k():
    return make_histone_dataset(20_000, random_state=7)


def _profiles(ds):
    return ds.data.reshape(len(ds.data), len(ds.marks), -1)


# --------------------------------------------------------------------------- the Bunch
def test_bunch_fields_shapes_and_dtypes():
    ds = make_histone_dataset(300, random_state=0)
    assert ds.data.shape == (300, 500) and ds.data.dtype == np.float32
    assert np.all(ds.data >= 0) and np.array_equal(ds.data, np.round(ds.data))
    assert ds.target.dtype.kind == "i" and set(np.unique(ds.target)) == {0, 1}
    assert ds.posterior.dtype == np.float64
    assert np.all((ds.posterior >= 0) & (ds.posterior <= 1))
    assert ds.expression.dtype == np.float64 and np.all(ds.expression > 0)
    assert ds.gene_ids[0] == "SIM000001" and ds.gene_ids[-1] == "SIM000300"
    assert len(set(ds.gene_ids)) == 300
    assert ds.marks == REMC_MARKS
    assert ds.feature_names.tolist() == feature_names(REMC_MARKS, 100).tolist()
    assert ds.cell_type == DEFAULT_CELL_TYPE and DEFAULT_CELL_TYPE in ds.DESCR
    assert set(ds.chromatin_state) <= {"active", "polycomb", "heterochromatin", "quiescent"}
    X, y = make_histone_dataset(300, random_state=0, return_X_y=True)
    np.testing.assert_array_equal(X, ds.data)
    np.testing.assert_array_equal(y, ds.target)


def test_expression_is_a_monotone_continuous_target():
    ds = make_histone_dataset(2000, random_state=1)
    # The label thresholds the same latent expression the continuous target transforms.
    assert ds.expression[ds.target == 1].min() > ds.expression[ds.target == 0].max()
    assert 0.45 < ds.target.mean() < 0.55
    assert np.unique(ds.expression).size == 2000


def test_a_single_gene():
    ds = make_histone_dataset(1, random_state=0)
    assert ds.data.shape == (1, 500) and ds.gene_ids.tolist() == ["SIM000001"]


def test_same_seed_same_data_and_different_seed_different():
    a = make_histone_dataset(200, random_state=3)
    b = make_histone_dataset(200, random_state=3)
    c = make_histone_dataset(200, random_state=4)
    for key in ("data", "target", "posterior", "expression"):
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a.data, c.data)
    assert not np.array_equal(a.expression, c.expression)
    from_rs = [make_histone_dataset(50, random_state=np.random.RandomState(5)).data
               for _ in range(2)]
    from_gen = [make_histone_dataset(50, random_state=np.random.default_rng(5)).data
                for _ in range(2)]
    np.testing.assert_array_equal(*from_rs)
    np.testing.assert_array_equal(*from_gen)


# --------------------------------------------------------------------------- marks and bins
def test_marks_as_count_subset_and_reordering():
    assert make_histone_dataset(20, marks=2, random_state=0).marks == REMC_MARKS[:2]
    ds = make_histone_dataset(400, marks=["H3K4me3", "H3K27me3"], random_state=0)
    assert ds.data.shape == (400, 200)
    assert ds.feature_names[0] == "H3K4me3_bin000"
    assert ds.feature_names[100] == "H3K27me3_bin000"
    # H3K4me3 (the first block now) carries the promoter peak.
    assert ds.data[:, 45:55].mean() > 5 * ds.data[:, 145:155].mean()
    # The posterior does not depend on the order in which marks are declared.
    swapped = np.hstack([ds.data[:, 100:], ds.data[:, :100]])
    np.testing.assert_allclose(
        bayes_posterior(swapped, marks=["H3K27me3", "H3K4me3"]), ds.posterior, atol=1e-6
    )


def test_other_bin_counts_rescale_the_same_window():
    fine = make_histone_dataset(1500, random_state=0)
    coarse = make_histone_dataset(1500, n_bins=50, random_state=1)
    assert coarse.data.shape == (1500, 250)
    assert coarse.feature_names[-1] == "H3K9me3_bin049"
    # 200-bp bins hold twice the reads of 100-bp bins, and the peak stays at the centre.
    ratio = coarse.data.mean() / fine.data.mean()
    assert 1.8 < ratio < 2.2
    k4 = _profiles(coarse)[:, REMC_MARKS.index("H3K4me3")].mean(axis=0)
    assert 20 <= int(np.argmax(k4)) <= 30


# --------------------------------------------------------------------------- REMC-likeness
def test_counts_are_sparse_over_dispersed_and_remc_scaled(default_20k):
    X3 = _profiles(default_20k)[:5000]
    for j, mark in enumerate(REMC_MARKS):
        counts = X3[:, j].ravel()
        assert np.median(counts) <= 2, mark
        assert 0.15 < np.mean(counts == 0) < 0.5, mark
        assert counts.var() > 3 * counts.mean(), mark
    k4 = X3[:, REMC_MARKS.index("H3K4me3")].ravel()
    # REMC excerpt: H3K4me3 mean 21.5, 90th percentile 56, 99th 318.
    assert 10 < k4.mean() < 40
    assert 30 < np.percentile(k4, 90) < 150
    assert 150 < np.percentile(k4, 99) < 700
    for mark, (lo, hi) in {"H3K27me3": (2, 6), "H3K36me3": (0.8, 2.5),
                           "H3K4me1": (1.2, 3.5), "H3K9me3": (1, 3)}.items():
        assert lo < X3[:, REMC_MARKS.index(mark)].mean() < hi, mark


def test_profiles_follow_the_biology(default_20k):
    X3, y = _profiles(default_20k), default_20k.target
    high, low = X3[y == 1].mean(axis=0), X3[y == 0].mean(axis=0)
    k4me3 = high[REMC_MARKS.index("H3K4me3")]
    assert 40 <= int(np.argmax(k4me3)) < 60
    assert k4me3[45:55].mean() > 10 * np.r_[k4me3[:10], k4me3[90:]].mean()
    assert k4me3[45:55].mean() > 2 * low[REMC_MARKS.index("H3K4me3"), 45:55].mean()
    k36 = high[REMC_MARKS.index("H3K36me3")]
    assert k36[60:].mean() > 1.5 * k36[:40].mean()
    assert k36[60:].mean() > 1.3 * low[REMC_MARKS.index("H3K36me3"), 60:].mean()
    k4me1 = high[REMC_MARKS.index("H3K4me1")]
    assert np.r_[k4me1[38:45], k4me1[55:62]].mean() > 1.2 * k4me1[:10].mean()
    for repressive in ("H3K27me3", "H3K9me3"):
        j = REMC_MARKS.index(repressive)
        assert low[j].mean() > 1.4 * high[j].mean(), repressive


def test_bivalent_promoters_are_read_through_h3k27me3():
    # ES-like cells: the same H3K4me3 peak means less when H3K27me3 covers the promoter.
    bins = np.arange(100)
    peak = 1 + 150 * np.exp(-0.5 * ((bins - 50.5) / 5) ** 2)
    flat = np.ones(100)
    active = np.concatenate([flat, flat, 2 * flat, peak, flat])
    bivalent = np.concatenate([1 + 20 * np.exp(-0.5 * ((bins - 48) / 15) ** 2),
                               flat, 2 * flat, peak, flat])
    heterochromatin = np.concatenate([flat, flat, 2 * flat, peak, 8 * flat])
    p = bayes_posterior(np.round([active, bivalent, heterochromatin]),
                        cell_type="embryonic_stem")
    assert p[0] > 0.6 and p[1] < p[0] - 0.3 and p[2] < p[0] - 0.3


# --------------------------------------------------------------------------- the ceiling
@pytest.mark.slow
def test_posterior_beats_tabular_models():
    train = make_histone_dataset(5000, random_state=11)
    test = make_histone_dataset(5000, random_state=12)
    ceiling = roc_auc_score(test.target, test.posterior)
    logistic = make_pipeline(FunctionTransformer(np.log1p), StandardScaler(),
                             LogisticRegression(C=0.01, max_iter=1000))
    forest = RandomForestClassifier(100, min_samples_leaf=5, n_jobs=1, random_state=0)
    for model in (logistic, forest):
        auc = roc_auc_score(test.target, model.fit(train.data, train.target)
                            .predict_proba(test.data)[:, 1])
        assert 0.75 < auc < ceiling, (type(model[-1] if hasattr(model, "steps") else model),
                                      auc, ceiling)


def _reliability_z(posterior, target, n_bins=10):
    """Per-bin z-scores of the observed high fraction against the mean posterior."""
    order = np.argsort(posterior)
    z = []
    for idx in np.array_split(order, n_bins):
        p = posterior[idx]
        # Under calibration the number of high genes in a bin has mean sum(p) and
        # variance sum(p (1 - p)) (independent Bernoullis).
        z.append((target[idx].sum() - p.sum()) / np.sqrt(np.sum(p * (1 - p))))
    return np.array(z)


def test_posterior_is_calibrated(default_20k):
    z = _reliability_z(default_20k.posterior, default_20k.target)
    # 10 bins of 2,000 genes: a calibrated posterior exceeds |z| = 4 in some bin with
    # probability about 10 * 6e-5; the expected calibration error must also be small.
    assert np.all(np.abs(z) < 4), z
    assert np.sum(z**2) < 29.6  # chi-square(10) 99.9th percentile
    # The check has power: the posterior of another cell type is visibly miscalibrated.
    wrong = bayes_posterior(default_20k.data[:5000], cell_type="tissue")
    assert np.any(np.abs(_reliability_z(wrong, default_20k.target[:5000])) > 4)


def test_posterior_matches_brute_force_monte_carlo():
    # Weak marks at low depth keep the likelihood broad, so importance sampling from the
    # prior (continuous activity, every latent drawn jointly, scipy's NB pmf) is accurate.
    marks, cell_type, n_bins = ("H3K4me1", "H3K36me3"), "low_depth", 40
    ds = make_histone_dataset(8, marks=marks, n_bins=n_bins, cell_type=cell_type,
                              random_state=3)
    model = simulator.build_model(marks, n_bins, cell_type, simulator.DEFAULT_N_QUAD)
    latents = simulator._draw_latents(model, 60_000, np.random.default_rng(0))
    mu = simulator.latent_rates(model, latents).reshape(60_000, -1)
    r = np.repeat(model.dispersion, n_bins)
    p_high = ndtr((latents.activity - model.threshold) / model.expression_noise)
    checked = 0
    for x, exact in zip(ds.data, ds.posterior):
        logw = stats.nbinom.logpmf(x, r, r / (r + mu)).sum(axis=1)
        w = np.exp(logw - logw.max())
        estimate = np.sum(w * p_high) / w.sum()
        se = np.sqrt(np.sum(w**2 * (p_high - estimate) ** 2)) / w.sum()
        if w.sum() ** 2 / np.sum(w**2) < 500:  # too few effective draws to judge
            continue
        checked += 1
        assert abs(estimate - exact) < 4 * se + 1e-4, (estimate, exact, se)
    assert checked >= 5


def test_posterior_equals_enumeration_over_every_latent():
    # One mark with a neighbour, so every discrete latent can be enumerated jointly with
    # scipy's NB pmf; activity uses the same nodes, so agreement must be to rounding.
    marks, cell_type, n_bins = ("H3K4me3",), "fibroblast", 40
    ds = make_histone_dataset(4, marks=marks, n_bins=n_bins, cell_type=cell_type,
                              random_state=5)
    model = simulator.build_model(marks, n_bins, cell_type, simulator.DEFAULT_N_QUAD)
    z = np.linspace(-8, 8, simulator.DEFAULT_N_QUAD)
    w = np.exp(-0.5 * z**2) / np.exp(-0.5 * z**2).sum()
    state, activity, log_prior, p_high = [], [], [], []
    for k, (mean, sd) in enumerate(zip(model.activity_mean, model.activity_sd)):
        height, _, _, width, _ = model.amp_params[k, 0]
        if height > 0 and np.isfinite(width):  # H3K4me3 depends on activity in this state
            a = mean + sd * z
            state += [k] * len(z)
            activity += list(a)
            log_prior += list(np.log(model.state_prior[k] * w))
            p_high += list(ndtr((a - model.threshold) / model.expression_noise))
        else:
            state.append(k)
            activity.append(mean)
            log_prior.append(np.log(model.state_prior[k]))
            p_high.append(ndtr((mean - model.threshold) / np.hypot(sd, model.expression_noise)))
    with np.errstate(divide="ignore"):
        log_rung = np.log(model.rung_probabilities(np.array(state), np.array(activity))[0])
    n_off, n_lev = model.neighbour_extra.shape[1:3]
    neighbours = [(None, np.log1p(-model.neighbour_rate))] + [
        ((d, lv), np.log(model.neighbour_rate / n_off * model.neighbour_level_prior[lv]))
        for d in range(n_off) for lv in range(n_lev)
    ]
    r = model.dispersion[0]
    rung_rates = model.signal_scale[0] * model.rungs[0][:, None]
    for x, exact in zip(ds.data, ds.posterior):
        terms = []  # log p(x, rung | s, neighbour) + log p(s, neighbour), per (s, nb)
        for s, s_prior in enumerate(model.jitter_prior):
            for nb, nb_log_prior in neighbours:
                mu = model.background[0] + rung_rates * model.own_shape[s, 0]
                if nb is not None:
                    mu = mu + model.neighbour_extra[s, nb[0], nb[1], 0]
                loglik = stats.nbinom.logpmf(x, r, r / (r + mu)).sum(axis=1)
                terms.append(loglik + np.log(s_prior) + nb_log_prior)
        joint = np.array(terms)[:, None, :] + log_rung[None]  # (s and nb, node, rung)
        per_node = logsumexp(joint, axis=(0, 2)) + np.array(log_prior)
        brute = np.exp(logsumexp(per_node, b=np.array(p_high)) - logsumexp(per_node))
        assert abs(brute - exact) < 1e-6, (brute, exact)


def test_quadrature_is_converged():
    for cell_type in ("blood", DEFAULT_CELL_TYPE):
        X = make_histone_dataset(1500, cell_type=cell_type, random_state=2).data
        default = bayes_posterior(X, cell_type=cell_type)
        doubled = bayes_posterior(X, cell_type=cell_type, n_quad=2 * simulator.DEFAULT_N_QUAD - 1)
        assert np.abs(default - doubled).max() < 1e-4
        # ...whereas a grid half as fine is visibly off, so the comparison can fail.
        coarse = bayes_posterior(X, cell_type=cell_type, n_quad=41)
        assert np.abs(coarse - doubled).max() > 1e-3


def test_extreme_counts_fall_back_to_log_space():
    X = np.zeros((3, 500))
    X[0] = 500.0  # no latent configuration comes within float range of this
    X[2, 300:400] = 40.0
    p = bayes_posterior(X)
    assert np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 1))
    model = simulator.build_model(REMC_MARKS, 100, DEFAULT_CELL_TYPE, simulator.DEFAULT_N_QUAD)
    np.testing.assert_allclose(simulator._posterior_log_space(model, X[2]), p[2], atol=1e-6)


# --------------------------------------------------------------------------- presets
@pytest.mark.slow
def test_presets_run_and_spread_their_ceilings():
    names = cell_type_names()
    assert names[0] == DEFAULT_CELL_TYPE and set(names) == set(CELL_TYPES)
    assert 4 <= len(names) <= 6
    ceilings = {}
    for name in names:
        ds = make_histone_dataset(5000, cell_type=name, random_state=5)
        assert ds.cell_type == name and CELL_TYPES[name]["description"] in ds.DESCR
        ceilings[name] = roc_auc_score(ds.target, ds.posterior)
    assert all(0.78 < c < 0.92 for c in ceilings.values()), ceilings
    assert max(ceilings.values()) - min(ceilings.values()) > 0.04, ceilings
    assert ceilings["blood"] > ceilings["fibroblast"] > ceilings["tissue"], ceilings
    assert ceilings["low_depth"] < ceilings["fibroblast"], ceilings


def test_embryonic_stem_cells_have_more_bivalent_promoters():
    es = make_histone_dataset(3000, cell_type="embryonic_stem", random_state=0)
    fib = make_histone_dataset(3000, cell_type="fibroblast", random_state=0)
    j4, j27 = REMC_MARKS.index("H3K4me3"), REMC_MARKS.index("H3K27me3")

    def bivalent_fraction(ds):
        X3 = _profiles(ds)
        return np.mean((X3[:, j4, 45:55].mean(1) > 20) & (X3[:, j27, 40:60].mean(1) > 8))

    assert bivalent_fraction(es) > 3 * bivalent_fraction(fib)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"cell_type": "liver"}, "embryonic_stem"),
        ({"cell_type": 3}, "fibroblast"),
        ({"marks": ["H3K4me3", "H3K27ac"]}, "H3K36me3"),
        ({"marks": ["H3K4me3", "H3K4me3"]}, "duplicated"),
        ({"marks": []}, "at least one"),
        ({"marks": 0}, "between 1 and 5"),
        ({"marks": 6}, "between 1 and 5"),
        ({"n_genes": 0}, "n_genes"),
        ({"n_genes": -5}, "n_genes"),
        ({"n_genes": 2.5}, "n_genes"),
        ({"n_bins": 10}, "n_bins"),
        ({"n_bins": 39}, "n_bins"),
        ({"n_bins": "100"}, "n_bins"),
        ({"n_quad": 2}, "n_quad"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(kwargs, message):
    params = {"n_genes": 10, "random_state": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        make_histone_dataset(**params)


def test_bayes_posterior_refuses_bad_counts():
    with pytest.raises(ValueError, match="n_marks"):
        bayes_posterior(np.zeros((2, 499)))
    with pytest.raises(ValueError, match="non-negative"):
        bayes_posterior(-np.ones((2, 500)))
    with pytest.raises(ValueError, match="n_bins"):
        bayes_posterior(np.zeros((2, 50)))
