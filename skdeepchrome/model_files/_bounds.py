"""Bounds on the sizes a model file may ask loading to allocate.

Both kinds of model file need them: the native one (:mod:`._estimators`, networks and
HistoneBinner) and the baselines' skops blob (:mod:`._skops`, :mod:`._checks`). They sit
apart from the checks of scikit-learn's compiled models, which import
``sklearn.ensemble``, ``sklearn.svm`` and ``sklearn.tree``: loading a network needs none
of them (a tenth of a second of a cold ``skdeepchrome predict``).
"""

from __future__ import annotations

import numpy as np

#: Input widths a model file may declare: 5 marks x 100 bins is 500; a genome-wide
#: extraction at 10-bp bins over +/-10 kb with 10 marks is 20,000.
MAX_FEATURES = 2**20
#: Outputs of one tree (one per target) and classes per output.
MAX_OUTPUTS = 2**16
#: Entries of HistoneBinner's pooling matrix (positions x output bins, float64) that
#: rebuilding a binner may allocate; the release's layout needs 100 x 100.
MAX_POOLING_ENTRIES = 2**24


def integer(value, what, low=0, high=2**62):
    """``value`` as an int when it is one within ``low..high``; ValueError naming ``what``.

    Examples
    --------
    >>> integer(3, "a depth", 0, 10)
    3
    >>> integer(True, "a depth")
    Traceback (most recent call last):
    ...
    ValueError: a depth is True, not an integer
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{what} is {value!r}, not an integer")
    if not low <= int(value) <= high:
        raise ValueError(f"{what} is {int(value)}, outside {low}..{high}")
    return int(value)


def binner_bounds(binner, width):
    """Refuse a binner whose refit on one gene of ``width`` features would be costly.

    Fit allocates one row of the input and a pooling matrix of positions x output bins
    (float64, with integer temporaries of the same size); ``width`` must be bounded by
    the caller.
    """
    marks = binner.marks
    if isinstance(marks, (int, np.integer)) and not isinstance(marks, bool):
        n_marks = integer(marks, "HistoneBinner's number of marks", 1, width)
    else:
        n_marks = max(1, len(marks))
    positions = width // n_marks
    n_bins = binner.n_bins
    if isinstance(n_bins, (int, np.integer)) and positions * int(n_bins) > MAX_POOLING_ENTRIES:
        raise ValueError(f"HistoneBinner pools {positions} positions into {n_bins} bins, more "
                         "than a model file may ask to rebuild")
