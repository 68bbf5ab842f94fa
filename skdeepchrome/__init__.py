"""skdeepchrome: DeepChrome as a scikit-learn citizen."""

from .binning import HistoneBinner
from .estimators import DeepChromeClassifier
from .layout import REMC_MARKS

__version__ = "0.1.0"

__all__ = ["DeepChromeClassifier", "HistoneBinner", "REMC_MARKS", "__version__"]
