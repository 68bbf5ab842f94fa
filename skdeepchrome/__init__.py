"""skdeepchrome: DeepChrome as a scikit-learn citizen.

The public names are imported on first use (PEP 562): ``import skdeepchrome`` stays fast
and torch is imported only when a neural estimator is, so the command line, the genome
readers and the datasets start without it.
"""

from ._lazy import lazy_face

__version__ = "0.1.0"

#: Public name -> the module that defines it.
_LAZY = {
    "AttentiveChromeClassifier": ".estimators",
    "DeepChromeClassifier": ".estimators",
    "DeepChromeRegressor": ".estimators",
    "HistoneBinner": ".preprocessing",
    "REMC_MARKS": ".layout",
    "load_model": ".model_files",
    "save_model": ".model_files",
}

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


__getattr__, __dir__ = lazy_face(__name__, _LAZY)
