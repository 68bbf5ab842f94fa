"""``skdeepchrome interpret``: pictures and tables for a model it trains or loads."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

from skdeepchrome import REMC_MARKS, HistoneBinner, save_model
from skdeepchrome.cli import main
from skdeepchrome.datasets import make_histone_dataset, save_npz_dataset
from skdeepchrome.estimators import torch_threads

TOY = Path(__file__).resolve().parents[2] / "shared" / "data" / "deepchrome_toy"
QUICK = ["--fast", "--ig-steps", "8", "--repeats", "2", "--quiet"]
GRADIENT_FILES = {"class_optimal_inputs.csv", "class_optimal_inputs.png",
                  "attributions_by_position.csv", "attributions.png", "mark_attribution.csv"}
REPORT_FILES = {"report.md", "report.html", ".skdeepchrome-files"}
ANY_MODEL_FILES = {"mark_importance.csv", "mark_importance.png", "mark_profiles.csv",
                   "mark_profiles.png"}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    # Small fits: extra BLAS/torch threads only wait on each other on a shared CPU.
    with threadpool_limits(1), torch_threads(1):
        yield


@pytest.fixture(scope="module")
def simulated_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("interpret")
    code = main(["interpret", "--out", str(out), "--split-sizes", "400,200", "--seed", "1", *QUICK])
    return code, out


def test_simulated_run_writes_pictures_and_tables(simulated_run):
    code, out = simulated_run
    assert code == 0
    assert {p.name for p in out.iterdir()} == GRADIENT_FILES | ANY_MODEL_FILES | REPORT_FILES | {
        "model.skdc"}
    optimal = pd.read_csv(out / "class_optimal_inputs.csv")
    assert optimal["target_class"].drop_duplicates().tolist() == [1, 0]  # high first
    assert len(optimal) == 2 * 5 * 100 and (optimal["value"] >= 0).all()
    assert optimal["position_kb"].min() == pytest.approx(-4.95)
    importance = pd.read_csv(out / "mark_importance.csv")
    assert sorted(importance["mark"]) == sorted(REMC_MARKS)
    assert importance["importance"].is_monotonic_decreasing
    assert (importance["n_repeats"] == 2).all()
    by_position = pd.read_csv(out / "attributions_by_position.csv")
    assert list(by_position.columns) == ["class", "mark", "bin", "position_kb", "attribution"]
    assert len(by_position) == 2 * 5 * 100
    profiles = pd.read_csv(out / "mark_profiles.csv")
    assert profiles["n_genes"].groupby(profiles["class"]).first().sum() == 200
    for png in out.glob("*.png"):
        assert png.read_bytes()[:4] == b"\x89PNG"


def test_loaded_model_on_an_npz_dataset(simulated_run, tmp_path):
    _, trained = simulated_run
    ds = make_histone_dataset(120, random_state=5)
    path = save_npz_dataset(tmp_path / "sim.npz", ds.data, gene_ids=ds.gene_ids,
                            marks=ds.marks, target=ds.target)
    out = tmp_path / "out"
    code = main(["interpret", "--data", str(path), "--model", str(trained / "model.skdc"),
                 "--out", str(out), "--no-plots", *QUICK])
    assert code == 0
    names = {p.name for p in out.iterdir()}
    assert names == {n for n in GRADIENT_FILES | ANY_MODEL_FILES if n.endswith(".csv")
                     } | REPORT_FILES
    profiles = pd.read_csv(out / "mark_profiles.csv")
    assert profiles["n_genes"].groupby(profiles["class"]).first().sum() == 30  # 25 % held out


def test_a_model_without_gradients_gets_what_applies(tmp_path, capsys):
    ds = make_histone_dataset(120, random_state=6)
    forest = make_pipeline(HistoneBinner(n_bins=10, scale="log1p"),
                           RandomForestClassifier(n_estimators=10, random_state=0))
    save_model(forest.fit(ds.data, ds.target), tmp_path / "forest.skdc")
    path = save_npz_dataset(tmp_path / "sim.npz", ds.data, gene_ids=ds.gene_ids,
                            marks=ds.marks, target=ds.target)
    out = tmp_path / "out"
    code = main(["interpret", "--data", str(path), "--model", str(tmp_path / "forest.skdc"),
                 "--out", str(out), "--repeats", "2"])
    assert code == 0
    assert {p.name for p in out.iterdir()} == ANY_MODEL_FILES | REPORT_FILES
    assert "no gradient-based pictures" in capsys.readouterr().out


@pytest.mark.skipif(not TOY.is_dir(), reason="shared toy REMC data not available")
@pytest.mark.filterwarnings("ignore:.*too few.*:UserWarning")  # 10 genes: no early stopping
def test_toy_epigenome_folder(tmp_path):
    out = tmp_path / "toy"
    code = main(["interpret", "--data", str(TOY), "--out", str(out), *QUICK])
    assert code == 0
    profiles = pd.read_csv(out / "mark_profiles.csv")
    assert profiles["n_genes"].groupby(profiles["class"]).first().sum() == 9  # the test split
    assert np.isfinite(pd.read_csv(out / "attributions_by_position.csv")["attribution"]).all()


@pytest.mark.parametrize("argv, message", [
    (["--data", "/nonexistent/data.npz"], "no such file"),
    (["--split-sizes", "100"], "--split-sizes must be two positive counts"),
    (["--model", "/nonexistent/model.skdc"], "no such model file"),
    # compare's spelling is accepted, for one cell type.
    (["--cell-types", "blood,liver"], "interpret explains one simulated cell type"),
    (["--cell-types", "no_such_preset", "--split-sizes", "40,20"], "no_such_preset"),
])
def test_bad_input_is_one_clear_line(tmp_path, capsys, argv, message):
    code = main(["interpret", "--out", str(tmp_path / "o"), "--quiet", *argv])
    assert code == 2
    assert message in capsys.readouterr().err


def test_interpret_never_unpickles_a_model_file(simulated_run, tmp_path, monkeypatch):
    # A model file from elsewhere must not run code: loading it reaches no unpickler.
    import pickle

    import torch

    def forbidden(*args, **kwargs):
        raise AssertionError("interpret --model must not unpickle")

    _, trained = simulated_run
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(pickle, "Unpickler", forbidden)
    monkeypatch.setattr(torch, "load", forbidden)
    ds = make_histone_dataset(80, random_state=7)
    path = save_npz_dataset(tmp_path / "sim.npz", ds.data, gene_ids=ds.gene_ids,
                            marks=ds.marks, target=ds.target)
    out = tmp_path / "out"
    assert main(["interpret", "--data", str(path), "--model", str(trained / "model.skdc"),
                 "--out", str(out), "--no-plots", *QUICK]) == 0
    assert (out / "mark_importance.csv").is_file()


def test_a_model_explained_on_simulated_genes_is_said_so(simulated_run, tmp_path, capsys):
    # A model file does not say what it was trained on: without --data interpret refuses,
    # with --data simulated it explains knowingly and says so, on stderr and in the report.
    _, trained = simulated_run
    model, out = str(trained / "model.skdc"), tmp_path / "out"
    assert main(["interpret", "--model", model, "--out", str(out), *QUICK]) == 2
    assert "needs --data" in capsys.readouterr().err
    assert main(["interpret", "--model", model, "--data", "simulated", "--split-sizes",
                 "100,60", "--out", str(out), "--no-plots", *QUICK]) == 0
    assert "explained on data it was not trained for" in capsys.readouterr().err
    assert "NOT the data the model was trained for" in (out / "report.md").read_text()


def test_the_summary_names_what_the_importance_and_attributions_show(simulated_run):
    code, out = simulated_run
    assert code == 0
    report = (out / "report.md").read_text()
    summary = report.split("## Summary")[1].split("\n## ")[0]
    top = pd.read_csv(out / "mark_importance.csv")["mark"].iloc[0]
    assert f"most important mark: {top} (" in summary
    attribution = pd.read_csv(out / "mark_attribution.csv")
    high = attribution[attribution["class"] == 1].sort_values("attribution").iloc[-1]["mark"]
    assert f"toward high, {high} pushes most" in summary
    # The class-optimal inputs are described beside the attributions: as agreeing, or
    # under Caveats, never on their own ("mostly ...").
    assert "mostly" not in report
    assert "class-optimal input for high" in report
