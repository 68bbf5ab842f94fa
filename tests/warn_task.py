"""A task that warns, importable by joblib's worker processes (see test_cli_checks)."""

import warnings


def warn_and_square(i):
    warnings.warn("stopped early: no improvement in 5 epochs", UserWarning, stacklevel=1)
    return i * i
