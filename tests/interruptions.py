"""Ctrl-C in the middle of a cross-validation, and the resume after it."""

import pandas as pd
import pytest

#: Columns that differ between any two runs.
TIMINGS = ["fit_seconds", "predict_seconds"]


def interrupt_fold_fits(monkeypatch, at=3):
    """Make the ``at``-th fit of a cross-validation raise ``KeyboardInterrupt`` (Ctrl-C).

    With two models and ``at=3`` the first fold is finished and the second is not. Returns
    a function that puts the real fits back, for the resume that follows.
    """
    from skdeepchrome.compare import _folds

    original, calls = _folds.fit_fold, []

    def interrupted(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == at:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(_folds, "fit_fold", interrupted)
    return lambda: monkeypatch.setattr(_folds, "fit_fold", original)


def check_resumes_as_uninterrupted(monkeypatch, record_dir, run):
    """``run(**record_options)``, a 3-fold cross-validation of two models, interrupted on
    its second fold keeps the first, and resumed gives the uninterrupted run's result."""
    full = run()
    restore = interrupt_fold_fits(monkeypatch)
    with pytest.raises(KeyboardInterrupt, match="1 of 3 folds finished and kept"):
        run(record_dir=record_dir)
    restore()
    resumed = run(record_dir=record_dir, resume=True)
    pd.testing.assert_frame_equal(resumed.table.drop(columns=TIMINGS),
                                  full.table.drop(columns=TIMINGS))
    pd.testing.assert_frame_equal(resumed.predictions, full.predictions)
    pd.testing.assert_frame_equal(resumed.tests, full.tests)
