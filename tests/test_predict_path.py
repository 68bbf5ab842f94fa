"""The predict path: what a cold ``skdeepchrome predict`` imports and builds, and streaming."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from skdeepchrome import DeepChromeClassifier, load_model, save_model
from skdeepchrome.datasets import save_npz_dataset
from skdeepchrome.layout import REMC_MARKS

from .conftest import make_signal

ROOT = Path(__file__).resolve().parents[1]
TINY = dict(marks=list(REMC_MARKS), bin_size=100, n_filters=4, hidden_sizes=(8,), max_epochs=2,
            random_state=0)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A fitted two-member network saved as a model file, and 80 genes in an npz."""
    folder = tmp_path_factory.mktemp("predict")
    X, y = make_signal(n_genes=80, n_bins=100)
    model = DeepChromeClassifier(n_members=2, **TINY).fit(X, y)
    data = save_npz_dataset(folder / "genes.npz", X, gene_ids=[f"G{i}" for i in range(80)],
                            marks=REMC_MARKS, target=y)
    return model, save_model(model, folder / "model.skdc"), data, X, y


def _after_predict(model, data, out):
    """The modules a fresh process holds after ``skdeepchrome predict``, and the number of
    objects its start-up froze out of the garbage collector's walks."""
    probe = (  # main() reading sys.argv, as the program does
        "import gc, sys\nfrom skdeepchrome.cli import main\n"
        f"sys.argv = ['skdeepchrome', 'predict', '--model', {str(model)!r}, '--data', "
        f"{str(data)!r}, '--out', {str(out)!r}, '--quiet']\nassert main() == 0\n"
        "print('frozen:', gc.get_freeze_count(), gc.isenabled())\n"
        "print('loaded:' + ','.join(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""}, check=True)
    frozen, loaded = done.stdout.rsplit("loaded:", 1)
    return set(loaded.strip().split(",")), frozen.split()[1:]


#: Not needed to predict with a network: plots, reports, the comparison; the skops reader
#: of the baselines' files and the checks of scikit-learn's compiled models that follow it
#: (sklearn.ensemble, .svm and .tree: a tenth of a second); torch's compiler (which its
#: first optimizer imports: ~1.5 s).
NOT_NEEDED = ("matplotlib", "skops", "torch._dynamo", "sympy", "sklearn.ensemble",
              "sklearn.svm", "sklearn.tree", "skdeepchrome.model_files._checks",
              "skdeepchrome.plotting", "skdeepchrome.report", "skdeepchrome.compare",
              "skdeepchrome.interpret", "skdeepchrome.baselines")


def test_a_cold_predict_imports_only_what_predicting_needs(saved, tmp_path):
    _, model, data, _, _ = saved
    loaded, (frozen, collecting) = _after_predict(model, data, tmp_path / "p.csv")
    assert (tmp_path / "p.csv").is_file()
    assert {"torch", "skdeepchrome.model_files"} <= loaded  # the probe did predict
    assert sorted(loaded & set(NOT_NEEDED)) == []
    # The imports ran with the collector paused, and what they made is frozen out of its
    # walks (torch, scikit-learn and pandas alone are several hundred thousand objects).
    assert int(frozen) > 100_000 and collecting == "True"


def test_predict_called_from_python_leaves_the_collector_as_it_was(saved, tmp_path):
    import gc

    from skdeepchrome.cli import main

    assert gc.get_freeze_count() == 0 and gc.isenabled()
    assert main(["predict", "--model", str(saved[1]), "--data", str(saved[2]), "--out",
                 str(tmp_path / "p.csv"), "--quiet"]) == 0
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_a_loaded_network_has_no_optimizer_and_still_trains(saved):
    fitted, path, _, X, y = saved
    loaded = load_model(path)
    assert loaded.net_.optimizer_ is None and loaded.net_.initialized_
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    before = loaded.predict_proba(X)
    # partial_fit and a warm fit build the optimizer they need, then train.
    loaded.partial_fit(X, y)
    assert loaded.net_.optimizer_ is not None
    assert not np.array_equal(loaded.predict_proba(X), before)
    again = load_model(path).set_params(warm_start=True, max_epochs=1)
    again.fit(X, y)
    assert not np.array_equal(again.predict_proba(X), before)
    # A cold refit starts over, as it does for the model that was saved.
    refit = load_model(path).fit(X, y)
    np.testing.assert_array_equal(refit.predict_proba(X),
                                  DeepChromeClassifier(n_members=2, **TINY).fit(
                                      X, y).predict_proba(X))


def test_weights_are_stored_uncompressed_and_the_description_deflated(saved, tmp_path):
    import zipfile

    _, _, _, X, y = saved
    network = DeepChromeClassifier(marks=list(REMC_MARKS), bin_size=100, max_epochs=1,
                                   random_state=0).fit(X, y)  # the paper's sizes
    path = save_model(network, tmp_path / "paper.skdc")
    np.testing.assert_array_equal(load_model(path).predict_proba(X), network.predict_proba(X))
    with zipfile.ZipFile(path) as archive:
        kinds = {info.filename: (info.compress_type, info.file_size)
                 for info in archive.infolist()}
    # Inflating float32 weights (they deflate by ~8%) costs more at each load than it saves.
    big = [name for name, (_, size) in kinds.items() if size > 2**16]
    assert big and all(kinds[name][0] == zipfile.ZIP_STORED for name in big)
    assert kinds["skdeepchrome-model.json"][0] == zipfile.ZIP_DEFLATED


# -- streaming -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def csv_file(saved, tmp_path_factory):
    from skdeepchrome.datasets import save_deepchrome_csv

    _, _, _, X, y = saved
    path = tmp_path_factory.mktemp("csv") / "genes.csv"
    return save_deepchrome_csv(path, X, y, [f"{i:06d}" for i in range(80)])


def _concatenated(chunks):
    chunks = list(chunks)
    return (np.concatenate([c.data for c in chunks]),
            np.concatenate([c.gene_ids for c in chunks]), [len(c.gene_ids) for c in chunks])


@pytest.mark.parametrize("kind", ["npz", "csv", "csv.gz"])
def test_chunks_are_the_loaded_dataset(saved, csv_file, kind, tmp_path):
    import gzip
    import shutil

    from skdeepchrome.datasets import iter_gene_chunks, load_dataset

    path = saved[2] if kind == "npz" else csv_file
    if kind == "csv.gz":
        path = tmp_path / "genes.csv.gz"
        with open(csv_file, "rb") as source, gzip.open(path, "wb") as target:
            shutil.copyfileobj(source, target)
    whole = load_dataset(path)
    data, ids, sizes = _concatenated(iter_gene_chunks(path, chunk_size=30))
    assert sizes == [30, 30, 20]
    np.testing.assert_array_equal(data, whole.data)
    np.testing.assert_array_equal(ids, whole.gene_ids)
    assert data.dtype == np.float32


def test_a_csv_out_of_the_release_order_is_read_whole_to_the_same_genes(csv_file, tmp_path):
    from skdeepchrome.datasets import iter_gene_chunks, load_dataset

    lines = csv_file.read_text().splitlines(keepends=True)
    # The last gene's bins reversed: legal, but not the streamed layout.
    shuffled = tmp_path / "shuffled.csv"
    shuffled.write_text("".join(lines[:-100] + lines[-100:][::-1]))
    data, ids, _ = _concatenated(iter_gene_chunks(shuffled, chunk_size=30))
    whole = load_dataset(shuffled)
    np.testing.assert_array_equal(data, whole.data)
    np.testing.assert_array_equal(ids, whole.gene_ids)


@pytest.mark.parametrize("damage, message", [
    (lambda lines: lines[:-1] + ["000079,100,1,x,0,0,0,1\n"], "line 8000"),
    (lambda lines: lines + lines[:100], "000000"),
], ids=["bad cell in the last chunk", "a gene id twice"])
def test_damage_after_the_first_chunks_is_the_loaders_error_and_leaves_no_file(
        saved, csv_file, tmp_path, damage, message, capsys):
    from skdeepchrome.cli import main

    bad = tmp_path / "bad.csv"
    bad.write_text("".join(damage(csv_file.read_text().splitlines(keepends=True))))
    out = tmp_path / "p.csv"
    with pytest.raises(ValueError, match=message):
        from skdeepchrome.datasets import load_dataset

        load_dataset(bad)
    assert main(["predict", "--model", str(saved[1]), "--data", str(bad), "--out", str(out),
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


@pytest.mark.parametrize("kind", ["npz", "csv"])
def test_cli_predict_streams_and_writes_what_a_whole_prediction_gives(
        saved, csv_file, kind, tmp_path, monkeypatch):
    import pandas as pd

    from skdeepchrome import datasets
    from skdeepchrome.cli import _data, main

    model_path, data = saved[1], saved[2] if kind == "npz" else csv_file
    whole = datasets.load_dataset(data)
    expected = load_model(model_path).predict_proba(whole.data)[:, 1]
    seen = []
    real = DeepChromeClassifier.predict_proba
    monkeypatch.setattr(DeepChromeClassifier, "predict_proba",
                        lambda self, X: seen.append(len(X)) or real(self, X))
    monkeypatch.setattr(datasets, "CHUNK_GENES", 32)

    def never(*args, **kwargs):
        raise AssertionError("the data were read whole")

    monkeypatch.setattr(_data, "read_data", never)
    monkeypatch.setattr(datasets, "load_dataset", never)
    out = tmp_path / "p.csv"
    assert main(["predict", "--model", str(model_path), "--data", str(data), "--out",
                 str(out), "--quiet"]) == 0
    assert seen == [32, 48]  # two chunks, the short last one joined to the one before
    table = pd.read_csv(out, dtype={"gene_id": str})
    assert table.gene_id.tolist() == whole.gene_ids.tolist()
    np.testing.assert_allclose(table.probability_high, expected, rtol=0, atol=1e-6)


def test_an_estimator_validates_a_batch_at_a_time(saved, monkeypatch):
    from skdeepchrome.estimators import _base

    fitted, _, _, X, _ = saved
    expected = fitted.predict_proba(X)
    sizes = []
    real = _base.TorchHistoneEstimator._validate_X
    monkeypatch.setattr(_base.TorchHistoneEstimator, "_validate_X",
                        lambda self, X, reset: sizes.append(len(X)) or real(self, X, reset=reset))
    monkeypatch.setattr(_base, "PREDICT_BATCH_SIZE", 32)
    got = fitted.predict_proba(X.astype(np.float64))  # a float32 copy is made per batch
    assert sizes == [32, 32, 16]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)
    bad = X.copy()
    bad[70, 3] = np.nan  # in the last batch
    with pytest.raises(ValueError, match="Input X contains NaN"):
        fitted.predict_proba(bad)


def test_a_predict_killed_while_writing_leaves_no_output(saved, tmp_path):
    import os
    import signal
    import time

    X, y = make_signal(n_genes=20000, n_bins=100, seed=1)
    data = save_npz_dataset(tmp_path / "many.npz", X, gene_ids=[f"G{i}" for i in range(20000)],
                            marks=REMC_MARKS, target=y)
    out = tmp_path / "p.csv"
    process = subprocess.Popen(
        [sys.executable, "-m", "skdeepchrome", "predict", "--model", str(saved[1]), "--data",
         str(data), "--out", str(out), "--quiet"],
        cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "", "OMP_NUM_THREADS": "1"})
    deadline = time.monotonic() + 120
    # The partial file exists from the first chunk on: kill the process while it writes.
    while not list(tmp_path.glob(".p.csv.*.part")) and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL, "predict finished before it could be killed"
    assert not out.exists()


def test_predict_says_when_the_data_are_not_what_the_model_was_trained_for(tmp_path, capsys):
    # Marks in another order give numbers that mean nothing: said on stderr, as interpret does.
    from skdeepchrome.cli import main

    rng = np.random.default_rng(0)
    X = rng.poisson(1.0, (80, 2 * 10)).astype(np.float32)
    y = np.arange(80) % 2
    X[y == 1, :10] += 3
    genes = [f"g{i}" for i in range(80)]
    trained, other = tmp_path / "trained.npz", tmp_path / "other.npz"
    save_npz_dataset(trained, X, gene_ids=genes, marks=["H3K4me3", "H3K27me3"], target=y,
                     bin_size=1000)
    save_npz_dataset(other, X, gene_ids=genes, marks=["H3K27me3", "H3K4me3"], bin_size=1000)
    model = tmp_path / "m.skdc"
    assert main(["train", "--data", str(trained), "--model", "logistic", "--out", str(model),
                 "--quiet"]) == 0
    capsys.readouterr()
    assert main(["predict", "--model", str(model), "--data", str(trained), "--out",
                 str(tmp_path / "same.csv"), "--quiet"]) == 0
    assert "not trained for" not in capsys.readouterr().err
    assert main(["predict", "--model", str(model), "--data", str(other), "--out",
                 str(tmp_path / "other.csv"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "predicts data it was not trained for" in err
    assert "the model reads marks H3K4me3, H3K27me3, the data hold H3K27me3, H3K4me3" in err
