"""Cost of the comparison harness on this machine.

1. Wall time of the default ``skdeepchrome compare`` (simulated epigenomes of the release's
   size, every default model, the paper's protocol, then the real Roadmap sample).
2. Where those seconds go: the command's phases (start-up, the simulated part's set-up,
   fits, tests, report files and pictures, then the real sample's), timed in the command's
   process by wrapping its functions, with CPU seconds beside wall seconds (the parent's
   own, and its worker processes' from ``/proc``), and inside the workers each model's fit
   and prediction (the seconds each fit recorded). ``--cprofile N`` adds the parent
   process's N most expensive functions (cProfile, cumulative).
3. Per-epigenome cost of the paper protocol with the paper's four models (DeepChrome, SVM,
   random forest, logistic regression) on release-sized splits (6,601 / 6,601 / 6,600
   genes), model by model in one process, and what that means for the 56-epigenome REMC
   release.

    python benchmarks/bench_compare.py [--skip-cli] [--skip-protocol] [--n-jobs N]
                                       [--cprofile 25] [--compare-args='...']

``--n-jobs`` is the command's own default (-1: every core) unless given.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import platform
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager

import joblib
import torch

import skdeepchrome.cli._roadmap_sample as cli_roadmap
import skdeepchrome.cli.compare as cli_compare
import skdeepchrome.compare as compare
import skdeepchrome.compare._protocol as protocol
import skdeepchrome.compare._roadmap_sample as roadmap_protocol
import skdeepchrome.report._comparison as report
from skdeepchrome.cli import main as cli_main
from skdeepchrome.compare import paper_protocol
from skdeepchrome.datasets import simulate_epigenome

PAPER_MODELS = ["deepchrome", "svm", "random_forest", "logistic"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _descendants_cpu():
    """CPU seconds (user + system) of this process's live descendants, from /proc."""
    children = defaultdict(list)
    stats = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children[int(fields[1])].append(int(entry))
        stats[int(entry)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    total, todo = 0.0, list(children[os.getpid()])
    while todo:
        pid = todo.pop()
        total += stats.get(pid, 0.0)
        todo += children[pid]
    return total


def _exited_children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Phases:
    """Wall and CPU seconds per phase, from wrappers around the command's functions.

    A phase nested in another (the fits inside the protocol) is subtracted from the outer
    one when shown, so the rows add up to the command's wall time.
    """

    def __init__(self):
        self.wall = defaultdict(float)
        self.parent_cpu = defaultdict(float)
        self.worker_cpu = defaultdict(float)
        self.part = "simulated"
        self.results = {}
        self._stack = []

    @contextmanager
    def timed(self, phase):
        key = f"{self.part}: {phase}"
        start, cpu = time.perf_counter(), time.process_time()
        workers = _descendants_cpu() + _exited_children_cpu()
        self._stack.append(key)
        try:
            yield
        finally:
            self._stack.pop()
            wall = time.perf_counter() - start
            parent = time.process_time() - cpu
            worker = _descendants_cpu() + _exited_children_cpu() - workers
            self.wall[key] += wall
            self.parent_cpu[key] += parent
            self.worker_cpu[key] += worker
            if self._stack:  # the outer phase shows only what is its own
                outer = self._stack[-1]
                self.wall[outer] -= wall
                self.parent_cpu[outer] -= parent
                self.worker_cpu[outer] -= worker

    def wrap(self, module, name, phase, *, part=None, keep=False):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            previous = self.part
            if part is not None:
                self.part = part
            try:
                with self.timed(phase):
                    value = original(*args, **kwargs)
            finally:
                self.part = previous
            if keep:
                self.results.setdefault(part or self.part, value)
            return value

        setattr(module, name, wrapper)
        return original


def instrument():
    """Wrap the main job's functions; returns the :class:`Phases` and an undo callable."""
    phases = Phases()
    undo = []
    targets = [
        (cli_compare._data, "for_compare", "set-up: options, data, checks", {}),
        (compare, "paper_protocol", "protocol: collecting results", dict(keep=True)),
        (roadmap_protocol, "paper_protocol", "protocol: collecting results", dict(keep=True)),
        (protocol, "run_units", "fits in the workers (pool wall)", {}),
        (protocol, "epigenome_tests", "tests across epigenomes", {}),
        (roadmap_protocol, "per_epigenome_tests", "tests within epigenomes", {}),
        (cli_compare, "save_report", "report files", {}),
        (cli_roadmap, "save_report", "report files", {}),
        (report, "plot_roc_curves", "report pictures (ROC curves, scores)", {}),
        (report, "plot_model_scores", "report pictures (ROC curves, scores)", {}),
        (cli_roadmap, "run_real_sample", "loading, summary", dict(part="real sample")),
    ]
    for module, name, phase, options in targets:
        undo.append((module, name, phases.wrap(module, name, phase, **options)))

    def restore():
        for module, name, original in reversed(undo):
            setattr(module, name, original)

    return phases, restore


def start_up_seconds():
    """Wall and CPU seconds of ``python -m skdeepchrome compare``'s imports, in a fresh
    process (the command imports these before its first fit)."""
    code = "import skdeepchrome.cli.compare, skdeepchrome.compare, skdeepchrome.report"
    before = _exited_children_cpu()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start, _exited_children_cpu() - before


def _import_in_worker():
    import skdeepchrome.compare  # noqa: F401  (what a worker imports for its first fit)

    return os.getpid()


def worker_start_up_seconds(n_jobs):
    """Wall seconds for a fresh pool of ``n_jobs`` loky workers to start and import the
    package (in a fresh process, so that this one's warm pool is not reused)."""
    code = ("import time, joblib; from benchmarks_worker import _import_in_worker as f; "
            f"t = time.perf_counter(); joblib.Parallel(n_jobs={n_jobs})("
            f"joblib.delayed(f)() for _ in range(max(joblib.effective_n_jobs({n_jobs}), 1)));"
            " print(time.perf_counter() - t)")
    folder = tempfile.mkdtemp(prefix="skdc-bench-worker-")
    with open(os.path.join(folder, "benchmarks_worker.py"), "w") as handle:
        handle.write("import os\n\n\ndef _import_in_worker():\n"
                     "    import skdeepchrome.compare  # noqa: F401\n\n"
                     "    return os.getpid()\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [folder, *filter(None, [os.environ.get("PYTHONPATH")])]))
    output = subprocess.run([sys.executable, "-c", code], check=True, env=env,
                            capture_output=True, text=True).stdout
    return float(output.split()[-1])


def model_seconds(result):
    """Per model: (fits, summed fit seconds, summed predict seconds) as the fits recorded."""
    table = result.table
    first = table[table["metric"] == table["metric"].iloc[0]]
    first = first[first["model"] != "ceiling"]
    return first.groupby("model", sort=False)[["fit_seconds", "predict_seconds"]].agg(
        ["count", "sum"])


def show_breakdown(phases, wall, cpu, n_jobs):
    start_wall, start_cpu = start_up_seconds()
    pool_start = worker_start_up_seconds(n_jobs)
    rows = [("process start-up: imports (a fresh process, measured apart)", start_wall,
             start_cpu, 0.0)]
    keys = sorted(phases.wall, key=lambda k: (k.startswith("real"), k))
    for key in keys:
        rows.append((key, phases.wall[key], phases.parent_cpu[key], phases.worker_cpu[key]))
    accounted = sum(phases.wall.values())
    rows.append(("other (argument parsing, printing, the rest)", wall - accounted,
                 cpu - sum(phases.parent_cpu.values()), 0.0))
    total = start_wall + wall
    print(f"\n2. Where the seconds go (this run; wall s, share of the command's {total:.0f} s "
          "incl. start-up; CPU s of the command's process / of its worker processes):")
    for name, seconds, parent, worker in rows:
        print(f"   {name:<62} {seconds:7.1f} s  {100 * seconds / total:5.1f} %"
              f"   CPU {parent:6.1f} / {worker:6.1f}")
    print(f"   a fresh pool of {joblib.effective_n_jobs(n_jobs)} loky workers starting and "
          f"importing the package (measured apart, inside the fits' pool wall): "
          f"{pool_start:.1f} s wall")
    for part, result in phases.results.items():
        costs = model_seconds(result)
        pool = phases.wall.get(f"{part}: fits in the workers (pool wall)", float("nan"))
        workers = phases.worker_cpu.get(f"{part}: fits in the workers (pool wall)", 0.0)
        busy = costs.xs("sum", axis=1, level=1).to_numpy().sum()
        print(f"   inside the workers, {part} (seconds each fit recorded, summed over "
              f"{result.table['epigenome'].nunique()} epigenomes):")
        for model, row in costs.iterrows():
            print(f"     {model:<18} {int(row[('fit_seconds', 'count')])} fits: fit "
                  f"{row[('fit_seconds', 'sum')]:6.1f} s   predict "
                  f"{row[('predict_seconds', 'sum')]:5.1f} s")
        n = max(joblib.effective_n_jobs(n_jobs), 1)
        print(f"     fits and predictions {busy:.1f} s of {n} workers x {pool:.1f} s pool wall "
              f"({100 * busy / (n * pool):.0f} % busy); the workers' CPU {workers:.1f} s "
              "(the rest: worker start-up, loading / simulating epigenomes, data transfer, "
              "idle tail)")


def run_cli(n_jobs, profile_top, extra=()):
    phases, restore = instrument()
    profiler = cProfile.Profile() if profile_top else None
    argv = ["compare", "--quiet", *extra] + ([] if n_jobs is None else ["--n-jobs", str(n_jobs)])
    try:
        with tempfile.TemporaryDirectory() as out:
            start, cpu = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            cli_main([*argv, "--out", out])
            if profiler is not None:
                profiler.disable()
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        restore()
    return phases, wall, cpu, profiler, argv


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--skip-protocol", action="store_true",
                        help="skip part 3 (one epigenome, model by model)")
    parser.add_argument("--n-jobs", type=int, default=None,
                        help="for the default compare run (default: the command's own)")
    parser.add_argument("--cprofile", type=int, default=0, metavar="N",
                        help="show the command process's N most expensive functions")
    parser.add_argument("--compare-args", default="", metavar="'ARGS'",
                        help="more options for the compare run (a quick check: "
                        "--compare-args='--split-sizes 300,300,300')")
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, joblib sees {joblib.cpu_count()} cores; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the start")

    if not args.skip_cli:
        phases, wall, cpu, profiler, argv = run_cli(args.n_jobs, args.cprofile,
                                                    args.compare_args.split())
        n_jobs = -1 if args.n_jobs is None else args.n_jobs
        print(f"\n1. `skdeepchrome {' '.join(argv)}`: {wall:.0f} s "
              f"wall in this process (CPU: {cpu:.0f} s here, "
              f"{sum(phases.worker_cpu.values()):.0f} s in its workers)")
        show_breakdown(phases, wall, cpu, n_jobs)
        if profiler is not None:
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(
                args.cprofile)
            print(f"\n   cProfile of the command's process, top {args.cprofile} by cumulative "
                  "time (the workers' fits are not in it):")
            print("\n".join("   " + line for line in text.getvalue().splitlines()
                            if line.strip()))

    if args.skip_protocol:
        return
    start = time.perf_counter()
    epigenome = simulate_epigenome(random_state=0)
    simulate = time.perf_counter() - start
    start, cpu = time.perf_counter(), time.process_time()
    result = paper_protocol(epigenome, models=PAPER_MODELS, random_state=0, verbose=0)
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    costs = (result.table[result.table["metric"] == "roc_auc"]
             .set_index("model")[["fit_seconds", "predict_seconds", "value"]])
    print("\n3. Paper protocol, one release-sized epigenome, one process:")
    print(f"   simulate train/valid/test: {simulate:.1f} s")
    for model, row in costs.iterrows():
        if model == "ceiling":
            continue
        print(f"   {model:<15} fit {row.fit_seconds:6.1f} s   predict {row.predict_seconds:5.1f} s"
              f"   test AUC {row.value:.3f}")
    print(f"   ceiling (Bayes posterior)                       test AUC "
          f"{costs.loc['ceiling', 'value']:.3f}")
    print(f"   total per epigenome: {total:.0f} s wall, {cpu:.0f} s CPU")
    print(f"   56 epigenomes: {56 * total / 3600:.1f} h on one worker of this kind; "
          f"{56 * total / 3600 / 8:.2f} h on 8 such workers "
          f"(skdeepchrome compare --data ROOT --scheduler ADDRESS)")


if __name__ == "__main__":
    main()
