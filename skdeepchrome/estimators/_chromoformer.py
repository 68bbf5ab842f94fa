"""ChromoformerClassifier: transformer encoders of the window at several resolutions."""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval

from ..models import ChromoformerNet
from ._architecture import DeepChromeArchitecture, _bins, fitted_bin_width
from ._base import store_init_arguments
from ._classifier import TorchHistoneClassifier
from ._docs import shared_docs

#: Chromoformer's three resolutions, in base pairs per token.
PAPER_RESOLUTIONS = (100, 500, 2000)


def pool_factors(n_bins, bin_width, resolutions=PAPER_RESOLUTIONS):
    """Bins per token for each resolution the window allows, finest first, no repeats.

    A resolution finer than a bin is the bins themselves; one coarser than the window is
    the whole window as one token.

    Examples
    --------
    >>> pool_factors(100, 100)  # the release's 100-bp bins: the paper's resolutions
    (1, 5, 20)
    >>> pool_factors(40, 500), pool_factors(10, 1000), pool_factors(1, 10_000)
    ((1, 4), (1, 2), (1,))
    """
    return tuple(sorted({min(_bins(bp, bin_width), n_bins) for bp in resolutions}))


@shared_docs
class ChromoformerClassifier(TorchHistoneClassifier):
    """Chromoformer (Lee et al., Nat Commun 2022): transformers at several resolutions.

    The window's bins are averaged into tokens at each resolution the window allows
    (the paper's 100 bp, 500 bp and 2 kb where the bin width permits; see
    :func:`pool_factors`), each resolution has its own transformer encoder, and the
    encodings of the token at the TSS and of the whole window, concatenated over the
    resolutions, feed a perceptron to the classes (see
    :class:`~skdeepchrome.models.ChromoformerNet`).

    After D. Lee, J. Yang and S. Kim, "Learning the histone codes with large genomic
    windows and three-dimensional chromatin interactions using transformer", Nature
    Communications 13, 6678 (2022). What differs: the paper reads TSS +/- 20 kb at 100
    bp, 500 bp and 2 kb; here the window is whatever the input holds (the release's TSS
    +/- 5 kb in 100-bp bins gives 100, 20 and 5 tokens), and resolutions coarser than
    the window or finer than a bin collapse, so any bin width works. The paper's
    putative cis-regulatory regions (Hi-C contacts) and its pairwise-interaction and
    regulation transformers are not built: the module's ``forward(X, contacts=None)``
    reserves the argument and raises ``NotImplementedError`` if given one. Where the
    paper's regulation transformer integrates the three resolutions, this model
    concatenates them (the paper concatenates its three outputs before the classifier
    too). The marks are the input's, any number of them (the paper's code hard-codes 7).
    Sizes are scaled for CPUs: tokens 32 wide, 4 heads, one encoder layer per
    resolution, a 64-unit perceptron (about 43,000 weights for 5 marks x 100 bins, against the
    paper's 128-wide, multi-layer encoders). Training, weights, seeds, early stopping,
    warm starts, model files and gradient interpretation are
    :class:`~skdeepchrome.DeepChromeClassifier`'s.

    Parameters
    ----------
    marks : "auto", int or sequence of str, default="auto"
        The input's marks (each token's features); see
        :class:`~skdeepchrome.DeepChromeClassifier`.
    resolutions : tuple of float, default=(100, 500, 2000)
        Base pairs per token of each resolution, before collapsing (see
        :func:`pool_factors`).
    bin_size : float, default=None
        Base pairs per input bin; ``None`` reads the input's own, as
        :class:`~skdeepchrome.DeepChromeClassifier` does.
    d_model : int, default=32
        Token width; a multiple of ``n_heads``.
    n_heads : int, default=4
    n_layers : int, default=1
        Encoder layers per resolution.
    dim_feedforward : int, default=64
    hidden_size : int, default=64
        Hidden units of the output perceptron.
    dropout : float, default=0.1
    class_weight : dict, "balanced" or None, default=None
        See :class:`~skdeepchrome.DeepChromeClassifier`.
    %(training_parameters)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    pool_factors_ : tuple of int
        Bins per token of each resolution the network was built with.
    bin_width_ : float
        Base pairs per bin they were computed for.
    %(training_attributes)s

    See Also
    --------
    skdeepchrome.estimators.TransferChromeClassifier : convolutions, then attention.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdeepchrome import HistoneBinner
    >>> from skdeepchrome.estimators import ChromoformerClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(2.0, size=(60, 5 * 100)).astype(float)
    >>> y = (X[:, 300:400].sum(axis=1) > 200).astype(int)
    >>> model = make_pipeline(HistoneBinner(n_bins=50, scale="log1p", bin_size=100),
    ...                       ChromoformerClassifier(max_epochs=2, random_state=0))
    >>> model.fit(X, y).predict_proba(X[:2]).shape
    (2, 2)
    >>> model[-1].pool_factors_  # 200-bp bins: 200 bp, 600 bp (500 rounded), 2 kb
    (1, 3, 10)
    """

    _parameter_constraints: dict = {
        **TorchHistoneClassifier._parameter_constraints,
        "resolutions": [tuple, list],
        "bin_size": [None, Interval(Real, 0, None, closed="neither")],
        "d_model": [Interval(Integral, 1, None, closed="left")],
        "n_heads": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "dim_feedforward": [Interval(Integral, 1, None, closed="left")],
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }
    _module_class = ChromoformerNet
    # The bin width is learnt as DeepChrome learns it: the same rule, the same messages.
    _learn_bin_width = DeepChromeArchitecture._learn_bin_width

    def __init__(
        self,
        marks="auto",
        *,
        resolutions=PAPER_RESOLUTIONS,
        bin_size=None,
        d_model=32,
        n_heads=4,
        n_layers=1,
        dim_feedforward=64,
        hidden_size=64,
        dropout=0.1,
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
        if not self.resolutions or not all(
                isinstance(r, Real) and not isinstance(r, bool) and r > 0
                for r in self.resolutions):
            raise ValueError(f"resolutions must be one or more positive base-pair widths, "
                             f"got {self.resolutions!r}.")
        self.pool_factors_ = pool_factors(self.n_bins_, fitted_bin_width(self), self.resolutions)
        return dict(
            n_marks=len(self.marks_),
            n_bins=self.n_bins_,
            n_outputs=n_outputs,
            pool_factors=self.pool_factors_,
            d_model=self.d_model,
            n_heads=self.n_heads,
            n_layers=self.n_layers,
            dim_feedforward=self.dim_feedforward,
            hidden_size=self.hidden_size,
            dropout=self.dropout,
        )
