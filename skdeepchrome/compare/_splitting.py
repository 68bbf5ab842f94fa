"""How a comparison splits its randomness and its genes: seeds and folds.

Every protocol turns one ``random_state`` into the seeds of its parts (the folds, the
models, a draw of genes) in a fixed order, so that the same seed gives the same numbers
whichever protocol, machine or worker runs them; and cross-validation (inner and outer)
builds its folds in one place.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils import check_random_state

#: Seeds are drawn below this bound, so that every library (torch, numpy, scikit-learn)
#: takes them.
SEED_BOUND = np.iinfo(np.int32).max


def draw_seed(random_state):
    """One seed drawn from ``random_state`` (an int, a ``RandomState`` or ``None``).

    Examples
    --------
    >>> draw_seed(0)
    209652396
    """
    return int(check_random_state(random_state).randint(SEED_BOUND))


def derive_seeds(random_state, n):
    """``n`` seeds drawn one after another from ``random_state``; ``None`` gives ``None``s.

    ``None`` stays ``None`` (rather than a seed drawn from numpy's global state), so an
    unseeded comparison leaves each part to its own randomness.

    Examples
    --------
    >>> derive_seeds(0, 2), derive_seeds(None, 2)
    ([209652396, 398764591], [None, None])
    """
    if random_state is None:
        return [None] * n
    rng = check_random_state(random_state)
    return [draw_seed(rng) for _ in range(n)]


def fold_splitter(n_splits, task, random_state):
    """Shuffled folds: stratified for a classification, plain for any other task."""
    kind = StratifiedKFold if task == "classification" else KFold
    return kind(n_splits=n_splits, shuffle=True, random_state=random_state)


def make_folds(cv, X, y, task, random_state):
    """The ``(train, test)`` index pairs of ``cv`` over the genes of ``X``.

    Parameters
    ----------
    cv : int or splitter
        A number of folds (:func:`fold_splitter`, seeded with ``random_state``) or any
        scikit-learn splitter.
    X, y : arrays
    task : str
        ``"classification"`` stratifies by ``y``.
    random_state : int or None

    Returns
    -------
    list of (ndarray, ndarray)

    Examples
    --------
    >>> import numpy as np
    >>> folds = make_folds(2, np.zeros((6, 1)), np.array([0, 1] * 3), "classification", 0)
    >>> [len(test) for _, test in folds]
    [3, 3]
    """
    if isinstance(cv, Integral):
        if task == "classification":
            _, counts = np.unique(y, return_counts=True)
            if counts.min() < cv:
                raise ValueError(
                    f"cv={cv} folds need at least {cv} genes of each class; the smaller class "
                    f"has {counts.min()}."
                )
        elif len(X) < cv:
            raise ValueError(f"cv={cv} folds need at least {cv} genes; got {len(X)}.")
        cv = fold_splitter(cv, task, random_state)
    return list(cv.split(X, y))


def fold_sizes(folds, n_genes):
    """``(n_train, n_test)`` of a typical fold, as the corrected t-test takes them."""
    n_test = int(np.mean([len(test) for _, test in folds]))
    return n_genes - n_test, n_test
