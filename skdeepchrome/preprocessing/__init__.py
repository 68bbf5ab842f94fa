"""scikit-learn transformers for histone-mark matrices.

- :class:`HistoneBinner`: re-bin, crop a window around the TSS, select marks, scale and
  standardise (:func:`pooling_weights` is its re-binning as a matrix).
- :class:`DepthNormalizer` and :func:`counts_per_million`: sequencing depth made
  comparable across epigenomes (``NORMALIZATION_METHODS``).
- :class:`CellDifference`: the second cell's marks minus the first's, for a pair of cells.
- :class:`PeakFeatures`: per-mark peak height, position, width and TSS signal (the
  features of ShallowChrome, Frasca et al. 2022).
"""

from ._binning import HistoneBinner, pooling_weights
from ._cell_difference import CellDifference
from ._normalisation import NORMALIZATION_METHODS, DepthNormalizer, counts_per_million
from ._peaks import PEAK_FEATURES, PeakFeatures

__all__ = [
    "NORMALIZATION_METHODS",
    "PEAK_FEATURES",
    "CellDifference",
    "DepthNormalizer",
    "HistoneBinner",
    "PeakFeatures",
    "counts_per_million",
    "pooling_weights",
]
