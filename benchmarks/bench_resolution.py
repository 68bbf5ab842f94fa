"""The recommended CNN at four resolutions, real and simulated, against every baseline.

The recommended pipeline (``make_model("deepchrome")``: kernel and pool at the paper's
1 kb and 500 bp through the bin width) beside the paper's architecture in bins
(``"deepchrome_paper"``: kernel 10, pool 5 whatever the bin width) and the baselines, on
DeepChrome's TSS +/- 5 kb window re-binned with ``HistoneBinner`` (read counts summed) to
100 bp, 500 bp, 1 kb and 2 kb bins (100, 20, 10 and 5 bins per mark):

1. the real sample (E003 = H1, E123 = K562, 600 genes): 5-fold cross-validation over all
   600 genes (the same folds for every model), ROC AUC mean over folds;
2. a simulated epigenome (the default cell type, ``--simulated`` train / valid / test
   genes), the paper's protocol (the networks early-stop on valid), test ROC AUC and
   the Bayes ceiling of the simulator's exact posterior.

For each, it says whether the recommended pipeline ranks first or within 0.003 of the best
baseline, and prints the gap otherwise.

With ``--repeats R`` the real sample's cross-validation is repeated R times over new folds
(``RepeatedStratifiedKFold``; the AUC is the mean over all R x cv folds) and the simulated
epigenome is drawn R times (repeat ``r`` from ``seed + 10 * r``; repeat 0 is the single
run), the table holding mean AUCs and the mean ceiling. On 600 real genes one 5-fold
split moves a model's mean AUC by about 0.005, as much as the tolerance it is judged by.

    python benchmarks/bench_resolution.py [--simulated 3000,1000,3000] [--cv 5]
        [--resolutions 100,500,1000,2000] [--repeats 1] [--skip-real] [--skip-simulated]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.utils import Bunch

from skdeepchrome import HistoneBinner
from skdeepchrome.baselines import BASELINE_NAMES
from skdeepchrome.compare import compare_models, paper_protocol
from skdeepchrome.datasets import load_roadmap_sample, simulate_epigenome

RESOLUTIONS = (100, 500, 1000, 2000)
MODELS = ("deepchrome", "deepchrome_paper", *BASELINE_NAMES)
TOLERANCE = 0.003


def label(bp):
    return f"{bp // 1000} kb" if bp >= 1000 else f"{bp} bp"


def rebin(data, marks, bp, window_bp=10_000):
    """100-bp bins over the window summed to ``bp`` per bin."""
    return np.asarray(HistoneBinner(marks, n_bins=window_bp // bp,
                                    statistic="sum").fit_transform(data))


def verdict(column):
    """Where the recommended pipeline stands against the best baseline in ``column``."""
    baselines = column.drop(["deepchrome", "deepchrome_paper", "ceiling"], errors="ignore")
    best = baselines.idxmax()
    gap = column["deepchrome"] - baselines.max()
    if gap >= 0:
        return f"first (+{gap:.3f} over {best})"
    word = "within 0.003" if -gap <= TOLERANCE else "BEHIND"
    return f"{word}: {gap:+.3f} against {best}"


def show(title, table, resolutions):
    wide = table.pivot(index="model", columns="resolution", values="auc")
    wide = wide.loc[[m for m in (*MODELS, "ceiling") if m in wide.index],
                    [label(r) for r in resolutions]]
    print(f"\n{title}")
    print(wide.map(lambda v: f"{v:.3f}").to_string())
    for resolution in wide.columns:
        print(f"  {resolution:>6}: recommended {verdict(wide[resolution])}")


def real(resolutions, cv, seed, n_jobs, repeats):
    # One repeat keeps the harness's own folds (StratifiedKFold seeded from ``seed``).
    splitter = (cv if repeats == 1 else
                RepeatedStratifiedKFold(n_splits=cv, n_repeats=repeats, random_state=seed))
    how = f"{cv}-fold CV" if repeats == 1 else f"{cv}-fold CV repeated {repeats} times"
    for name in ("E003", "E123"):
        sample = load_roadmap_sample(name, window=(-5000, 5000))
        rows = []
        for bp in resolutions:
            start = time.perf_counter()
            X = rebin(sample.data, sample.marks, bp)
            folds = compare_models(X, sample.target, list(MODELS), cv=splitter,
                                   n_jobs=n_jobs, random_state=seed, verbose=0,
                                   scoring=("roc_auc",))
            for model, group in folds.table.groupby("model", sort=False):
                rows.append(dict(model=model, resolution=label(bp), auc=group["value"].mean()))
            print(f"  {name} {label(bp):>6}: {time.perf_counter() - start:5.0f} s", flush=True)
        show(f"{name} (real, 600 genes): {how}, ROC AUC mean over folds",
             pd.DataFrame(rows), resolutions)


def simulated(sizes, resolutions, seed, repeats):
    rows = []
    for r in range(repeats):
        draw = seed + 10 * r
        epigenome = simulate_epigenome(n_genes=sizes, random_state=draw)
        marks = epigenome.marks
        ceiling = roc_auc_score(epigenome.test.target, epigenome.test.posterior)
        for bp in resolutions:
            start = time.perf_counter()
            parts = {s: Bunch(data=rebin(getattr(epigenome, s).data, marks, bp),
                              target=getattr(epigenome, s).target)
                     for s in ("train", "valid", "test")}
            result = paper_protocol({"simulated": Bunch(**parts, marks=marks)}, list(MODELS),
                                    n_jobs=1, random_state=draw, verbose=0)
            auc = result.table[result.table["metric"] == "roc_auc"]
            rows += [dict(model=row.model, resolution=label(bp), auc=row.value)
                     for row in auc.itertuples()]
            rows.append(dict(model="ceiling", resolution=label(bp), auc=ceiling))
            print(f"  simulated seed {draw} {label(bp):>6}: "
                  f"{time.perf_counter() - start:5.0f} s", flush=True)
    table = pd.DataFrame(rows).groupby(["model", "resolution"], as_index=False)["auc"].mean()
    how = "test ROC AUC" if repeats == 1 else f"test ROC AUC mean over {repeats} draws"
    show(f"simulated ({epigenome.epigenome}, {sizes[0]} / {sizes[1]} / {sizes[2]} genes): "
         f"paper protocol, {how}", table, resolutions)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolutions", default=",".join(map(str, RESOLUTIONS)))
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--simulated", default="3000,1000,3000",
                        help="train,valid,test genes of the simulated epigenome")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=1,
                        help="CV repeats on the real sample, draws of the simulated one")
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--skip-simulated", action="store_true")
    args = parser.parse_args()
    resolutions = [int(r) for r in args.resolutions.split(",")]
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.1f}; "
          f"models {list(MODELS)}; seed {args.seed}, {args.repeats} repeat(s)")
    total = time.perf_counter()
    if not args.skip_real:
        real(resolutions, args.cv, args.seed, args.n_jobs, args.repeats)
    if not args.skip_simulated:
        simulated(tuple(int(n) for n in args.simulated.split(",")), resolutions, args.seed,
                  args.repeats)
    print(f"\ntotal {time.perf_counter() - total:.0f} s wall")


if __name__ == "__main__":
    main()
