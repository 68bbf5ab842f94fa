"""Report folders commit whole: a run killed (SIGKILL) at any point of moving its report in
never leaves a folder that reads as one report made of two runs' files, and the next run
finishes or removes what it left (staging folders, partial files), never a user's file.

The kills are real signals to a real ``skdeepchrome`` process, paused at a named point by
``SKDEEPCHROME_TEST_PAUSE`` (a hook for tests only, see ``skdeepchrome._files``).
"""

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from skdeepchrome import _files as files_module
from skdeepchrome import save_model
from skdeepchrome._files import MANIFEST, StagedFolder, read_manifest_entry, recover
from skdeepchrome.cli import main
from skdeepchrome.compare import _records as records_module
from skdeepchrome.compare import compare_models
from skdeepchrome.compare._records import RECORD_FOLDER
from skdeepchrome.datasets import save_npz_dataset
from skdeepchrome.report import check_report

from .conftest import make_signal

ROOT = Path(__file__).resolve().parents[1]
SMALL = ["compare", "--split-sizes", "60,30,30", "--cell-types", "blood", "--models", "logistic",
         "--features", "marks", "--no-real-sample", "--no-plots", "--n-jobs", "1", "--quiet"]


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")}


def _killed_at(point, argv, tmp_path):
    """Run ``skdeepchrome argv`` until it pauses at ``point``, then SIGKILL it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1",
           "SKDEEPCHROME_TEST_PAUSE": f"{point}:120"}
    process = subprocess.Popen([sys.executable, "-m", "skdeepchrome", *argv], cwd=ROOT,
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                               env=env)
    seen = []
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        seen.append(line)
        if f"paused at {point}" in line or (not line and process.poll() is not None):
            break
    assert f"paused at {point}" in seen[-1], "".join(seen)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL


def _leftovers(folder):
    """Staging folders and partial files beside or inside ``folder``."""
    found = [p.name for p in folder.parent.iterdir() if ".partial-" in p.name]
    return found + [str(p.relative_to(folder)) for p in folder.rglob("*.part")]


@pytest.fixture(scope="module")
def two_reports(tmp_path_factory):
    """A folder holding seed 0's report, and seed 1's report (its files' digests)."""
    root = tmp_path_factory.mktemp("two")
    for seed in (0, 1):
        assert main([*SMALL, "--out", str(root / f"seed{seed}"), "--seed", str(seed)]) == 0
    return root, _digests(root / "seed0"), _digests(root / "seed1")


@pytest.mark.slow
@pytest.mark.parametrize("point", ["commit-staging", "commit-recorded", "commit-started",
                                   "commit-moving"])
def test_a_kill_while_moving_the_report_in_never_mixes_two_runs(two_reports, tmp_path, point):
    root, seed0, seed1 = two_reports
    out = tmp_path / "out"
    shutil.copytree(root / "seed0", out)
    (out / "notes.txt").write_text("the user's")
    _killed_at(point, [*SMALL, "--out", str(out), "--seed", "1"], tmp_path)
    now = {n: d for n, d in _digests(out).items() if n != "notes.txt"}
    mixed = {n for n in now if now[n] == seed1.get(n)} and {
        n for n in now if now[n] == seed0.get(n) and seed0[n] != seed1.get(n)}
    if point == "commit-moving":
        assert mixed  # the files of two runs do sit side by side, as in the issue ...
    try:
        files = check_report(out)  # ... but the folder never reads as one report of them
    except ValueError as exc:
        assert point in ("commit-started", "commit-moving")
        assert "was stopped while moving its files in" in str(exc)
    else:
        assert point in ("commit-staging", "commit-recorded")
        assert {n: now[n] for n in files} == {n: seed0[n] for n in files}  # seed 0's, whole
    # The next run on the folder finishes the move (or removes the unfinished stage) first.
    assert main([*SMALL, "--out", str(out), "--seed", "1", "--resume"]) == 0
    assert {n: d for n, d in _digests(out).items() if n != "notes.txt"}.keys() == seed1.keys()
    assert set(check_report(out)) == set(seed1)
    assert json.loads((out / "report.json").read_text())["info"]["run"]["seed"] == 1
    assert (out / "notes.txt").read_text() == "the user's"
    assert _leftovers(out) == []


@pytest.mark.slow
def test_a_killed_model_save_leaves_a_partial_file_the_next_save_removes(tmp_path):
    data = tmp_path / "d.npz"
    X, y = make_signal(60, n_bins=10)
    save_npz_dataset(data, X, gene_ids=[f"G{i}" for i in range(60)],
                     marks=("H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"),
                     target=y)
    model = tmp_path / "m.skdc"
    argv = ["train", "--data", str(data), "--out", str(model), "--model", "logistic",
            "--quiet"]
    _killed_at("part-written", argv, tmp_path)
    parts = [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert len(parts) == 1 and parts[0].startswith(".m.skdc.")  # what the issue saw
    assert main(argv) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.npz", "m.skdc"]


def test_an_unfinished_stage_is_removed_and_a_users_folder_is_not(tmp_path):
    out = tmp_path / "report"
    with StagedFolder(out, own=["a.csv"]) as stage:
        (stage.path / "a.csv").write_text("first")
        stage.commit()
    # What a kill -9 leaves: a stage with its marker and no commit record.
    stage = tmp_path / ".report.partial-0123abcd"
    stage.mkdir()
    (stage / ".skdeepchrome-stage").write_text(json.dumps({"target": "report"}))
    (stage / "a.csv").write_text("second, unfinished")
    # A user's folder that merely looks like one (no marker, a file of their own).
    theirs = tmp_path / ".report.partial-89abcdef"
    theirs.mkdir()
    (theirs / "thesis.tex").write_text("mine")
    assert recover(out) == ["removed .report.partial-0123abcd"]
    assert (theirs / "thesis.tex").read_text() == "mine"
    assert (out / "a.csv").read_text() == "first"


def test_a_changed_file_is_named_by_the_reader(tmp_path):
    X, y = make_signal(80, n_bins=10)
    result = compare_models(X, y, models=["logistic"], reference="logistic", cv=2,
                            random_state=0, verbose=0)
    out = tmp_path / "r"
    result.save(out, plots=False)
    assert set(check_report(out)) == {"results.csv", "summary.csv", "tests.csv",
                                      "predictions.csv.gz", "report.json", "report.md",
                                      "report.html"}
    entry = read_manifest_entry(out)
    assert entry["state"] == "complete" and entry["run"]["pid"] == os.getpid()
    (out / "results.csv").write_text("another run's table\n")
    with pytest.raises(ValueError, match=r"results.csv \(not the file the run wrote\)"):
        check_report(out)
    assert (out / MANIFEST).read_text().endswith("\n")


# ----------------------------------------------------------------------------------------
# A full disk


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


CLI3 = ["compare", "--split-sizes", "60,30,30", "--cell-types", "blood,fibroblast,embryonic_stem",
        "--models", "logistic", "--features", "marks", "--no-real-sample", "--no-plots",
        "--n-jobs", "1", "--quiet"]


def test_a_full_disk_names_the_file_and_the_units_kept_and_resume_continues(
        tmp_path, monkeypatch, capsys):
    full = tmp_path / "full"
    assert main([*CLI3, "--out", str(full)]) == 0
    out = tmp_path / "out"
    original, saved = records_module._write_atomic, []

    def fills_on_the_second_unit(path, write):
        if path.suffix == ".npz":
            saved.append(path)
            if len(saved) == 2:
                _no_space()
        return original(path, write)

    monkeypatch.setattr(records_module, "_write_atomic", fills_on_the_second_unit)
    assert main([*CLI3, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Errno" not in err[0]
    assert f"no space left on the device (or quota exceeded) while writing {saved[1]}" in err[0]
    assert f"the 1 unit(s) recorded before it are kept in {out / RECORD_FOLDER}" in err[0]
    assert "--resume" in err[0]
    monkeypatch.setattr(records_module, "_write_atomic", original)
    assert main([*CLI3, "--out", str(out), "--resume"]) == 0
    ours, theirs = pd.read_csv(out / "results.csv"), pd.read_csv(full / "results.csv")
    timing = [c for c in ("fit_seconds", "predict_seconds") if c in ours]
    pd.testing.assert_frame_equal(ours.drop(columns=timing), theirs.drop(columns=timing))


def test_a_full_disk_while_writing_the_report_keeps_the_folder_and_the_units(
        tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    assert main([*SMALL, "--out", str(out)]) == 0
    before = _digests(out)
    monkeypatch.setattr(pd.DataFrame, "to_csv", _no_space)
    assert main([*SMALL, "--out", str(out), "--seed", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Errno" not in err[0]
    assert "results.csv" in err[0] and f"--out {out} is unchanged" in err[0]
    assert f"finished units are kept in {out / RECORD_FOLDER}" in err[0]
    assert _digests(out) == before and _leftovers(out) == []
    monkeypatch.undo()
    assert main([*SMALL, "--out", str(out), "--seed", "1", "--resume"]) == 0
    assert np.isfinite(pd.read_csv(out / "results.csv")["value"]).all()


def test_a_full_disk_while_saving_a_model_names_it_and_leaves_no_partial_file(
        tmp_path, monkeypatch):
    pytest.importorskip("skops")
    X, y = make_signal(40, n_bins=10)
    model = LogisticRegression(max_iter=200).fit(X, y)
    path = tmp_path / "m.skdc"
    monkeypatch.setattr(files_module, "_fsync", _no_space)
    with pytest.raises(OSError, match=f"no space left on the device .* while writing {path}; "
                                      "m.skdc is unchanged") as caught:
        save_model(model, path)
    assert caught.value.errno == errno.ENOSPC and "Errno" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []
