"""DeepChromeClassifier: the DeepChrome CNN as a scikit-learn classifier."""

from __future__ import annotations

from ..layout import REMC_MARKS  # noqa: F401  (named in the docstring)
from ._architecture import DeepChromeArchitecture
from ._base import store_init_arguments
from ._classifier import TorchHistoneClassifier
from ._docs import shared_docs


@shared_docs
class DeepChromeClassifier(DeepChromeArchitecture, TorchHistoneClassifier):
    """DeepChrome (Singh et al., 2016): a CNN over histone-mark bins, as a classifier.

    skorch trains the network; scikit-learn sees a plain classifier that works in
    ``Pipeline``, ``GridSearchCV``, ``cross_validate``, ``BaggingClassifier``,
    ``CalibratedClassifierCV``, ``clone`` and pickle, takes ``sample_weight`` (with
    metadata routing: ``set_fit_request(sample_weight=True)``) and ``class_weight``, and
    passes ``check_estimator``.

    The module is the paper's: ``Conv1d(n_marks -> 50, kernel 10)``, ReLU,
    ``MaxPool1d(5)``, ``Dropout(0.5)``, ``Linear(-> 625)``, ReLU, ``Linear(625 -> 125)``,
    ReLU, ``Linear(125 -> n_classes)``, trained with cross-entropy, with the kernel and
    pool kept at the paper's widths in base pairs (1 kb and 500 bp) at any resolution: 10
    and 5 bins of 100 bp, 1 and 1 bin of 10 kb (``kernel_size="auto"``, see
    ``bin_size``). ``kernel_size=10, pool_size=5`` is the paper's architecture in bins
    whatever the resolution (``make_model("deepchrome_paper")``). Unlike the paper's
    fixed-epoch training, early stopping on a stratified validation split is on by
    default and the epoch of the best validation ROC AUC is restored, as the paper reports
    its best validation epoch.

    Parameters
    ----------
    marks : "auto", int or sequence of str, default="auto"
        The input's marks (the convolution's channels). ``"auto"`` takes them from what
        the input carries: HistoneBinner output, a 3-D array, DataFrame columns named
        ``"{mark}_bin{index}"`` (``set_output(transform="pandas")`` keeps them flowing
        through ``StandardScaler`` and the like), or the release's plain 5 x 100-bin
        layout (:data:`~skdeepchrome.layout.REMC_MARKS`); any other plain array is a
        ``ValueError`` rather than a guess. An int is a count; ``marks=1`` treats every
        feature as one bin of one mark.
    n_filters : int, default=50
        Convolution filters.
    kernel_size : int or "auto", default="auto"
        Filter width in bins. ``"auto"``: 1,000 bp (the paper's 10 bins of 100 bp) in bins
        of the input's width, rounded, between 1 and the number of bins.
    pool_size : int or "auto", default="auto"
        Max-pooling width in bins. ``"auto"``: 500 bp (the paper's 5 bins), at least 1 and
        at most the positions the convolution leaves. Inputs shorter than
        ``kernel_size + pool_size - 1`` bins are zero-padded just enough.
    bin_size : float, default=None
        Base pairs per input bin, for the ``"auto"`` sizes. ``None`` reads the width the
        input carries (a :class:`~skdeepchrome.layout.HistoneMatrix` from the package's
        loaders or from :class:`~skdeepchrome.HistoneBinner`, which knows its output's
        width after re-binning); input that carries none is taken to span the paper's
        TSS +/- 5 kb, ``10_000 / n_bins`` bp per bin (100 bp for the release's 100 bins),
        with a warning when it has another number of bins. Given while the input carries
        another width, it is a ``ValueError``.
    hidden_sizes : tuple of int, default=(625, 125)
        Hidden fully-connected layer widths.
    dropout : float, default=0.5
        Dropout probability after pooling.
    hidden_dropout : float, default=0.0
        Dropout probability after each hidden layer (the paper has none; the recommended
        pipeline, ``make_model("deepchrome")``, uses 0.5).
    n_members : int, default=1
        Networks trained as if apart, each from its own seed (initial weights,
        shuffling, dropout, validation split and early-stopping epoch: a member that
        stops is restored to its best epoch and frozen while the others train on),
        whose logits are averaged: a seed ensemble in one batched module
        (:class:`~skdeepchrome.models.DeepChromeEnsembleNet`) whose members take one
        pass and one optimiser step together, saved, loaded and interpreted like one
        network. Each member still costs a network's arithmetic. On small training sets
        it removes much of the variance one network keeps from its seed and stopping
        epoch (the recommended pipeline uses 5). With ``callbacks`` or an optimizer
        class of your own, each member trains as a net of its own, one after another.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, ``{label: weight}``, or ``"balanced"``
        (``n_genes / (n_classes * count)``, from the training labels); multiplies
        ``sample_weight``.
    %(training_parameters)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    class_weights_ : ndarray of shape (n_classes,)
        Only with ``class_weight``: the weight of each of ``classes_``.
    kernel_size_, pool_size_ : int
        The filter and pooling widths in bins the network was built with.
    bin_width_ : float
        Base pairs per bin they were computed for (``bin_size``, the input's own, or
        ``10_000 / n_bins``).
    %(training_attributes)s

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
        **TorchHistoneClassifier._parameter_constraints,
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
