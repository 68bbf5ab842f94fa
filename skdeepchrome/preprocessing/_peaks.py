"""PeakFeatures: ShallowChrome-style per-mark peak features of a window around the TSS."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ..layout import (
    REMC_MARKS,
    declared_bin_size,
    flatten_declared_marks,
    infer_marks,
    resolve_marks,
)

#: The features of each mark, in output order.
PEAK_FEATURES = ("peak_height", "peak_position", "peak_width", "tss_signal")


class PeakFeatures(TransformerMixin, BaseEstimator):
    """Per-mark peak height, position, width and TSS signal of binned histone windows.

    The features of ShallowChrome (Frasca et al., "Accurate and highly interpretable
    prediction of gene expression from histone modifications", BMC Bioinformatics 2022),
    computed from the binned window instead of from called peaks. For every mark of every
    gene, with bins tiling the window symmetrically around the TSS (bin ``i`` centred at
    ``(i + 0.5) * bin_size - n_bins * bin_size / 2`` bp, negative upstream):

    - ``peak_height``: the highest bin;
    - ``peak_position``: the centre of that bin in bp from the TSS (among equal highest
      bins, the one nearest the TSS, the upstream one of two as near); 0 when the mark
      has no peak (every bin at or below the window's median);
    - ``peak_width``: the run of adjacent bins around the peak at or above half its height
      over the window's median (the background), in bp; 0 when there is no peak;
    - ``tss_signal``: the mean bin within ``tss_window`` bp of the TSS (the bins whose
      centres lie there; the bin or two nearest the TSS when none do).

    **What the paper does and what differs.** ShallowChrome calls peaks (MACS2 narrow,
    broad and gapped peaks of the Roadmap release), keeps for every gene and mark the
    highest peak signal value among the peaks overlapping TSS +/- 5 kb (0 when none),
    chooses per epigenome the peak format whose features score best on the validation
    genes, and fits an unpenalised logistic regression on those five values (one per
    mark). Here there is no peak caller: the height is the highest bin of the window
    (a count, or its ``scale``-d value, not a fold enrichment over a control), and the
    position, width and TSS signal are added, as the model's reading of "where and how
    broad" the paper's peaks are. The features are computed from whatever bins arrive, so
    any number of marks and any bin width work; positions and widths are in bp, from the
    bin width the input carries (:class:`~skdeepchrome.layout.HistoneMatrix`),
    ``bin_size``, or, failing both, a window of ``2 * flank`` bp.

    Parameters
    ----------
    marks : int, sequence of str or None, default=None
        The input's marks (a count or names in column-block order). ``None`` takes the
        marks the input carries (a :class:`~skdeepchrome.layout.HistoneMatrix`, e.g. a
        :class:`~skdeepchrome.preprocessing.HistoneBinner`'s output) and otherwise the
        REMC release's five.
    bin_size : float, default=None
        Base pairs per input bin; ``None`` reads it from the input, else takes the window
        to span ``2 * flank`` bp.
    flank : int, default=5000
        Base pairs up- and downstream of the TSS the window covers, used only when the
        bin width is known neither from ``bin_size`` nor from the input.
    tss_window : float, default=1000
        Half-width in bp of the region whose mean is ``tss_signal``.
    scale : {None, "log1p", "asinh"}, default=None
        Transform applied to ``peak_height`` and ``tss_signal`` (the other features stay
        in bp). ``"log1p"`` refuses negative input.

    Attributes
    ----------
    marks_ : tuple of str
    n_bins_ : int
        Bins per mark of the input.
    bin_size_ : float
        Base pairs per bin used for positions and widths.
    bin_centres_ : ndarray of shape (n_bins,)
        Each bin's centre in bp from the TSS (``n_bins_`` of them).
    tss_bins_ : ndarray of int
        The bins averaged into ``tss_signal``.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame with string column names.

    See Also
    --------
    skdeepchrome.baselines.make_model : ``"shallowchrome"``, these features feeding a
        logistic regression.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepchrome.preprocessing import PeakFeatures
    >>> X = np.zeros((1, 20))  # one mark, 20 bins of 500 bp over TSS +/- 5 kb
    >>> X[0, 12:15] = [4.0, 10.0, 6.0]  # a peak centred 1.75 kb downstream
    >>> pf = PeakFeatures(marks=["H3K4me3"], bin_size=500).fit(X)
    >>> pf.get_feature_names_out().tolist()
    ['H3K4me3_peak_height', 'H3K4me3_peak_position', 'H3K4me3_peak_width', 'H3K4me3_tss_signal']
    >>> pf.transform(X).tolist()
    [[10.0, 1750.0, 1000.0, 0.0]]
    """

    _parameter_constraints: dict = {
        "marks": [None, Interval(Integral, 1, None, closed="left"), list, tuple, np.ndarray],
        "bin_size": [None, Interval(Real, 0, None, closed="neither")],
        "flank": [Interval(Real, 0, None, closed="neither")],
        "tss_window": [Interval(Real, 0, None, closed="left")],
        "scale": [None, StrOptions({"log1p", "asinh"})],
    }

    def __init__(self, marks=None, *, bin_size=None, flank=5000, tss_window=1000,
                 scale=None):
        self.marks = marks
        self.bin_size = bin_size
        self.flank = flank
        self.tss_window = tss_window
        self.scale = scale

    def fit(self, X, y=None):
        """Learn the marks, bins per mark and bin width of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        y : ignored

        Returns
        -------
        self : PeakFeatures
        """
        self._validate_params()
        width = declared_bin_size(X, self.bin_size)
        marks = self.marks
        if marks is None:
            marks = infer_marks(X) or REMC_MARKS
        X = validate_data(self, flatten_declared_marks(X, marks), reset=True,
                          dtype=[np.float64, np.float32], ensure_all_finite=True)
        self.marks_ = resolve_marks(marks, X.shape[1])
        self.n_bins_ = X.shape[1] // len(self.marks_)
        self.bin_size_ = width if width is not None else 2.0 * self.flank / self.n_bins_
        self.bin_centres_ = (np.arange(self.n_bins_) + 0.5 - self.n_bins_ / 2) * self.bin_size_
        distance = np.abs(self.bin_centres_)
        near = np.flatnonzero(distance <= self.tss_window)
        self.tss_bins_ = near if near.size else np.flatnonzero(distance == distance.min())
        self._check_scale(X)
        return self

    def transform(self, X):
        """The four features of every mark, mark-major.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)

        Returns
        -------
        ndarray of shape (n_genes, n_marks * 4), float64
            Per mark: ``peak_height``, ``peak_position`` (bp), ``peak_width`` (bp),
            ``tss_signal``.
        """
        check_is_fitted(self)
        X = validate_data(self, flatten_declared_marks(X, self.marks_), reset=False,
                          dtype=[np.float64, np.float32], ensure_all_finite=True)
        if len(self.marks_) * self.n_bins_ != self.n_features_in_ or (
                len(self.bin_centres_) != self.n_bins_):
            raise ValueError("PeakFeatures' fitted layout is inconsistent; fit it again.")
        self._check_scale(X)
        X3 = X.reshape(len(X), len(self.marks_), self.n_bins_).astype(np.float64)
        height = X3.max(axis=2)
        baseline = np.median(X3, axis=2)
        has_peak = height > baseline
        distance = np.abs(self.bin_centres_)
        # Among equal highest bins, the one nearest the TSS.
        peak = np.argmin(np.where(X3 == height[..., None], distance, np.inf), axis=2)
        position = np.where(has_peak, self.bin_centres_[peak], 0.0)
        above = X3 >= (baseline + (height - baseline) / 2)[..., None]
        index = np.arange(self.n_bins_)
        gap_left = np.where(~above & (index < peak[..., None]), index, -1).max(axis=2)
        gap_right = np.where(~above & (index > peak[..., None]), index,
                             self.n_bins_).min(axis=2)
        width = np.where(has_peak, (gap_right - gap_left - 1) * self.bin_size_, 0.0)
        tss = X3[:, :, self.tss_bins_].mean(axis=2)
        if self.scale == "log1p":
            height, tss = np.log1p(height), np.log1p(tss)
        elif self.scale == "asinh":
            height, tss = np.arcsinh(height), np.arcsinh(tss)
        return np.stack([height, position, width, tss], axis=2).reshape(len(X), -1)

    def get_feature_names_out(self, input_features=None):
        """``"{mark}_{feature}"`` for each mark and feature, mark-major.

        The features, in order, are
        :data:`~skdeepchrome.preprocessing.PEAK_FEATURES`.

        Parameters
        ----------
        input_features : array-like of str, optional
            Checked against the input seen in ``fit``; the output names do not depend on it.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self)
        if input_features is not None:
            input_features = np.asarray(input_features, dtype=object)
            if len(input_features) != self.n_features_in_:
                raise ValueError(
                    f"input_features has {len(input_features)} names but PeakFeatures was "
                    f"fitted on {self.n_features_in_} features.")
            if hasattr(self, "feature_names_in_") and not np.array_equal(
                    input_features, self.feature_names_in_):
                raise ValueError("input_features is not equal to feature_names_in_.")
        return np.asarray([f"{mark}_{feature}" for mark in self.marks_
                           for feature in PEAK_FEATURES], dtype=object)

    def _check_scale(self, X):
        if self.scale == "log1p" and np.any(X < 0):
            raise ValueError("scale='log1p' cannot take negative values; use scale='asinh' "
                             "for signed signal such as log fold-changes.")
