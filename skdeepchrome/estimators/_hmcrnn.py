"""HMCRNNClassifier: a convolution then a bidirectional RNN over the bins, as a classifier."""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from ..models import HMCRNNNet
from ._architecture import DeepChromeArchitecture, fitted_bin_width, resolution_aware_sizes
from ._base import store_init_arguments
from ._classifier import TorchHistoneClassifier
from ._docs import shared_docs


@shared_docs
class HMCRNNClassifier(TorchHistoneClassifier):
    """HM-CRNN: a convolution over the marks' bins, then a bidirectional GRU or LSTM.

    The convolutional-recurrent successor of DeepChrome: the convolution and max-pooling
    are DeepChrome's (filters over every mark at once, sized in base pairs: 1 kb and
    500 bp at any bin width, as :class:`~skdeepchrome.DeepChromeClassifier`'s ``"auto"``
    sizes), but instead of flattening the pooled positions into a perceptron, a
    bidirectional recurrent layer reads them in genomic order; the last state of each
    direction and the mean of the states feed a linear layer to the classes (see
    :class:`~skdeepchrome.models.HMCRNNNet`).

    After L. Zhu, J. Kesseli, M. Nykter and H. Huttunen, "Predicting gene expression
    levels from histone modification signals with convolutional recurrent neural
    networks", EMBEC & NBC 2017 (IFMBE Proceedings 65), whose CRNN beat DeepChrome on
    REMC data: two 2-D convolutions (32 maps, 3 x 3 filters, stride 3) over the 100 x 5
    input, an LSTM of 32 units, dense layers of 100 and 20 units and a sigmoid output.
    What differs: one 1-D convolution across every mark (any number of marks, filters
    sized in base pairs so any bin width works) instead of the two 2-D ones; the
    recurrent layer is bidirectional (a GRU by default, ``cell="lstm"`` for the paper's
    cell) and its end states and mean state feed one linear layer instead of two
    hidden ones; softmax over the classes (any label set) instead of a sigmoid. Sizes
    are kept small for CPUs: 32 filters, 32 units per direction, dropout 0.3 (about
    15,000 weights for 5 marks x 100 bins). Training, weights, seeds, early stopping, warm starts,
    model files and gradient interpretation are
    :class:`~skdeepchrome.DeepChromeClassifier`'s.

    Parameters
    ----------
    marks : "auto", int or sequence of str, default="auto"
        The input's marks (the convolution's channels); see
        :class:`~skdeepchrome.DeepChromeClassifier`.
    n_filters : int, default=32
        Convolution filters.
    kernel_size : int or "auto", default="auto"
        Filter width in bins; ``"auto"`` is 1 kb in bins of the input's width.
    pool_size : int or "auto", default="auto"
        Max-pooling width in bins; ``"auto"`` is 500 bp.
    bin_size : float, default=None
        Base pairs per input bin, for the ``"auto"`` sizes; ``None`` reads the input's
        own, as :class:`~skdeepchrome.DeepChromeClassifier` does.
    hidden_size : int, default=32
        Hidden units per direction of the recurrent layer.
    cell : {"gru", "lstm"}, default="gru"
    dropout : float, default=0.3
    class_weight : dict, "balanced" or None, default=None
        See :class:`~skdeepchrome.DeepChromeClassifier`.
    %(training_parameters)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    kernel_size_, pool_size_ : int
        Filter and pooling widths in bins the network was built with.
    bin_width_ : float
        Base pairs per bin they were computed for.
    %(training_attributes)s

    See Also
    --------
    skdeepchrome.DeepChromeClassifier : the convolution with a perceptron instead.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdeepchrome import HistoneBinner
    >>> from skdeepchrome.estimators import HMCRNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(2.0, size=(60, 5 * 100)).astype(float)
    >>> y = (X[:, 300:400].sum(axis=1) > 200).astype(int)
    >>> model = make_pipeline(HistoneBinner(n_bins=20, scale="log1p", bin_size=100),
    ...                       HMCRNNClassifier(max_epochs=2, random_state=0))
    >>> model.fit(X, y).predict_proba(X[:2]).shape
    (2, 2)
    >>> model[-1].kernel_size_, model[-1].pool_size_  # 1 kb and 500 bp in 500-bp bins
    (2, 1)
    """

    _parameter_constraints: dict = {
        **TorchHistoneClassifier._parameter_constraints,
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "kernel_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "pool_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "bin_size": [None, Interval(Real, 0, None, closed="neither")],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "cell": [StrOptions({"gru", "lstm"})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }
    _module_class = HMCRNNNet
    # The bin width is learnt as DeepChrome learns it: the same rule, the same messages.
    _learn_bin_width = DeepChromeArchitecture._learn_bin_width

    def __init__(
        self,
        marks="auto",
        *,
        n_filters=32,
        kernel_size="auto",
        pool_size="auto",
        bin_size=None,
        hidden_size=32,
        cell="gru",
        dropout=0.3,
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
        self.kernel_size_, self.pool_size_ = resolution_aware_sizes(
            self.n_bins_, fitted_bin_width(self), self.kernel_size, self.pool_size)
        return dict(
            n_marks=len(self.marks_),
            n_bins=self.n_bins_,
            n_outputs=n_outputs,
            n_filters=self.n_filters,
            kernel_size=self.kernel_size_,
            pool_size=self.pool_size_,
            hidden_size=self.hidden_size,
            cell=self.cell,
            dropout=self.dropout,
        )
