"""AttentiveChromeClassifier: the AttentiveChrome attention LSTMs as a scikit-learn classifier."""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ..models.attentivechrome import AttentiveChromeNet
from ._base import TorchHistoneEstimator
from .deepchrome import DeepChromeClassifier


class AttentiveChromeClassifier(ClassifierMixin, TorchHistoneEstimator):
    """AttentiveChrome (Singh et al., NeurIPS 2017): attention LSTMs over bins and marks.

    Each mark's bins are read by its own bidirectional LSTM whose states are pooled by
    bin-level attention into a mark embedding; a bidirectional LSTM over the marks'
    embeddings, pooled by mark-level attention, feeds a linear layer to the classes (see
    :class:`~skdeepchrome.models.AttentiveChromeNet`). :meth:`predict_attention` returns
    both attention maps: which bins of each mark, and which marks, the prediction of each
    gene rests on.

    Everything else is :class:`~skdeepchrome.DeepChromeClassifier`'s: the same input
    layout and marks inference, the same training (skorch, Adam, cross-entropy, early
    stopping on a stratified validation split or an explicit ``X_val, y_val``, best epoch
    restored), seeding, thread limits, pickling, and ``check_estimator`` compliance.

    Defaults follow the paper's reference implementation: 32 hidden units per direction at
    the bin level, 16 at the mark level, dropout 0.5 on the LSTM outputs. The reference
    trains with Adam at ``lr=1e-4`` in batches of 10 with gradient clipping; this estimator
    uses DeepChrome's ``lr=1e-3`` and ``batch_size=64`` so the two train on equal terms,
    and leaves clipping to a skorch ``GradientNormClipping`` callback when wanted. An epoch
    costs several times DeepChrome's on a CPU (``benchmarks/bench_attentivechrome.py``):
    the bin-level LSTMs step through the bins one after another.

    Parameters
    ----------
    marks : "auto", int or sequence of str, default="auto"
        The input's marks (one bin-level LSTM each). ``"auto"`` takes them from the input
        when it carries them (HistoneBinner output, a 3-D array, or DataFrame columns named
        ``"{mark}_bin{index}"``), else assumes the five REMC marks. An int is a count;
        ``marks=1`` treats every feature as one bin of one mark.
    bin_hidden_size : int, default=32
        Hidden units per direction of each bin-level LSTM.
    mark_hidden_size : int, default=16
        Hidden units per direction of the mark-level LSTM.
    dropout : float, default=0.5
        Dropout probability on the LSTMs' outputs.
    max_epochs : int, default=100
    lr : float, default=1e-3
    optimizer : {"adam", "adamw", "sgd", "rmsprop", "adagrad"} or torch optimizer class, \
default="adam"
    batch_size : int, default=64
    weight_decay : float, default=0.0
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the genes (stratified), stop when the
        validation loss has not improved for ``n_iter_no_change`` epochs, and restore the
        best epoch's weights.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    device : str or torch.device, default="cpu"
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation, shuffling, dropout and the validation split; the same seed
        gives the same predictions on CPU.
    verbose : int, default=0
    callbacks : list of skorch callbacks or (name, callback) pairs, default=None
        E.g. ``[skorch.callbacks.GradientNormClipping(1.0)]`` for the reference's clipping.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
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
    skdeepchrome.DeepChromeClassifier : the CNN, trained the same way.
    skdeepchrome.plotting.plot_attention : pictures of :meth:`predict_attention`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdeepchrome import HistoneBinner
    >>> from skdeepchrome.estimators.attentivechrome import AttentiveChromeClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(2.0, size=(60, 5 * 100)).astype(float)
    >>> y = (X[:, 300:400].sum(axis=1) > 200).astype(int)
    >>> model = make_pipeline(HistoneBinner(n_bins=10, scale="log1p"),
    ...                       AttentiveChromeClassifier(bin_hidden_size=8, mark_hidden_size=4,
    ...                                                 max_epochs=2, random_state=0))
    >>> model.fit(X, y).predict_proba(X[:2]).shape
    (2, 2)
    >>> bins, marks = model[-1].predict_attention(model[:-1].transform(X[:2]))
    >>> bins.shape, marks.shape
    ((2, 5, 10), (2, 5))
    >>> np.allclose(bins.sum(axis=2), 1.0), np.allclose(marks.sum(axis=1), 1.0)
    (True, True)
    """

    _parameter_constraints: dict = {
        **TorchHistoneEstimator._parameter_constraints,
        "bin_hidden_size": [Interval(Integral, 1, None, closed="left")],
        "mark_hidden_size": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }
    _module_class = AttentiveChromeNet

    def __init__(
        self,
        marks="auto",
        *,
        bin_hidden_size=32,
        mark_hidden_size=16,
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
        self.bin_hidden_size = bin_hidden_size
        self.mark_hidden_size = mark_hidden_size
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
            bin_hidden_size=self.bin_hidden_size,
            mark_hidden_size=self.mark_hidden_size,
            dropout=self.dropout,
        )

    # Training and class scores are DeepChromeClassifier's, which only rely on the base
    # class and ``_module_params``.

    def fit(self, X, y, *, X_val=None, y_val=None):
        """Train the network.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        y : array-like of shape (n_genes,)
            Any labels; more than two classes work.
        X_val, y_val : array-like, optional
            An explicit validation set monitored for early stopping instead of holding out
            ``validation_fraction`` of ``X``.

        Returns
        -------
        self : AttentiveChromeClassifier
        """
        return DeepChromeClassifier.fit(self, X, y, X_val=X_val, y_val=y_val)

    def decision_function(self, X):
        """Class scores: the log-odds of ``classes_[1]`` for two classes, else the logits.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_features) or (n_genes, n_marks, n_bins)

        Returns
        -------
        ndarray of shape (n_genes,) or (n_genes, n_classes)
        """
        return DeepChromeClassifier.decision_function(self, X)

    def predict_proba(self, X):
        """Class probabilities (softmax of the network's logits).

        Parameters
        ----------
        X : array-like of shape (n_genes, n_features) or (n_genes, n_marks, n_bins)

        Returns
        -------
        ndarray of shape (n_genes, n_classes)
        """
        return DeepChromeClassifier.predict_proba(self, X)

    def predict(self, X):
        """Most probable class of each gene.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_features) or (n_genes, n_marks, n_bins)

        Returns
        -------
        ndarray of shape (n_genes,)
        """
        return DeepChromeClassifier.predict(self, X)

    def predict_attention(self, X):
        """The attention the fitted network pays to each bin and each mark, per gene.

        Computed in evaluation mode (no dropout), like the predictions.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_features) or (n_genes, n_marks, n_bins)
            Input as given to :meth:`predict` (after any pipeline steps before this one).

        Returns
        -------
        bin_weights : ndarray of shape (n_genes, n_marks, n_bins)
            Bin-level attention; sums to 1 over the bins of each mark.
        mark_weights : ndarray of shape (n_genes, n_marks)
            Mark-level attention; sums to 1 over the marks. Marks follow ``marks_``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._module_outputs(self._as_tensor(X), lambda module, Xb: module.attention(Xb))
