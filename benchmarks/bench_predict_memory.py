"""Peak memory of ``skdeepchrome predict`` on 20,000 and 100,000 genes, and of predict_proba.

Simulates genes once into a cache folder (an npz dataset and a DeepChrome CSV of each
size, the first 2,000 genes also as a training set), trains ``deepchrome_paper`` on them
for one epoch with ``skdeepchrome train`` (the model's size does not depend on the
epochs), then runs ``skdeepchrome predict`` on each file in a fresh process and reads
that process's own peak resident memory from ``os.wait4``. With ``--before CHECKOUT``
the same runs use another checkout (e.g. ``git archive`` of an older commit), and the
predictions of both are compared. ``--python`` adds, per size, the peak of a process
that loads the npz's array and calls ``load_model(...).predict_proba`` on it (and of
one that calls the network alone on the binned genes, as float64), less the memory
before the call: the estimators' own working memory.

Most of a run's peak is fixed: the imports (torch, scikit-learn) and one inference batch
of 4,096 genes through the network. What grows from 20,000 to 100,000 genes after
streaming is glibc's malloc raising its mmap threshold as chunks are freed (so later
chunks come from a heap that fragments), not data kept: with the threshold fixed
(``MALLOC_MMAP_THRESHOLD_=131072``) the growth was 4 MiB for the npz and 10 MiB for the
CSV (its gene ids, kept to refuse one given twice) on the recording machine. In Python,
a pipeline's ``HistoneBinner.transform`` makes its whole output (and its float64
intermediates) before the network sees a batch, as a scikit-learn ``Pipeline`` does;
predict a pipeline a chunk at a time (:func:`skdeepchrome.datasets.iter_gene_chunks`) to
bound it.

Run: ``python benchmarks/bench_predict_memory.py [--genes 20000 100000]
[--formats npz csv] [--before /tmp/skdeepchrome-ce70cdb] [--after CHECKOUT] [--python]
[--cache /tmp/skdeepchrome-bench-predict]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRAIN_GENES = 2000


def build(cache, sizes, formats):
    """Write (once) the datasets under ``cache``; returns the seconds it took."""
    import numpy as np

    from skdeepchrome.datasets import make_histone_dataset, save_deepchrome_csv, save_npz_dataset

    start = time.perf_counter()
    cache.mkdir(parents=True, exist_ok=True)
    largest = max(sizes)
    wanted = [cache / f"genes{n}.{fmt}" for n in sizes for fmt in formats]
    if all(p.exists() for p in wanted) and (cache / "train.npz").exists():
        return 0.0
    genes = make_histone_dataset(n_genes=largest, random_state=0)
    ids = np.array([f"G{i:06d}" for i in range(largest)])
    save_npz_dataset(cache / "train.npz", genes.data[:TRAIN_GENES], gene_ids=ids[:TRAIN_GENES],
                     marks=genes.marks, target=genes.target[:TRAIN_GENES])
    for n in sizes:
        if "npz" in formats and not (cache / f"genes{n}.npz").exists():
            save_npz_dataset(cache / f"genes{n}.npz", genes.data[:n], gene_ids=ids[:n],
                             marks=genes.marks, target=genes.target[:n])
        if "csv" in formats and not (cache / f"genes{n}.csv").exists():
            save_deepchrome_csv(cache / f"genes{n}.csv", genes.data[:n], genes.target[:n],
                                ids[:n], marks=genes.marks)
    return time.perf_counter() - start


def measured(argv, checkout):
    """``(peak RSS in MiB, wall seconds)`` of ``argv`` run with ``checkout`` first on the path."""
    env = dict(os.environ, PYTHONPATH=str(checkout), OMP_NUM_THREADS="1")
    start = time.perf_counter()
    # cwd: not this repository, whose package "python -m" would put before PYTHONPATH's.
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               cwd=checkout.parent)
    # wait4 gives this child's own rusage (getrusage(RUSAGE_CHILDREN) is a running max).
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    err = process.stderr.read().decode()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, argv))} failed:\n{err}")
    return usage.ru_maxrss / 1024, wall, process.stdout.read().decode()


PYTHON_PROBE = """
import sys, numpy as np
from skdeepchrome import load_model
def rss(key):
    for line in open('/proc/self/status'):
        if line.startswith(key):
            return int(line.split()[1]) / 1024
model = load_model(sys.argv[1])
with np.load(sys.argv[2]) as archive:
    X = archive['data']
if sys.argv[3] == 'network':
    X = model[0].transform(X).astype(np.float64)  # a user's own float64 array
    model = model[-1]
model.predict_proba(X[:100])  # warm: first-call costs are not per gene
base = rss('VmRSS:')
with open('/proc/self/clear_refs', 'w') as f:
    f.write('5')  # reset the high-water mark to the current RSS (Linux)
P = model.predict_proba(X)
print(f'{rss("VmHWM:") - base:.1f} {X.nbytes / 2**20:.1f}')
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genes", type=int, nargs="+", default=[20000, 100000])
    parser.add_argument("--formats", nargs="+", default=["npz", "csv"],
                        choices=["npz", "csv"])
    parser.add_argument("--before", type=Path, default=None,
                        help="another checkout (its skdeepchrome/ package) to compare with")
    parser.add_argument("--after", type=Path, default=ROOT,
                        help="the checkout measured as 'after' (default: this one)")
    parser.add_argument("--python", action="store_true",
                        help="also measure load_model(...).predict_proba in Python")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/skdeepchrome-bench-predict"))
    args = parser.parse_args()
    args.cache = args.cache.resolve()  # the runs start elsewhere

    built = build(args.cache, args.genes, args.formats)
    model = args.cache / "model.skdc"
    if not model.exists():
        measured([sys.executable, "-m", "skdeepchrome", "train", "--data",
                  args.cache / "train.npz", "--model", "deepchrome_paper", "--max-epochs", "1",
                  "--out", model, "--quiet"], args.after.resolve())
    checkouts = [("after", args.after.resolve())]
    if args.before:
        checkouts.append(("before", args.before.resolve()))
    print(f"data built in {built:.0f} s (0 = cached); model deepchrome_paper "
          f"({model.stat().st_size / 2**20:.1f} MiB); one torch thread")
    print()
    print("skdeepchrome predict, one fresh process per run; peak = its maximum resident set")
    print(f"{'checkout':9} {'input':>14} {'input MiB':>9} {'peak MiB':>9} {'KiB/gene':>9} "
          f"{'wall s':>7}  same as after")
    peaks = {}
    for n in args.genes:
        for fmt in args.formats:
            data = args.cache / f"genes{n}.{fmt}"
            outputs = {}
            for label, checkout in checkouts:
                out = args.cache / f"pred-{label}-{n}-{fmt}.csv"
                peak, wall, _ = measured(
                    [sys.executable, "-m", "skdeepchrome", "predict", "--model", model,
                     "--data", data, "--out", out, "--quiet"], checkout)
                outputs[label] = out.read_bytes()
                peaks[label, fmt, n] = peak
                same = "" if label == "after" else (
                    "identical" if outputs[label] == outputs["after"] else "DIFFERENT")
                print(f"{label:9} {f'{n} {fmt}':>14} {data.stat().st_size / 2**20:9.1f} "
                      f"{peak:9.0f} {peak * 1024 / n:9.1f} {wall:7.1f}  {same}", flush=True)
    if len(args.genes) > 1:
        small, large = min(args.genes), max(args.genes)
        print()
        print(f"growth from {small} to {large} genes: (peak at {large} - peak at {small}) / "
              f"{large - small} genes")
        for label, _ in checkouts:
            for fmt in args.formats:
                growth = (peaks[label, fmt, large] - peaks[label, fmt, small]) * 1024 / (
                    large - small)
                print(f"{label:9} {fmt:4} {growth:6.2f} KiB/gene "
                      f"({peaks[label, fmt, large] - peaks[label, fmt, small]:+.0f} MiB)")
    if args.python:
        print()
        print("predict_proba in Python on an array already in memory: peak resident memory "
              "during the call above the resident memory before it")
        print("  pipeline: load_model(...).predict_proba(counts), float32; network: its "
              "DeepChromeClassifier alone on the binned genes as float64")
        print(f"{'checkout':9} {'call':>8} {'genes':>7} {'X MiB':>7} {'extra MiB':>10} "
              f"{'x X':>5}")
        for call in ("pipeline", "network"):
            for n in args.genes:
                for label, checkout in checkouts:
                    _, _, out = measured([sys.executable, "-c", PYTHON_PROBE, model,
                                          args.cache / f"genes{n}.npz", call], checkout)
                    extra, x_mib = map(float, out.split())
                    print(f"{label:9} {call:>8} {n:7d} {x_mib:7.1f} {extra:10.1f} "
                          f"{extra / x_mib:5.2f}", flush=True)


if __name__ == "__main__":
    main()
