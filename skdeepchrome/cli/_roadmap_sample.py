"""``skdeepchrome compare`` on the Roadmap sample shipped with the package.

Kept apart from ``compare.py`` so that the command only wires it in: ``--data
roadmap-sample`` runs the paper's protocol on the sample, and the main job (no
``--data``) reports the sample beside the simulated epigenomes, in its own table and its
own report folder, never pooled with them.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

from ._report import print_summary, provenance, save_report, wide_table

#: The word ``--data`` takes for the sample (``roadmap_comparison.SAMPLE_NAME``; spelt out
#: here because importing that module would load pandas and torch for ``--help``).
SAMPLE_NAME = "roadmap-sample"
#: Sub-folder of the main job's report that holds the real sample's report.
REAL_FOLDER = SAMPLE_NAME


def add_arguments(parser):
    parser.add_argument("--window", default=None, metavar="START,END",
                        help="with --data roadmap-sample (and the main job's real sample): bp "
                        "around the TSS to keep, e.g. --window=-5000,5000 (DeepChrome's 100 "
                        "bins, the default) or --window=-10000,10000 (all 200); a single N "
                        "means -N,N")
    parser.add_argument("--no-real-sample", action="store_true",
                        help="main job: skip the real Roadmap sample reported beside the "
                        "simulated epigenomes")


def is_roadmap_sample(data):
    """``--data roadmap-sample``, unless a file or folder of that name exists."""
    return data is not None and str(data) == SAMPLE_NAME and not Path(data).exists()


def window(args):
    from ..datasets._roadmap_sample import DEEPCHROME_WINDOW

    if args.window is None:
        return DEEPCHROME_WINDOW
    parts = [p.strip() for p in str(args.window).split(",")]
    try:
        values = [int(p) for p in parts]
    except ValueError:
        values = []
    if len(values) == 1 and values[0] > 0:
        values = [-values[0], values[0]]
    if len(values) != 2:
        raise ValueError(f"--window expects START,END in bp around the TSS, e.g. "
                         f"--window=-5000,5000; got {args.window!r}.")
    return tuple(values)


def check_window(args):
    if args.window is not None and args.data is not None and not is_roadmap_sample(args.data):
        raise ValueError(f"--window applies to --data {SAMPLE_NAME} (and the main job's real "
                         f"sample), not to {args.data}; crop other data with HistoneBinner's "
                         f"window.")


def run_real_sample(args, common):
    """The main job's real-data part: the sample through the protocol, its own report."""
    from ..compare import compare_roadmap_sample

    start = time.perf_counter()
    out = Path(args.out) / REAL_FOLDER
    result = compare_roadmap_sample(window=window(args), record_dir=out / ".skdeepchrome-run",
                                    **common)
    # The sub-report says how it was made too: the main job's command, and its own data.
    result.info["run"] = provenance(
        args, f"{SAMPLE_NAME} (part of the main job; its report is in {args.out})")
    written = save_report(out, partial(result.save, plots=not args.no_plots))
    if not args.quiet:
        show(result, out, written, time.perf_counter() - start)
    return result


def add_per_epigenome_tests(result, args):
    """``--data roadmap-sample``: paired bootstraps within each epigenome (a Wilcoxon test
    across two epigenomes can never reach 0.05), and the window in the report."""
    from ..compare import per_epigenome_tests

    result.tests = per_epigenome_tests(result, random_state=args.seed)
    result.info.update(window=list(window(args)))


def show(result, out, written, seconds):
    """Print a real-sample result: the table per epigenome, then each one's paired tests.

    Its caveats and the tests' notes are left to the report, not printed.
    """
    metric = result.metrics[0]
    heading = (f"Real data, {SAMPLE_NAME}: Roadmap read counts of 600 genes in E003 (H1) and "
               f"E123 (K562), train / valid / test 200 / 200 / 200, window "
               f"{result.info['window']} bp; {seconds:.0f} s. Not pooled with simulated data.")
    table = (f"test {metric} per epigenome:\n"
             + wide_table(result, metric, "epigenome"))
    print_summary(result, out, written, heading, table=table, metric=metric,
                  label=lambda row: f"{row.epigenome}  {row.model:<18}", notes=False,
                  caveats=False)
