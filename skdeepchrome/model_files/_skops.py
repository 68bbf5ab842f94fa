"""The scikit-learn baselines in a model file, through ``skops.io`` and a fixed trust list.

The baselines (SVM, random forest, logistic/ridge regression, gradient boosting) are
scikit-learn objects with many fitted internals; ``skops.io`` already stores them without
pickle. Its blob goes into the model file as one member, covered by the checksum, and is
loaded only if every type it names is skops's default-trusted (scikit-learn, NumPy,
SciPy, builtins) or in :data:`TRUSTED`. skops is an optional dependency
(``pip install "skdeepchrome[skops]"``), imported only here.
"""

from __future__ import annotations

from sklearn.utils.validation import check_is_fitted

from ..preprocessing import HistoneBinner

#: Types beyond skops's defaults that the baselines of
#: :func:`skdeepchrome.baselines.make_model` are made of. skops names a type by the module
#: that defines it, so the binner is named from the class itself (it moved once already).
TRUSTED = (
    f"{HistoneBinner.__module__}.{HistoneBinner.__qualname__}",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.tree._tree.Tree",
)
MEMBER = "skops.skops"


def _skops_io(purpose):
    try:
        import skops.io
    except ImportError:
        raise ImportError(
            f"{purpose} needs skops: pip install 'skdeepchrome[skops]' (or pip install "
            "skops)."
        ) from None
    return skops.io


def untrusted(data):
    """The types ``data`` (a skops blob) names that are not trusted."""
    sio = _skops_io("reading a baseline model")
    return sorted(set(sio.get_untrusted_types(data=data)) - set(TRUSTED))


def dump(estimator):
    """``(description, blob)`` for ``estimator``, or a TypeError saying why it cannot be."""
    try:
        sio = _skops_io("saving a scikit-learn model")
    except ImportError as exc:
        raise TypeError(str(exc)) from None
    check_is_fitted(estimator)
    if getattr(estimator, "memory", None) is not None:
        raise TypeError("its memory= cache holds pickles that a refit would load; set "
                        "memory=None before saving")
    try:
        data = sio.dumps(estimator)
    except (TypeError, ValueError, AttributeError) as exc:
        raise TypeError(f"skops cannot store it ({exc})") from None
    unknown = untrusted(data)
    if unknown:
        raise TypeError(f"it holds types a model file does not trust: {', '.join(unknown)}")
    import skops

    return {"class": "skops", "member": MEMBER, "skops_version": skops.__version__}, data


def load(data):
    """The estimator of a skops blob, if it names only trusted types."""
    unknown = untrusted(data)
    if unknown:
        raise ValueError(f"the baseline model names types that are not trusted: "
                         f"{', '.join(unknown)}")
    sio = _skops_io("reading a baseline model")
    trusted = sorted(set(sio.get_untrusted_types(data=data)))
    return sio.loads(data, trusted=trusted)
