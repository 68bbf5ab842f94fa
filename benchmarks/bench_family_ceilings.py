"""The Bayes ceiling of every simulator-family setting, drawn as bench_simulator_family draws it.

The ceiling is ``roc_auc_score(test target, exact posterior)`` on the test split that
``benchmarks/bench_simulator_family.py`` fits (``--sizes``' third number of genes,
``random_state = seed + 10 * r + 2`` in repeat ``r``), so its figures stand beside that
benchmark's without fitting a model. It records the ceilings of settings before any model
is run on them (issue 24: the settings with a per-gene depth, negative-binomial size 1 and
non-monotone marks were committed, and their ceilings computed, before any default changed).
The posterior's time is printed too: a per-gene depth multiplies the latent placements.

    python benchmarks/bench_family_ceilings.py [--settings all|tuning|held_back|name,name]
        [--test-genes 3000] [--seed 0] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
from sklearn.metrics import roc_auc_score

from skdeepchrome.datasets import (
    SIMULATOR_FAMILY,
    SIMULATOR_FAMILY_HELD_BACK,
    SIMULATOR_FAMILY_TUNING,
    make_histone_dataset,
)


def settings(text):
    if text == "all":
        return list(SIMULATOR_FAMILY_TUNING) + list(SIMULATOR_FAMILY_HELD_BACK)
    if text == "tuning":
        return list(SIMULATOR_FAMILY_TUNING)
    if text == "held_back":
        return list(SIMULATOR_FAMILY_HELD_BACK)
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SIMULATOR_FAMILY]
    if unknown:
        raise SystemExit(f"unknown setting(s) {unknown}; choose from {list(SIMULATOR_FAMILY)}")
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", default="all")
    parser.add_argument("--test-genes", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}; {args.test_genes} test genes; seed {args.seed}, "
          f"{args.repeats} repeat(s)")
    print(f"  {'setting':<24} {'half':<10} " + " ".join(
        f"{'seed ' + str(args.seed + 10 * r):>9}" for r in range(args.repeats))
        + f" {'mean':>7} {'posterior s':>12}")
    for name in settings(args.settings):
        half = "tuning" if name in SIMULATOR_FAMILY_TUNING else "held-back"
        ceilings, seconds = [], []
        for r in range(args.repeats):
            start = time.perf_counter()
            test = make_histone_dataset(n_genes=args.test_genes, cell_type=name,
                                        random_state=args.seed + 10 * r + 2)
            seconds.append(time.perf_counter() - start)
            ceilings.append(roc_auc_score(test.target, test.posterior))
        print(f"  {name:<24} {half:<10} " + " ".join(f"{c:>9.4f}" for c in ceilings)
              + f" {np.mean(ceilings):>7.4f} {np.mean(seconds):>12.1f}", flush=True)


if __name__ == "__main__":
    main()
