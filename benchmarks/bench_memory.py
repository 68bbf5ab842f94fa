"""Peak memory and time per epigenome of ``skdeepchrome compare`` over a 56-epigenome root.

Builds a simulated root shaped like the REMC release (56 epigenome folders, each with
train / valid / test CSVs of 6,601 / 6,601 / 6,600 genes x 100 bins x 5 marks, about
60 MB per epigenome, 3.4 GB in all) once into a cache folder, then runs
``skdeepchrome compare --data ROOT --n-jobs 2`` in a subprocess and samples the resident
memory of the whole process tree (the command and its joblib workers) every 0.2 s. The
target is a peak under 3 GB: the command streams epigenomes, so a worker holds at most two at a
time, never the release.

To keep the root's 3.4 GB cheap to build, ``--distinct`` simulated epigenomes (default 8,
one per cell-type preset in turn) are written once and the other folders are hard links
to their files: every folder is still read, parsed and fitted on its own.

Run: ``python benchmarks/bench_memory.py [--models logistic,random_forest]
[--epigenomes 56] [--cache /tmp/skdeepchrome-bench-root] [--deepchrome 4] [--skip-main]``
(``--deepchrome N`` adds a run with the CNN over the first N epigenomes.)

The whole release with the recommended model and every baseline (issue 25: within 30
minutes on the 2-core machine), in one command::

    python benchmarks/bench_memory.py --release            # all 56 epigenomes
    python benchmarks/bench_memory.py --release --subset 4 # the first 4, extrapolated to 56

Each run also reports the CPU seconds of the whole process tree (the command and its
workers), which a busy machine inflates far less than the wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

N_EPIGENOMES = 56
#: ``skdeepchrome compare``'s default models: the recommended network and every baseline.
RELEASE_MODELS = "deepchrome,svm,random_forest,logistic,gradient_boosting"
#: Issue 25's target for the whole release on the 2-core machine.
RELEASE_TARGET_S = 30 * 60


def build_root(root, n_epigenomes, distinct):
    """Write (once) a release-shaped root of ``n_epigenomes`` folders under ``root``."""
    from skdeepchrome.datasets import cell_type_names, save_deepchrome_csv, simulate_epigenome

    root = Path(root)
    done = root / ".complete"
    if done.exists() and done.read_text() == f"{n_epigenomes},{distinct}":
        return 0.0
    start = time.perf_counter()
    root.mkdir(parents=True, exist_ok=True)
    presets = cell_type_names()
    for i in range(n_epigenomes):
        folder = root / f"E{i + 1:03d}"
        folder.mkdir(exist_ok=True)
        source = root / f"E{i % distinct + 1:03d}"
        missing = [s for s in ("train", "valid", "test") if not (folder / f"{s}.csv").exists()]
        if missing and i < distinct:
            epigenome = simulate_epigenome(presets[i % len(presets)], random_state=i)
            for split in missing:
                part = epigenome[split]
                genes = [f"G{g:05d}" for g in range(len(part.target))]
                save_deepchrome_csv(folder / f"{split}.csv", part.data, part.target, genes,
                                    marks=epigenome.marks)
        elif missing:
            for split in missing:
                os.link(source / f"{split}.csv", folder / f"{split}.csv")
    done.write_text(f"{n_epigenomes},{distinct}")
    return time.perf_counter() - start


def _tree_rss(pid):
    """Resident bytes of ``pid`` and all its descendants (psutil, else /proc)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil is usually present
        psutil = None
    if psutil is not None:
        try:
            parent = psutil.Process(pid)
            procs = [parent, *parent.children(recursive=True)]
        except psutil.NoSuchProcess:
            return 0, 0
        total = 0
        for proc in procs:
            try:
                total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total, len(procs)
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry.name))
            except OSError:
                pass
    todo, total, count = [pid], 0, 0
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    count += 1
        except OSError:
            pass
        todo += children.get(current, [])
    return total, count


def _children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(command, env):
    """Run ``command``; return (seconds, peak tree RSS in bytes, peak processes, rc, output,
    CPU seconds of the process tree)."""
    cpu = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    peak, peak_procs = 0, 0
    while proc.poll() is None:
        rss, count = _tree_rss(proc.pid)
        peak, peak_procs = max(peak, rss), max(peak_procs, count)
        time.sleep(0.2)
    output = proc.stdout.read()
    # The command waits for its workers, so their CPU time is in its children's account.
    return (time.perf_counter() - start, peak, peak_procs, proc.returncode, output,
            _children_cpu() - cpu)


def run_compare(root, models, n_jobs, subset=None):
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    data = root
    tmp = None
    if subset is not None:
        tmp = tempfile.TemporaryDirectory(prefix="skdc-bench-subset-")
        data = Path(tmp.name) / "root"
        data.mkdir()
        for folder in sorted(Path(root).glob("E*"))[:subset]:
            (data / folder.name).symlink_to(folder.resolve())
    with tempfile.TemporaryDirectory(prefix="skdc-bench-report-") as out:
        command = [sys.executable, "-m", "skdeepchrome", "compare", "--data", str(data),
                   "--models", models, "--n-jobs", str(n_jobs), "--out", out, "--no-plots"]
        seconds, peak, procs, rc, output, cpu = measure(command, env)
    if tmp is not None:
        tmp.cleanup()
    return command, seconds, peak, procs, rc, output, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default="/tmp/skdeepchrome-bench-root")
    parser.add_argument("--epigenomes", type=int, default=N_EPIGENOMES)
    parser.add_argument("--distinct", type=int, default=8)
    parser.add_argument("--models", default="logistic,random_forest")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--deepchrome", type=int, default=0, metavar="N",
                        help="also run with deepchrome on the first N epigenomes")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--skip-main", action="store_true",
                        help="only the --deepchrome run, not the one over every epigenome")
    parser.add_argument("--release", action="store_true",
                        help=f"one run with every default model ({RELEASE_MODELS}) over the "
                        "root (or --subset), timed against the 30-minute target")
    parser.add_argument("--subset", type=int, default=None, metavar="N",
                        help="with --release: only the first N epigenomes, extrapolated")
    args = parser.parse_args()

    build = build_root(args.cache, args.epigenomes, args.distinct)
    size = sum(f.stat().st_size for f in Path(args.cache).rglob("*.csv"))
    print(f"root: {args.epigenomes} epigenomes ({args.distinct} distinct, the rest hard "
          f"links), {size / 2**30:.2f} GiB of CSV"
          + (f", built in {build:.0f} s" if build else " (cached)"))
    if args.build_only:
        return
    runs = [] if args.skip_main else [(args.models, None)]
    if args.deepchrome:
        runs.append((f"deepchrome,{args.models}", args.deepchrome))
    if args.release:
        runs = [(RELEASE_MODELS, args.subset)]
    for models, subset in runs:
        command, seconds, peak, procs, rc, output, cpu = run_compare(args.cache, models,
                                                                     args.n_jobs, subset)
        n = subset or args.epigenomes
        shown = " ".join(command[1:]).replace(str(Path(sys.executable)), "python")
        print(f"\n$ python {shown}")
        print(f"exit status {rc}; {seconds:.0f} s wall, {seconds / n:.1f} s per epigenome "
              f"({n} epigenomes, --n-jobs {args.n_jobs}); CPU {cpu:.0f} s for the process "
              f"tree, {cpu / n:.1f} s per epigenome")
        if args.release:
            cores = min(os.cpu_count() or 1, max(args.n_jobs, 1))
            whole = seconds * N_EPIGENOMES / n
            print(f"the release ({N_EPIGENOMES} epigenomes): "
                  + (f"{seconds / 60:.1f} min wall" if n == N_EPIGENOMES else
                     f"extrapolated from {n}: {whole / 60:.1f} min wall at this load, "
                     f"{cpu * N_EPIGENOMES / n / cores / 60:.1f} min if its CPU time "
                     f"were spread over {cores} otherwise idle cores")
                  + f"; target {RELEASE_TARGET_S // 60} min")
        print(f"peak resident memory of the process tree: {peak / 2**30:.2f} GiB "
              f"(up to {procs} processes; target < 3 GiB)")
        if rc:
            print(output[-3000:])
        else:
            tail = [line for line in output.splitlines() if line.strip()][-12:]
            print("\n".join(tail))


if __name__ == "__main__":
    main()
