"""A fitted DeepChrome pipeline as one differentiable function from its input to class scores.

Interpretation asks how a class score changes with the *input* a user holds (read counts
in the mark-major layout), not with the binned, log-scaled matrix the network happens to
see. :class:`DifferentiablePipeline` chains the torch versions of a pipeline's
:class:`~skdeepchrome.HistoneBinner` steps with a float64 copy of the fitted network, so
autograd differentiates the whole pipeline.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted, validate_data

from ..estimators import TorchHistoneEstimator, torch_threads
from ..preprocessing import HistoneBinner
from ._differentiable_binner import TorchBinner
from ._positions import DEFAULT_FLANK, bin_centres_kb

#: Genes per forward/backward pass; bounded so memory stays small on any machine.
GRADIENT_BATCH_SIZE = 1024


def unwrap_estimator(estimator):
    """``(steps, final)``: a (possibly nested, possibly searched) pipeline flattened.

    ``GridSearchCV``-like objects are replaced by their ``best_estimator_``; nested
    pipelines are flattened; ``"passthrough"`` steps are dropped.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdeepchrome import DeepChromeClassifier, HistoneBinner
    >>> steps, final = unwrap_estimator(make_pipeline(HistoneBinner(), DeepChromeClassifier()))
    >>> [type(s).__name__ for s in steps], type(final).__name__
    (['HistoneBinner'], 'DeepChromeClassifier')
    """
    while hasattr(estimator, "best_estimator_"):
        estimator = estimator.best_estimator_
    if not isinstance(estimator, Pipeline):
        return [], estimator
    steps = []
    for _, step in estimator.steps:
        if step is None or (isinstance(step, str) and step == "passthrough"):
            continue
        inner_steps, inner_final = unwrap_estimator(step)
        steps += inner_steps + [inner_final]
    if not steps:
        raise ValueError("The pipeline has no estimator step.")
    return steps[:-1], steps[-1]


def _name(estimator):
    return type(estimator).__name__


class DifferentiablePipeline:
    """A fitted skdeepchrome torch classifier (alone or after ``HistoneBinner`` steps) in torch.

    Parameters
    ----------
    estimator : DeepChromeClassifier or Pipeline
        Fitted. Any skdeepchrome torch classifier works (``DeepChromeClassifier``,
        ``AttentiveChromeClassifier``); a pipeline's steps before it must all be
        ``HistoneBinner`` (nested pipelines and fitted searches are unwrapped).

    Attributes
    ----------
    classes_ : ndarray
        The classifier's classes.
    marks : tuple of str
        Marks of the pipeline's input, in column-block order.
    n_positions : int
        Input positions (bins) per mark.
    input_scale : {None, "log1p", "asinh"}
        The first binner's ``scale``: the variance-stabilised scale of the input.
    lower_bound : float
        Smallest valid input value: 0 when a binner applies ``log1p`` (read counts),
        else ``-inf``.
    flank : int
        Base pairs covered either side of the TSS by the input (the first binner's
        ``flank``, else the REMC window's 5000).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        When the estimator is not fitted.
    TypeError
        When the estimator has no gradients: a final step that is not a fitted skdeepchrome
        torch classifier, or a step before it that is not a ``HistoneBinner``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skdeepchrome import DeepChromeClassifier, HistoneBinner
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(2.0, size=(60, 5 * 20)).astype(float)
    >>> y = np.arange(60) % 2
    >>> model = make_pipeline(HistoneBinner(n_bins=10, scale="log1p"),
    ...                       DeepChromeClassifier(max_epochs=1, random_state=0)).fit(X, y)
    >>> net = DifferentiablePipeline(model)
    >>> net.marks[0], net.n_positions, net.lower_bound
    ('H3K27me3', 20, 0.0)
    >>> scores = net.scores(torch.tensor(X[:3]), net.class_indices(1, 3))
    >>> bool(np.allclose(scores.detach().numpy(), model.decision_function(X[:3])))
    True
    """

    #: Subclasses over a regressor (the differential model's) set this to False.
    _needs_classes = True

    def __init__(self, estimator):
        check_is_fitted(estimator)  # also catches a search that was never fitted
        steps, final = unwrap_estimator(estimator)
        if not isinstance(final, TorchHistoneEstimator):
            raise TypeError(
                f"Gradient-based interpretation needs a DeepChromeClassifier (alone or at the "
                f"end of a pipeline of HistoneBinner steps); {_name(final)} has no gradients. "
                f"Use mark_importance(..., method='permutation') for any estimator."
            )
        others = [s for s in steps if not isinstance(s, HistoneBinner)]
        if others:
            raise TypeError(
                f"Gradients can only pass through HistoneBinner steps, but the pipeline also "
                f"holds {[_name(s) for s in others]}; their transform has no torch version."
            )
        check_is_fitted(final)
        for step in steps:
            check_is_fitted(step)
        if self._needs_classes and not hasattr(final, "classes_"):
            raise TypeError(f"{_name(final)} is not a classifier; it has no classes_.")
        self.classes_ = np.asarray(getattr(final, "classes_", []))
        self.binners = [TorchBinner(step) for step in steps]
        self._final = final
        self._first = steps[0] if steps else final
        if steps:
            self.marks = tuple(steps[0].marks_)
            self.n_positions = int(steps[0].n_positions_)
            self.flank = int(steps[0].flank)
        else:
            self.marks = tuple(final.marks_)
            self.n_positions = int(final.n_bins_)
            self.flank = DEFAULT_FLANK
        self.lower_bound = 0.0 if any(s.scale == "log1p" for s in steps) else -np.inf
        #: The first binner's variance-stabilising scale, the natural one for the input.
        self.input_scale = steps[0].scale if steps else None
        # A float64 copy: attributions sum many small gradient terms, and float32 rounding
        # would show up in integrated gradients' completeness.
        self._module = copy.deepcopy(final.module_).to(torch.float64).eval()
        self._module.requires_grad_(False)

    @property
    def n_features(self):
        """Input columns: ``len(marks) * n_positions``."""
        return len(self.marks) * self.n_positions

    def positions_kb(self):
        """Centre of every input position, in kb from the TSS (upstream negative).

        Positions are taken to tile ``[-flank, flank)`` evenly, upstream first.
        """
        return bin_centres_kb(self.n_positions, self.flank)

    # -- input ---------------------------------------------------------------------------

    def validate(self, X, name="X"):
        """``X`` as a finite float64 ``(n_genes, n_features)`` array, checked like ``fit``'s."""
        if not hasattr(X, "ndim") and not hasattr(X, "iloc"):
            X = np.asarray(X)
        if X.ndim == 3:
            if X.shape[1:] != (len(self.marks), self.n_positions):
                raise ValueError(
                    f"3-D {name} has shape {X.shape[1:]} per gene but the model was fitted on "
                    f"{len(self.marks)} marks x {self.n_positions} positions "
                    f"({list(self.marks)})."
                )
            X = np.asarray(X).reshape(X.shape[0], -1)
        X = validate_data(
            self._first, X, reset=False, dtype=np.float64, ensure_all_finite=True
        )
        self.check_domain(X, name)
        return np.array(X, dtype=np.float64)

    def check_domain(self, X, name="X"):
        """Refuse values below ``lower_bound`` (negative counts before ``log1p``)."""
        if np.any(np.asarray(X) < self.lower_bound):
            raise ValueError(
                f"{name} holds negative values, but the pipeline applies log1p to read "
                f"counts, which must be >= 0."
            )

    def class_index(self, target):
        """Position of the class label ``target`` in ``classes_``."""
        matches = [i for i, c in enumerate(self.classes_.tolist()) if c == target]
        if not matches:
            raise ValueError(
                f"target class {target!r} is not one of the model's classes "
                f"{self.classes_.tolist()}."
            )
        return matches[0]

    def class_indices(self, target, n_genes):
        """Class positions for ``n_genes`` genes from ``None``, one label, or one per gene.

        ``None`` is ``classes_[-1]`` for two classes (the class whose log-odds
        ``decision_function`` returns: "high" for 0/1 labels), and each gene's predicted
        class otherwise (``-1`` here, resolved in :meth:`scores`).
        """
        if target is None:
            fill = len(self.classes_) - 1 if len(self.classes_) == 2 else -1
            return np.full(n_genes, fill, dtype=np.int64)
        if np.ndim(target) == 0:
            return np.full(n_genes, self.class_index(target), dtype=np.int64)
        target = np.asarray(target)
        if target.shape != (n_genes,):
            raise ValueError(
                f"target must be one class label or one per gene ({n_genes}), got shape "
                f"{target.shape}."
            )
        lookup = {c: i for i, c in enumerate(self.classes_.tolist())}
        unknown = sorted({t for t in target.tolist() if t not in lookup}, key=str)
        if unknown:
            raise ValueError(
                f"target holds labels {unknown[:5]} that are not among the model's classes "
                f"{self.classes_.tolist()}."
            )
        return np.asarray([lookup[t] for t in target.tolist()], dtype=np.int64)

    # -- forward -------------------------------------------------------------------------

    def logits(self, X):
        """Network outputs for a ``(batch, n_features)`` float64 tensor of inputs."""
        Z = X
        for binner in self.binners:
            Z = binner(Z)
        final = self._final
        return self._module(Z.reshape(Z.shape[0], len(final.marks_), final.n_bins_))

    def unstandardized(self, X):
        """What the network sees, before any standardisation: the first binner's output.

        Without a binner, ``X`` itself. Zero still means no signal here, which makes it
        the natural place for a penalty that shrinks towards no signal.
        """
        return self.binners[0](X, standardize=False) if self.binners else X

    def scores(self, X, class_idx):
        """Class score of each gene for its class in ``class_idx`` (``-1``: predicted class).

        The score is the class's logit, or for two classes its log-odds against the other
        class (so ``decision_function`` is the score of ``classes_[1]``).
        """
        logits = self.logits(X)
        idx = torch.as_tensor(class_idx, dtype=torch.long)
        idx = torch.where(idx < 0, logits.argmax(dim=1), idx)
        chosen = logits.gather(1, idx[:, None])[:, 0]
        if logits.shape[1] == 2:
            return 2 * chosen - logits.sum(dim=1)
        return chosen

    def gradients(self, X, class_idx, batch_size=GRADIENT_BATCH_SIZE):
        """``(scores, gradients)`` of the class scores at the rows of a float64 array."""
        scores, grads = [], []
        # Interpretation runs many small passes; on a CPU shared with other work torch's
        # intra-op threads mostly wait for each other (2 threads ran ~10x slower than 1 on
        # a busy 2-core machine), so one thread is both faster and a good neighbour.
        with torch_threads(1), torch.enable_grad():
            for start in range(0, len(X), batch_size):
                Xb = torch.tensor(X[start : start + batch_size], requires_grad=True)
                s = self.scores(Xb, class_idx[start : start + batch_size])
                (g,) = torch.autograd.grad(s.sum(), Xb)
                scores.append(s.detach().numpy())
                grads.append(g.numpy())
        return np.concatenate(scores), np.concatenate(grads)
