"""The recommended CNN on a family of simulator settings: ceiling, every model, the gap.

Each setting of the simulator family (a ``cell_type`` of
:func:`skdeepchrome.datasets.make_histone_dataset`) varies the default preset (depth,
per-bin dispersion, TSS jitter, distal peaks, mark strengths), the Bayes ceiling still
exact. The split of settings was committed before any default was
chosen on them: ``FAMILY_TUNING`` may guide defaults, ``FAMILY_HELD_BACK`` is reported
apart and was never looked at while choosing them. The recommended pipeline's training
(``skdeepchrome.baselines.RECOMMENDED_NETWORK``: five members averaged, hidden dropout,
decoupled weight decay, input standardised per mark) was chosen on the tuning half (and
on the default simulator and the real sample at four resolutions); the held-back half
was run after the choice (once, then with ``--repeats 3``; no default changed between).

Per setting: the paper's protocol (train / valid / test of ``--sizes`` genes; the CNN
early-stops on valid), test ROC AUC of the recommended pipeline and every baseline, the
ceiling ``roc_auc_score(test target, exact posterior)``, the CNN's gap to it, and whether
it is within 0.01 of the ceiling and ahead of every baseline.

With ``--repeats R`` each setting is drawn and fitted R times (repeat ``r`` draws its
splits and seeds its models from ``seed + 10 * r``, so repeat 0 is the single run) and
the table holds the means: one draw of 3,000 test genes moves an AUC by about 0.005,
more than most of the leads it is asked to decide. The verdict is on the mean gap and
the mean lead; beside it, in how many repeats the CNN was ahead of every baseline and
the standard error of the lead.

    python benchmarks/bench_simulator_family.py [--sizes 3000,1000,3000]
        [--settings tuning|held_back|all|name,name] [--seed 0] [--repeats 1]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from sklearn.utils import Bunch

from skdeepchrome.baselines import BASELINE_NAMES
from skdeepchrome.compare import paper_protocol
from skdeepchrome.datasets import (
    SIMULATOR_FAMILY,
    SIMULATOR_FAMILY_HELD_BACK,
    SIMULATOR_FAMILY_TUNING,
    make_histone_dataset,
)

MODELS = ("deepchrome", *BASELINE_NAMES)


def epigenome(setting, sizes, seed):
    parts = {split: make_histone_dataset(n_genes=n, cell_type=setting,
                                         random_state=seed + i)
             for i, (split, n) in enumerate(zip(("train", "valid", "test"), sizes))}
    return Bunch(**parts, marks=parts["train"].marks, epigenome=setting)


def run(setting, sizes, seed, n_jobs):
    data = epigenome(setting, sizes, seed)
    start = time.perf_counter()
    result = paper_protocol({setting: data}, list(MODELS), n_jobs=n_jobs,
                            random_state=seed, verbose=0)
    auc = result.table[result.table["metric"] == "roc_auc"].set_index("model")["value"]
    ceiling = roc_auc_score(data.test.target, data.test.posterior)
    return auc, ceiling, time.perf_counter() - start


def lead_over_baselines(auc):
    """The CNN's AUC minus the best baseline's, in one repeat."""
    return auc["deepchrome"] - max(auc[m] for m in BASELINE_NAMES)


def show(title, rows):
    """One line per setting: mean AUCs over the repeats, the gap, the lead, the verdict.

    ``rows`` holds ``(setting, [(auc, ceiling), ...])``, one pair per repeat. The lead is
    the mean of each repeat's lead over the best baseline of that repeat, so a baseline
    that wins only some draws is not credited with its best draw.
    """
    print(f"\n{title}")
    head = "".join(f"{m[:13]:>14}" for m in MODELS)
    print(f"  {'setting':<20}{'ceiling':>8}{head}{'gap':>9}{'lead':>8}"
          f"{'se':>7}{'ahead':>7}  verdict")
    gaps = []
    for setting, runs in rows:
        auc = {m: np.mean([a[m] for a, _ in runs]) for m in MODELS}
        ceiling = np.mean([c for _, c in runs])
        leads = np.array([lead_over_baselines(a) for a, _ in runs])
        gap, lead = auc["deepchrome"] - ceiling, leads.mean()
        se = leads.std(ddof=1) / np.sqrt(len(leads)) if len(leads) > 1 else np.nan
        gaps.append(gap)
        verdict = ("meets the target" if gap >= -0.01 and lead > 0 else
                   f"{'within' if gap >= -0.01 else 'NOT within'} 0.01 of the ceiling "
                   f"({gap:+.4f}), "
                   f"{'ahead of' if lead > 0 else 'BEHIND'} the best baseline "
                   f"({lead:+.4f})")
        cells = "".join(f"{auc[m]:14.3f}" for m in MODELS)
        print(f"  {setting:<20}{ceiling:8.3f}{cells}{gap:+9.4f}{lead:+8.4f}{se:7.4f}"
              f"{int((leads > 0).sum()):>5}/{len(leads)}  {verdict}")
    if gaps:
        print(f"  mean gap to the ceiling {np.mean(gaps):+.4f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3000,1000,3000")
    parser.add_argument("--settings", default="all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=1, help="fits run side by side")
    parser.add_argument("--repeats", type=int, default=1,
                        help="draws per setting; the table holds their means")
    args = parser.parse_args()
    sizes = tuple(int(n) for n in args.sizes.split(","))
    chosen = {"all": list(SIMULATOR_FAMILY), "tuning": list(SIMULATOR_FAMILY_TUNING),
              "held_back": list(SIMULATOR_FAMILY_HELD_BACK)}.get(args.settings)
    chosen = chosen or [s for s in args.settings.split(",") if s]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, load average {os.getloadavg()[0]:.1f}; "
          f"{sizes[0]} / {sizes[1]} / {sizes[2]} genes; seed {args.seed}, "
          f"{args.repeats} repeat(s)")
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    rows = {}
    for setting in chosen:
        runs = []
        for r in range(args.repeats):
            seed = args.seed + 10 * r
            auc, ceiling, seconds = run(setting, sizes, seed, args.n_jobs)
            runs.append((auc, ceiling))
            print(f"  {setting:<22} seed {seed:<3} {seconds:5.0f} s  (ceiling {ceiling:.3f}, "
                  f"deepchrome {auc['deepchrome']:.4f}, lead {lead_over_baselines(auc):+.4f})",
                  flush=True)
        rows[setting] = (setting, runs)
    show("Tuning half (may guide defaults)",
         [rows[s] for s in SIMULATOR_FAMILY_TUNING if s in rows])
    show("Held-back half (never looked at while choosing defaults)",
         [rows[s] for s in SIMULATOR_FAMILY_HELD_BACK if s in rows])


if __name__ == "__main__":
    main()
