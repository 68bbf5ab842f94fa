"""Transfer across epigenomes: fitted on one, scored on another, with and without
normalisation and fine-tuning.

Real data: the shipped Roadmap sample (E003 = H1, E123 = K562; the same 600 genes, split
200 / 200 / 200), both ways. Every model is fitted on the source's train split (the CNN
early-stops on its valid split) and scored (test ROC AUC) on the target's test split,

1. on raw counts and with :class:`~skdeepchrome.preprocessing.DepthNormalizer`
   (median of ratios, learnt from both epigenomes' marks);
2. fine-tuned on N = 50, 100, 200 target training genes (normalised): the CNN continues
   from its source fit, the baselines are refitted on source + the N target genes;

beside the within-target reference (the same model fitted on the target's train split).
Simulated data: the fibroblast preset at depth 1 as the source, and as targets the same
preset at 4x depth, blood at 2x and embryonic stem at 5x (400 / 150 / 400 genes), raw and
normalised, with each target's Bayes ceiling. Fit seconds are per fit, on one torch thread.

Usage::

    python -u benchmarks/bench_transfer.py                 # everything (minutes, 2 cores)
    python benchmarks/bench_transfer.py --models logistic,random_forest --skip-simulated
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import pandas as pd
import torch

from skdeepchrome.baselines import MODEL_NAMES
from skdeepchrome.compare import transfer_protocol
from skdeepchrome.datasets import roadmap_sample_epigenomes, simulate_epigenome

FINE_TUNE = (50, 100, 200)
SIMULATED = (("fibroblast", 1.0), ("fibroblast", 4.0), ("blood", 2.0),
             ("embryonic_stem", 5.0))


def auc_table(result, setting):
    rows = result.table[result.table["metric"] == "roc_auc"]
    out = [dict(setting=setting, model=r.model, pair=r.pair, auc=r.value,
                fit_s=r.fit_seconds) for r in rows.itertuples()]
    # As each setting finishes, so that a run cut short still shows what it measured.
    print(f"  {setting}: " + "; ".join(f"{r['pair']} {r['model']} {r['auc']:.3f}"
                                        for r in out), flush=True)
    return out


def show(rows, title):
    frame = pd.DataFrame(rows)
    print(f"\n{title}: test ROC AUC")
    wide = frame.pivot_table(index=["pair", "model"], columns="setting", values="auc",
                             sort=False)
    print(wide.round(3).to_string())
    seconds = frame.pivot_table(index="model", columns="setting", values="fit_s", sort=False)
    print(f"\n{title}: mean fit seconds per fit")
    print(seconds.round(1).to_string())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODEL_NAMES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-simulated", action="store_true")
    args = parser.parse_args()
    models = args.models.split(",")
    torch.set_num_threads(1)
    print(f"python {platform.python_version()}, torch {torch.__version__}, "
          f"{os.cpu_count()} cores, models {', '.join(models)}, seed {args.seed}")
    start = time.perf_counter()

    real = roadmap_sample_epigenomes()
    pairs = dict(source=["E123", "E003"], target=["E003", "E123"])
    rows = []
    for normalize in (None, "median_of_ratios"):
        result = transfer_protocol(real, **pairs, models=models, normalize=normalize,
                                   within=normalize is None, random_state=args.seed,
                                   verbose=0)
        rows += auc_table(result, "N=0 " + (normalize or "raw"))
    for n in FINE_TUNE:
        result = transfer_protocol(real, **pairs, models=models, fine_tune=n,
                                   normalize="median_of_ratios", within=False,
                                   random_state=args.seed, verbose=0)
        rows += auc_table(result, f"N={n} median_of_ratios")
    within = [r for r in rows if r["model"].endswith("(within target)")]
    for r in within:  # the reference row, one column for readability
        r["setting"] = "N=0 raw"
    show(rows, "Real pair E123 <-> E003")
    print("(the '(within target)' rows are fitted on the target's own train split; "
          "normalisation does not apply to them)")
    print(f"\nreal pair: {time.perf_counter() - start:.0f} s")

    if not args.skip_simulated:
        start = time.perf_counter()
        n_genes = (400, 150, 400)
        epigenomes = {f"{cell}@{depth:g}x": simulate_epigenome(cell, n_genes,
                                                                random_state=args.seed + i,
                                                                depth_factor=depth)
                      for i, (cell, depth) in enumerate(SIMULATED)}
        source, *targets = list(epigenomes)
        rows = []
        for normalize in (None, "median_of_ratios"):
            result = transfer_protocol(epigenomes, source, targets, models=models,
                                       normalize=normalize, within=normalize is None,
                                       random_state=args.seed, verbose=0)
            rows += [r for r in auc_table(result, normalize or "raw")
                     if normalize is None or not r["model"].endswith("(within target)")]
        show(rows, f"Simulated, source {source}")
        print(f"\nsimulated: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
