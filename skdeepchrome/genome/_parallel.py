"""Running per-file, per-chromosome tasks with joblib, reporting their progress."""

from __future__ import annotations

from joblib import Parallel, delayed

from .._progress import Progress


def run_tasks(function, tasks, *, n_jobs=None, progress=True, desc="windows"):
    """Call ``function(*task)`` for every task; return the results in task order.

    Parameters
    ----------
    function : callable
        A module-level function, so that joblib can send it to worker processes.
    tasks : list of tuple
        Positional arguments of each call.
    n_jobs : int or None, default=None
        joblib's meaning: ``None`` is one job unless a ``joblib.parallel_config``
        context says otherwise, ``-1`` all cores.
    progress : bool, default=True
        Report progress on stderr: a tqdm bar on a terminal, timestamped lines with
        done/total and an estimate of the time left elsewhere (a file, a log).
    desc : str
        The progress bar's label.

    Examples
    --------
    >>> run_tasks(pow, [(2, 3), (3, 2)], progress=False)
    [8, 9]
    """
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(function)(*task) for task in tasks
    )
    with Progress(len(tasks), desc, unit="task", enabled=progress) as bar:
        collected = []
        for result in results:
            collected.append(result)
            bar.update(1)
    return collected
