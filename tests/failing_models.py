"""Models that fail on purpose, importable by joblib's worker processes.

:class:`FailingLogistic` is a logistic regression that, while the file ``trigger`` exists,
fails when it is fitted on exactly ``fail_on`` genes: it raises (``how="error"``),
interrupts (``"interrupt"``), or kills its own process (``"exit"``: ``os._exit(1)``,
``"kill"``: SIGKILL). Its parameters stay the same whether or not the trigger is armed,
so a run that failed can be resumed with the very same models once the file is removed.
"""

import os
import signal
from pathlib import Path

from sklearn.linear_model import LogisticRegression


class FailingLogistic(LogisticRegression):
    def __init__(self, trigger="", fail_on=-1, how="error", C=1.0, max_iter=200,
                 random_state=None):
        self.trigger = trigger
        self.fail_on = fail_on
        self.how = how
        super().__init__(C=C, max_iter=max_iter, random_state=random_state)

    def fit(self, X, y, sample_weight=None):
        if len(X) == self.fail_on and self.trigger and Path(self.trigger).exists():
            if self.how == "interrupt":
                raise KeyboardInterrupt
            if self.how == "exit":
                os._exit(1)
            if self.how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise RuntimeError(f"deliberate failure on {len(X)} genes")
        return super().fit(X, y, sample_weight=sample_weight)


def evaluate_or_die(data, models=None, **kwargs):
    """``evaluate_epigenome``, whose worker process is killed on the epigenome ``doomed``
    when it fits ``logistic`` (for the command line, which takes models by name)."""
    from skdeepchrome.compare import _protocol as protocol

    if kwargs.get("name") == "doomed" and kwargs.get("only") == "logistic":
        os.kill(os.getpid(), signal.SIGKILL)
    # In a worker process the protocol module is the package's own; in the test's process
    # it is patched with this function, and the test keeps the original here.
    original = protocol.evaluate_epigenome
    if original is evaluate_or_die:
        original = evaluate_or_die.original
    return original(data, models, **kwargs)

