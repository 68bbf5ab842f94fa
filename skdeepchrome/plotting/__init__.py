"""Pictures: ROC curves and model scores of a comparison; transfer; what a model learnt.

Functions draw on a matplotlib ``Axes`` when given one and otherwise return a new
``matplotlib.figure.Figure`` (no pyplot state, so they work on headless machines).
matplotlib is the ``plot`` extra: ``pip install -e ".[plot]"`` in a clone.
"""

from ._attention import plot_attention
from ._comparison import plot_auc_bars, plot_model_scores, plot_roc_curves
from ._differential import plot_differential_attribution, plot_predicted_vs_observed
from ._interpretation import (
    plot_class_optimal_inputs,
    plot_mark_importance,
    plot_mark_profiles,
    plot_marks_by_bins,
    plot_position_attribution,
)
from ._labels import model_label
from ._transfer import plot_transfer_matrix, plot_transfer_roc_curves

__all__ = [
    "model_label",
    "plot_attention",
    "plot_auc_bars",
    "plot_class_optimal_inputs",
    "plot_differential_attribution",
    "plot_mark_importance",
    "plot_mark_profiles",
    "plot_model_scores",
    "plot_marks_by_bins",
    "plot_position_attribution",
    "plot_predicted_vs_observed",
    "plot_roc_curves",
    "plot_transfer_matrix",
    "plot_transfer_roc_curves",
]
