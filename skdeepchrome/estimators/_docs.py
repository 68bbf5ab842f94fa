"""The training parameters' documentation, written once for every neural estimator.

Each estimator's docstring holds the line ``%(training_parameters)s`` where the shared
parameters go; :func:`shared_docs` fills it in.
"""

from __future__ import annotations

TRAINING_PARAMETERS = """\
max_epochs : int, default=100
        Upper bound on training epochs (per ``fit`` call).
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop", "adagrad"} or torch optimizer class, \
default="adam"
    optimizer_params : dict, default=None
        The optimizer's own arguments, e.g. ``{"momentum": 0.9, "nesterov": True}`` for
        ``"sgd"`` or ``{"betas": (0.9, 0.99)}`` for ``"adam"``; checked against its
        signature. Grid-search it as a whole:
        ``{"...__optimizer_params": [{"momentum": 0.9}, {"momentum": 0.5}]}``.
    criterion_params : dict, default=None
        The loss's own arguments, e.g. ``{"label_smoothing": 0.1}`` for the classifiers'
        cross-entropy (``reduction`` is fixed: weights need per-gene losses).
    batch_size : int, default=64
    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the genes (stratified for classifiers), stop
        when ``early_stopping_metric`` has not improved for ``n_iter_no_change`` epochs,
        and restore the best epoch's weights. An explicit ``fit(..., X_val=, y_val=)``
        replaces the held-out genes.
    early_stopping_metric : {"auto", "loss", "roc_auc", "r2"}, default="auto"
        What chooses the epoch to keep, on the validation genes (with their sample
        weights). ``"auto"`` follows the metric users report: ROC AUC for a two-class
        classifier once the validation set holds at least 10 genes of each class (fewer
        give an AUC too coarse to choose by), else the loss (with more classes too: an
        epoch of good one-vs-rest rankings may still mislabel many genes); the loss for
        a regressor (on a fixed validation set its weighted mean squared error ranks
        epochs as R² does). ``"roc_auc"`` is for classifiers (one-vs-rest, averaged over
        the classes, for more than two), ``"r2"`` for regressors, ``"loss"`` for both
        (the weighted validation loss). A score keeps the epoch of its best value, ties
        going to the lower validation loss; where it is undefined on the validation genes
        (one class, a constant target) the loss is monitored instead, with a warning. The
        scores are in ``history_`` as ``"valid_roc_auc"`` / ``"valid_r2"``;
        ``early_stopping_metric_`` says what was monitored.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    warm_start : bool, default=False
        ``True`` makes a later ``fit`` continue from the fitted weights (and optimizer
        state) for up to ``max_epochs`` more epochs instead of starting afresh; marks,
        bins and classes must stay the same. Without it, fitted models keep no optimizer
        state (pickles hold the weights only).
    n_threads : int or None, default=1
        torch intra-op threads for training on a CPU. With a fixed count a fit's numbers
        do not depend on where it runs (alone, in a joblib worker, a thread, a dask
        worker); parallelise over fits (``n_jobs``) to use more cores. ``None`` takes
        every thread this process may use (a joblib worker's share): faster for a single
        fit (``benchmarks/bench_fit.py`` on an idle 2-core machine: 25.6 s with 2 threads,
        40.1 s with 1), but float sums then round differently (~1e-7) with the count.
    device : str or torch.device, default="cpu"
        ``"cuda"`` trains on a GPU.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation split; the same
        seed gives the same model on CPU, in a plain call or in any joblib or dask backend
        (fits running in threads of one process take turns with torch's process-wide
        state; see :func:`skdeepchrome.estimators.torch_threads`).
    verbose : int, default=0
        ``1`` prints skorch's per-epoch table.
    callbacks : list of skorch callbacks or (name, callback) pairs, default=None
        Passed to skorch (copied, so the estimator's parameters are never mutated).
        String scorers work: ``EpochScoring("roc_auc", lower_is_better=False)``."""

TRAINING_ATTRIBUTES = """\
marks_ : tuple of str
    n_bins_ : int
        Bins per mark.
    net_ : skorch.NeuralNetClassifier or skorch.NeuralNetRegressor
        The fitted net; ``history_`` and ``module_`` are shortcuts into it.
    n_epochs_ : int or ndarray of shape (n_members,)
        Epochs run, over every ``fit`` / ``partial_fit`` call; one per member for a
        freshly fitted ensemble (``n_members > 1``).
    best_epoch_ : int or ndarray of shape (n_members,)
        Epoch whose weights were kept (1-based); one per member for an ensemble. An
        ensemble's ``history_`` has one row per epoch with the means over the members
        still training (``train_loss``, ``valid_loss``, the criterion's score), their
        count (``members_training``) and each member's values (``member_train_loss``,
        ``member_valid_loss``, ...: ``None`` once a member has stopped).
    early_stopping_metric_ : {"loss", "roc_auc", "r2"} or None
        The criterion the last ``fit`` monitored (``None``: no validation set, or
        ``early_stopping=False``, or ``partial_fit``).
    torch_threads_ : int
        Intra-op threads used for training (``n_threads``, capped by this process's share).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame with string column names."""


def shared_docs(cls):
    """Fill ``%(training_parameters)s`` and ``%(training_attributes)s`` in ``cls``'s doc."""
    cls.__doc__ = cls.__doc__.replace(
        "%(training_parameters)s", TRAINING_PARAMETERS
    ).replace("%(training_attributes)s", TRAINING_ATTRIBUTES)
    return cls
