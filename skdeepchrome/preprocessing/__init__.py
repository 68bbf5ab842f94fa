"""scikit-learn transformers for histone-mark matrices.

- :class:`HistoneBinner`: re-bin, crop a window around the TSS, select marks, scale and
  standardise (:func:`pooling_weights` is its re-binning as a matrix).
- :class:`DepthNormalizer` and :func:`counts_per_million`: sequencing depth made
  comparable across epigenomes (``NORMALIZATION_METHODS``).
- :class:`CellDifference`: the second cell's marks minus the first's, for a pair of cells.
"""

from ._binning import HistoneBinner, pooling_weights
from ._cell_difference import CellDifference
from ._normalisation import NORMALIZATION_METHODS, DepthNormalizer, counts_per_million

__all__ = [
    "NORMALIZATION_METHODS",
    "CellDifference",
    "DepthNormalizer",
    "HistoneBinner",
    "counts_per_million",
    "pooling_weights",
]
