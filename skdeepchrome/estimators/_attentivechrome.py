"""AttentiveChromeClassifier: the AttentiveChrome attention LSTMs as a scikit-learn classifier."""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ..models import AttentiveChromeNet
from ._base import store_init_arguments
from ._classifier import TorchHistoneClassifier
from ._docs import shared_docs


@shared_docs
class AttentiveChromeClassifier(TorchHistoneClassifier):
    """AttentiveChrome (Singh et al., NeurIPS 2017): attention LSTMs over bins and marks.

    Each mark's bins are read by its own bidirectional LSTM whose states are pooled by
    bin-level attention into a mark embedding; a bidirectional LSTM over the marks'
    embeddings, pooled by mark-level attention, feeds a linear layer to the classes (see
    :class:`~skdeepchrome.models.AttentiveChromeNet`). :meth:`predict_attention` returns
    both attention maps: which bins of each mark, and which marks, the prediction of each
    gene rests on.

    Everything else is :class:`~skdeepchrome.DeepChromeClassifier`'s: the same input
    layout and marks inference, the same training (skorch, Adam, cross-entropy, sample and
    class weights, early stopping on a stratified validation split or an explicit
    ``X_val, y_val``, best epoch restored, warm starts), seeding, thread limits, pickling,
    and ``check_estimator`` compliance.

    Defaults follow the paper's reference implementation: 32 hidden units per direction at
    the bin level, 16 at the mark level, dropout 0.5 on the LSTM outputs. The authors'
    ``v2PyTorch/train.py`` (github.com/QData/AttentiveChrome; its current defaults) trains
    with Adam at ``lr=2e-4`` in batches of 16 for 30 epochs, clipping the gradient norm at
    1 and initialising every weight uniformly in [-0.1, 0.1], and reports the test AUC of
    the epoch with the best validation AUC (earlier versions: ``lr=1e-4``, batches of 10,
    90 epochs). This estimator uses DeepChrome's ``lr=1e-3`` and ``batch_size=64`` so the
    two train on equal terms, keeps the epoch of the best validation AUC as the authors do
    (``early_stopping_metric="auto"``), and leaves clipping to a skorch
    ``GradientNormClipping`` callback when wanted. On the real sample's split of 200
    training genes this scores as the authors' code does (H1 0.85 test AUC;
    ``benchmarks/bench_attentivechrome.py``). An epoch costs several times DeepChrome's on
    a CPU: the bin-level LSTMs step through the bins one after another.

    Parameters
    ----------
    marks : "auto", int or sequence of str, default="auto"
        The input's marks (one bin-level LSTM each); ``"auto"`` reads them from what the
        input carries, as :class:`~skdeepchrome.DeepChromeClassifier` does. An int is a
        count; ``marks=1`` treats every feature as one bin of one mark.
    bin_hidden_size : int, default=32
        Hidden units per direction of each bin-level LSTM.
    mark_hidden_size : int, default=16
        Hidden units per direction of the mark-level LSTM.
    dropout : float, default=0.5
        Dropout probability on the LSTMs' outputs.
    class_weight : dict, "balanced" or None, default=None
        See :class:`~skdeepchrome.DeepChromeClassifier`.
    %(training_parameters)s
        E.g. ``[skorch.callbacks.GradientNormClipping(1.0)]`` for the reference's clipping.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    %(training_attributes)s

    See Also
    --------
    skdeepchrome.DeepChromeClassifier : the CNN, trained the same way.
    skdeepchrome.plotting.plot_attention : pictures of :meth:`predict_attention`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdeepchrome import HistoneBinner
    >>> from skdeepchrome.estimators import AttentiveChromeClassifier
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
        **TorchHistoneClassifier._parameter_constraints,
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
        class_weight=None,
        max_epochs=100,
        lr=1e-3,
        optimizer="adam",
        optimizer_params=None,
        criterion_params=None,
        batch_size=64,
        weight_decay=0.0,
        early_stopping=True,
        early_stopping_metric="auto",
        validation_fraction=0.1,
        n_iter_no_change=10,
        warm_start=False,
        n_threads=1,
        device="cpu",
        random_state=None,
        verbose=0,
        callbacks=None,
    ):
        store_init_arguments(self, locals())

    def _module_params(self, n_outputs):
        return dict(
            n_marks=len(self.marks_),
            n_bins=self.n_bins_,
            n_outputs=n_outputs,
            bin_hidden_size=self.bin_hidden_size,
            mark_hidden_size=self.mark_hidden_size,
            dropout=self.dropout,
        )

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
