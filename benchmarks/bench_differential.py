"""Differential expression (DeepDiff's task): every model's log2 fold change, scored.

1. The real pair shipped with the package: the same 600 genes in E123 (K562) and E003 (H1),
   target ``log2((count_E123 + 1) / (count_E003 + 1))`` of Roadmap's raw RNA-seq counts,
   DeepChrome's 100-bin window, 5-fold cross-validation over the genes.
2. A simulated pair (``make_differential_dataset``: blood- and stem-like presets, 20 % of
   genes switching state, ChIP depths 1x and 2x), 5-fold cross-validation, against the
   ceiling ``E[lfc | both cells' marks]``.

Every model of ``--task differential`` with each cell's expression given; Pearson r (as
DeepDiff reports, ranking the models), Spearman, R², up/down AUC (genes changing at least
two-fold) and fit seconds per fold, one torch thread, models fitted one after another.

    python benchmarks/bench_differential.py [--genes 1000] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from skdeepchrome.compare import compare_models
from skdeepchrome.datasets import load_roadmap_pair, make_differential_dataset


def show(title, result, seconds):
    print(f"\n{title} ({seconds:.0f} s)")
    print(result.summary_table().to_string())
    tests = result.tests[result.tests["metric"] == "pearson"]
    if len(tests):
        print(f"\n{tests['test'].iloc[0]}, {result.reference} vs (Pearson r):")
        for row in tests.itertuples():
            print(f"  {row.model:<30} difference {row.mean_difference:+.3f}   "
                  f"p = {row.p_value:.3g}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genes", type=int, default=1000, help="simulated genes")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    torch.set_num_threads(1)
    print(f"{os.cpu_count()} cores, torch {torch.__version__} with 1 thread, n_jobs=1")

    pair = load_roadmap_pair(window=(-5000, 5000))
    start = time.perf_counter()
    real = compare_models(pair.data, pair.target, task="differential",
                          cell_expression=pair.cell_expression, random_state=args.seed,
                          n_jobs=1, verbose=0)
    show("Real pair E123 over E003, 600 genes, 5-fold CV", real, time.perf_counter() - start)

    ds = make_differential_dataset(args.genes, random_state=args.seed)
    print(f"\nsimulated pair {ds.cells}, {args.genes} genes, {ds.switched.mean():.0%} "
          f"switching, depths {ds.depths}: ceiling Pearson r {ds.ceiling:.3f}, "
          f"R² {ds.ceiling_r2:.3f} on the whole draw")
    start = time.perf_counter()
    simulated = compare_models(ds.data, ds.target, task="differential",
                               cell_expression=ds.cell_expression, posterior=ds.posterior_lfc,
                               random_state=args.seed, n_jobs=1, verbose=0)
    show(f"Simulated pair, {args.genes} genes, 5-fold CV (ceiling row: E[lfc | marks])",
         simulated, time.perf_counter() - start)


if __name__ == "__main__":
    main()
