"""Depth normalisation: counts per million and the grouped DepthNormalizer."""

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeepchrome.datasets import bayes_posterior, make_histone_dataset
from skdeepchrome.preprocessing import NORMALIZATION_METHODS, DepthNormalizer, counts_per_million


@parametrize_with_checks([DepthNormalizer(method, marks=1)
                          for method in NORMALIZATION_METHODS])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.fixture
def epigenome():
    rng = np.random.default_rng(0)
    # Two marks of different depth and shape, 60 genes x 12 bins each.
    return np.hstack([rng.poisson(2.0, (60, 12)), rng.negative_binomial(2, 0.1, (60, 12))]
                     ).astype(float)


@pytest.mark.parametrize("method", NORMALIZATION_METHODS)
def test_a_deeper_copy_maps_to_the_same_values(epigenome, method):
    X = np.vstack([epigenome, 3 * epigenome])
    groups = ["shallow"] * 60 + ["deep"] * 60
    Z = DepthNormalizer(method, marks=2).fit_transform(X, groups=groups)
    np.testing.assert_allclose(Z[:60], Z[60:], rtol=1e-10, atol=1e-10)
    # ...and differs from the input: the deep copy was scaled down.
    assert not np.allclose(Z[60:], X[60:])


def test_scale_is_the_geometric_mean_or_the_reference(epigenome):
    X = np.vstack([epigenome, 3 * epigenome])
    groups = ["a"] * 60 + ["b"] * 60
    norm = DepthNormalizer("total", marks=2).fit(X, groups=groups)
    np.testing.assert_allclose(norm.scale_, [[3**0.5] * 2, [3**-0.5] * 2])
    to_a = DepthNormalizer("median_of_ratios", marks=2, reference="a").fit(X, groups=groups)
    np.testing.assert_allclose(to_a.scale_, [[1, 1], [1 / 3, 1 / 3]])
    Z = to_a.transform(X, groups=groups)
    np.testing.assert_allclose(Z[:60], epigenome)  # the reference is left as it is
    assert list(norm.groups_) == ["a", "b"]


def test_marks_are_scaled_separately():
    X = np.ones((4, 4))
    X[2:, :2] *= 2  # epigenome b: first mark twice as deep, second mark the same
    norm = DepthNormalizer("total", marks=2, reference="a").fit(X, groups=list("aabb"))
    np.testing.assert_allclose(norm.scale_, [[1, 1], [0.5, 1]])


def test_three_dimensional_input_is_the_two_dimensional_layout(epigenome):
    X3 = epigenome.reshape(60, 2, 12)
    norm = DepthNormalizer("quantile", marks=2)
    groups = [0] * 30 + [1] * 30
    np.testing.assert_allclose(norm.fit_transform(X3, groups=groups),
                               norm.fit_transform(epigenome, groups=groups))


def test_bad_input_is_named(epigenome):
    groups = ["a"] * 30 + ["b"] * 30
    norm = DepthNormalizer(marks=2).fit(epigenome, groups=groups)
    with pytest.raises(ValueError, match=r"epigenome\(s\) \['E999'\] not seen in fit"):
        norm.transform(epigenome[:2], groups=["a", "E999"])
    with pytest.raises(ValueError, match="pass groups="):
        norm.transform(epigenome)
    with pytest.raises(ValueError, match="groups has 3 entries for 60 genes"):
        DepthNormalizer(marks=2).fit(epigenome, groups=["a", "b", "c"])
    with pytest.raises(ValueError, match="missing value"):
        DepthNormalizer(marks=2).fit(epigenome, groups=[None] * 60)
    bad = epigenome.copy()
    bad[3, 4] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        DepthNormalizer(marks=2).fit(bad, groups=groups)
    with pytest.raises(ValueError, match="Negative values"):
        DepthNormalizer(marks=2).fit(-epigenome, groups=groups)
    with pytest.raises(ValueError, match="reference='c' is not one of the epigenomes"):
        DepthNormalizer(marks=2, reference="c").fit(epigenome, groups=groups)
    with pytest.raises(ValueError, match="not divisible"):
        DepthNormalizer(marks=5).fit(epigenome, groups=groups)


def test_counts_per_million():
    X = np.array([[1.0, 3.0, 10.0, 20.0]])
    cpm = counts_per_million(X, [1e6, 2e7], marks=["H3K4me3", "H3K27me3"])
    np.testing.assert_allclose(cpm, [[1.0, 3.0, 0.5, 1.0]])
    np.testing.assert_allclose(
        counts_per_million(X.reshape(1, 2, 2), {"b": 2e7, "a": 1e6}, marks=["a", "b"]), cpm)
    with pytest.raises(ValueError, match=r"no total for mark\(s\) \['b'\]"):
        counts_per_million(X, {"a": 1e6}, marks=["a", "b"])
    with pytest.raises(ValueError, match="positive"):
        counts_per_million(X, [1e6, 0], marks=2)
    with pytest.raises(ValueError, match="3 totals for 2 marks"):
        counts_per_million(X, [1, 2, 3], marks=2)


def test_simulator_depth_factor_scales_counts_and_keeps_the_posterior_exact():
    shallow = make_histone_dataset(400, random_state=0)
    deep = make_histone_dataset(400, random_state=0, depth_factor=3.0)
    ratio = deep.data.mean() / shallow.data.mean()
    assert 2.8 < ratio < 3.2
    np.testing.assert_allclose(bayes_posterior(deep.data, depth_factor=3.0), deep.posterior)
    # The posterior at the wrong depth is another (worse-calibrated) one.
    assert not np.allclose(bayes_posterior(deep.data), deep.posterior, atol=1e-3)
    with pytest.raises(ValueError, match="depth_factor must be a positive number"):
        make_histone_dataset(10, depth_factor=0)
