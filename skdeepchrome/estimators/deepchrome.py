"""DeepChromeClassifier: the DeepChrome CNN as a scikit-learn classifier."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from scipy.special import softmax
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, column_or_1d

from ..layout import REMC_MARKS  # noqa: F401  (named in the docstring)
from ..models import DeepChromeNet
from ._base import TorchHistoneEstimator


class DeepChromeClassifier(ClassifierMixin, TorchHistoneEstimator):
    """DeepChrome (Singh et al., 2016): a CNN over histone-mark bins, as a classifier.

    skorch trains the network; scikit-learn sees a plain classifier that works in
    ``Pipeline``, ``GridSearchCV``, ``cross_validate``, ``clone`` and pickle, and passes
    ``check_estimator``.

    The default module is the paper's: ``Conv1d(n_marks -> 50, kernel 10)``, ReLU,
    ``MaxPool1d(5)``, ``Dropout(0.5)``, ``Linear(-> 625)``, ReLU, ``Linear(625 -> 125)``,
    ReLU, ``Linear(125 -> n_classes)``, trained with cross-entropy. Unlike the paper's
    fixed-epoch training, early stopping on a stratified validation split is on by default
    and the best validation epoch's weights are restored, as the paper reports its best
    validation epoch.

    Parameters
    ----------
    marks : "auto", int or sequence of str, default="auto"
        The input's marks (the convolution's channels). ``"auto"`` takes them from the
        input when it carries them (HistoneBinner output, a 3-D array, or DataFrame columns
        named ``"{mark}_bin{index}"``), else assumes the five REMC marks. An int is a count;
        ``marks=1`` treats every feature as one bin of one mark.
    n_filters : int, default=50
        Convolution filters.
    kernel_size : int, default=10
        Filter width in bins.
    pool_size : int, default=5
        Max-pooling width. Inputs shorter than ``kernel_size + pool_size - 1`` bins are
        zero-padded just enough.
    hidden_sizes : tuple of int, default=(625, 125)
        Hidden fully-connected layer widths.
    dropout : float, default=0.5
        Dropout probability after pooling.
    max_epochs : int, default=100
        Upper bound on training epochs.
    lr : float, default=1e-3
        Learning rate.
    optimizer : {"adam", "adamw", "sgd", "rmsprop", "adagrad"} or torch optimizer class, \
default="adam"
    batch_size : int, default=64
    weight_decay : float, default=0.0
        L2 penalty passed to the optimizer.
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the genes (stratified), stop when the
        validation loss has not improved for ``n_iter_no_change`` epochs, and restore the
        best epoch's weights.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    device : str or torch.device, default="cpu"
        ``"cuda"`` trains on a GPU.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation split; the same
        seed gives the same predictions on CPU.
    verbose : int, default=0
        ``1`` prints skorch's per-epoch table.
    callbacks : list of skorch callbacks or (name, callback) pairs, default=None
        Passed to skorch (copied, so the estimator's parameters are never mutated).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    marks_ : tuple of str
    n_bins_ : int
        Bins per mark.
    net_ : skorch.NeuralNet
        The fitted net; ``history_`` and ``module_`` are shortcuts into it.
    n_epochs_ : int
        Epochs run.
    best_epoch_ : int
        Epoch whose weights were kept (1-based).
    torch_threads_ : int
        Intra-op threads used for training (limited inside parallel scikit-learn jobs).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame with string column names.

    See Also
    --------
    skdeepchrome.HistoneBinner : bins, crops, selects and scales the input.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdeepchrome import DeepChromeClassifier, HistoneBinner
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(2.0, size=(200, 5 * 100)).astype(float)
    >>> y = (X[:, 300:400].sum(axis=1) > 200).astype(int)  # H3K4me3 total
    >>> model = make_pipeline(HistoneBinner(n_bins=20, scale="log1p"),
    ...                       DeepChromeClassifier(max_epochs=3, random_state=0))
    >>> model.fit(X, y).predict_proba(X[:2]).shape
    (2, 2)
    >>> model[-1].marks_[:2]
    ('H3K27me3', 'H3K36me3')
    """

    _parameter_constraints: dict = {
        **TorchHistoneEstimator._parameter_constraints,
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "pool_size": [Interval(Integral, 1, None, closed="left")],
        "hidden_sizes": [list, tuple],
        "dropout": [Interval(Real, 0, 1, closed="left")],
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

    def fit(self, X, y, *, X_val=None, y_val=None):
        """Train the network.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        y : array-like of shape (n_genes,)
            Any labels: 0/1, -1/+1, strings; more than two classes work.
        X_val, y_val : array-like, optional
            An explicit validation set (e.g. the release's ``valid.csv``) monitored for
            early stopping instead of holding out ``validation_fraction`` of ``X``.

        Returns
        -------
        self : DeepChromeClassifier
        """
        self._validate_params()
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        X = self._validate_X(X, reset=True)
        y = column_or_1d(y, warn=True)
        check_consistent_length(X, y)
        if np.asarray(y).dtype.kind == "f" and not np.isfinite(y).all():
            raise ValueError("y contains NaN or infinity; every gene needs a finite label.")
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        self.classes_ = encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y, got 1 class: "
                f"{self.classes_.tolist()}."
            )
        y_encoded = encoder.transform(y).astype(np.int64)
        validation = None
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together.")
        if X_val is not None:
            X_val = self._validate_X(X_val, reset=False)
            y_val = column_or_1d(y_val)
            check_consistent_length(X_val, y_val)
            unseen = np.setdiff1d(y_val, self.classes_)
            if unseen.size:
                raise ValueError(
                    f"y_val holds labels {unseen.tolist()[:5]} that are not in y's classes "
                    f"{self.classes_.tolist()}."
                )
            validation = (X_val, encoder.transform(y_val).astype(np.int64))
        return self._fit_network(
            X,
            y_encoded,
            n_outputs=len(self.classes_),
            criterion=torch.nn.CrossEntropyLoss,
            stratify=True,
            validation=validation,
        )

    def decision_function(self, X):
        """Class scores: the log-odds of ``classes_[1]`` for two classes, else the logits.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_features) or (n_genes, n_marks, n_bins)

        Returns
        -------
        ndarray of shape (n_genes,) or (n_genes, n_classes)
        """
        logits = self._forward(X)
        if logits.shape[1] == 2:
            return logits[:, 1] - logits[:, 0]
        return logits

    def predict_proba(self, X):
        """Class probabilities (softmax of the network's logits).

        Parameters
        ----------
        X : array-like of shape (n_genes, n_features) or (n_genes, n_marks, n_bins)

        Returns
        -------
        ndarray of shape (n_genes, n_classes)
        """
        return softmax(self._forward(X), axis=1)

    def predict(self, X):
        """Most probable class of each gene.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_features) or (n_genes, n_marks, n_bins)

        Returns
        -------
        ndarray of shape (n_genes,)
        """
        scores = self._forward(X)
        return self.classes_[np.argmax(scores, axis=1)]
