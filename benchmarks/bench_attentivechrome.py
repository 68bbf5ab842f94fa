"""AttentiveChrome against DeepChrome: training cost per epoch, and test AUC vs the ceiling.

1. Seconds per training epoch of both networks (default sizes) on release-sized data
   (6,601 genes x 5 marks x 100 bins), same batch size (64), a fixed number of torch
   threads (2 by default); the median of a few epochs, no validation pass.
2. The paper's protocol on the default simulated epigenome (train / valid / test of the
   release's size, early stopping on valid): both networks' test ROC AUC against the
   Bayes ceiling of the simulator's exact posterior, and their fit times.

3. Defaults that hold up on 200 training genes as on 6,601: AttentiveChrome's test AUC
   with its defaults (the epoch of the best validation AUC), with the former criterion
   (the best validation loss) and with the authors' ``train.py`` settings emulated (Adam
   lr 2e-4, batch 16, 30 epochs, gradient norm clipped at 1, the epoch of the best
   validation AUC; their uniform weight initialisation is not reproduced), on the real
   sample's given split (E003 = H1, E123 = K562: 200 / 200 / 200 genes, +/- 5 kb at
   100 bp) over ``--seeds``, and on the default simulated epigenome (release-sized)
   with the defaults and the former criterion (``--simulated``).

On a shared 2-core machine two intra-op threads were an order of magnitude slower than
one (the threads spin-wait for each other at every small kernel), so parts 2 and 3 use
``--protocol-threads`` (1 by default).

    python benchmarks/bench_attentivechrome.py [--epochs 3] [--threads 2,1]
        [--protocol-threads 1] [--skip-timing] [--skip-protocol] [--skip-defaults]
        [--seeds 0,1,2] [--simulated defaults,loss]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from skorch.callbacks import GradientNormClipping

from skdeepchrome import DeepChromeClassifier, HistoneBinner
from skdeepchrome.compare import paper_protocol
from skdeepchrome.datasets import load_roadmap_sample, simulate_epigenome
from skdeepchrome.estimators import AttentiveChromeClassifier

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


#: Part 3's settings: the estimator's defaults, the former criterion, the authors' train.py.
SETTINGS = {
    "defaults": {},
    "loss": {"early_stopping_metric": "loss"},
    # 30 epochs, none stopped early (patience 30), the best validation AUC kept.
    "authors": {"lr": 2e-4, "batch_size": 16, "max_epochs": 30, "n_iter_no_change": 30,
                "early_stopping_metric": "roc_auc"},
}


def settings_model(setting, seed):
    params = dict(SETTINGS[setting])
    if setting == "authors":
        params["callbacks"] = [GradientNormClipping(1.0)]
    return AttentiveChromeClassifier(random_state=seed, **params)


def split_auc(setting, seed, split):
    """Test AUC, epoch kept / run and seconds of one fit on a train / valid / test split."""
    (X, y), (X_val, y_val), (X_test, y_test) = split
    start = time.perf_counter()
    model = settings_model(setting, seed).fit(X, y, X_val=X_val, y_val=y_val)
    auc = roc_auc_score(y_test, model.predict_proba(X_test)[:, 1])
    return auc, f"{model.best_epoch_}/{model.n_epochs_}", time.perf_counter() - start


def defaults_hold_up(seeds, simulated, epigenome):
    """Part 3: the real sample's given split over seeds, and the simulated epigenome."""
    print("\n3. AttentiveChrome's test ROC AUC: defaults (best validation AUC), the former "
          "criterion (best validation loss), the authors' train.py settings")
    print(f"   {'data':<22} {'setting':<9} {'seed':>4}  {'test AUC':>8}  {'epoch':>7}  "
          f"{'fit s':>5}")
    rows = []
    for name in ("E003", "E123"):
        sample = load_roadmap_sample(name, window=(-5000, 5000))
        X = np.asarray(HistoneBinner(sample.marks, scale="log1p").fit_transform(sample.data))
        split = [(X[sample.split == s], sample.target[sample.split == s])
                 for s in ("train", "valid", "test")]
        for setting in SETTINGS:
            for seed in seeds if name == "E003" else seeds[:1]:
                auc, epochs, seconds = split_auc(setting, seed, split)
                rows.append((f"{name} (200 train)", setting, seed, auc))
                print(f"   {rows[-1][0]:<22} {setting:<9} {seed:>4}  {auc:8.3f}  "
                      f"{epochs:>7}  {seconds:5.0f}", flush=True)
    if simulated:
        binner = HistoneBinner(scale="log1p")
        split = [(np.asarray(binner.fit_transform(part.data)), part.target)
                 for part in (epigenome.train, epigenome.valid, epigenome.test)]
        for setting in simulated:
            auc, epochs, seconds = split_auc(setting, 0, split)
            rows.append((f"simulated ({len(split[0][1])} train)", setting, 0, auc))
            print(f"   {rows[-1][0]:<22} {setting:<9} {0:>4}  {auc:8.3f}  {epochs:>7}  "
                  f"{seconds:5.0f}", flush=True)
        ceiling = roc_auc_score(epigenome.test.target, epigenome.test.posterior)
        print(f"   simulated test genes' Bayes ceiling (exact posterior): {ceiling:.3f}")
    print(f"   {'data':<22} {'setting':<9}  mean test AUC over seeds")
    table = {}
    for data, setting, _, auc in rows:
        table.setdefault((data, setting), []).append(auc)
    for (data, setting), aucs in table.items():
        spread = f" (min {min(aucs):.3f}, max {max(aucs):.3f})" if len(aucs) > 1 else ""
        print(f"   {data:<22} {setting:<9}  {np.mean(aucs):.3f}{spread}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per network")
    parser.add_argument("--threads", default="2",
                        help="comma-separated torch thread counts to time (default 2)")
    parser.add_argument("--protocol-threads", type=int, default=1,
                        help="torch threads for the protocol run (default 1)")
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--skip-protocol", action="store_true")
    parser.add_argument("--skip-defaults", action="store_true")
    parser.add_argument("--seeds", default="0,1,2", help="part 3's seeds on E003")
    parser.add_argument("--simulated", default="defaults,loss",
                        help="part 3's settings on the simulated epigenome ('' skips)")
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

    threads = args.protocol_threads
    torch.set_num_threads(threads)
    os.environ["OMP_NUM_THREADS"] = str(threads)
    if not args.skip_defaults:
        defaults_hold_up([int(s) for s in args.seeds.split(",")],
                         [s for s in args.simulated.split(",") if s], epigenome)
    if args.skip_protocol:
        return
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
