"""The container: one zip archive holding a JSON description, ``.npy`` arrays and a sha256.

Members, in this order:

``skdeepchrome-model.json``
    UTF-8 JSON: ``format``, ``format_version``, version information and the model's
    description (see :mod:`skdeepchrome.model_files._estimators`).
``arrays/<name>.npy``
    One plain numeric (or unicode) array each, read with ``allow_pickle=False``.
``blobs/<name>``
    Opaque bytes that one reader understands (the ``skops.io`` file of a baseline).
``sha256``
    Hex digest over the JSON member's bytes, then every other member's name and bytes in
    name order: any edit of the payload is refused before anything is rebuilt.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import numpy as np

from ..exceptions import ModelFileError
from ._values import ARRAY_KINDS

#: The ``format`` field of every model file's header.
FORMAT_NAME = "skdeepchrome-model"
#: Bump when a reader of the previous version could not rebuild the new files.
FORMAT_VERSION = 1
HEADER = "skdeepchrome-model.json"
CHECKSUM = "sha256"
ARRAY_DIR = "arrays/"
BLOB_DIR = "blobs/"
#: More content than any model holds (DeepChrome's default network is ~3 MB): a file that
#: declares more is refused before anything is decompressed (a "zip bomb").
MAX_CONTENT_BYTES = 8 * 2**30


def _digest(header_bytes, array_members):
    digest = hashlib.sha256(header_bytes)
    for name in sorted(array_members):
        digest.update(name.encode())
        digest.update(array_members[name])
    return digest.hexdigest()


def _npy_bytes(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def write_archive(path, header, arrays, blobs=None):
    """Write ``header`` (JSON-able dict), ``arrays`` (name -> ndarray) and ``blobs`` (name ->
    bytes) to ``path``."""
    header_bytes = json.dumps(header, indent=1, allow_nan=False).encode()
    members = {f"{ARRAY_DIR}{name}.npy": _npy_bytes(a) for name, a in arrays.items()}
    members.update({f"{BLOB_DIR}{name}": data for name, data in (blobs or {}).items()})
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(HEADER, header_bytes)
        for name in sorted(members):
            archive.writestr(name, members[name])
        archive.writestr(CHECKSUM, _digest(header_bytes, members))


def _refuse(path, problem):
    raise ModelFileError(f"{path}: {problem}")


def _not_a_zip(path):
    with open(path, "rb") as handle:
        start = handle.read(4)
    if start.startswith(b"PK\x03\x04"):
        return "the model file is truncated or damaged (its zip directory is unreadable)."
    hint = ""
    if start[:1] == b"\x80":
        hint = " It looks like a pickle: load it with joblib only if you trust its source."
    return f"not a skdeepchrome model file (expected a zip archive, see save_model).{hint}"


def read_archive(path, *, supported_version=FORMAT_VERSION):
    """The header dict, arrays and blobs of the model file ``path``, checked; never unpickles."""
    if not zipfile.is_zipfile(path):
        _refuse(path, _not_a_zip(path))
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            declared = sum(info.file_size for info in archive.infolist())
            if declared > MAX_CONTENT_BYTES:
                _refuse(path, f"the model file declares {declared} bytes of content, more "
                        f"than a model file may hold ({MAX_CONTENT_BYTES}).")
            if HEADER not in names:
                _refuse(path, f"not a skdeepchrome model file (a zip archive without {HEADER}).")
            header_bytes = archive.read(HEADER)
            header = _parse_header(path, header_bytes, supported_version)
            if CHECKSUM not in names:
                _refuse(path, "the model file has no checksum; it is truncated or was edited.")
            members = {n: archive.read(n) for n in names
                       if n.startswith((ARRAY_DIR, BLOB_DIR))}
            expected = archive.read(CHECKSUM).decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        _refuse(path, f"the model file is truncated or damaged ({exc}).")
    if _digest(header_bytes, members) != expected:
        _refuse(path, "checksum mismatch: the model file was edited or is damaged; refusing "
                "to load it.")
    arrays = {n[len(ARRAY_DIR):-len(".npy")]: _read_array(path, n, b)
              for n, b in members.items() if n.startswith(ARRAY_DIR)}
    blobs = {n[len(BLOB_DIR):]: b for n, b in members.items() if n.startswith(BLOB_DIR)}
    return header, arrays, blobs


def _parse_header(path, header_bytes, supported_version):
    try:
        header = json.loads(header_bytes)
    except (UnicodeDecodeError, ValueError):
        _refuse(path, f"{HEADER} is not valid JSON; the model file is damaged.")
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        _refuse(path, f"not a skdeepchrome model file ({HEADER} does not name the format "
                f"{FORMAT_NAME!r}).")
    version = header.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        _refuse(path, f"unknown model file format version {version!r}.")
    if version > supported_version:
        made_by = header.get("skdeepchrome_version", "?")
        _refuse(path, f"made by a newer skdeepchrome ({made_by}, model file format version "
                f"{version}; this one reads up to {supported_version}); upgrade skdeepchrome.")
    return header


def _read_array(path, name, data):
    try:
        array = np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
    except ValueError as exc:
        _refuse(path, f"{name} is not a plain array ({exc}).")
    if array.dtype.kind not in ARRAY_KINDS:
        _refuse(path, f"{name} has dtype {array.dtype}, which a model file may not hold.")
    return array
