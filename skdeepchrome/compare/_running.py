"""Running a comparison unit by unit: record each as it ends, skip the recorded, survive failures.

A unit (an epigenome of the paper's protocol, a fold of cross-validation) is one or more
fits, one per model. :func:`run_units` runs the fits of every unit not yet recorded
through joblib, takes their results in whatever order they finish, and as soon as the
last fit of a unit is back, hands the unit to :class:`~skdeepchrome.compare._records.RunRecord`.

A fit that raises is caught in its worker and reported with its unit and model. A worker
process that dies (killed, out of memory, a segfault in a native library) breaks joblib's
whole pool, and joblib cannot say which fit it held: the fits that had started and not
returned are run again, one at a time in a fresh process, and the one whose process dies
again is the failure (a fit that now finishes was the victim of a passing cause and keeps
its result). With ``keep_going`` failed units are recorded and the run goes on; without
it, the run stops at the first failure, naming it, with every finished unit kept.
"""

from __future__ import annotations

import pickle
import re
import shutil
import sys
import tempfile
import warnings
from contextlib import contextmanager, nullcontext
from pathlib import Path

from joblib import Parallel, parallel_config

from .._progress import Progress
from ..exceptions import RunInterrupted, UnitFailedError
from ._records import UnitFailure, UnitResult


def _category_name(category):
    return f"{category.__module__}:{category.__qualname__}"


def _category(name):
    """The warning class named by :func:`_category_name` (``UserWarning`` if unknown).

    Only modules already imported are looked in: a name read from a record never makes
    this process import anything.
    """
    module, _, qualname = str(name).partition(":")
    value = sys.modules.get(module)
    try:
        for part in qualname.split("."):
            value = getattr(value, part)
    except AttributeError:
        return UserWarning
    return value if isinstance(value, type) and issubclass(value, Warning) else UserWarning


def _one_line(exc):
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _guarded(index, started, function, args, kwargs):
    """Run one fit in a worker: ``(index, ok, result or error, warnings)``, never raising
    an ``Exception`` (an interrupt still propagates)."""
    if started is not None:
        try:
            (Path(started) / str(index)).touch()
        except OSError:
            pass  # only the diagnosis of a dead worker needs it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result, ok = function(*args, **kwargs), True
        except Exception as exc:  # noqa: BLE001 - reported with its unit and model
            result, ok = (_one_line(exc), _portable(exc)), False
    return index, ok, result, [(_category_name(w.category), str(w.message)) for w in caught]


def _portable(exc):
    """``exc`` if it can travel back from a worker process (to be raised again), else None."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:  # noqa: BLE001 - an exception that cannot travel is described instead
        return None
    return exc


def _exit_codes(exc):
    found = re.search(r"exit codes of the workers are \{([^}]*)\}", str(exc))
    return f"exit code {found.group(1)}" if found else "no exit code"


def _run_alone(index, task):
    """Run one fit in a fresh single-worker pool: its result, or None if the worker died."""
    from joblib.externals.loky import get_reusable_executor
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    function, args, kwargs = task
    executor = get_reusable_executor(max_workers=1, reuse=False)
    try:
        return executor.submit(_guarded, index, None, function, args, kwargs).result(), None
    except TerminatedWorkerError as exc:
        return None, _exit_codes(exc)
    finally:
        executor.shutdown(wait=True, kill_workers=True)


def _outcomes(pending, n_jobs, scheduler):
    """Yield ``(index, ok, result, warnings)`` for every ``(index, task)`` in ``pending``,
    in the order they finish, diagnosing a dead worker (see the module notes)."""
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    remaining = dict(pending)
    started = None if scheduler is not None else tempfile.mkdtemp(prefix="skdc-started-")
    try:
        while remaining:
            if started is not None:
                for marker in Path(started).iterdir():
                    marker.unlink()
            returned = set()
            parallel = Parallel(n_jobs=n_jobs, return_as="generator_unordered", batch_size=1)
            jobs = ((_guarded, (index, started, *task), {})
                    for index, task in remaining.items())
            try:
                for outcome in parallel(jobs):
                    returned.add(outcome[0])
                    yield outcome
                return
            except TerminatedWorkerError as exc:
                codes = _exit_codes(exc)
                marked = ({int(p.name) for p in Path(started).iterdir()}
                          if started is not None else set())
                suspects = [i for i in remaining if i in marked and i not in returned]
                if not suspects:  # no markers to go by: every fit that had not returned
                    suspects = [i for i in remaining if i not in returned]
                for index in list(remaining):
                    if index in returned:
                        del remaining[index]
                alone = []
                for index in suspects:
                    outcome, again = _run_alone(index, remaining.pop(index))
                    if outcome is None:
                        outcome = (index, False, ("its worker process died "
                                   f"({again or codes}: killed, out of memory or a crash in "
                                   "native code)", None), [])
                    alone.append(outcome)
                # The fits that finished first: a run that stops at the failure keeps them.
                yield from sorted(alone, key=lambda outcome: not outcome[1])
    finally:
        if started is not None:
            shutil.rmtree(started, ignore_errors=True)


def run_units(units, collect, *, record=None, keep_going=False, n_jobs=None, scheduler=None,
              verbose=1, desc="fits", what="epigenome", rank=None):
    """Run every unit's fits; record each unit as soon as its last fit is back.

    Parameters
    ----------
    units : dict of str -> list of (str, delayed task)
        Per unit, in report order, its fits labelled by model name.
    collect : callable
        ``collect(unit, results)`` turns the results of a unit's fits (in its order) into
        a :class:`~skdeepchrome.compare._records.UnitResult`; it runs in this process.
    record : RunRecord, optional
        Units already recorded there are not run again; every unit that ends is saved.
        Its lock is given back (:meth:`RunRecord.close`) when the run ends, however.
    keep_going : bool, default=False
        Record a failed unit and go on; otherwise raise
        :class:`~skdeepchrome.exceptions.UnitFailedError` at the first failure.
    n_jobs, scheduler, verbose, desc
        As in :func:`run_tasks`.
    what : str, default="epigenome"
        What a unit is, for messages.
    rank : callable, optional
        ``rank(unit_position, label)``, a sortable key: fits start in increasing rank (in
        the order of ``units`` among equals), e.g. so that the longest fits do not start
        last and leave the other workers idle while they end. Results and records are the
        same in any order; only the wall time changes. Default: unit by unit.

    Returns
    -------
    results : dict of str -> UnitResult
        The finished units, in the order of ``units``.
    failures : dict of str -> UnitFailure
        The failed units (only with ``keep_going``).

    Raises
    ------
    RunInterrupted
        On an interrupt, saying how many units were kept and how to resume.
    UnitFailedError
        On a failure without ``keep_going``.

    Examples
    --------
    >>> from joblib import delayed
    >>> from skdeepchrome.compare._records import UnitResult
    >>> import pandas as pd
    >>> units = {"a": [("m", delayed(abs)(-1))], "b": [("m", delayed(abs)(-2))]}
    >>> done, failed = run_units(units, lambda unit, r: UnitResult(r, pd.DataFrame()),
    ...                          verbose=0)
    >>> {unit: result.rows for unit, result in done.items()}, failed
    ({'a': [1], 'b': [2]}, {})
    """
    recorded = record.finished() if record is not None else {}
    # A failed unit runs again on resume: its cause may have passed (memory, a kill).
    results = {u: r for u, r in recorded.items() if u in units and isinstance(r, UnitResult)}
    failures = {}
    tasks, owner = {}, {}
    for unit, fits in units.items():
        if unit in results:
            continue
        for position, (label, task) in enumerate(fits):
            index = len(tasks)
            tasks[index] = task
            owner[index] = (unit, position, label)
    outputs = {unit: {} for unit in units if unit not in results}
    errors = {unit: [] for unit in outputs}
    caught = {unit: [] for unit in outputs}
    if scheduler is not None and n_jobs is None:
        n_jobs = -1

    def finish(unit):
        if errors[unit]:
            failures[unit] = UnitFailure(errors[unit], caught[unit])
            if record is not None:
                record.save(unit, failures[unit])
            return
        fits = outputs.pop(unit)
        result = collect(unit, [fits[i] for i in range(len(units[unit]))])
        result.warnings = list(dict.fromkeys(caught[unit]))
        results[unit] = result
        if record is not None:
            record.save(unit, result)

    def kept():
        done = sum(u in results for u in units)
        if record is None or not done:
            return f"{done} of {len(units)} {what}s finished, nothing written"
        return (f"{done} of {len(units)} {what}s finished and kept in {record.folder} "
                "(resume to continue)")

    order = list(tasks.items())
    if rank is not None:
        position = {unit: i for i, unit in enumerate(units)}
        order.sort(key=lambda item: rank(position[owner[item[0]][0]], owner[item[0]][2]))

    try:
        with execution(scheduler) if scheduler is not None else nullcontext():
            with Progress(len(tasks), desc, unit="fit", enabled=verbose) as bar:
                for index, ok, value, raised in _outcomes(order, n_jobs, scheduler):
                    unit, position, label = owner[index]
                    caught[unit] += raised
                    bar.update(1)
                    if ok:
                        outputs[unit][position] = value
                    else:
                        text, error = value
                        message = f"{what} {unit}, model {label}: {text}"
                        if not keep_going:
                            stop = f"{kept()}; keep_going skips failed units"
                            if error is not None:
                                # The fit's own exception (a ValueError on bad input stays
                                # one), with where it happened and what was kept.
                                if hasattr(error, "add_note"):  # Python 3.11+
                                    error.add_note(f"({what} {unit}, model {label}; {stop})")
                                raise error
                            raise UnitFailedError(f"{message}. {stop}.")
                        warnings.warn(f"{message}; recorded as failed, going on",
                                      RuntimeWarning, stacklevel=2)
                        errors[unit].append((label, text))
                        outputs[unit][position] = None
                    if len(outputs[unit]) == len(units[unit]):
                        finish(unit)
    except KeyboardInterrupt:
        if not any(u in results for u in units):
            raise RunInterrupted("interrupted: nothing written") from None
        raise RunInterrupted(f"interrupted: {kept()}") from None
    finally:
        if record is not None:
            record.close()  # another run may use the record now
    issued = set()
    for unit in units:
        entry = results.get(unit) or failures.get(unit)
        for category, message in entry.warnings if entry is not None else ():
            if (category, message) not in issued:
                issued.add((category, message))
                warnings.warn(message, _category(category), stacklevel=2)
    ordered = {u: results[u] for u in units if u in results}
    return ordered, {u: failures[u] for u in units if u in failures}


@contextmanager
def execution(scheduler):
    """joblib on the local machine, or on a ``dask.distributed`` cluster at ``scheduler``."""
    if scheduler is None:
        yield
        return
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Running on a Dask cluster needs dask.distributed, the \"distributed\" extra: "
            'pip install -e ".[distributed]" in the skdeepchrome clone (or pip install '
            '"dask[distributed]")'
        ) from exc
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        with client.as_current(), parallel_config(backend="dask"):
            yield
    finally:
        if client is not scheduler:
            client.close()


def _recording_warnings(function, *args, **kwargs):
    """Call ``function`` and return ``(result, warnings)`` instead of printing them.

    A worker process has its own stderr: left alone, every fit would print its warnings
    there, inside the progress bar, once per fit. Returned to the parent, each can be
    issued there once.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = function(*args, **kwargs)
    return result, [(w.category, str(w.message)) for w in caught]


def run_tasks(tasks, *, n_jobs=None, scheduler=None, verbose=1, desc="fits"):
    """Run ``delayed`` tasks with joblib (or Dask); results in task order, with progress.

    Warnings raised in the tasks (in whichever process) are issued again here, once per
    distinct message, after the progress bar is closed.
    """
    tasks = [(_recording_warnings, (function, *args), kwargs)
             for function, args, kwargs in tasks]
    if scheduler is not None and n_jobs is None:
        n_jobs = -1
    results, caught = [], {}
    with execution(scheduler) if scheduler is not None else nullcontext():
        parallel = Parallel(n_jobs=n_jobs, return_as="generator")
        with Progress(len(tasks), desc, unit="fit", enabled=verbose) as bar:
            for result, raised in parallel(tasks):
                results.append(result)
                for category, message in raised:
                    caught.setdefault((category, message), None)
                bar.update(1)
    for category, message in caught:
        warnings.warn(message, category, stacklevel=2)
    return results


def failure_records(failed, unit=str):
    """``[{"unit", "model", "error"}]`` of the failed units, for ``info["failures"]``.

    ``unit`` turns a unit's key into what the record shows (``int`` for a fold).
    """
    return [dict(unit=unit(key), model=model, error=error)
            for key, failure in failed.items() for model, error in failure.failures]


def failures_in_words(records):
    """``unit (model: error); ...``: failure records (:func:`failure_records`) in one line."""
    return "; ".join(f"{r['unit']} ({r['model']}: {r['error']})" for r in records)


def require_finished(done, failed, what, label=str):
    """Stop with :class:`~skdeepchrome.exceptions.UnitFailedError` when no unit finished:
    there is nothing to report."""
    if not done:
        raise UnitFailedError(
            f"every {what} failed: {failures_in_words(failure_records(failed, label))}.")
