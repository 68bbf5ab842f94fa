"""What every skdeepchrome neural estimator shares: validation, layout, training, inference.

skorch runs the training loop; this base makes the result a plain scikit-learn estimator:
parameters stored unchanged, validation in ``fit``, fitted attributes ending in ``_``,
reproducible seeding, bounded torch threads, and clear errors.
"""

from __future__ import annotations

import copy
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNet
from skorch.callbacks import EarlyStopping
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from ..layout import REMC_MARKS, infer_marks, resolve_marks
from ._batches import TensorBatches
from ._threads import thread_budget, torch_threads

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}

# Inference has no gradients to keep, so it can afford much larger batches than training.
PREDICT_BATCH_SIZE = 4096


def _silent(*args, **kwargs):
    pass


def _to_numpy(out):
    if isinstance(out, (tuple, list)):
        return tuple(_to_numpy(o) for o in out)
    return out.detach().cpu().numpy().astype(np.float64)


class TorchHistoneEstimator(BaseEstimator):
    """Base class: subclasses define ``_module_class``, ``_module_params()`` and ``fit``."""

    _parameter_constraints: dict = {
        "marks": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left"), list, tuple],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "optimizer": [StrOptions(set(OPTIMIZERS)), type],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "callbacks": [None, list, tuple],
    }

    # -- input ---------------------------------------------------------------------------

    def _validate_X(self, X, *, reset):
        """Validated float32 2-D X; on ``reset`` also fixes ``marks_`` and ``n_bins_``."""
        if reset:
            carried = infer_marks(X)
            if self.marks == "auto":
                marks = carried or REMC_MARKS
            else:
                marks = resolve_marks(self.marks)
        else:
            marks = self.marks_
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

    def _as_tensor(self, X):
        return torch.tensor(X, dtype=torch.float32).reshape(len(X), len(self.marks_), self.n_bins_)

    # -- training ------------------------------------------------------------------------

    def _seed(self):
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _split(self, X, y, seed, stratify):
        """Train/validation split for early stopping, or None when it cannot be made."""
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
                stacklevel=3,
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

    def _check_device(self):
        device = torch.device(self.device)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"device={self.device!r} was requested but torch sees no CUDA device "
                f"(torch {torch.__version__}); use device='cpu'."
            )
        return device

    def _fit_network(self, X, y, *, n_outputs, criterion, stratify, validation=None):
        """Train a fresh module on validated 2-D ``X`` and encoded ``y``; sets ``net_``.

        ``validation`` is an explicit ``(X_val, y_val)`` (validated, encoded) that replaces
        the internal split.
        """
        device = self._check_device()
        seed = self._seed()
        Xt = self._as_tensor(X)
        yt = torch.as_tensor(y)
        callbacks = [copy.deepcopy(cb) for cb in (self.callbacks or [])]
        if validation is not None:
            valid = Dataset(self._as_tensor(validation[0]), torch.as_tensor(validation[1]))
            split = True
        else:
            split = self._split(X, y, seed, stratify)
            if split is not None:
                train_rows, valid_rows = (torch.as_tensor(rows) for rows in split)
                valid = Dataset(Xt[valid_rows], yt[valid_rows])
                Xt, yt = Xt[train_rows], yt[train_rows]
        if split is not None:
            train_split = predefined_split(valid)
        if split is not None and self.early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss",
                        patience=self.n_iter_no_change,
                        load_best=True,
                        sink=print if self.verbose else _silent,
                    ),
                )
            )
        if split is None:
            train_split = None
        net = NeuralNet(
            module=self._module_class,
            **{f"module__{k}": v for k, v in self._module_params(n_outputs).items()},
            criterion=criterion,
            optimizer=self._optimizer_class(),
            optimizer__weight_decay=self.weight_decay,
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
        )
        self.torch_threads_ = thread_budget()
        devices = [device] if device.type == "cuda" else []
        with torch_threads(self.torch_threads_), torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            net.fit(Xt, yt)
        # The validation split is only needed while training; don't carry it into pickles.
        net.train_split = None
        self.net_ = net
        self.n_epochs_ = len(net.history)
        if split is not None and self.early_stopping:
            self.best_epoch_ = int(np.argmin(net.history[:, "valid_loss"])) + 1
        else:
            self.best_epoch_ = self.n_epochs_
        return self

    # -- inference -----------------------------------------------------------------------

    def _forward(self, X):
        """Raw network outputs for ``X`` as float64 ``(n_genes, n_outputs)``.

        On CPU, inference runs on a float64 copy of the module: float32 kernels round
        differently depending on a gene's position in its batch, and a gene's prediction
        should not depend on which other genes it is predicted with.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._module_outputs(self._as_tensor(X), lambda module, Xb: module(Xb))

    def _module_outputs(self, Xt, step):
        """Run ``step(module, X_batch)`` over batches of ``Xt`` in eval mode; float64 numpy."""
        module = self.net_.module_
        device = torch.device(self.net_.device)
        dtype = torch.float32
        if device.type == "cpu":
            module, dtype = copy.deepcopy(module).to(torch.float64), torch.float64
        training = module.training
        module.eval()
        outputs = []
        try:
            with torch_threads(thread_budget()), torch.no_grad():
                for start in range(0, len(Xt), PREDICT_BATCH_SIZE):
                    Xb = Xt[start : start + PREDICT_BATCH_SIZE].to(device=device, dtype=dtype)
                    outputs.append(_to_numpy(step(module, Xb)))
        finally:
            module.train(training)
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
