"""scikit-learn estimators that wrap skdeepchrome's torch modules with skorch."""

from .deepchrome import DeepChromeClassifier

__all__ = ["DeepChromeClassifier"]
