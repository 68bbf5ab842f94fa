"""``skdeepchrome train`` and ``skdeepchrome predict`` end to end on tiny data."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skdeepchrome import load_model
from skdeepchrome.cli import main
from skdeepchrome.datasets import load_remc, save_npz_dataset

from .conftest import make_signal

# ../shared beside the checkout, wherever it is (CI clones elsewhere); skipped without it.
TOY = Path(__file__).resolve().parents[2] / "shared" / "data" / "deepchrome_toy"
MARKS = ["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"]


@pytest.fixture(scope="module")
def npz(tmp_path_factory):
    X, y = make_signal(n_genes=60, n_bins=20)
    path = tmp_path_factory.mktemp("data") / "genes.npz"
    save_npz_dataset(path, X, gene_ids=[f"G{i}" for i in range(60)], marks=MARKS,
                     target=y, expression=np.log1p(y * 5.0 + np.arange(60) % 3))
    return path


def _train(data, out, *extra):
    return main(["train", "--data", str(data), "--out", str(out), "--max-epochs", "2",
                 "--quiet", *extra])


def _predict(model, data, out, *extra):
    return main(["predict", "--model", str(model), "--data", str(data), "--out", str(out),
                 "--quiet", *extra])


@pytest.mark.skipif(not TOY.is_dir(), reason="no ../shared/data beside the checkout")
def test_epigenome_folder_end_to_end(tmp_path):
    model, out = tmp_path / "model.skdc", tmp_path / "predictions.csv"
    assert _train(TOY, model) == 0
    assert _predict(model, TOY, out) == 0
    table = pd.read_csv(out, dtype={"gene_id": str})
    test = load_remc(TOY).test
    assert list(table.columns) == ["gene_id", "probability_high"]
    assert table.gene_id.tolist() == test.gene_ids.tolist()
    expected = load_model(model).predict_proba(test.data)[:, 1]
    np.testing.assert_array_equal(table.probability_high.to_numpy(), expected)
    assert _predict(model, TOY, tmp_path / "valid.csv", "--split", "valid") == 0
    assert len(pd.read_csv(tmp_path / "valid.csv")) == len(load_remc(TOY).valid.gene_ids)


@pytest.mark.parametrize("extra, column", [
    ((), "probability_high"),
    (("--model", "attentivechrome"), "probability_high"),
    (("--task", "regression"), "prediction"),
    (("--model", "logistic"), "probability_high"),
    (("--model", "svm"), "score_high"),
    (("--model", "ridge", "--task", "regression"), "prediction"),
], ids=["deepchrome", "attentivechrome", "regression", "logistic", "svm", "ridge"])
def test_npz_end_to_end(npz, tmp_path, extra, column):
    if "--model" in extra and extra[1] in ("logistic", "svm", "ridge"):
        pytest.importorskip("skops")
    model, out = tmp_path / "model.skdc", tmp_path / "p.csv"
    assert _train(npz, model, *extra) == 0
    assert _predict(model, npz, out) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["gene_id", column] and len(table) == 60
    assert table.gene_id.tolist() == [f"G{i}" for i in range(60)]
    assert np.isfinite(table[column]).all()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("argv, message", [
    (["train", "--model", "nonsense"], "Unknown model 'nonsense'"),
    (["train", "--model", "attentivechrome", "--task", "regression"], "classifier only"),
    (["train", "--data", "roadmap-sample"], "choose one with --epigenome"),
    (["train", "--out", "missing/model.skdc"], "does not exist"),
    (["predict", "--model", "genes.npz"], "not a skdeepchrome model file"),
], ids=["unknown-model", "wrong-task", "two-epigenomes", "no-folder", "not-a-model"])
def test_errors_are_one_line_exit_2(argv, message, npz, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(npz.parent)
    defaults = {"--data": str(npz), "--out": str(tmp_path / "out")}
    for option, value in defaults.items():
        if option not in argv:
            argv = [*argv, option, value]
    if argv[0] == "predict" and "--model" not in argv:
        argv += ["--model", "x"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and message in err and err.startswith(f"skdeepchrome {argv[0]}")


def test_baseline_without_skops_fails_before_training(npz, tmp_path, monkeypatch, capsys):
    from skdeepchrome.model_files import _skops

    def missing(purpose):
        raise ImportError(f"{purpose} needs skops: pip install 'skdeepchrome[skops]'")

    monkeypatch.setattr(_skops, "_skops_io", missing)
    monkeypatch.setattr("skdeepchrome.cli._data.read_data", None)  # never reached
    assert _train(npz, tmp_path / "m.skdc", "--model", "svm") == 2
    assert "saving --model svm needs skops" in capsys.readouterr().err
