"""Torch modules. Nothing here knows about scikit-learn."""

from .attentivechrome import AttentiveChromeNet
from .deepchrome import DeepChromeNet

__all__ = ["AttentiveChromeNet", "DeepChromeNet"]
