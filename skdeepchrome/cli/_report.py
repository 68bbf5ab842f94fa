"""What the sub-commands print and save at the end of a run: summaries, provenance, folders.

Every command that writes a report folder goes through here, so that a report is checked
for, saved and announced one way: :func:`check_report_folder` before any work,
:func:`save_report` to fill the folder whole or not at all, :func:`provenance` for what
the report records of its making and :func:`print_summary` for what the shell shows.
Heavy modules are imported inside the functions: ``--help`` must not load them.

A command runs inside a :class:`CommandScope` (``main`` sets it up): the report folder it
checks is locked for the whole command, so a second run on the same ``--out`` is refused
in one line naming the first, and what an interrupted run left there is finished or
removed first; SIGTERM (a cluster's time limit, ``kill``) stops the command as Ctrl-C
does, so that its partial files are removed and its finished units kept.
"""

from __future__ import annotations

import signal
import threading

#: ``skdeepchrome.compare._records.RECORD_FOLDER``, spelt out so that ``--help`` stays light.
RECORD_FOLDER = ".skdeepchrome-run"


class CommandScope:
    """Around one command: its folder locks, its command line, SIGTERM as an interrupt.

    Attributes
    ----------
    terminated : bool
        Whether SIGTERM stopped the command.
    """

    _current = []

    def __init__(self, args):
        self.command_line = getattr(args, "command_line", None)
        self.terminated = False
        self._locks = []
        self._restore = []

    def hold(self, folder):
        """Lock ``folder`` until the command ends; finish or remove what an interrupted
        run left beside it."""
        from .._files import FolderLock, recover

        self._locks.append(FolderLock(folder).acquire())
        recover(folder)

    def _on_sigterm(self, signum, frame):
        self.terminated = True
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not stop the cleanup
        raise KeyboardInterrupt("terminated")

    def __enter__(self):
        from .._files import set_command

        if self.command_line is not None:
            self._restore.append(set_command(self.command_line))
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, self._on_sigterm)
            self._restore.append(lambda: signal.signal(signal.SIGTERM, previous))
        CommandScope._current.append(self)
        return self

    def __exit__(self, *exc_info):
        CommandScope._current.remove(self)
        while self._locks:
            self._locks.pop().release()
        while self._restore:
            self._restore.pop()()
        return False

    @classmethod
    def current(cls):
        return cls._current[-1] if cls._current else None


def check_report_folder(args, own=None):
    """Fail now, not after the models have trained, if ``--out`` or the pictures cannot be.

    ``args.out`` must be a folder that can be written and that holds none of the files
    the command writes (``own``, default the comparison report's) unless the package
    wrote them there; unless ``--no-plots``, matplotlib must be installed. Inside a
    command (:class:`CommandScope`), the folder is then locked until the command ends:
    another run using it is refused in one line naming it.
    """
    from .._files import check_output_folder

    if own is None:
        from ..report import own_files

        own = own_files()
    check_output_folder(args.out, own=own)
    scope = CommandScope.current()
    if scope is not None:
        scope.hold(args.out)
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
        ``out``; if it raises, ``out`` is left as it was. The files are then moved in
        whole (see :class:`skdeepchrome._files.StagedFolder`); a full disk is one line
        naming the file and what is kept.
    own : iterable of str, optional
        Every name the command may write there (an earlier run's files that this run does
        not write again are removed); default the comparison report's files.

    Returns
    -------
    dict
        ``{name: path}`` of the files moved into ``out``.
    """
    from pathlib import Path

    from .._files import StagedFolder, disk_full, is_disk_full

    if own is None:
        from ..report import own_files

        own = own_files()
    try:
        with StagedFolder(out, own=own) as stage:
            write(stage.path)
            return stage.commit()
    except OSError as exc:
        if not is_disk_full(exc):
            raise
        kept = f"--out {out} is unchanged"
        if (Path(out) / RECORD_FOLDER).is_dir():
            kept += (f"; the run's finished units are kept in {Path(out) / RECORD_FOLDER}: "
                     "free some space and run the same command with --resume to write the "
                     "report without fitting them again")
        raise disk_full(exc, getattr(exc, "filename", None) or out, kept) from None


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
    # Python's formatting rounds the stored value itself (0.9625 is 0.96250000000000002 and
    # prints 0.963, as the published-beside-measured table shows it); DataFrame.round
    # rounds 962.5 to even.
    return wide.to_string(float_format=lambda value: f"{value:.3f}")


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
            # The report states the Benjamini-Hochberg adjustment; the terminal shows it too,
            # so a reader of many tests does not take the smallest raw p at face value.
            adjusted = getattr(row, "p_adjusted", float("nan"))
            adjusted = ("" if adjusted != adjusted
                        else f" (Benjamini-Hochberg {format_p(adjusted)})")
            print(f"  {label(row)} difference {row.mean_difference:+.4f}   "
                  f"p = {format_p(row.p_value)}{adjusted}{note}")
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
