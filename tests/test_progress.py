"""Progress where work runs long: a bar on a terminal, timestamped lines elsewhere, quiet silent."""

import argparse
import io
import re

import pytest
from joblib import delayed

from skdeepchrome import load_model
from skdeepchrome._progress import Progress, format_seconds
from skdeepchrome.cli import main
from skdeepchrome.cli._progress import shows_progress
from skdeepchrome.compare._running import run_tasks as run_fits
from skdeepchrome.genome._parallel import run_tasks

#: "2026-12-07 01:45:12  fits 3/13 (23%), 2 min 05 s elapsed, about 6 min 58 s left"
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d  (?P<desc>.+?) (?P<done>\d+)/(?P<total>\d+) "
                  r"\(\d+%\)(?P<rest>.*)$")


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


def lines(text):
    parsed = [LINE.match(line) for line in text.splitlines()]
    assert all(parsed), text
    return parsed


def test_format_seconds():
    assert [format_seconds(s) for s in (0.4, 45, 125, 3 * 3600 + 5 * 60 + 9)] == [
        "0 s", "45 s", "2 min 05 s", "3 h 05 min"]


def test_off_a_terminal_lines_say_done_total_elapsed_and_time_left():
    out, clock = io.StringIO(), Clock()
    with Progress(4, "fits", file=out, clock=clock) as progress:
        for _ in range(4):
            clock.now += 60
            progress.update()
    found = lines(out.getvalue())
    assert [(m["desc"], int(m["done"]), int(m["total"])) for m in found] == [
        ("fits", i, 4) for i in range(5)]
    assert found[0]["rest"] == ""  # the start: nothing done yet, no estimate
    assert found[1]["rest"] == ", 1 min 00 s elapsed, about 3 min 00 s left"
    assert found[-1]["rest"] == ", 4 min 00 s elapsed"  # the end: no estimate left
    assert "\r" not in out.getvalue()


def test_lines_are_rate_limited_to_a_tenth_or_every_30_seconds_and_always_the_end():
    out, clock = io.StringIO(), Clock()
    with Progress(1000, "windows", file=out, clock=clock) as progress:
        for _ in range(1000):
            clock.now += 0.01  # 10 s in all: only the tenths print
            progress.update()
    assert [int(m["done"]) for m in lines(out.getvalue())] == list(range(0, 1001, 100))

    out, clock = io.StringIO(), Clock()
    with Progress(1000, "windows", file=out, clock=clock) as progress:
        for _ in range(50):
            clock.now += 1.0  # 50 pieces in 50 s, all within the first tenth
            progress.update()
        progress.update(950)
    assert [int(m["done"]) for m in lines(out.getvalue())] == [0, 30, 1000]


def test_notes_between_pieces_print_at_most_every_30_seconds():
    out, clock = io.StringIO(), Clock()
    with Progress(2, "training", file=out, clock=clock) as progress:
        for epoch in range(1, 11):
            clock.now += 10
            progress.note(f"epoch {epoch}")
        progress.update(2)
    found = lines(out.getvalue())
    assert [m["rest"].rpartition("; ")[2] for m in found[1:-1]] == ["epoch 3", "epoch 6",
                                                                    "epoch 9"]
    assert found[-1]["rest"].endswith("; epoch 10")


def test_on_a_terminal_the_bar_is_drawn():
    out = Terminal()
    with Progress(3, "fits", file=out, unit="fit") as progress:
        for _ in range(3):
            progress.update()
    text = out.getvalue()
    # tqdm's bar (redrawn in place at most every 0.1 s), not lines.
    assert text.startswith("\rfits:") and "| 0/3 [" in text and "fit/s" in text
    assert not any(LINE.match(line) for line in text.replace("\r", "\n").splitlines())
    # bar=False forces lines even on a terminal; bar=True a bar in a file.
    forced = Terminal()
    with Progress(1, "fits", file=forced, bar=False) as progress:
        progress.update()
    assert len(lines(forced.getvalue())) == 2


def test_quiet_prints_nothing():
    for out in (io.StringIO(), Terminal()):
        with Progress(3, "fits", file=out, enabled=False) as progress:
            progress.update()
            progress.note("epoch 1")
            progress.update(2)
        assert out.getvalue() == ""
        assert progress.done == 3


def test_genome_tasks_report_lines_off_a_terminal_and_nothing_when_quiet(capsys):
    assert run_tasks(pow, [(2, i) for i in range(5)], desc="bigWig") == [1, 2, 4, 8, 16]
    found = lines(capsys.readouterr().err)
    assert found[-1]["desc"] == "bigWig" and found[-1]["done"] == "5"
    run_tasks(pow, [(2, 3)], progress=False)
    assert capsys.readouterr().err == ""


def test_comparison_fits_report_lines_off_a_terminal_and_nothing_when_quiet(capsys):
    tasks = [delayed(pow)(3, i) for i in range(3)]
    assert run_fits(tasks, n_jobs=1, verbose=1, desc="fits") == [1, 3, 9]
    assert [m["done"] for m in lines(capsys.readouterr().err)] == ["0", "1", "2", "3"]
    run_fits(tasks, n_jobs=1, verbose=0)
    assert capsys.readouterr().err == ""


def test_progress_flag_is_the_default_now_with_a_deprecation_line():
    assert shows_progress(argparse.Namespace(quiet=False, progress=False))
    assert not shows_progress(argparse.Namespace(quiet=True, progress=False))
    with pytest.warns(FutureWarning, match="--progress is the default"):
        assert not shows_progress(argparse.Namespace(quiet=True, progress=True))


def test_the_compare_help_keeps_progress_and_quiet(capsys):
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    out = capsys.readouterr().out
    assert "--progress" in out and "--quiet" in out and "progress is shown by default" in " ".join(
        out.split())


def test_train_reports_its_networks_off_a_terminal_and_nothing_when_quiet(tmp_path, capsys):
    args = ["train", "--data", "roadmap-sample", "--epigenome", "E003", "--max-epochs", "1"]
    assert main([*args, "--out", str(tmp_path / "a.skdc")]) == 0
    err = capsys.readouterr().err
    found = [m for m in map(LINE.match, err.splitlines()) if m]
    assert [m["done"] for m in found] == ["0", "1", "2", "3", "4", "5"], err
    assert all(m["desc"] == "training deepchrome" and m["total"] == "5" for m in found)
    assert "network 5 of 5: epoch 1 of at most 1, roc_auc" in found[-1]["rest"]
    assert "\r" not in err
    # The saved model is the one a quiet run saves: the reporter is not part of it.
    assert main([*args, "--out", str(tmp_path / "b.skdc"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    assert load_model(tmp_path / "a.skdc")[-1].callbacks is None


def test_extract_reports_lines_in_a_file_not_a_bar(tmp_path, capsys):
    pyBigWig = pytest.importorskip("pyBigWig")
    gtf = tmp_path / "genes.gtf"
    attributes = 'gene_id "G1"; gene_type "protein_coding";'
    gtf.write_text("\t".join(["chr1", "src", "gene", "1001", "1500", ".", "+", ".",
                              attributes]) + "\n")
    track = tmp_path / "k4.bw"
    bw = pyBigWig.open(str(track), "w")
    bw.addHeader([("chr1", 3000)])
    bw.addEntries(["chr1"], [1000], ends=[1100], values=[8.0])
    bw.close()
    args = ["extract", "--genes", str(gtf), "--track", f"H3K4me3={track}", "--flank", "200"]
    assert main([*args, "--out", str(tmp_path / "a.npz")]) == 0
    err = capsys.readouterr().err
    assert "\r" not in err
    assert [m["done"] for m in map(LINE.match, err.splitlines()) if m] == ["0", "1"], err
    assert main([*args, "--out", str(tmp_path / "b.npz"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""
