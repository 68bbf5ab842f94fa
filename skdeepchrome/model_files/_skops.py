"""The scikit-learn baselines in a model file, through ``skops.io`` and a fixed type list.

The baselines (SVM, random forest, logistic/ridge regression, gradient boosting) are
scikit-learn objects with many fitted internals; ``skops.io`` already stores them without
pickle. Its blob goes into the model file as one member, covered by the checksum.

skops builds only types it is told to trust, but it trusts every scikit-learn estimator
by default and cannot know whether their content is sound: a forged decision tree
crashes ``predict``, and the sizes in its ``schema.json`` are allocated as they come.
So a blob is loaded here only after it passed, in order:

1. its zip listing and members, streamed within the model file's size cap;
2. ``schema.json``: nesting depth, every type it names in :data:`TYPES` (the types the
   baselines are made of, not skops's defaults), every node loader in :data:`LOADERS`,
   nodes that share an id identical (skops builds the first it meets), every array
   member a plain ``.npy`` whose header describes exactly its bytes, and the sizes a
   decision tree is constructed with matching the arrays given for them;
3. after skops built the model, :func:`~skdeepchrome.model_files._checks.check_model`
   (tree nodes, gradient-boosting predictors, libsvm arrays, HistoneBinner's layout, no
   pipeline cache).

skops then reads a re-packed copy holding exactly the members checked. It is an
optional dependency (``pip install "skdeepchrome[skops]"``), imported only here.
"""

from __future__ import annotations

import io
import json
import zipfile

from sklearn.utils.validation import check_is_fitted

from .._lazy import LazyModule
from ..preprocessing import HistoneBinner, PeakFeatures
from . import _archive
from ._archive import ZIP_ERRORS, check_members, npy_array, npy_layout, parse_json, read_member
from ._bounds import MAX_FEATURES, MAX_OUTPUTS

#: The checks of scikit-learn's compiled models import sklearn.ensemble, sklearn.svm and
#: sklearn.tree (a tenth of a second): only a baseline's file needs them, not a network's.
_checks = LazyModule("._checks", __package__)

_BINNER = f"{HistoneBinner.__module__}.{HistoneBinner.__qualname__}"
#: ShallowChrome's feature step: plain numpy on its fitted layout, which its transform
#: checks against its input before indexing anything.
_PEAKS = f"{PeakFeatures.__module__}.{PeakFeatures.__qualname__}"
#: Where skdeepchrome's own types lived when earlier versions wrote their files: such a
#: file names the binner by its old module, which is read as the binner's present home.
FORMER_PATHS = {("skdeepchrome.binning", "HistoneBinner"): HistoneBinner.__module__}
#: Types beyond skops's defaults that the baselines of
#: :func:`skdeepchrome.baselines.make_model` are made of, and that skops must be told to
#: trust. HistoneBinner is named by the module that defines it, as skops records it (a
#: literal path went stale when the class moved, and every baseline was refused on save).
TRUSTED = (
    _BINNER,
    _PEAKS,
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.tree._tree.Tree",
)
#: Every type a baseline's blob may name: the baselines' estimators and what they hold.
#: A scikit-learn type outside it is refused even where skops trusts it by default (its
#: compiled code may index arrays the file controls, unchecked here).
TYPES = frozenset((
    *TRUSTED,
    *(f"builtins.{name}" for name in ("dict", "list", "tuple", "set", "str", "int", "float",
                                      "bool", "slice", "NoneType")),
    "numpy.ndarray",
    *(f"numpy.{name}" for name in ("float16", "float32", "float64", "int8", "int16",
                                   "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                                   "bool", "bool_", "str_")),
    "numpy.random._generator.Generator",
    "numpy.random.mtrand.RandomState",
    *(f"numpy.random._{name.lower()}.{name}" for name in ("PCG64", "PCG64DXSM", "MT19937",
                                                          "Philox", "SFC64")),
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.preprocessing._label.LabelEncoder",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.linear_model._ridge.Ridge",
    "sklearn.linear_model._ridge.RidgeCV",
    "sklearn.svm._classes.SVC",
    "sklearn.svm._classes.SVR",
    "sklearn.ensemble._forest.RandomForestClassifier",
    "sklearn.ensemble._forest.RandomForestRegressor",
    "sklearn.tree._classes.DecisionTreeClassifier",
    "sklearn.tree._classes.DecisionTreeRegressor",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting."
    "HistGradientBoostingClassifier",
    "sklearn.ensemble._hist_gradient_boosting.gradient_boosting."
    "HistGradientBoostingRegressor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    *(f"sklearn._loss.link.{name}" for name in ("Interval", "IdentityLink", "LogitLink",
                                                "HalfLogitLink", "MultinomialLogit")),
    *(f"sklearn._loss.loss.{name}" for name in ("HalfBinomialLoss", "HalfSquaredError",
                                                "HalfMultinomialLoss")),
    *(f"sklearn._loss._loss.{name}" for name in ("CyHalfBinomialLoss", "CyHalfSquaredError",
                                                 "CyHalfMultinomialLoss")),
))
#: skops node loaders a baseline's blob may use; bytes, sparse matrices, functions and
#: generic constructor calls are none of a baseline's.
LOADERS = frozenset(("DictNode", "ListNode", "TupleNode", "SetNode", "JsonNode",
                     "TypeNode", "SliceNode", "ObjectNode", "NdArrayNode", "TreeNode",
                     "LossNode", "RandomGeneratorNode", "RandomStateNode"))
MEMBER = "skops.skops"
SCHEMA = "schema.json"
#: The skops description of the largest baseline (500 trees of a random forest fitted on
#: the release's 6,601 genes) is about 20 MB of JSON; parsing costs ten times as much.
MAX_SCHEMA_BYTES = 2**26
#: dtype kinds of a skops blob's arrays: Tree and TreePredictor nodes are structured.
_NPY_KINDS = "biufUV"


class SkopsMissing(ImportError):
    """skops is not installed (the environment's problem, not the file's)."""


def _skops_io(purpose):
    try:
        import skops.io
    except ImportError:
        raise SkopsMissing(
            f"{purpose} needs skops, the \"skops\" extra: pip install -e '.[skops]' in the "
            "skdeepchrome clone (or pip install skops)."
        ) from None
    return skops.io


def untrusted(data):
    """The types ``data`` (a skops blob) names that are not trusted."""
    sio = _skops_io("reading a baseline model")
    return sorted(set(sio.get_untrusted_types(data=data)) - set(TRUSTED))


def _nodes(schema):
    """Every skops node (a dict with a ``__loader__``) of ``schema``, iteratively."""
    stack = [schema]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "__loader__" in item:
                yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _json_int(node, what):
    if not isinstance(node, dict) or node.get("__loader__") != "JsonNode":
        raise ValueError(f"{what} is not a plain number")
    value = json.loads(node.get("content", "null"))
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} is {value!r}, not an integer")
    return value


def _check_tree_arguments(node, members):
    """Tree(n_features, n_classes, n_outputs) allocates n_outputs entries: match them."""
    args = node.get("__reduce__", {}).get("args", {})
    content = args.get("content") if isinstance(args, dict) else None
    if args.get("__loader__") != "TupleNode" or not isinstance(content, list) or (
            len(content) != 3):
        raise ValueError("a decision tree is built from other than (n_features, n_classes, "
                         "n_outputs)")
    n_features = _json_int(content[0], "a decision tree's number of features")
    n_outputs = _json_int(content[2], "a decision tree's number of outputs")
    classes = content[1]
    if not isinstance(classes, dict) or classes.get("__loader__") != "NdArrayNode" or (
            classes.get("type") != "numpy" or classes.get("file") not in members):
        raise ValueError("a decision tree's classes are not an array")
    n_classes = npy_array(members[classes["file"]], "a decision tree's classes", "iu")
    if not 1 <= n_features <= MAX_FEATURES or not 1 <= n_outputs <= MAX_OUTPUTS or (
            n_classes.shape != (n_outputs,)) or (n_classes < 1).any():
        raise ValueError(f"a decision tree declares {n_features} features, {n_outputs} "
                         f"outputs and classes of shape {n_classes.shape}")


def _without_ids(value):
    """``value`` (parsed JSON) without skops's ``__id__`` keys, iteratively."""
    root = {"value": value}
    stack = [root]
    while stack:
        item = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict):
            item.pop("__id__", None)
        stack.extend(c for c in children if isinstance(c, (dict, list)))
    return root["value"]


def _present_paths(schema):
    """``schema`` with the modules of :data:`FORMER_PATHS` read as their present homes."""
    for node in _nodes(schema):
        moved = FORMER_PATHS.get((node.get("__module__"), node.get("__class__")))
        if moved is not None:
            node["__module__"] = moved
    return schema


def check_schema(schema, members):
    """Refuse (ValueError) a skops ``schema`` that loading could not bound or trust.

    ``schema`` must be free of ``__id__`` keys (see :func:`checked_blob`), so that each
    node checked here is the node skops builds.
    """
    nodes = list(_nodes(schema))
    unknown = sorted({f"{n.get('__module__')}.{n.get('__class__')}" for n in nodes}
                     - TYPES)
    if unknown:
        raise ValueError(f"the baseline model names types that are not trusted: "
                         f"{', '.join(unknown)}")
    referenced = 0
    for node in nodes:
        loader = node["__loader__"]
        if loader not in LOADERS:
            raise ValueError(f"the skops file uses a {loader}, which no baseline holds")
        if loader == "NdArrayNode" and node.get("type") == "numpy":
            if node.get("file") not in members:
                raise ValueError(f"the skops file lacks its array {node.get('file')!r}")
            data = members[node["file"]]
            npy_layout(data, f"the skops array {node['file']}", _NPY_KINDS)
            # Each reference is built anew: a member named many times costs each time.
            referenced += len(data)
            if referenced > _archive.MAX_CONTENT_BYTES:
                raise ValueError("the skops file refers to more array bytes than a model "
                                 f"file may hold ({_archive.MAX_CONTENT_BYTES})")
        elif loader == "TreeNode":
            _check_tree_arguments(node, members)


def checked_blob(data):
    """``data`` (a skops blob) re-packed from its checked members; ValueError if unsound.

    skops builds the first node of an ``__id__`` it meets and reuses it wherever the id
    comes again, whatever content those places give; the ids are dropped from the
    re-packed schema, so that every node is built from the content checked here (an
    object stored twice is then built twice: equal, no longer identical).
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        check_members(infos, "the skops blob")
        # Read at call time, so that the cap can be lowered (the tests do).
        members, left = {}, _archive.MAX_CONTENT_BYTES
        for info in infos:
            limit = MAX_SCHEMA_BYTES if info.filename == SCHEMA else left
            members[info.filename] = read_member(archive, info, "the skops blob", limit)
            left -= len(members[info.filename])
    if SCHEMA not in members:
        raise ValueError(f"the skops blob has no {SCHEMA}")
    schema = parse_json(members.pop(SCHEMA), f"the skops blob's {SCHEMA}")
    if not isinstance(schema, dict):
        raise ValueError(f"the skops blob's {SCHEMA} is not a skops schema")
    schema = _present_paths(_without_ids(schema))
    check_schema(schema, members)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as clean:
        clean.writestr(SCHEMA, json.dumps(schema))
        for name, content in members.items():
            clean.writestr(name, content)
    return buffer.getvalue()


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
    # What load_model would refuse is refused now, while the model can still be changed.
    try:
        checked_blob(data)
        _checks.check_model(estimator)
    except ValueError as exc:
        raise TypeError(f"a model file cannot hold it: {exc}") from None
    import skops

    return {"class": "skops", "member": MEMBER, "skops_version": skops.__version__}, data


def load(data):
    """The estimator of a skops blob, once the blob and the model built from it checked out.

    Raises ValueError (or whatever a forged blob makes skops raise) for an unsound blob;
    the caller turns it into a ModelFileError naming the file.
    """
    sio = _skops_io("reading a baseline model")
    try:
        data = checked_blob(data)
    except ZIP_ERRORS as exc:
        if isinstance(exc, ValueError):
            raise
        raise ValueError(f"the skops blob is not a readable zip archive ({exc})") from None
    unknown = untrusted(data)
    if unknown:
        raise ValueError(f"the baseline model names types that are not trusted: "
                         f"{', '.join(unknown)}")
    trusted = sorted(set(sio.get_untrusted_types(data=data)))
    model = sio.loads(data, trusted=trusted)
    _checks.check_model(model)
    return model
