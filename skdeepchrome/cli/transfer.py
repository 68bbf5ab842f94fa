"""``skdeepchrome transfer``: fit on source epigenome(s), score on a target, with a report.

The options and the report folder are checked before anything heavy is imported; the data
are loaded (and every involved epigenome checked) before the first model trains.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

from . import _data
from . import _roadmap_sample as roadmap
from ._messages import check_n_jobs, comma_names, model_names
from ._options import add_n_jobs, add_renamed
from ._progress import PROGRESS_HELP, shows_progress
from ._report import check_report_folder, print_summary, provenance, save_report, wide_table

SIMULATED = "simulated"
DEFAULT_CELL_TYPES = ("fibroblast", "embryonic_stem", "blood")
#: Depth of each simulated epigenome relative to its preset: several-fold apart, as real
#: epigenomes are.
DEFAULT_DEPTHS = (1.0, 3.0, 5.0)
DEFAULT_SPLIT_SIZES = "1000,300,1000"
NORMALIZE_CHOICES = ("median_of_ratios", "quantile", "total", "none")


def add_parser(subparsers):
    parser = subparsers.add_parser(
        "transfer",
        help="fit the models on source epigenome(s) and score them on a target epigenome",
        description=(
            "Cross-cell-type transfer: every model is fitted on the --source epigenome(s) "
            "and scored (ROC AUC) on the test split of each --target, beside the same model "
            "fitted on the target's own train split. --fine-tune N continues the networks on "
            "N target training genes (the baselines are refitted on source + the same N "
            "genes). --normalize puts the epigenomes on one depth scale first, learnt from "
            "their marks alone. The report (md, html, csv, json, pictures) is that of "
            "compare, with a source x target AUC heatmap when there are several pairs."
        ),
    )
    parser.add_argument("--data", required=True,
                        help="a root of epigenome folders (train/valid/test CSVs), "
                        "roadmap-sample (E003, E123), or simulated (presets of --cell-types "
                        "at --depths)")
    parser.add_argument("--source", required=True, metavar="E1[,E2+E3|all-but-target]",
                        help="source epigenome(s), comma-separated, each transferred on its "
                        "own; join names with + to pool them (E004+E005); all-but-target "
                        "fits on every other epigenome")
    parser.add_argument("--target", required=True, metavar="E1[,E2]",
                        help="target epigenome(s), comma-separated")
    parser.add_argument("--fine-tune", type=int, default=0, metavar="N",
                        help="target training genes to fine-tune on (default 0)")
    parser.add_argument("--normalize", choices=NORMALIZE_CHOICES, default="median_of_ratios",
                        help="depth normalisation learnt from each epigenome's marks "
                        "(default median_of_ratios; none: raw counts)")
    parser.add_argument("--models", default=None,
                        help="comma-separated models, any case (default: deepchrome (the "
                        "recommended make_model('deepchrome')), svm, random_forest, logistic, "
                        "gradient_boosting)")
    _data.add_marks(parser)
    parser.add_argument("--features", choices=("bins", "marks"), default="bins",
                        help="baseline features: every bin, or one mean per mark")
    parser.add_argument("--no-within", action="store_true",
                        help="skip the within-target reference fits")
    parser.add_argument("--cell-types", default=None,
                        help="--data simulated: presets, each one epigenome named after it "
                        f"(default {','.join(DEFAULT_CELL_TYPES)})")
    parser.add_argument("--depths", default=None, metavar="D1,D2,...",
                        help="--data simulated: sequencing depth of each epigenome relative to "
                        f"its preset (default {','.join(f'{d:g}' for d in DEFAULT_DEPTHS)})")
    parser.add_argument("--split-sizes", default=None, metavar="TRAIN,VALID,TEST",
                        help=f"--data simulated: genes per split (default "
                        f"{DEFAULT_SPLIT_SIZES})")
    add_renamed(parser, "--genes", "--split-sizes", "split_sizes",
                why="in transfer it gave the simulated split sizes; --genes is extract's "
                "annotation file")
    add_n_jobs(parser)
    parser.add_argument("--scheduler", default=None,
                        help="address of a dask.distributed scheduler to run the fits on")
    parser.add_argument("--out", type=Path, default=Path("skdeepchrome-transfer"),
                        help="report folder (default ./skdeepchrome-transfer)")
    parser.add_argument("--no-plots", action="store_true", help="skip the PNG pictures")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--progress", action="store_true", help=PROGRESS_HELP)
    parser.add_argument("--quiet", action="store_true",
                        help="no progress (bar or lines), no table")
    parser.add_argument("--window", default=None, metavar="START,END",
                        help="with --data roadmap-sample: bp around the TSS to keep (default "
                        "-5000,5000)")
    parser.set_defaults(func=run)
    return parser


def check_options(args):
    """Check what needs no data; returns the parsed values (imports nothing heavy)."""
    checked = {"models": model_names(args.models)}
    check_n_jobs(args.n_jobs)
    if args.fine_tune < 0:
        raise ValueError(f"--fine-tune {args.fine_tune}: give a number of target genes "
                         "(0 for none).")
    checked["sources"] = comma_names(args.source, "--source")
    checked["targets"] = comma_names(args.target, "--target")
    simulated = str(args.data) == SIMULATED and not Path(args.data).exists()
    sample = roadmap.is_roadmap_sample(args.data)
    checked["simulated"], checked["sample"] = simulated, sample
    if not simulated:
        for option, value in (("--cell-types", args.cell_types), ("--depths", args.depths),
                              ("--split-sizes", args.split_sizes)):
            if value is not None:
                raise ValueError(f"{option} sets the simulated epigenomes; it applies only "
                                 f"with --data {SIMULATED}.")
    if args.window is not None and not sample:
        raise ValueError(f"--window applies to --data {roadmap.SAMPLE_NAME}.")
    if args.marks is not None and (simulated or sample):
        raise ValueError(f"--marks applies to --data CSV folders, not {args.data}.")
    checked["marks"] = None if args.marks is None else comma_names(args.marks, "--marks")
    if simulated:
        cell_types = comma_names(args.cell_types or ",".join(DEFAULT_CELL_TYPES), "--cell-types")
        if args.depths is None:
            depths = tuple(DEFAULT_DEPTHS[i % len(DEFAULT_DEPTHS)]
                           for i in range(len(cell_types)))
        else:
            try:
                depths = tuple(float(d) for d in args.depths.split(","))
            except ValueError:
                depths = ()
            if len(depths) != len(cell_types) or min(depths) <= 0:
                raise ValueError(f"--depths needs one positive number per cell type "
                                 f"({len(cell_types)}), got {args.depths!r}.")
        try:
            genes = tuple(int(g) for g in (args.split_sizes or DEFAULT_SPLIT_SIZES).split(","))
        except ValueError:
            genes = ()
        if len(genes) != 3 or min(genes) < 1:
            raise ValueError(f"--split-sizes needs three positive whole numbers "
                             f"(train,valid,test), got {args.split_sizes!r}.")
        checked.update(cell_types=cell_types, depths=depths, genes=genes)
    elif not sample and not Path(args.data).is_dir():
        raise FileNotFoundError(f"--data {args.data}: no such folder (transfer needs a root "
                                f"of epigenome folders, {roadmap.SAMPLE_NAME} or "
                                f"{SIMULATED}).")
    return checked


def run(args):
    checked = check_options(args)
    check_report_folder(args)
    start = time.perf_counter()
    epigenomes = _data.for_transfer(args, checked)

    from ..compare import transfer_protocol

    models = checked["models"]
    progress = shows_progress(args)
    result = transfer_protocol(
        epigenomes, list(checked["sources"]), list(checked["targets"]), models,
        fine_tune=args.fine_tune, normalize=args.normalize, within=not args.no_within,
        random_state=args.seed, features=args.features, n_jobs=args.n_jobs,
        scheduler=args.scheduler, verbose=1 if progress else 0)
    result.info["run"] = provenance(args, _described(args, checked))
    written = save_report(args.out, partial(result.save, plots=not args.no_plots))
    if not args.quiet:
        _print_summary(result, args.out, written, time.perf_counter() - start)
    return 0


def _described(args, checked):
    """The data as the report records them: the simulation's settings, or ``--data``."""
    if checked["simulated"]:
        return (f"simulated: cell types {','.join(checked['cell_types'])} at depths "
                f"{','.join(f'{d:g}' for d in checked['depths'])}, genes "
                f"{','.join(map(str, checked['genes']))}, seed {args.seed}")
    return _data.describe(args.data)


def _print_summary(result, out, written, seconds):
    """The shared summary, with the AUC of each source -> target pair as its table."""
    info = result.info
    heading = (f"transfer, normalisation {info['normalize']}, fine-tuning on "
               f"{info['fine_tune']} target genes; {len(info['pairs'])} pair(s), {seconds:.0f} s")
    table = ("test ROC AUC per source -> target pair:\n"
             + wide_table(result, "roc_auc", "pair", info["pairs"]))
    print_summary(result, out, written, heading, table=table, metric="roc_auc",
                  label=lambda row: f"{row.pair:<24} {row.model:<32}", notes=False)
