"""Torch modules. Nothing here knows about scikit-learn."""

from ._attentivechrome import AttentiveChromeNet
from ._chromoformer import ChromoformerNet
from ._deepchrome import DeepChromeNet
from ._deepdiff import DeepDiffLoss, DeepDiffNet
from ._ensemble import MemberAverage
from ._hmcrnn import HMCRNNNet
from ._members import DeepChromeEnsembleNet
from ._transferchrome import TransferChromeNet

__all__ = ["AttentiveChromeNet", "ChromoformerNet", "DeepChromeEnsembleNet", "DeepChromeNet",
           "DeepDiffLoss", "DeepDiffNet", "HMCRNNNet", "MemberAverage", "TransferChromeNet"]
