"""The DeepChrome network's architecture parameters, shared by its classifier and regressor.

The paper's kernel of 10 bins and pool of 5 assume 100-bp bins: 1 kb and 500 bp of the
genome. Users extract at any resolution (10 bp to 10 kb bins), and a kernel of 10 bins of
10 kb spans 100 kb, far beyond any mark's peak. ``kernel_size="auto"`` and
``pool_size="auto"`` keep the paper's widths in base pairs instead, converted to bins
through the bin width, and clamped so the network stays valid however few bins there are.
"""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from ..layout import REMC_N_BINS
from ..models import DeepChromeEnsembleNet, DeepChromeNet

#: The paper's filter and pooling widths in base pairs (10 and 5 bins of 100 bp).
KERNEL_BP = 1000
POOL_BP = 500
#: The window a plain array is taken to span when no ``bin_size`` is given: the paper's
#: TSS +/- 5 kb (100 bins of 100 bp for the release's layout).
PAPER_WINDOW_BP = 10_000


def _bins(bp, width):
    """``bp`` in bins of ``width`` bp, rounded half up, at least 1."""
    return max(1, math.floor(bp / width + 0.5))


def resolution_aware_sizes(n_bins, bin_width, kernel_size="auto", pool_size="auto"):
    """``(kernel, pool)`` in bins: the paper's 1 kb and 500 bp at ``bin_width`` bp per bin.

    An explicit int is kept as given. An ``"auto"`` kernel is at most the ``n_bins``
    there are, an ``"auto"`` pool at most the positions the convolution leaves.

    Examples
    --------
    >>> resolution_aware_sizes(100, 100)  # the paper's layout: the paper's sizes
    (10, 5)
    >>> resolution_aware_sizes(10, 10_000)  # 10-kb bins: one bin, no pooling
    (1, 1)
    >>> resolution_aware_sizes(400, 10), resolution_aware_sizes(20, 500)
    ((100, 50), (2, 1))
    """
    kernel = (min(_bins(KERNEL_BP, bin_width), n_bins) if kernel_size == "auto"
              else int(kernel_size))
    pool = (min(_bins(POOL_BP, bin_width), max(1, n_bins - kernel + 1))
            if pool_size == "auto" else int(pool_size))
    return kernel, pool


def fitted_bin_width(estimator):
    """``estimator.bin_width_``, set first where no fit learnt it: a first ``partial_fit``
    (which learns no width) or a model file written before widths were recorded take
    ``bin_size``, else the paper's window's."""
    if getattr(estimator, "bin_width_", None) is None:
        estimator.bin_width_ = (float(estimator.bin_size) if estimator.bin_size is not None
                                else PAPER_WINDOW_BP / estimator.n_bins_)
    return estimator.bin_width_


class DeepChromeArchitecture:
    """Mixin: ``n_filters``, ``kernel_size``, ``pool_size``, ``bin_size``, ``hidden_sizes``,
    ``dropout``, ``hidden_dropout``, ``n_members``; fits ``kernel_size_``, ``pool_size_``
    and ``bin_width_``."""

    _architecture_constraints: dict = {
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "kernel_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "pool_size": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "bin_size": [None, Interval(Real, 0, None, closed="neither")],
        "hidden_sizes": [list, tuple],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "hidden_dropout": [Interval(Real, 0, 1, closed="left")],
        "n_members": [Interval(Integral, 1, None, closed="left")],
    }
    _module_class = DeepChromeNet

    def _learn_bin_width(self, carried):
        """Base pairs per bin of the training input: ``bin_size``, the input's own, or
        the paper's window's (said in a warning where that is a guess)."""
        if self.bin_size is not None:
            if carried is not None and carried != float(self.bin_size):
                raise ValueError(
                    f"{type(self).__name__}(bin_size={self.bin_size:g}) but X carries bins "
                    f"of {carried:g} bp; leave bin_size=None to use the input's own width."
                )
            self.bin_width_ = float(self.bin_size)
        elif carried is not None:
            self.bin_width_ = float(carried)
        else:
            self.bin_width_ = PAPER_WINDOW_BP / self.n_bins_
            if self.n_bins_ != REMC_N_BINS:
                warnings.warn(
                    f"{type(self).__name__}: X carries no bin width, so its {self.n_bins_} "
                    f"bins are taken to span the paper's TSS +/- 5 kb ({self.bin_width_:g} "
                    "bp each) and the filter is sized for that; pass bin_size= (bp per bin) "
                    "or data from the package's loaders, which carry it.",
                    UserWarning, stacklevel=3,
                )

    def _module_params(self, n_outputs):
        if getattr(self, "bin_width_", None) is None:
            # A model file written before the width was recorded: as it was computed then.
            self.bin_width_ = (float(self.bin_size) if self.bin_size is not None
                               else PAPER_WINDOW_BP / self.n_bins_)
        self.kernel_size_, self.pool_size_ = resolution_aware_sizes(
            self.n_bins_, self.bin_width_, self.kernel_size, self.pool_size)
        return dict(
            n_marks=len(self.marks_),
            n_bins=self.n_bins_,
            n_outputs=n_outputs,
            n_filters=self.n_filters,
            kernel_size=self.kernel_size_,
            pool_size=self.pool_size_,
            hidden_sizes=tuple(self.hidden_sizes),
            dropout=self.dropout,
            hidden_dropout=self.hidden_dropout,
        )

    def _n_members(self):
        return self.n_members

    def _ensemble_module_class(self):
        # Members in one batched pass: trained together, predicted together.
        return DeepChromeEnsembleNet

    def _ensemble_module_params(self, params):
        return dict(params)
