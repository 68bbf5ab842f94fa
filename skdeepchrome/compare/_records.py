"""A run's journal: each finished unit (an epigenome, a fold) on disk as soon as it ends.

A comparison over the 56-epigenome release runs for hours; an interrupt, a killed job or a
worker out of memory must not cost the units already done. :class:`RunRecord` keeps, in
one folder:

- ``manifest.json``: what the run is (a fingerprint of the data, the models and their
  parameters, the protocol's settings, the seed, the package version). Resuming checks
  it against the new call and refuses, naming what differs, when they disagree.
- ``units/<unit>.json`` (rows of the results table, timings, warnings, extra settings such
  as tuned parameters, or the failure) and ``units/<unit>.npz`` (the held-out
  predictions, plain arrays): one pair per finished unit, each file written under a
  temporary name and renamed into place, the JSON last, so a unit is either wholly
  recorded or not at all. The JSON carries the run's identity (:func:`run_id`, a
  fingerprint of the manifest) and the SHA-256 of its ``.npz``: a resume refuses, naming
  the file, a unit another run wrote.

One run at a time writes a record: :meth:`RunRecord.open` takes the folder's lock
(:class:`skdeepchrome._files.FolderLock`) and a second run is refused in one line naming
the first; the run gives it back with :meth:`RunRecord.close` (:func:`run_units` does).
A full disk while a unit is saved stops the run in one line naming the file and the
units kept, which a resume continues from.

Nothing is pickled: a record is read back with ``json`` and ``numpy.load(...,
allow_pickle=False)``. The command line keeps the record in ``<report>/.skdeepchrome-run/``,
beside the report that the run writes at its end (which is staged elsewhere until then).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import weakref
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from .. import __version__
from .._files import FolderLock, atomic_path, disk_full, file_digest, is_disk_full, pause_point
from ..report import data_fingerprint

#: The record's folder inside a report folder (hidden: the report's own files are pruned
#: and replaced around it, never it).
RECORD_FOLDER = ".skdeepchrome-run"
MANIFEST_NAME = "manifest.json"
#: Bumped when the layout of the record's files changes; an older record is refused.
#: Format 2: each unit names its run and its predictions' digest.
RECORD_FORMAT = 2


@dataclass
class UnitResult:
    """What one finished unit contributes: table rows, predictions, extras, warnings."""

    rows: list
    predictions: pd.DataFrame
    extras: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)


@dataclass
class UnitFailure:
    """A unit that did not finish: ``failures`` holds ``(model, error)`` pairs."""

    failures: list
    warnings: list = field(default_factory=list)


def _unit_stem(unit):
    """A file name for ``unit``: readable, and distinct for distinct names."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", str(unit))[:60]
    return f"{safe}-{hashlib.sha256(str(unit).encode()).hexdigest()[:8]}"


def _json_value(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _write_atomic(path, write):
    with atomic_path(path) as part, open(part, "wb") as fh:
        write(fh)


def _write_json(path, content):
    text = json.dumps(content, indent=1, default=_json_value)
    _write_atomic(path, lambda fh: fh.write(text.encode("utf-8")))


def arrays_fingerprint(*values, length=16):
    """A short SHA-256 over arrays (and nested dicts, lists, scalars of them).

    Examples
    --------
    >>> import numpy as np
    >>> a = arrays_fingerprint(np.arange(4), {"y": [0, 1]})
    >>> a == arrays_fingerprint(np.arange(4), {"y": [0, 1]}), a == arrays_fingerprint(np.ones(4))
    (True, False)
    """
    digest = hashlib.sha256()

    def feed(value):
        if isinstance(value, dict):
            for key in sorted(value, key=str):
                digest.update(f"<{key}>".encode())
                feed(value[key])
        elif isinstance(value, np.ndarray) or (
                isinstance(value, (list, tuple)) and value
                and all(isinstance(v, (int, float, np.number)) for v in value)):
            array = np.ascontiguousarray(value)
            digest.update(f"{array.dtype.str}{array.shape}".encode())
            if array.dtype.kind == "O":
                digest.update(repr(array.tolist()).encode())
            else:
                digest.update(array.tobytes())
        elif isinstance(value, (list, tuple)):
            digest.update(b"[")
            for item in value:
                feed(item)
            digest.update(b"]")
        else:
            digest.update(repr(value).encode())

    for value in values:
        feed(value)
    return digest.hexdigest()[:length]


def _stable_repr(value):
    """``repr`` without memory addresses (``<function f at 0x7f...>``)."""
    return re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))


def _paths_in(source):
    """The existing files or folders a loader (``functools.partial``, nested) reads."""
    found = []
    if isinstance(source, partial):
        for value in (*source.args, *source.keywords.values()):
            # A bare word ("blood") is an argument, not a file, even if one exists here.
            path_like = isinstance(value, os.PathLike) or (
                isinstance(value, str) and os.sep in value)
            if path_like and Path(value).exists():
                found.append(Path(value))
            elif callable(value):
                found += _paths_in(value)
    return found


def source_fingerprint(source):
    """What identifies one epigenome's data: its files' bytes, its arrays, or its loader.

    A loader that reads files (``functools.partial(load_remc, folder)``) is identified by
    those files' content (:func:`skdeepchrome.report.data_fingerprint`); one that
    computes its data (the simulator's) by its arguments; data in memory by its arrays.
    """
    if callable(source):
        paths = _paths_in(source)
        if paths:
            return "files " + " ".join(data_fingerprint(p) for p in paths)
        return "loader " + _stable_repr(source)
    return "arrays " + arrays_fingerprint(dict(source))


def describe_models(models):
    """The models' part of a manifest: names, or each estimator's ``repr`` and parameters."""
    if models is None or isinstance(models, str):
        return {"names": models}
    if not isinstance(models, dict):
        return {"names": list(models)}
    described = {}
    for name, model in models.items():
        params = model.get_params(deep=True) if hasattr(model, "get_params") else {}
        text = "; ".join(f"{k}={_stable_repr(v)}" for k, v in sorted(params.items()))
        described[name] = {"repr": _stable_repr(model),
                           "params": hashlib.sha256(text.encode()).hexdigest()[:16]}
    return described


def run_id(manifest):
    """The identity of a run: a fingerprint of its manifest (data, models, parameters,
    seed, protocol, units, version), carried by every unit file it writes.

    Examples
    --------
    >>> a = make_manifest(protocol="paper", data="d", models={}, parameters={}, seed=0,
    ...                   units=["E1"])
    >>> run_id(a) == run_id(dict(a)), run_id(a) == run_id(dict(a, seed=1))
    (True, False)
    """
    text = json.dumps(manifest, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def make_manifest(*, protocol, data, models, parameters, seed, units):
    """The manifest of a run (see :class:`RunRecord`)."""
    return {"format": RECORD_FORMAT, "protocol": protocol, "data": data,
            "models": models, "parameters": parameters, "seed": seed,
            "version": __version__, "units": [str(u) for u in units]}


def open_record(record_dir, *, resume=False, **manifest):
    """The :class:`RunRecord` of a run in ``record_dir``, or None without a folder.

    ``manifest`` holds the keyword arguments of :func:`make_manifest`; ``resume`` is
    :meth:`RunRecord.open`'s, and needs a folder to resume from.
    """
    if record_dir is None:
        if resume:
            raise ValueError("resume=True continues the run recorded in record_dir; pass "
                             "record_dir.")
        return None
    return RunRecord.open(record_dir, make_manifest(**manifest), resume=resume)


#: Manifest keys and how a mismatch is named.
_WHAT = (("format", "record format"), ("protocol", "protocol"), ("data", "data"),
         ("units", "data"), ("models", "models"), ("parameters", "parameters"),
         ("seed", "seed"), ("version", "package version"))


def _difference(key, recorded, now):
    """A short phrase on how ``recorded`` and ``now`` differ."""
    if isinstance(recorded, dict) and isinstance(now, dict):
        keys = sorted(k for k in set(recorded) | set(now) if recorded.get(k) != now.get(k))
        return ", ".join(map(str, keys[:4])) + (" ..." if len(keys) > 4 else "")
    if key in ("seed", "version", "format", "protocol"):
        return f"recorded {recorded}, now {now}"
    if isinstance(recorded, list) and isinstance(now, list):
        return f"{len(recorded)} recorded, {len(now)} now"
    return ""


class RunRecord:
    """A folder recording a run's finished units, so that an interrupted run can resume.

    Use :meth:`open` rather than the constructor: it starts a fresh record or, with
    ``resume=True``, checks that the folder's record was made by the same run.

    Parameters
    ----------
    folder : str or Path
    manifest : dict
        From :func:`make_manifest`.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> manifest = make_manifest(protocol="demo", data="d", models={"names": ["m"]},
    ...                          parameters={}, seed=0, units=["a", "b"])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     record = RunRecord.open(tmp, manifest)
    ...     record.save("a", UnitResult([{"model": "m", "value": 0.5}],
    ...                                 pd.DataFrame({"gene": [0, 1], "score": [.2, .8]})))
    ...     again = RunRecord.open(tmp, manifest, resume=True)
    ...     sorted(again.finished()), again.finished()["a"].rows
    (['a'], [{'model': 'm', 'value': 0.5}])
    """

    def __init__(self, folder, manifest):
        self.folder = Path(folder)
        self.manifest = manifest

    @property
    def units_folder(self):
        return self.folder / "units"

    @classmethod
    def open(cls, folder, manifest, *, resume=False):
        """Start a record in ``folder`` (discarding an earlier one) or resume its record.

        With ``resume=True`` and a record in ``folder``, raise ``ValueError`` naming what
        differs between its manifest and ``manifest`` (data, models, parameters, seed,
        package version); with no record there, start a fresh one.
        """
        record = cls(folder, manifest)
        record._lock = FolderLock(record.folder, option="run record").acquire()
        # Given back when the record is dropped, if close was not called.
        record._finalizer = weakref.finalize(record, record._lock.release)
        try:
            path = record.folder / MANIFEST_NAME
            if resume and path.is_file():
                try:
                    recorded = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError) as exc:
                    raise ValueError(f"{path}: the run's record is unreadable ({exc}); run "
                                     "again without resuming to start afresh.") from None
                record.check(recorded)
                record._remove_partial_files()
                return record
            record.discard()
        except BaseException:
            record.close()
            raise
        return record

    @property
    def run(self):
        """This run's identity (:func:`run_id`), written into each of its unit files."""
        return run_id(self.manifest)

    def close(self):
        """Give the record's lock back (another run may then open it)."""
        finalizer = getattr(self, "_finalizer", None)
        if finalizer is not None and finalizer.alive:
            finalizer()
            for folder in (self.units_folder, self.folder):
                with contextlib.suppress(OSError):
                    folder.rmdir()  # only when empty: nothing was recorded

    def _remove_partial_files(self):
        """Partial files a killed run left (under the lock, no writer is alive)."""
        if self.units_folder.is_dir():
            for old in self.units_folder.glob(".*.part"):
                with contextlib.suppress(OSError):
                    old.unlink()

    def discard(self):
        """Remove the record's own files (a fresh run replaces an earlier record).

        The folder itself is written only when the first unit finishes, so a run
        interrupted before that leaves nothing behind.
        """
        if self.units_folder.is_dir():
            for old in self.units_folder.iterdir():
                if old.is_file() and old.suffix in (".json", ".npz", ".part"):
                    old.unlink()
        manifest = self.folder / MANIFEST_NAME
        if manifest.is_file():
            manifest.unlink()
        for folder in (self.units_folder, self.folder):
            try:
                folder.rmdir()
            except OSError:
                pass  # not empty (someone else's files) or absent

    def check(self, recorded):
        """Raise ``ValueError`` unless ``recorded`` is this run's manifest."""
        differ = []
        for key, what in _WHAT:
            if recorded.get(key) != self.manifest.get(key):
                phrase = _difference(key, recorded.get(key), self.manifest.get(key))
                entry = f"{what} ({phrase})" if phrase else what
                if not any(d.split(" (")[0] == what for d in differ):
                    differ.append(entry)
        if differ:
            raise ValueError(
                f"cannot resume from {self.folder}: this run's {'; '.join(differ)} "
                f"{'is' if len(differ) == 1 else 'are'} not the recorded run's; run again "
                "without resuming to start afresh, or with the recorded settings."
            )

    def finished(self):
        """``{unit: UnitResult or UnitFailure}`` of every unit recorded so far.

        Raises
        ------
        ValueError
            Naming the file, when a unit file was written by another run (another seed,
            data, models or settings) or its predictions are not the ones it recorded:
            the record is not this run's alone, and resuming would mix two runs.
        """
        found = {}
        if not self.units_folder.is_dir():
            return found
        names = set(self.manifest.get("units", []))
        for path in sorted(self.units_folder.glob("*.json")):
            try:
                entry = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # unreadable: that unit runs again
            if not isinstance(entry, dict):
                continue
            if entry.get("run") != self.run:
                raise ValueError(self._not_ours(path, "was written by another run "
                                 f"(run {entry.get('run')}, this record's is {self.run})"))
            unit = entry.get("unit")
            if unit not in names:
                continue
            warnings = [tuple(w) for w in entry.get("warnings", [])]
            if entry.get("status") == "failed":
                found[unit] = UnitFailure([tuple(f) for f in entry["failures"]], warnings)
                continue
            npz = path.with_suffix(".npz")
            try:
                digest = file_digest(npz)
            except OSError:
                continue  # missing: that unit runs again
            if digest != entry.get("npz_sha256"):
                raise ValueError(self._not_ours(npz, "is not the file its unit recorded "
                                                     "(another run's predictions)"))
            try:
                with np.load(npz, allow_pickle=False) as arrays:
                    predictions = pd.DataFrame({c: arrays[c] for c in entry["columns"]})
            except (OSError, ValueError, KeyError):
                continue
            found[unit] = UnitResult(entry["rows"], predictions, entry.get("extras", {}),
                                     warnings)
        return found

    def _not_ours(self, path, what):
        return (f"cannot resume from {self.folder}: {path} {what}; the record mixes two "
                "runs. Run again without resuming to start afresh.")

    def recorded_units(self):
        """How many units this run has recorded (finished or failed)."""
        if not self.units_folder.is_dir():
            return 0
        return sum(1 for _ in self.units_folder.glob("*.json"))

    def save(self, unit, result):
        """Record ``result`` (a :class:`UnitResult` or :class:`UnitFailure`) of ``unit``.

        Raises
        ------
        skdeepchrome._files.DiskFullError
            When the disk fills: the message names the file, and the units recorded before
            ``unit``, which are kept (a resume continues from them).
        """
        try:
            self._save(unit, result)
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            stem = self.units_folder / _unit_stem(unit)
            if not stem.with_suffix(".json").is_file():
                with contextlib.suppress(OSError):
                    stem.with_suffix(".npz").unlink()  # half a unit: it runs again
            kept = self.recorded_units()
            raise disk_full(exc, getattr(exc, "filename", None) or stem.with_suffix(".npz"),
                            f"{unit} is not recorded; the {kept} unit(s) recorded before it "
                            f"are kept in {self.folder} (resume to continue)") from None
        pause_point("unit-recorded")

    def _save(self, unit, result):
        if not (self.folder / MANIFEST_NAME).is_file():
            self.units_folder.mkdir(parents=True, exist_ok=True)
            _write_json(self.folder / MANIFEST_NAME, self.manifest)
        stem = self.units_folder / _unit_stem(unit)
        warnings = [list(w) for w in result.warnings]
        if isinstance(result, UnitFailure):
            _write_json(stem.with_suffix(".json"),
                        {"unit": str(unit), "run": self.run, "status": "failed",
                         "warnings": warnings, "failures": [list(f) for f in result.failures]})
            return
        frame = result.predictions
        columns = [str(c) for c in frame.columns]
        arrays = {c: np.asarray(frame[c].to_numpy()) for c in columns}
        for name, array in arrays.items():
            if array.dtype.kind == "O":
                arrays[name] = array.astype(str)  # text columns: plain unicode, no objects
        _write_atomic(stem.with_suffix(".npz"), lambda fh: np.savez(fh, **arrays))
        _write_json(stem.with_suffix(".json"),
                    {"unit": str(unit), "run": self.run, "status": "finished",
                     "npz_sha256": file_digest(stem.with_suffix(".npz")), "rows": result.rows,
                     "columns": columns, "extras": result.extras, "warnings": warnings})
