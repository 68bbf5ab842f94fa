"""``skdeepchrome compare`` on the Roadmap sample shipped with the package."""

from types import SimpleNamespace

import pandas as pd
import pytest

from skdeepchrome.cli import main
from skdeepchrome.cli._report import wide_table


def test_compare_on_the_roadmap_sample(tmp_path, capsys):
    out = tmp_path / "real"
    assert main(["compare", "--data", "roadmap-sample", "--models", "logistic,svm", "--out",
                 str(out), "--no-plots", "--n-jobs", "1", "--seed", "0"]) == 0
    printed = capsys.readouterr().out
    assert "Real data, roadmap-sample" in printed and "E003" in printed and "E123" in printed
    results = pd.read_csv(out / "results.csv")
    auc = results[results["metric"] == "roc_auc"].set_index(["model", "epigenome"])["value"]
    # Logistic regression on log counts: about 0.80 (E003) and 0.96 (E123) on the given split.
    assert auc["logistic", "E003"] > 0.7 and auc["logistic", "E123"] > 0.88
    tests = pd.read_csv(out / "tests.csv")
    # Without the CNN the first model named is the reference, tested within each epigenome.
    assert set(tests["reference"]) == {"logistic"} and set(tests["model"]) == {"svm"}
    assert set(tests["epigenome"]) == {"E003", "E123"}
    # Two tests (one per epigenome): each printed line gives its adjusted p beside the raw.
    assert printed.count("(Benjamini-Hochberg ") == 2


def test_roadmap_sample_tests_are_per_epigenome_and_window_is_checked(tmp_path, capsys):
    out = tmp_path / "real"
    assert main(["compare", "--data", "roadmap-sample", "--models", "logistic,random_forest",
                 "--window=-10000,10000", "--out", str(out), "--no-plots", "--n-jobs", "1",
                 "--quiet"]) == 0
    report = pd.read_json(out / "report.json", typ="series")
    assert report["info"]["window"] == [-10000, 10000]
    assert main(["compare", "--data", "roadmap-sample", "--window", "abc", "--out",
                 str(out), "--quiet"]) == 2
    assert "--window expects START,END" in capsys.readouterr().err
    npz = tmp_path / "x.npz"
    npz.write_bytes(b"")
    assert main(["compare", "--data", str(npz), "--window", "5000", "--out", str(out),
                 "--quiet"]) == 2
    assert "--window applies to --data roadmap-sample" in capsys.readouterr().err


def test_per_epigenome_tests_with_the_reference():
    from skdeepchrome.compare import compare_roadmap_sample

    result = compare_roadmap_sample(["logistic", "svm"], reference="logistic", verbose=0,
                                    n_jobs=1)
    assert result.tests["epigenome"].tolist() == ["E003", "E123"]
    assert result.tests["model"].tolist() == ["svm", "svm"]
    assert result.tests["test"].str.contains("paired bootstrap").all()
    assert result.tests["p_value"].between(0, 1).all()


def test_main_job_reports_the_real_sample_apart(tmp_path, capsys):
    out = tmp_path / "main"
    assert main(["compare", "--split-sizes", "60,30,30", "--cell-types", "blood", "--models",
                 "logistic", "--out", str(out), "--no-plots", "--n-jobs", "1"]) == 0
    printed = capsys.readouterr().out
    assert printed.index("ceiling") < printed.index("Real data, roadmap-sample")
    simulated = pd.read_csv(out / "results.csv")
    real = pd.read_csv(out / "roadmap-sample" / "results.csv")
    assert set(simulated["epigenome"]) == {"blood"}  # never pooled
    assert set(real["epigenome"]) == {"E003", "E123"} and "ceiling" not in set(real["model"])
    # The sub-report says how it was made: the main job's command, seed and its own data.
    made = (out / "roadmap-sample" / "report.md").read_text().split(
        "How this report was made")[1]
    assert "Command: `skdeepchrome compare --split-sizes 60,30,30" in made
    assert "Seed: 0" in made and "Data: roadmap-sample (part of the main job" in made
    assert main(["compare", "--split-sizes", "60,30,30", "--cell-types", "blood", "--models",
                 "logistic", "--out", str(tmp_path / "sim-only"), "--no-plots", "--quiet",
                 "--no-real-sample"]) == 0
    assert not (tmp_path / "sim-only" / "roadmap-sample").exists()


@pytest.mark.parametrize("task", ["regression"])
def test_main_job_real_sample_regression(tmp_path, task):
    out = tmp_path / "reg"
    assert main(["compare", "--task", task, "--data", "roadmap-sample", "--models", "ridge",
                 "--out", str(out), "--no-plots", "--quiet", "--n-jobs", "1"]) == 0
    results = pd.read_csv(out / "results.csv")
    r2 = results[results["metric"] == "r2"].set_index("epigenome")["value"]
    assert (r2 > 0.2).all()


def test_a_folder_named_roadmap_sample_wins(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "roadmap-sample").mkdir()
    assert main(["compare", "--data", "roadmap-sample", "--quiet", "--no-plots"]) == 2
    assert "neither an epigenome folder" in capsys.readouterr().err


def test_the_cli_spells_the_sample_as_the_library_does():
    from skdeepchrome.cli import _roadmap_sample
    from skdeepchrome.compare._roadmap_sample import SAMPLE_NAME

    assert _roadmap_sample.SAMPLE_NAME == SAMPLE_NAME


def test_the_per_epigenome_table_rounds_as_the_published_table_does():
    # 0.9625 is stored as 0.96250000000000002: both terminal tables print 0.963.
    table = pd.DataFrame({"model": ["logistic", "logistic"], "epigenome": ["E003", "E123"],
                          "metric": "roc_auc", "value": [0.8004, 0.9625]})
    text = wide_table(SimpleNamespace(table=table), "roc_auc", "epigenome")
    assert "0.963" in text and "0.962" not in text and "0.800" in text
