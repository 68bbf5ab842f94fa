"""Interpretation: which marks, where, a fitted model ties to high and to low expression.

- :func:`class_optimal_input`: DeepChrome's visualisation, the input maximising a class
  score (Singh et al., 2016), optimised through the whole pipeline.
- :func:`attributions`: integrated gradients, saliency and input x gradient per gene,
  aggregated by :func:`mark_attribution` and :func:`position_attribution`.
- :func:`mark_importance`: permutation or refit-without-the-mark importance of whole marks,
  for any estimator.
- :func:`mark_profiles`: average profile of each mark per class.
- :func:`optimal_agreement`: whether the class-optimal inputs rank the marks as the
  attributions do (they can disagree; a report then says so).
- :func:`differential_attributions`: integrated gradients of a DeepDiffRegressor's
  predicted fold change over both cells' marks, summarised by
  :func:`cell_mark_attribution`.

Gradient methods need a fitted ``DeepChromeClassifier``, alone or after ``HistoneBinner``
steps; :class:`TorchBinner` is the binner's transform in torch, so gradients are taken
with respect to the pipeline's input (read counts).
"""

from ._agreement import optimal_agreement, optimal_contrast
from ._attributions import attributions, mark_attribution, position_attribution
from ._class_optimisation import ClassOptimalInput, class_optimal_input, input_bounds
from ._differentiable_binner import TorchBinner
from ._differentiable_pipeline import DifferentiablePipeline
from ._differential_attributions import cell_mark_attribution, differential_attributions
from ._importance import input_marks, mark_importance
from ._positions import bin_centres_kb
from ._profiles import mark_profiles

__all__ = [
    "ClassOptimalInput",
    "DifferentiablePipeline",
    "TorchBinner",
    "attributions",
    "bin_centres_kb",
    "cell_mark_attribution",
    "class_optimal_input",
    "differential_attributions",
    "input_bounds",
    "input_marks",
    "mark_attribution",
    "mark_importance",
    "mark_profiles",
    "optimal_agreement",
    "optimal_contrast",
    "position_attribution",
]
