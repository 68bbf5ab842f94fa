"""Failures of one unit: named with epigenome and model; --keep-going finishes the rest."""

import json

import pytest
from sklearn.ensemble import RandomForestClassifier

from skdeepchrome.cli import main
from skdeepchrome.compare import _protocol as protocol_module
from skdeepchrome.compare import paper_protocol
from skdeepchrome.compare._records import RECORD_FOLDER
from skdeepchrome.datasets import save_deepchrome_csv, simulate_epigenome
from skdeepchrome.exceptions import UnitFailedError
from tests import failing_models
from tests.failing_models import FailingLogistic

SIZES = {"E1": 60, "E2": 61, "E3": 62}


@pytest.fixture(scope="module")
def epigenomes():
    return {name: simulate_epigenome("blood", n_genes=(n, 30, 30), random_state=i)
            for i, (name, n) in enumerate(SIZES.items())}


def models(trigger, how):
    return {"lr": FailingLogistic(trigger=str(trigger), fail_on=SIZES["E2"], how=how),
            "rf": RandomForestClassifier(n_estimators=8, random_state=0)}


@pytest.fixture
def armed(tmp_path):
    trigger = tmp_path / "armed"
    trigger.write_text("")
    return trigger


def test_an_exception_stops_the_run_naming_epigenome_and_model(epigenomes, armed, tmp_path):
    with pytest.raises(RuntimeError, match="deliberate failure on 61 genes") as info:
        paper_protocol(epigenomes, models(armed, "error"), random_state=0, reference="lr",
                       verbose=0, n_jobs=1, record_dir=tmp_path / "record")
    note = " ".join(getattr(info.value, "__notes__", []))
    if note:  # Python 3.11+
        assert "epigenome E2, model lr" in note and "1 of 3 epigenomes finished and kept" in note
    assert len(list((tmp_path / "record" / "units").glob("E1-*.json"))) == 1


def test_keep_going_leaves_out_the_failed_epigenome(epigenomes, armed):
    with pytest.warns(RuntimeWarning, match="epigenome E2, model lr: RuntimeError"):
        result = paper_protocol(epigenomes, models(armed, "error"), random_state=0,
                                reference="lr", verbose=0, n_jobs=1, keep_going=True)
    assert result.info["failures"] == [dict(unit="E2", model="lr",
                                            error="RuntimeError: deliberate failure on 61 "
                                                  "genes")]
    assert sorted(result.table["epigenome"].unique()) == ["E1", "E3"]
    assert sorted(result.predictions["epigenome"].unique()) == ["E1", "E3"]
    assert any("1 epigenome(s) failed and are left out" in c and "E2 (lr: RuntimeError" in c
               for c in result.caveats)
    assert len(result.tests) and (result.tests["model"] == "rf").all()


def test_a_killed_worker_is_named_and_keep_going_finishes(epigenomes, armed, tmp_path):
    with pytest.warns(RuntimeWarning, match="worker process died"):
        result = paper_protocol(epigenomes, models(armed, "kill"), random_state=0,
                                reference="lr", verbose=0, n_jobs=2, keep_going=True,
                                record_dir=tmp_path / "record")
    (failure,) = result.info["failures"]
    assert (failure["unit"], failure["model"]) == ("E2", "lr")
    assert "its worker process died" in failure["error"] and "SIGKILL" in failure["error"]
    assert sorted(result.table["epigenome"].unique()) == ["E1", "E3"]
    # The failure is recorded; a resumed run tries that epigenome again (now it succeeds).
    recorded = json.loads(next((tmp_path / "record" / "units").glob("E2-*.json")).read_text())
    assert recorded["status"] == "failed"
    armed.unlink()
    resumed = paper_protocol(epigenomes, models(armed, "kill"), random_state=0,
                             reference="lr", verbose=0, n_jobs=2, record_dir=tmp_path / "record",
                             resume=True)
    assert sorted(resumed.table["epigenome"].unique()) == ["E1", "E2", "E3"]
    assert "failures" not in resumed.info


def test_a_worker_that_exits_stops_the_run_without_keep_going(epigenomes, armed, tmp_path):
    with pytest.raises(UnitFailedError, match="epigenome E2, model lr: its worker process "
                                              "died") as info:
        paper_protocol(epigenomes, models(armed, "exit"), random_state=0, reference="lr",
                       verbose=0, n_jobs=2, record_dir=tmp_path / "record")
    assert "finished and kept in" in str(info.value)
    kept = {p.name.split("-")[0] for p in (tmp_path / "record" / "units").glob("*.json")}
    assert kept and "E2" not in kept


def _root(folder):
    for i, name in enumerate(("E1", "doomed", "E3")):
        epigenome = simulate_epigenome("blood", n_genes=(40, 20, 20), random_state=i)
        (folder / name).mkdir(parents=True)
        for split in ("train", "valid", "test"):
            part = epigenome[split]
            save_deepchrome_csv(folder / name / f"{split}.csv", part.data, part.target,
                                [f"g{g}" for g in range(len(part.target))],
                                marks=epigenome.marks)
    return folder


def test_cli_keep_going_reports_a_killed_worker(tmp_path, monkeypatch, capsys):
    root = _root(tmp_path / "root")
    failing_models.evaluate_or_die.original = protocol_module.evaluate_epigenome
    monkeypatch.setattr(protocol_module, "evaluate_epigenome", failing_models.evaluate_or_die)
    argv = ["compare", "--data", str(root), "--models", "logistic,random_forest",
            "--features", "marks", "--n-jobs", "2", "--no-plots", "--quiet"]
    assert main([*argv, "--out", str(tmp_path / "stop")]) == 1
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("skdeepchrome compare: error: epigenome doomed, model logistic: "
                           "its worker process died")
    assert "--keep-going" in line and "--resume" in line and "Traceback" not in line
    out = tmp_path / "report"
    assert main([*argv, "--out", str(out), "--keep-going"]) == 0
    assert "epigenome doomed, model logistic" in capsys.readouterr().err
    report = json.loads((out / "report.json").read_text())
    assert [(f["unit"], f["model"]) for f in report["info"]["failures"]] == [
        ("doomed", "logistic")]
    assert {r["epigenome"] for r in report["results"]} == {"E1", "E3"}
    assert "left out of every table" in (out / "report.md").read_text()
    assert "left out of every table" in (out / "report.html").read_text()
    assert (out / RECORD_FOLDER / "manifest.json").is_file()


def test_a_remc_collection_is_streamed_and_fingerprinted_by_its_files(tmp_path):
    from skdeepchrome.datasets import load_remc_collection

    root = _root(tmp_path / "root")
    record = tmp_path / "record"
    result = paper_protocol(load_remc_collection(root), ["logistic"], features="marks",
                            random_state=0, reference="logistic", verbose=0,
                            record_dir=record)
    assert sorted(result.table["epigenome"].unique()) == ["E1", "E3", "doomed"]
    manifest = json.loads((record / "manifest.json").read_text())
    # Each epigenome was passed on as a loader of its folder, identified by its files' bytes.
    assert all(value.startswith("files ") for value in manifest["data"].values())
    (root / "E3" / "test.csv").write_text((root / "E3" / "test.csv").read_text()
                                          .replace(",1\n", ",0\n", 1))
    with pytest.raises(ValueError, match=r"this run's data \(E3\)"):
        paper_protocol(load_remc_collection(root), ["logistic"], features="marks",
                       random_state=0, reference="logistic", verbose=0, record_dir=record,
                       resume=True)
