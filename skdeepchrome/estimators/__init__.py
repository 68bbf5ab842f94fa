"""scikit-learn estimators that wrap skdeepchrome's torch modules with skorch."""

from .attentivechrome import AttentiveChromeClassifier
from .deepchrome import DeepChromeClassifier
from .deepchrome_regressor import DeepChromeRegressor

__all__ = ["AttentiveChromeClassifier", "DeepChromeClassifier", "DeepChromeRegressor"]
