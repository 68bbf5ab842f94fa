"""Every model side by side: real data and simulator settings, AUC, time, paired tests.

The table users ask for (issue 24): each model :func:`skdeepchrome.baselines.make_model`
knows (the DeepChrome CNN recommended and as in the paper, AttentiveChrome, the
successors Chromoformer, TransferChrome and HM-CRNN, the tabular baselines, and whatever
else is registered by the time this runs), on

1. the shipped Roadmap sample (E003 = H1, E123 = K562; 600 real genes, TSS +/- 5 kb),
   the split the files give (train 200 / valid 200 / test 200; networks early-stop on
   valid), at each ``--resolutions`` (bins re-summed by ``HistoneBinner``, the width
   carried on to the networks), and with ``--cv K`` also K-fold cross-validation over all
   600 genes, ``--cv-repeats R`` times with fresh shuffles (the same K x R folds for every
   model);
2. settings of the simulator family (train / valid / test of ``--sizes`` genes), where
   the exact posterior gives the Bayes ceiling; ``--settings family`` runs every setting
   (tuning and held back), ``--draws D`` draws each D times (fresh data and model seeds)
   so the draw-to-draw noise of a difference is visible beside its paired test.

Per dataset and model: test ROC AUC, the difference to the reference model (the
recommended ``deepchrome`` unless ``--reference``) and its p-value (paired bootstrap of
the test genes on a split, corrected resampled t-test across the K x R folds in CV
(Nadeau and Bengio's correction, which repeated CV needs): the harness's own tests,
:func:`skdeepchrome.compare.paper_protocol` and
:func:`~skdeepchrome.compare.compare_models`), fit and predict seconds (wall, one fit at
a time, one torch thread; CPU seconds of the whole run in the last line). A p of 0 means
none of the 1000 resamples went the other way.

With ``--draws`` above 1 each simulated setting gets a summary over its draws: the mean
difference to the reference and its draw-to-draw standard deviation. The closing
verdict names, per model, on how many datasets it scored above the reference and on how
many significantly so (p < 0.05), and the reverse, and says in words whether it beats the
reference: above on average, the differences leaning its way across the datasets
(Wilcoxon signed-rank test, p < 0.05: one p < 0.05 among many datasets comes by chance)
and significantly below on none; where simulated draws were repeated, on how many
settings the mean difference exceeds its draw-to-draw noise. One split of 200 test genes
moves an AUC by about 0.02, so single differences below that are noise.

``--save FILE.csv`` keeps a run's rows; ``--combine A.csv B.csv ...`` prints the tables and
one verdict over runs made separately (e.g. in parallel), fitting nothing.

::

    python benchmarks/bench_models.py                          # defaults below
    python benchmarks/bench_models.py --resolutions 100,500,1000,2000 --cv 5 \\
        --settings deep_clean,shallow_noisy --sizes 3000,1000,3000
    python benchmarks/bench_models.py --models deepchrome,chromoformer,logistic \\
        --max-epochs 30                                        # a quick look (stated)
    python benchmarks/bench_models.py --epigenomes "" --settings family --draws 2 \\
        --sizes 2000,700,2000 --save family.csv                # every simulator setting
    python benchmarks/bench_models.py --combine real.csv family.csv
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.utils import Bunch

from skdeepchrome import HistoneBinner
from skdeepchrome.baselines import CEILING, display_name, make_model, model_names
from skdeepchrome.compare import compare_models, paper_protocol, wilcoxon_signed_rank
from skdeepchrome.datasets import (
    SIMULATOR_FAMILY,
    SIMULATOR_FAMILY_HELD_BACK,
    load_roadmap_sample,
    make_histone_dataset,
)
from skdeepchrome.estimators import TorchHistoneEstimator

#: One setting the recommended pipeline was tuned on, one held back from tuning.
DEFAULT_SETTINGS = ("overdispersed", "shallow_noisy")


def label(bp):
    return f"{bp // 1000} kb" if bp >= 1000 else f"{bp} bp"


def build_models(names, marks, seed, max_epochs):
    """Fresh pipelines by name; with ``max_epochs`` every network is capped (stated)."""
    models = {}
    for name in names:
        model = make_model(name, marks=marks, random_state=seed)
        if max_epochs is not None and isinstance(model[-1], TorchHistoneEstimator):
            model.set_params(model__max_epochs=max_epochs)
        models[name] = model
    return models


def rebin(sample, bp):
    """The sample's window at ``bp`` per bin; the HistoneMatrix keeps carrying the width."""
    width = sample.window[1] - sample.window[0]
    return HistoneBinner(sample.marks, n_bins=width // bp, statistic="sum").fit_transform(
        sample.data)


def split_rows(result, dataset, protocol, reference):
    """One row per model: AUC, difference to the reference, p, fit and predict seconds."""
    # The ceiling (simulated data) is shown in the dataset's heading, not as a model.
    table = result.table[(result.table["metric"] == "roc_auc")
                         & (result.table["model"] != CEILING)]
    scores = table.groupby("model", sort=False).agg(
        auc=("value", "mean"), sd=("value", "std"), fit_s=("fit_seconds", "mean"),
        predict_s=("predict_seconds", "mean"))
    tests = result.tests[result.tests["metric"] == "roc_auc"].set_index("model")
    rows = []
    for model, r in scores.iterrows():
        test = tests.loc[model] if model in tests.index else None
        rows.append(dict(
            dataset=dataset, protocol=protocol, model=model, auc=r.auc,
            sd=r.sd if protocol.startswith("cv") else np.nan,
            diff=np.nan if test is None else -test["mean_difference"],
            p=np.nan if test is None else test["p_value"],
            fit_s=r.fit_s, predict_s=r.predict_s))
    frame = pd.DataFrame(rows)
    # The harness reports reference minus model; the table shows model minus reference.
    frame.loc[frame["model"] == reference, "diff"] = 0.0
    return frame


def run_split(name, data, names, seed, max_epochs, reference):
    models = build_models(names, data.marks, seed, max_epochs)
    result = paper_protocol({name: data}, models, n_jobs=1, random_state=seed, verbose=0,
                            reference=reference)
    return split_rows(result, name, "split", reference)


def run_cv(name, X, y, marks, names, cv, repeats, seed, max_epochs, reference):
    models = build_models(names, marks, seed, max_epochs)
    # One splitter object: compare_models draws its K x R folds once, for every model.
    folds = (cv if repeats == 1
             else RepeatedStratifiedKFold(n_splits=cv, n_repeats=repeats, random_state=seed))
    result = compare_models(X, y, models, cv=folds, n_jobs=1, random_state=seed, verbose=0,
                            scoring=("roc_auc",), reference=reference)
    return split_rows(result, name, f"cv{cv}" + (f"x{repeats}" if repeats > 1 else ""),
                      reference)


def draw_seeds(seed, draw):
    """Train, valid and test seeds of one draw: disjoint from every other draw's."""
    return [int(s) for s in np.random.SeedSequence([seed, draw]).generate_state(3)]


def simulated(setting, sizes, seed, draw=0):
    seeds = draw_seeds(seed, draw) if draw else [seed, seed + 1, seed + 2]
    parts = {split: make_histone_dataset(n_genes=n, cell_type=setting, random_state=s)
             for split, n, s in zip(("train", "valid", "test"), sizes, seeds)}
    ceiling = roc_auc_score(parts["test"].target, parts["test"].posterior)
    return Bunch(**parts, marks=parts["train"].marks, epigenome=setting), ceiling


def show(frame, reference):
    for (dataset, protocol), part in frame.groupby(["dataset", "protocol"], sort=False):
        ceiling = part["ceiling"].iloc[0]
        has_ceiling = np.isfinite(ceiling)
        head = f"\n{dataset}, {'given split' if protocol == 'split' else protocol}"
        if has_ceiling:
            head += f" (Bayes ceiling {ceiling:.3f})"
        print(head)
        print(f"  {'model':<40}{'ROC AUC':>9}{'vs ref':>9}{'p':>8}{'fit s':>9}{'pred s':>8}"
              + ("   gap to ceiling" if has_ceiling else ""))
        for r in part.sort_values("auc", ascending=False).itertuples():
            auc = f"{r.auc:.3f}" + (f"±{r.sd:.3f}" if np.isfinite(r.sd) else "")
            mark = " (reference)" if r.model == reference else ""
            p = "" if not np.isfinite(r.p) else f"{r.p:.2g}"
            line = (f"  {display_name(r.model) + mark:<40}{auc:>9}{r.diff:+9.3f}{p:>8}"
                    f"{r.fit_s:9.1f}{r.predict_s:8.2f}")
            if has_ceiling:
                line += f"   {r.auc - ceiling:+.3f}"
            print(line)


def draw_summary(frame, reference):
    """Per simulated setting drawn more than once: mean over draws and draw-to-draw noise."""
    sim = frame[frame["setting"].notna() & (frame["setting"] != "")]
    if sim.empty or sim.groupby("setting")["draw"].nunique().max() < 2:
        return pd.DataFrame()
    summary = sim.groupby(["setting", "model"], sort=False).agg(
        draws=("draw", "nunique"), auc=("auc", "mean"), ceiling=("ceiling", "mean"),
        diff=("diff", "mean"), noise=("diff", "std"), p_max=("p", "max"),
        fit_s=("fit_s", "mean"), predict_s=("predict_s", "mean")).reset_index()
    print("\nSimulated settings over their draws (vs ref: mean difference to the reference;"
          "\nnoise: its standard deviation from draw to draw; p: each draw's paired bootstrap)")
    for setting, part in summary.groupby("setting", sort=False):
        held = " (held back)" if setting in SIMULATOR_FAMILY_HELD_BACK else ""
        ps = sim[sim["setting"] == setting]
        print(f"\n{setting}{held}, {int(part['draws'].max())} draws, Bayes ceiling "
              f"{part['ceiling'].iloc[0]:.3f}")
        print(f"  {'model':<40}{'ROC AUC':>9}{'vs ref':>9}{'noise':>8}{'p per draw':>16}"
              f"{'fit s':>8}{'gap':>8}")
        for r in part.sort_values("auc", ascending=False).itertuples():
            mark = " (reference)" if r.model == reference else ""
            pvals = ps[ps["model"] == r.model].sort_values("draw")["p"]
            p = "" if r.model == reference else " ".join(f"{v:.2g}" for v in pvals)
            noise = "" if r.model == reference else f"{r.noise:.3f}"
            print(f"  {display_name(r.model) + mark:<40}{r.auc:9.3f}{r.diff:+9.3f}{noise:>8}"
                  f"{p:>16}{r.fit_s:8.1f}{r.auc - r.ceiling:+8.3f}")
    return summary


def verdict(frame, reference, summary, title="every dataset"):
    """Per model: datasets above / below the reference, how many significantly, in words."""
    if frame.empty:
        return
    print(f"\nAgainst {display_name(reference)}, {title} (p < 0.05 counted as significant; "
          "each dataset, fold set and draw counts once):")
    print(f"  {'model':<40}{'datasets':>9}{'above':>7}{'sig.':>6}{'below':>7}{'sig.':>6}"
          f"{'mean diff':>11}{'Wilcoxon p':>11}{'fit s':>8}{'pred s':>8}  verdict")
    for model, part in frame[frame["model"] != reference].groupby("model", sort=False):
        above, below = part["diff"] > 0, part["diff"] < 0
        sig = part["p"] < 0.05
        sig_above, sig_below = int((above & sig).sum()), int((below & sig).sum())
        mean = part["diff"].mean()
        # Across datasets: with many datasets one p < 0.05 comes by chance, so beating the
        # reference needs the differences to lean its way as a whole (signed-rank test).
        _, across = wilcoxon_signed_rank(part["diff"].to_numpy(), np.zeros(len(part)))
        beats = mean > 0 and across < 0.05 and not sig_below
        words = ("BEATS " if beats else "does not beat ") + display_name(reference)
        words += (f" ({'above' if mean > 0 else 'below'} on average; significantly above on "
                  f"{sig_above}, below on {sig_below})")
        # Settings where the mean over draws clears the draw-to-draw noise.
        if not summary.empty:
            mine = summary[(summary["model"] == model)
                           & summary["setting"].isin(part["setting"])]
            clear = int((mine["diff"] > mine["noise"]).sum())
            if len(mine):
                words += f"; above by more than draw noise on {clear} of {len(mine)} settings"
        print(f"  {display_name(model):<40}{len(part):>9}{int(above.sum()):>7}{sig_above:>6}"
              f"{int(below.sum()):>7}{sig_below:>6}{mean:+11.3f}{across:11.2g}"
              f"{part['fit_s'].median():8.1f}{part['predict_s'].median():8.2f}  {words}")
    print("  (fit s, pred s: medians over the datasets above)")


def verdicts(frame, reference):
    """The draw summary, then the verdict on the sample, on the simulator, and overall."""
    summary = draw_summary(frame, reference)
    simulated_rows = frame["setting"].notna() & (frame["setting"] != "")
    if simulated_rows.any() and not simulated_rows.all():
        verdict(frame[~simulated_rows], reference, summary, "the real sample")
        verdict(frame[simulated_rows], reference, summary, "the simulator settings")
    verdict(frame, reference, summary)


def settings_of(arg):
    if arg == "family":
        return list(SIMULATOR_FAMILY)
    return [s for s in arg.split(",") if s]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=None,
                        help="comma-separated names (default: every classification model "
                        "make_model knows)")
    parser.add_argument("--reference", default="deepchrome")
    parser.add_argument("--epigenomes", default="E003,E123",
                        help="sample epigenomes; empty skips the real data")
    parser.add_argument("--resolutions", default="100",
                        help="bp per bin on the sample, multiples of 100 dividing 10,000")
    parser.add_argument("--no-split", action="store_true",
                        help="on the sample, run the cross-validation only")
    parser.add_argument("--cv", type=int, default=0, help="folds on the sample; 0 skips CV")
    parser.add_argument("--cv-repeats", type=int, default=1,
                        help="repeat the K folds with fresh shuffles (the same for every model)")
    parser.add_argument("--settings", default=",".join(DEFAULT_SETTINGS),
                        help="simulator family settings, 'family' for all of them; empty "
                        "skips simulated data")
    parser.add_argument("--draws", type=int, default=1,
                        help="independent draws of each simulated setting")
    parser.add_argument("--sizes", default="1000,300,1000",
                        help="simulated train,valid,test genes")
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="cap every network's epochs (a fast configuration; stated)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", default=None, help="write the rows to this CSV file")
    parser.add_argument("--combine", nargs="+", default=None,
                        help="print tables and verdict of saved CSV files; fits nothing")
    args = parser.parse_args()
    if args.combine:
        frame = pd.concat([pd.read_csv(f, keep_default_na=False, na_values=[""])
                           for f in args.combine], ignore_index=True)
        print(f"combined {len(frame)} rows of {', '.join(args.combine)}")
        show(frame, args.reference)
        verdicts(frame, args.reference)
        return
    names = ([m.strip() for m in args.models.split(",") if m.strip()] if args.models
             else list(model_names("classification", optional=True)))
    if args.reference not in names:
        names.insert(0, args.reference)
    sizes = tuple(int(n) for n in args.sizes.split(","))
    torch.set_num_threads(1)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread, load average {os.getloadavg()[0]:.1f}; seed "
          f"{args.seed}; models {names}; reference {args.reference}; max epochs "
          f"{args.max_epochs or 'each model default (early stopping)'}", flush=True)
    total = time.perf_counter()
    frames = []

    def add(rows, setting="", draw=0, ceiling=np.nan):
        frames.append(rows.assign(setting=setting, draw=draw, ceiling=ceiling))
        if args.save:  # after every dataset: an interrupted run keeps what it finished
            pd.concat(frames, ignore_index=True).to_csv(args.save, index=False)

    for epigenome in [e for e in args.epigenomes.split(",") if e]:
        sample = load_roadmap_sample(epigenome, window=(-5000, 5000))
        for bp in [int(r) for r in args.resolutions.split(",")]:
            X = rebin(sample, bp)
            name = f"{epigenome} {label(bp)}"
            parts = {s: Bunch(data=X[sample.split == s], target=sample.target[sample.split == s])
                     for s in ("train", "valid", "test")}
            if not args.no_split:
                start = time.perf_counter()
                add(run_split(name, Bunch(**parts, marks=sample.marks, epigenome=name),
                              names, args.seed, args.max_epochs, args.reference))
                print(f"  {name}: split {time.perf_counter() - start:6.0f} s, load "
                      f"{os.getloadavg()[0]:.1f}", flush=True)
            if args.cv:
                start = time.perf_counter()
                add(run_cv(name, X, sample.target, sample.marks, names, args.cv,
                           args.cv_repeats, args.seed, args.max_epochs, args.reference))
                print(f"  {name}: cv{args.cv}x{args.cv_repeats} "
                      f"{time.perf_counter() - start:6.0f} s, load {os.getloadavg()[0]:.1f}",
                      flush=True)
    for setting in settings_of(args.settings):
        for draw in range(args.draws):
            data, ceiling = simulated(setting, sizes, args.seed, draw)
            held = " (held back from tuning)" if setting in SIMULATOR_FAMILY_HELD_BACK else ""
            name = (f"simulated {setting}{held}, {sizes[0]}/{sizes[1]}/{sizes[2]} genes"
                    + (f", draw {draw + 1}" if args.draws > 1 else ""))
            start = time.perf_counter()
            rows = run_split(name, data, names, args.seed + draw, args.max_epochs,
                             args.reference)
            add(rows, setting, draw, ceiling)
            print(f"  {setting} draw {draw + 1}: split {time.perf_counter() - start:6.0f} s, "
                  f"load {os.getloadavg()[0]:.1f}", flush=True)
    frame = pd.concat(frames, ignore_index=True)
    show(frame, args.reference)
    verdicts(frame, args.reference)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"\ntotal {time.perf_counter() - total:.0f} s wall, "
          f"{usage.ru_utime + usage.ru_stime:.0f} s CPU, load average "
          f"{os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
