"""Model files that are safe to load: ``save_model`` and ``load_model``.

A model file is a zip archive of a JSON description and plain ``.npy`` arrays with a
sha256 checksum (see :ref:`model-files` in the user guide). Loading never unpickles and
never imports a name taken from the file: the classes it may build are an explicit list
of skdeepchrome's own, their parameters are JSON data, their weights numeric arrays.
"""

from __future__ import annotations

from pathlib import Path

from .. import __version__
from .._files import atomic_path
from ..exceptions import ModelFileError
from . import _skops
from ._archive import FORMAT_NAME, FORMAT_VERSION, read_archive, write_archive
from ._estimators import ForeignClass, describe, rebuild

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "ModelFileError", "load_model", "save_model"]


def save_model(estimator, path):
    """Write a fitted skdeepchrome model to ``path`` as a safe model file.

    Stored natively (JSON and plain arrays) are the neural estimators
    (:class:`~skdeepchrome.DeepChromeClassifier`, :class:`~skdeepchrome.DeepChromeRegressor`,
    :class:`~skdeepchrome.AttentiveChromeClassifier`), :class:`~skdeepchrome.HistoneBinner`
    and ``Pipeline`` objects of them, such as
    ``skdeepchrome.baselines.make_model("deepchrome")``. Other scikit-learn models, such as
    the baselines of :func:`~skdeepchrome.baselines.make_model`, are stored with
    ``skops.io`` when skops is installed and they hold only trusted types. The file is
    written under a temporary name and renamed into place, so ``path`` is never left
    half-written. The training history (``history_``) and optimizer state are not stored.

    Parameters
    ----------
    estimator : fitted estimator
    path : str or path-like
        Conventionally ending in ``.skdc``.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    TypeError
        For models that cannot be stored safely (use joblib for those you trust): a
        scikit-learn model without skops installed or with types outside the trusted
        list, a neural network inside a pipeline with other steps than HistoneBinner,
        and parameters that are not data (callbacks, optimizer classes, a
        ``RandomState``, a pipeline ``memory``).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from skdeepchrome import HistoneBinner, load_model, save_model
    >>> binner = HistoneBinner(n_bins=10, scale="log1p").fit(np.ones((3, 500)))
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save_model(binner, Path(tmp) / "binner.skdc")
    ...     load_model(path).transform(np.ones((1, 500))).shape
    (1, 50)
    """
    path = Path(path)
    arrays, blobs = {}, {}
    try:
        model = describe(estimator, arrays)
    except ForeignClass as foreign:
        arrays = {}
        try:
            model, blobs[_skops.MEMBER] = _skops.dump(estimator)
        except TypeError as exc:
            raise TypeError(
                f"Cannot save {type(estimator).__name__} as a safe model file: {foreign}, "
                f"and {exc}. For a model you trust, use joblib.dump / joblib.load."
            ) from None
    header = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "skdeepchrome_version": __version__,
        "model": model,
    }
    with atomic_path(path) as part:
        write_archive(part, header, arrays, blobs)
    return path


def load_model(path, *, device="cpu"):
    """Read a model written by :func:`save_model`, without running code from the file.

    Parameters
    ----------
    path : str or path-like
    device : str, default="cpu"
        Where the networks' weights go; becomes their ``device`` parameter. A model
        trained on ``"cuda"`` loads on a machine without a GPU.

    Returns
    -------
    estimator
        The fitted model; its predictions equal the saved model's exactly.

    Raises
    ------
    ModelFileError
        A ``ValueError`` naming the file and the problem: not a model file, truncated or
        edited (checksum), made by a newer skdeepchrome.

    Examples
    --------
    See :func:`save_model`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such model file.")
    header, arrays, blobs = read_archive(path)
    try:
        if header["model"]["class"] == "skops":
            return _skops.load(blobs[header["model"]["member"]])
        return rebuild(header["model"], arrays, str(device))
    except ModelFileError:
        raise
    except ImportError:
        raise
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{path}: the model cannot be rebuilt: {exc}") from None
