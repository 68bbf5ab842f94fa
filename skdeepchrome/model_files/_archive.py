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
    name order: accidental damage of the payload is refused before anything is rebuilt.
``signature`` (only in files saved with a key)
    Hex HMAC-SHA256, under the user's key, of the ``sha256`` digest.

The reader trusts nothing the file says about sizes: every member is streamed and
refused as soon as it holds more than it declares or than :data:`MAX_CONTENT_BYTES`
allows in all, and an array's header must describe exactly the bytes that follow it, so
memory stays bounded by the cap whatever the file declares.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import math
import struct
import tokenize
import zipfile
import zlib

import numpy as np

from ..exceptions import ModelFileError
from ._values import ARRAY_KINDS

#: The ``format`` field of every model file's header.
FORMAT_NAME = "skdeepchrome-model"
#: Bump when a reader of the previous version could not rebuild the new files.
FORMAT_VERSION = 1
HEADER = "skdeepchrome-model.json"
CHECKSUM = "sha256"
SIGNATURE = "signature"
ARRAY_DIR = "arrays/"
BLOB_DIR = "blobs/"
#: The most content (uncompressed bytes, all members together) a model file may hold.
#: Measured on the largest models the package makes, ``make_model(name)`` with its
#: defaults fitted on release-sized data (6,601 genes x 500 features): random-forest
#: regressor 141 MB (500 trees), random-forest classifier 61 MB, SVR 24 MB, SVC 18 MB,
#: the five-member DeepChrome network 13 MB, gradient boosting 1.5 MB. A forest grows
#: with the genes it is fitted on: 1 GiB leaves room for one fitted on all ~20,000
#: protein-coding genes (~3 x 141 MB) twice over, and bounds what loading any file can
#: cost (a few times the cap); a file that declares or holds more is refused before or
#: while it is decompressed (a "zip bomb" included).
MAX_CONTENT_BYTES = 2**30
#: The JSON description is a few kilobytes (arrays are members of their own).
MAX_HEADER_BYTES = 2**22
#: Members of one archive: a pipeline's arrays are a few dozen.
MAX_MEMBERS = 10_000
#: Nesting of the JSON description; a pipeline of networks needs about ten levels.
MAX_JSON_DEPTH = 64
#: Dimensions of one array (a network's weights have at most four).
MAX_NDIM = 8
#: Bytes decompressed per read: a member is never inflated further than this past its
#: declared size.
_CHUNK = 2**20
_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
#: What zipfile, zlib and struct raise on a damaged archive (a ValueError subclass such
#: as UnicodeDecodeError for a mangled member name included).
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, zlib.error,
              struct.error, NotImplementedError, RuntimeError, ValueError, KeyError,
              IndexError, OverflowError)


def _digest(header_bytes, array_members):
    digest = hashlib.sha256(header_bytes)
    for name in sorted(array_members):
        digest.update(name.encode())
        digest.update(array_members[name])
    return digest.hexdigest()


def _key_bytes(key):
    if isinstance(key, str):
        key = key.encode()
    if not isinstance(key, (bytes, bytearray)) or not key:
        raise TypeError(f"key must be a non-empty str or bytes, got {type(key).__name__}.")
    return bytes(key)


def signature(key, digest):
    """The HMAC-SHA256 (hex) of a file's sha256 ``digest`` under ``key``."""
    return hmac.new(_key_bytes(key), digest.encode("ascii"), hashlib.sha256).hexdigest()


def _npy_bytes(array):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _compression(data):
    """Deflate a member unless that saves under a tenth of it: a network's weights shrink
    by ~8%, and inflating them cost more at every load (half a second of a cold
    ``skdeepchrome predict`` with the five networks of the recommended model) than the
    megabyte saved is worth. Judged on a sample of the member: deflating one to see
    would cost the time it saves."""
    sample = data[: 2**16]
    if len(data) <= 2**16 or len(zlib.compress(sample, 1)) < 0.9 * len(sample):
        return zipfile.ZIP_DEFLATED
    return zipfile.ZIP_STORED


def write_archive(path, header, arrays, blobs=None, key=None):
    """Write ``header`` (JSON-able dict), ``arrays`` (name -> ndarray) and ``blobs`` (name ->
    bytes) to ``path``; signed with ``key`` when one is given."""
    header_bytes = json.dumps(header, indent=1, allow_nan=False).encode()
    members = {f"{ARRAY_DIR}{name}.npy": _npy_bytes(a) for name, a in arrays.items()}
    members.update({f"{BLOB_DIR}{name}": data for name, data in (blobs or {}).items()})
    digest = _digest(header_bytes, members)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(HEADER, header_bytes)
        for name in sorted(members):
            archive.writestr(name, members[name], compress_type=_compression(members[name]))
        archive.writestr(CHECKSUM, digest)
        if key is not None:
            archive.writestr(SIGNATURE, signature(key, digest))


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


def check_members(infos, where, limit=None):
    """Refuse (ValueError naming ``where``) a zip listing that is too large or ambiguous.

    Checked from the zip directory alone, before anything is decompressed: the number of
    members, duplicate names (two members of one name would let the checksum cover one
    and the reader take the other), compression methods other than stored and deflated
    (bzip2 and lzma inflate without a bound per read) and the declared total size.
    """
    if len(infos) > MAX_MEMBERS:
        raise ValueError(f"{where} has {len(infos)} members, more than a model file holds "
                         f"({MAX_MEMBERS}).")
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):
        duplicate = next(n for n in names if names.count(n) > 1)
        raise ValueError(f"{where} holds the member {duplicate!r} twice.")
    odd = [info.filename for info in infos if info.compress_type not in _COMPRESSIONS]
    if odd:
        raise ValueError(f"{where}: the member {odd[0]!r} uses a compression method a model "
                         "file does not use (only stored and deflated).")
    limit = MAX_CONTENT_BYTES if limit is None else limit
    declared = sum(info.file_size for info in infos)
    if declared > limit:
        raise ValueError(f"{where} declares {declared} bytes of content, more than a model "
                         f"file may hold ({limit}).")


def read_member(archive, info, where, limit):
    """The bytes of member ``info``, streamed: refused past its declared size or ``limit``.

    zipfile truncates a member to its declared size but inflates a whole compressed read
    first; reading in bounded chunks keeps the memory to the declared size (checked
    against ``limit`` beforehand) plus one chunk.
    """
    if info.file_size > limit:
        raise ValueError(f"{where}: the member {info.filename!r} declares {info.file_size} "
                         f"bytes, more than is left of a model file's {MAX_CONTENT_BYTES}.")
    chunks, total = [], 0
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(min(_CHUNK, info.file_size - total + 1))
            if not chunk:
                break
            total += len(chunk)
            if total > info.file_size:
                raise ValueError(f"{where}: the member {info.filename!r} holds more than "
                                 f"the {info.file_size} bytes it declares.")
            chunks.append(chunk)
    if total != info.file_size:
        raise ValueError(f"{where}: the member {info.filename!r} holds {total} bytes but "
                         f"declares {info.file_size}; it is truncated.")
    return b"".join(chunks)


def read_archive(path, *, supported_version=FORMAT_VERSION, key=None):
    """The header dict, arrays and blobs of the model file ``path``, checked; never unpickles.

    With ``key``, the file must carry a signature made with that key.
    """
    if not zipfile.is_zipfile(path):
        _refuse(path, _not_a_zip(path))
    try:
        with zipfile.ZipFile(path) as archive:
            infos = {info.filename: info for info in archive.infolist()}
            check_members(list(infos.values()), "the model file")
            if HEADER not in infos:
                _refuse(path, f"not a skdeepchrome model file (a zip archive without {HEADER}).")
            header_bytes = read_member(archive, infos[HEADER], "the model file",
                                       MAX_HEADER_BYTES)
            header = _parse_header(path, header_bytes, supported_version)
            if CHECKSUM not in infos:
                _refuse(path, "the model file has no checksum; it is truncated or was edited.")
            expected = read_member(archive, infos[CHECKSUM], "the model file", 1024)
            expected = expected.decode("ascii", "replace").strip()
            signed = (read_member(archive, infos[SIGNATURE], "the model file", 1024)
                      .decode("ascii", "replace").strip() if SIGNATURE in infos else None)
            members, left = {}, MAX_CONTENT_BYTES - len(header_bytes)
            for name, info in infos.items():
                if name.startswith((ARRAY_DIR, BLOB_DIR)):
                    members[name] = read_member(archive, info, "the model file", left)
                    left -= len(members[name])
    except ModelFileError:
        raise
    except ZIP_ERRORS as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        _refuse(path, f"the model file is truncated or damaged ({exc}).")
    digest = _digest(header_bytes, members)
    if digest != expected:
        _refuse(path, "checksum mismatch: the model file is damaged or was edited without "
                "updating its checksum; refusing to load it.")
    if key is not None:
        if signed is None:
            _refuse(path, "the model file is not signed, but a key was given: it was saved "
                    "without key= (or its signature was removed); refusing to load it.")
        if not hmac.compare_digest(signed, signature(key, digest)):
            _refuse(path, "the signature does not match the key: the model file was signed "
                    "with another key or edited after signing; refusing to load it.")
    arrays = {n[len(ARRAY_DIR):-len(".npy")]: read_npy(path, n, b)
              for n, b in members.items() if n.startswith(ARRAY_DIR) and n.endswith(".npy")}
    blobs = {n[len(BLOB_DIR):]: b for n, b in members.items() if n.startswith(BLOB_DIR)}
    return header, arrays, blobs


def json_depth(value):
    """How deeply ``value`` (parsed JSON) nests lists and dicts; iterative, any depth."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                return depth
            stack.extend((child, depth + 1) for child in item)
    return deepest


def parse_json(data, what):
    """Parse JSON ``data`` (bytes) nested at most :data:`MAX_JSON_DEPTH`; ValueError if not."""
    try:
        value = json.loads(data)
    except RecursionError:
        raise ValueError(f"{what} nests deeper than a model file does ({MAX_JSON_DEPTH} "
                         "levels).") from None
    except (UnicodeDecodeError, ValueError):
        raise ValueError(f"{what} is not valid JSON; the model file is damaged.") from None
    if json_depth(value) > MAX_JSON_DEPTH:
        raise ValueError(f"{what} nests deeper than a model file does ({MAX_JSON_DEPTH} "
                         "levels).")
    return value


def _parse_header(path, header_bytes, supported_version):
    try:
        header = parse_json(header_bytes, HEADER)
    except ValueError as exc:
        _refuse(path, str(exc))
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
    if not isinstance(header.get("model"), dict):
        _refuse(path, f"{HEADER} describes no model; the model file is damaged.")
    return header


def npy_layout(data, name, kinds=ARRAY_KINDS):
    """``(shape, fortran_order, dtype, offset)`` of the ``.npy`` bytes ``data``, checked.

    The header must describe exactly the bytes that follow it (numpy itself allocates
    the declared shape before it reads), with a plain dtype of one of ``kinds`` (or a
    structure of plain numeric fields when ``kinds`` holds ``"V"``), at most
    :data:`MAX_NDIM` dimensions. ValueError naming ``name`` otherwise.
    """
    stream = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(stream)
        else:
            raise ValueError(f"npy format version {version}")
    except (ValueError, TypeError, SyntaxError, EOFError, OverflowError, MemoryError,
            RecursionError, tokenize.TokenError) as exc:
        # numpy parses the header as a Python literal (tokenize, ast): a damaged one
        # fails in any of these ways.
        raise ValueError(f"{name} is not a plain .npy array ({exc}).") from None
    if dtype.hasobject or dtype.kind not in kinds or dtype.itemsize == 0 or dtype.subdtype:
        raise ValueError(f"{name} has dtype {dtype}, which a model file may not hold.")
    if dtype.names is not None and any(
            dtype.fields[field][0].kind not in "biuf" or dtype.fields[field][0].subdtype
            for field in dtype.names):
        raise ValueError(f"{name} has dtype {dtype}, which a model file may not hold.")
    if len(shape) > MAX_NDIM or any(not isinstance(n, int) or n < 0 for n in shape):
        raise ValueError(f"{name} declares the shape {shape}, which a model file may not hold.")
    offset = stream.tell()
    declared = math.prod(shape) * dtype.itemsize
    if declared != len(data) - offset:
        raise ValueError(f"{name} declares {declared} bytes of data (shape {shape}, dtype "
                         f"{dtype}) but holds {len(data) - offset}.")
    return shape, fortran, dtype, offset


def npy_array(data, name, kinds=ARRAY_KINDS):
    """The array of the ``.npy`` bytes ``data`` (see :func:`npy_layout`), a writable copy."""
    shape, fortran, dtype, offset = npy_layout(data, name, kinds)
    flat = np.frombuffer(data, dtype=dtype, count=math.prod(shape), offset=offset)
    return flat.reshape(shape, order="F" if fortran else "C").copy(order="K")


def read_npy(path, name, data):
    """:func:`npy_array` with a :class:`ModelFileError` naming the file."""
    try:
        return npy_array(data, name)
    except ValueError as exc:
        _refuse(path, str(exc))
