import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.utils import Bunch

from skdeepchrome import DeepChromeClassifier, HistoneBinner
from skdeepchrome.baselines import MODEL_NAMES, default_param_grids, make_model
from skdeepchrome.compare import (
    compare_models,
    corrected_resampled_ttest,
    fit_with_validation,
    paper_protocol,
)

from .conftest import make_signal


def small_models(seed=0):
    return {
        "deepchrome": make_pipeline(
            HistoneBinner(scale="log1p", n_bins=20),
            DeepChromeClassifier(max_epochs=8, hidden_sizes=(32,), n_filters=8, lr=3e-3,
                                 random_state=seed)),
        "logistic": make_model("logistic"),
        "gradient_boosting": make_model("gradient_boosting", random_state=seed),
    }


@pytest.fixture(scope="module")
def data():
    X, y = make_signal(200, seed=5, effect=0.08)
    posterior = np.clip(0.15 + 0.7 * y + np.random.default_rng(0).normal(0, 0.05, len(y)), 0, 1)
    return X, y, posterior


def test_every_model_sees_the_same_folds_and_the_table_is_tidy(data):
    X, y, posterior = data
    result = compare_models(X, y, models=small_models(), cv=3, random_state=0,
                            posterior=posterior, verbose=0)
    table = result.table
    assert len(table) == 4 * 3 * 3  # (3 models + ceiling) x 3 folds x 3 metrics
    assert set(table.columns) == {"model", "fold", "metric", "value", "fit_seconds",
                                  "predict_seconds"}
    genes = result.predictions.groupby(["model", "fold"])["gene"].apply(frozenset).unstack()
    for fold in genes.columns:
        assert genes[fold].nunique() == 1, "models were scored on different folds"
    assert sorted(result.predictions.query("model == 'logistic'")["gene"]) == list(range(len(y)))
    summary = result.summary
    assert summary.index[0] == "ceiling" and np.isnan(summary.loc["ceiling", "rank"])
    assert sorted(summary["rank"].dropna()) == [1, 2, 3]
    assert summary["wins"].dropna().sum() >= 3
    means = table[table.metric == "roc_auc"].groupby("model")["value"].mean()
    np.testing.assert_allclose(summary.loc[means.index, "roc_auc_mean"], means)


def test_same_seed_same_table_and_tests_match_the_formula(data):
    X, y, _ = data
    a = compare_models(X, y, models=small_models(), cv=3, random_state=1, verbose=0)
    b = compare_models(X, y, models=small_models(), cv=3, random_state=1, verbose=0)
    pd.testing.assert_frame_equal(a.table.drop(columns=["fit_seconds", "predict_seconds"]),
                                  b.table.drop(columns=["fit_seconds", "predict_seconds"]))
    wide = a.table[a.table.metric == "roc_auc"].pivot(index="fold", columns="model",
                                                      values="value")
    diff = wide["deepchrome"] - wide["logistic"]
    t, p = corrected_resampled_ttest(diff, len(y) - len(y) // 3, len(y) // 3)
    row = a.tests.query("model == 'logistic' and metric == 'roc_auc'").iloc[0]
    assert row.mean_difference == pytest.approx(diff.mean())
    assert row.statistic == pytest.approx(t, rel=0.02) and row.p_value == pytest.approx(p, abs=0.02)


def test_nested_tuning_records_the_chosen_parameters(data):
    X, y, _ = data
    result = compare_models(X, y, models=["logistic"], cv=2, reference="logistic",
                            tune={"logistic": {"model__C": [0.01, 1.0]}}, random_state=0,
                            verbose=0)
    assert result.info["tune"] is True
    assert len(result.info["best_params"]["logistic"]) == 2
    assert set(default_param_grids()) == set(MODEL_NAMES)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(y=np.zeros(200)), "exactly two classes"),
        (dict(y=np.linspace(0, 1, 200)), "continuous"),
        (dict(X=np.full((200, 500), np.nan)), "NaN or infinity"),
        (dict(y=np.arange(100) % 2), "200 genes but y has 100"),
        (dict(scoring=("roc_auc", "auc_pr")), "Unknown metric"),
        (dict(models=["deepchrome", "xgboost"]), "Unknown model 'xgboost'"),
        (dict(cv=150), "at least 150 genes of each class"),
        (dict(posterior=np.full(200, 2.0)), "probability in \\[0, 1\\]"),
    ],
)
def test_bad_input_names_the_problem(data, kwargs, match):
    X, y, _ = data
    args = dict(X=X, y=y, cv=3, verbose=0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        compare_models(args.pop("X"), args.pop("y"), **args)


def _epigenome(seed, n=(160, 80, 80)):
    parts = {}
    for split, size, s in zip(("train", "valid", "test"), n, (seed, seed + 1, seed + 2)):
        X, y = make_signal(size, seed=s, effect=0.1)
        parts[split] = Bunch(data=X, target=y, posterior=np.clip(0.1 + 0.8 * y, 0, 1))
    return Bunch(**parts, epigenome=f"E{seed:03d}")


def test_the_cnn_early_stops_on_the_validation_split():
    epi = _epigenome(0)
    model = small_models()["deepchrome"]
    fit_with_validation(model, epi.train.data, epi.train.target, epi.valid.data,
                        epi.valid.target)
    first_epoch = model[-1].history_[0]
    assert sum(b["valid_batch_size"] for b in first_epoch["batches"]
               if "valid_batch_size" in b) == len(epi.valid.target)
    assert sum(b["train_batch_size"] for b in first_epoch["batches"]
               if "train_batch_size" in b) == len(epi.train.target)


def test_paper_protocol_over_a_collection():
    collection = {f"E00{i}": (lambda i=i: _epigenome(10 * i)) for i in range(1, 4)}
    result = paper_protocol(collection, models=small_models(), random_state=0, verbose=0)
    assert result.unit == "epigenome"
    assert set(result.table["epigenome"]) == {"E001", "E002", "E003"}
    tests = result.tests.query("metric == 'roc_auc'")
    assert set(tests["model"]) == {"logistic", "gradient_boosting"}
    assert tests["test"].str.contains("Wilcoxon").all()
    summary = result.summary
    assert {"roc_auc_mean", "roc_auc_median", "wins", "rank"} <= set(summary.columns)
    assert summary.loc["ceiling", "roc_auc_mean"] == pytest.approx(
        result.table.query("model == 'ceiling' and metric == 'roc_auc'")["value"].mean())
    again = paper_protocol(collection, models=small_models(), random_state=0, verbose=0,
                           n_jobs=2)
    np.testing.assert_allclose(result.table["value"], again.table["value"])


def test_paper_protocol_on_one_epigenome_uses_a_bootstrap(tmp_path):
    result = paper_protocol(_epigenome(7), models=small_models(), random_state=0, verbose=0)
    assert result.tests["test"].str.contains("bootstrap").all()
    written = result.save(tmp_path / "report")
    names = {p.name for p in written.values()}
    assert names == {"results.csv", "summary.csv", "tests.csv", "predictions.csv.gz",
                     "report.json", "report.md", "report.html", "roc_curves.png",
                     "roc_auc_by_model.png"}
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    assert report["unit"] == "epigenome" and report["summary"][0]["model"] == "ceiling"
    # The report names models as the pictures do (one label everywhere, issue 22).
    assert "| DeepChrome CNN |" in (tmp_path / "report" / "report.md").read_text()
    for png in ("roc_curves.png", "roc_auc_by_model.png"):
        assert (tmp_path / "report" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list((tmp_path / "report").glob(".*tmp"))


def test_protocol_rejects_a_missing_split():
    epi = _epigenome(1)
    del epi["valid"]
    with pytest.raises(ValueError, match="lacks the split.*valid"):
        paper_protocol({"E001": epi}, models=["logistic"], reference="logistic", verbose=0)


def test_dask_cluster_gives_the_local_table(data):
    distributed = pytest.importorskip("distributed")
    X, y, _ = data
    models = ["logistic", "gradient_boosting"]
    local = compare_models(X, y, models=models, cv=3, random_state=3, reference="logistic",
                           verbose=0)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        remote = compare_models(X, y, models=models, cv=3, random_state=3,
                                reference="logistic", scheduler=cluster.scheduler_address,
                                verbose=0)
    cols = ["model", "fold", "metric", "value"]
    pd.testing.assert_frame_equal(local.table[cols], remote.table[cols])


SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "deepchrome_toy"


def test_cli_on_simulated_data_and_an_npz(tmp_path, capsys):
    from skdeepchrome.cli import main
    from skdeepchrome.datasets import save_npz_dataset

    out = tmp_path / "sim"
    assert main(["compare", "--split-sizes", "150,80,80", "--cell-types", "blood,fibroblast",
                 "--models", "logistic,gradient_boosting", "--out", str(out), "--seed", "1"]
                ) == 0
    printed = capsys.readouterr().out
    assert "ceiling" in printed and "logistic" in printed
    summary = pd.read_csv(out / "summary.csv", index_col=0)
    assert summary.loc["ceiling", "roc_auc_mean"] >= summary["roc_auc_mean"].drop("ceiling").max()
    X, y = make_signal(120)
    save_npz_dataset(tmp_path / "d.npz", X, gene_ids=[f"g{i}" for i in range(120)],
                     marks=("H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"), target=y)
    assert main(["compare", "--data", str(tmp_path / "d.npz"), "--cv", "3", "--models",
                 "logistic", "--out", str(tmp_path / "cv"), "--quiet", "--no-plots"]) == 0
    assert pd.read_csv(tmp_path / "cv" / "results.csv")["fold"].nunique() == 3
    assert main(["compare", "--data", str(tmp_path / "missing.npz"), "--quiet"]) == 2
    assert "missing.npz" in capsys.readouterr().err


@pytest.mark.skipif(not SHARED.exists(), reason="shared toy REMC data not present")
def test_cli_on_the_toy_remc_epigenome(tmp_path):
    from skdeepchrome.cli import main

    assert main(["compare", "--data", str(SHARED), "--models", "logistic,random_forest",
                 "--out", str(tmp_path), "--quiet", "--no-plots"]) == 0
    results = pd.read_csv(tmp_path / "results.csv")
    assert set(results["model"]) == {"logistic", "random_forest"}
    assert results["epigenome"].nunique() == 1


def test_cli_without_matplotlib_fails_before_any_work(tmp_path, monkeypatch, capsys):
    import sys

    from skdeepchrome.cli import main

    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out = tmp_path / "report"
    assert main(["compare", "--split-sizes", "60,30,30", "--models", "logistic", "--out", str(out),
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    # The install that fits a clone (the package is installed from one, not an index).
    assert 'pip install -e ".[plot]"' in err and "--no-plots" in err
    assert not out.exists()
    assert main(["compare", "--split-sizes", "60,30,30", "--cell-types", "blood", "--models",
                 "logistic", "--out", str(out), "--quiet", "--no-plots"]) == 0
    assert (out / "summary.csv").exists() and not (out / "roc_curves.png").exists()
