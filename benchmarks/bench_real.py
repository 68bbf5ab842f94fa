"""Every model of the harness on real data: the Roadmap sample, four resolutions.

For each epigenome of the shipped sample (E003 = H1, E123 = K562; 600 real genes) and each
resolution (100 bp, 500 bp, 1 kb, 2 kb bins over DeepChrome's TSS +/- 5 kb window,
re-binned with ``HistoneBinner``, read counts summed), the test ROC AUC of every model

1. on the split the files give (train 200 / valid 200 / test 200; the CNN early-stops on
   valid), with a paired bootstrap of the CNN against each model over the 200 test genes;
2. in 5-fold cross-validation over all 600 genes (the same folds for every model), with
   the corrected resampled t-test of the CNN against each model across folds.

A bootstrap p of 0 means that none of the 1000 resamples went the other way (p < 0.001).

Sanity reference: logistic regression scores about 0.80 (E003) and 0.94-0.96 (E123) on
the given split at 100 bp; far lower means a bug in mark order, orientation or labels.

    python benchmarks/bench_real.py                       # everything (about 15 min, 2 cores)
    python benchmarks/bench_real.py --models logistic,svm --resolutions 100,1000 --cv 0
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pandas as pd
import torch
from sklearn.utils import Bunch

from skdeepchrome import HistoneBinner
from skdeepchrome.baselines import MODEL_NAMES
from skdeepchrome.compare import compare_models, paper_protocol, per_epigenome_tests
from skdeepchrome.datasets import load_roadmap_sample

RESOLUTIONS = (100, 500, 1000, 2000)


def label(bp):
    return f"{bp // 1000} kb" if bp >= 1000 else f"{bp} bp"


def rebin(sample, bp):
    """The sample's window at ``bp`` per bin (HistoneBinner sums adjacent 100-bp bins).

    The binner's output carries its bin width on to the networks (a plain array would
    leave them to assume the paper's window).
    """
    width = sample.window[1] - sample.window[0]
    binner = HistoneBinner(sample.marks, n_bins=width // bp, statistic="sum")
    return binner.fit_transform(sample.data)


def split_epigenome(sample, X):
    parts = {s: Bunch(data=X[sample.split == s], target=sample.target[sample.split == s])
             for s in ("train", "valid", "test")}
    return Bunch(**parts, marks=sample.marks, epigenome=sample.epigenome)


def run(sample, bp, models, cv, n_jobs, seed):
    X = rebin(sample, bp)
    rows, tests = [], []
    start = time.perf_counter()
    given = paper_protocol({sample.epigenome: split_epigenome(sample, X)}, models,
                           n_jobs=1, random_state=seed, verbose=0)
    for r in given.table[given.table["metric"] == "roc_auc"].itertuples():
        rows.append(dict(model=r.model, protocol="split", auc=r.value, sd=np.nan))
    if "deepchrome" in models:
        for t in per_epigenome_tests(given, random_state=seed).itertuples():
            if t.metric == "roc_auc":
                tests.append(dict(model=t.model, protocol="split", diff=t.mean_difference,
                                  p=t.p_value))
    split_s = time.perf_counter() - start
    cv_s = 0.0
    if cv:
        start = time.perf_counter()
        folds = compare_models(X, sample.target, models, cv=cv, n_jobs=n_jobs,
                               random_state=seed, verbose=0, scoring=("roc_auc",),
                               reference="deepchrome" if "deepchrome" in models else models[0])
        for model, group in folds.table.groupby("model", sort=False):
            rows.append(dict(model=model, protocol=f"cv{cv}", auc=group["value"].mean(),
                             sd=group["value"].std(ddof=1)))
        if "deepchrome" in models:
            for t in folds.tests.itertuples():
                tests.append(dict(model=t.model, protocol=f"cv{cv}", diff=t.mean_difference,
                                  p=t.p_value))
        cv_s = time.perf_counter() - start
    frame = pd.DataFrame(rows).assign(epigenome=sample.epigenome, resolution=label(bp))
    tests = pd.DataFrame(tests, columns=["model", "protocol", "diff", "p"]).assign(
        epigenome=sample.epigenome, resolution=label(bp))
    return frame, tests, split_s, cv_s


def show(scores, tests, models, resolutions, cv):
    for epigenome, part in scores.groupby("epigenome", sort=False):
        for protocol, title in [("split", "given split, test ROC AUC (200 test genes)"),
                                (f"cv{cv}", f"{cv}-fold CV over 600 genes, ROC AUC mean (sd)")]:
            sub = part[part["protocol"] == protocol]
            if sub.empty:
                continue
            if protocol == "split":
                cell = sub["auc"].map(lambda v: f"{v:.3f}")
            else:
                cell = [f"{a:.3f} ({s:.3f})" for a, s in zip(sub["auc"], sub["sd"])]
            wide = sub.assign(cell=cell).pivot(index="model", columns="resolution",
                                               values="cell")
            wide = wide.loc[[m for m in models if m in wide.index],
                            [label(r) for r in resolutions]]
            print(f"\n{epigenome}: {title}")
            print(wide.to_string())
        sub = tests[tests["epigenome"] == epigenome]
        if len(sub):
            cell = [f"{d:+.3f} p={p:.2g}" for d, p in zip(sub["diff"], sub["p"])]
            wide = sub.assign(cell=cell).pivot(index=["model", "protocol"],
                                               columns="resolution", values="cell")
            print(f"\n{epigenome}: deepchrome minus model, AUC difference and p (split: paired "
                  f"bootstrap over test genes; cv: corrected resampled t-test over folds)")
            print(wide[[label(r) for r in resolutions]].to_string())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epigenomes", default="E003,E123")
    parser.add_argument("--resolutions", default=",".join(map(str, RESOLUTIONS)),
                        help="bp per bin, multiples of 100 dividing 10,000")
    parser.add_argument("--models", default=",".join(MODEL_NAMES))
    parser.add_argument("--cv", type=int, default=5, help="folds; 0 skips cross-validation")
    parser.add_argument("--n-jobs", type=int, default=2, help="parallel CV fits")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    models = [m.strip() for m in args.models.split(",") if m.strip()]
    resolutions = [int(r) for r in args.resolutions.split(",")]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; models {models}; seed {args.seed}")
    total = time.perf_counter()
    scores, tests = [], []
    for epigenome in args.epigenomes.split(","):
        sample = load_roadmap_sample(epigenome, window=(-5000, 5000))
        for bp in resolutions:
            frame, test, split_s, cv_s = run(sample, bp, models, args.cv, args.n_jobs,
                                             args.seed)
            scores.append(frame)
            tests.append(test)
            print(f"  {epigenome} {label(bp):>6}: split {split_s:5.1f} s, cv {cv_s:6.1f} s",
                  flush=True)
    show(pd.concat(scores), pd.concat(tests), models, resolutions, args.cv)
    print(f"\ntotal {time.perf_counter() - total:.0f} s wall")


if __name__ == "__main__":
    main()
