"""The differential task: fold changes, the pair layout, the harness and the command line."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

from skdeepchrome.baselines import (
    DIFFERENTIAL_MODEL_NAMES,
    canonical_model_name,
    make_differential_model,
)
from skdeepchrome.cli import main
from skdeepchrome.compare import compare_models, updown_auc
from skdeepchrome.datasets import load_roadmap_pair, log2_fold_change, updown_labels
from skdeepchrome.estimators import CellwiseDifferenceRegressor
from skdeepchrome.layout import (
    HistoneMatrix,
    check_pair,
    split_cells,
    split_pair_marks,
    stack_cells,
)
from skdeepchrome.preprocessing import CellDifference
from tests.interruptions import TIMINGS, check_resumes_as_uninterrupted, interrupt_fold_fits

ROADMAP = Path(__file__).resolve().parents[2] / "shared" / "data" / "roadmap"
DEEPDIFF = ROADMAP / "deepdiff_e123_e003"
needs_deepdiff = pytest.mark.skipif(not DEEPDIFF.is_dir(), reason="shared Roadmap data absent")


# -- fold changes ---------------------------------------------------------------------------

def test_log2_fold_change_is_deepdiffs_rule_on_known_numbers():
    lfc = log2_fold_change([0, 1, 3, 1023, 7], [0, 3, 0, 1, 7])
    np.testing.assert_allclose(lfc, [0.0, -1.0, 2.0, 9.0, 0.0])
    np.testing.assert_allclose(log2_fold_change([1.0], [3.0], pseudocount=0.5),
                               [np.log2(1.5 / 3.5)])


@pytest.mark.parametrize("a, b, match", [
    ([1, 2], [1], "same genes"),
    ([1, -2], [1, 1], "non-negative"),
    ([1, np.nan], [1, 1], "finite"),
])
def test_log2_fold_change_rejects_bad_expression(a, b, match):
    with pytest.raises(ValueError, match=match):
        log2_fold_change(a, b)


def test_updown_labels_and_auc():
    assert updown_labels([1.0, 0.99, -1.0, -0.2, 3.0]).tolist() == [1, 0, -1, 0, 1]
    # Unchanged genes do not count: a wild prediction for one changes nothing.
    assert updown_auc([2.0, -2.0, 0.1], [1.0, -1.0, 50.0]) == 1.0
    assert updown_auc([2.0, -2.0, 0.1], [-1.0, 1.0, 50.0]) == 0.0
    assert np.isnan(updown_auc([2.0, 3.0, 0.1], [1.0, -1.0, 0.0]))


# -- the pair layout ----------------------------------------------------------------------

def test_stack_cells_names_each_cells_marks_and_splits_back():
    rng = np.random.default_rng(0)
    A, B = rng.poisson(2, (6, 2, 4)), rng.poisson(5, (6, 2, 4))
    X = stack_cells(A, B, marks=["H3K4me3", "H3K27me3"], cells=("E123", "E003"))
    assert X.marks == ("E123:H3K4me3", "E123:H3K27me3", "E003:H3K4me3", "E003:H3K27me3")
    first, second = split_cells(X, 2)
    np.testing.assert_array_equal(first, A)
    np.testing.assert_array_equal(second, B)
    assert split_pair_marks(X.marks) == (("E123", "E003"), ("H3K4me3", "H3K27me3"))


@pytest.mark.parametrize("X1, X2, kwargs, match", [
    (np.zeros((5, 2, 4)), np.zeros((6, 2, 4)), {}, "same genes: X1 has 5 genes, X2 has 6"),
    (np.zeros((5, 2, 4)), np.zeros((5, 3, 4)), {}, "same marks and bins"),
    (np.zeros((5, 2, 4)), np.full((5, 2, 4), np.nan), {}, "X2 .*NaN"),
    (np.zeros((5, 8)), np.zeros((5, 8)), {}, "pass marks="),
    (HistoneMatrix(np.zeros((5, 4)), ["A", "B"], 2), HistoneMatrix(np.zeros((5, 4)), ["B", "A"], 2),
     {}, "different marks"),
])
def test_stack_cells_rejects_mismatched_cells(X1, X2, kwargs, match):
    with pytest.raises(ValueError, match=match):
        stack_cells(X1, X2, **kwargs)


@pytest.mark.parametrize("marks, match", [
    (("E1:A", "E1:B", "E2:B", "E2:A"), "same marks in the same order"),
    (("E1:A", "E2:A", "E1:B"), "even number"),
    (("E1:A", "E1:B", "E1:A", "E1:B"), "one cell per half"),
])
def test_wrong_pair_marks_are_named(marks, match):
    with pytest.raises(ValueError, match=match):
        split_pair_marks(marks)


def test_check_pair_rejects_odd_marks_and_nan():
    with pytest.raises(ValueError, match="even number"):
        check_pair(np.zeros((3, 5, 4)))
    X = np.zeros((3, 2, 4))
    X[1, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        check_pair(X)


def test_cell_difference_subtracts_the_second_cells_half():
    X = stack_cells(np.full((2, 1, 3), 5.0), np.full((2, 1, 3), 2.0), marks=["H3K4me3"],
                    cells=("a", "b"))
    out = CellDifference().fit(X).transform(X)
    np.testing.assert_array_equal(out, np.full((2, 3), 3.0))
    assert out.marks == ("H3K4me3",)
    assert CellDifference().fit(X).get_feature_names_out()[0] == "H3K4me3_bin000"
    with pytest.raises(ValueError, match="even number of columns"):
        CellDifference().fit(np.zeros((2, 3)))


def test_cellwise_difference_fits_each_cell_on_its_own_expression():
    rng = np.random.default_rng(0)
    X = rng.poisson(3.0, size=(80, 4, 5)).astype(float)
    y1, y2 = X[:, 0].sum(axis=1), 2 * X[:, 3].sum(axis=1)
    model = CellwiseDifferenceRegressor(Ridge(alpha=1e-8)).fit(X, np.c_[y1 - y2, y1, y2])
    np.testing.assert_allclose(model.predict(X), y1 - y2, atol=1e-4)
    # The first cell's model never looks at the second cell: its weights there are zero.
    assert model.estimators_[0].coef_.shape == (10,)
    with pytest.raises(ValueError, match="needs each cell's expression"):
        CellwiseDifferenceRegressor(Ridge()).fit(X, y1 - y2)


# -- models and the harness ---------------------------------------------------------------

def test_every_differential_model_is_built_and_aliases_resolve():
    for name in DIFFERENTIAL_MODEL_NAMES:
        model = make_differential_model(name, marks=["H3K4me3", "H3K27me3"])
        assert model.named_steps["binner"].marks[2] == "cell2:H3K4me3"
    assert make_differential_model("ridge_difference", features="marks")[0].n_bins == 1
    assert canonical_model_name("Deep-Diff", "differential") == "deepdiff"
    with pytest.raises(ValueError, match="Unknown differential model"):
        make_differential_model("svm_concat")


@pytest.fixture(scope="module")
def toy_pair():
    """Counts of two cells whose fold change follows one mark's ratio (learnable)."""
    rng = np.random.default_rng(0)
    n = 150
    activity = rng.normal(0, 1, (n, 2))
    cells = []
    for c in range(2):
        X = rng.poisson(1.0, size=(n, 2, 10)).astype(float)
        X[:, 0, 4:6] += rng.poisson(4.0 * np.exp(activity[:, c:c + 1]), size=(n, 2))
        cells.append(X)
    expression = activity / np.log(2) + rng.normal(0, 0.3, (n, 2))
    return stack_cells(*cells, marks=["H3K4me3", "H3K27me3"], cells=("A", "B")), expression


def test_compare_models_differential_scores_pearson_and_the_ceiling_row(toy_pair):
    X, expression = toy_pair
    lfc = expression[:, 0] - expression[:, 1]
    result = compare_models(X, lfc, models=["ridge_difference", "ridge_concat"], cv=3,
                            random_state=0, verbose=0, task="differential",
                            reference="ridge_difference", posterior=lfc)
    assert result.metrics == ["pearson", "spearman", "r2", "updown_auc"]
    summary = result.summary
    assert summary.loc["ceiling", "pearson_mean"] == pytest.approx(1.0)
    assert 0.5 < summary.loc["ridge_difference", "pearson_mean"] < 1.0
    assert result.info["task"] == "differential" and result.info["cells"] == ["A", "B"]
    assert set(result.tests["model"]) == {"ridge_concat"}


def test_differential_input_errors_name_the_problem(toy_pair):
    X, expression = toy_pair
    lfc = expression[:, 0] - expression[:, 1]
    common = dict(models=["ridge_difference"], cv=3, verbose=0, task="differential",
                  reference="ridge_difference")
    A, B = split_cells(X, 2)
    with pytest.raises(ValueError, match="same genes"):
        compare_models((A, B[:-1]), lfc, **common)
    with pytest.raises(ValueError, match="but y has"):
        compare_models(X, lfc[:-1], **common)
    bad = np.array(X)
    bad[3, 7] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        compare_models(bad, lfc, **common)
    with pytest.raises(ValueError, match="even number"):
        compare_models(np.zeros((150, 3, 10)), lfc, **common)
    with pytest.raises(ValueError, match="cell_expression"):
        compare_models(X, lfc, **dict(common, models=["deepchrome_difference"]))
    with pytest.raises(ValueError, match="tune"):
        compare_models(X, lfc, tune=True, **common)


def test_a_tuple_of_two_cells_is_the_same_comparison(toy_pair):
    X, expression = toy_pair
    lfc = expression[:, 0] - expression[:, 1]
    common = dict(models=["ridge_concat"], cv=3, random_state=0, verbose=0,
                  task="differential", reference="ridge_concat")
    stacked = compare_models(X, lfc, **common).table
    paired = compare_models(split_cells(np.asarray(X), 2), lfc, **common).table
    pd.testing.assert_frame_equal(stacked.drop(columns=["fit_seconds", "predict_seconds"]),
                                  paired.drop(columns=["fit_seconds", "predict_seconds"]))


# -- the real pair ------------------------------------------------------------------------

def test_roadmap_pair_target_is_the_count_rule():
    pair = load_roadmap_pair(window=(-5000, 5000))
    assert pair.data.shape == (600, 1000) and pair.cells == ("E123", "E003")
    np.testing.assert_allclose(pair.target, np.log2((pair.counts[:, 0] + 1)
                                                    / (pair.counts[:, 1] + 1)))
    np.testing.assert_allclose(pair.target, pair.cell_expression[:, 0]
                               - pair.cell_expression[:, 1])
    rpkm = load_roadmap_pair(fold_change_of="rpkm")
    np.testing.assert_allclose(rpkm.target, np.log2((rpkm.rpkm[:, 0] + 1) / (rpkm.rpkm[:, 1] + 1)))
    with pytest.raises(ValueError, match="two different epigenomes"):
        load_roadmap_pair(("E123", "E123"))


@needs_deepdiff
def test_roadmap_pair_fold_change_matches_deepdiffs_own_label_files():
    # DeepDiff's Cell1 is E123 and Cell2 is E003; its expression files hold raw counts.
    counts = [pd.read_csv(DEEPDIFF / f"Cell{i}.expr.csv", header=None, index_col=0)[1]
              for i in (1, 2)]
    pair = load_roadmap_pair()
    genes = []
    for split in ("train", "valid", "test"):
        ids = pd.read_csv(DEEPDIFF / f"Cell1.{split}.csv", header=None, usecols=[0])[0]
        genes += list(dict.fromkeys(ids.str.split("_").str[0]))
    assert sorted(genes) == sorted(pair.gene_ids)
    theirs = log2_fold_change(counts[0].loc[pair.gene_ids].to_numpy(),
                              counts[1].loc[pair.gene_ids].to_numpy())
    np.testing.assert_allclose(pair.target, theirs)
    # and the marks line up: DeepDiff's Cell1 H3K4me3 (2nd column) is our E123:H3K4me3.
    first = pd.read_csv(DEEPDIFF / "Cell1.train.csv", header=None, nrows=200)
    gene = first[0].iloc[0].split("_")[0]
    row = int(np.flatnonzero(pair.gene_ids == gene)[0])
    k4 = pair.marks.index("E123:H3K4me3")
    ours = np.asarray(pair.data).reshape(600, 10, -1)[row, k4]
    theirs_k4 = first[2].to_numpy()
    if pair.strand[row] == "-":
        theirs_k4 = theirs_k4[::-1]
    np.testing.assert_array_equal(ours, theirs_k4)


def test_cli_differential_on_the_real_sample_writes_pearson_per_model(tmp_path, capsys):
    out = tmp_path / "report"
    status = main(["compare", "--task", "differential", "--data", "roadmap-sample",
                   "--pair", "E123,E003", "--models", "ridge_difference,ridge_concat",
                   "--n-jobs", "1", "--out", str(out), "--no-plots", "--quiet"])
    assert status == 0
    report = json.loads((out / "report.json").read_text())
    pearson = {row["model"]: row["pearson_mean"] for row in report["summary"]}
    assert set(pearson) == {"ridge_difference", "ridge_concat"}
    assert all(0.5 < r < 0.9 for r in pearson.values())
    assert report["info"]["task"] == "differential"
    assert report["info"]["n_folds"] == 5 and report["info"]["n_genes"] == 600


def test_cli_differential_simulated_pair_has_a_ceiling(tmp_path):
    out = tmp_path / "sim"
    assert main(["compare", "--task", "differential", "--split-sizes", "300", "--models",
                 "ridge_difference", "--n-jobs", "1", "--cv", "3", "--out", str(out),
                 "--no-plots", "--quiet"]) == 0
    report = json.loads((out / "report.json").read_text())
    assert {row["model"] for row in report["summary"]} == {"ceiling", "ridge_difference"}


@pytest.mark.parametrize("argv, match", [
    (["--data", "roadmap-sample", "--pair", "E123,E999"], "two different epigenomes"),
    (["--pair", "E123,E003"], "--pair names epigenomes"),
    (["--cell-types", "blood"], "give two"),
    (["--data", "roadmap-sample", "--tune"], "--tune"),
])
def test_cli_differential_option_errors(argv, match, tmp_path, capsys):
    assert main(["compare", "--task", "differential", "--out", str(tmp_path / "x"), *argv]) != 0
    assert match in capsys.readouterr().err


class FailsOnMarkedGene(Ridge):
    """Fails wherever the marked gene (a count of 777) is among its training genes."""

    def fit(self, X, y, sample_weight=None):
        if (np.asarray(X) == 777).any():
            raise RuntimeError("deliberate failure: the marked gene")
        return super().fit(X, y, sample_weight)


class FailsWithoutMarkedGene(Ridge):
    """Fails on the one fold that holds the marked gene out."""

    def fit(self, X, y, sample_weight=None):
        if not (np.asarray(X) == 777).any():
            raise RuntimeError("deliberate failure: no marked gene")
        return super().fit(X, y, sample_weight)



def test_differential_cross_validation_resumes_fold_by_fold(toy_pair, tmp_path, monkeypatch):
    X, expression = toy_pair
    lfc = expression[:, 0] - expression[:, 1]
    settings = dict(models=["ridge_difference", "ridge_concat"], cv=3, random_state=0,
                    verbose=0, task="differential", reference="ridge_difference",
                    cell_expression=expression)
    check_resumes_as_uninterrupted(
        monkeypatch, tmp_path, lambda **record: compare_models(X, lfc, **settings, **record))
    # Other cells' expression is another run: refused, naming what differs.
    with pytest.raises(ValueError, match="this run's data"):
        compare_models(X, lfc, record_dir=tmp_path, resume=True,
                       **{**settings, "cell_expression": expression[:, ::-1]})


def test_differential_keep_going_leaves_out_the_failed_folds(toy_pair):
    X, expression = toy_pair
    X = np.array(X)
    X[0, 0] = 777  # gene 0 is trained on in two of the three folds
    lfc = expression[:, 0] - expression[:, 1]
    settings = dict(models={"ridge": Ridge(), "fails": FailsOnMarkedGene()}, cv=3,
                    random_state=0, verbose=0, task="differential", reference="ridge")
    with pytest.raises(RuntimeError, match="deliberate failure"):
        compare_models(X, lfc, **settings)
    with pytest.warns(RuntimeWarning, match="model fails: RuntimeError"):
        result = compare_models(X, lfc, keep_going=True, **settings)
    failures = result.info["failures"]
    assert len(failures) == 2 and {f["model"] for f in failures} == {"fails"}
    assert len(result.table["fold"].unique()) == 1  # the one fold that held gene 0 out
    assert set(result.table["model"]) == {"ridge", "fails"}
    # One fold left: no t-test, and the tests table says why instead of failing the run.
    assert result.tests["p_value"].isna().all()
    assert result.tests["note"].str.contains("only one fold was scored").all()
    # One fold failed, two left: tested across them.
    settings["models"] = {"ridge": Ridge(), "fails": FailsWithoutMarkedGene(alpha=1e4)}
    with pytest.warns(RuntimeWarning, match="model fails: RuntimeError"):
        result = compare_models(X, lfc, keep_going=True, **settings)
    (failure,) = result.info["failures"]
    assert failure["model"] == "fails" and failure["unit"] not in set(result.table["fold"])
    assert len(result.table["fold"].unique()) == 2
    assert result.tests["p_value"].notna().all()


def test_cli_differential_resumes_an_interrupted_run(tmp_path, monkeypatch, capsys):
    argv = ["compare", "--task", "differential", "--split-sizes", "200", "--models",
            "ridge_difference,ridge_concat", "--n-jobs", "1", "--cv", "3", "--no-plots",
            "--quiet"]
    full, out = tmp_path / "full", tmp_path / "out"
    assert main([*argv, "--out", str(full)]) == 0
    restore = interrupt_fold_fits(monkeypatch)
    assert main([*argv, "--out", str(out)]) == 130
    assert "1 of 3 folds finished and kept" in capsys.readouterr().err
    restore()
    assert main([*argv, "--out", str(out), "--resume"]) == 0
    ours, theirs = (pd.read_csv(d / "results.csv") for d in (out, full))
    timing = [c for c in TIMINGS if c in ours]
    pd.testing.assert_frame_equal(ours.drop(columns=timing), theirs.drop(columns=timing))
