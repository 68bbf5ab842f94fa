"""A negative count is refused before any model trains, naming the file, gene and mark
(the models' log1p refused it inside a fit, naming the mark alone)."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from skdeepchrome.cli import main
from skdeepchrome.datasets import load_deepchrome_csv, save_npz_dataset

from .conftest import make_signal

TOY = Path(__file__).resolve().parents[2] / "shared" / "data" / "deepchrome_toy"
MARKS = ("H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3")


def _one_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@pytest.mark.skipif(not TOY.exists(), reason="shared toy REMC data not present")
@pytest.mark.parametrize("command", [
    ["compare", "--models", "logistic", "--no-plots", "--n-jobs", "1"],
    ["train", "--model", "logistic"],
])
def test_a_negative_count_in_an_epigenome_folder_names_file_gene_and_mark(
        tmp_path, capsys, command):
    folder = tmp_path / "E900"
    shutil.copytree(TOY, folder, ignore=shutil.ignore_patterns("*.md"))
    lines = (folder / "valid.csv").read_text().splitlines()
    gene, binid, first, *rest = lines[4].split(",")
    lines[4] = ",".join([gene, binid, "-3", *rest])
    (folder / "valid.csv").write_text("\n".join(lines) + "\n")
    # The reader keeps signed values (signal such as log fold-changes round-trips) ...
    assert load_deepchrome_csv(folder / "valid.csv").data.min() == -3
    out = tmp_path / ("report" if command[0] == "compare" else "m.skdc")
    assert main([*command, "--data", str(folder), "--out", str(out), "--quiet"]) == 2
    line = _one_line(capsys)
    # ... the command, whose models take log1p, names the file, gene, mark and bin.
    assert f"{folder / 'valid.csv'}: gene '{gene}', mark H3K27me3, bin {binid} holds -3" in line
    assert not out.exists()


def test_a_negative_count_in_an_npz_is_named_by_compare(tmp_path, capsys):
    X, y = make_signal(60, n_bins=10)
    X[7, 3 * 10 + 4] = -1.5
    data = tmp_path / "genes.npz"
    save_npz_dataset(data, X, gene_ids=[f"G{i}" for i in range(60)], marks=MARKS, target=y)
    assert main(["compare", "--data", str(data), "--models", "logistic", "--no-plots",
                 "--cv", "2", "--quiet", "--out", str(tmp_path / "r")]) == 2
    line = _one_line(capsys)
    assert f"{data}: gene 'G7', mark H3K4me3, bin 5 holds -1.5" in line
    assert np.load(data)["data"].min() == -1.5  # nothing written over it
