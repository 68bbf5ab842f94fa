"""AttentiveChrome against DeepChrome: training cost per epoch, and test AUC vs the ceiling.

1. Seconds per training epoch of both networks (default sizes) on release-sized data
   (6,601 genes x 5 marks x 100 bins), same batch size (64), a fixed number of torch
   threads (2 by default); the median of a few epochs, no validation pass.
2. The paper's protocol on the default simulated epigenome (train / valid / test of the
   release's size, early stopping on valid): both networks' test ROC AUC against the
   Bayes ceiling of the simulator's exact posterior, and their fit times.

On a shared 2-core machine two intra-op threads were an order of magnitude slower than
one (the threads spin-wait for each other at every small kernel), so part 2 uses
``--protocol-threads`` (1 by default).

    python benchmarks/bench_attentivechrome.py [--epochs 3] [--threads 2,1]
        [--protocol-threads 1] [--skip-timing] [--skip-protocol]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch

from skdeepchrome import DeepChromeClassifier, HistoneBinner
from skdeepchrome.datasets.simulated_epigenome import simulate_epigenome
from skdeepchrome.estimators.attentivechrome import AttentiveChromeClassifier
from skdeepchrome.protocol import paper_protocol

NETWORKS = {"deepchrome": DeepChromeClassifier, "attentivechrome": AttentiveChromeClassifier}


def epoch_seconds(network, X, y, epochs, threads):
    """Median seconds per training epoch (skorch's ``dur``), the first epoch excluded."""
    torch.set_num_threads(threads)
    os.environ["OMP_NUM_THREADS"] = str(threads)  # thread_budget() caps to it
    model = network(max_epochs=epochs + 1, early_stopping=False, batch_size=64, random_state=0)
    model.fit(X, y)
    assert model.torch_threads_ == threads
    durations = np.asarray(model.history_[:, "dur"])
    return float(np.median(durations[1:])), durations


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per network")
    parser.add_argument("--threads", default="2",
                        help="comma-separated torch thread counts to time (default 2)")
    parser.add_argument("--protocol-threads", type=int, default=1,
                        help="torch threads for the protocol run (default 1)")
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--skip-protocol", action="store_true")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"load average {os.getloadavg()[0]:.1f}")

    start = time.perf_counter()
    epigenome = simulate_epigenome(random_state=0)
    print(f"simulated the default epigenome ({epigenome.epigenome}, "
          f"{len(epigenome.train.target)} / {len(epigenome.valid.target)} / "
          f"{len(epigenome.test.target)} genes) in {time.perf_counter() - start:.0f} s")
    X = HistoneBinner(scale="log1p").fit_transform(epigenome.train.data)
    y = epigenome.train.target

    if not args.skip_timing:
        print(f"\n1. Training seconds per epoch, {X.shape[0]} genes x 5 marks x 100 bins, "
              f"batch 64 (median of {args.epochs} epochs after the first)")
        print(f"   {'threads':>7}  {'deepchrome':>10}  {'attentivechrome':>15}  {'ratio':>5}")
    for threads in ([] if args.skip_timing else [int(t) for t in args.threads.split(",")]):
        seconds = {name: epoch_seconds(net, X, y, args.epochs, threads)[0]
                   for name, net in NETWORKS.items()}
        print(f"   {threads:>7}  {seconds['deepchrome']:>10.1f}  "
              f"{seconds['attentivechrome']:>15.1f}  "
              f"{seconds['attentivechrome'] / seconds['deepchrome']:>5.1f}   "
              f"(load average {os.getloadavg()[0]:.1f})", flush=True)

    if args.skip_protocol:
        return
    threads = args.protocol_threads
    torch.set_num_threads(threads)
    os.environ["OMP_NUM_THREADS"] = str(threads)
    start = time.perf_counter()
    result = paper_protocol(epigenome, models=["deepchrome", "attentivechrome"],
                            random_state=0, verbose=0)
    total = time.perf_counter() - start
    auc = result.table[result.table["metric"] == "roc_auc"].set_index("model")
    print(f"\n2. Paper protocol on the default simulated epigenome ({total:.0f} s, "
          f"{threads} thread(s), load average {os.getloadavg()[0]:.1f})")
    print(f"   {'model':<16} {'test AUC':>8}  {'fit s':>7}")
    for model, row in auc.iterrows():
        fit = "" if np.isnan(row.fit_seconds) else f"{row.fit_seconds:7.0f}"
        print(f"   {model:<16} {row.value:8.3f}  {fit:>7}")
    tests = result.tests[result.tests["metric"] == "roc_auc"]
    for row in tests.itertuples():
        print(f"   {row.reference} - {row.model}: AUC difference {row.mean_difference:+.4f}, "
              f"{row.test}, p = {row.p_value:.3g}")


if __name__ == "__main__":
    main()
