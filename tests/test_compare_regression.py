import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import r2_score
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from skdeepchrome import HistoneBinner
from skdeepchrome.baselines import (
    REGRESSION_MODEL_NAMES,
    default_param_grids,
    make_model,
    model_names,
)
from skdeepchrome.compare import (
    compare_models,
    corrected_resampled_ttest,
    expression_target,
    paper_protocol,
)
from skdeepchrome.compare._fitting import resolve_models, tuned
from skdeepchrome.datasets import (
    align_expression,
    log_expression,
    make_histone_dataset,
    read_expression_table,
    simulate_epigenome,
)
from skdeepchrome.estimators import DeepChromeRegressor


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    # torch's thread_budget() honours OMP_NUM_THREADS and threadpoolctl limits OpenMP (the
    # gradient boosting): on a busy 2-core machine two threads per fit made this module
    # several times slower.
    with pytest.MonkeyPatch.context() as patch, threadpool_limits(1):
        patch.setenv("OMP_NUM_THREADS", "1")
        yield


def small_models(seed=0):
    return {
        "deepchrome": make_pipeline(
            HistoneBinner(scale="log1p", n_bins=20),
            DeepChromeRegressor(max_epochs=8, hidden_sizes=(32,), n_filters=8, lr=3e-3,
                                dropout=0.1, random_state=seed)),
        "ridge": make_model("ridge", task="regression"),
        "gradient_boosting": make_model("gradient_boosting", task="regression",
                                        random_state=seed),
    }


@pytest.fixture(scope="module")
def simulated():
    return make_histone_dataset(240, random_state=0)


def test_regression_cross_validation_scores_r2_and_correlations(simulated):
    X, y = simulated.data, simulated.expression
    result = compare_models(X, y, models=small_models(), cv=3, random_state=0, verbose=0,
                            task="regression")
    assert result.task == "regression" and result.info["task"] == "regression"
    assert result.metrics == ["r2", "pearson", "spearman"]
    assert "ceiling" not in set(result.table["model"])
    assert len(result.table) == 3 * 3 * 3
    preds = result.predictions
    assert sorted(preds.query("model == 'ridge'")["gene"]) == list(range(len(y)))
    np.testing.assert_allclose(preds.query("model == 'ridge'").sort_values("gene")["y_true"], y)
    table = result.table.set_index(["model", "fold", "metric"])["value"].sort_index()
    for (model, fold), group in preds.groupby(["model", "fold"]):
        values = table.loc[(model, fold)].to_frame("value")
        assert values.loc["r2", "value"] == pytest.approx(r2_score(group.y_true, group.score))
        assert values.loc["pearson", "value"] == pytest.approx(
            stats.pearsonr(group.y_true, group.score)[0])
        assert values.loc["spearman", "value"] == pytest.approx(
            stats.spearmanr(group.y_true, group.score)[0])
    summary = result.summary
    means = result.table.query("metric == 'r2'").groupby("model")["value"].mean()
    assert list(summary.index) == list(means.sort_values(ascending=False).index)  # ranked by R²
    # The simulator's expression noise leaves ~0.3 as the best R² with thousands of genes.
    assert means.max() > 0.1, "the simulated expression is learnable from the counts"
    wide = result.table.query("metric == 'r2'").pivot(index="fold", columns="model",
                                                      values="value")
    t, p = corrected_resampled_ttest(wide["deepchrome"] - wide["ridge"], 160, 80)
    row = result.tests.query("model == 'ridge' and metric == 'r2'").iloc[0]
    assert (row.statistic, row.p_value) == (pytest.approx(t), pytest.approx(p))


def test_auto_detects_the_task_and_same_seed_same_table(simulated):
    X = simulated.data
    names = ["ridge", "gradient_boosting"]
    auto = compare_models(X, simulated.expression, models=names, cv=3, random_state=1,
                          reference="ridge", verbose=0, task="auto")
    again = compare_models(X, simulated.expression, models=names, cv=3, random_state=1,
                           reference="ridge", verbose=0, task="regression")
    assert auto.task == "regression"
    pd.testing.assert_frame_equal(auto.table[["model", "fold", "metric", "value"]],
                                  again.table[["model", "fold", "metric", "value"]])
    labels = compare_models(X, simulated.target, models=["logistic"], cv=3, random_state=1,
                            reference="logistic", verbose=0, task="auto")
    assert labels.task == "classification" and labels.metrics[0] == "roc_auc"


def test_regression_models_and_grids():
    assert model_names("regression") == REGRESSION_MODEL_NAMES
    resolved = resolve_models(None, task="regression")
    assert list(resolved) == list(REGRESSION_MODEL_NAMES)
    kinds = {name: type(pipe[-1]).__name__ for name, pipe in resolved.items()}
    assert kinds == {"deepchrome": "DeepChromeRegressor", "svm": "SVR",
                     "random_forest": "RandomForestRegressor", "ridge": "RidgeCV",
                     "gradient_boosting": "HistGradientBoostingRegressor"}
    assert "scaler" in resolved["ridge"].named_steps and "scaler" in resolved["svm"].named_steps
    grids = default_param_grids("regression")
    assert set(grids) == set(REGRESSION_MODEL_NAMES) - {"ridge"}  # RidgeCV tunes itself
    for name, grid in grids.items():
        assert set(grid) <= set(resolved[name].get_params()), name
    with pytest.raises(ValueError, match="'logistic' is a classifier only"):
        make_model("logistic", task="regression")
    with pytest.raises(ValueError, match="'attentivechrome' is a classifier only"):
        make_model("attentivechrome", task="regression")
    with pytest.raises(ValueError, match="'ridge' is a regressor"):
        make_model("ridge")
    with pytest.raises(ValueError, match="task must be one of"):
        make_model("svm", task="ranking")


def test_nested_tuning_uses_r2(simulated):
    search = tuned(make_model("svm", task="regression"), {"model__C": [1.0]}, 0, "regression")
    assert search.scoring == "r2" and type(search.cv).__name__ == "KFold"
    result = compare_models(simulated.data, simulated.expression, models=["svm"], cv=2,
                            reference="svm", tune=True, random_state=0, verbose=0,
                            task="regression")
    chosen = result.info["best_params"]["svm"]
    assert len(chosen) == 2 and all("'model__epsilon'" in p for p in chosen)


@pytest.mark.parametrize(
    "y, kwargs, match",
    [
        (np.full(240, 2.5), dict(task="regression"), "constant"),
        (np.full(240, 2.5), dict(task="auto"), "constant"),
        (np.zeros(240), dict(), "exactly two classes"),
        (np.linspace(0, 3, 240), dict(), "pass task='regression'"),
        (np.r_[np.nan, np.linspace(0, 3, 239)], dict(task="regression"), "NaN or infinity"),
        (np.linspace(0, 3, 240), dict(task="regression", posterior=np.full(240, 0.5)),
         "no ceiling"),
        (np.linspace(0, 3, 240), dict(task="regression", scoring=["roc_auc"]),
         "belong to the other task"),
        (np.arange(240) % 2, dict(scoring=["r2"]), "belong to the other task"),
        (np.linspace(0, 3, 240), dict(task="regresion"), "task must be one of"),
        (np.linspace(0, 3, 240), dict(task="regression", models=["logistic"]),
         "classifier only"),
    ],
)
def test_bad_targets_name_the_problem(simulated, y, kwargs, match):
    with pytest.raises(ValueError, match=match):
        compare_models(simulated.data, y, cv=3, verbose=0, **kwargs)


def test_paper_protocol_regresses_expression_and_reports(tmp_path):
    epi = simulate_epigenome("blood", n_genes=(160, 80, 80), random_state=0)
    regression = expression_target(epi)
    assert "posterior" not in regression.test and "posterior" in epi.test
    np.testing.assert_array_equal(regression.valid.target, epi.valid.expression)
    result = paper_protocol(regression, models=small_models(), random_state=0, verbose=0,
                            task="regression")
    assert result.task == "regression" and set(result.metrics) == {"r2", "pearson", "spearman"}
    assert "ceiling" not in set(result.table["model"])
    tests = result.tests
    assert set(tests["model"]) == {"ridge", "gradient_boosting"}
    assert (tests["metric"] == "r2").all() and tests["test"].str.contains("bootstrap").all()
    ref = result.predictions.query("model == 'deepchrome'")
    ridge = result.predictions.query("model == 'ridge'")
    row = tests.set_index("model").loc["ridge"]
    assert row.mean_difference == pytest.approx(r2_score(ref.y_true, ref.score)
                                                - r2_score(ridge.y_true, ridge.score))
    written = result.save(tmp_path / "report")
    assert {"r2_by_model.png", "summary.csv", "report.json"} <= set(written)
    assert "roc_curves.png" not in written
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report["info"]["task"] == "regression"
    with pytest.raises(ValueError, match="has no expression values"):
        expression_target({"train": {"data": epi.train.data, "target": epi.train.target},
                           "epigenome": "E1"})


def test_expression_table_feeds_a_regression(tmp_path, simulated):
    genes = [f"ENSG{i:011d}" for i in range(len(simulated.data))]
    rpkm = np.expm1(simulated.expression)
    table = tmp_path / "rpkm.tsv"
    pd.DataFrame({"gene_id": [g + ".3" for g in genes], "E003": rpkm}).to_csv(
        table, sep="\t", index=False)
    aligned = align_expression(genes, read_expression_table(table, epigenome="E003"))
    y = log_expression(aligned.expression)
    np.testing.assert_allclose(y, simulated.expression)
    result = compare_models(simulated.data, y, models=["ridge"], reference="ridge", cv=3,
                            random_state=0, verbose=0, task="regression")
    assert np.isfinite(result.summary.loc["ridge", "r2_mean"])


def test_cli_regression_on_simulated_data_and_an_npz(tmp_path, capsys, simulated):
    from skdeepchrome.cli import main
    from skdeepchrome.datasets import save_npz_dataset

    out = tmp_path / "sim"
    assert main(["compare", "--task", "regression", "--split-sizes", "150,80,80", "--cell-types",
                 "blood", "--models", "ridge,gradient_boosting", "--out", str(out),
                 "--seed", "1", "--no-plots"]) == 0
    printed = capsys.readouterr().out
    assert "r2" in printed and "ceiling" not in printed
    summary = pd.read_csv(out / "summary.csv", index_col=0)
    assert set(summary.index) == {"ridge", "gradient_boosting"}
    assert (summary["r2_mean"] > 0.2).all()

    ids = [f"g{i}" for i in range(len(simulated.data))]
    save_npz_dataset(tmp_path / "d.npz", simulated.data, gene_ids=ids,
                     marks=simulated.marks, target=simulated.target,
                     expression=simulated.expression)
    assert main(["compare", "--task", "regression", "--data", str(tmp_path / "d.npz"),
                 "--cv", "3", "--models", "ridge", "--out", str(tmp_path / "cv"), "--quiet",
                 "--no-plots"]) == 0
    results = pd.read_csv(tmp_path / "cv" / "results.csv")
    assert set(results["metric"]) == {"r2", "pearson", "spearman"}
    predictions = pd.read_csv(tmp_path / "cv" / "predictions.csv.gz").sort_values("gene")
    np.testing.assert_allclose(predictions["y_true"], simulated.expression)

    save_npz_dataset(tmp_path / "labels.npz", simulated.data, gene_ids=ids,
                     marks=simulated.marks, target=simulated.target)
    assert main(["compare", "--task", "regression", "--data", str(tmp_path / "labels.npz"),
                 "--quiet"]) == 2
    assert "no expression values" in capsys.readouterr().err
