"""A fitted :class:`~skdeepchrome.HistoneBinner`'s transform, written in torch.

Gradients of a pipeline's class score with respect to its *input* (raw read counts) have
to flow through the binner: cropping, mark selection, pooling, ``log1p``/``asinh`` and
standardisation. :class:`TorchBinner` replays exactly those steps on a tensor, with the
statistics the binner learnt in ``fit``, so the pipeline becomes one differentiable function
from counts to logits.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from ..preprocessing import HistoneBinner


class TorchBinner(torch.nn.Module):
    """The transform of a fitted :class:`~skdeepchrome.HistoneBinner` as a torch module.

    Maps a ``(n_genes, n_marks * n_positions)`` tensor to the binner's output
    ``(n_genes, n_selected_marks * n_bins_out)``, equal to ``binner.transform`` up to
    floating-point rounding. Pooling with ``statistic="max"`` uses ``torch.amax``, whose
    gradient is shared equally among tied maxima (read counts tie often).

    It does not validate: ``log1p`` of negative counts gives NaN instead of the binner's
    error, so callers keep inputs in the binner's domain.

    Parameters
    ----------
    binner : HistoneBinner
        A fitted binner; its learnt statistics are copied, so later changes to it do not
        affect the module.
    dtype : torch.dtype, default=torch.float64

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skdeepchrome import HistoneBinner
    >>> X = np.random.default_rng(0).poisson(3.0, size=(4, 500)).astype(float)
    >>> binner = HistoneBinner(n_bins=20, scale="log1p", standardize=True).fit(X)
    >>> Z = TorchBinner(binner)(torch.tensor(X)).numpy()
    >>> Z.shape, bool(np.allclose(Z, binner.transform(X)))
    ((4, 100), True)
    """

    def __init__(self, binner, dtype=torch.float64):
        super().__init__()
        if not isinstance(binner, HistoneBinner):
            raise TypeError(
                f"TorchBinner needs a HistoneBinner, got {type(binner).__name__}."
            )
        check_is_fitted(binner)
        self.n_marks = len(binner.marks_)
        self.n_positions = binner.n_positions_
        self.n_selected = len(binner.selected_marks_)
        self.n_bins_out = binner.n_bins_out_
        self.crop = (binner._crop.start, binner._crop.stop)
        self.statistic = binner.statistic
        self.scale = binner.scale
        self.register_buffer("select", torch.as_tensor(binner._select_idx, dtype=torch.long))
        weights = binner._weights
        self.pool = weights is not None
        if self.pool:
            self.register_buffer("weights", torch.as_tensor(weights, dtype=dtype))
            # For "max", a bin's maximum runs over every position it overlaps; padding the
            # window with -inf lets one gather + amax do all bins at once.
            members = [np.flatnonzero(weights[:, i] > 0) for i in range(self.n_bins_out)]
            width = max(len(m) for m in members)
            index = np.full((self.n_bins_out, width), weights.shape[0], dtype=np.int64)
            for i, m in enumerate(members):
                index[i, : len(m)] = m
            self.register_buffer("max_index", torch.as_tensor(index))
        self.standardize = bool(binner.standardize)
        if self.standardize:
            self.register_buffer("mean", torch.as_tensor(binner.mark_mean_, dtype=dtype))
            self.register_buffer("std", torch.as_tensor(binner.mark_std_, dtype=dtype))

    def forward(self, X, standardize=True):
        """Bin ``(batch, n_marks * n_positions)`` counts like ``binner.transform``.

        ``standardize=False`` stops before the standardisation, so 0 still means no signal.
        """
        X3 = X.reshape(X.shape[0], self.n_marks, self.n_positions)
        X3 = X3[:, self.select, self.crop[0] : self.crop[1]]
        if self.pool and self.statistic == "max":
            pad = torch.full_like(X3[:, :, :1], -torch.inf)
            padded = torch.cat([X3, pad], dim=2)
            Z = torch.amax(padded[:, :, self.max_index], dim=3)
        elif self.pool:
            Z = X3 @ self.weights.to(X3.dtype)
        else:
            Z = X3
        if self.scale == "log1p":
            Z = torch.log1p(Z)
        elif self.scale == "asinh":
            Z = torch.asinh(Z)
        if self.standardize and standardize:
            Z = (Z - self.mean.to(Z.dtype)[:, None]) / self.std.to(Z.dtype)[:, None]
        return Z.reshape(Z.shape[0], -1)
