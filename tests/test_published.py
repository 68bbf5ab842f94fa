"""Published beside measured (issue 24, item 3): DeepChrome's AUCs beside a paper-protocol run."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from skdeepchrome.cli import main
from skdeepchrome.compare import paper_protocol
from skdeepchrome.compare._protocol import (
    RELEASE_LAYOUT,
    _differences_from_release,
    published_beside_measured,
)
from skdeepchrome.datasets import (
    RELEASE_SIZES,
    load_remc_collection,
    published_aucs,
    save_deepchrome_csv,
)

from .conftest import make_signal

TOY = Path(__file__).resolve().parents[2] / "shared" / "data" / "deepchrome_toy"


def test_published_aucs_are_the_papers_with_their_source():
    aucs = published_aucs()
    assert len(aucs) == 56 and aucs.index.is_unique
    # the figures the paper and the issue quote
    assert round(float(aucs.mean()), 3) == 0.801
    assert (aucs["E003"], aucs["E123"], aucs["E116"]) == (0.77, 0.92, 0.91)
    assert aucs.between(0.5, 1.0).all() and aucs.index.str.fullmatch(r"E\d{3}").all()
    assert "Singh" in aucs.attrs["paper"] and "ShallowChrome" in aucs.attrs["transcribed_from"]
    assert "MIT" in aucs.attrs["licence"]
    with pytest.raises(ValueError, match="No published AUCs"):
        published_aucs("attentivechrome")


def test_the_release_layout_is_recognised_and_every_difference_named():
    assert _differences_from_release(RELEASE_LAYOUT) == []
    small = dict(RELEASE_LAYOUT, n_genes=dict(train=10, valid=10, test=9), n_bins=200)
    found = _differences_from_release(small)
    assert any("10 / 10 / 9" in f and "6601 / 6601 / 6600" in f for f in found)
    assert any("200 bins per mark" in f for f in found)
    assert _differences_from_release(None) == ["its layout was not recorded"]


def _epigenome(folder, n_genes, seed):
    for split, n in zip(("train", "valid", "test"), n_genes):
        X, y = make_signal(n_genes=n, n_bins=100, seed=seed + len(split))
        save_deepchrome_csv(folder / f"{split}.csv", X, y, [f"{i:06d}" for i in range(n)])


@pytest.fixture
def collection(tmp_path):
    root = tmp_path / "remc"
    if TOY.is_dir():  # real release rows, under a name the table knows
        (root / "E003").mkdir(parents=True)
        for split in ("train", "valid", "test"):
            shutil.copy(TOY / f"{split}.csv", root / "E003" / f"{split}.csv")
    for name, seed in (("E123", 0), ("E999", 10)):  # E999: no published figure
        (root / name).mkdir(parents=True)
        _epigenome(root / name, (60, 30, 30), seed)
    return root


def test_a_paper_protocol_run_sets_the_published_auc_beside_the_measured(collection):
    result = paper_protocol(load_remc_collection(collection), models=["logistic"],
                            random_state=0, verbose=0)
    rows = {(r["epigenome"], r["model"]): r for r in result.info["published"]}
    expected = {"E123"} | ({"E003"} if TOY.is_dir() else set())
    assert {e for e, _ in rows} == expected  # E999 has no published figure
    measured = result.table.query("metric == 'roc_auc' and model == 'logistic'").set_index(
        "epigenome")["value"]
    row = rows[("E123", "logistic")]
    assert row["published_roc_auc"] == 0.92
    assert row["measured_roc_auc"] == pytest.approx(measured["E123"])
    assert row["difference"] == pytest.approx(measured["E123"] - 0.92)
    assert (row["n_train"], row["n_valid"], row["n_test"]) == (60, 30, 30)
    assert row["release"] is False
    notes = result.info["published_notes"]
    assert "Singh" in notes[0]
    assert any(n.startswith("E123 is not the release (60 / 30 / 30 train / valid / test genes")
               for n in notes)
    if TOY.is_dir():
        assert rows[("E003", "logistic")]["published_roc_auc"] == 0.77
        assert (rows[("E003", "logistic")]["n_train"], rows[("E003", "logistic")]["n_test"]) \
            == (10, 9)


def test_release_sized_splits_are_not_flagged():
    table = __import__("pandas").DataFrame([dict(model="m", epigenome="E116", metric="roc_auc",
                                                 value=0.9)])
    layout = dict(RELEASE_LAYOUT, n_genes=dict(zip(("train", "valid", "test"), RELEASE_SIZES)))
    rows, notes = published_beside_measured(table, {"E116": layout})
    assert rows[0]["release"] is True and rows[0]["difference"] == pytest.approx(0.9 - 0.91)
    assert len(notes) == 1  # the source only: nothing to warn of
    # regression runs and runs without ROC AUC get no published column
    assert published_beside_measured(table, {}, task="regression") == ([], [])


def test_the_command_line_and_the_report_show_the_published_column(collection, tmp_path,
                                                                   capsys):
    out = tmp_path / "report"
    assert main(["compare", "--data", str(collection), "--models", "logistic", "--out",
                 str(out), "--no-plots", "--seed", "0"]) == 0
    printed = capsys.readouterr().out
    assert "Published beside measured" in printed
    assert "note: E123 is not the release" in printed
    line = next(li for li in printed.splitlines() if li.lstrip().startswith("E123"))
    assert "0.920" in line and "60 / 30 / 30" in line and line.rstrip().endswith("no")
    markdown = (out / "report.md").read_text()
    assert "## Published beside measured" in markdown and "E999" not in markdown.split(
        "## Published beside measured")[1].split("##")[0]
    assert "Published beside measured" in (out / "report.html").read_text()
    info = json.loads((out / "report.json").read_text())["info"]
    assert {r["epigenome"] for r in info["published"]} >= {"E123"}
    assert np.isfinite([r["difference"] for r in info["published"]]).all()
