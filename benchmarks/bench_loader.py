"""How much slower is load_deepchrome_csv than a bare pandas.read_csv of the same file?

Generates one full-size DeepChrome split (6,601 genes x 100 bins = 660,100 rows, five
marks of sparse integer counts, zero-padded GeneIDs) in a temporary folder, then times
``pandas.read_csv(path, header=None)`` and ``load_deepchrome_csv(path)`` alternately,
so both see the same machine load, and prints the medians and their ratio. The target is
a ratio of at most 1.5: everything the loader adds (keeping GeneIDs as text, validation,
regrouping into the mark-major layout) must cost less than half a parse.

Run: ``python benchmarks/bench_loader.py [--repeats 11] [--gzip]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from skdeepchrome.datasets import load_deepchrome_csv, save_deepchrome_csv
from skdeepchrome.layout import REMC_MARKS

N_GENES, N_BINS = 6601, 100


def make_split(path, random_state=0):
    """Write a realistic full-size split: sparse counts with an enriched TSS for some marks."""
    rng = np.random.default_rng(random_state)
    gene_ids = np.char.zfill(
        np.sort(rng.choice(20_000, N_GENES, replace=False)).astype(str), 6
    )
    # Mostly zeros with occasional bursts, as in the release (negative binomial counts).
    X = rng.negative_binomial(0.3, 0.2, size=(N_GENES, len(REMC_MARKS), N_BINS))
    y = rng.integers(0, 2, N_GENES)
    save_deepchrome_csv(path, X, y, gene_ids)
    return X, y, gene_ids


def median_times(functions, repeats):
    times = {name: [] for name in functions}
    for _ in range(repeats):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - start)
    return {name: float(np.median(t)) for name, t in times.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--gzip", action="store_true", help="also time a .csv.gz file")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        names = ["train.csv"] + (["train.csv.gz"] if args.gzip else [])
        for name in names:
            path = Path(tmp) / name
            X, y, gene_ids = make_split(path)
            loaded = load_deepchrome_csv(path)  # warm-up, and a check that it round-trips
            assert np.array_equal(loaded.data, X.reshape(N_GENES, -1))
            assert loaded.gene_ids.tolist() == gene_ids.tolist()
            medians = median_times(
                {
                    "pandas.read_csv": lambda p=path: pd.read_csv(p, header=None),
                    "load_deepchrome_csv": lambda p=path: load_deepchrome_csv(p),
                },
                args.repeats,
            )
            bare, ours = medians["pandas.read_csv"], medians["load_deepchrome_csv"]
            print(
                f"{name}: {N_GENES} genes x {N_BINS} bins = {N_GENES * N_BINS} rows, "
                f"{path.stat().st_size / 1e6:.1f} MB, median of {args.repeats} runs"
            )
            print(f"  pandas.read_csv(header=None) {bare * 1e3:8.1f} ms")
            print(f"  load_deepchrome_csv          {ours * 1e3:8.1f} ms")
            print(f"  ratio                        {ours / bare:8.2f}  (target <= 1.5)")


if __name__ == "__main__":
    main()
