"""``skdeepchrome compare --task differential``: the log2 fold change between two cells.

``--data roadmap-sample --pair E123,E003`` runs 5-fold cross-validation over the sample's 600
genes (not its 200 / 200 / 200 split: 200 test genes give a Pearson r with a standard error
near 0.04, and five folds use every gene once for testing and give paired tests across
folds). Without ``--data`` a simulated pair of ``--cell-types`` (two presets) with
``--split-sizes`` genes runs the same, with the simulator's ceiling row. Imports nothing heavy at
module level, so ``--help`` stays fast.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

from . import _data
from . import _roadmap_sample as roadmap
from ._messages import comma_names
from ._progress import shows_progress
from ._report import RECORD_FOLDER, print_summary, provenance, run_heading, save_report

DEFAULT_PAIR = "E123,E003"
DEFAULT_SIMULATED_PAIR = "blood,embryonic_stem"
DEFAULT_SIMULATED_GENES = 2000
DEFAULT_CV = 5


def add_arguments(parser):
    parser.add_argument("--pair", default=None, metavar="CELL1,CELL2",
                        help="--task differential: the two epigenomes of --data "
                        f"roadmap-sample, fold change CELL1 over CELL2 (default {DEFAULT_PAIR})")


def check_options(args, checked):
    """The differential task's own option checks; returns ``checked`` completed."""
    if args.tune:
        raise ValueError("--tune is not offered for --task differential yet.")
    if args.cv is not None and args.cv < 2:
        raise ValueError(f"--cv {args.cv}: cross-validation needs at least 2 folds.")
    roadmap.check_window(args)
    if args.data is None:
        if args.pair is not None:
            raise ValueError("--pair names epigenomes of --data roadmap-sample; a simulated "
                             "pair takes two presets in --cell-types.")
        cell_types = comma_names(args.cell_types or DEFAULT_SIMULATED_PAIR, "--cell-types")
        if len(cell_types) != 2:
            raise ValueError(f"--cell-types: --task differential simulates a pair, give two "
                             f"presets (e.g. {DEFAULT_SIMULATED_PAIR}); got {args.cell_types!r}.")
        checked["cell_types"] = cell_types
        try:
            genes = (int(args.split_sizes) if args.split_sizes is not None
                     else DEFAULT_SIMULATED_GENES)
        except ValueError:
            genes = 0
        if genes < 10:
            raise ValueError(f"--split-sizes: --task differential simulates one set of genes, "
                             f"cross-validated; give one whole number of at least 10, got "
                             f"{args.split_sizes!r}.")
        checked["genes"] = genes
        return checked
    if not roadmap.is_roadmap_sample(args.data):
        raise ValueError(f"--task differential reads --data {roadmap.SAMPLE_NAME} (two "
                         "epigenomes of the same genes) or simulates a pair without --data; "
                         f"{args.data} is not supported yet.")
    for option, value in (("--split-sizes", args.split_sizes), ("--cell-types", args.cell_types),
                          ("--marks", args.marks)):
        if value is not None:
            raise ValueError(f"{option} does not apply to --data {args.data}.")
    from ..datasets._roadmap_sample import EPIGENOMES

    pair = comma_names(args.pair or DEFAULT_PAIR, "--pair")
    if len(pair) != 2 or not set(pair) <= set(EPIGENOMES):
        raise ValueError(f"--pair needs two different epigenomes of the sample, from "
                         f"{', '.join(EPIGENOMES)} (e.g. {DEFAULT_PAIR}); got {args.pair!r}.")
    checked["pair"] = pair
    return checked


def _inputs(args, checked):
    """``(X, lfc, cell_expression, posterior or None, description)``."""
    if args.data is None:
        from ..datasets import make_differential_dataset

        _data.check_presets(checked["cell_types"])
        ds = make_differential_dataset(checked["genes"], cell_types=checked["cell_types"],
                                       random_state=args.seed)
        text = (f"simulated pair {','.join(checked['cell_types'])}, {checked['genes']} genes, "
                f"seed {args.seed}; ceiling Pearson r {ds.ceiling:.3f}")
        return ds.data, ds.target, ds.cell_expression, ds.posterior_lfc, text
    from ..datasets import load_roadmap_pair

    pair = load_roadmap_pair(checked["pair"], window=roadmap.window(args))
    text = (f"{args.data}: the Roadmap sample shipped with the package, log2((count_1 + 1) / "
            f"(count_2 + 1)) of {pair.cells[0]} over {pair.cells[1]}, window "
            f"{list(pair.window)} bp")
    return pair.data, pair.target, pair.cell_expression, None, text


def run(args, checked):
    """Run the differential comparison and write its report; returns the exit status."""
    from ..compare import compare_models

    start = time.perf_counter()
    X, lfc, cell_expression, posterior, text = _inputs(args, checked)
    models = checked["models"]
    reference = "deepdiff" if models is None or "deepdiff" in models else models[0]
    progress = shows_progress(args)
    # Each finished fold is recorded in the report folder, as the other tasks' are.
    result = compare_models(X, lfc, models=models, cv=args.cv or DEFAULT_CV,
                            n_jobs=args.n_jobs, random_state=args.seed, posterior=posterior,
                            features=args.features, reference=reference,
                            scheduler=args.scheduler, verbose=1 if progress else 0,
                            task="differential", cell_expression=cell_expression,
                            record_dir=Path(args.out) / RECORD_FOLDER, resume=args.resume,
                            keep_going=args.keep_going)
    result.info["run"] = provenance(args, text)
    written = save_report(args.out, partial(result.save, plots=not args.no_plots))
    if not args.quiet:
        print(f"\ndifferential expression, {text}")
        print_summary(result, args.out, written,
                      run_heading(result, time.perf_counter() - start))
    return 0
