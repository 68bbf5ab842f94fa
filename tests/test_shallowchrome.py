"""ShallowChrome: PeakFeatures and the "shallowchrome" baseline (issue 24, item 1)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from skdeepchrome import load_model, save_model
from skdeepchrome.baselines import (
    canonical_model_name,
    make_model,
    model_names,
    shallowchrome_coefficients,
)
from skdeepchrome.cli import main
from skdeepchrome.datasets import save_npz_dataset
from skdeepchrome.layout import REMC_MARKS, HistoneMatrix
from skdeepchrome.preprocessing import HistoneBinner, PeakFeatures

from .conftest import make_signal


@parametrize_with_checks([PeakFeatures(marks=1), PeakFeatures(marks=1, scale="asinh")])
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _features(X, **params):
    pf = PeakFeatures(**params).fit(X)
    return pd.DataFrame(pf.transform(X), columns=pf.get_feature_names_out())


@pytest.mark.parametrize("n_bins, bin_size", [(100, 100), (40, 250), (20, 500), (11, 1000)])
def test_a_peak_at_a_known_bin_gives_its_height_position_and_width(n_bins, bin_size):
    X = np.zeros((1, n_bins))
    top = n_bins - 3
    X[0, top - 1:top + 2] = [6.0, 12.0, 7.0]  # two neighbours above half the height
    X[0, top - 2] = 5.9  # just below half: not part of the peak
    row = _features(X, marks=["H3K4me3"], bin_size=bin_size).iloc[0]
    centre = (top + 0.5 - n_bins / 2) * bin_size
    assert row["H3K4me3_peak_height"] == 12.0
    assert row["H3K4me3_peak_position"] == centre
    assert row["H3K4me3_peak_width"] == 3 * bin_size


def test_position_is_signed_upstream_and_width_counts_only_the_peaks_run():
    # 100 bins of 100 bp: bin 20 is centred at -2950 bp; a second, separate run of bins
    # above half height elsewhere does not widen the peak.
    X = np.zeros((1, 100))
    X[0, 18:23] = [8, 9, 10, 9, 8]
    X[0, 70:75] = 6.0
    row = _features(X, marks=1, bin_size=100).iloc[0]
    assert row["mark0_peak_position"] == -2950.0
    assert row["mark0_peak_width"] == 500.0
    assert row["mark0_peak_height"] == 10.0


def test_tss_signal_is_the_mean_near_the_tss_and_a_flat_mark_has_no_peak():
    X = np.full((2, 2 * 100), 3.0)  # two marks, flat: no peak in either
    X[1, 100 + 45:100 + 55] = 10.0  # the second gene's second mark: 1 kb block over the TSS
    table = _features(X, marks=["A", "B"], bin_size=100, tss_window=500)
    assert table["A_peak_width"].tolist() == [0.0, 0.0]
    assert table["A_peak_position"].tolist() == [0.0, 0.0]
    assert table["A_tss_signal"].tolist() == [3.0, 3.0]
    assert table["B_tss_signal"].tolist() == [3.0, 10.0]
    assert table.loc[1, "B_peak_width"] == 1000.0
    # equal highest bins: the one nearest the TSS, upstream first (bin 49, at -50 bp)
    assert table.loc[1, "B_peak_position"] == -50.0


def test_bin_width_from_the_input_or_the_flank():
    X = np.zeros((1, 3 * 40))
    X[0, 40 + 30] = 5.0  # second mark, bin 30
    carried = HistoneMatrix(X, marks=("H3K4me3", "H3K27me3", "H3K36me3"), n_bins=40,
                            bin_size=250)
    pf = PeakFeatures().fit(carried)  # marks and width read from the input
    assert pf.marks_ == ("H3K4me3", "H3K27me3", "H3K36me3") and pf.bin_size_ == 250.0
    assert pf.transform(carried)[0, 4 + 1] == (30 + 0.5 - 20) * 250
    # a plain array: the window is taken to be TSS +/- flank
    assert PeakFeatures(marks=3, flank=2000).fit(X).bin_size_ == 100.0
    with pytest.raises(ValueError, match="carries bins of 250"):
        PeakFeatures(bin_size=100).fit(carried)
    # after a binner that pools to 500-bp bins, positions follow the new width
    binned = HistoneBinner(marks=("A", "B", "C"), n_bins=20, bin_size=250).fit_transform(X)
    assert PeakFeatures().fit(binned).bin_size_ == 500.0


def test_feature_names_and_bad_input():
    pf = PeakFeatures(marks=["H3K4me3", "H3K27me3"]).fit(np.ones((3, 20)))
    assert pf.get_feature_names_out().tolist()[:5] == [
        "H3K4me3_peak_height", "H3K4me3_peak_position", "H3K4me3_peak_width",
        "H3K4me3_tss_signal", "H3K27me3_peak_height"]
    with pytest.raises(ValueError, match="not divisible"):
        PeakFeatures(marks=3).fit(np.ones((3, 20)))
    with pytest.raises(ValueError, match="negative"):
        PeakFeatures(marks=1, scale="log1p").fit(-np.ones((3, 20)))


def test_shallowchrome_learns_the_signal_and_reads_per_mark():
    X, y = make_signal(n_genes=400, n_bins=40)
    X_test, y_test = make_signal(n_genes=300, n_bins=40, seed=1)
    model = make_model("shallowchrome", random_state=0).fit(X, y)
    auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
    assert auc > 0.95, auc
    table = shallowchrome_coefficients(model)
    assert list(table.index) == list(REMC_MARKS) and table.shape == (5, 4)
    # H3K4me3 at the TSS means high, H3K27me3 low: the signs say so per mark
    assert table.loc["H3K4me3", "tss_signal"] > 0
    assert table.loc["H3K27me3", "tss_signal"] < 0
    assert np.isfinite(table.attrs["intercept"])
    with pytest.raises(ValueError, match="PeakFeatures"):
        shallowchrome_coefficients(make_model("logistic").fit(X, y))


def test_names_and_task():
    assert "shallowchrome" in model_names(optional=True)
    assert "shallowchrome" not in model_names()  # only when named
    assert canonical_model_name("ShallowChrome") == canonical_model_name("shallow") == (
        "shallowchrome")
    with pytest.raises(ValueError, match="Unknown model 'shallowchrome'"):
        make_model("shallowchrome", task="regression")


def test_save_and_load_round_trip(tmp_path):
    pytest.importorskip("skops")
    X, y = make_signal(n_genes=80, n_bins=20)
    model = make_model("shallowchrome").fit(X, y)
    path = save_model(model, tmp_path / "shallow.skdc")
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert shallowchrome_coefficients(loaded).equals(shallowchrome_coefficients(model))


@pytest.fixture
def npz(tmp_path):
    X, y = make_signal(n_genes=80, n_bins=20)
    path = tmp_path / "genes.npz"
    save_npz_dataset(path, X, gene_ids=[f"G{i}" for i in range(80)], marks=list(REMC_MARKS),
                     target=y)
    return path


def test_compare_train_and_predict_from_the_command_line(npz, tmp_path, capsys):
    pytest.importorskip("skops")
    out = tmp_path / "report"
    assert main(["compare", "--data", str(npz), "--models", "shallowchrome,logistic",
                 "--cv", "2", "--out", str(out), "--quiet", "--no-plots"]) == 0
    results = pd.read_csv(out / "results.csv")
    aucs = results[(results.model == "shallowchrome") & (results.metric == "roc_auc")]
    assert len(aucs) == 2 and (aucs.value > 0.9).all()
    model, predictions = tmp_path / "model.skdc", tmp_path / "p.csv"
    assert main(["train", "--data", str(npz), "--out", str(model), "--model",
                 "shallowchrome", "--quiet"]) == 0
    assert main(["predict", "--model", str(model), "--data", str(npz), "--out",
                 str(predictions), "--quiet"]) == 0
    table = pd.read_csv(predictions)
    assert list(table.columns) == ["gene_id", "probability_high"] and len(table) == 80
    assert np.isfinite(table.probability_high).all()


def test_its_tuning_grid_names_parameters_of_its_pipeline():
    from sklearn.model_selection import GridSearchCV

    from skdeepchrome.baselines import default_param_grids

    grid = default_param_grids(models=["shallowchrome"])["shallowchrome"]
    X, y = make_signal(n_genes=60, n_bins=20)
    search = GridSearchCV(make_model("shallowchrome"), grid, cv=2, scoring="roc_auc").fit(X, y)
    assert set(search.best_params_) == {"model__C", "features__tss_window"}
