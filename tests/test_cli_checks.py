"""The command line as a newcomer meets it: errors before any work, in the CLI's own terms.

Every failure here must come before a model trains (the protocol is replaced by a function
that fails the test if called), on one line of its own, with exit status 2, and leave
nothing behind.
"""

import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from skdeepchrome.cli import main
from skdeepchrome.datasets import save_npz_dataset

from .conftest import make_signal

TOY = Path(__file__).resolve().parents[2] / "shared" / "data" / "deepchrome_toy"
ROOT = Path(__file__).resolve().parents[1]
needs_toy = pytest.mark.skipif(not TOY.exists(), reason="shared toy REMC data not present")


@pytest.fixture
def no_work(monkeypatch):
    """Fail the test if any comparison starts."""
    import skdeepchrome.compare

    def boom(*args, **kwargs):
        raise AssertionError("a comparison started before the error was found")

    # The names the command calls: it imports them from the face when it runs.
    monkeypatch.setattr(skdeepchrome.compare, "paper_protocol", boom)
    monkeypatch.setattr(skdeepchrome.compare, "compare_models", boom)


@pytest.fixture
def captured(monkeypatch):
    """Record the arguments a comparison would run with, without running it."""
    import skdeepchrome.compare

    calls = []

    def record(*args, **kwargs):
        calls.append(kwargs)
        raise KeyboardInterrupt  # ends the command at once, as Ctrl-C would

    monkeypatch.setattr(skdeepchrome.compare, "paper_protocol", record)
    monkeypatch.setattr(skdeepchrome.compare, "compare_models", record)
    return calls


def one_line_error(capsys, command="compare"):
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"skdeepchrome {command}: error: "), err
    return lines[0]


@pytest.fixture
def npz(tmp_path):
    X, y = make_signal(60)
    path = tmp_path / "d.npz"
    save_npz_dataset(path, X, gene_ids=[f"g{i}" for i in range(60)],
                     marks=("H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"), target=y)
    return path


@pytest.mark.parametrize("argv, match", [
    (["--models", "deepchrom"], "did you mean 'deepchrome'"),
    (["--models", "randomforest,xgb"], "unknown model 'xgb'"),
    (["--models", ""], "no model named"),
    (["--models", ","], "no model named"),
    (["--split-sizes", "100,100"], "--split-sizes needs 3 positive whole numbers"),
    (["--split-sizes", "100,0,100"], "--split-sizes needs 3"),
    (["--cell-types", "blood,liver"], "unknown preset(s) liver"),
    (["--n-jobs", "0"], "--n-jobs 0 runs nothing"),
    (["--cv", "3"], "--cv applies to an extracted dataset"),
    (["--marks", "A,B"], "--marks applies to --data CSV files"),
    (["--task", "regresion"], "invalid choice: 'regresion'"),
])
def test_bad_options_fail_before_any_work(tmp_path, capsys, no_work, argv, match):
    out = tmp_path / "report"
    assert main(["compare", "--out", str(out), *argv]) == 2
    assert match in one_line_error(capsys)
    assert not out.exists()


def test_cv_errors_speak_of_flags_not_scikit_learn(tmp_path, capsys, no_work, npz):
    assert main(["compare", "--data", str(npz), "--cv", "1", "--out", str(tmp_path / "o")]) == 2
    line = one_line_error(capsys)
    assert "--cv 1" in line and "n_splits" not in line


@needs_toy
def test_options_that_do_not_apply_to_a_folder_are_errors(tmp_path, capsys, no_work):
    assert main(["compare", "--data", str(TOY), "--cv", "3", "--out", str(tmp_path / "o")]) == 2
    assert "is a folder" in one_line_error(capsys)
    assert main(["compare", "--data", str(TOY), "--split-sizes", "1,2,3"]) == 2
    assert "does not apply with --data" in one_line_error(capsys)


@pytest.mark.parametrize("kind", ["file", "proc", "under_a_file"])
def test_an_unwritable_out_fails_at_once(tmp_path, capsys, no_work, kind):
    target = {"file": tmp_path / "a_file", "proc": Path("/proc/nope"),
              "under_a_file": tmp_path / "a_file" / "report"}[kind]
    (tmp_path / "a_file").write_text("mine")
    assert main(["compare", "--split-sizes", "60,30,30", "--out", str(target)]) == 2
    line = one_line_error(capsys)
    assert line.startswith("skdeepchrome compare: error: --out ") and "Errno" not in line
    assert (tmp_path / "a_file").read_text() == "mine"


@needs_toy
def test_every_epigenome_of_a_root_is_checked_before_the_first_fit(tmp_path, capsys, no_work):
    root = tmp_path / "release"
    for name in ("E001", "E002", "E003"):
        shutil.copytree(TOY, root / name)
    test = root / "E003" / "test.csv"
    lines = test.read_text().splitlines()
    lines[5] = lines[5].rsplit(",", 3)[0] + ",nan,0,1"
    test.write_text("\n".join(lines) + "\n")
    assert main(["compare", "--data", str(root), "--models", "lr", "--quiet",
                 "--out", str(tmp_path / "o")]) == 2
    assert "E003" in one_line_error(capsys)
    assert not (tmp_path / "o").exists()


@needs_toy
def test_a_missing_column_names_the_marks_flag(tmp_path, capsys, no_work, captured):
    folder = tmp_path / "E900"
    folder.mkdir()
    for split in ("train", "valid", "test"):
        rows = [",".join(r.split(",")[:2] + r.split(",")[3:])
                for r in (TOY / f"{split}.csv").read_text().splitlines()]
        (folder / f"{split}.csv").write_text("\n".join(rows) + "\n")
    assert main(["compare", "--data", str(folder), "--out", str(tmp_path / "o")]) == 2
    line = one_line_error(capsys)
    assert "--marks" in line and "marks=" not in line
    # ... and naming them makes the folder readable.
    marks = "H3K36me3,H3K4me1,H3K4me3,H3K9me3"
    assert main(["compare", "--data", str(folder), "--marks", marks, "--models", "rf",
                 "--out", str(tmp_path / "o")]) == 130


def test_a_picture_renamed_csv_is_recognised(tmp_path, capsys, no_work):
    fake = tmp_path / "data.csv"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    assert main(["compare", "--data", str(fake), "--out", str(tmp_path / "o")]) == 2
    line = one_line_error(capsys)
    assert "a PNG image" in line and "tokenizing" not in line


@pytest.mark.parametrize("content", [b"this is not an archive\n", b"PK\x03\x04garbage" * 20])
def test_a_garbage_npz_never_suggests_pickle(tmp_path, capsys, no_work, content):
    fake = tmp_path / "data.npz"
    fake.write_bytes(content)
    assert main(["compare", "--data", str(fake), "--out", str(tmp_path / "o")]) == 2
    line = one_line_error(capsys)
    assert "pickle" not in line.replace("unpickles", "") and "data.npz" in line


def test_an_npz_of_python_objects_is_refused_without_a_pickle_hint(tmp_path, capsys, no_work):
    path = tmp_path / "objects.npz"
    np.savez(path, data=np.array([{"a": 1}], dtype=object), gene_ids=np.array(["g"]),
             marks=np.array(["A"]))
    assert main(["compare", "--data", str(path), "--out", str(tmp_path / "o")]) == 2
    line = one_line_error(capsys)
    assert "allow_pickle" not in line and "never unpickles" in line


def test_model_names_are_case_insensitive_with_aliases(tmp_path, capsys, captured):
    out = tmp_path / "o"
    assert main(["compare", "--split-sizes", "60,30,30", "--models", "CNN,RF,gbm,SVM,lr",
                 "--out", str(out), "--quiet"]) == 130
    assert captured[0]["models"] == ("deepchrome", "random_forest", "gradient_boosting", "svm",
                                     "logistic")
    assert main(["compare", "--split-sizes", "60,30,30", "--models", "lr,Ridge", "--task",
                 "regression", "--out", str(out), "--quiet"]) == 130
    assert captured[1]["models"] == ("ridge",)


def test_ctrl_c_ends_in_one_line_and_writes_nothing(tmp_path, capsys, captured):
    out = tmp_path / "deep" / "report"
    assert main(["compare", "--split-sizes", "60,30,30", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == "skdeepchrome compare: interrupted: nothing written"
    assert "Traceback" not in err
    assert not (tmp_path / "deep").exists()


def test_interpret_with_a_file_that_is_not_a_model(tmp_path, capsys):
    fake = tmp_path / "notamodel"
    fake.write_text("hello\n")
    out = tmp_path / "explained"
    assert main(["interpret", "--model", str(fake), "--out", str(out), "--quiet"]) == 2
    line = one_line_error(capsys, "interpret")
    assert "not a model file" in line and "Unpickl" not in line
    assert not out.exists()


def test_each_warning_once_as_a_clean_line(tmp_path):
    # Five fits in two worker processes, each warning the same: one line, no source path.
    code = (
        "import warnings\n"
        "from joblib import delayed\n"
        "from skdeepchrome.cli._warnings import each_warning_once\n"
        "from skdeepchrome.compare._running import run_tasks\n"
        "from tests.warn_task import warn_and_square\n"
        "with each_warning_once('skdeepchrome compare'):\n"
        "    print(run_tasks([delayed(warn_and_square)(i) for i in range(5)], n_jobs=2,"
        " verbose=0))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[0, 1, 4, 9, 16]"
    assert done.stderr.strip().splitlines() == [
        "skdeepchrome compare: warning: stopped early: no improvement in 5 epochs"]


def test_library_callers_still_see_worker_warnings():
    from joblib import delayed

    from skdeepchrome.compare._running import run_tasks

    from .warn_task import warn_and_square

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert run_tasks([delayed(warn_and_square)(i) for i in range(3)], n_jobs=1,
                         verbose=0) == [0, 1, 4]
    assert [str(w.message) for w in caught] == ["stopped early: no improvement in 5 epochs"]


def test_progress_moves_per_fit(monkeypatch):
    import skdeepchrome.compare._protocol as protocol
    from skdeepchrome.compare import paper_protocol

    counted, real = [], protocol.run_units

    def spy(units, collect, **kwargs):
        counted.append((sum(len(fits) for fits in units.values()), kwargs["desc"]))
        return real(units, collect, **kwargs)

    monkeypatch.setattr(protocol, "run_units", spy)
    loads = []

    def epigenome(seed):
        loads.append(seed)
        X, y = make_signal(40, seed=seed)
        from sklearn.utils import Bunch

        return Bunch(**{s: Bunch(data=X, target=y) for s in ("train", "valid", "test")})

    result = paper_protocol({"A": lambda: epigenome(1), "B": lambda: epigenome(2)},
                            models=["logistic", "svm"], reference="logistic", verbose=0,
                            n_jobs=1)
    assert counted == [(4, "fits (2 models x 2 epigenomes)")]
    assert loads == [1, 2]  # each epigenome loaded once for its two fits
    assert len(result.table) == 2 * 2 * 3


def test_progress_by_default_even_off_a_terminal_quiet_silences_it(tmp_path, captured, capsys):
    # Off a terminal (as here) progress is timestamped lines (tests/test_progress.py): a job
    # sent to a file is not silent. --progress, once needed for that, is the default now.
    argv = ["compare", "--split-sizes", "60,30,30", "--models", "lr", "--out", str(tmp_path / "o")]
    assert main(argv) == 130
    assert main([*argv, "--quiet"]) == 130
    assert main([*argv, "--progress"]) == 130
    assert [call["verbose"] for call in captured] == [1, 0, 1]
    assert capsys.readouterr().err.count("--progress is the default now") == 1


@pytest.mark.slow
def test_a_real_ctrl_c_ends_the_workers_and_writes_nothing(tmp_path):
    import os
    import signal
    import time

    out = tmp_path / "report"
    argv = [sys.executable, "-m", "skdeepchrome", "compare", "--split-sizes", "3000,1000,1000",
            "--models", "cnn,rf", "--n-jobs", "2", "--out", str(out)]
    # SIGINT at its default: a shell's background job would otherwise ignore it.
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    children = []
    deadline = time.monotonic() + 60
    while len(children) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.5)
        children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True,
                                  text=True).stdout.split()
    if process.poll() is not None or len(children) < 2:
        process.kill()
        pytest.skip("the comparison did not start its workers in time on this machine")
    time.sleep(2)  # the workers are fitting
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert err.strip().splitlines()[-1] == "skdeepchrome compare: interrupted: nothing written"
    assert "Traceback" not in err and not out.exists()
    time.sleep(2)
    assert not [c for c in children if Path(f"/proc/{c}").exists()]


def test_interpret_recognises_a_picture_and_knows_marks(tmp_path, capsys):
    fake = tmp_path / "data.csv"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    assert main(["interpret", "--data", str(fake), "--out", str(tmp_path / "o")]) == 2
    assert "a PNG image" in one_line_error(capsys, "interpret")
    assert main(["interpret", "--marks", "A,B", "--out", str(tmp_path / "o")]) == 2
    assert "--marks applies to --data" in one_line_error(capsys, "interpret")
    assert not (tmp_path / "o").exists()
