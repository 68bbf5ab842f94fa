"""scikit-learn estimators that wrap skdeepchrome's torch modules with skorch."""

from ._base import EXPECTED_FAILED_CHECKS
from .attentivechrome import AttentiveChromeClassifier
from .deepchrome import DeepChromeClassifier
from .deepchrome_regressor import DeepChromeRegressor

__all__ = [
    "EXPECTED_FAILED_CHECKS",
    "AttentiveChromeClassifier",
    "DeepChromeClassifier",
    "DeepChromeRegressor",
]
