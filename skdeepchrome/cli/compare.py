"""``skdeepchrome compare``: the DeepChrome CNN against the baselines, with a report."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

from . import _roadmap_sample as roadmap

DEFAULT_CELL_TYPES = ("fibroblast", "embryonic_stem", "blood")


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "compare",
        help="compare the DeepChrome CNN with SVM, random forest, logistic regression and "
        "gradient boosting",
        description=(
            "Without --data: the paper's train/valid/test protocol on simulated epigenomes of "
            "the release's size (6,601 / 6,601 / 6,600 genes), with the Bayes ceiling. "
            "With --data: an epigenome folder (train/valid/test CSVs) or a root of them runs "
            "the paper's protocol; an extracted dataset (.npz, or one .csv) runs "
            "cross-validation. --task regression predicts the data's continuous "
            "expression (log1p) instead of high/low. --data roadmap-sample runs the "
            "protocol on the real Roadmap sample shipped with the package (E003, E123), which "
            "the main job also reports, in its own table."
        ),
    )
    parser.add_argument("--data", type=Path, help="epigenome folder, root of epigenome folders, "
                        "an extracted dataset (.npz / .csv / .csv.gz), or roadmap-sample")
    parser.add_argument("--models", default=None,
                        help="comma-separated models (default: all of deepchrome, svm, "
                        "random_forest, logistic, gradient_boosting; attentivechrome on "
                        "request; for regression ridge replaces logistic)")
    parser.add_argument("--task", choices=("classification", "regression"),
                        default="classification",
                        help="classify high/low expression (default) or regress the data's "
                        "log1p expression (simulated data, or an .npz with expression)")
    parser.add_argument("--cv", type=int, default=5,
                        help="folds for cross-validation on an extracted dataset (default 5)")
    parser.add_argument("--tune", action="store_true",
                        help="tune hyper-parameters (on valid, or in nested folds)")
    parser.add_argument("--features", choices=("bins", "marks"), default="bins",
                        help="baseline features: every bin, or one mean per mark")
    parser.add_argument("--n-jobs", type=int, default=-1,
                        help="parallel epigenomes / fits (default -1: every core; 1 runs in "
                        "this process)")
    parser.add_argument("--scheduler", default=None,
                        help="address of a dask.distributed scheduler to run the work on")
    parser.add_argument("--cell-types", default=",".join(DEFAULT_CELL_TYPES),
                        help="simulated presets when --data is not given "
                        f"(default {','.join(DEFAULT_CELL_TYPES)})")
    parser.add_argument("--genes", default="6601,6601,6600",
                        help="simulated genes per split, train,valid,test (default the release's)")
    parser.add_argument("--out", type=Path, default=Path("skdeepchrome-report"),
                        help="report folder (default ./skdeepchrome-report)")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG pictures")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar, no table")
    roadmap.add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def _epigenomes(args):
    """What to evaluate: ``("protocol", {name: loader})`` or ``("cv", dataset Bunch)``."""
    from ..datasets import RemcCollection, load_dataset, load_remc
    from ..datasets.simulated_epigenome import simulated_collection

    if args.data is None:
        sizes = tuple(int(n) for n in args.genes.split(","))
        cell_types = [c.strip() for c in args.cell_types.split(",") if c.strip()]
        return "protocol", simulated_collection(cell_types, n_genes=sizes,
                                                random_state=args.seed)
    if roadmap.is_roadmap_sample(args.data):
        from ..datasets import roadmap_sample_epigenomes

        return "protocol", roadmap_sample_epigenomes(window=roadmap.window(args))
    loaded = load_dataset(args.data)
    if isinstance(loaded, RemcCollection):
        return "protocol", {
            name: partial(load_remc, folder, marks=loaded.marks, n_bins=loaded.n_bins)
            for name, folder in loaded.folders.items()
        }
    if "train" in loaded:
        return "protocol", {loaded.get("epigenome", args.data.name): loaded}
    if args.task == "regression":
        if loaded.get("expression") is None:
            raise ValueError(f"{args.data} has no expression values to regress; extract it "
                             "with --expression.")
        return "cv", loaded
    if loaded.get("target") is None:
        raise ValueError(f"{args.data} has no labels (target); extract it with --expression.")
    return "cv", loaded


def run(args):
    from ..compare import compare_models
    from ..protocol import expression_target, paper_protocol

    if not args.no_plots:
        from ..plotting._figure import require_matplotlib

        require_matplotlib()  # fail now, not after the models have trained
    start = time.perf_counter()
    roadmap.check_window(args)
    kind, data = _epigenomes(args)
    task = args.task
    regression = task == "regression"
    common = dict(models=args.models, tune=args.tune, n_jobs=args.n_jobs,
                  random_state=args.seed, features=args.features, scheduler=args.scheduler,
                  verbose=0 if args.quiet else 1, task=task)
    if kind == "protocol":
        if regression:
            # Each split's expression becomes its target, still loaded lazily per worker.
            data = {name: partial(expression_target, source) for name, source in data.items()}
        result = paper_protocol(data, **common)
        if roadmap.is_roadmap_sample(args.data):
            return roadmap.finish(result, args, start)
    else:
        X = data.data.reshape(len(data.data), len(data.marks), -1)
        # npz expression is stored log1p (the extractor and the simulator both do so).
        y = data.expression if regression else data.target
        posterior = None if regression else data.get("posterior")
        result = compare_models(X, y, cv=args.cv, posterior=posterior, **common)
    written = result.save(args.out, plots=not args.no_plots)
    if not args.quiet:
        print(f"\n{result.info['protocol']}: {result.table[result.unit].nunique()} "
              f"{result.unit}(s), {time.perf_counter() - start:.0f} s")
        print(result.summary_table().to_string())
        if len(result.tests):
            shown = result.tests[result.tests["metric"] == result.metrics[0]]
            print(f"\n{shown['test'].iloc[0]}, {result.reference} vs:")
            for row in shown.itertuples():
                print(f"  {row.model:<18} difference {row.mean_difference:+.4f}   "
                      f"p = {row.p_value:.3g}")
        print(f"\nreport: {args.out}/ ({', '.join(sorted(p.name for p in written.values()))})")
    if args.data is None and not args.no_real_sample:
        roadmap.run_real_sample(args, common)
    return 0
