"""Cost of the comparison harness on this machine.

1. Wall time of the default ``skdeepchrome compare`` (simulated epigenomes of the release's
   size, every default model, the paper's protocol).
2. Per-epigenome cost of the paper protocol with the paper's four models (DeepChrome, SVM,
   random forest, logistic regression) on release-sized splits (6,601 / 6,601 / 6,600
   genes), model by model, and what that means for the 56-epigenome REMC release.

    python benchmarks/bench_compare.py [--skip-cli] [--n-jobs 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

import joblib
import torch

from skdeepchrome.cli import main as cli_main
from skdeepchrome.compare import paper_protocol
from skdeepchrome.datasets import simulate_epigenome

PAPER_MODELS = ["deepchrome", "svm", "random_forest", "logistic"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-cli", action="store_true")
    parser.add_argument("--n-jobs", type=int, default=2, help="for the default compare run")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, joblib sees {joblib.cpu_count()} cores")

    if not args.skip_cli:
        with tempfile.TemporaryDirectory() as out:
            start = time.perf_counter()
            cli_main(["compare", "--out", out, "--n-jobs", str(args.n_jobs), "--quiet"])
            wall = time.perf_counter() - start
        print(f"\n1. `skdeepchrome compare --n-jobs {args.n_jobs}` (defaults): {wall:.0f} s wall")

    start = time.perf_counter()
    epigenome = simulate_epigenome(random_state=0)
    simulate = time.perf_counter() - start
    start = time.perf_counter()
    result = paper_protocol(epigenome, models=PAPER_MODELS, random_state=0, verbose=0)
    total = time.perf_counter() - start
    costs = (result.table[result.table["metric"] == "roc_auc"]
             .set_index("model")[["fit_seconds", "predict_seconds", "value"]])
    print("\n2. Paper protocol, one release-sized epigenome, one process:")
    print(f"   simulate train/valid/test: {simulate:.1f} s")
    for model, row in costs.iterrows():
        if model == "ceiling":
            continue
        print(f"   {model:<15} fit {row.fit_seconds:6.1f} s   predict {row.predict_seconds:5.1f} s"
              f"   test AUC {row.value:.3f}")
    print(f"   ceiling (Bayes posterior)                       test AUC "
          f"{costs.loc['ceiling', 'value']:.3f}")
    print(f"   total per epigenome: {total:.0f} s")
    print(f"   56 epigenomes: {56 * total / 3600:.1f} h on one worker of this kind; "
          f"{56 * total / 3600 / 8:.2f} h on 8 such workers "
          f"(skdeepchrome compare --data ROOT --scheduler ADDRESS)")


if __name__ == "__main__":
    main()
