"""HistoneBinner: re-bin, crop, select marks, scale and standardise histone signal."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import check_is_fitted, validate_data

from ..layout import (
    REMC_BIN_SIZE,
    REMC_MARKS,
    HistoneMatrix,
    declared_bin_size,
    feature_names,
    flatten_declared_marks,
    resolve_marks,
)


def pooling_weights(n_positions, n_bins, statistic="sum"):
    """Weights that pool ``n_positions`` adjacent positions into ``n_bins`` bins.

    Output bin ``i`` covers positions ``[i * P / B, (i + 1) * P / B)``. When ``P`` is not a
    multiple of ``B``, a position straddling two bins is shared between them in proportion
    to its overlap, so no signal is dropped: with ``"sum"`` every position's weights add up
    to 1 (totals are conserved); with ``"mean"`` every bin's weights add up to 1.

    Examples
    --------
    >>> pooling_weights(3, 2).tolist()
    [[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]]
    >>> pooling_weights(4, 2, "mean").tolist()
    [[0.5, 0.0], [0.5, 0.0], [0.0, 0.5], [0.0, 0.5]]
    """
    # Work in units of 1/B of a position so every overlap is an exact integer.
    pos_lo = np.arange(n_positions)[:, None] * n_bins
    bin_lo = np.arange(n_bins)[None, :] * n_positions
    overlap = np.clip(
        np.minimum(pos_lo + n_bins, bin_lo + n_positions) - np.maximum(pos_lo, bin_lo), 0, None
    ).astype(np.float64)
    return overlap / (n_bins if statistic == "sum" else n_positions)


class HistoneBinner(TransformerMixin, BaseEstimator):
    """Re-bin, crop, select and scale histone-mark signal around the TSS.

    Input is mark-major 2-D ``(n_genes, n_marks * n_positions)`` or 3-D
    ``(n_genes, n_marks, n_positions)``; output is always 2-D mark-major
    ``(n_genes, n_selected_marks * n_bins)``. Steps, in order: crop to ``window``, keep the
    ``select``-ed marks, pool adjacent positions into ``n_bins`` bins with ``statistic``,
    apply ``scale``, and optionally standardise each mark with statistics learnt in ``fit``.

    Parameters
    ----------
    marks : int or sequence of str, default=REMC_MARKS
        The input's marks: a count, or their names in column-block order. The default is
        the REMC release order ``("H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3")``.
    select : sequence of str or int, default=None
        Marks to keep (names from ``marks`` or indices), in the order given; ``None`` keeps
        all. Makes mark ablation a grid-search parameter.
    n_bins : int, default=None
        Output bins per mark, pooling adjacent positions; ``None`` keeps the positions.
        An uneven division shares straddling positions between neighbouring bins.
    window : (int, int), default=None
        Crop to ``[start, end)`` base pairs relative to the TSS before pooling; both must
        fall on position boundaries. Input positions are taken to tile
        ``[-flank, flank)`` in steps of ``bin_size`` (deeptools' reference-point vocabulary).
    flank : int, default=5000
        Base pairs covered up- and downstream of the TSS by the input (used with ``window``).
    bin_size : float, default=None
        Base pairs per input position (deeptools' ``--binSize``). ``None`` reads it from
        the input when it carries it (a :class:`~skdeepchrome.layout.HistoneMatrix` from
        the package's loaders, an extraction or another binner); a ``window`` on input
        that carries none takes the release's 100 bp. The output carries its own width
        (``bin_size_out_``), so a network after the binner sizes its filter in base pairs.
    statistic : {"sum", "mean", "max"}, default="sum"
        How pooled positions combine.
    scale : {None, "log1p", "asinh"}, default=None
        Variance-stabilising transform applied after pooling. ``"log1p"`` refuses
        negative values; ``"asinh"`` accepts them (e.g. log fold-change tracks).
    standardize : bool, default=False
        Centre and scale each mark by its mean and standard deviation over genes and bins,
        learnt in ``fit`` only (so the shape of each profile is kept).

    Attributes
    ----------
    marks_ : tuple of str
        Input mark names.
    selected_marks_ : tuple of str
        Output mark names, in output order.
    n_positions_ : int
        Input positions per mark.
    n_bins_out_ : int
        Output bins per mark.
    bin_size_in_, bin_size_out_ : float or None
        Base pairs per input position and per output bin; ``None`` when neither
        ``bin_size`` nor the input gave a width.
    mark_mean_, mark_std_ : ndarray of shape (n_selected_marks,)
        Standardisation statistics (only when ``standardize=True``).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when fitted on a DataFrame with string column names.

    See Also
    --------
    skdeepchrome.DeepChromeClassifier : the CNN that consumes this output.

    Notes
    -----
    The output is a plain 2-D array (a :class:`~skdeepchrome.layout.HistoneMatrix`, an
    ``ndarray`` that also remembers its marks and bins), so a default
    ``DeepChromeClassifier()`` after it in a pipeline knows the layout even when
    ``select`` or ``n_bins`` change in a grid search.

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepchrome import HistoneBinner
    >>> X = np.arange(2 * 5 * 100, dtype=float).reshape(2, 500)
    >>> binner = HistoneBinner(n_bins=10, select=["H3K4me3", "H3K27me3"], scale="log1p")
    >>> binner.fit_transform(X).shape
    (2, 20)
    >>> binner.get_feature_names_out()[:2].tolist()
    ['H3K4me3_bin000', 'H3K4me3_bin001']
    >>> HistoneBinner(marks=1, n_bins=2, window=(-200, 200)).fit_transform(
    ...     np.ones((1, 100))).tolist()
    [[2.0, 2.0]]
    """

    _parameter_constraints: dict = {
        "marks": [Interval(Integral, 1, None, closed="left"), list, tuple, np.ndarray],
        "select": [None, list, tuple, np.ndarray],
        "n_bins": [None, Interval(Integral, 1, None, closed="left")],
        "window": [None, list, tuple],
        "flank": [Interval(Integral, 1, None, closed="left")],
        "bin_size": [None, Interval(Real, 0, None, closed="neither")],
        "statistic": [StrOptions({"sum", "mean", "max"})],
        "scale": [None, StrOptions({"log1p", "asinh"})],
        "standardize": ["boolean"],
    }

    def __init__(
        self,
        marks=REMC_MARKS,
        *,
        select=None,
        n_bins=None,
        window=None,
        flank=5000,
        bin_size=None,
        statistic="sum",
        scale=None,
        standardize=False,
    ):
        self.marks = marks
        self.select = select
        self.n_bins = n_bins
        self.window = window
        self.flank = flank
        self.bin_size = bin_size
        self.statistic = statistic
        self.scale = scale
        self.standardize = standardize

    def fit(self, X, y=None):
        """Learn the input layout (and per-mark statistics when ``standardize=True``).

        Parameters
        ----------
        X : array-like of shape (n_genes, n_marks * n_positions) or (n_genes, n_marks, n_positions)
        y : ignored

        Returns
        -------
        self : HistoneBinner
        """
        self._validate_params()
        width = declared_bin_size(X, self.bin_size)
        X = self._check_input(X, reset=True)
        self.marks_ = resolve_marks(self.marks, X.shape[1])
        self.n_positions_ = X.shape[1] // len(self.marks_)
        self.bin_size_in_ = width
        self._select_idx = self._resolve_select()
        self.selected_marks_ = tuple(self.marks_[i] for i in self._select_idx)
        self._crop = self._resolve_window()
        n_window = self._crop.stop - self._crop.start
        if self.n_bins is not None and self.n_bins > n_window:
            raise ValueError(
                f"n_bins={self.n_bins} asks for more bins than the {n_window} positions per mark "
                f"in the input window (X has n_features = {X.shape[1]} for {len(self.marks_)} "
                "marks); pooling can only merge positions, not split them."
            )
        self.n_bins_out_ = n_window if self.n_bins is None else int(self.n_bins)
        self.bin_size_out_ = (None if self.bin_size_in_ is None
                              else self.bin_size_in_ * n_window / self.n_bins_out_)
        self._weights = (
            None
            if self.n_bins_out_ == n_window
            else pooling_weights(n_window, self.n_bins_out_, self.statistic)
        )
        if not self.standardize:
            self._selected(X)  # refuse what transform would refuse, already at fit time
        else:
            Z = self._pool_and_scale(X)
            self.mark_mean_ = Z.mean(axis=(0, 2))
            std = Z.std(axis=(0, 2))
            # A constant mark carries no information; leave it centred rather than divide by 0.
            self.mark_std_ = np.where(std > 0, std, 1.0)
        return self

    def transform(self, X):
        """Bin, crop, select and scale ``X``.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_marks * n_positions) or (n_genes, n_marks, n_positions)

        Returns
        -------
        ndarray of shape (n_genes, n_selected_marks * n_output_bins)
            A :class:`~skdeepchrome.layout.HistoneMatrix`; ``n_output_bins`` is ``n_bins_out_``.
            With ``set_output(transform="pandas")`` a DataFrame whose ``attrs`` hold the
            marks, bins per mark and bin width.
        """
        check_is_fitted(self)
        index = X.index if isinstance(X, pd.DataFrame) else None
        X = self._check_input(X, reset=False)
        Z = self._pool_and_scale(X)
        if self.standardize:
            Z = (Z - self.mark_mean_[:, None]) / self.mark_std_[:, None]
        Z = Z.reshape(Z.shape[0], -1).astype(X.dtype, copy=False)
        layout = dict(marks=self.selected_marks_, n_bins=self.n_bins_out_,
                      bin_size=self.bin_size_out_)
        if _get_output_config("transform", self)["dense"] == "pandas":
            # scikit-learn would wrap an array in a new DataFrame and drop the layout; a
            # frame made here keeps it in ``attrs`` (its columns name the marks, attrs the
            # width), which the next step reads as it reads a HistoneMatrix.
            frame = pd.DataFrame(Z, index=index, columns=self.get_feature_names_out())
            frame.attrs.update(layout)
            return frame
        return HistoneMatrix(Z, **layout)

    def get_feature_names_out(self, input_features=None):
        """Output feature names, ``"{mark}_bin{index:03d}"``, mark-major.

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
                    f"input_features has {len(input_features)} names but the binner was fitted "
                    f"on {self.n_features_in_} features."
                )
            if hasattr(self, "feature_names_in_") and not np.array_equal(
                input_features, self.feature_names_in_
            ):
                raise ValueError("input_features is not equal to feature_names_in_.")
        return feature_names(self.selected_marks_, self.n_bins_out_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # -- internals -------------------------------------------------------------------------

    def _check_input(self, X, *, reset):
        X = flatten_declared_marks(X, self.marks)
        return validate_data(
            self, X, reset=reset, dtype=[np.float64, np.float32], ensure_all_finite=True
        )

    def _resolve_select(self):
        if self.select is None:
            return list(range(len(self.marks_)))
        if isinstance(self.select, str):
            raise ValueError(f"select must be a sequence of marks, got the string {self.select!r}.")
        indices = []
        for item in self.select:
            if isinstance(item, (Integral, np.integer)) and not isinstance(item, bool):
                if not 0 <= item < len(self.marks_):
                    raise ValueError(
                        f"select index {item} is out of range for {len(self.marks_)} marks "
                        f"{list(self.marks_)}."
                    )
                indices.append(int(item))
            elif str(item) in self.marks_:
                indices.append(self.marks_.index(str(item)))
            else:
                raise ValueError(
                    f"select names the mark {item!r}, which is not among the input marks "
                    f"{list(self.marks_)}."
                )
        if not indices:
            raise ValueError("select must keep at least one mark.")
        if len(set(indices)) != len(indices):
            raise ValueError(f"select names a mark twice: {list(self.select)}.")
        return indices

    def _resolve_window(self):
        if self.window is None:
            return slice(0, self.n_positions_)
        if len(self.window) != 2:
            raise ValueError(f"window must be a (start, end) pair, got {self.window!r}.")
        start, end = (int(v) for v in self.window)
        # Cropping needs coordinates: without a width, the release's positions.
        if self.bin_size_in_ is None:
            self.bin_size_in_ = float(REMC_BIN_SIZE)
        expected = 2 * self.flank / self.bin_size_in_
        if self.n_positions_ != expected:
            raise ValueError(
                f"window needs the input's coordinates: X has {self.n_positions_} positions per "
                f"mark, but flank={self.flank} and bin_size={self.bin_size_in_:g} describe "
                f"{expected:g}. Set flank and bin_size to match the extraction."
            )
        if not -self.flank <= start < end <= self.flank:
            raise ValueError(
                f"window {self.window!r} must satisfy -flank <= start < end <= flank "
                f"(flank={self.flank})."
            )
        if (start + self.flank) % self.bin_size_in_ or (end + self.flank) % self.bin_size_in_:
            raise ValueError(
                f"window {self.window!r} does not fall on position boundaries: positions are "
                f"{self.bin_size_in_:g} bp wide starting at -{self.flank}."
            )
        return slice(int((start + self.flank) // self.bin_size_in_),
                     int((end + self.flank) // self.bin_size_in_))

    def _selected(self, X):
        X3 = X.reshape(X.shape[0], len(self.marks_), self.n_positions_)
        X3 = X3[:, self._select_idx, self._crop]
        if self.scale == "log1p":
            negative = np.flatnonzero((X3 < 0).any(axis=(0, 2)))
            if negative.size:
                bad = [self.selected_marks_[i] for i in negative]
                raise ValueError(
                    f"scale='log1p' cannot take negative values, found in marks {bad}; use "
                    "scale='asinh' for signed signal such as log fold-changes."
                )
        return X3

    def _pool_and_scale(self, X):
        X3 = self._selected(X)
        if self._weights is None:
            Z = X3.astype(np.float64)
        elif self.statistic == "max":
            Z = np.stack(
                [X3[:, :, cols].max(axis=2) for cols in self._max_columns()], axis=2
            ).astype(np.float64)
        else:
            Z = X3 @ self._weights
        if self.scale == "log1p":
            Z = np.log1p(Z)
        elif self.scale == "asinh":
            Z = np.arcsinh(Z)
        return Z

    def _max_columns(self):
        # A position belongs to every bin it overlaps, so straddling positions count in both.
        return [np.flatnonzero(self._weights[:, i] > 0) for i in range(self.n_bins_out_)]
