"""The DeepChrome network's architecture parameters, shared by its classifier and regressor."""

from __future__ import annotations

from numbers import Integral, Real

from sklearn.utils._param_validation import Interval

from ..models import DeepChromeNet


class DeepChromeArchitecture:
    """Mixin: ``n_filters``, ``kernel_size``, ``pool_size``, ``hidden_sizes``, ``dropout``."""

    _architecture_constraints: dict = {
        "n_filters": [Interval(Integral, 1, None, closed="left")],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "pool_size": [Interval(Integral, 1, None, closed="left")],
        "hidden_sizes": [list, tuple],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }
    _module_class = DeepChromeNet

    def _module_params(self, n_outputs):
        return dict(
            n_marks=len(self.marks_),
            n_bins=self.n_bins_,
            n_outputs=n_outputs,
            n_filters=self.n_filters,
            kernel_size=self.kernel_size,
            pool_size=self.pool_size,
            hidden_sizes=tuple(self.hidden_sizes),
            dropout=self.dropout,
        )
