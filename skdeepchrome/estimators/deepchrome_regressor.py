"""DeepChromeRegressor: the DeepChrome CNN predicting continuous expression."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import RegressorMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_consistent_length, check_is_fitted, column_or_1d

from ..models import DeepChromeNet
from ._base import TorchHistoneEstimator


def _continuous_target(y, name):
    y = column_or_1d(y, warn=True)
    if y.dtype.kind not in "biuf":
        try:
            y = y.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} must be numeric (e.g. log1p expression), got dtype {y.dtype}: "
                f"{y[:3].tolist()}."
            ) from None
    y = y.astype(np.float64)
    if not np.isfinite(y).all():
        raise ValueError(
            f"{name} contains NaN or infinity; every gene needs a finite expression value "
            "(drop unmatched genes, see align_expression(...).matched)."
        )
    return y


class DeepChromeRegressor(RegressorMixin, TorchHistoneEstimator):
    """The DeepChrome CNN as a regressor of continuous expression (e.g. ``log1p(RPKM)``).

    The network is :class:`~skdeepchrome.DeepChromeClassifier`'s with one output unit,
    trained with mean squared error; everything else (input layout and marks inference,
    skorch training, early stopping on a random validation split or an explicit
    ``X_val, y_val`` with the best epoch restored, seeding, thread limits, pickling,
    ``check_estimator`` compliance) is the same.

    With ``standardize_target=True`` (the default) the network learns ``(y - mean) / sd``
    of the training target and :meth:`predict` maps its output back: the output layer
    then starts at the right scale whatever the units of ``y`` (log1p RPKM spans ~0-10,
    raw RPKM thousands), so the default learning rate suits any target. The reported
    ``history_`` losses are on that standardised scale.

    Parameters
    ----------
    marks : "auto", int or sequence of str, default="auto"
        The input's marks (the convolution's channels); see
        :class:`~skdeepchrome.DeepChromeClassifier`.
    n_filters : int, default=50
    kernel_size : int, default=10
    pool_size : int, default=5
    hidden_sizes : tuple of int, default=(625, 125)
    dropout : float, default=0.5
    standardize_target : bool, default=True
        Train on the standardised target (see above); ``False`` trains on ``y`` as given.
    max_epochs : int, default=100
    lr : float, default=1e-3
    optimizer : {"adam", "adamw", "sgd", "rmsprop", "adagrad"} or torch optimizer class, \
default="adam"
    batch_size : int, default=64
    weight_decay : float, default=0.0
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the genes (at random), stop when the validation
        MSE has not improved for ``n_iter_no_change`` epochs, restore the best epoch.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    device : str or torch.device, default="cpu"
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, dropout and the validation split; the same seed
        gives the same predictions on CPU.
    verbose : int, default=0
    callbacks : list of skorch callbacks or (name, callback) pairs, default=None

    Attributes
    ----------
    y_mean_ : float
        Mean of the training target (0 without ``standardize_target``).
    y_scale_ : float
        Its standard deviation (1 without ``standardize_target``, or for a target whose
        standard deviation is 0).
    marks_ : tuple of str
    n_bins_ : int
    net_ : skorch.NeuralNet
    n_epochs_ : int
    best_epoch_ : int
    torch_threads_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame with string column names.

    See Also
    --------
    skdeepchrome.DeepChromeClassifier : high / low expression.
    skdeepchrome.datasets.log_expression : the usual target, ``log1p`` of RPKM.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdeepchrome import HistoneBinner
    >>> from skdeepchrome.estimators.deepchrome_regressor import DeepChromeRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(2.0, size=(200, 5 * 100)).astype(float)
    >>> expression = np.log1p(X[:, 300:400].sum(axis=1))  # driven by H3K4me3
    >>> model = make_pipeline(HistoneBinner(n_bins=20, scale="log1p"),
    ...                       DeepChromeRegressor(max_epochs=3, random_state=0))
    >>> model.fit(X, expression).predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        **TorchHistoneEstimator._parameter_constraints,
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "pool_size": [Interval(Integral, 1, None, closed="left")],
        "hidden_sizes": [list, tuple],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "standardize_target": ["boolean"],
    }
    _module_class = DeepChromeNet

    def __init__(
        self,
        marks="auto",
        *,
        n_filters=50,
        kernel_size=10,
        pool_size=5,
        hidden_sizes=(625, 125),
        dropout=0.5,
        standardize_target=True,
        max_epochs=100,
        lr=1e-3,
        optimizer="adam",
        batch_size=64,
        weight_decay=0.0,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=10,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        self.marks = marks
        self.n_filters = n_filters
        self.kernel_size = kernel_size
        self.pool_size = pool_size
        self.hidden_sizes = hidden_sizes
        self.dropout = dropout
        self.standardize_target = standardize_target
        self.max_epochs = max_epochs
        self.lr = lr
        self.optimizer = optimizer
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    def _module_params(self, n_outputs):
        return dict(
            n_marks=len(self.marks_),
            n_bins=self.n_bins_,
            n_outputs=n_outputs,
            n_filters=self.n_filters,
            kernel_size=self.kernel_size,
            pool_size=self.pool_size,
            hidden_sizes=tuple(self.hidden_sizes),
            dropout=self.dropout,
        )

    def _encode(self, y):
        # MSELoss compares (batch, 1) outputs with (batch, 1) float32 targets.
        return ((y - self.y_mean_) / self.y_scale_).astype(np.float32)[:, None]

    def fit(self, X, y, *, X_val=None, y_val=None):
        """Train the network.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        y : array-like of shape (n_genes,)
            Continuous target, e.g. ``log1p`` expression.
        X_val, y_val : array-like, optional
            An explicit validation set monitored for early stopping instead of holding out
            ``validation_fraction`` of ``X``.

        Returns
        -------
        self : DeepChromeRegressor
        """
        self._validate_params()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        X = self._validate_X(X, reset=True)
        y = _continuous_target(y, "y")
        check_consistent_length(X, y)
        if self.standardize_target:
            self.y_mean_ = float(np.mean(y))
            sd = float(np.std(y))
            # A constant target leaves nothing to scale; the network then learns 0.
            self.y_scale_ = sd if sd > 0 else 1.0
        else:
            self.y_mean_, self.y_scale_ = 0.0, 1.0
        validation = None
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together.")
        if X_val is not None:
            X_val = self._validate_X(X_val, reset=False)
            y_val = _continuous_target(y_val, "y_val")
            check_consistent_length(X_val, y_val)
            validation = (X_val, self._encode(y_val))
        return self._fit_network(
            X,
            self._encode(y),
            n_outputs=1,
            criterion=torch.nn.MSELoss,
            stratify=False,
            validation=validation,
        )

    def predict(self, X):
        """Predicted expression of each gene, in the units of the training target.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_features) or (n_genes, n_marks, n_bins)

        Returns
        -------
        ndarray of shape (n_genes,)
        """
        check_is_fitted(self)
        return self._forward(X)[:, 0] * self.y_scale_ + self.y_mean_
