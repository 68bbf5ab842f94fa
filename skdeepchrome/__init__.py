"""skdeepchrome: DeepChrome as a scikit-learn citizen."""

from .binning import HistoneBinner
from .estimators import AttentiveChromeClassifier, DeepChromeClassifier, DeepChromeRegressor
from .layout import REMC_MARKS
from .model_files import load_model, save_model

__version__ = "0.1.0"

__all__ = [
    "AttentiveChromeClassifier",
    "DeepChromeClassifier",
    "DeepChromeRegressor",
    "HistoneBinner",
    "REMC_MARKS",
    "__version__",
    "load_model",
    "save_model",
]
