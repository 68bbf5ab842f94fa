"""What the sub-commands print and save at the end of a run: summaries, provenance, folders.

Every command that writes a report folder goes through here, so that a report is checked
for, saved and announced one way: :func:`check_report_folder` before any work,
:func:`save_report` to fill the folder whole or not at all, :func:`provenance` for what
the report records of its making and :func:`print_summary` for what the shell shows.
Heavy modules are imported inside the functions: ``--help`` must not load them.
"""

from __future__ import annotations


def check_report_folder(args, own=None):
    """Fail now, not after the models have trained, if ``--out`` or the pictures cannot be.

    ``args.out`` must be a folder that can be written and that holds none of the files
    the command writes (``own``, default the comparison report's) unless the package
    wrote them there; unless ``--no-plots``, matplotlib must be installed.
    """
    from .._files import check_output_folder

    if own is None:
        from ..report import own_files

        own = own_files()
    check_output_folder(args.out, own=own)
    if not args.no_plots:
        from ..plotting._figure import require_matplotlib

        require_matplotlib()


def save_report(out, write, *, own=None):
    """Fill the report folder ``out`` whole or not at all.

    Parameters
    ----------
    out : Path
        The report folder.
    write : callable
        ``write(folder)`` writes the files into ``folder``, a staging folder beside
        ``out``; if it raises, ``out`` is left as it was.
    own : iterable of str, optional
        Every name the command may write there (an earlier run's files that this run does
        not write again are removed); default the comparison report's files.

    Returns
    -------
    dict
        ``{name: path}`` of the files moved into ``out``.
    """
    from .._files import StagedFolder

    if own is None:
        from ..report import own_files

        own = own_files()
    with StagedFolder(out, own=own) as stage:
        write(stage.path)
        return stage.commit()


def provenance(args, data, **more):
    """What a report records of how it was made: command line, seed, data, versions.

    Parameters
    ----------
    args : argparse.Namespace
        The command's arguments (``command_line``, ``seed``).
    data : str
        The data, described for a reader of the report.
    **more : str
        Further entries (``model=``), recorded after the data.
    """
    from ..report import versions

    return {"command": args.command_line, "seed": args.seed, "data": data, **more,
            "versions": versions()}


def by_model(row):
    """A paired test's line starts with the model compared (the default of ``label``)."""
    return f"{row.model:<18}"


def wide_table(result, metric, column, columns=None):
    """``metric`` per model (rows, in the table's order) and ``column`` (columns), as text.

    Parameters
    ----------
    result : ComparisonResult
    metric : str
    column : str
        The table's column that becomes the columns (``"pair"``, ``"epigenome"``).
    columns : list, optional
        Those columns in this order; default all, sorted.
    """
    wide = result.table[result.table["metric"] == metric].pivot(
        index="model", columns=column, values="value")
    wide = wide.loc[[m for m in dict.fromkeys(result.table["model"]) if m in wide.index]]
    if columns is not None:
        wide = wide[columns]
    return wide.round(3).to_string()


def print_summary(result, out, written, heading, *, table=None, metric=None, label=by_model,
                  notes=True, caveats=True):
    """Print a run's result: heading, table, paired tests, caveats and the report's files.

    Parameters
    ----------
    result : ComparisonResult
    out : Path
        The report folder.
    written : dict
        ``{name: path}``, from :func:`save_report`.
    heading : str
        The first line: what ran and in how long.
    table : str, optional
        The table shown; default ``result.summary_table()``.
    metric : str, optional
        The paired tests shown are those of this metric; default the result's first.
    label : callable, default=by_model
        ``row -> str``: how a paired test's line names what was compared.
    notes, caveats : bool, default=True
        Add a test's note to its line; print the result's caveats as ``note:`` lines.
    """
    from ..report._formatting import format_p

    print(f"\n{heading}")
    print(result.summary_table().to_string() if table is None else table)
    if len(result.tests):
        shown = result.tests[result.tests["metric"] == (metric or result.metrics[0])]
        print(f"\n{shown['test'].iloc[0]}, {result.reference} vs:")
        for row in shown.itertuples():
            note = f"   ({row.note})" if notes and row.note else ""
            print(f"  {label(row)} difference {row.mean_difference:+.4f}   "
                  f"p = {format_p(row.p_value)}{note}")
    if caveats:
        for caveat in result.caveats:
            print(f"note: {caveat}")
    from ..report import published_text

    published = published_text(result)
    if published:
        print(f"\n{published}")
    print(f"\nreport: {out}/ ({', '.join(sorted(written))})")


def run_heading(result, seconds):
    """The heading of a comparison: its protocol, how many units, how long."""
    return (f"{result.info['protocol']}: {result.table[result.unit].nunique()} "
            f"{result.unit}(s), {seconds:.0f} s")
