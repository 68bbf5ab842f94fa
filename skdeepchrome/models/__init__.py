"""Torch modules. Nothing here knows about scikit-learn."""

from .attentivechrome import AttentiveChromeNet
from .deepchrome import DeepChromeNet
from .deepdiff import DeepDiffLoss, DeepDiffNet
from .ensemble import MemberAverage

__all__ = ["AttentiveChromeNet", "DeepChromeNet", "DeepDiffLoss", "DeepDiffNet", "MemberAverage"]
