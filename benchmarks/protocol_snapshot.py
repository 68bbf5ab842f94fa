"""Fixed-seed results of every protocol, for checking that a refactoring changed no number.

Runs small, seeded, single-process commands of each protocol through the command line
(cross-validation on an extracted dataset, the paper's protocol on simulated epigenomes
for classification and regression, the real Roadmap sample, transfer, the differential
task, and a resumed run), then writes every results table they produced, less the
columns that measure time, into ``--out``. Two snapshots taken before and after a change
are compared with ``diff -r`` (or ``--compare OTHER``): identical folders mean identical
numbers.

Usage::

    python benchmarks/protocol_snapshot.py --out /tmp/snapshot-before
    # ... change the code ...
    python benchmarks/protocol_snapshot.py --out /tmp/snapshot-after --compare /tmp/snapshot-before

The real-sample runs need nothing beyond the package (the sample ships with it). A run
takes about two minutes on one core.
"""

from __future__ import annotations

import argparse
import filecmp
import gzip
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

#: A column whose name holds one of these measures time, not results.
TIMING_WORDS = ("second", "time")
#: Significant digits kept of each number: a random forest's parallel sums differ in the
#: last bit from one run to the next, which is noise, not a change.
DIGITS = 12

SIMULATED = ["--split-sizes", "200,100,200", "--cell-types", "fibroblast,blood"]
COMMON = ["--n-jobs", "1", "--no-plots", "--quiet", "--seed", "0"]
RUNS = {
    "simulated": ["compare", *SIMULATED, "--no-real-sample",
                  "--models", "deepchrome,deepchrome_paper,logistic,random_forest"],
    "regression": ["compare", *SIMULATED, "--no-real-sample", "--task", "regression",
                   "--models", "deepchrome_paper,ridge"],
    "roadmap_sample": ["compare", "--data", "roadmap-sample",
                       "--models", "deepchrome,logistic,svm"],
    "cross_validation": ["compare", "--data", "{npz}", "--cv", "3",
                         "--models", "deepchrome_paper,logistic,attentivechrome"],
    "transfer": ["transfer", "--data", "roadmap-sample", "--source", "E123", "--target", "E003",
                 "--fine-tune", "50", "--models", "deepchrome_paper,logistic"],
    "differential": ["compare", "--task", "differential", "--data", "roadmap-sample",
                     "--pair", "E123,E003"],
}


def _skdeepchrome(args, cwd):
    command = [sys.executable, "-m", "skdeepchrome", *args]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr}")


def _make_npz(path):
    from skdeepchrome.datasets import make_histone_dataset, save_npz_dataset

    data = make_histone_dataset(n_genes=400, random_state=3)
    gene_ids = [f"gene{i}" for i in range(len(data.target))]
    save_npz_dataset(path, data.data, gene_ids=gene_ids, marks=data.marks,
                     target=data.target, expression=data.expression, bin_size=100)


def _tables(report, out):
    """Copy each results table of ``report`` into ``out``, without its timing columns."""
    for path in sorted(report.rglob("*.csv*")):
        if any(part.startswith(".") for part in path.relative_to(report).parts):
            continue  # the run record's own files, not results
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt") as handle:
            table = pd.read_csv(io.StringIO(handle.read()))
        keep = [c for c in table.columns if not any(w in c.lower() for w in TIMING_WORDS)]
        target = out / path.relative_to(report).as_posix().replace("/", "__")
        target = target.with_name(target.name.removesuffix(".gz"))
        table[keep].to_csv(target, index=False, float_format=f"%.{DIGITS}g")


def snapshot(out):
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        npz = tmp / "simulated.npz"
        _make_npz(npz)
        for name, args in RUNS.items():
            args = [a.format(npz=npz) for a in args]
            print(f"{name} ...", flush=True)
            _skdeepchrome([*args, *COMMON, "--out", str(tmp / name)], tmp)
            (out / name).mkdir(exist_ok=True)
            _tables(tmp / name, out / name)
        # A resumed run: one finished unit removed from the record, then --resume.
        print("resume ...", flush=True)
        units = tmp / "simulated" / ".skdeepchrome-run" / "units"
        for unit in units.glob("blood-*"):
            unit.unlink()
        _skdeepchrome([*RUNS["simulated"], *COMMON, "--out", str(tmp / "simulated"),
                       "--resume"], tmp)
        (out / "resume").mkdir(exist_ok=True)
        _tables(tmp / "simulated", out / "resume")


def _compare(left, right):
    different = []

    def walk(cmp, prefix=""):
        different.extend(prefix + n for n in cmp.diff_files + cmp.left_only + cmp.right_only)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right))
    return different


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the snapshot")
    parser.add_argument("--compare", type=Path, default=None,
                        help="an earlier snapshot: exit 1 unless every table is identical")
    args = parser.parse_args(argv)
    if args.out.exists():
        shutil.rmtree(args.out)
    snapshot(args.out)
    files = sorted(p.relative_to(args.out).as_posix() for p in args.out.rglob("*.csv"))
    print(f"{len(files)} tables in {args.out}")
    if args.compare is not None:
        different = _compare(args.compare, args.out)
        if different:
            print("DIFFERENT: " + ", ".join(different))
            return 1
        print(f"identical to {args.compare}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
