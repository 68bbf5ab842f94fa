"""What every skdeepchrome neural estimator shares: layout, weights, training, inference.

skorch runs the training loop; this base makes the result a plain scikit-learn estimator:
parameters stored unchanged, validation in ``fit``, fitted attributes ending in ``_``,
sample weights, reproducible seeding in every joblib/dask backend, bounded torch threads,
warm starts, and clear errors. A new model is a torch module plus a short class over
:class:`~skdeepchrome.estimators._classifier.TorchHistoneClassifier` or
:class:`~skdeepchrome.estimators._regressor.TorchHistoneRegressor` that declares its
architecture parameters and ``_module_params``.
"""

from __future__ import annotations

import copy
import inspect
import warnings
import weakref
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
    validate_data,
)
from skorch.callbacks import EarlyStopping
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from ..layout import REMC_MARKS, REMC_N_BINS, infer_bin_size, infer_marks, resolve_marks
from ..models import MemberAverage
from ._batches import TensorBatches
from ._denormals import denormals_flushed
from ._members import ELEMENTWISE, train_members
from ._threads import thread_budget, torch_threads
from ._validation_score import ScoreThenLoss, ValidationScore, check_metric, resolve_metric

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}

# Inference has no gradients to keep, so it can afford much larger batches than training.
PREDICT_BATCH_SIZE = 4096
# Below this many genes a forward pass is too short to amortise waking a thread pool.
SMALL_PREDICTION = 64

# float64 copies of fitted modules for small predictions, per skorch net; weak keys, so
# a copy lives as long as its model and never enters a pickle or the estimator's __dict__.
_FLOAT64_COPIES = weakref.WeakKeyDictionary()


#: The weights that go with each target, as the user passed them.
WEIGHT_NAMES = {"y": "sample_weight", "y_val": "sample_weight_val"}


def _silent(*args, **kwargs):
    pass


def _to_numpy(out):
    if isinstance(out, (tuple, list)):
        return tuple(_to_numpy(o) for o in out)
    return out.detach().cpu().numpy().astype(np.float64)


def _n_genes(X):
    """Rows of ``X`` as ``predict`` would count them (validation refuses what has none)."""
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) >= 1:
        return shape[0]
    return len(X) if hasattr(X, "__len__") else 0


def store_init_arguments(estimator, arguments):
    """Store ``__init__``'s arguments unchanged under their own names (scikit-learn's rule).

    Each estimator's ``__init__`` lists its parameters explicitly (so ``get_params``,
    ``clone`` and the docs see them) and ends with ``store_init_arguments(self, locals())``.
    """
    for name in type(estimator)._get_param_names():
        setattr(estimator, name, arguments[name])


def _width(X):
    """Features of ``X`` in the 2-D layout (a 3-D array's marks x bins)."""
    shape = np.shape(X)
    return shape[1] * (shape[2] if len(shape) == 3 else 1)


def _normalised(weight):
    """Weights scaled to mean 1: weighting changes the genes' shares, not the loss's scale."""
    return weight / weight.mean()


def expected_failed_checks(estimator):
    """The scikit-learn common checks ``estimator`` cannot pass, with the reason of each.

    For ``parametrize_with_checks(..., expected_failed_checks=expected_failed_checks)`` and
    ``check_estimator``: minibatch training cannot make an integer sample weight equal to
    that many copies of the gene, and a pair of cells (``DeepDiffRegressor``) never has an
    odd number of features. Estimators of other kinds have none.

    Examples
    --------
    >>> from skdeepchrome.estimators import DeepChromeClassifier, expected_failed_checks
    >>> sorted(expected_failed_checks(DeepChromeClassifier()))
    ['check_sample_weight_equivalence_on_dense_data']
    """
    return dict(getattr(estimator, "_expected_failed_checks", {}))


class TorchHistoneEstimator(BaseEstimator):
    """Base class of the neural estimators.

    Subclasses define ``_module_class``, ``_module_params(n_outputs)``, ``_net_class``,
    ``_criterion`` and the public ``fit`` / ``partial_fit`` / predict methods (the
    classifier and regressor bases do).
    """

    #: scikit-learn common checks that cannot hold for minibatch stochastic training, with
    #: the reason (see :func:`expected_failed_checks`).
    _expected_failed_checks = {
        "check_sample_weight_equivalence_on_dense_data": (
            "minibatch training: an integer weight w is not the same fit as w copies of the "
            "gene, since copies land in different batches and shift the validation split "
            "(scikit-learn marks its own stochastic estimators, e.g. SGDClassifier, likewise)"
        ),
    }

    _is_classifier = False

    _parameter_constraints: dict = {
        "marks": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"), list, tuple],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "optimizer_params": [None, dict],
        "criterion_params": [None, dict],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "early_stopping_metric": [StrOptions({"auto", "loss", "roc_auc", "r2"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "n_threads": [None, Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [None, list, tuple],
    }

    # -- input ---------------------------------------------------------------------------

    def _validate_X(self, X, *, reset):
        """Validated float32 2-D X; on ``reset`` also fixes ``marks_`` and ``n_bins_``."""
        carried = infer_marks(X)
        if reset:
            marks = self._declared_marks(X, carried)
        else:
            marks = self.marks_
            # A 3-D array carries a count, checked below; names are carried by
            # HistoneMatrix and '{mark}_binNNN' columns.
            named = carried is not None and np.ndim(X) == 2
            if named and tuple(carried) != tuple(marks):
                raise ValueError(
                    f"X carries the marks {list(carried)}, but {type(self).__name__} was "
                    f"fitted on {list(marks)}: the convolution's channels would be read "
                    "in the wrong order."
                )
        if not reset and self._is_ready(X):
            return X
        if not hasattr(X, "ndim") and not hasattr(X, "iloc"):
            X = np.asarray(X)
        if X.ndim == 3:
            if X.shape[1] != len(marks):
                raise ValueError(
                    f"3-D input has {X.shape[1]} marks on axis 1, but the estimator "
                    f"{'was fitted on' if not reset else 'declares'} {len(marks)} marks "
                    f"{list(marks)}."
                )
            X = np.asarray(X).reshape(X.shape[0], -1)
        X = validate_data(self, X, reset=reset, dtype=np.float32, ensure_all_finite=True)
        if reset:
            self.marks_ = resolve_marks(marks, X.shape[1])
            self.n_bins_ = X.shape[1] // len(self.marks_)
        return X

    def _is_ready(self, X):
        """A float32 2-D ndarray of the fitted width, finite: what validation would return.

        A fast path for prediction (scikit-learn's checks cost more than a one-gene
        forward pass); anything else, or anything wrong, goes through ``validate_data``
        and its messages.
        """
        return (
            isinstance(X, np.ndarray) and X.dtype == np.float32 and X.ndim == 2
            and X.shape[0] > 0 and X.shape[1] == self.n_features_in_
            and not hasattr(self, "feature_names_in_") and bool(np.isfinite(X).all())
        )

    def _declared_marks(self, X, carried):
        """The marks to fit on: the parameter, or with ``"auto"`` what ``X`` carries."""
        if self.marks != "auto":
            return resolve_marks(self.marks)
        if carried is not None:
            return carried
        width = np.shape(X)[1] if np.ndim(X) == 2 else None
        if width == len(REMC_MARKS) * REMC_N_BINS:
            # The release's own layout (5 marks x 100 bins, load_remc's arrays): the one
            # plain width that is documented, not guessed.
            return REMC_MARKS
        raise ValueError(
            f"{type(self).__name__}(marks='auto') cannot tell the mark layout of a plain "
            f"array of {width} columns: only HistoneBinner output, a 3-D array, "
            "'{mark}_binNNN' column names or the release's 5 marks x "
            f"{REMC_N_BINS} bins carry it. Pass marks= (a list of names or a count), or "
            "keep the names flowing through the steps before this one with "
            "pipeline.set_output(transform='pandas'). Steps that drop or reorder columns "
            "(SelectKBest, BaggingClassifier's max_features) lose the layout."
        )

    def _as_tensor(self, X):
        # Writable too: pandas output hands over read-only views, which torch warns about.
        return torch.from_numpy(np.require(X, np.float32, ["C", "W"])).reshape(
            len(X), len(self.marks_), self.n_bins_
        )

    def _validate_sample_weight(self, sample_weight, X, name="sample_weight"):
        weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True, copy=True
        )
        if not weight.sum() > 0:
            raise ValueError(
                f"{name}: every weight is zero; at least one gene needs a positive weight."
            )
        return weight

    def _validate_X_val(self, X_val):
        width = _width(X_val)
        if width != self.n_features_in_:
            raise ValueError(
                f"X_val has {width} features but the network's input X has "
                f"{self.n_features_in_}. In a Pipeline, X_val reaches this step "
                "untransformed: build the pipeline as Pipeline(steps, "
                "transform_input=['X_val']) with sklearn.set_config("
                "enable_metadata_routing=True) and "
                f"{type(self).__name__}().set_fit_request(X_val=True, y_val=True), "
                "so the earlier steps transform it."
            )
        return self._validate_X(X_val, reset=False)

    # -- the fitting template -------------------------------------------------------------
    # Subclasses say how a target is checked and encoded: ``_check_target(y, name)``,
    # ``_learn_target(y, X, sample_weight)`` (labels, class weights, target scale: what a
    # fresh fit learns), ``_encode_target(y, X, sample_weight, name)`` -> (encoded y,
    # weights), ``_n_outputs()`` and ``_stratify``.

    def fit(self, X, y, sample_weight=None, *, X_val=None, y_val=None,
            sample_weight_val=None):
        """Train the network (continuing the fitted one with ``warm_start=True``).

        Parameters
        ----------
        X : array-like of shape (n_genes, n_marks * n_bins) or (n_genes, n_marks, n_bins)
        y : array-like of shape (n_genes,)
            Labels (any: 0/1, -1/+1, strings, more than two classes) for a classifier,
            a continuous target (e.g. ``log1p`` expression) for a regressor.
        sample_weight : array-like of shape (n_genes,), default=None
            Non-negative weights of the genes in the training loss and in the
            early-stopping validation loss of the internal split (combined with
            ``class_weight``; a regressor also standardises its target with them).
        X_val, y_val : array-like, optional
            An explicit validation set (e.g. the release's ``valid.csv``) monitored for
            early stopping instead of holding out ``validation_fraction`` of ``X``. Inside
            a ``Pipeline``, build it with ``Pipeline(..., transform_input=["X_val"])``
            (metadata routing on) so the earlier steps transform it too.
        sample_weight_val : array-like of shape (n_val_genes,), default=None
            Weights of the validation genes.

        Returns
        -------
        self
        """
        self._validate_params()
        check_metric(self, self._is_classifier)
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        warm = self.warm_start and self._check_warm_layout(X)
        X = self._validate_training_X(X, reset=True, learn_width=not warm)
        y = self._check_target(y, "y")
        check_consistent_length(X, y)
        if not warm:
            self._learn_target(y, X, sample_weight)
        y, weight = self._encode_target(y, X, sample_weight, "y")
        validation = None
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together.")
        if X_val is not None:
            X_val = self._validate_X_val(X_val)
            y_val = self._check_target(y_val, "y_val")
            check_consistent_length(X_val, y_val)
            validation = (X_val, *self._encode_target(y_val, X_val, sample_weight_val,
                                                      "y_val"))
        elif sample_weight_val is not None:
            raise ValueError("sample_weight_val needs X_val and y_val.")
        return self._fit_network(X, y, weight, n_outputs=self._n_outputs(),
                                 stratify=self._stratify, validation=validation)

    def _partial_fit(self, X, y, sample_weight, *, learn):
        """One epoch from the current weights; ``learn(y)`` runs on the first call only."""
        self._validate_params()
        first = not hasattr(self, "net_")
        if not first:
            self._check_warm_layout(X)
        X = self._validate_training_X(X, reset=first, learn_width=first)
        y = self._check_target(y, "y")
        check_consistent_length(X, y)
        if first:
            learn(y, X)
        y, weight = self._encode_target(y, X, sample_weight, "y")
        return self._fit_network(X, y, weight, n_outputs=self._n_outputs(),
                                 stratify=self._stratify, partial=True)

    def _validate_training_X(self, X, *, reset, learn_width):
        """``_validate_X`` of training input; with ``learn_width`` the input's bin width
        is learnt too, read before validation returns a plain array."""
        carried_width = infer_bin_size(X)
        X = self._validate_X(X, reset=reset)
        if learn_width:
            self._learn_bin_width(carried_width)
        return X

    # -- training ------------------------------------------------------------------------

    def _split(self, X, y, seed, stratify):
        """Train/validation rows for early stopping, or None when they cannot be made."""
        if not self.early_stopping:
            return None
        n_valid = int(np.ceil(self.validation_fraction * len(X)))
        if stratify:
            _, counts = np.unique(y, return_counts=True)
            feasible = (
                counts.min() >= 2 and len(counts) <= n_valid <= len(X) - len(counts)
            )
        else:
            feasible = 2 <= n_valid <= len(X) - 2
        if not feasible:
            warnings.warn(
                f"{type(self).__name__}: {len(X)} genes are too few for an early-stopping "
                f"validation split of {self.validation_fraction:g}; training for all "
                f"{self.max_epochs} epochs without one.",
                UserWarning,
                stacklevel=4,
            )
            return None
        return train_test_split(
            np.arange(len(X)), test_size=n_valid, random_state=seed,
            stratify=y if stratify else None,
        )

    def _optimizer_class(self):
        if isinstance(self.optimizer, str):
            return OPTIMIZERS[self.optimizer]
        if not issubclass(self.optimizer, torch.optim.Optimizer):
            raise ValueError(
                f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch.optim.Optimizer "
                f"subclass, got {self.optimizer!r}."
            )
        return self.optimizer

    def _optimizer_arguments(self, optimizer):
        """``optimizer__*`` arguments for skorch, checked against the optimizer's own."""
        params = dict(self.optimizer_params or {})
        for reserved, use in (("lr", "lr="), ("params", "nothing: the module's")):
            if reserved in params:
                raise ValueError(
                    f"optimizer_params may not set {reserved!r}; use {use} instead."
                )
        accepted = set(inspect.signature(optimizer.__init__).parameters) - {"self", "params"}
        unknown = sorted(set(params) - accepted)
        if unknown:
            raise ValueError(
                f"optimizer_params {unknown} are not arguments of {optimizer.__name__}; "
                f"it takes {sorted(accepted)}."
            )
        params.setdefault("weight_decay", self.weight_decay)
        if optimizer in (torch.optim.Adam, torch.optim.AdamW) and not (
                {"fused", "foreach", "differentiable"} & set(params)) and (
                torch.device(self.device).type in ("cpu", "cuda")):
            # One fused kernel over each weight instead of five passes over memory per
            # step; the same arithmetic (a third of one network's CPU step otherwise).
            params["fused"] = True
        return {f"optimizer__{key}": value for key, value in params.items()}

    def _criterion_arguments(self):
        params = dict(self.criterion_params or {})
        if "reduction" in params:
            raise ValueError(
                "criterion_params may not set 'reduction': per-gene losses are needed to "
                "apply sample weights; weight genes with sample_weight instead."
            )
        accepted = set(inspect.signature(self._criterion.__init__).parameters) - {"self"}
        unknown = sorted(set(params) - accepted)
        if unknown:
            raise ValueError(
                f"criterion_params {unknown} are not arguments of "
                f"{self._criterion.__name__}; it takes {sorted(accepted - {'reduction'})}."
            )
        params["reduction"] = "none"
        return {f"criterion__{key}": value for key, value in params.items()}

    def _check_device(self):
        device = torch.device(self.device)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"device={self.device!r} was requested but torch sees no CUDA device "
                f"(torch {torch.__version__}); use device='cpu'."
            )
        return device

    def _make_net(self, n_outputs, device, train_split, callbacks, *, members=None):
        """An uninitialised skorch net of one network, or of ``members`` averaged (by
        default as many as the estimator asks for)."""
        optimizer = self._optimizer_class()
        module, params = self._module_class, self._module_params(n_outputs)
        members = self._n_members() if members is None else members
        if members > 1:
            module, params = self._ensemble_module_class(), dict(
                self._ensemble_module_params(params), n_members=members)
        return self._net_class(
            module=module,
            **{f"module__{k}": v for k, v in params.items()},
            criterion=self._criterion,
            **self._criterion_arguments(),
            optimizer=optimizer,
            **self._optimizer_arguments(optimizer),
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train=TensorBatches,
            iterator_train__shuffle=True,
            iterator_valid=TensorBatches,
            iterator_valid__batch_size=max(self.batch_size, PREDICT_BATCH_SIZE),
            train_split=train_split,
            callbacks=callbacks,
            device=device,
            verbose=self.verbose,
            **self._net_params(n_outputs),
        )

    def _net_params(self, n_outputs):
        return {}

    def _ensemble_module_class(self):
        """The module of an ensemble of ``_module_class`` networks: one whose members
        run in one batched pass where the architecture has one, else their average."""
        return MemberAverage

    def _ensemble_module_params(self, params):
        """``_ensemble_module_class``'s parameters (besides ``n_members``) for members
        of ``params``."""
        return dict(params, member_class=self._module_class)

    def _trains_members_together(self):
        """Whether a fresh ensemble trains as one batched module (see
        ``_members.train_members``): its module has a member axis, the optimiser updates
        each weight from its own gradient, and no user callback expects a net per
        member. Otherwise each member trains as a network of its own."""
        return (hasattr(self._ensemble_module_class(), "member_outputs")
                and isinstance(self.optimizer, str) and self.optimizer in ELEMENTWISE
                and not self.callbacks)

    def _fit_network(self, X, y, sample_weight, *, n_outputs, stratify, validation=None,
                     partial=False):
        """Train on validated 2-D ``X``, encoded ``y`` and weights; sets ``net_``.

        ``validation`` is an explicit ``(X_val, y_val, sample_weight_val)`` (validated,
        encoded) that replaces the internal split. ``partial`` runs one epoch without
        early stopping (``partial_fit``). The fitted weights are continued instead of
        re-initialised for ``partial`` and, once fitted, for ``warm_start=True``.

        A fresh fit of an ensemble (``_n_members() > 1``) trains each member as a network
        of its own, from its own seed (weights, shuffling, internal validation split,
        early stopping), then averages them in one module; continuing one (warm start,
        ``partial_fit``) trains that module as a whole.
        """
        device = self._check_device()
        seeds = self._member_seeds()
        budget = thread_budget()
        self.torch_threads_ = budget if self.n_threads is None else min(self.n_threads, budget)
        warm = hasattr(self, "net_") and (partial or self.warm_start)
        train = dict(n_outputs=n_outputs, stratify=stratify, validation=validation,
                     partial=partial, device=device)
        if not warm and not partial and len(seeds) > 1 and self._trains_members_together():
            return self._fit_members(X, y, sample_weight, seeds=seeds, **train)
        if warm:
            trained = [self._train_net(X, y, sample_weight, seed=seeds[0], net=self.net_,
                                       **train)]
        elif partial or len(seeds) == 1:
            trained = [self._train_net(X, y, sample_weight, seed=seeds[0],
                                       members=len(seeds), **train)]
        else:
            trained = [self._train_net(X, y, sample_weight, seed=seed, members=1, **train)
                       for seed in seeds]
        net = trained[0][0] if len(trained) == 1 else self._assemble(
            [member for member, _, _ in trained], n_outputs, device, seeds[0])
        self._shed_training_state(net, keep_optimizer=partial or self.warm_start)
        net.module_.eval()
        self.net_ = net
        epochs = np.array([len(member.history) for member, _, _ in trained])
        # Without early stopping the last epoch's weights are kept.
        best = np.array([stop or len(member.history) for member, stop, _ in trained])
        single = len(trained) == 1
        self.n_epochs_ = int(epochs[0]) if single else epochs
        self.best_epoch_ = int(best[0]) if single else best
        self.early_stopping_metric_ = trained[0][2]
        return self

    def _fit_members(self, X, y, sample_weight, *, seeds, n_outputs, stratify, validation,
                     device, partial):
        """A fresh ensemble's fit, its members trained together (see ``_members``)."""
        del partial
        Xt = self._as_tensor(X)
        yt = torch.as_tensor(y)
        wt = torch.as_tensor(sample_weight, dtype=torch.float32)
        splits = [None if validation is not None else self._split(X, y, seed, stratify)
                  for seed in seeds]
        if validation is not None:
            X_val, y_val, w_val = validation
            validation = (self._as_tensor(X_val), torch.as_tensor(y_val),
                          torch.as_tensor(w_val, dtype=torch.float32))
        params = self._module_params(n_outputs)
        ensemble_params = self._ensemble_module_params(params)
        ensemble_class = self._ensemble_module_class()

        def make_module(n):
            # Building draws (then discards) initial weights: the caller's stream stays.
            with torch.random.fork_rng(devices=[]):
                return ensemble_class(n_members=n, **ensemble_params)

        optimizer = self._optimizer_class()
        arguments = {key[len("optimizer__"):]: value
                     for key, value in self._optimizer_arguments(optimizer).items()}
        criterion = self._criterion(**{key[len("criterion__"):]: value for key, value
                                       in self._criterion_arguments().items()})
        stopping = None
        if self.early_stopping:
            def stopping(y_val, w_val):
                return self._stopping_callbacks(y_val, w_val, n_outputs)
        with torch_threads(self.torch_threads_), denormals_flushed():
            module, histories, best, monitored, history = train_members(
                self, Xt, yt, wt, seeds=seeds, n_outputs=n_outputs, splits=splits,
                validation=validation, device=device, stopping=stopping,
                make_module=make_module, criterion=criterion.to(device),
                optimizer_factory=lambda p: optimizer(p, lr=self.lr, **arguments))
        with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
            net = self._make_net(n_outputs, device, None, [], members=len(seeds))
            net.initialize()
        net.module_.load_state_dict(module.state_dict())
        net.history = history
        self._shed_training_state(net, keep_optimizer=self.warm_start)
        net.module_.eval()
        self.net_ = net
        self.n_epochs_ = np.array([len(h) for h in histories])
        self.best_epoch_ = np.array(best)
        has_valid = validation is not None or splits[0] is not None
        self.early_stopping_metric_ = monitored if has_valid else None
        return self

    def _n_members(self):
        """Networks a fresh fit trains and averages; estimators with ``n_members`` say."""
        return 1

    def _member_seeds(self):
        """One seed per member, the first the seed a single network would take."""
        rng = check_random_state(self.random_state)
        return [int(rng.randint(np.iinfo(np.int32).max)) for _ in range(self._n_members())]

    def _train_net(self, X, y, sample_weight, *, seed, n_outputs, stratify, validation,
                   partial, device, net=None, members=None):
        """Train one skorch net (``net`` continued, else a new one of ``members``).

        Returns ``(net, best epoch or None, the early-stopping criterion or None)``.
        """
        monitored = None  # the early-stopping criterion; none without a validation set
        Xt = self._as_tensor(X)
        yt = torch.as_tensor(y)
        wt = torch.as_tensor(sample_weight, dtype=torch.float32)
        callbacks = [copy.deepcopy(cb) for cb in (self.callbacks or [])]
        valid = None
        # partial_fit runs one epoch with neither a validation set nor early stopping.
        if validation is not None:
            X_val, y_val, w_val = validation
            valid = (self._as_tensor(X_val), torch.as_tensor(y_val),
                     torch.as_tensor(w_val, dtype=torch.float32))
        elif not partial:
            rows = self._split(X, y, seed, stratify)
            if rows is not None:
                train_rows, valid_rows = (torch.as_tensor(r) for r in rows)
                valid = (Xt[valid_rows], yt[valid_rows], wt[valid_rows])
                Xt, yt, wt = Xt[train_rows], yt[train_rows], wt[train_rows]
        train_split = None
        if valid is not None:
            if not valid[2].sum() > 0:
                raise ValueError(
                    "Every gene of the early-stopping validation set has weight zero; "
                    "give some validation genes a positive weight or early_stopping=False."
                )
            valid_data = {"X": valid[0], "sample_weight": _normalised(valid[2])}
            train_split = predefined_split(Dataset(valid_data, valid[1]))
            if self.early_stopping:
                monitored, stopping = self._stopping_callbacks(
                    valid[1].numpy(), valid[2].numpy(), n_outputs)
                callbacks += stopping
        if not wt.sum() > 0:
            raise ValueError(
                "Every training gene left after the early-stopping split has weight zero; "
                "give more genes a positive weight or early_stopping=False."
            )
        data = {"X": Xt, "sample_weight": _normalised(wt)}
        devices = [device] if device.type == "cuda" else []
        with (torch_threads(self.torch_threads_), torch.random.fork_rng(devices=devices),
              denormals_flushed()):
            torch.manual_seed(seed)
            if net is not None:
                net.callbacks, net.train_split = callbacks, train_split
                net.initialize_callbacks()
                if getattr(net, "optimizer_", None) is None:
                    net.initialize_optimizer()
            else:
                net = self._make_net(n_outputs, device, train_split, callbacks,
                                     members=members)
                net.initialize()
            net.partial_fit(data, yt, epochs=1 if partial else self.max_epochs)
        stopper = dict(net.callbacks_).get("early_stopping")
        best = int(stopper.best_epoch_) if stopper is not None else None
        return net, best, monitored

    def _assemble(self, nets, n_outputs, device, seed):
        """One net whose module averages the trained members' modules."""
        devices = [device] if device.type == "cuda" else []
        # Building the container draws (then discards) initial weights: fork the stream.
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            net = self._make_net(n_outputs, device, None, [], members=len(nets))
            net.initialize()
        if hasattr(net.module_, "load_members"):
            net.module_.load_members([trained.module_ for trained in nets])
        else:
            for member, trained in zip(net.module_.members, nets):
                member.load_state_dict(trained.module_.state_dict())
        # The first member's epochs stand for the ensemble's history.
        net.history = nets[0].history
        return net

    def _stopping_callbacks(self, y_val, w_val, n_outputs):
        """The criterion used (after any fallback), and its scorer and stopper."""
        metric = resolve_metric(self, self.early_stopping_metric, y_val, w_val,
                                n_outputs=n_outputs, classifier=self._is_classifier)
        sink = print if self.verbose else _silent
        if metric == "loss":
            return metric, [("early_stopping", EarlyStopping(
                monitor="valid_loss", patience=self.n_iter_no_change, load_best=True,
                sink=sink))]
        # An absolute threshold: a score near 0 or below (R²) has no relative scale.
        return metric, [
            (f"valid_{metric}", ValidationScore(metric)),
            ("early_stopping", ScoreThenLoss(
                monitor=f"valid_{metric}", lower_is_better=False, threshold=1e-4,
                threshold_mode="abs", patience=self.n_iter_no_change, load_best=True,
                sink=sink)),
        ]

    @staticmethod
    def _shed_training_state(net, *, keep_optimizer):
        """Drop what only training needs, so fitted models (and pickles) stay small.

        The validation split is never needed again; the optimizer's state (Adam's moments,
        twice the weights) only to continue training (``warm_start``, ``partial_fit``).
        """
        net.train_split = None
        if not keep_optimizer:
            net.optimizer_ = None

    def _learn_bin_width(self, carried):
        """Record the training input's bin width where the architecture depends on it
        (``carried``: what the input carries, or ``None``); most networks do not."""

    def _check_warm_layout(self, X):
        """On a warm fit, the new data must have the fitted layout."""
        if not hasattr(self, "net_"):
            return False
        width = _width(X)
        if width != self.n_features_in_:
            raise ValueError(
                f"X has {width} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input: continuing a fit (warm_start, "
                "partial_fit) needs the fitted layout; refit with warm_start=False for a "
                "new one."
            )
        marks = self._declared_marks(X, infer_marks(X))
        if tuple(marks) != tuple(self.marks_):
            raise ValueError(
                f"{type(self).__name__} was fitted on the marks {list(self.marks_)}; "
                f"continuing it (warm_start, partial_fit) on {list(marks)} would read the "
                "channels in another order. Refit with warm_start=False."
            )
        return True

    # -- inference -----------------------------------------------------------------------

    def _forward(self, X):
        """Raw network outputs for ``X`` as float64 ``(n_genes, n_outputs)``."""
        check_is_fitted(self)
        return self._module_outputs(X, lambda module, Xb: module(Xb))

    def _batches(self, X):
        """``X`` validated, as tensors of at most ``PREDICT_BATCH_SIZE`` genes.

        An array or DataFrame of more genes is validated a batch at a time, so the
        float32 copy and the checks hold a batch, not the input, beside it: memory does
        not grow with the genes predicted. A tensor is taken as validated already.
        """
        if isinstance(X, torch.Tensor):
            for start in range(0, len(X), PREDICT_BATCH_SIZE):
                yield X[start : start + PREDICT_BATCH_SIZE]
            return
        shape = getattr(X, "shape", None)
        if shape is None or len(shape) < 2 or shape[0] <= PREDICT_BATCH_SIZE:
            yield self._as_tensor(self._validate_X(X, reset=False))
            return
        rows = X.iloc if hasattr(X, "iloc") else X
        for start in range(0, shape[0], PREDICT_BATCH_SIZE):
            with warnings.catch_warnings():
                if start:  # each batch's warnings are the first one's (same columns, type)
                    warnings.simplefilter("ignore")
                Xb = self._validate_X(rows[start : start + PREDICT_BATCH_SIZE], reset=False)
            yield self._as_tensor(Xb)

    def _inference_module(self, n_genes):
        """The module and dtype to predict ``n_genes`` with.

        Large predictions run in float32, like training, in chunks of a fixed size: a
        gene's scores do not depend on the order of the genes, and differ by ~1e-7 at
        most with the size of the call (float32 kernels are chosen by batch size). Small
        ones (up to ``SMALL_PREDICTION`` genes, on CPU) run on a float64 copy of the
        module, kept until the weights change, where that difference vanishes (~1e-16):
        predicting a subset gives the same scores as predicting it among all.
        """
        module = self.net_.module_
        if n_genes >= SMALL_PREDICTION or torch.device(self.net_.device).type != "cpu":
            return module, torch.float32
        cached = _FLOAT64_COPIES.get(self.net_)
        # Any change of the weights (training, load_state_dict) bumps a parameter's version.
        if (cached is None or cached[0] is not module
                or any(p._version != v for p, v in zip(cached[1], cached[2]))):
            params = list(module.parameters())
            cached = (module, params, [p._version for p in params],
                      copy.deepcopy(module).to(torch.float64).eval())
            _FLOAT64_COPIES[self.net_] = cached
        return cached[3], torch.float64

    def _module_outputs(self, X, step):
        """Run ``step(module, X_batch)`` over batches of ``X`` in eval mode; float64 numpy.

        ``X`` is a validated tensor, or anything ``predict`` takes (validated a batch at
        a time, see ``_batches``). A small prediction runs on one thread: waking a pool
        costs more than its forward pass.
        """
        device = torch.device(self.net_.device)
        n_genes = len(X) if isinstance(X, torch.Tensor) else _n_genes(X)
        threads = 1 if n_genes < SMALL_PREDICTION else thread_budget()
        outputs = []
        with torch_threads(threads):
            module, dtype = self._inference_module(n_genes)
            training = module.training
            if training:  # fitted modules are left in eval mode; toggling costs ~0.5 ms
                module.eval()
            try:
                with torch.inference_mode():
                    for Xb in self._batches(X):
                        outputs.append(_to_numpy(step(module, Xb.to(device, dtype))))
            finally:
                if training:
                    module.train()
        if isinstance(outputs[0], tuple):
            return tuple(np.concatenate(parts) for parts in zip(*outputs))
        return np.concatenate(outputs)

    @property
    def history_(self):
        """The skorch ``History`` of the fit: ``clf.history_[:, "valid_loss"]``."""
        check_is_fitted(self)
        return self.net_.history

    @property
    def module_(self):
        """The fitted torch module."""
        check_is_fitted(self)
        return self.net_.module_
