import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeepchrome import REMC_MARKS, HistoneBinner
from skdeepchrome.layout import HistoneMatrix
from skdeepchrome.preprocessing import pooling_weights


@parametrize_with_checks([HistoneBinner(marks=1, n_bins=1)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_2d_and_3d_inputs_agree():
    X3 = np.random.default_rng(0).poisson(2, size=(4, 5, 100)).astype(float)
    binner = HistoneBinner(n_bins=10)
    out2 = binner.fit_transform(X3.reshape(4, -1))
    out3 = binner.fit_transform(X3)
    assert out2.shape == (4, 50)
    np.testing.assert_array_equal(out2, out3)
    # mark-major: the first 10 columns pool the first mark's 100 positions
    np.testing.assert_allclose(out2[:, :10], X3[:, 0].reshape(4, 10, 10).sum(axis=2))


@settings(max_examples=60, deadline=None)
@given(
    n_marks=st.integers(1, 4),
    n_positions=st.integers(1, 40),
    data=st.data(),
)
def test_sum_is_conserved_inside_the_window(n_marks, n_positions, data):
    n_bins = data.draw(st.integers(1, n_positions))
    lo = data.draw(st.integers(0, n_positions - 1))
    hi = data.draw(st.integers(lo + 1, n_positions))
    hi_bins = min(n_bins, hi - lo)
    seed = data.draw(st.integers(0, 2**16))
    X3 = np.random.default_rng(seed).gamma(1.0, 3.0, size=(3, n_marks, n_positions))
    bin_size, flank = 10, n_positions * 5
    window = (lo * bin_size - flank, hi * bin_size - flank) if n_positions % 2 == 0 else None
    if window is None:
        lo, hi = 0, n_positions
        hi_bins = n_bins
    binner = HistoneBinner(
        marks=n_marks, n_bins=hi_bins, window=window, flank=flank, bin_size=bin_size,
        statistic="sum",
    )
    out = binner.fit_transform(X3.reshape(3, -1)).reshape(3, n_marks, hi_bins)
    np.testing.assert_allclose(out.sum(axis=2), X3[:, :, lo:hi].sum(axis=2), rtol=1e-10)


def test_uneven_pooling_shares_straddling_positions():
    # 3 positions into 2 bins: the middle one is split half and half.
    X = np.array([[1.0, 10.0, 100.0]])
    np.testing.assert_allclose(HistoneBinner(marks=1, n_bins=2).fit_transform(X), [[6, 105]])
    np.testing.assert_allclose(
        HistoneBinner(marks=1, n_bins=2, statistic="mean").fit_transform(X),
        [[(1 + 5) / 1.5, (5 + 100) / 1.5]],
    )
    np.testing.assert_allclose(
        HistoneBinner(marks=1, n_bins=2, statistic="max").fit_transform(X), [[10, 100]]
    )
    # a constant profile stays constant under mean pooling whatever the division
    assert np.allclose(HistoneBinner(marks=1, n_bins=7, statistic="mean").fit_transform(
        np.full((2, 100), 3.0)), 3.0)
    assert np.allclose(pooling_weights(100, 7).sum(axis=1), 1.0)


def test_window_crops_relative_to_tss():
    X = np.arange(100, dtype=float)[None, :]  # positions tile [-5000, 5000) in 100 bp
    out = HistoneBinner(marks=1, window=(-200, 300)).fit_transform(X)
    np.testing.assert_array_equal(out, [[48, 49, 50, 51, 52]])
    fine = np.arange(1000, dtype=float)[None, :]  # a 10-bp extraction
    out = HistoneBinner(marks=1, window=(0, 100), bin_size=10, n_bins=1).fit_transform(fine)
    np.testing.assert_array_equal(out, [[sum(range(500, 510))]])


def test_select_names_indices_order_and_feature_names():
    X3 = np.arange(2 * 5 * 4, dtype=float).reshape(2, 5, 4)
    binner = HistoneBinner(select=["H3K4me3", 0], n_bins=2).fit(X3)
    assert binner.selected_marks_ == ("H3K4me3", "H3K27me3")
    out = binner.transform(X3)
    np.testing.assert_array_equal(out[:, :2], X3[:, 3].reshape(2, 2, 2).sum(axis=2))
    np.testing.assert_array_equal(out[:, 2:], X3[:, 0].reshape(2, 2, 2).sum(axis=2))
    assert binner.get_feature_names_out().tolist() == [
        "H3K4me3_bin000", "H3K4me3_bin001", "H3K27me3_bin000", "H3K27me3_bin001"]
    assert isinstance(out, HistoneMatrix) and out.marks == ("H3K4me3", "H3K27me3")
    assert out.n_bins == 2


def test_set_output_pandas():
    X = np.random.default_rng(1).poisson(3, size=(3, 500)).astype(float)
    binner = HistoneBinner(n_bins=5, scale="log1p").set_output(transform="pandas")
    df = binner.fit_transform(X)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns[:2]) == ["H3K27me3_bin000", "H3K27me3_bin001"]
    assert df.shape == (3, 25)
    np.testing.assert_allclose(df.to_numpy()[:, 0], np.log1p(X[:, :20].sum(axis=1)))


def test_scales():
    X = np.array([[0.0, 3.0, -2.0, 8.0]])
    np.testing.assert_allclose(HistoneBinner(marks=1, scale="asinh").fit_transform(X),
                               np.arcsinh(X))
    np.testing.assert_allclose(HistoneBinner(marks=1, scale="log1p").fit_transform(np.abs(X)),
                               np.log1p(np.abs(X)))


def test_standardisation_is_learnt_in_fit_only():
    rng = np.random.default_rng(2)
    train = rng.normal(5, 2, size=(200, 2 * 10))
    binner = HistoneBinner(marks=["a", "b"], standardize=True).fit(train)
    Z = binner.transform(train).reshape(200, 2, 10)
    np.testing.assert_allclose(Z.mean(axis=(0, 2)), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=(0, 2)), 1, atol=1e-12)
    shifted = binner.transform(train + 10).reshape(200, 2, 10)
    np.testing.assert_allclose(shifted.mean(axis=(0, 2)), 10 / binner.mark_std_, rtol=1e-10)


def test_float32_is_preserved():
    X = np.ones((2, 500), dtype=np.float32)
    assert HistoneBinner(n_bins=10).fit_transform(X).dtype == np.float32


@pytest.mark.parametrize(
    "binner, X, match",
    [
        (HistoneBinner(), np.full((2, 500), np.nan), "NaN"),
        (HistoneBinner(), np.full((2, 500), np.inf), "infinity"),
        (HistoneBinner(scale="log1p"), -np.ones((2, 500)), "negative values.*H3K27me3"),
        (HistoneBinner(), np.ones((2, 499)), "not divisible by the 5 marks"),
        (HistoneBinner(n_bins=200), np.ones((2, 500)), "more bins than the 100 positions"),
        (HistoneBinner(select=["H3K4me2"]), np.ones((2, 500)), "H3K4me2.*not among"),
        (HistoneBinner(select=[7]), np.ones((2, 500)), "out of range"),
        (HistoneBinner(window=(-150, 200)), np.ones((2, 500)), "position boundaries"),
        (HistoneBinner(window=(0, 100)), np.ones((2, 5 * 50)), "flank=5000 and bin_size=100"),
        (HistoneBinner(window=(0, 6000)), np.ones((2, 500)), "start < end <= flank"),
        (HistoneBinner(), np.ones((2, 4, 100)), "4 marks on axis 1"),
        (HistoneBinner(marks=["a", "a"]), np.ones((2, 4)), "duplicated"),
        (HistoneBinner(statistic="median"), np.ones((2, 500)), "statistic"),
    ],
)
def test_bad_input_names_the_problem(binner, X, match):
    with pytest.raises(ValueError, match=match):
        binner.fit(X)


def test_transform_checks_width_and_negative_values():
    binner = HistoneBinner(scale="log1p").fit(np.ones((2, 500)))
    with pytest.raises(ValueError, match="500 features"):
        binner.transform(np.ones((2, 400)))
    X = np.ones((2, 500))
    X[1, 350] = -1  # H3K4me3
    with pytest.raises(ValueError, match="H3K4me3"):
        binner.transform(X)


def test_default_marks_are_the_remc_order():
    assert HistoneBinner().fit(np.ones((1, 500))).marks_ == REMC_MARKS
