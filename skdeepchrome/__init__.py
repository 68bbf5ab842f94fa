"""skdeepchrome: DeepChrome as a scikit-learn citizen."""

from .binning import HistoneBinner
from .estimators import AttentiveChromeClassifier, DeepChromeClassifier, DeepChromeRegressor
from .layout import REMC_MARKS

__version__ = "0.1.0"

__all__ = [
    "AttentiveChromeClassifier",
    "DeepChromeClassifier",
    "DeepChromeRegressor",
    "HistoneBinner",
    "REMC_MARKS",
    "__version__",
]
