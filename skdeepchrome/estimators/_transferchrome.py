"""TransferChromeClassifier: dense convolution blocks with self-attention, as a classifier."""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval

from ..models import TransferChromeNet
from ._base import store_init_arguments
from ._classifier import TorchHistoneClassifier
from ._docs import shared_docs


@shared_docs
class TransferChromeClassifier(TorchHistoneClassifier):
    """TransferChrome (Chen et al., 2022): densely connected convolutions, self-attention.

    Dense convolution blocks (each convolution reads every earlier feature map of its
    block) with transitions that halve the channels and the positions, then multi-head
    self-attention over the remaining positions, their mean and a linear layer to the
    classes (see :class:`~skdeepchrome.models.TransferChromeNet`).

    After Y. Chen, M. Xie and J. Wen, "Predicting gene expression from histone
    modifications with self-attention based neural networks and transfer learning",
    Frontiers in Genetics 13, 2022 (TransferChrome), which reports a mean test AUC of
    0.848 over the 56 REMC epigenomes. What differs: sizes are scaled for CPUs (two
    blocks of three convolutions growing by 12 filters, a 32-wide attention layer of 4
    heads; about 20,000 weights for 5 marks x 100 bins), the paper's batch normalisation is a
    per-gene ``GroupNorm`` (so a batch of one gene trains), and the paper's transfer
    across cell types (pre-training on other epigenomes, then fine-tuning) is not built
    in: fit on one epigenome, then continue on another with ``warm_start=True`` (same
    marks and bins) for the same effect. Training, weights, seeds, early stopping,
    model files and gradient interpretation are
    :class:`~skdeepchrome.DeepChromeClassifier`'s. Any number of marks and bins works.

    Parameters
    ----------
    marks : "auto", int or sequence of str, default="auto"
        The input's marks; see :class:`~skdeepchrome.DeepChromeClassifier`.
    growth_rate : int, default=12
        Filters each convolution of a dense block adds.
    n_blocks : int, default=2
    layers_per_block : int, default=3
    kernel_size : int, default=3
        Width in bins of the convolutions.
    d_model : int, default=32
        Width of the attention layer; a multiple of ``n_heads``.
    n_heads : int, default=4
    dropout : float, default=0.2
    class_weight : dict, "balanced" or None, default=None
        See :class:`~skdeepchrome.DeepChromeClassifier`.
    %(training_parameters)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    %(training_attributes)s

    See Also
    --------
    skdeepchrome.estimators.ChromoformerClassifier : attention at several resolutions.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdeepchrome import HistoneBinner
    >>> from skdeepchrome.estimators import TransferChromeClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(2.0, size=(60, 5 * 100)).astype(float)
    >>> y = (X[:, 300:400].sum(axis=1) > 200).astype(int)
    >>> model = make_pipeline(HistoneBinner(n_bins=20, scale="log1p", bin_size=100),
    ...                       TransferChromeClassifier(max_epochs=2, random_state=0))
    >>> model.fit(X, y).predict_proba(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints: dict = {
        **TorchHistoneClassifier._parameter_constraints,
        "growth_rate": [Interval(Integral, 1, None, closed="left")],
        "n_blocks": [Interval(Integral, 0, None, closed="left")],
        "layers_per_block": [Interval(Integral, 1, None, closed="left")],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "d_model": [Interval(Integral, 1, None, closed="left")],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }
    _module_class = TransferChromeNet

    def __init__(
        self,
        marks="auto",
        *,
        growth_rate=12,
        n_blocks=2,
        layers_per_block=3,
        kernel_size=3,
        d_model=32,
        n_heads=4,
        dropout=0.2,
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
            growth_rate=self.growth_rate,
            n_blocks=self.n_blocks,
            layers_per_block=self.layers_per_block,
            kernel_size=self.kernel_size,
            d_model=self.d_model,
            n_heads=self.n_heads,
            dropout=self.dropout,
        )
