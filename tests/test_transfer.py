"""The transfer protocol: fit on source epigenome(s), score on a target epigenome."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skdeepchrome import DeepChromeClassifier, HistoneBinner
from skdeepchrome.cli import main
from skdeepchrome.compare import transfer_protocol, within_name
from skdeepchrome.datasets import simulate_epigenome


@pytest.fixture(scope="module")
def three():
    """Three small simulated epigenomes, several-fold apart in sequencing depth."""
    n = (120, 40, 120)
    return {"fib": simulate_epigenome("fibroblast", n, random_state=0),
            "blood": simulate_epigenome("blood", n, random_state=1, depth_factor=3),
            "es": simulate_epigenome("embryonic_stem", n, random_state=2, depth_factor=5)}


def test_one_pair_has_transfer_within_and_ceiling_rows(three):
    result = transfer_protocol(three, "fib", "blood", ["logistic", "gradient_boosting"],
                               features="marks", random_state=0, verbose=0)
    auc = result.table[result.table["metric"] == "roc_auc"]
    assert set(auc["pair"]) == {"fib -> blood"}
    assert set(auc["model"]) == {"logistic", "gradient_boosting", within_name("logistic"),
                                 within_name("gradient_boosting"), "ceiling"}
    assert auc["value"].between(0.5, 1).all()
    # The reference defaults to the first model when deepchrome is not run; it is tested
    # against every other row of the pair, the ceiling excepted.
    assert result.reference == "logistic"
    assert set(result.tests["model"]) == {"gradient_boosting", within_name("logistic"),
                                          within_name("gradient_boosting")}
    assert result.tests["p_value"].between(0, 1).all()
    assert result.unit == "pair" and result.info["normalize"] == "median_of_ratios"


def test_pooled_and_leave_one_out_sources(three):
    result = transfer_protocol(three, ["fib+es", "all-but-target"], "blood", ["logistic"],
                               features="marks", within=False, random_state=0, verbose=0)
    assert result.info["pairs"] == ["fib+es -> blood", "all-but-target -> blood"]
    assert result.info["sources"]["all-but-target -> blood"] == ["fib", "es"]
    # The two name the same source genes: the same fit, the same AUC.
    auc = result.table.query("metric == 'roc_auc' and model == 'logistic'")["value"]
    assert auc.iloc[0] == pytest.approx(auc.iloc[1])


def test_several_pairs_give_a_matrix_and_a_heatmap(three, tmp_path):
    result = transfer_protocol(three, ["fib", "blood"], ["fib", "blood"], ["logistic"],
                               features="marks", random_state=0, verbose=0)
    matrix = result.matrix()
    assert list(matrix.index) == ["fib", "blood"] and list(matrix.columns) == ["blood", "fib"]
    within = result.table.query("model == 'logistic (within target)' and metric == 'roc_auc'")
    assert matrix.loc["fib", "fib"] == within.query("target == 'fib'")["value"].iloc[0]
    written = result.save(tmp_path)
    assert "transfer_matrix.png" in written
    report = json.loads((tmp_path / "report.json").read_text())
    rows = [r for r in report["results"] if r["metric"] == "roc_auc"]
    assert {(r["model"], r["pair"]) for r in rows} >= {("logistic", "fib -> blood"),
                                                      ("logistic", "blood -> fib")}


def test_fine_tuning_refits_baselines_and_continues_networks(three):
    cnn = make_pipeline(HistoneBinner(scale="log1p"),
                        DeepChromeClassifier(n_filters=4, hidden_sizes=(8,), max_epochs=3,
                                             batch_size=32, random_state=0))
    models = {"deepchrome": cnn,
              "logistic": make_pipeline(HistoneBinner(n_bins=1, statistic="mean",
                                                      scale="log1p"), LogisticRegression())}
    plain = transfer_protocol(three, "fib", "es", models, within=False, random_state=0,
                              verbose=0)
    tuned = transfer_protocol(three, "fib", "es", models, fine_tune=60, within=False,
                              random_state=0, verbose=0)
    assert set(tuned.table["fine_tune"]) == {60}
    for model in ("deepchrome", "logistic"):
        a = plain.predictions.loc[plain.predictions["model"] == model, "score"].to_numpy()
        b = tuned.predictions.loc[tuned.predictions["model"] == model, "score"].to_numpy()
        assert not np.allclose(a, b)


def test_bad_requests_are_named(three):
    common = dict(models=["logistic"], features="marks", verbose=0)
    with pytest.raises(ValueError, match=r"target epigenome\(s\) \['E003'\] not in the data"):
        transfer_protocol(three, "fib", "E003", **common)
    with pytest.raises(ValueError, match="source and target are the same epigenome"):
        transfer_protocol(three, "fib", "fib", **common)
    with pytest.raises(ValueError, match=r"source epigenome\(s\) \['nope'\]"):
        transfer_protocol(three, "nope", "fib", **common)
    with pytest.raises(ValueError, match="includes the target"):
        transfer_protocol(three, "fib+blood", "fib", **common)
    with pytest.raises(ValueError, match="fine_tune=500 asks for more target genes than the "
                                         "120"):
        transfer_protocol(three, "fib", "blood", fine_tune=500, **common)
    with pytest.raises(ValueError, match="normalize must be None or one of"):
        transfer_protocol(three, "fib", "blood", normalize="cpm", **common)
    with pytest.raises(ValueError, match="at least two epigenomes"):
        transfer_protocol({"fib": three["fib"]}, "fib", "fib", **common)


def test_normalisation_improves_transfer_across_depths():
    # The same preset at 1x and 4x depth: a tree model on per-mark levels learns thresholds
    # in counts, which a 4x deeper target crosses everywhere; on one scale they hold again.
    n = (400, 100, 500)
    epigenomes = {"shallow": simulate_epigenome("fibroblast", n, random_state=0),
                  "deep": simulate_epigenome("fibroblast", n, random_state=10,
                                             depth_factor=4)}
    auc = {}
    for method in (None, "median_of_ratios"):
        result = transfer_protocol(epigenomes, "shallow", "deep", ["gradient_boosting"],
                                   normalize=method, features="marks", within=False,
                                   random_state=0, verbose=0)
        auc[method] = result.table.query(
            "model == 'gradient_boosting' and metric == 'roc_auc'")["value"].iloc[0]
    assert auc["median_of_ratios"] > auc[None] + 0.05


def test_cli_on_the_roadmap_sample(tmp_path, capsys):
    out = tmp_path / "transfer"
    assert main(["transfer", "--data", "roadmap-sample", "--source", "E123,E003", "--target",
                 "E003,E123", "--models", "logistic", "--out", str(out), "--seed", "0"]) == 0
    printed = capsys.readouterr().out
    assert "E123 -> E003" in printed and "E003 -> E123" in printed
    report = json.loads((out / "report.json").read_text())
    auc = pd.DataFrame(report["results"]).query("metric == 'roc_auc'").set_index(
        ["model", "pair"])["value"]
    # Logistic regression transfers between H1 and K562 nearly as well as within: about
    # 0.82 (E123 -> E003) and 0.95 (E003 -> E123).
    assert auc["logistic", "E123 -> E003"] > 0.7 and auc["logistic", "E003 -> E123"] > 0.88
    assert (out / "transfer_matrix.png").is_file() and (out / "report.html").is_file()


def test_cli_errors_are_one_line(tmp_path, capsys):
    out = str(tmp_path / "x")
    assert main(["transfer", "--data", "roadmap-sample", "--source", "E003", "--target",
                 "E003", "--models", "logistic", "--out", out]) == 2
    assert "nothing to transfer" in capsys.readouterr().err
    assert main(["transfer", "--data", "roadmap-sample", "--source", "E123", "--target",
                 "E003", "--fine-tune", "201", "--models", "logistic", "--out", out]) == 2
    assert "more target genes than the 200" in capsys.readouterr().err
    assert main(["transfer", "--data", "roadmap-sample", "--source", "E123", "--target",
                 "E003", "--depths", "1,2", "--out", out]) == 2
    assert "applies only with --data simulated" in capsys.readouterr().err


def test_cli_on_simulated_presets_at_several_depths(tmp_path):
    out = tmp_path / "sim"
    assert main(["transfer", "--data", "simulated", "--cell-types", "fibroblast,blood",
                 "--depths", "1,4", "--split-sizes", "100,40,100", "--source", "all-but-target",
                 "--target", "fibroblast,blood", "--models", "logistic", "--features",
                 "marks", "--no-plots", "--quiet", "--out", str(out)]) == 0
    results = pd.read_csv(out / "results.csv")
    assert set(results["pair"]) == {"all-but-target -> fibroblast",
                                    "all-but-target -> blood"}
    assert "ceiling" in set(results["model"])
