"""DeepChromeRegressor: the DeepChrome CNN predicting continuous expression."""

from __future__ import annotations

from ._architecture import DeepChromeArchitecture
from ._base import store_init_arguments
from ._docs import shared_docs
from ._regressor import TorchHistoneRegressor


@shared_docs
class DeepChromeRegressor(DeepChromeArchitecture, TorchHistoneRegressor):
    """The DeepChrome CNN as a regressor of continuous expression (e.g. ``log1p(RPKM)``).

    The network is :class:`~skdeepchrome.DeepChromeClassifier`'s with one output unit,
    trained with mean squared error; everything else (input layout and marks inference,
    sample weights, skorch training, early stopping on a random validation split or an
    explicit ``X_val, y_val`` with the best epoch restored, warm starts, seeding, thread
    limits, pickling, ``check_estimator`` compliance) is the same.

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
    kernel_size : int or "auto", default="auto"
    pool_size : int or "auto", default="auto"
    bin_size : float, default=None
        The filter and pooling widths in bins, by default the paper's 1 kb and 500 bp at
        ``bin_size`` bp per bin; see :class:`~skdeepchrome.DeepChromeClassifier`.
    hidden_sizes : tuple of int, default=(625, 125)
    dropout : float, default=0.5
    hidden_dropout : float, default=0.0
    n_members : int, default=1
        Networks trained apart and averaged; see
        :class:`~skdeepchrome.DeepChromeClassifier`.
    standardize_target : bool, default=True
        Train on the (sample-weighted) standardised target (see above); ``False`` trains
        on ``y`` as given.
    %(training_parameters)s

    Attributes
    ----------
    y_mean_ : float
        Mean of the training target (0 without ``standardize_target``).
    y_scale_ : float
        Its standard deviation (1 without ``standardize_target``, or for a target whose
        standard deviation is 0).
    kernel_size_, pool_size_ : int
        The filter and pooling widths in bins the network was built with.
    bin_width_ : float
        Base pairs per bin they were computed for.
    %(training_attributes)s

    See Also
    --------
    skdeepchrome.DeepChromeClassifier : high / low expression.
    skdeepchrome.datasets.log_expression : the usual target, ``log1p`` of RPKM.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdeepchrome import HistoneBinner
    >>> from skdeepchrome.estimators import DeepChromeRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(2.0, size=(200, 5 * 100)).astype(float)
    >>> expression = np.log1p(X[:, 300:400].sum(axis=1))  # driven by H3K4me3
    >>> model = make_pipeline(HistoneBinner(n_bins=20, scale="log1p"),
    ...                       DeepChromeRegressor(max_epochs=3, random_state=0))
    >>> model.fit(X, expression).predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        **TorchHistoneRegressor._parameter_constraints,
        **DeepChromeArchitecture._architecture_constraints,
    }

    def __init__(
        self,
        marks="auto",
        *,
        n_filters=50,
        kernel_size="auto",
        pool_size="auto",
        bin_size=None,
        hidden_sizes=(625, 125),
        dropout=0.5,
        hidden_dropout=0.0,
        n_members=1,
        standardize_target=True,
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
