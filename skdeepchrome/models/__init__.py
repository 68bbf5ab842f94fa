"""Torch modules. Nothing here knows about scikit-learn."""

from .deepchrome import DeepChromeNet

__all__ = ["DeepChromeNet"]
