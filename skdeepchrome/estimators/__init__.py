"""scikit-learn estimators that wrap skdeepchrome's torch modules with skorch.

- :class:`DeepChromeClassifier` / :class:`DeepChromeRegressor`: the DeepChrome CNN (Singh
  et al., 2016), optionally a seed ensemble of members trained apart.
- :class:`AttentiveChromeClassifier`: the two-level attention network (Singh et al., 2017).
- :class:`ChromoformerClassifier`, :class:`TransferChromeClassifier`,
  :class:`HMCRNNClassifier`: the successors (multi-resolution transformers; dense
  convolutions with self-attention; a convolution then a bidirectional RNN).
- :class:`DeepDiffRegressor`: the log2 fold change between two cells (Sekhon et al., 2018).
- :class:`CellwiseDifferenceRegressor`: any single-cell regressor applied to each cell of a
  pair, predicting the difference.

What they share (validation, weights, seeds, early stopping, warm start, devices) lives
once, in :class:`TorchHistoneEstimator`.
"""

from ._attentivechrome import AttentiveChromeClassifier
from ._base import TorchHistoneEstimator, expected_failed_checks
from ._cellwise_difference import CellwiseDifferenceRegressor
from ._chromoformer import ChromoformerClassifier
from ._deepchrome import DeepChromeClassifier
from ._deepchrome_regressor import DeepChromeRegressor
from ._deepdiff import DeepDiffRegressor
from ._hmcrnn import HMCRNNClassifier
from ._threads import torch_threads
from ._transferchrome import TransferChromeClassifier

__all__ = [
    "AttentiveChromeClassifier",
    "CellwiseDifferenceRegressor",
    "ChromoformerClassifier",
    "DeepChromeClassifier",
    "DeepChromeRegressor",
    "DeepDiffRegressor",
    "HMCRNNClassifier",
    "TorchHistoneEstimator",
    "TransferChromeClassifier",
    "expected_failed_checks",
    "torch_threads",
]
