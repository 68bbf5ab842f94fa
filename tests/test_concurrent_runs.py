"""One run per record and report folder: a second run is refused in one line naming the
first, unit files carry their run's identity, and a resume never mixes two runs.

The concurrency is real: the other run is another process (the command line, or a Python
process holding the lock), and killed runs are killed with real signals.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from skdeepchrome._files import LOCK, LOCK_HOLDER, FolderLock
from skdeepchrome.cli import main
from skdeepchrome.compare import paper_protocol
from skdeepchrome.compare._records import RECORD_FOLDER
from skdeepchrome.datasets import simulate_epigenome

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["compare", "--split-sizes", "60,30,30", "--cell-types", "blood", "--models", "logistic",
         "--features", "marks", "--no-real-sample", "--no-plots", "--n-jobs", "1", "--quiet"]


def _env(**more):
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", **more}


def _cli(argv, **env):
    return subprocess.Popen([sys.executable, "-m", "skdeepchrome", *argv], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env(**env))


def _wait_for(process, text, timeout=120):
    """Read ``process``'s stderr until a line holds ``text``; returns the lines read."""
    lines = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line)
        if text in line:
            return lines
    process.kill()
    raise AssertionError(f"never saw {text!r}: {''.join(lines)}")


def _holder(folder):
    """A Python process holding ``folder``'s lock until killed."""
    code = ("import sys, time\n"
            "from skdeepchrome._files import FolderLock\n"
            f"FolderLock({str(folder)!r}).acquire()\n"
            "print('locked', flush=True)\n"
            "time.sleep(120)\n")
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=_env(),
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "locked"
    return process


def test_a_second_run_on_the_same_out_is_refused_naming_the_first(tmp_path, capsys):
    out = tmp_path / "report"
    holder = _holder(out)
    try:
        assert main([*SMALL, "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1
        assert f"--out {out} is in use by another skdeepchrome run (pid {holder.pid} on " in err[0]
        assert "started 20" in err[0] and "wait for it to end" in err[0]
        assert not (out / "results.csv").exists() and not (out / RECORD_FOLDER).exists()
    finally:
        holder.kill()
        holder.wait()
    # Killed with SIGKILL: the system released its lock; the next run goes ahead.
    assert main([*SMALL, "--out", str(out)]) == 0
    assert (out / "results.csv").is_file()
    assert not (out / LOCK).exists() and not (out / LOCK_HOLDER).exists()  # given back


def test_a_record_in_use_is_refused_by_the_python_api(tmp_path):
    record = tmp_path / "record"
    holder = _holder(record)
    data = {"E1": simulate_epigenome("blood", n_genes=(60, 30, 30), random_state=0)}
    try:
        with pytest.raises(ValueError, match=f"run record {record} is in use by another "
                                             f"skdeepchrome run \\(pid {holder.pid} "):
            paper_protocol(data, {"lr": LogisticRegression()}, reference="lr", verbose=0,
                           record_dir=record)
    finally:
        holder.kill()
        holder.wait()


def test_a_failed_run_leaves_no_lock_behind(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("not,a\ndataset\n")
    run = ["compare", "--data", str(bad), "--models", "logistic", "--no-plots", "--quiet"]
    out = tmp_path / "deep" / "report"
    assert main([*run, "--out", str(out)]) == 2  # fails after the folder was locked
    capsys.readouterr()
    assert not (tmp_path / "deep").exists()
    # The user's folder: the lock file does not stay in it either.
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    assert main([*run, "--out", str(mine)]) == 2
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]


@pytest.mark.slow
def test_seeds_0_and_1_on_one_out_never_mix(tmp_path):
    """The issue's case: two runs on one --out, then --resume --seed 0."""
    out = tmp_path / "out"
    # Seed 0 pauses once its unit is recorded, holding the folder; seed 1 starts then.
    go_on = tmp_path / "go-on"
    first = _cli([*SMALL, "--out", str(out), "--seed", "0"],
                 SKDEEPCHROME_TEST_PAUSE="unit-recorded:120",
                 SKDEEPCHROME_TEST_PAUSE_UNTIL=str(go_on))
    _wait_for(first, "paused at unit-recorded")
    second = _cli([*SMALL, "--out", str(out), "--seed", "1"])
    _, err = second.communicate(timeout=120)
    go_on.touch()
    assert second.returncode == 2, err
    assert f"is in use by another skdeepchrome run (pid {first.pid} on " in err
    assert "--seed 0" in err  # the running command, named
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    units = list((out / RECORD_FOLDER / "units").glob("*.json"))
    manifest = json.loads((out / RECORD_FOLDER / "manifest.json").read_text())
    assert manifest["seed"] == 0
    assert {json.loads(p.read_text())["run"] for p in units} == {
        json.loads(units[0].read_text())["run"]}
    seed0 = pd.read_csv(out / "results.csv")
    resumed = _cli([*SMALL, "--out", str(out), "--seed", "0", "--resume"])
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    pd.testing.assert_frame_equal(pd.read_csv(out / "results.csv"), seed0)
    assert json.loads((out / "report.json").read_text())["info"]["run"]["seed"] == 0


# ----------------------------------------------------------------------------------------
# Unit files carry their run


def _models():
    return {"lr": LogisticRegression(max_iter=500),
            "rf": RandomForestClassifier(n_estimators=5, random_state=0)}


@pytest.fixture(scope="module")
def two_records(tmp_path_factory):
    """The records of seed 0 and seed 1 on the same data."""
    root = tmp_path_factory.mktemp("records")
    data = {name: simulate_epigenome("blood", n_genes=(60, 30, 30), random_state=i)
            for i, name in enumerate(["E1", "E2"])}
    results = {}
    for seed in (0, 1):
        results[seed] = paper_protocol(data, _models(), random_state=seed, reference="lr",
                                       verbose=0, record_dir=root / f"seed{seed}")
    return root, data, results


def _settings(record, data):
    return dict(models=_models(), random_state=0, reference="lr", verbose=0,
                record_dir=record, resume=True)


def test_a_resume_refuses_a_unit_of_another_run_naming_the_file(two_records, tmp_path):
    root, data, results = two_records
    record = tmp_path / "record"
    shutil.copytree(root / "seed0", record)
    # Another run's unit where this run's was (two runs on one record, as before locks).
    theirs = sorted((root / "seed1" / "units").glob("E2-*"))
    for path in theirs:
        shutil.copy(path, record / "units" / path.name)
    json_file = [p for p in theirs if p.suffix == ".json"][0].name
    with pytest.raises(ValueError, match=f"units/{json_file} was written by another run"):
        paper_protocol(data, **_settings(record, data))
    # Its own unit files, untouched: the resume gives seed 0's numbers.
    shutil.rmtree(record)
    shutil.copytree(root / "seed0", record)
    again = paper_protocol(data, **_settings(record, data))
    pd.testing.assert_frame_equal(again.predictions, results[0].predictions)


def test_a_resume_refuses_predictions_of_another_run(two_records, tmp_path):
    root, data, _ = two_records
    record = tmp_path / "record"
    shutil.copytree(root / "seed0", record)
    # Another unit's predictions under this unit's name (same shape, other numbers).
    npz = sorted((record / "units").glob("E1-*.npz"))[0]
    shutil.copy(sorted((record / "units").glob("E2-*.npz"))[0], npz)
    with pytest.raises(ValueError, match=f"units/{npz.name} is not the file its unit "
                                         "recorded"):
        paper_protocol(data, **_settings(record, data))


def test_the_lock_is_reentrant_in_one_process_and_released_by_the_last(tmp_path):
    with FolderLock(tmp_path / "f"):
        with FolderLock(tmp_path / "f"):
            assert (tmp_path / "f" / LOCK).exists()
        assert (tmp_path / "f" / LOCK).exists()
    assert not (tmp_path / "f").exists()  # made by the lock, left empty: removed


def test_sigterm_stops_a_run_as_ctrl_c_does(tmp_path):
    out = tmp_path / "out"
    process = _cli([*SMALL, "--out", str(out), "--no-plots"],
                   SKDEEPCHROME_TEST_PAUSE="unit-recorded:60")
    _wait_for(process, "paused at unit-recorded")
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert err.strip().splitlines()[-1].startswith(
        "skdeepchrome compare: terminated (SIGTERM): 1 of 1 epigenomes finished and kept")
    assert "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == [RECORD_FOLDER]  # no lock, no report
    assert not [p for p in (out / RECORD_FOLDER / "units").iterdir() if p.suffix == ".part"]
