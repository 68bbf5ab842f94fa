"""The exceptions skdeepchrome raises beyond Python's own, in one place.

Bad input is a ``ValueError`` (or ``FileNotFoundError``) whose message names the file and
the problem; these classes mark what a caller may want to catch apart.

Examples
--------
>>> from skdeepchrome.exceptions import ModelFileError
>>> issubclass(ModelFileError, ValueError)
True
"""

__all__ = ["ModelFileError", "RunInterrupted", "UnitFailedError"]


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by an interrupt; the message says how many units were kept."""


class UnitFailedError(RuntimeError):
    """A fit failed (an exception, or its worker process died) and the run stopped."""


class ModelFileError(ValueError):
    """A model file cannot be written or read: the message names the file and the problem."""
