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
from ._archive import FORMAT_NAME, FORMAT_VERSION, read_archive, signature, write_archive
from ._estimators import ForeignClass, describe, rebuild

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "ModelFileError", "load_model", "save_model"]


def save_model(estimator, path, *, key=None):
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
    key : str or bytes, default=None
        Sign the file with this secret (HMAC-SHA256 of its checksum): ``load_model(path,
        key=key)`` then refuses a file that was not signed with the same key. The
        checksum alone only catches accidental damage, since whoever edits a file can
        recompute it; a signature can only be made by whoever holds the key.

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
        ``RandomState``, a pipeline ``memory``); a ``key`` that is not a non-empty str
        or bytes.

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
    if key is not None:
        signature(key, "")  # a bad key fails before the model is described
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
        write_archive(part, header, arrays, blobs, key=key)
    return path


def load_model(path, *, device="cpu", key=None):
    """Read a model written by :func:`save_model`, without running code from the file.

    Parameters
    ----------
    path : str or path-like
    device : str, default="cpu"
        Where the networks' weights go; becomes their ``device`` parameter. A model
        trained on ``"cuda"`` loads on a machine without a GPU.
    key : str or bytes, default=None
        The secret the file was signed with (``save_model(..., key=key)``): the file is
        refused unless it carries a signature made with this key. Without a key, a
        signature is not checked.

    Returns
    -------
    estimator
        The fitted model; its predictions equal the saved model's exactly.

    Raises
    ------
    FileNotFoundError
        When ``path`` is not a file.
    ModelFileError
        For every problem of the file, always one line naming the file and the problem
        (a ``ValueError``): not a model file, truncated or damaged (checksum), larger
        than a model file may be, made by a newer skdeepchrome, unsigned or signed with
        another key when ``key`` is given, or a description that does not make a valid
        model (an unknown class, parameters outside their constraints, sizes that
        disagree with the arrays stored, a decision tree whose nodes point outside it).
    ImportError
        For a scikit-learn baseline while skops is not installed.
    TypeError
        When ``key`` is not a non-empty str or bytes.

    Notes
    -----
    Loading runs no code from the file, and what it costs is bounded whatever the file
    declares: at most 1 GiB (seven times the largest model the package makes) is
    decompressed, every array must hold exactly the bytes its header declares, and every
    size taken from the description (input width, layer sizes, number of networks, tree
    nodes) is checked against the arrays actually stored before anything is allocated.

    Examples
    --------
    See :func:`save_model`.
    """
    path = Path(path)
    if key is not None:
        signature(key, "")  # a key that is no key is the caller's error, not the file's
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such model file.")
    header, arrays, blobs = read_archive(path, key=key)
    model = header["model"]
    try:
        if model.get("class") == "skops":
            member = model.get("member")
            if member not in blobs:
                raise ValueError(f"the skops member {member!r} is missing")
            return _skops.load(blobs[member])
        return rebuild(model, arrays, str(device))
    except (ModelFileError, _skops.SkopsMissing):
        raise
    except RecursionError:
        raise ModelFileError(f"{path}: the model cannot be rebuilt: its description nests "
                             "too deeply.") from None
    except Exception as exc:  # noqa: BLE001 - the file is untrusted: any failure is its own
        # Whatever a forged description makes scikit-learn, skops or torch raise (a
        # KeyError, an IndexError, a MemoryError...), the caller gets one ModelFileError.
        problem = " ".join(str(exc).split()) or type(exc).__name__
        raise ModelFileError(f"{path}: the model cannot be rebuilt: {problem}") from None
