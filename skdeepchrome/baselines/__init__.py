"""Model names and ready-made models: the DeepChrome CNN, its successors and the baselines.

:func:`make_model` builds any model of the comparison by name (a scikit-learn ``Pipeline``
starting with a :class:`~skdeepchrome.preprocessing.HistoneBinner`);
:func:`make_differential_model` the models of the differential task;
:func:`default_param_grids` their tuning grids. The names themselves
(:data:`MODEL_NAMES`, :func:`model_names`, :func:`parse_model_list`, ...) load without
torch, pandas or scikit-learn (PEP 562), so the command line's ``--help`` stays light.
"""

from .._lazy import lazy_face

#: Public name -> the private module that defines it.
_LAZY = {
    "ALIASES": "._names",
    "BASELINE_NAMES": "._names",
    "CEILING": "._names",
    "COMPARE_TASKS": "._names",
    "DIFFERENTIAL_MODEL_NAMES": "._names",
    "DIFFERENTIAL_TASK": "._names",
    "MODEL_NAMES": "._names",
    "OPTIONAL_MODEL_NAMES": "._names",
    "OPTIONAL_REGRESSION_MODEL_NAMES": "._names",
    "REGRESSION_MODEL_NAMES": "._names",
    "SUCCESSOR_MODEL_NAMES": "._names",
    "TASKS": "._names",
    "canonical_model_name": "._names",
    "display_name": "._names",
    "model_names": "._names",
    "parse_model_list": "._names",
    "FEATURE_SETTINGS": "._models",
    "RECOMMENDED_NETWORK": "._models",
    "default_param_grids": "._models",
    "make_model": "._models",
    "shallowchrome_coefficients": "._models",
    "PAIR_SETTINGS": "._pair_models",
    "make_differential_model": "._pair_models",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_face(__name__, _LAZY)
