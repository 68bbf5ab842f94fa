"""Torch modules. Nothing here knows about scikit-learn."""

from ._attentivechrome import AttentiveChromeNet
from ._deepchrome import DeepChromeNet
from ._deepdiff import DeepDiffLoss, DeepDiffNet
from ._ensemble import MemberAverage
from ._members import DeepChromeEnsembleNet

__all__ = ["AttentiveChromeNet", "DeepChromeEnsembleNet", "DeepChromeNet", "DeepDiffLoss",
           "DeepDiffNet", "MemberAverage"]
