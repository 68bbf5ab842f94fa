"""What each storable class saves and how it is rebuilt, from an explicit allow-list.

A description names its class by a key of :data:`CLASSES`, never by an import path, so a
file can only ever build these classes, with parameters that are data, and set only the
fitted attributes listed here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ..estimators import (
    AttentiveChromeClassifier,
    DeepChromeClassifier,
    DeepChromeRegressor,
    TorchHistoneEstimator,
)
from ..layout import HistoneMatrix
from ..preprocessing import HistoneBinner
from ._values import NotStorable, decode, encode

CLASSES = {
    cls.__name__: cls
    for cls in (Pipeline, HistoneBinner, DeepChromeClassifier, DeepChromeRegressor,
                AttentiveChromeClassifier)
}

NETWORK_FITTED = ("n_features_in_", "feature_names_in_", "marks_", "n_bins_", "classes_",
                  "class_weights_", "y_mean_", "y_scale_", "n_epochs_", "best_epoch_",
                  "torch_threads_", "bin_width_")
BINNER_FITTED = ("n_features_in_", "feature_names_in_", "marks_", "n_positions_",
                 "selected_marks_", "n_bins_out_", "mark_mean_", "mark_std_", "bin_size_in_",
                 "bin_size_out_")
#: What ``set_output(transform=...)`` may be.
OUTPUTS = ("default", "pandas", "polars")


class ForeignClass(TypeError):
    """An estimator that is not one of :data:`CLASSES`."""


def _class_name(estimator):
    cls = type(estimator)
    if CLASSES.get(cls.__name__) is not cls:
        raise ForeignClass(
            f"{cls.__module__}.{cls.__qualname__} is not one of skdeepchrome's own models "
            f"({', '.join(sorted(CLASSES))})"
        )
    return cls.__name__


def _params(estimator, name, arrays, skip=()):
    encoded = {}
    for key, value in estimator.get_params(deep=False).items():
        if key in skip:
            continue
        if key == "memory" and value is not None:
            raise TypeError(
                f"{name}(memory={value!r}) cannot be stored in a safe model file: a "
                "pipeline's cache holds pickles that a refit would load. Set memory=None "
                "before saving."
            )
        if key == "device":
            # load_model chooses the device; the saved one is a record, kept as text.
            value = str(value)
        try:
            encoded[key] = encode(value, arrays)
        except NotStorable as exc:
            raise TypeError(
                f"{name}'s parameter {key}={value!r} cannot be stored in a safe model file: "
                f"it is {exc}, not data (loading it would mean running code). Set it to a "
                "plain value before saving (callbacks=None, an optimizer name such as "
                "'adam', an int random_state), or use joblib for models you trust."
            ) from None
    return encoded


def _fitted(estimator, names, arrays):
    encoded = {}
    for key in names:
        if hasattr(estimator, key):
            try:
                encoded[key] = encode(getattr(estimator, key), arrays)
            except NotStorable as exc:
                raise TypeError(f"{type(estimator).__name__}'s fitted {key} cannot be "
                                f"stored in a safe model file: it is {exc}.") from None
    return encoded


def describe(estimator, arrays):
    """The JSON description of fitted ``estimator``; its arrays are added to ``arrays``."""
    name = _class_name(estimator)
    check_is_fitted(estimator)
    if isinstance(estimator, Pipeline):
        # Every step's class first: a baseline is refused as such, not as unfitted.
        for _, part in estimator.steps:
            _class_name(part)
        return {
            "class": name,
            "params": _params(estimator, name, arrays, skip=("steps",)),
            "steps": [[step, describe(part, arrays)] for step, part in estimator.steps],
        }
    if isinstance(estimator, TorchHistoneEstimator):
        state = estimator.net_.module_.state_dict()
        return {
            "class": name,
            "params": _params(estimator, name, arrays),
            "fitted": _fitted(estimator, NETWORK_FITTED, arrays),
            "trained_on": str(estimator.net_.device),
            # .cpu(): a model trained on a GPU is stored, and loads, anywhere.
            "state_dict": [[key, encode(t.detach().cpu().numpy(), arrays)]
                           for key, t in state.items()],
        }
    description = {
        "class": name,
        "params": _params(estimator, name, arrays),
        "fitted": _fitted(estimator, BINNER_FITTED, arrays),
    }
    # set_output(transform="pandas") is no parameter, but the next step may depend on
    # the feature names it makes flow.
    transform = getattr(estimator, "_sklearn_output_config", {}).get("transform")
    if transform is not None:
        description["output"] = transform
    return description


def rebuild(description, arrays, device):
    """The fitted estimator ``description`` stands for (inverse of :func:`describe`)."""
    cls = CLASSES.get(description.get("class"))
    if cls is None:
        raise ValueError(f"the class {description.get('class')!r} is not one a model file "
                         f"may build ({', '.join(sorted(CLASSES))})")
    params = {key: decode(value, arrays) for key, value in description["params"].items()}
    if cls is Pipeline:
        if params.get("memory") is not None:
            raise ValueError("a pipeline with a cache (memory=) is never stored")
        steps = [(step, rebuild(part, arrays, device)) for step, part in description["steps"]]
        pipeline = Pipeline(steps, **params)
        pipeline._validate_params()
        return pipeline
    estimator = cls(**params)
    # The parameters' declared constraints, as fit would check them: a forged file gets
    # a message rather than a half-built model.
    estimator._validate_params()
    fitted = {key: decode(value, arrays) for key, value in description["fitted"].items()}
    if cls is HistoneBinner:
        if "output" in description:
            if description["output"] not in OUTPUTS:
                raise ValueError(f"unknown set_output transform {description['output']!r}")
            estimator.set_output(transform=description["output"])
        return _rebuild_binner(estimator, fitted)
    return _rebuild_network(estimator, fitted, description["state_dict"], arrays, device)


def _set_fitted(estimator, fitted, allowed):
    unknown = sorted(set(fitted) - set(allowed))
    if unknown:
        raise ValueError(f"{type(estimator).__name__} has no fitted attributes {unknown}")
    for key, value in fitted.items():
        setattr(estimator, key, value)


def _rebuild_binner(binner, fitted):
    # The binner's private layout (selection, crop, pooling weights) follows from its
    # parameters and input width alone: fitting on one zero gene of that width rebuilds
    # it with fit's own code; the learnt statistics are then put back.
    width = fitted["n_features_in_"]
    zeros = np.zeros((1, width))
    if "feature_names_in_" in fitted:
        zeros = pd.DataFrame(zeros, columns=fitted["feature_names_in_"])
    elif fitted.get("bin_size_in_") is not None and binner.bin_size is None:
        # The width it was fitted with came with its input (a window is cut by it).
        zeros = HistoneMatrix(zeros, fitted["marks_"], fitted["n_positions_"],
                              bin_size=fitted["bin_size_in_"])
    binner.fit(zeros)
    for key in ("marks_", "n_positions_", "selected_marks_", "n_bins_out_"):
        if getattr(binner, key) != fitted[key]:
            raise ValueError(f"HistoneBinner's {key} would be {getattr(binner, key)!r}, but "
                             f"the file says {fitted[key]!r}")
    _set_fitted(binner, fitted, BINNER_FITTED)
    return binner


def _rebuild_network(estimator, fitted, state_dict, arrays, device):
    estimator.set_params(device=device)
    device = estimator._check_device()
    _set_fitted(estimator, fitted, NETWORK_FITTED)
    state = {key: torch.from_numpy(np.array(decode(value, arrays)))
             for key, value in state_dict}
    # Building the module draws initial weights from torch's global generator; fork it
    # so loading a model leaves the caller's random stream where it was.
    with torch.random.fork_rng(devices=[]):
        net = estimator._make_net(estimator._n_outputs(), device, train_split=None,
                                  callbacks=[])
        net.initialize()
    net.module_.load_state_dict(state, strict=True)
    net.module_.eval()
    # As after fit without warm_start: no optimizer state (a warm fit makes a fresh one).
    net.optimizer_ = None
    estimator.net_ = net
    return estimator
