"""The early-stopping criterion: which validation number picks the epoch to keep.

Users report ROC AUC for a classifier, so by default that is what chooses the epoch: the
validation loss and the AUC can disagree for many epochs (on the real sample's H1 split,
whose validation genes are 43 % expressed against 64 % in training, the loss rises from
the first epoch while the AUC still climbs). The AttentiveChrome authors likewise keep the
epoch of the best validation AUC. :class:`ValidationScore` records the criterion in the
skorch history from the validation pass skorch runs anyway (no second forward pass), with
the validation genes' sample weights; :func:`resolve_metric` decides, once per fit, what
``early_stopping_metric`` means for the data at hand.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
from scipy.special import softmax
from sklearn.metrics import r2_score, roc_auc_score
from skorch.callbacks import Callback, EarlyStopping

#: What ``early_stopping_metric`` may name, per estimator kind ("auto" chooses).
CLASSIFIER_METRICS = ("auto", "loss", "roc_auc")
REGRESSOR_METRICS = ("auto", "loss", "r2")
#: With fewer validation genes of some class, "auto" monitors the loss: an AUC over a
#: handful of genes moves in steps of 1/(n_pos * n_neg) and often starts at 1.0 by chance.
MIN_CLASS_GENES = 10


def _roc_auc(y, scores, weight):
    if scores.shape[1] == 2:
        return roc_auc_score(y, scores[:, 1] - scores[:, 0], sample_weight=weight)
    return roc_auc_score(y, softmax(scores, axis=1), multi_class="ovr",
                         labels=np.arange(scores.shape[1]), sample_weight=weight)


def _r2(y, predictions, weight):
    return r2_score(y, predictions, sample_weight=weight)


SCORES = {"roc_auc": _roc_auc, "r2": _r2}


def check_metric(estimator, classifier):
    """Refuse a criterion that does not apply to this kind of estimator."""
    allowed = CLASSIFIER_METRICS if classifier else REGRESSOR_METRICS
    metric = estimator.early_stopping_metric
    if metric not in allowed:
        kind = "a classifier" if classifier else "a regressor"
        raise ValueError(
            f"early_stopping_metric={metric!r} does not apply to {kind} "
            f"({type(estimator).__name__}); choose from {list(allowed)}."
        )


def resolve_metric(estimator, metric, y_val, w_val, *, n_outputs, classifier):
    """The criterion actually monitored: ``"loss"``, ``"roc_auc"`` or ``"r2"``.

    ``"auto"`` is ROC AUC for a two-class classifier whose validation set holds at least
    ``MIN_CLASS_GENES`` genes of each class, else the loss (with more classes an
    epoch of good one-vs-rest rankings can still mislabel many genes: the loss keeps
    ``predict`` right); the loss for a regressor (its
    weighted mean squared error ranks epochs exactly as R² does on a fixed validation
    set). A score that
    the validation set cannot define (one class, or a constant target, among the genes of
    positive weight) falls back to the loss with a warning, rather than stopping on noise.
    """
    kept = np.asarray(w_val) > 0
    y_kept = np.asarray(y_val)[kept]
    if metric == "auto":
        metric = "loss"
        binary = classifier and n_outputs == 2
        if binary and np.bincount(y_kept, minlength=2).min() >= MIN_CLASS_GENES:
            metric = "roc_auc"
    if metric == "loss":
        return metric
    if classifier:
        present = np.unique(y_kept).size
        undefined = present < 2 if n_outputs == 2 else present < n_outputs
        why = f"its genes of positive weight hold {present} of the {n_outputs} classes"
    else:
        undefined = np.ptp(y_kept) == 0
        why = "its target is constant"
    if undefined:
        warnings.warn(
            f"{type(estimator).__name__}: {metric} is undefined on the early-stopping "
            f"validation set ({why}); early stopping monitors the validation loss instead.",
            UserWarning,
            stacklevel=5,
        )
        return "loss"
    return metric


class ValidationScore(Callback):
    """Record ``score(y_valid, net outputs, weights)`` as ``valid_{name}`` each epoch.

    The outputs are those of skorch's own validation pass (collected batch by batch,
    with each batch's targets and weights, so batch order does not matter).
    """

    def __init__(self, name):
        self.name = name

    def initialize(self):
        self._parts = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self._parts = []

    def on_batch_end(self, net, batch, training, **kwargs):
        if training:
            return
        X, y = batch
        self._parts.append(tuple(
            t.detach().cpu().numpy()
            for t in (y, kwargs["y_pred"], X["sample_weight"])
        ))

    def on_epoch_end(self, net, **kwargs):
        if not self._parts:
            return
        y, outputs, weight = (np.concatenate(part) for part in zip(*self._parts))
        outputs = outputs.astype(np.float64)
        net.history.record(f"valid_{self.name}", float(SCORES[self.name](y, outputs, weight)))
        self._parts = []


class ScoreThenLoss(EarlyStopping):
    """skorch's EarlyStopping on a score to maximise, ties going to the lower loss.

    An epoch is the new best if its score beats the best by more than ``threshold``, or
    matches it at least (a saturated AUC of 1.0, a plateau of a coarse AUC over few genes)
    with a lower validation loss. Patience and restoring the best weights are skorch's.
    """

    def on_train_begin(self, net, **kwargs):
        super().on_train_begin(net, **kwargs)
        self.best_score_, self.best_loss_ = -np.inf, np.inf

    def on_epoch_end(self, net, **kwargs):
        score, loss = net.history[-1, self.monitor], net.history[-1, "valid_loss"]
        better = score > self.best_score_ + self.threshold
        tied = score >= self.best_score_ and loss < self.best_loss_
        if not (better or tied):
            self.misses_ += 1
        else:
            self.misses_ = 0
            self.best_score_, self.best_loss_ = max(score, self.best_score_), loss
            self.best_epoch_ = net.history[-1, "epoch"]
            if self.load_best:
                self.best_model_weights_ = copy.deepcopy(net.module_.state_dict())
        if self.misses_ == self.patience:
            if net.verbose:
                self._sink(f"Stopping since {self.monitor} has not improved in the last "
                           f"{self.patience} epochs.", verbose=net.verbose)
            raise KeyboardInterrupt
