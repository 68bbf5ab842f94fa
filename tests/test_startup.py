"""Start-up: the command line, the genome readers and the datasets never import torch."""

import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _modules_after(code):
    """The heavy modules present in ``sys.modules`` after running ``code`` in a fresh Python."""
    probe = (
        f"{code}\nimport sys\n"
        "heavy = ('torch', 'skorch', 'sklearn', 'pandas')\n"
        "print('loaded:' + ','.join(m for m in heavy if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": ""}, check=True)
    line = done.stdout.rsplit("loaded:", 1)[1].strip()
    return set(filter(None, line.split(",")))


CLI = ("from skdeepchrome.cli import main\n"
       "try:\n    main({argv})\nexcept SystemExit:\n    pass")


@pytest.mark.parametrize("code", [
    "import skdeepchrome",
    "import skdeepchrome.datasets",
    "import skdeepchrome.genome",
    "from skdeepchrome.genome import read_tss, extract_signal, count_reads",
    CLI.format(argv=["--help"]),
    CLI.format(argv=["extract", "--help"]),
    CLI.format(argv=["compare", "--help"]),
    CLI.format(argv=["interpret", "--help"]),
])
def test_no_torch_until_a_neural_estimator_is_used(code):
    assert not _modules_after(code) & {"torch", "skorch"}


@pytest.mark.parametrize("argv", [["--help"], ["extract", "--help"], ["compare", "--help"]])
def test_help_needs_neither_pandas_nor_scikit_learn(argv):
    assert _modules_after(CLI.format(argv=argv)) == set()


def test_the_estimators_are_still_importable_from_the_package():
    assert _modules_after("from skdeepchrome import DeepChromeClassifier, HistoneBinner") >= {
        "torch", "sklearn"}
    import skdeepchrome

    assert "DeepChromeClassifier" in dir(skdeepchrome)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        skdeepchrome.nope  # noqa: B018


def test_help_within_half_a_second():
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "skdeepchrome", "--help"], cwd=ROOT, check=True,
                       capture_output=True, env={"PYTHONPATH": str(ROOT), "PATH": ""})
        best = min(best, time.perf_counter() - start)
    assert best < 0.5, f"skdeepchrome --help took {best:.2f} s"


def test_an_extraction_worker_imports_neither_pandas_nor_scikit_learn():
    # What a joblib worker of extract_signal imports to run its tasks.
    assert _modules_after("import skdeepchrome.genome._bigwig_reader") == set()


def test_a_small_extraction_runs_in_this_process(monkeypatch, tmp_path):
    pyBigWig = pytest.importorskip("pyBigWig")
    import pandas as pd

    from skdeepchrome.genome import _bigwig as bigwig

    path = tmp_path / "k4.bw"
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader([("chr1", 100_000)])
    bw.addEntries(["chr1"], [400], ends=[500], values=[2.0])
    bw.close()
    seen = []

    def spy(function, tasks, *, n_jobs=None, **kwargs):
        seen.append(n_jobs)
        return [function(*task) for task in tasks]

    monkeypatch.setattr(bigwig, "run_tasks", spy)
    genes = pd.DataFrame({"gene_id": ["a", "b"], "chrom": ["chr1", "chr1"],
                          "tss": [5000, 9000], "strand": ["+", "-"]})
    bigwig.extract_signal(genes, {"H3K4me3": path}, n_jobs=2, progress=False)
    assert seen == [1]  # two windows: starting workers would cost more than it saves
