"""Resumable runs: an interrupted comparison keeps its finished units and resumes exactly."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier

from skdeepchrome.cli import main
from skdeepchrome.compare import _protocol as protocol_module
from skdeepchrome.compare import compare_models, paper_protocol
from skdeepchrome.compare._records import RECORD_FOLDER, RunRecord, make_manifest
from skdeepchrome.datasets import simulate_epigenome
from skdeepchrome.exceptions import RunInterrupted
from tests.failing_models import FailingLogistic
from tests.interruptions import TIMINGS, check_resumes_as_uninterrupted

#: Train sizes differ, so a model can fail on exactly one epigenome.
SIZES = {"E1": 60, "E2": 61, "E3": 62}


@pytest.fixture(scope="module")
def epigenomes():
    return {name: simulate_epigenome("blood", n_genes=(n, 30, 30), random_state=i)
            for i, (name, n) in enumerate(SIZES.items())}


def models(trigger="", how="interrupt"):
    return {"lr": FailingLogistic(trigger=str(trigger), fail_on=SIZES["E2"], how=how),
            "rf": RandomForestClassifier(n_estimators=8, random_state=0)}


@pytest.fixture(scope="module")
def uninterrupted(epigenomes):
    return paper_protocol(epigenomes, models(), random_state=0, reference="lr", verbose=0)


def assert_same_result(resumed, full):
    pd.testing.assert_frame_equal(resumed.table.drop(columns=TIMINGS),
                                  full.table.drop(columns=TIMINGS))
    pd.testing.assert_frame_equal(resumed.predictions, full.predictions)
    pd.testing.assert_frame_equal(resumed.tests, full.tests)
    pd.testing.assert_frame_equal(resumed.summary.drop(columns="fit_seconds"),
                                  full.summary.drop(columns="fit_seconds"))


def test_an_interrupted_protocol_keeps_its_first_epigenome_and_resumes_exactly(
        epigenomes, uninterrupted, tmp_path):
    trigger = tmp_path / "armed"
    trigger.write_text("")
    record = tmp_path / "record"
    with pytest.raises(KeyboardInterrupt, match="1 of 3 epigenomes finished and kept") as info:
        paper_protocol(epigenomes, models(trigger), random_state=0, reference="lr",
                       verbose=0, record_dir=record)
    assert isinstance(info.value, RunInterrupted)
    kept = sorted(p.name for p in (record / "units").iterdir())
    assert [name.split("-")[0] for name in kept] == ["E1", "E1"]  # its .json and .npz
    recorded = json.loads(next((record / "units").glob("E1-*.json")).read_text())
    trigger.unlink()
    resumed = paper_protocol(epigenomes, models(trigger), random_state=0, reference="lr",
                             verbose=0, record_dir=record, resume=True)
    assert_same_result(resumed, uninterrupted)
    # E1 was not fitted again: its timings are the recorded ones, to the last digit.
    first = resumed.table[resumed.table["epigenome"] == "E1"]
    assert np.array_equal(first["fit_seconds"].to_numpy(),
                          [row["fit_seconds"] for row in recorded["rows"]], equal_nan=True)
    assert first["fit_seconds"].notna().sum() == 6  # two models x three metrics, and ceiling
    # Resuming a finished run fits nothing and gives the same result again, with the
    # warnings the fits raised (recorded with each unit).
    recorded = [w for p in (record / "units").glob("*.json")
                for w in json.loads(p.read_text())["warnings"]]
    assert recorded
    with pytest.warns(Warning) as caught:
        again = paper_protocol(epigenomes, models(trigger), random_state=0, reference="lr",
                               verbose=0, record_dir=record, resume=True)
    assert {str(w.message) for w in caught} == {message for _, message in recorded}
    pd.testing.assert_frame_equal(again.table, resumed.table)


def test_a_run_interrupted_before_any_unit_writes_nothing(epigenomes, tmp_path):
    trigger = tmp_path / "armed"
    trigger.write_text("")
    one = {"E2": epigenomes["E2"]}
    with pytest.raises(KeyboardInterrupt, match="nothing written"):
        paper_protocol(one, models(trigger), random_state=0, reference="lr", verbose=0,
                       record_dir=tmp_path / "record")
    assert not (tmp_path / "record").exists()


@pytest.mark.parametrize("change, what", [
    (dict(random_state=1), "seed"),
    (dict(models=["logistic"]), "models"),
    (dict(scoring=["roc_auc"]), "parameters"),
    (dict(data="other"), "data"),
])
def test_resume_refuses_a_different_run(epigenomes, tmp_path, change, what):
    record = tmp_path / "record"
    two = {k: epigenomes[k] for k in ("E1", "E3")}
    settings = dict(models=models(), random_state=0, reference="lr", verbose=0,
                    record_dir=record)
    paper_protocol(two, **settings)
    data = two
    if change.pop("data", None):
        data = {"E1": epigenomes["E1"], "E3": epigenomes["E2"]}
    with pytest.raises(ValueError, match=f"cannot resume from .*this run's {what}"):
        paper_protocol(data, **{**settings, **change, "resume": True})


def test_resume_refuses_another_package_version(tmp_path):
    manifest = make_manifest(protocol="paper", data={}, models={}, parameters={}, seed=0,
                             units=["E1"])
    record = RunRecord.open(tmp_path, manifest)
    with pytest.raises(ValueError, match=r"package version \(recorded 0.0.1, now"):
        record.check(dict(manifest, version="0.0.1"))


def test_resume_needs_a_record_dir(epigenomes):
    with pytest.raises(ValueError, match="record_dir"):
        paper_protocol({"E1": epigenomes["E1"]}, models(), resume=True, verbose=0)


def test_cross_validation_resumes_fold_by_fold(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.poisson(2.0, size=(90, 5 * 10)).astype(float)
    y = (X[:, 30:40].sum(axis=1) > 20).astype(int)
    settings = dict(models=["logistic", "random_forest"], cv=3, random_state=0,
                    reference="logistic", verbose=0, features="marks")
    check_resumes_as_uninterrupted(
        monkeypatch, tmp_path, lambda **record: compare_models(X, y, **settings, **record))
    with pytest.raises(ValueError, match="this run's data"):
        compare_models(X[::-1], y[::-1], record_dir=tmp_path, resume=True, **settings)


CLI = ["compare", "--split-sizes", "60,30,30", "--cell-types", "blood,fibroblast,embryonic_stem",
       "--models", "logistic,random_forest", "--features", "marks", "--no-real-sample",
       "--no-plots", "--n-jobs", "1", "--quiet"]


def test_cli_resume_writes_the_report_of_an_uninterrupted_run(tmp_path, monkeypatch, capsys):
    full, out = tmp_path / "full", tmp_path / "out"
    assert main([*CLI, "--out", str(full)]) == 0
    original = protocol_module.evaluate_epigenome

    def interrupted_on_fibroblast(*args, **kwargs):
        if kwargs.get("name") == "fibroblast":
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(protocol_module, "evaluate_epigenome", interrupted_on_fibroblast)
    assert main([*CLI, "--out", str(out)]) == 130
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "interrupted: 1 of 3 epigenomes finished and kept in" in err
    assert "--resume" in err
    assert not (out / "results.csv").exists()  # the report is written at the end only
    assert (out / RECORD_FOLDER / "manifest.json").is_file()
    monkeypatch.setattr(protocol_module, "evaluate_epigenome", original)
    # Another seed is another run: refused, in one line naming it.
    assert main([*CLI, "--out", str(out), "--resume", "--seed", "3"]) == 2
    assert "seed (recorded 0, now 3)" in capsys.readouterr().err
    assert main([*CLI, "--out", str(out), "--resume"]) == 0
    for name in ("results.csv", "tests.csv"):
        ours, theirs = pd.read_csv(out / name), pd.read_csv(full / name)
        timing = [c for c in TIMINGS if c in ours]
        pd.testing.assert_frame_equal(ours.drop(columns=timing), theirs.drop(columns=timing))
    pd.testing.assert_frame_equal(pd.read_csv(out / "predictions.csv.gz"),
                                  pd.read_csv(full / "predictions.csv.gz"))
    ours, theirs = (json.loads(Path(d, "report.json").read_text()) for d in (out, full))
    for part in ("tests", "unit", "reference"):
        assert ours[part] == theirs[part]
    assert [{k: v for k, v in r.items() if k not in TIMINGS} for r in ours["results"]] == [
        {k: v for k, v in r.items() if k not in TIMINGS} for r in theirs["results"]]
