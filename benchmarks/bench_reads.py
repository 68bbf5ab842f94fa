"""count_reads against bedtools multicov on the same synthetic BAM.

Writes a coordinate-sorted, indexed BAM of ``--reads`` single-end 36-bp reads (random
strands, MAPQ 0-60, 2% flagged duplicates) over a synthetic genome, and ``--genes`` TSS
windows of +/-``--flank`` bp in ``--bin-size`` bins. Times
``count_reads(..., n_jobs=2)`` against ``bedtools multicov -bams reads.bam -bed bins.bed``
(the DeepChrome authors' tool) on every bin, and prints medians, the ratio, reads per
second (all reads in the BAM, and the reads that overlap a window, which are the ones
either tool has to look at) and whether the counts are identical.

    python benchmarks/bench_reads.py [--reads 10000000] [--genes 20000] [--repeats 3]
        [--bedtools-repeats 1] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from skdeepchrome.genome import count_reads


def chromosome_sizes(total_mb, n_chroms=6):
    weights = np.linspace(1.6, 0.8, n_chroms)
    sizes = (weights / weights.sum() * total_mb * 1e6).astype(int)
    return [(f"chr{i + 1}", int(size)) for i, size in enumerate(sizes)]


def write_bam(path, chroms, n_reads, seed):
    import pysam

    rng = np.random.default_rng(seed)
    lengths = np.array([length for _, length in chroms], dtype=float)
    per_chrom = rng.multinomial(n_reads, lengths / lengths.sum())
    sam = path.with_suffix(".sam")
    part = path.with_suffix(".part.bam")
    with open(sam, "w") as fh:
        fh.write("@HD\tVN:1.6\tSO:coordinate\n")
        for chrom, length in chroms:
            fh.write(f"@SQ\tSN:{chrom}\tLN:{length}\n")
        for (chrom, length), n in zip(chroms, per_chrom):
            positions = np.sort(rng.integers(0, length - 36, n))
            for first in range(0, n, 2_000_000):
                pos = positions[first:first + 2_000_000]
                m = len(pos)
                flag = np.where(rng.random(m) < 0.5, 16, 0) | np.where(
                    rng.random(m) < 0.02, 0x400, 0)
                frame = pd.DataFrame({
                    "qname": "r", "flag": flag, "rname": chrom, "pos": pos + 1,
                    "mapq": rng.integers(0, 61, m), "cigar": "36M", "rnext": "*", "pnext": 0,
                    "tlen": 0, "seq": "*", "qual": "*",
                })
                frame.to_csv(fh, sep="\t", header=False, index=False)
    pysam.view("-b", "-o", str(part), str(sam), catch_stdout=False)
    sam.unlink()
    part.rename(path)
    pysam.index(str(path))


def write_genes(chroms, n_genes, flank, seed):
    rng = np.random.default_rng(seed)
    lengths = np.array([length for _, length in chroms], dtype=float)
    which = rng.choice(len(chroms), size=n_genes, p=lengths / lengths.sum())
    return pd.DataFrame({
        "gene_id": [f"gene{i:05d}" for i in range(n_genes)],
        "chrom": [chroms[c][0] for c in which],
        "tss": [int(rng.integers(flank, chroms[c][1] - flank)) for c in which],
        "strand": np.where(rng.random(n_genes) < 0.5, "+", "-"),
    })


def write_bins(path, table, flank, bin_size):
    n_bins = 2 * flank // bin_size
    left = table["tss"].to_numpy() - flank + (table["strand"] == "-").to_numpy()
    starts = (left[:, None] + np.arange(n_bins) * bin_size).ravel()
    frame = pd.DataFrame({"chrom": np.repeat(table["chrom"].to_numpy(), n_bins),
                          "start": starts, "end": starts + bin_size})
    frame.to_csv(path, sep="\t", header=False, index=False)


def read_multicov(text, table, n_bins):
    counts = np.loadtxt(text.splitlines(), usecols=3, dtype=np.float32).reshape(len(table),
                                                                                n_bins)
    minus = (table["strand"] == "-").to_numpy()
    counts[minus] = counts[minus, ::-1]
    return counts


def reads_in_windows(bam_path, table, flank):
    import pysam

    total = 0
    with pysam.AlignmentFile(str(bam_path)) as bam:
        for chrom, rows in table.groupby("chrom"):
            left = np.sort(rows["tss"].to_numpy() - flank)
            # Merge overlapping windows so that no read is counted twice.
            start, end = left[0], left[0] + 2 * flank
            for s in left[1:]:
                if s > end:
                    total += bam.count(chrom, int(start), int(end))
                    start = s
                end = s + 2 * flank
            total += bam.count(chrom, int(start), int(end))
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=10_000_000)
    parser.add_argument("--genes", type=int, default=20_000)
    parser.add_argument("--genome-mb", type=float, default=300)
    parser.add_argument("--flank", type=int, default=5000)
    parser.add_argument("--bin-size", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--bedtools-repeats", type=int, default=1)
    parser.add_argument("--workdir", default=None, help="keep the files here (reused if present)")
    args = parser.parse_args()
    if shutil.which("bedtools") is None:
        sys.exit("bedtools not found: apt-get install bedtools")

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="bench_reads_"))
    workdir.mkdir(parents=True, exist_ok=True)
    chroms = chromosome_sizes(args.genome_mb)
    bam = workdir / f"reads{args.reads}_{args.genome_mb:g}mb.bam"
    t0 = time.perf_counter()
    if not bam.exists():
        write_bam(bam, chroms, args.reads, seed=3)
    table = write_genes(chroms, args.genes, args.flank, seed=4)
    bins = workdir / "bins.bed"
    write_bins(bins, table, args.flank, args.bin_size)
    setup = time.perf_counter() - t0
    n_in_windows = reads_in_windows(bam, table, args.flank)
    n_bins = 2 * args.flank // args.bin_size
    print(f"python {platform.python_version()}, {platform.machine()}, files in {workdir}")
    print(f"BAM: {args.reads} reads ({bam.stat().st_size / 1e6:.0f} MB) over "
          f"{sum(c[1] for c in chroms) / 1e6:.0f} Mb, {n_in_windows} of them in a window; "
          f"{args.genes} genes x {n_bins} bins of {args.bin_size} bp; setup {setup:.1f} s")

    ours_times, bed_times = [], []
    ours = None
    for _ in range(args.repeats):
        t = time.perf_counter()
        ours = count_reads(table, {"reads": bam}, flank=args.flank, bin_size=args.bin_size,
                           n_jobs=2, progress=False)
        ours_times.append(time.perf_counter() - t)
    text = ""
    for _ in range(args.bedtools_repeats):
        t = time.perf_counter()
        text = subprocess.run(["bedtools", "multicov", "-bams", str(bam), "-bed", str(bins)],
                              check=True, capture_output=True, text=True).stdout
        bed_times.append(time.perf_counter() - t)
    theirs = read_multicov(text, table, n_bins)
    identical = np.array_equal(ours.data, theirs)

    ours_median, bed_median = statistics.median(ours_times), statistics.median(bed_times)
    print(f"skdeepchrome count_reads (n_jobs=2): median {ours_median:.2f} s over {args.repeats} "
          f"runs {[round(t, 2) for t in ours_times]}")
    print(f"bedtools multicov:                   median {bed_median:.2f} s over "
          f"{args.bedtools_repeats} run(s) {[round(t, 2) for t in bed_times]}")
    print(f"speed-up: {bed_median / ours_median:.1f}x")
    print(f"reads/s, all reads in the BAM: count_reads {args.reads / ours_median:,.0f}, "
          f"multicov {args.reads / bed_median:,.0f}")
    print(f"reads/s, reads in a window:    count_reads {n_in_windows / ours_median:,.0f}, "
          f"multicov {n_in_windows / bed_median:,.0f}")
    print(f"counts identical: {identical} (total {int(theirs.sum())} read-bin overlaps)")


if __name__ == "__main__":
    main()
