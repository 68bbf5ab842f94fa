"""Checks of a scikit-learn model built from a file, before anything predicts with it.

skops builds only trusted types, but it cannot know whether their content is sound, and
scikit-learn's compiled predictors index their arrays without bounds checks: a decision
tree whose child index points outside it, or a histogram-gradient-boosting node whose
feature is past the input's width, reads arbitrary memory (a segfault at ``predict``,
not an exception). :func:`check_model` walks everything a loaded model holds and
refuses, with a ValueError, every structure the package knows to be indexed blindly
(decision trees anywhere, histogram-gradient-boosting predictors, libsvm models) unless
its arrays are consistent, every size it allocates from unless it matches the arrays
present, a pipeline cache (``memory=``), and a HistoneBinner whose fitted layout is not
the one its parameters give.

Only a baseline's file (a skops blob) needs these checks: :mod:`._skops` imports this
module when it first checks a model, so loading a network does not import the
scikit-learn modules above. The size bounds both kinds of file share are in
:mod:`._bounds`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.ensemble._forest import BaseForest
from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE
from sklearn.ensemble._hist_gradient_boosting.gradient_boosting import (
    BaseHistGradientBoosting,
)
from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
from sklearn.svm._base import BaseLibSVM
from sklearn.tree import BaseDecisionTree
from sklearn.tree._tree import Tree

from ..layout import HistoneMatrix
from ..preprocessing import HistoneBinner
from ._bounds import MAX_FEATURES, MAX_OUTPUTS, binner_bounds, integer

#: kernels libsvm computes from the support vectors alone ("precomputed" and callables
#: index the input by the stored support indices).
SVM_KERNELS = ("linear", "poly", "rbf", "sigmoid")


def _array(value, what, kinds, ndim=None, shape=None):
    if not isinstance(value, np.ndarray) or value.dtype.kind not in kinds:
        raise ValueError(f"{what} is not an array of the expected type")
    if ndim is not None and value.ndim != ndim:
        raise ValueError(f"{what} has {value.ndim} dimensions, not {ndim}")
    if shape is not None and value.shape != tuple(shape):
        raise ValueError(f"{what} has shape {value.shape}, not {tuple(shape)}")
    return value


def _check_children(left, right, what):
    """Each node's children are both -1 (a leaf) or both later nodes of the tree.

    Children after their parent is how scikit-learn builds both kinds of tree; it also
    makes every path end (no cycle), so prediction cannot loop forever.
    """
    n = len(left)
    index = np.arange(n)
    leaf = (left == -1) & (right == -1)
    inside = (left > index) & (left < n) & (right > index) & (right < n)
    bad = np.flatnonzero(~(leaf | inside))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"{what}: node {i} has children {int(left[i])}, {int(right[i])}, "
                         f"outside the tree's {n} nodes (a forged or damaged tree)")
    return ~leaf


def check_tree(tree, what="a decision tree", n_features=None):
    """Refuse a ``sklearn.tree._tree.Tree`` whose nodes or sizes are inconsistent."""
    count = integer(tree.node_count, f"{what}'s node count", 1)
    if tree.capacity != count:
        raise ValueError(f"{what} declares {count} nodes but holds {tree.capacity}")
    integer(tree.n_outputs, f"{what}'s number of outputs", 1, MAX_OUTPUTS)
    classes = np.asarray(tree.n_classes)
    if classes.shape != (tree.n_outputs,) or (classes < 1).any():
        raise ValueError(f"{what} has {tree.n_outputs} outputs but classes {classes}")
    integer(tree.max_depth, f"{what}'s depth", 0, count)
    width = integer(tree.n_features, f"{what}'s number of features", 1, MAX_FEATURES)
    if n_features is not None and width != n_features:
        raise ValueError(f"{what} splits {width} features, but the model takes {n_features}")
    internal = _check_children(tree.children_left, tree.children_right, what)
    feature = tree.feature[internal]
    if ((feature < 0) | (feature >= width)).any():
        bad = int(feature[(feature < 0) | (feature >= width)][0])
        raise ValueError(f"{what} splits on feature {bad}, outside 0..{width - 1}")
    # +inf is a legitimate threshold (missing values sent one way); NaN is no threshold.
    if np.isnan(tree.threshold[internal]).any():
        raise ValueError(f"{what} has a split without a threshold (NaN)")
    if tree.value.shape != (count, tree.n_outputs, tree.max_n_classes):
        raise ValueError(f"{what}'s values have shape {tree.value.shape}")


def _check_decision_tree(estimator, what):
    tree = estimator.tree_
    if not isinstance(tree, Tree):
        raise ValueError(f"{what}'s tree_ is a {type(tree).__name__}, not a Tree")
    n_features = integer(estimator.n_features_in_, f"{what}'s n_features_in_", 1,
                          MAX_FEATURES)
    check_tree(tree, what, n_features)
    n_outputs = integer(estimator.n_outputs_, f"{what}'s n_outputs_", 1, MAX_OUTPUTS)
    if n_outputs != tree.n_outputs:
        raise ValueError(f"{what} has n_outputs_={n_outputs} but its tree {tree.n_outputs}")
    if hasattr(estimator, "classes_"):
        _check_classes(estimator, tree.n_classes, what)


def _check_classes(estimator, tree_classes, what):
    classes = estimator.classes_
    n_classes = np.atleast_1d(estimator.n_classes_)
    listed = classes if isinstance(classes, list) else [classes]
    if len(listed) != len(n_classes) or any(
            np.shape(c) != (int(n),) for c, n in zip(listed, n_classes)):
        raise ValueError(f"{what}'s n_classes_ {n_classes.tolist()} do not match its classes_")
    if tree_classes is not None and not np.array_equal(n_classes, tree_classes):
        raise ValueError(f"{what} has classes {n_classes.tolist()} but its trees "
                         f"{np.asarray(tree_classes).tolist()}")


def _check_forest(estimator, what):
    """A forest's sizes (outputs, classes) match those of its trees."""
    n_features = integer(estimator.n_features_in_, f"{what}'s n_features_in_", 1,
                          MAX_FEATURES)
    trees = estimator.estimators_
    if not isinstance(trees, list) or not trees:
        raise ValueError(f"{what} holds no trees")
    n_outputs = integer(estimator.n_outputs_, f"{what}'s n_outputs_", 1, MAX_OUTPUTS)
    for tree in trees:
        if not isinstance(tree, BaseDecisionTree):
            raise ValueError(f"{what} holds a {type(tree).__name__} among its trees")
        if tree.n_features_in_ != n_features or tree.n_outputs_ != n_outputs:
            raise ValueError(f"{what}'s trees take other inputs or outputs than the forest")
        if hasattr(estimator, "classes_"):
            _check_classes(estimator, tree.tree_.n_classes, what)


def check_predictor(predictor, n_features, what):
    """Refuse a histogram-gradient-boosting ``TreePredictor`` that predict would overrun."""
    nodes = predictor.nodes
    if not isinstance(nodes, np.ndarray) or nodes.dtype != PREDICTOR_RECORD_DTYPE or (
            nodes.ndim != 1 or len(nodes) == 0):
        raise ValueError(f"{what}'s nodes are not a 1-D array of tree nodes")
    leaf = nodes["is_leaf"].astype(bool)
    left = np.where(leaf, -1, nodes["left"].astype(np.int64))
    right = np.where(leaf, -1, nodes["right"].astype(np.int64))
    internal = _check_children(left, right, what)
    feature = nodes["feature_idx"][internal]
    if ((feature < 0) | (feature >= n_features)).any():
        raise ValueError(f"{what} splits on a feature outside 0..{n_features - 1}")
    for name in ("binned_left_cat_bitsets", "raw_left_cat_bitsets"):
        bitsets = getattr(predictor, name)
        _array(bitsets, f"{what}'s {name}", "u", ndim=2)
        if bitsets.dtype != np.uint32 or bitsets.shape[1] != 8:
            raise ValueError(f"{what}'s {name} are not 8 uint32 words per split")
    categorical = internal & nodes["is_categorical"].astype(bool)
    n_bitsets = min(len(predictor.binned_left_cat_bitsets),
                    len(predictor.raw_left_cat_bitsets))
    if (nodes["bitset_idx"][categorical] >= n_bitsets).any():
        raise ValueError(f"{what} has a categorical split without its bitset")


def _check_hist_gradient_boosting(estimator, what):
    n_features = integer(estimator.n_features_in_, f"{what}'s n_features_in_", 1,
                          MAX_FEATURES)
    n_trees = integer(estimator.n_trees_per_iteration_, f"{what}'s trees per iteration",
                       1, MAX_OUTPUTS)
    predictors = estimator._predictors
    if not isinstance(predictors, list) or any(
            not isinstance(row, list) or len(row) != n_trees for row in predictors):
        raise ValueError(f"{what}'s predictors are not {n_trees} per iteration")
    for i, row in enumerate(predictors):
        for predictor in row:
            if not isinstance(predictor, TreePredictor):
                raise ValueError(f"{what} holds a {type(predictor).__name__} as a predictor")
            check_predictor(predictor, n_features, f"{what}'s tree {i}")
    categorical = getattr(estimator._bin_mapper, "is_categorical_", None)
    _array(categorical, f"{what}'s categorical-feature mask", "biu", shape=(n_features,))
    baseline = np.asarray(estimator._baseline_prediction)
    if baseline.size != n_trees:
        raise ValueError(f"{what}'s baseline prediction has {baseline.size} values, not "
                         f"{n_trees}")


def _check_libsvm(estimator, what):
    """The arrays libsvm reads through raw pointers agree in size with one another."""
    if estimator.kernel not in SVM_KERNELS:
        raise ValueError(f"{what} has kernel {estimator.kernel!r}; a model file holds SVMs "
                         f"with the kernels {list(SVM_KERNELS)}")
    if getattr(estimator, "_sparse", False):
        raise ValueError(f"{what} was fitted on sparse input, which a model file does not hold")
    n_features = integer(estimator.n_features_in_, f"{what}'s n_features_in_", 1,
                          MAX_FEATURES)
    vectors = _array(estimator.support_vectors_, f"{what}'s support vectors", "f", ndim=2)
    n_sv = vectors.shape[0]
    if vectors.shape[1] != n_features:
        raise ValueError(f"{what}'s support vectors have {vectors.shape[1]} features, not "
                         f"{n_features}")
    _array(estimator.support_, f"{what}'s support", "i", shape=(n_sv,))
    n_support = _array(estimator._n_support, f"{what}'s support counts", "i", ndim=1)
    n_class = len(n_support)
    if n_class < 2 or n_class > MAX_OUTPUTS or (n_support < 0).any():
        raise ValueError(f"{what} has support counts {n_support.tolist()}")
    if hasattr(estimator, "classes_") and n_support.sum() != n_sv:
        raise ValueError(f"{what}'s support counts add up to {int(n_support.sum())}, not "
                         f"its {n_sv} support vectors")
    _array(estimator._dual_coef_, f"{what}'s dual coefficients", "f",
           shape=(n_class - 1, n_sv))
    pairs = n_class * (n_class - 1) // 2
    _array(estimator._intercept_, f"{what}'s intercepts", "f", shape=(pairs,))
    for name in ("_probA", "_probB"):
        probability = _array(getattr(estimator, name), f"{what}'s {name}", "f", ndim=1)
        if len(probability) not in (0, pairs):
            raise ValueError(f"{what}'s {name} has {len(probability)} values, not {pairs}")
    if hasattr(estimator, "classes_") and len(estimator.classes_) != n_class:
        raise ValueError(f"{what} has {len(estimator.classes_)} classes but {n_class} "
                         "support counts")
    if not np.isfinite([estimator._gamma, estimator.coef0]).all():
        raise ValueError(f"{what} has a non-finite kernel parameter")
    integer(estimator.degree, f"{what}'s degree", 0, 1000)


def check_binner(binner, what="HistoneBinner"):
    """Refuse a binner whose fitted layout is not what its parameters and width give.

    The layout (selection, crop, pooling weights) is recomputed with fit's own code from
    an all-zero gene of the stored width, after bounding that width and the pooling
    matrix it implies; the learnt statistics must have the shapes fit gives them.
    """
    width = integer(getattr(binner, "n_features_in_", None), f"{what}'s n_features_in_", 1,
                     MAX_FEATURES)
    binner_bounds(binner, width)
    fresh = HistoneBinner(**binner.get_params())
    zeros = np.zeros((1, width))
    names = getattr(binner, "feature_names_in_", None)
    carried = getattr(binner, "bin_size_in_", None)
    if names is not None:
        _array(names, f"{what}'s feature names", "OU", shape=(width,))
        # A DataFrame, as the binner was fitted on: feature_names_in_ comes with it.
        fresh.fit(pd.DataFrame(zeros, columns=names))
    elif carried is not None and binner.bin_size is None:
        # The width came with its input (a window is cut by it), as load_model's native
        # path rebuilds it.
        if not isinstance(carried, float) or not np.isfinite(carried) or carried <= 0:
            raise ValueError(f"{what}'s bin_size_in_ is {carried!r}, not a width in bp")
        fresh.fit(HistoneMatrix(zeros, binner.marks_, binner.n_positions_, bin_size=carried))
    else:
        fresh.fit(zeros)
    fitted = {k: v for k, v in vars(binner).items() if k not in fresh.get_params()}
    expected = {k: v for k, v in vars(fresh).items() if k not in fresh.get_params()}
    for key in ("mark_mean_", "mark_std_"):
        if key in expected:
            value = _array(fitted.get(key), f"{what}'s {key}", "f",
                           shape=expected[key].shape)
            if not np.isfinite(value).all():
                raise ValueError(f"{what}'s {key} is not finite")
            fitted[key] = expected[key] = None
    fitted.pop("_sklearn_output_config", None)
    expected.pop("_sklearn_output_config", None)
    if set(fitted) != set(expected) or any(
            not _same(fitted[k], expected[k]) for k in expected):
        differing = sorted(k for k in set(fitted) | set(expected)
                           if k not in fitted or k not in expected
                           or not _same(fitted[k], expected[k]))
        raise ValueError(f"{what}'s fitted layout {differing} is not the one its parameters "
                         "and input width give")


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                and a.dtype == b.dtype and np.array_equal(a, b))
    return type(a) is type(b) and a == b


def _children(obj):
    if isinstance(obj, dict):
        return list(obj.keys()) + list(obj.values())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return list(obj)
    if isinstance(obj, np.ndarray):
        return list(obj.ravel()) if obj.dtype.hasobject else []
    if hasattr(obj, "__dict__") and not isinstance(obj, type):
        return list(vars(obj).values())
    return []


def check_model(model):
    """Walk everything ``model`` holds; ValueError for the first unsound part."""
    seen, stack = set(), [model]
    trees, predictors, checked = [], [], set()
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        what = type(obj).__name__
        if isinstance(obj, BaseEstimator) and getattr(obj, "memory", None) is not None:
            raise ValueError(f"a {what} with a cache (memory=) is never loaded: its cache "
                             "holds pickles that a refit would load")
        if isinstance(obj, BaseDecisionTree) and hasattr(obj, "tree_"):
            _check_decision_tree(obj, what)
            checked.add(id(obj.tree_))
        elif isinstance(obj, BaseForest) and hasattr(obj, "estimators_"):
            _check_forest(obj, what)
        elif isinstance(obj, BaseHistGradientBoosting) and hasattr(obj, "_predictors"):
            _check_hist_gradient_boosting(obj, what)
            checked.update(id(p) for row in obj._predictors for p in row)
        elif isinstance(obj, BaseLibSVM) and hasattr(obj, "support_vectors_"):
            _check_libsvm(obj, what)
        elif isinstance(obj, HistoneBinner) and hasattr(obj, "n_features_in_"):
            check_binner(obj)
        elif isinstance(obj, Tree):
            trees.append(obj)
        elif isinstance(obj, TreePredictor):
            predictors.append(obj)
        stack.extend(_children(obj))
    for tree in trees:
        if id(tree) not in checked:
            check_tree(tree)
    if any(id(predictor) not in checked for predictor in predictors):
        raise ValueError("a gradient-boosting tree outside its model cannot be checked")
