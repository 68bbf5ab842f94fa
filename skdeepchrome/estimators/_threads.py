"""torch's process-wide state, shared safely by fits that run side by side.

``torch.set_num_threads`` and the default random generator (weight initialisation, dropout,
shuffling) belong to the whole process. Two fits running in threads of one process (joblib's
threading backend, a ``ThreadPoolExecutor``, a dask worker with several threads) would each
change the other's thread count and draw from the other's random stream, so the same
``random_state`` would give different models. Every fit and prediction therefore holds one
process-wide lock while it uses that state: concurrent fits in threads run one after the
other (each still uses its intra-op threads), and each is exactly as reproducible as a fit
run alone. Processes (loky, dask's default nanny workers) have their own state and run in
parallel as before.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import torch

_TORCH_PROCESS_STATE = threading.RLock()


def thread_budget():
    """Intra-op threads a fit may use here.

    joblib's process workers (GridSearchCV / cross_validate with ``n_jobs > 1``) set
    ``OMP_NUM_THREADS`` to their share of the cores; torch may have been imported before
    that took effect, so the budget is applied explicitly.

    Examples
    --------
    >>> thread_budget() >= 1
    True
    """
    current = torch.get_num_threads()
    try:
        limit = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        return current
    return max(1, min(current, limit))


@contextmanager
def torch_threads(n_threads):
    """Hold torch's process-wide state with ``n_threads`` intra-op threads, then restore.

    Re-entrant: a fit that predicts inside (an ``EpochScoring`` callback) takes it again.

    Examples
    --------
    >>> with torch_threads(1):
    ...     torch.get_num_threads()
    1
    """
    with _TORCH_PROCESS_STATE:
        previous = torch.get_num_threads()
        if previous != n_threads:
            torch.set_num_threads(n_threads)
        try:
            yield
        finally:
            if torch.get_num_threads() != previous:
                torch.set_num_threads(previous)
