"""extract_signal against deeptools computeMatrix on the same synthetic bigWig tracks.

Writes a synthetic genome (several chromosomes), ``--tracks`` bigWig tracks of
variable-length intervals with gaps (values on a 1/8 grid, so both tools' arithmetic is
exact and outputs can be compared bit for bit), and ``--genes`` genes on both strands as
BED6. Times ``read_tss`` + ``extract_signal`` with ``n_jobs=1`` and ``n_jobs=2``, each
cold (the first call in a fresh Python process, after ``import skdeepchrome.genome``: lazy
imports and starting the worker processes count) and warm (the next calls in that
process), against ``computeMatrix reference-point --referencePoint TSS -b F -a F
--binSize B --averageTypeBins mean --missingDataAsZero -p N`` on the same threads, and
prints whether the matrices are identical (computeMatrix's 6-decimal text output parsed
back to float32). Usage::

    python benchmarks/bench_extract.py [--genes 20000] [--tracks 5] [--repeats 3]
        [--cm-repeats 1] [--cold-repeats 3] [--genome-mb 480] [--workdir DIR]
        [--no-computematrix]
    python benchmarks/bench_extract.py --genes 4000 --genome-mb 100   # the small case
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def chromosome_sizes(total_mb, n_chroms=6):
    weights = np.linspace(1.6, 0.8, n_chroms)
    sizes = (weights / weights.sum() * total_mb * 1e6).astype(int)
    return [(f"chr{i + 1}", int(size) - int(size) % 1000 + 537) for i, size in enumerate(sizes)]


def write_track(path, chroms, seed):
    import pyBigWig

    rng = np.random.default_rng(seed)
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader(chroms, maxZooms=10)
    for chrom, length in chroms:
        position = int(rng.integers(0, 200))
        while position < length:
            n = 1_000_000
            lengths = rng.integers(20, 200, n)
            gaps = rng.integers(1, 600, n) * (rng.random(n) < 0.2)
            starts = position + np.concatenate([[0], np.cumsum(lengths + gaps)[:-1]])
            ends = starts + lengths
            keep = ends <= length
            starts, ends = starts[keep], ends[keep]
            values = np.round(rng.gamma(0.8, 2.5, len(starts)) * 8) / 8
            if len(starts):
                bw.addEntries([chrom] * len(starts), starts.tolist(), ends=ends.tolist(),
                              values=values.tolist())
            position = int(ends[-1]) + 1 if len(starts) and keep.all() else length
    bw.close()


def write_genes(path, chroms, n_genes, seed):
    rng = np.random.default_rng(seed)
    sizes = np.array([length for _, length in chroms], dtype=float)
    which = rng.choice(len(chroms), size=n_genes, p=sizes / sizes.sum())
    with open(path, "w") as fh:
        for i, c in enumerate(which):
            chrom, length = chroms[c]
            start = int(rng.integers(0, length - 1))
            end = min(length, start + int(rng.integers(500, 60_000)))
            strand = "+-"[int(rng.integers(0, 2))]
            fh.write(f"{chrom}\t{start}\t{end}\tgene{i:05d}\t0\t{strand}\n")


def run_ours(genes, tracks, flank, bin_size, n_jobs=2):
    from skdeepchrome.genome import extract_signal, read_tss

    table = read_tss(genes)
    return extract_signal(table, tracks, flank=flank, bin_size=bin_size, statistic="mean",
                          n_jobs=n_jobs, progress=False)


def time_in_fresh_process(genes, tracks, flank, bin_size, n_jobs, repeats):
    """``[cold, warm, warm, ...]`` seconds of extraction calls in a new Python process."""
    code = (
        "import json, sys, time\n"
        "import skdeepchrome.genome\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from bench_extract import run_ours\n"
        "times = []\n"
        f"for _ in range({repeats + 1}):\n"
        "    t = time.perf_counter()\n"
        f"    run_ours({str(genes)!r}, {({k: str(v) for k, v in tracks.items()})!r}, "
        f"{flank}, {bin_size}, n_jobs={n_jobs})\n"
        "    times.append(time.perf_counter() - t)\n"
        "print(json.dumps(times))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, env=dict(os.environ))
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_computematrix(genes, tracks, flank, bin_size, out, threads=2):
    subprocess.run(
        ["computeMatrix", "reference-point", "--referencePoint", "TSS", "-b", str(flank),
         "-a", str(flank), "--binSize", str(bin_size), "--averageTypeBins", "mean",
         "--missingDataAsZero", "-R", str(genes), "-S", *map(str, tracks.values()),
         "-o", str(out), "-p", str(threads), "--quiet"],
        check=True,
    )


def read_computematrix(path):
    names, rows = [], []
    with gzip.open(path, "rt") as fh:
        next(fh)
        for line in fh:
            fields = line.rstrip("\n").split("\t")
            names.append(fields[3])
            rows.append(np.array(fields[6:], dtype=np.float64))
    return names, np.array(rows).astype(np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genes", type=int, default=20_000)
    parser.add_argument("--tracks", type=int, default=5)
    parser.add_argument("--genome-mb", type=float, default=480)
    parser.add_argument("--flank", type=int, default=5000)
    parser.add_argument("--bin-size", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cm-repeats", type=int, default=1)
    parser.add_argument("--cold-repeats", type=int, default=3,
                        help="fresh processes per n_jobs setting (the cold time is their "
                        "median)")
    parser.add_argument("--workdir", default=None, help="keep the files here (reused if present)")
    parser.add_argument("--no-computematrix", action="store_true",
                        help="time skdeepchrome only; compare outputs with a computeMatrix.gz "
                        "left in --workdir by an earlier run")
    args = parser.parse_args()
    if shutil.which("computeMatrix") is None:
        sys.exit("computeMatrix not found: pip install deeptools")

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench_extract_"))
    workdir.mkdir(parents=True, exist_ok=True)
    chroms = chromosome_sizes(args.genome_mb)
    genes = workdir / f"genes{args.genes}.bed"
    tracks = {f"mark{i}": workdir / f"track{i}_{args.genome_mb:g}mb.bw" for i in range(args.tracks)}
    t0 = time.perf_counter()
    if not genes.exists():
        write_genes(genes, chroms, args.genes, seed=1)
    for i, path in enumerate(tracks.values()):
        if not path.exists():
            write_track(path, chroms, seed=100 + i)
    setup = time.perf_counter() - t0
    size_mb = sum(p.stat().st_size for p in tracks.values()) / 1e6
    print(f"python {platform.python_version()}, {platform.machine()}, files in {workdir}")
    print(f"genome: {len(chroms)} chromosomes, {sum(c[1] for c in chroms) / 1e6:.0f} Mb; "
          f"{args.genes} genes, {args.tracks} bigWig tracks ({size_mb:.0f} MB), "
          f"+/-{args.flank} bp in {args.bin_size}-bp bins; setup {setup:.1f} s")

    # Fresh processes alternate between n_jobs=1 and 2, so that a burst of load on a shared
    # machine falls on both; the cold figure is the median over --cold-repeats processes.
    runs = {1: [], 2: []}
    for _ in range(args.cold_repeats):
        for n in (1, 2):
            runs[n].append(time_in_fresh_process(genes, tracks, args.flank, args.bin_size, n,
                                                 args.repeats))
    timings = {n: [statistics.median(r[0] for r in runs[n])]
               + [t for r in runs[n] for t in r[1:]] for n in runs}
    out = workdir / "computeMatrix.gz"
    cm_times = {1: [float("nan")], 2: [float("nan")]}
    for threads in () if args.no_computematrix else (1, 2):
        cm_times[threads] = []
        for _ in range(args.cm_repeats):
            t = time.perf_counter()
            run_computematrix(genes, tracks, args.flank, args.bin_size, out, threads)
            cm_times[threads].append(time.perf_counter() - t)

    ours = run_ours(genes, tracks, args.flank, args.bin_size)
    names, theirs = read_computematrix(out)
    rows = {g: i for i, g in enumerate(ours.gene_ids)}
    mine = ours.data[[rows[name] for name in names]]
    identical = len(names) == len(ours.gene_ids) and np.array_equal(mine, theirs)
    max_diff = float(np.abs(mine - theirs).max()) if len(names) else float("nan")

    for n, times in timings.items():
        cold, warm = times[0], statistics.median(times[1:])
        cm = statistics.median(cm_times[n])
        print(f"extract_signal n_jobs={n}: cold {cold:.2f} s (median of {args.cold_repeats} "
              f"processes {[round(r[0], 2) for r in runs[n]]}), warm median {warm:.2f} s; "
              f"computeMatrix -p {n}: {cm:.2f} s "
              f"({cm / cold:.1f}x cold, {cm / warm:.1f}x warm)")
    verdict = "not slower" if timings[2][0] <= timings[1][0] * 1.05 else "SLOWER"
    print(f"cold n_jobs=2 vs n_jobs=1: {timings[2][0]:.2f} s vs {timings[1][0]:.2f} s "
          f"({verdict})")
    print(f"outputs identical: {identical} ({len(names)} of {len(ours.gene_ids)} genes in "
          f"computeMatrix's output; max |difference| {max_diff:.3g})")


if __name__ == "__main__":
    main()
