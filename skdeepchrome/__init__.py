"""skdeepchrome: DeepChrome as a scikit-learn citizen."""

from .layout import REMC_MARKS

__version__ = "0.1.0"

__all__ = ["REMC_MARKS", "__version__"]
