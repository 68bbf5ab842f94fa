"""Torch modules. Nothing here knows about scikit-learn."""

from .attentivechrome import AttentiveChromeNet
from .deepchrome import DeepChromeNet
from .deepdiff import DeepDiffLoss, DeepDiffNet

__all__ = ["AttentiveChromeNet", "DeepChromeNet", "DeepDiffLoss", "DeepDiffNet"]
