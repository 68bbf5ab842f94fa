"""``skdeepchrome compare``: the DeepChrome CNN against the baselines, with a report.

Everything the command can check is checked before the first model trains: the options
(model names, gene counts, folds, processes), the report folder, and every file of the
data (all epigenomes of a root, not just the first). Only then does the comparison run.
"""

from __future__ import annotations

import sys
import time
from functools import partial
from pathlib import Path

from . import _data
from . import _differential as differential
from . import _roadmap_sample as roadmap
from ._messages import check_n_jobs, comma_names, model_names
from ._options import add_n_jobs, add_renamed
from ._progress import PROGRESS_HELP, shows_progress
from ._report import (
    RECORD_FOLDER,
    check_report_folder,
    print_summary,
    provenance,
    run_heading,
    save_report,
)

DEFAULT_CELL_TYPES = ("fibroblast", "embryonic_stem", "blood")
DEFAULT_SPLIT_SIZES = "6601,6601,6600"
DEFAULT_CV = 5


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "compare",
        help="compare the DeepChrome CNN with SVM, random forest, logistic regression and "
        "gradient boosting",
        description=(
            "The CNN is the recommended model, skdeepchrome.baselines.make_model('deepchrome'): "
            "the standardised HistoneBinner then five DeepChrome networks averaged. "
            "Without --data: the paper's train/valid/test protocol on simulated epigenomes of "
            "the release's size (6,601 / 6,601 / 6,600 genes), with the Bayes ceiling. "
            "With --data: an epigenome folder (train/valid/test CSVs) or a root of them runs "
            "the paper's protocol; an extracted dataset (.npz, or one .csv) runs "
            "cross-validation. --task regression predicts the data's continuous "
            "expression (log1p) instead of high/low. How long: the default run (three "
            "simulated epigenomes, then the real sample) took under two "
            "minutes (100 s) on an idle 2-core machine (benchmarks/bench_compare.py, recorded in "
            "docs/benchmarks/bench_compare.txt), several times longer on a busy one. "
            "Progress is shown as it goes: a bar on a terminal, timestamped lines with the "
            "time left when sent to a file or a log (--quiet for none)."
        ),
    )
    parser.add_argument("--data", type=Path, help="epigenome folder, root of epigenome folders, "
                        "an extracted dataset (.npz / .csv / .csv.gz), or roadmap-sample")
    _data.add_marks(parser)
    parser.add_argument("--models", default=None,
                        help="comma-separated models, any case (default: all of deepchrome "
                        "(the recommended make_model('deepchrome')), "
                        "svm, random_forest, logistic, gradient_boosting; on request "
                        "deepchrome_paper (the paper's kernel in bins), attentivechrome, "
                        "shallowchrome, chromoformer, transferchrome, hmcrnn; "
                        "for regression ridge replaces logistic; aliases such as "
                        "cnn, rf, lr, gbm)")
    parser.add_argument("--task", choices=("classification", "regression", "differential"),
                        default="classification",
                        help="classify high/low expression (default), regress the data's "
                        "log1p expression (simulated data, or an .npz with expression), or "
                        "predict the log2 fold change between two cells (differential: "
                        "--data roadmap-sample --pair E123,E003, or a simulated pair)")
    parser.add_argument("--cv", type=int, default=None,
                        help=f"folds for cross-validation on an extracted dataset (default "
                        f"{DEFAULT_CV}); only with --data FILE")
    parser.add_argument("--tune", action="store_true",
                        help="tune hyper-parameters (on valid, or in nested folds)")
    parser.add_argument("--features", choices=("bins", "marks"), default="bins",
                        help="baseline features: every bin, or one mean per mark")
    add_n_jobs(parser)
    parser.add_argument("--scheduler", default=None,
                        help="address of a dask.distributed scheduler to run the work on")
    parser.add_argument("--cell-types", default=None,
                        help="simulated presets when --data is not given "
                        f"(default {','.join(DEFAULT_CELL_TYPES)})")
    parser.add_argument("--split-sizes", default=None, metavar="TRAIN,VALID,TEST",
                        help="simulated genes per split, train,valid,test (default the "
                        f"release's {DEFAULT_SPLIT_SIZES}); --task differential: one number, "
                        "the genes of the simulated pair (default 2000); only without --data")
    add_renamed(parser, "--genes", "--split-sizes", "split_sizes",
                why="in compare it gave the simulated split sizes; --genes is extract's "
                "annotation file")
    parser.add_argument("--out", type=Path, default=Path("skdeepchrome-report"),
                        help="report folder (default ./skdeepchrome-report); the package's "
                        "files of an earlier run there are replaced, other files are kept; "
                        "a file of a report's name it did not write is refused")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG pictures")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--progress", action="store_true", help=PROGRESS_HELP)
    parser.add_argument("--quiet", action="store_true",
                        help="no progress (bar or lines), no table")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run recorded in --out (each finished epigenome or "
                        "fold is recorded in OUT/.skdeepchrome-run/ as it ends): the data, "
                        "models, options, seed and version must match; finished units are "
                        "not fitted again")
    parser.add_argument("--keep-going", action="store_true",
                        help="when a fit fails (an error, or its worker is killed or runs out "
                        "of memory), report that epigenome or fold as failed and finish the "
                        "rest, instead of stopping")
    roadmap.add_arguments(parser)
    differential.add_arguments(parser)
    parser.set_defaults(func=run)
    return parser


def _counts(text, option, n):
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        sizes = ()
    if len(sizes) != n or min(sizes) < 1:
        raise ValueError(f"{option} needs {n} positive whole numbers separated by commas, got "
                         f"{text!r}.")
    return sizes


def check_options(args):
    """Check every option that needs no data; returns the parsed values.

    Raises ValueError with a one-line message naming the flag. Imports nothing heavy, so
    a mistyped command fails at once.
    """
    checked = {"models": model_names(args.models, args.task)}
    check_n_jobs(args.n_jobs)
    if args.task == "differential":
        return differential.check_options(args, checked)
    if args.pair is not None:
        raise ValueError("--pair applies to --task differential.")
    if args.cv is not None and args.cv < 2:
        raise ValueError(f"--cv {args.cv}: cross-validation needs at least 2 folds.")
    checked["marks"] = None if args.marks is None else comma_names(args.marks, "--marks")
    roadmap.check_window(args)
    if args.data is None:
        if args.cv is not None:
            raise ValueError("--cv applies to an extracted dataset (--data FILE.npz or .csv); "
                             "the simulated epigenomes run the train/valid/test protocol.")
        if args.marks is not None:
            raise ValueError("--marks applies to --data CSV files.")
        checked["genes"] = _counts(args.split_sizes or DEFAULT_SPLIT_SIZES, "--split-sizes", 3)
        checked["cell_types"] = comma_names(args.cell_types or ",".join(DEFAULT_CELL_TYPES),
                                       "--cell-types")
    else:
        for option, value in (("--split-sizes", args.split_sizes),
                              ("--cell-types", args.cell_types)):
            if value is not None:
                raise ValueError(f"{option} sets the simulated epigenomes; it does not apply "
                                 f"with --data {args.data}.")
        if roadmap.is_roadmap_sample(args.data):
            for option, value in (("--cv", args.cv), ("--marks", args.marks)):
                if value is not None:
                    raise ValueError(f"{option} does not apply to --data {args.data}, which "
                                     "is evaluated by its own train/valid/test splits.")
            roadmap.check_window(args)
            return checked
        if not args.data.exists():
            raise FileNotFoundError(f"--data {args.data}: no such file or folder.")
        if args.data.is_dir() and args.cv is not None:
            raise ValueError(f"--cv applies to an extracted dataset (.npz or .csv); {args.data} "
                             "is a folder, evaluated by its train/valid/test splits.")
        if args.marks is not None and _data.is_npz(args.data):
            raise ValueError(f"--marks applies to CSV files; {args.data} records its own marks.")
    return checked


def run(args):
    checked = check_options(args)
    check_report_folder(args)
    if args.task == "differential":
        return differential.run(args, checked)

    def say(message):
        if not args.quiet:
            print(message, file=sys.stderr)

    start = time.perf_counter()
    kind, data = _data.for_compare(args, checked, say)

    from ..compare import compare_models, expression_target, paper_protocol
    from ..layout import HistoneMatrix

    task = args.task
    regression = task == "regression"
    progress = shows_progress(args)
    models = checked["models"]
    # The CNN is tested against the others; without it, the first model named is.
    reference = "deepchrome" if models is None or "deepchrome" in models else models[0]
    common = dict(models=models, reference=reference, tune=args.tune, n_jobs=args.n_jobs,
                  random_state=args.seed, features=args.features, scheduler=args.scheduler,
                  verbose=1 if progress else 0, task=task, resume=args.resume,
                  keep_going=args.keep_going)
    # The record of finished units lives in the report folder, out of the staged report,
    # so that an interrupted run keeps it (see skdeepchrome.compare._records).
    record_dir = Path(args.out) / RECORD_FOLDER
    if kind == "protocol":
        if regression:
            # Each split's expression becomes its target, still loaded lazily per worker.
            data = {name: partial(expression_target, source) for name, source in data.items()}
        result = paper_protocol(data, record_dir=record_dir, **common)
        if roadmap.is_roadmap_sample(args.data):
            roadmap.add_per_epigenome_tests(result, args)
    else:
        # A file records its marks and bin width (the loaders return them); they travel
        # with the matrix, so the CNN's filter is sized from the width and every model
        # reads the marks by name.
        X = HistoneMatrix(data.data, data.marks, len(data.data[0]) // len(data.marks),
                          bin_size=data.get("bin_size"))
        # npz expression is stored log1p (the extractor and the simulator both do so).
        y = data.expression if regression else data.target
        posterior = None if regression else data.get("posterior")
        result = compare_models(X, y, cv=args.cv or DEFAULT_CV, posterior=posterior,
                                record_dir=record_dir, **common)
    result.info["run"] = provenance(args, _described(args))
    written = save_report(args.out, partial(result.save, plots=not args.no_plots))
    if not args.quiet:
        seconds = time.perf_counter() - start
        if roadmap.is_roadmap_sample(args.data):
            roadmap.show(result, args.out, written, seconds)
        else:
            print_summary(result, args.out, written, run_heading(result, seconds))
    if args.data is None and not args.no_real_sample:
        roadmap.run_real_sample(args, common)
    return 0


def _described(args):
    """The data as the report records them: the simulation's settings, or ``--data``."""
    if args.data is None:
        return (f"simulated: cell types {args.cell_types or ','.join(DEFAULT_CELL_TYPES)}, "
                f"genes {args.split_sizes or DEFAULT_SPLIT_SIZES}, seed {args.seed}")
    return _data.describe(args.data)
