"""``skdeepchrome train``'s progress: networks done of the ensemble, and the epoch in hand.

A skorch callback handed to the network through its ``callbacks`` parameter, so the
training loop itself knows nothing of it. The estimator copies its callbacks for each
member of an ensemble; this one returns itself when copied, so that one reporter counts
the members as they end.
"""

from __future__ import annotations

from numbers import Real

from skorch.callbacks import Callback


class FitProgress(Callback):
    """Report each network's epochs (validation score, best so far) and the networks done.

    Parameters
    ----------
    progress : skdeepchrome._progress.Progress
        Its total is the number of networks the fit trains.
    """

    def __init__(self, progress):
        self.progress = progress

    def __deepcopy__(self, memo):
        return self

    def on_train_begin(self, net, **kwargs):
        self._network = self.progress.done + 1

    def on_epoch_begin(self, net, **kwargs):
        # At the start of an epoch the previous one's row is complete (the validation
        # score is written by a callback that runs after this one at an epoch's end).
        if len(net.history) > 1:
            self.progress.note(self._status(net, net.history[-2]))

    def on_train_end(self, net, **kwargs):
        status = self._status(net, net.history[-1]) if len(net.history) else None
        self.progress.update(status=status)

    def _status(self, net, row):
        total = self.progress.total
        who = f"network {self._network} of {total}" if total > 1 else "network"
        text = f"{who}: epoch {row['epoch']} of at most {net.max_epochs}"
        # The score early stopping watches (valid_roc_auc, ...), else the validation loss.
        stopper = dict(getattr(net, "callbacks_", ())).get("early_stopping")
        key = getattr(stopper, "monitor", None) or "valid_loss"
        if isinstance(row.get(key), Real):
            values = [r[key] for r in net.history if isinstance(r.get(key), Real)]
            best = min(values) if stopper is None or stopper.lower_is_better else max(values)
            text += f", {key.removeprefix('valid_')} {row[key]:.3f} on validation genes"
            text += f" (best {best:.3f})"
        return text
