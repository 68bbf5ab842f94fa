"""Putting epigenomes on one scale: counts per million, and a learnt per-epigenome scale.

Sequencing depth differs several-fold between epigenomes, and read counts scale with it:
a model fitted on one epigenome's counts sees another's on a different scale. Two remedies
sit here, below the estimators in the data flow (arrays in, arrays out):

- :func:`counts_per_million`, when each mark's number of mapped reads is known (from the
  BAM header or ``samtools idxstats``): the exact correction, applied at load time.
- :class:`DepthNormalizer`, when it is not: a scikit-learn transformer that learns, from
  the unlabelled marks of every epigenome it is told about (``groups``), a per-epigenome,
  per-mark scale relative to a common reference, and maps each epigenome onto it. A new
  epigenome's scale is learnt from its own marks; no RNA-seq is needed.

A grouped transformer cannot sit inside a model's ``Pipeline`` the usual way: the pipeline
is fitted on the labelled source genes, while the target's scale must come from the
target's marks. Fit it once on the marks of every epigenome (all their genes: this uses
no labels), transform each epigenome with its own name, then fit and score the models on
the results, as :func:`skdeepchrome.compare.transfer_protocol` does.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, check_non_negative, validate_data

from ..layout import REMC_MARKS, HistoneMatrix, flatten_declared_marks, resolve_marks

__all__ = ["DepthNormalizer", "counts_per_million", "NORMALIZATION_METHODS"]

#: The methods :class:`DepthNormalizer` learns.
NORMALIZATION_METHODS = ("median_of_ratios", "quantile", "total")


def counts_per_million(X, mapped_reads, *, marks=REMC_MARKS):
    """Read counts as counts per million mapped reads of each mark's library.

    Parameters
    ----------
    X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        Read counts, mark-major.
    mapped_reads : mapping of mark -> int, or sequence of int
        Each mark's number of mapped reads (its whole library, not just the reads in the
        windows), by name or in the order of ``marks``.
    marks : int or sequence of str, default=REMC_MARKS
        The marks of ``X``'s column blocks.

    Returns
    -------
    ndarray of shape (n_genes, n_marks * n_bins), float64
        ``X * 1e6 / mapped_reads`` per mark.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[2.0, 4.0, 30.0, 60.0]])
    >>> counts_per_million(X, {"H3K4me3": 2e6, "H3K27me3": 3e7},
    ...                    marks=["H3K4me3", "H3K27me3"]).tolist()
    [[1.0, 2.0, 1.0, 2.0]]
    """
    X = np.asarray(X, dtype=np.float64)
    names = resolve_marks(marks)
    if X.ndim == 3:
        if X.shape[1] != len(names):
            raise ValueError(f"3-D input has {X.shape[1]} marks on axis 1 but {len(names)} "
                             f"marks were declared: {list(names)}.")
        X = X.reshape(len(X), -1)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (n_genes, n_marks * n_bins) or 3-D, got shape "
                         f"{X.shape}.")
    resolve_marks(names, X.shape[1])
    if isinstance(mapped_reads, Mapping):
        missing = [m for m in names if m not in mapped_reads]
        if missing:
            raise ValueError(f"mapped_reads has no total for mark(s) {missing}; it names "
                             f"{sorted(map(str, mapped_reads))}.")
        totals = np.array([mapped_reads[m] for m in names], dtype=float)
    else:
        totals = np.asarray(mapped_reads, dtype=float).ravel()
        if len(totals) != len(names):
            raise ValueError(f"mapped_reads has {len(totals)} totals for {len(names)} marks "
                             f"{list(names)}.")
    if not np.all(np.isfinite(totals)) or np.any(totals <= 0):
        raise ValueError(f"mapped_reads must be positive numbers of reads, got "
                         f"{totals.tolist()}.")
    n_bins = X.shape[1] // len(names)
    return X * np.repeat(1e6 / totals, n_bins)[None, :]


class DepthNormalizer(TransformerMixin, BaseEstimator):
    """Scale each mark of each epigenome to a common reference, learnt from the marks.

    Told which epigenome each gene belongs to (``groups``), ``fit`` learns for every
    epigenome and mark a map onto a reference shared by all of them; ``transform`` applies
    each gene's epigenome's map. Only the histone marks are used, never a label, so a
    target epigenome without RNA-seq can be fitted with the others. A copy of an
    epigenome sequenced ``k`` times deeper (every count times ``k``) maps to the same
    values as the original.

    Parameters
    ----------
    method : {"median_of_ratios", "quantile", "total"}, default="median_of_ratios"
        ``"total"``: divide by the epigenome's mean count of the mark (over genes and
        bins), times the reference's. ``"median_of_ratios"``: DESeq's size factor with
        window positions in place of genes (so the genes need not be the same in every
        epigenome): the median over bins of the ratio of the epigenome's mean profile of
        the mark to the reference profile, over the bins where every profile is positive;
        robust to a few positions that differ for biological reasons. ``"quantile"``: map
        the distribution of the mark's values onto the reference distribution by
        interpolating between ``n_quantiles`` quantiles (ties share the mean position,
        values above the top quantile are scaled by the top quantiles' ratio); it also
        removes differences of shape, not only of depth.
    reference : hashable, default=None
        The epigenome (a value of ``groups``) whose scale the others are mapped to;
        ``None`` is the geometric mean of every epigenome's scale factor and profile (the
        mean of the quantiles for ``"quantile"``).
    marks : int or sequence of str, default=REMC_MARKS
        The input's marks: a count, or their names in column-block order.
    n_quantiles : int, default=1000
        Quantiles per epigenome and mark (``"quantile"`` only; at most the number of
        values).

    Attributes
    ----------
    groups_ : ndarray of object
        The epigenomes seen in ``fit`` (``[None]`` when fitted without ``groups``).
    scale_ : ndarray of shape (n_groups, n_marks)
        The factor each epigenome's mark is multiplied by (``"total"`` and
        ``"median_of_ratios"``; for ``"quantile"`` the ratio of the reference's median to
        the epigenome's, for information).
    quantiles_ : ndarray of shape (n_groups, n_marks, n_quantiles)
        ``"quantile"`` only: each epigenome's quantiles.
    reference_quantiles_ : ndarray of shape (n_marks, n_quantiles)
        ``"quantile"`` only.
    marks_ : tuple of str
    n_bins_ : int
        Positions per mark.
    n_features_in_ : int

    See Also
    --------
    counts_per_million : the exact correction when the mapped-read totals are known.
    skdeepchrome.compare.transfer_protocol : fits models across epigenomes with it.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> shallow = rng.poisson(2.0, size=(50, 10)).astype(float)
    >>> deep = 3 * shallow  # the same genes sequenced three times deeper
    >>> X = np.vstack([shallow, deep])
    >>> groups = ["E1"] * 50 + ["E2"] * 50
    >>> norm = DepthNormalizer(marks=2).fit(X, groups=groups)
    >>> Z = norm.transform(X, groups=groups)
    >>> bool(np.allclose(Z[:50], Z[50:]))
    True
    >>> norm.scale_.round(3).tolist()
    [[1.732, 1.732], [0.577, 0.577]]
    """

    _parameter_constraints = {
        "method": [StrOptions(set(NORMALIZATION_METHODS))],
        "reference": [None, Hashable],
        "marks": ["array-like", Interval(Integral, 1, None, closed="left")],
        "n_quantiles": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(self, method="median_of_ratios", *, reference=None, marks=REMC_MARKS,
                 n_quantiles=1000):
        self.method = method
        self.reference = reference
        self.marks = marks
        self.n_quantiles = n_quantiles

    def fit(self, X, y=None, groups=None):
        """Learn each epigenome's map onto the reference.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
            Non-negative signal (read counts) of the genes of every epigenome.
        y : ignored
        groups : array-like of shape (n_genes,), default=None
            The epigenome of each gene; ``None``: all genes are one epigenome.

        Returns
        -------
        self : DepthNormalizer
        """
        self._validate_params()
        X = self._check_input(X, reset=True)
        self.marks_ = resolve_marks(self.marks, X.shape[1])
        self.n_bins_ = X.shape[1] // len(self.marks_)
        labels, index = self._group_index(groups, len(X), fitting=True)
        self.groups_ = labels
        X3 = X.reshape(len(X), len(self.marks_), self.n_bins_)
        parts = [X3[index == g] for g in range(len(labels))]
        ref = self._reference_index(labels)
        if self.method == "quantile":
            self._fit_quantiles(parts, ref)
        else:
            self._fit_scales(parts, ref)
        return self

    def transform(self, X, groups=None):
        """Map each gene's marks with its epigenome's map.

        Parameters
        ----------
        X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        groups : array-like of shape (n_genes,), default=None
            The epigenome of each gene, each one seen in ``fit``; may be ``None`` only when
            ``fit`` saw a single epigenome.

        Returns
        -------
        ndarray of shape (n_genes, n_marks * n_bins)
            A :class:`~skdeepchrome.layout.HistoneMatrix`, in the input's float dtype.
        """
        check_is_fitted(self)
        X = self._check_input(X, reset=False)
        _, index = self._group_index(groups, len(X), fitting=False)
        X3 = X.reshape(len(X), len(self.marks_), self.n_bins_)
        out = np.empty(X3.shape, dtype=np.float64)
        for g in np.unique(index):
            rows = index == g
            if self.method == "quantile":
                for m in range(len(self.marks_)):
                    out[rows, m] = _map_quantiles(X3[rows, m], self.quantiles_[g, m],
                                                  self.reference_quantiles_[m])
            else:
                out[rows] = X3[rows] * self.scale_[g][None, :, None]
        return HistoneMatrix(out.reshape(len(X), -1).astype(X.dtype, copy=False),
                             marks=self.marks_, n_bins=self.n_bins_)

    def fit_transform(self, X, y=None, groups=None):
        """``fit(X, groups=groups).transform(X, groups=groups)``."""
        return self.fit(X, y, groups=groups).transform(X, groups=groups)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # -- internals -------------------------------------------------------------------------

    def _check_input(self, X, *, reset):
        X = flatten_declared_marks(X, self.marks)
        X = validate_data(self, X, reset=reset, dtype=[np.float64, np.float32],
                          ensure_all_finite=True)
        check_non_negative(X, f"{type(self).__name__} (read counts)")
        return X

    def _group_index(self, groups, n, *, fitting):
        """``(labels, index)``: the epigenomes and each gene's position among them."""
        if groups is None:
            if fitting:
                return np.array([None], dtype=object), np.zeros(n, dtype=np.intp)
            if len(self.groups_) > 1:
                raise ValueError(
                    f"{type(self).__name__} was fitted on {len(self.groups_)} epigenomes "
                    f"({', '.join(map(str, self.groups_))}); pass groups= naming each gene's."
                )
            return self.groups_, np.zeros(n, dtype=np.intp)
        groups = np.asarray(groups, dtype=object).ravel()
        if len(groups) != n:
            raise ValueError(f"groups has {len(groups)} entries for {n} genes.")
        if any(g is None or (isinstance(g, float) and np.isnan(g)) for g in groups):
            raise ValueError("groups contains a missing value (None or NaN); name the "
                             "epigenome of every gene.")
        if fitting:
            labels = np.array(list(dict.fromkeys(groups.tolist())), dtype=object)
        else:
            labels = self.groups_
            known = set(labels.tolist())
            unknown = [g for g in dict.fromkeys(groups.tolist()) if g not in known]
            if unknown:
                raise ValueError(
                    f"groups names epigenome(s) {unknown} not seen in fit (fitted on "
                    f"{', '.join(map(str, labels))}); fit on the marks of every epigenome to "
                    "transform (their labels are not needed)."
                )
        position = {label: i for i, label in enumerate(labels.tolist())}
        return labels, np.array([position[g] for g in groups.tolist()], dtype=np.intp)

    def _reference_index(self, labels):
        if self.reference is None:
            return None
        matches = [i for i, label in enumerate(labels.tolist()) if label == self.reference]
        if not matches:
            raise ValueError(f"reference={self.reference!r} is not one of the epigenomes in "
                             f"groups ({', '.join(map(str, labels))}).")
        return matches[0]

    def _fit_scales(self, parts, ref):
        n_marks = len(self.marks_)
        if self.method == "total":
            level = np.array([part.mean(axis=(0, 2)) for part in parts])  # (G, M)
        else:
            profiles = np.array([part.mean(axis=0) for part in parts])  # (G, M, B)
            level = np.ones((len(parts), n_marks))
            for m in range(n_marks):
                usable = np.all(profiles[:, m] > 0, axis=0)
                if not usable.any():
                    continue  # no bin with reads in every epigenome: leave the mark as is
                logs = np.log(profiles[:, m][:, usable])
                centre = logs[ref] if ref is not None else logs.mean(axis=0)
                level[:, m] = np.exp(np.median(logs - centre, axis=1))
        # A mark without a single read in an epigenome has no scale to learn: factor 1.
        positive = level > 0
        with np.errstate(divide="ignore"):
            logs = np.where(positive, np.log(np.where(positive, level, 1.0)), 0.0)
        if ref is not None:
            centre = logs[ref]
        else:
            counted = positive.sum(axis=0)
            centre = np.where(counted > 0, logs.sum(axis=0) / np.maximum(counted, 1), 0.0)
        self.scale_ = np.where(positive, np.exp(centre[None, :] - logs), 1.0)

    def _fit_quantiles(self, parts, ref):
        n_marks = len(self.marks_)
        smallest = min(part.shape[0] * part.shape[2] for part in parts)
        n_q = int(max(2, min(self.n_quantiles, smallest)))
        probabilities = np.linspace(0.0, 1.0, n_q)
        self.quantiles_ = np.array([
            [np.quantile(part[:, m].ravel(), probabilities) for m in range(n_marks)]
            for part in parts
        ])  # (G, M, Q)
        self.reference_quantiles_ = (self.quantiles_[ref] if ref is not None
                                     else self.quantiles_.mean(axis=0))
        middle = n_q // 2
        own, target = self.quantiles_[:, :, middle], self.reference_quantiles_[None, :, middle]
        self.scale_ = np.where(own > 0, target / np.where(own > 0, own, 1.0), 1.0)


def _map_quantiles(values, own, target):
    """Map ``values`` from the distribution with quantiles ``own`` onto ``target``'s."""
    # Counts tie (many zeros): interpolating forwards and backwards and averaging puts a
    # tied value at the middle of its run of quantiles, as QuantileTransformer does.
    forward = np.interp(values, own, target)
    backward = -np.interp(-values, -own[::-1], -target[::-1])
    mapped = 0.5 * (forward + backward)
    top, top_target = own[-1], target[-1]
    if top > 0:
        above = values > top
        mapped[above] = values[above] * (top_target / top)
    return mapped
