"""Keep torch from oversubscribing the CPU when scikit-learn runs fits in parallel."""

from __future__ import annotations

import os
from contextlib import contextmanager

import torch


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
    """Run the body with ``torch.set_num_threads(n_threads)``, restoring the old value."""
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
