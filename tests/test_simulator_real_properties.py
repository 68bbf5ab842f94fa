"""The family's settings with the properties real data has (issue 24, item 4).

A per-gene depth shared by all marks, negative-binomial size about 1, and marks related to
expression non-monotonically: each is present in the data it generates, and the posterior
(hence the ceiling) stays exact.
"""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from skdeepchrome.datasets import (
    SIMULATOR_FAMILY,
    SIMULATOR_FAMILY_HELD_BACK,
    SIMULATOR_FAMILY_TUNING,
    bayes_posterior,
    make_histone_dataset,
)
from skdeepchrome.datasets._simulator import build_model
from skdeepchrome.layout import REMC_MARKS

NEW_HELD_BACK = ("shared_gene_depth", "heavy_overdispersion", "nonmonotone_marks")
NEW_TUNING = ("gene_depth_mild", "overdispersed_deep", "nonmonotone_mild")


def _counts(setting, n_genes=1500, seed=4):
    data = make_histone_dataset(n_genes, cell_type=setting, random_state=seed)
    return data, np.asarray(data.data).reshape(n_genes, len(REMC_MARKS), -1)


def test_the_new_settings_are_held_back_and_their_counterparts_tune():
    assert set(NEW_HELD_BACK) <= set(SIMULATOR_FAMILY_HELD_BACK)
    assert set(NEW_TUNING) <= set(SIMULATOR_FAMILY_TUNING)
    assert set(NEW_HELD_BACK + NEW_TUNING) <= set(SIMULATOR_FAMILY)


@pytest.mark.parametrize("setting", ["shared_gene_depth", "gene_depth_mild"])
def test_a_shared_gene_depth_correlates_the_marks(setting):
    # Quiescent genes carry background only: their marks are independent unless a depth
    # shared by the gene scales them all together.
    def mark_correlation(name):
        data, X = _counts(name)
        quiet = data.chromatin_state == "quiescent"
        totals = np.log1p(X[quiet].sum(axis=2))
        return np.corrcoef(totals.T)[np.triu_indices(len(REMC_MARKS), 1)]

    assert abs(mark_correlation("fibroblast").mean()) < 0.1
    assert mark_correlation(setting).min() > 0.2
    model = build_model(tuple(REMC_MARKS), 100, setting, 11)
    assert len(set(model.placement_depth)) == len(SIMULATOR_FAMILY[setting]["gene_depth"])


@pytest.mark.parametrize("setting, size", [("heavy_overdispersion", 1.0),
                                           ("overdispersed_deep", 1.5)])
def test_heavy_overdispersion_has_size_about_one(setting, size):
    # In background-only genes every bin has the same mean, so the bins' variance / mean
    # ratio is 1 + mean / size: about 2 at size 1, near Poisson by default.
    def size_estimate(name):
        data, X = _counts(name)
        bins = X[data.chromatin_state == "quiescent"][:, REMC_MARKS.index("H3K27me3")]
        mean, var = bins.mean(), bins.var()
        return mean * mean / (var - mean), var / mean

    size_default, ratio_default = size_estimate("fibroblast")
    estimate, ratio = size_estimate(setting)
    assert ratio_default < 1.3 < ratio
    assert abs(estimate - size) < 0.2 * size
    assert size_default > 4


@pytest.mark.parametrize("setting", ["nonmonotone_marks", "nonmonotone_mild"])
def test_h3k4me1_rises_then_falls_with_expression(setting):
    def by_expression_decile(name):
        data, X = _counts(name, n_genes=4000)
        active = data.chromatin_state == "active"
        k4me1 = np.log1p(X[active][:, REMC_MARKS.index("H3K4me1")].sum(axis=1))
        order = np.argsort(data.expression[active])
        return np.array([k4me1[part].mean() for part in np.array_split(order, 10)])

    default = by_expression_decile("fibroblast")
    assert default[-1] > default.max() - 0.05  # monotone: highest among the most expressed
    bumped = by_expression_decile(setting)
    top = int(np.argmax(bumped))
    assert 1 <= top <= 7, bumped
    assert bumped[top] - bumped[-1] > 0.1 and bumped[top] - bumped[0] > 0.1, bumped


@pytest.mark.parametrize("setting", NEW_HELD_BACK + NEW_TUNING)
def test_the_ceiling_is_computed_from_the_exact_posterior(setting):
    data = make_histone_dataset(600, cell_type=setting, random_state=7)
    ceiling = roc_auc_score(data.target, data.posterior)
    assert 0.75 < ceiling < 0.95, (setting, ceiling)
    np.testing.assert_allclose(bayes_posterior(data.data[:40], cell_type=setting),
                               data.posterior[:40], rtol=1e-6, atol=1e-9)
    # the setting's knob is in the likelihood: the default model reads the counts otherwise
    assert np.abs(bayes_posterior(data.data[:200], cell_type="fibroblast")
                  - data.posterior[:200]).max() > 0.02


def test_the_default_settings_have_no_new_latent():
    # The new latents enter only where a setting asks for them: a default gene's placement
    # is its jitter alone, and nothing else is drawn.
    model = build_model(tuple(REMC_MARKS), 100, "fibroblast", 11)
    assert np.array_equal(model.placement_depth, np.ones(len(model.jitter)))
    assert np.all(model.amp_params[..., 4] != 0)
