"""Cold ``skdeepchrome predict`` on 200 genes with the recommended model: wall, CPU, imports.

Builds once into a cache folder 200 simulated genes as a DeepChrome CSV and, with each
checkout, the recommended model (``deepchrome``: five networks, a 12-13 MB file; trained
for one epoch, since its size does not depend on the epochs), then runs
``skdeepchrome predict --model M --data D --out P`` in fresh processes, alternating the
checkouts measured (``--before`` another one, e.g. ``git archive`` of an older commit):
median wall and CPU (user + system) seconds over ``--repeats`` runs each. CPU time is
less sensitive than wall time to other work on the machine; the load average is printed.
Then ``--import-repeats`` runs each under ``python -X importtime``: the seconds spent
importing (the sum of every module's own time, which ``-X importtime`` itself inflates a
little), by top-level package, for the run of median total, and whether the heavy
modules a prediction does not need were imported.

Run: ``python benchmarks/bench_cold_predict.py [--repeats 7] [--import-repeats 3]
[--before CHECKOUT] [--after CHECKOUT] [--cache /tmp/skdeepchrome-bench-cold]``
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
N_GENES = 200
#: Modules a prediction with a network does not need; each costs a noticeable import
#: (tests/test_predict_path.py checks that a predict imports none of them).
NOT_NEEDED = ("torch._dynamo", "matplotlib", "skops", "sklearn.ensemble", "sklearn.svm",
              "sklearn.tree", "sympy")
GROUPS = ("torch", "sklearn", "scipy", "pandas", "numpy", "skorch", "skdeepchrome")


def build(cache, checkouts):
    """Write (once) the genes, and the model as each checkout saves it, under ``cache``."""
    from skdeepchrome.datasets import make_histone_dataset, save_deepchrome_csv, save_npz_dataset

    cache.mkdir(parents=True, exist_ok=True)
    data = cache / f"genes{N_GENES}.csv"
    if not data.exists():
        genes = make_histone_dataset(n_genes=N_GENES, random_state=1)
        save_deepchrome_csv(data, genes.data, genes.target,
                            [f"{i:06d}" for i in range(N_GENES)], marks=genes.marks)
    train = cache / "train.npz"
    if not train.exists():
        genes = make_histone_dataset(n_genes=1000, random_state=0)
        save_npz_dataset(train, genes.data, marks=genes.marks, target=genes.target,
                         gene_ids=[f"T{i}" for i in range(1000)])
    models = {}
    for label, checkout in checkouts:
        # Each checkout's own file: how a model is written is part of what loading costs.
        # Named by the checkout's code, so a cache kept from another checkout is not reused.
        models[label] = cache / f"deepchrome-{label}-{_code_digest(checkout)}.skdc"
        if not models[label].exists():
            run([sys.executable, "-m", "skdeepchrome", "train", "--data", train, "--model",
                 "deepchrome", "--max-epochs", "1", "--out", models[label], "--quiet"],
                checkout)
    return data, models


def _code_digest(checkout):
    """A short digest of ``checkout``'s package source (what writes and reads the model)."""
    digest = hashlib.sha256()
    for path in sorted((checkout / "skdeepchrome").rglob("*.py")):
        digest.update(str(path.relative_to(checkout)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _commit(checkout):
    """``checkout``'s commit and whether its files differ from it, when it is a git one."""
    def git(*argv):
        return subprocess.run(["git", "-C", str(checkout), *argv], capture_output=True,
                              text=True).stdout.strip()

    if not (checkout / ".git").exists():
        return "not a git checkout"
    changed = git("status", "--porcelain", "--untracked-files=no", "--", "skdeepchrome")
    return f"commit {git('rev-parse', '--short', 'HEAD')}" + (" + changes" if changed else "")


def run(argv, checkout):
    """``(wall s, CPU s, stderr)`` of ``argv`` in a fresh process using ``checkout``."""
    env = dict(os.environ, PYTHONPATH=str(checkout), OMP_NUM_THREADS="1")
    start = time.perf_counter()
    # cwd: not this repository, whose package "python -m" would put before PYTHONPATH's.
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, cwd=checkout.parent)
    err = process.stderr.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(map(str, argv))} failed:\n{err[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, err


def import_times(text):
    """``{module: own seconds}`` from ``-X importtime`` output."""
    found = {}
    for line in text.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \| +(\S+)", line)
        if match:
            found[match.group(2)] = found.get(match.group(2), 0) + int(match.group(1)) / 1e6
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--import-repeats", type=int, default=3)
    parser.add_argument("--before", type=Path, default=None)
    parser.add_argument("--after", type=Path, default=ROOT)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/skdeepchrome-bench-cold"))
    args = parser.parse_args()
    args.cache = args.cache.resolve()  # the runs start elsewhere
    checkouts = [("after", args.after.resolve())]
    if args.before:
        checkouts.append(("before", args.before.resolve()))
    data, models = build(args.cache, checkouts)
    out = args.cache / "predictions.csv"

    def argv(label):
        return ["-m", "skdeepchrome", "predict", "--model", str(models[label]), "--data",
                str(data), "--out", str(out)]

    print(f"skdeepchrome predict on {N_GENES} genes (CSV), model deepchrome (five networks, "
          "one file per checkout: "
          + ", ".join(f"{label} {models[label].stat().st_size / 1e6:.1f} MB"
                      for label, _ in checkouts) + "); one torch thread")
    print("checkouts: " + "; ".join(f"{label} {checkout} ({_commit(checkout)})"
                                    for label, checkout in checkouts))
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    times = {label: ([], []) for label, _ in checkouts}
    for label, checkout in checkouts:  # warm the file cache
        run([sys.executable, *argv(label)], checkout)
    for _ in range(args.repeats):
        for label, checkout in checkouts:
            wall, cpu, _ = run([sys.executable, *argv(label)], checkout)
            times[label][0].append(wall)
            times[label][1].append(cpu)
    print(f"load average at end:   {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    print(f"{'checkout':9} {'wall median s':>13} {'wall min s':>10} {'CPU median s':>12}"
          f"  (over {args.repeats} cold runs each, alternating)")
    for label, (walls, cpus) in times.items():
        print(f"{label:9} {statistics.median(walls):13.2f} {min(walls):10.2f} "
              f"{statistics.median(cpus):12.2f}")
    print()
    print(f"python -X importtime ({args.import_repeats} runs each, alternating; the run of "
          "median total shown): seconds importing, by package")
    print(f"{'checkout':9} {'total':>6} " + " ".join(f"{g:>12}" for g in GROUPS)
          + f" {'other':>6}  imported but not needed")
    runs = {label: [] for label, _ in checkouts}
    for _ in range(args.import_repeats):
        for label, checkout in checkouts:
            _, _, err = run([sys.executable, "-X", "importtime", *argv(label)], checkout)
            runs[label].append(import_times(err))
    for label, _ in checkouts:
        own = sorted(runs[label], key=lambda found: sum(found.values()))[
            len(runs[label]) // 2]
        by_group = {g: sum(t for m, t in own.items() if m.split(".")[0] == g) for g in GROUPS}
        other = sum(own.values()) - sum(by_group.values())
        needless = [m for m in NOT_NEEDED if m in own] or ["none"]
        print(f"{label:9} {sum(own.values()):6.2f} "
              + " ".join(f"{by_group[g]:12.2f}" for g in GROUPS)
              + f" {other:6.2f}  {', '.join(needless)}")


if __name__ == "__main__":
    main()
