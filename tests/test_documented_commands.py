"""Docs that hold: the commands and code of README.md and getting_started run as written.

Every shell command and Python block is extracted from the two pages a newcomer reads
first. Installs are checked for what the commands after them need (no network here); every
``skdeepchrome`` command parses and passes its option checks; the ones that run on data a
fresh clone has (``roadmap-sample``) run for real in a temporary folder, and the Python
blocks run there with warnings as errors (those are slow: they train networks). The main
job itself (about ten minutes) is checked through its ``--help`` and options only.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest
from sklearn.utils.estimator_checks import check_estimator

from skdeepchrome import DeepChromeClassifier, HistoneBinner
from skdeepchrome.cli import build_parser, main
from skdeepchrome.estimators import expected_failed_checks

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
GETTING_STARTED = ROOT / "docs" / "getting_started.rst"
PAGES = (README, GETTING_STARTED)
#: Commands that stand for the reader's own files: parsed and checked, not run.
PLACEHOLDERS = ("path/to/", "my_extraction", "tcp://")


def code_blocks(path):
    """``[(language, code)]`` of a Markdown or reStructuredText page, in page order."""
    text = path.read_text()
    if path.suffix == ".md":
        return [(m[1], m[2]) for m in re.finditer(r"```(\w+)\n(.*?)```", text, re.S)]
    blocks, lines = [], text.splitlines()
    for i, line in enumerate(lines):
        found = re.match(r"\.\. code-block:: (\w+)\s*$", line)
        if not found:
            continue
        body = []
        for following in lines[i + 1:]:
            if following.strip() and not following.startswith("   "):
                break
            if not body and following.strip().startswith(":"):
                continue  # a directive option
            body.append(following)
        blocks.append((found[1], textwrap.dedent("\n".join(body)).strip() + "\n"))
    return blocks


def shell_commands(path):
    """Each shell line of ``path`` as a chain: ``[[argv, argv, ...], ...]`` split on ``&&``."""
    chains = []
    for language, code in code_blocks(path):
        if language not in ("bash", "sh", "shell", "console"):
            continue
        for line in code.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if not words:
                continue
            chain, current = [], []
            for word in words:
                if word == "&&":
                    chain.append(current)
                    current = []
                else:
                    current.append(word)
            chains.append([*chain, current])
    return chains


def skdeepchrome_commands():
    found = []
    for page in PAGES:
        for chain in shell_commands(page):
            found += [(page.name, argv) for argv in chain if argv[0] == "skdeepchrome"]
    return found


def _id(item):
    page, argv = item
    return f"{page}: {' '.join(argv[:4])}"


def python_code(path):
    return "\n".join(code for language, code in code_blocks(path) if language == "python")


def declared_extras():
    text = (ROOT / "setup.py").read_text()
    return set(re.findall(r'^\s+"(\w+)": \[', text, re.M)) | set(
        re.findall(r'extras\["(\w+)"\]', text))


def test_the_pages_hold_the_commands_a_newcomer_runs():
    commands = [" ".join(argv) for _, argv in skdeepchrome_commands()]
    assert "skdeepchrome compare" in commands
    assert "skdeepchrome compare --data roadmap-sample" in commands
    assert any(argv == ["bash", ".ci/run"] for chain in shell_commands(README) for argv in chain)
    assert "load_roadmap_sample" in python_code(README)
    assert "load_roadmap_sample" in python_code(GETTING_STARTED)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_installs_are_of_the_clone_and_bring_what_the_commands_after_them_need(page):
    extras = declared_extras()
    assert {"plot", "genomics", "test", "docs"} <= extras
    for chain in shell_commands(page):
        installed = None
        for argv in chain:
            if argv[:2] == ["pip", "install"]:
                assert not any(w.startswith("skdeepchrome[") for w in argv), (
                    f"{page.name}: {' '.join(argv)} installs from an index; a clone "
                    f"installs itself: pip install -e \".[extra]\"")
                if "-e" in argv:
                    target = argv[argv.index("-e") + 1]
                    found = re.fullmatch(r"\.(?:\[([\w,]+)\])?", target)
                    assert found, f"{page.name}: pip install -e {target}"
                    installed = set(filter(None, (found[1] or "").split(",")))
                    assert installed <= extras, f"{page.name}: unknown extra in {target}"
            elif argv[:2] == ["skdeepchrome", "compare"] and installed is not None:
                # The report's pictures need matplotlib; without it compare stops (exit 2).
                assert "plot" in installed or "--no-plots" in argv, (
                    f"{page.name}: {' '.join(chain[0])} ... skdeepchrome compare needs the "
                    "plot extra")
            elif argv[:2] == ["skdeepchrome", "extract"] and installed is not None:
                assert "genomics" in installed


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_bash_script_named_exists_and_parses(page):
    for chain in shell_commands(page):
        for argv in chain:
            if argv[0] == "bash":
                script = ROOT / argv[1]
                assert script.is_file(), f"{page.name}: {' '.join(argv)}"
                assert subprocess.run(["bash", "-n", str(script)]).returncode == 0


@pytest.mark.parametrize("item", skdeepchrome_commands(), ids=_id)
def test_every_documented_command_parses_and_passes_its_option_checks(item):
    page, argv = item
    args = build_parser().parse_args(argv[1:])  # a usage error raises here
    if any(p in " ".join(argv) for p in PLACEHOLDERS):
        return  # the reader's own files: parsing is all that can be checked
    check = getattr(sys.modules[args.func.__module__], "check_options", None)
    if check is not None:
        check(args)


def test_the_main_job_help_says_how_long_it_takes(capsys):
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    recorded = (ROOT / "docs" / "benchmarks" / "bench_compare.txt").read_text()
    # The newest record comes first; earlier ones follow it as "before".
    seconds = re.search(r"`skdeepchrome compare[^`]*`[^:\n]*: (\d+) s wall", recorded)
    assert seconds, "docs/benchmarks/bench_compare.txt holds no recorded run"
    stated = f"({seconds[1]} s)"
    assert stated in text and "bench_compare" in text
    assert stated in " ".join(README.read_text().split())


def _run_shell(argv, cwd):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    if shutil.which("skdeepchrome") is None:
        argv = [sys.executable, "-m", "skdeepchrome", *argv[1:]]
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=1800)


@pytest.mark.slow
@pytest.mark.parametrize(
    "item", [c for c in skdeepchrome_commands()
             if "roadmap-sample" in c[1] and not any(p in " ".join(c[1]) for p in PLACEHOLDERS)],
    ids=_id)
def test_documented_commands_on_the_shipped_data_run_verbatim(item, tmp_path):
    page, argv = item
    done = _run_shell(argv, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "warning" not in done.stderr.lower(), done.stderr[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_documented_python_runs_verbatim_with_warnings_as_errors(page, tmp_path):
    script = tmp_path / "documented.py"
    script.write_text(python_code(page))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-W", "error", str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_check_estimator_claim_names_calls_that_exist():
    text = " ".join(README.read_text().split())
    assert "check_estimator(HistoneBinner(marks=1))" in text
    assert ("check_estimator(DeepChromeClassifier(marks=1), expected_failed_checks="
            "expected_failed_checks(DeepChromeClassifier()))") in text


def test_histone_binner_passes_check_estimator_as_the_readme_says():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-learn's SkipTestWarning for array API
        check_estimator(HistoneBinner(marks=1))


@pytest.mark.slow
def test_deepchrome_passes_check_estimator_as_the_readme_says():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tiny arrays: no bin width, too few genes to stop
        check_estimator(DeepChromeClassifier(marks=1),
                        expected_failed_checks=expected_failed_checks(DeepChromeClassifier()))


#: The documented ``set_output(transform="pandas")`` path (README, the binner and models
#: guides): the layout's names flow through StandardScaler to the network.
PANDAS_PATH = """
import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skdeepchrome import DeepChromeClassifier, HistoneBinner
from skdeepchrome.datasets import load_roadmap_sample

h1 = load_roadmap_sample("E003")
steps = [HistoneBinner(scale="log1p", n_bins=50)] + ([StandardScaler()] if {scaler} else [])
model = make_pipeline(*steps, DeepChromeClassifier(max_epochs=2, random_state=0, **{network}))
model.set_output(transform="pandas").fit(h1.data[:200], h1.target[:200])
assert np.isfinite(model.predict_proba(h1.data[200:260])).all()
"""


@pytest.mark.parametrize("scaler, network", [
    (True, {"bin_size": 400}),  # names survive the scaler; the width is said (bin_size=)
    (False, {}),  # HistoneBinner's frame carries the width (attrs): nothing is assumed
])
def test_the_pandas_output_path_raises_no_warning(scaler, network, tmp_path):
    # A fresh process: torch warns about a read-only array only once per process.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", PANDAS_PATH.format(scaler=scaler, network=network)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]


BENCHMARKS = sorted((ROOT / "benchmarks").glob("bench_*.py"))


@pytest.mark.parametrize("script", BENCHMARKS, ids=lambda p: p.stem)
def test_every_benchmark_page_is_recorded(script):
    # The Benchmarks page shows docs/benchmarks/<name>.txt: a record, with its command line.
    record = ROOT / "docs" / "benchmarks" / f"{script.stem}.txt"
    text = record.read_text()
    # The command as it was run: environment settings (OMP_NUM_THREADS=1) may lead it.
    command = rf"\$ (\w+=\S+ )*python (-u )?benchmarks/{re.escape(script.name)}"
    assert re.match(command, text), text[:200]
    assert "Not recorded yet" not in text
    assert len(text.splitlines()) > 2, text


def test_the_machine_of_the_benchmarks_is_recorded():
    text = (ROOT / "docs" / "benchmarks" / "machine.txt").read_text()
    assert text.startswith("recorded ") and "cpu " in text and "Not recorded yet" not in text
