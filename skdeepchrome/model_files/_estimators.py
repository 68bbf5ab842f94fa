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
    ChromoformerClassifier,
    DeepChromeClassifier,
    DeepChromeRegressor,
    HMCRNNClassifier,
    TorchHistoneEstimator,
    TransferChromeClassifier,
)
from ..layout import HistoneMatrix
from ..preprocessing import HistoneBinner
from ._bounds import MAX_FEATURES, MAX_OUTPUTS, binner_bounds
from ._values import NotStorable, decode, encode

CLASSES = {
    cls.__name__: cls
    for cls in (Pipeline, HistoneBinner, DeepChromeClassifier, DeepChromeRegressor,
                AttentiveChromeClassifier, ChromoformerClassifier, TransferChromeClassifier,
                HMCRNNClassifier)
}

NETWORK_FITTED = ("n_features_in_", "feature_names_in_", "marks_", "n_bins_", "classes_",
                  "class_weights_", "y_mean_", "y_scale_", "n_epochs_", "best_epoch_",
                  "torch_threads_", "bin_width_")
BINNER_FITTED = ("n_features_in_", "feature_names_in_", "marks_", "n_positions_",
                 "selected_marks_", "n_bins_out_", "mark_mean_", "mark_std_", "bin_size_in_",
                 "bin_size_out_")
#: What ``set_output(transform=...)`` may be.
OUTPUTS = ("default", "pandas", "polars")
#: Parameters that size a network's layers (each is at most the number of weights).
LAYER_SIZES = ("n_filters", "kernel_size", "hidden_sizes", "bin_hidden_size",
               "mark_hidden_size", "hidden_size", "d_model", "dim_feedforward",
               "growth_rate", "n_heads", "n_layers", "n_blocks", "layers_per_block")
#: Intra-op threads a loaded network may ask torch for at predict time.
MAX_THREADS = 1024


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


def _mapping(value, what):
    if not isinstance(value, dict):
        raise ValueError(f"{what} is not a JSON object")
    return value


def rebuild(description, arrays, device):
    """The fitted estimator ``description`` stands for (inverse of :func:`describe`).

    Every size the description gives is checked against bounds and against the arrays
    stored before it is allocated: the input width, a binner's pooling matrix, a
    network's layers (built first on torch's "meta" device, which allocates nothing,
    and compared with the stored weights).
    """
    description = _mapping(description, "a model description")
    cls = CLASSES.get(description.get("class"))
    if cls is None:
        raise ValueError(f"the class {description.get('class')!r} is not one a model file "
                         f"may build ({', '.join(sorted(CLASSES))})")
    params = {key: decode(value, arrays)
              for key, value in _mapping(description.get("params"), "params").items()}
    if cls is Pipeline:
        if params.get("memory") is not None:
            raise ValueError("a pipeline with a cache (memory=) is never stored")
        steps = description.get("steps")
        if not isinstance(steps, list) or not steps or any(
                not isinstance(s, list) or len(s) != 2 or not isinstance(s[0], str)
                for s in steps):
            raise ValueError("a pipeline's steps are not [name, description] pairs")
        steps = [(step, rebuild(part, arrays, device)) for step, part in steps]
        pipeline = Pipeline(steps, **params)
        pipeline._validate_params()
        return pipeline
    estimator = cls(**params)
    # The parameters' declared constraints, as fit would check them: a forged file gets
    # a message rather than a half-built model.
    estimator._validate_params()
    fitted = {key: decode(value, arrays)
              for key, value in _mapping(description.get("fitted"), "fitted").items()}
    if cls is HistoneBinner:
        if "output" in description:
            if description["output"] not in OUTPUTS:
                raise ValueError(f"unknown set_output transform {description['output']!r}")
            estimator.set_output(transform=description["output"])
        return _rebuild_binner(estimator, fitted)
    state_dict = description.get("state_dict")
    if not isinstance(state_dict, list) or any(
            not isinstance(p, list) or len(p) != 2 or not isinstance(p[0], str)
            for p in state_dict):
        raise ValueError("a network's state_dict is not [name, array] pairs")
    return _rebuild_network(estimator, fitted, state_dict, arrays, device)


def _set_fitted(estimator, fitted, allowed):
    unknown = sorted(set(fitted) - set(allowed))
    if unknown:
        raise ValueError(f"{type(estimator).__name__} has no fitted attributes {unknown}")
    for key, value in fitted.items():
        setattr(estimator, key, value)


def _width(fitted, name):
    """The input width ``n_features_in_``, bounded, and its feature names' count."""
    width = fitted.get("n_features_in_")
    if isinstance(width, bool) or not isinstance(width, int) or not (
            1 <= width <= MAX_FEATURES):
        raise ValueError(f"{name}'s n_features_in_ is {width!r}, not a width from 1 to "
                         f"{MAX_FEATURES}")
    names = fitted.get("feature_names_in_")
    if names is not None and (not isinstance(names, np.ndarray) or names.shape != (width,)):
        raise ValueError(f"{name} has {np.shape(names)} feature names for {width} features")
    return width


def _rebuild_binner(binner, fitted):
    # The binner's private layout (selection, crop, pooling weights) follows from its
    # parameters and input width alone: fitting on one zero gene of that width rebuilds
    # it with fit's own code; the learnt statistics are then put back.
    width = _width(fitted, "HistoneBinner")
    binner_bounds(binner, width)
    zeros = np.zeros((1, width))
    if "feature_names_in_" in fitted:
        zeros = pd.DataFrame(zeros, columns=fitted["feature_names_in_"])
    elif fitted.get("bin_size_in_") is not None and binner.bin_size is None:
        # The width it was fitted with came with its input (a window is cut by it).
        zeros = HistoneMatrix(zeros, fitted["marks_"], fitted["n_positions_"],
                              bin_size=fitted["bin_size_in_"])
    binner.fit(zeros)
    for key in ("marks_", "n_positions_", "selected_marks_", "n_bins_out_"):
        if getattr(binner, key) != fitted.get(key):
            raise ValueError(f"HistoneBinner's {key} would be {getattr(binner, key)!r}, but "
                             f"the file says {fitted.get(key)!r}")
    for key in ("mark_mean_", "mark_std_"):
        # As fit makes them (finite floats, one per selected mark), or absent with it.
        made = getattr(binner, key, None)
        given = fitted.get(key)
        if (made is None) != (given is None) or given is not None and (
                not isinstance(given, np.ndarray) or given.dtype.kind != "f"
                or given.shape != made.shape or not np.isfinite(given).all()):
            shape = "absent" if made is None else f"{made.shape} finite numbers"
            raise ValueError(f"HistoneBinner's {key} is not {shape}, as fit makes it")
    _set_fitted(binner, fitted, BINNER_FITTED)
    return binner


def _check_network_sizes(estimator, fitted, state):
    """Refuse sizes the stored weights cannot back, before any layer is allocated."""
    name = type(estimator).__name__
    width = _width(fitted, name)
    marks, n_bins = fitted.get("marks_"), fitted.get("n_bins_")
    if not isinstance(marks, tuple) or not marks or not all(isinstance(m, str) for m in marks):
        raise ValueError(f"{name}'s marks_ are not a tuple of mark names")
    if isinstance(n_bins, bool) or not isinstance(n_bins, int) or n_bins * len(marks) != width:
        raise ValueError(f"{name} has {len(marks)} marks and n_bins_={n_bins!r}, which do not "
                         f"make its {width} features")
    classes = fitted.get("classes_")
    if classes is not None and (not isinstance(classes, np.ndarray) or classes.ndim != 1
                                or not 1 <= len(classes) <= MAX_OUTPUTS):
        raise ValueError(f"{name}'s classes_ are not a list of at most {MAX_OUTPUTS} labels")
    threads = fitted.get("torch_threads_", 1)
    if isinstance(threads, bool) or not isinstance(threads, int) or not (
            1 <= threads <= MAX_THREADS):
        raise ValueError(f"{name}'s torch_threads_ is {threads!r}, not 1 to {MAX_THREADS}")
    n_weights = sum(t.numel() for t in state.values())
    for key in LAYER_SIZES:
        value = getattr(estimator, key, None)
        for size in value if isinstance(value, (list, tuple)) else [value]:
            if isinstance(size, int) and not isinstance(size, bool) and size > n_weights:
                raise ValueError(f"{name}'s {key}={value!r} needs more weights than the "
                                 f"{n_weights} stored")
    members = getattr(estimator, "n_members", 1)
    if isinstance(members, int) and members > 1:
        stacked = (hasattr(estimator._ensemble_module_class(), "member_outputs")
                   and not any(key.startswith("members.") for key in state))
        if stacked:
            # One array per weight, its first axis the members.
            held = min((t.shape[0] for t in state.values() if t.ndim), default=0)
            if members > max(1, held):
                raise ValueError(f"{name} has n_members={members} but its stored weights "
                                 f"hold {held} members")
        elif members > max(1, len(state)):
            raise ValueError(f"{name} has n_members={members} but only {len(state)} "
                             "stored weight arrays")


def _state(state_dict, arrays):
    state = {}
    for key, value in state_dict:
        array = decode(value, arrays)
        if not isinstance(array, np.ndarray) or array.dtype.kind not in "biuf":
            raise ValueError(f"the network weight {key!r} is not a numeric array")
        if key in state:
            raise ValueError(f"the network weight {key!r} is stored twice")
        state[key] = torch.from_numpy(np.array(array))
    return state


def _rebuild_network(estimator, fitted, state_dict, arrays, device):
    estimator.set_params(device=device)
    device = estimator._check_device()
    _set_fitted(estimator, fitted, NETWORK_FITTED)
    state = _state(state_dict, arrays)
    _check_network_sizes(estimator, fitted, state)
    n_outputs = estimator._n_outputs()
    # The module the parameters describe (as _make_net composes it), first on the "meta"
    # device: shapes without memory, so layer sizes the stored weights do not back
    # allocate nothing.
    module, module_params = estimator._module_class, estimator._module_params(n_outputs)
    members = estimator._n_members()
    if members > 1:
        ensemble = estimator._ensemble_module_class()
        module_params = dict(estimator._ensemble_module_params(module_params),
                             n_members=members)
        module = ensemble
        if hasattr(ensemble, "state_from_members"):
            # A file written when the members were separate networks (MemberAverage's
            # per-member weights): stacked as the batched module keeps them.
            state = ensemble.state_from_members(state)
    with torch.device("meta"):
        meta = module(**module_params)
    expected = {key: (tuple(t.shape), t.dtype) for key, t in meta.state_dict().items()}
    given = {key: (tuple(t.shape), t.dtype) for key, t in state.items()}
    if expected != given:
        differing = sorted(k for k in set(expected) | set(given)
                           if expected.get(k) != given.get(k))
        key = differing[0]
        raise ValueError(f"the stored weights do not fit the network its parameters "
                         f"describe ({len(differing)} differ; {key!r}: stored "
                         f"{given.get(key, 'none')}, the network's {expected.get(key, 'none')})")
    # Building the module draws initial weights from torch's global generator; fork it
    # so loading a model leaves the caller's random stream where it was.
    with torch.random.fork_rng(devices=[]):
        net = estimator._make_net(n_outputs, device, train_split=None, callbacks=[])
        _initialize_without_optimizer(net)
    net.module_.load_state_dict(state, strict=True)
    net.module_.eval()
    estimator.net_ = net
    return estimator


def _initialize_without_optimizer(net):
    """skorch's ``NeuralNet.initialize``, with the optimizer registered but not built.

    As after fit without warm_start, a loaded model has no optimizer state; a further fit
    (``warm_start``, ``partial_fit``) builds the optimizer when it starts, under the name
    registered here, as skorch's ``initialize`` would have left it. Not building one keeps
    loading cheap: torch's first optimizer imports its compiler (``torch._dynamo``, about
    1.5 s, half of a cold ``skdeepchrome predict``). The steps are skorch's own
    (``initialize`` and ``_register_attribute`` of skorch 1.x), in its order.
    """
    net.check_training_readiness()
    net._initialize_virtual_params()
    net._initialize_callbacks()
    net._initialize_module()
    net._initialize_criterion()
    with net._current_init_context("optimizer"):
        net._register_attribute("optimizer_", None)
    net.optimizer_ = None
    net._initialize_history()
    net._validate_params()
    net.initialized_ = True
