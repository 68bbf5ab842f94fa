"""The package replaces only files it wrote: a user's files in a report folder, and the
inputs of predict, are never overwritten or deleted."""


import numpy as np
import pytest

from skdeepchrome.cli import main
from skdeepchrome.compare import compare_models
from skdeepchrome.datasets import save_npz_dataset

from .conftest import make_signal

SMALL = ["--split-sizes", "60,30,60", "--cell-types", "blood", "--models", "logistic",
         "--no-real-sample", "--n-jobs", "1", "--quiet", "--no-plots"]


def _users_files(folder):
    folder.mkdir(exist_ok=True)
    mine = {"results.csv": "my own table\n", "report.md": "# my notes\n",
            "roc_curves.png": "not really a picture", "notes.txt": "keep me\n"}
    for name, text in mine.items():
        (folder / name).write_text(text)
    return mine


def _unchanged(folder, mine):
    return {name: (folder / name).read_text() for name in mine} == mine


def test_compare_refuses_a_folder_holding_the_users_files(tmp_path, capsys):
    out = tmp_path / "here"
    mine = _users_files(out)
    assert main(["compare", *SMALL, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "report.md, results.csv, roc_curves.png" in err[0] and "did not write" in err[0]
    assert _unchanged(out, mine)
    assert sorted(p.name for p in out.iterdir()) == sorted(mine)  # nothing added


def test_a_folder_the_package_wrote_is_reused_beside_the_users_other_files(tmp_path):
    out = tmp_path / "report"
    assert main(["compare", *SMALL, "--out", str(out)]) == 0
    (out / "notes.txt").write_text("keep me\n")
    first = (out / "results.csv").read_text()
    assert main(["compare", *SMALL, "--out", str(out), "--seed", "1"]) == 0
    assert (out / "results.csv").read_text() != first  # its own file, replaced
    assert (out / "notes.txt").read_text() == "keep me\n"


def test_saving_a_result_never_replaces_a_file_it_did_not_write(tmp_path):
    X, y = make_signal(80, n_bins=10)
    result = compare_models(X, y, models=["logistic"], reference="logistic", cv=2,
                            random_state=0, verbose=0)
    out = tmp_path / "mine"
    mine = _users_files(out)
    with pytest.raises(ValueError, match="did not write"):
        result.save(out, plots=False)
    assert _unchanged(out, mine)
    result.save(tmp_path / "fresh", plots=False)
    result.save(tmp_path / "fresh", plots=False)  # its own files: replaced, no error


def test_predict_never_replaces_its_input(tmp_path, capsys):
    X, y = make_signal(60, n_bins=20)
    data = tmp_path / "genes.npz"
    save_npz_dataset(data, X, gene_ids=[f"G{i}" for i in range(60)],
                     marks=("H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"),
                     target=y)
    model = tmp_path / "m.skdc"
    assert main(["train", "--data", str(data), "--out", str(model), "--model", "logistic",
                 "--quiet"]) == 0
    before = data.read_bytes(), model.read_bytes()
    for target in (data, model):
        assert main(["predict", "--model", str(model), "--data", str(data), "--out",
                     str(target), "--quiet"]) == 2
        assert "never replace an input" in capsys.readouterr().err
    assert (data.read_bytes(), model.read_bytes()) == before
    assert np.isfinite(np.load(data)["data"]).all()
