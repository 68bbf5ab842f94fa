"""Report folders: one run at a time, checked before any work, filled whole, never stale.

A command first calls :func:`check_output_folder` (so a bad ``--out`` fails before the
models train) and takes the folder's :class:`FolderLock`, so that a second run on the same
folder is refused in one line naming the running one. It then writes everything into a
hidden staging folder beside the target with :class:`StagedFolder`. Only when the command
has finished are the staged files moved in, replacing the package's own files of an
earlier run and removing those this run did not write again (a picture from a run with
plots, say, after one without).

Moving several files in cannot be one step, so a commit is a small journal. The staging
folder holds a marker naming its target (``.skdeepchrome-stage``, written when it is
made); once every file is staged, a commit record (``.skdeepchrome-commit``) lists them
with their SHA-256. From then on the commit only goes forward: the folder's manifest
(:data:`MANIFEST`) says ``state committing``, the files are moved in, and the manifest is
rewritten last, ``state complete``, naming the run and each file's digest. A run killed
before the commit record leaves the target as it was; one killed after it leaves the
manifest saying so, and the next run on the folder (:func:`recover`, under the lock)
finishes the move before anything else. A reader checks a folder with
:func:`check_whole`: the manifest complete and every file it lists the one it lists.

Leftovers are removed on every exit path that runs Python code (an exception, Ctrl-C,
and, in the command line, SIGTERM) and, after a ``kill -9`` or a power cut, by the next
run: staging folders recognised by their name and marker, and partial files of
:func:`atomic_path` recognised by their name, whose process is gone.

One file is written by :func:`atomic_path`: under a temporary name, renamed into place
only once it is complete.

The environment variable ``SKDEEPCHROME_TEST_PAUSE`` (``point`` or ``point:seconds``)
makes a run sleep at one named point of a commit or a record (:func:`pause_point`), until
the file ``SKDEEPCHROME_TEST_PAUSE_UNTIL`` names exists if it is set; it exists only so
that tests can run a second process or kill the run at that point with a real signal.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shlex
import shutil
import socket
import sys
import time
import uuid
from pathlib import Path

from filelock import FileLock, Timeout

#: The file, inside a report folder, that lists the files the package wrote there.
MANIFEST = ".skdeepchrome-files"
#: The lock file of a folder (removed again when its run ends) and its holder's details.
LOCK = ".skdeepchrome-lock"
LOCK_HOLDER = ".skdeepchrome-lock.json"
#: Inside a staging folder: what it stages (written first), and its commit (written last).
STAGE_MARK = ".skdeepchrome-stage"
COMMIT_MARK = ".skdeepchrome-commit"
#: The package's bookkeeping files: never part of a report's files.
BOOKKEEPING = frozenset({MANIFEST, LOCK, LOCK_HOLDER, STAGE_MARK, COMMIT_MARK})
#: Format of the manifest (the first line of one written since format 2).
MANIFEST_FORMAT = 2

_STAGE_NAME = re.compile(r"\.(?P<target>.+)\.partial-[0-9a-f]{8}")
#: A partial file of :func:`atomic_path`: ``.NAME.HOST-PID-RANDOM.part``.
_PART_NAME = re.compile(r"\.(?P<name>.+)\.(?P<host>[0-9a-f]{4})-(?P<pid>[0-9]+)-[0-9a-f]{8}\.part")
#: The same, as written before partial files carried their process (random part only).
_OLD_PART_NAME = re.compile(r"\.(?P<name>.+)\.[0-9a-f]{12}\.part")
#: The files a staging folder of an earlier version may hold (a report's, and partial ones).
_REPORT_NAME = re.compile(r"(results|summary|tests)\.csv|predictions\.csv\.gz"
                          r"|report\.(json|md|html)|[a-z0-9_]+\.png|\..+\.[0-9a-f]{12}\.part")
#: An old-style partial file is taken for a leftover once it is this old (seconds).
_OLD_PART_AGE = 3600.0


class DiskFullError(OSError):
    """The disk (or quota) filled while writing: the message names the file and what is kept.

    Its ``errno`` stays the system's (``ENOSPC``, ``EDQUOT``); ``str`` is the message alone.
    """

    def __str__(self):
        return str(self.strerror if self.strerror is not None else super().__str__())


#: errno values that mean "no room left": the disk, or the user's quota.
_FULL = {errno.ENOSPC} | ({errno.EDQUOT} if hasattr(errno, "EDQUOT") else set())


def is_disk_full(exc):
    """Whether ``exc`` is an ``OSError`` for a full disk or an exceeded quota."""
    return isinstance(exc, OSError) and exc.errno in _FULL


def disk_full(exc, path, kept):
    """A :class:`DiskFullError` for ``exc``: ``path`` could not be written; ``kept`` says
    what survives (a phrase: ``"the report folder is unchanged"``)."""
    return DiskFullError(exc.errno, f"no space left on the device (or quota exceeded) while "
                                    f"writing {path}; {kept}.", str(path))


# ----------------------------------------------------------------------------------------
# Who is running


_COMMAND = []


def set_command(command):
    """Record the command line this process runs (the command line sets it); returns a
    callable that restores the previous one."""
    _COMMAND.append(command)
    return lambda: _COMMAND.remove(command)


def this_process():
    """``{pid, host, started, command}`` of this process, as locks and manifests name it."""
    command = _COMMAND[-1] if _COMMAND else shlex.join([os.path.basename(sys.executable),
                                                        *sys.argv])
    return {"pid": os.getpid(), "host": socket.gethostname(),
            "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
            "command": command}


def _host_tag():
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:4]


def _process_gone(pid):
    """Whether no process ``pid`` runs on this machine (never said on Windows, where
    ``os.kill(pid, 0)`` would send the process a Ctrl-C)."""
    if os.name == "nt":  # pragma: no cover - POSIX in CI
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, ValueError):
        return False  # someone else's process (or not a pid we can ask about): keep
    return False


def pause_point(point):
    """Sleep here if ``SKDEEPCHROME_TEST_PAUSE`` names ``point`` (tests only, see module)."""
    wanted = os.environ.get("SKDEEPCHROME_TEST_PAUSE")
    if not wanted:
        return
    name, _, seconds = wanted.partition(":")
    if name == point:
        print(f"skdeepchrome: paused at {point}", file=sys.stderr, flush=True)
        until = os.environ.get("SKDEEPCHROME_TEST_PAUSE_UNTIL")
        deadline = time.monotonic() + float(seconds or 60)
        while time.monotonic() < deadline and not (until and os.path.exists(until)):
            time.sleep(0.05)


# ----------------------------------------------------------------------------------------
# Checking a folder


def check_output_folder(path, option="--out", own=()):
    """Raise a one-line error unless ``path`` is, or can become, a writable folder.

    Nothing is left behind: folders created to test writability are removed again. A
    folder that holds a file of one of the ``own`` names which the package did not write
    there is refused too (see :func:`refuse_foreign`).

    Parameters
    ----------
    path : str or Path
    option : str, default="--out"
        How the error names the setting.
    own : iterable of str, default=()
        The names the command will write into the folder.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     check_output_folder(Path(tmp) / "new" / "report")
    ...     sorted(Path(tmp).iterdir())
    []
    >>> check_output_folder("/proc/nope")
    Traceback (most recent call last):
    ...
    ValueError: --out /proc/nope: cannot create this folder (...).
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{option} {path}: is a file, not a folder; name a folder for the "
                         "report.")
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise ValueError(f"{option} {path}: {probe} is a file, so the folder cannot be made.")
    try:
        path.mkdir(parents=True, exist_ok=True)
        test = path / f".write-test-{uuid.uuid4().hex[:8]}"
        test.write_bytes(b"")
        test.unlink()
    except OSError as exc:
        reason = exc.strerror or errno.errorcode.get(exc.errno, str(exc))
        verb = "cannot write into" if path.is_dir() and not missing else "cannot create"
        raise ValueError(f"{option} {path}: {verb} this folder ({reason.lower()}).") from None
    finally:
        for folder in missing:  # deepest first
            with contextlib.suppress(OSError):
                folder.rmdir()
    refuse_foreign(path, own, option)


def foreign_files(folder, names):
    """Those of ``names`` that are files in ``folder`` the package did not write there.

    What the package wrote is what the folder's manifest (:data:`MANIFEST`) lists; a file
    of one of its names that is not listed is someone else's, whatever its name.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = (Path(tmp) / "results.csv").write_text("the user's")
    ...     foreign_files(tmp, ["results.csv", "report.md"])
    ['results.csv']
    """
    folder = Path(folder)
    ours = set(read_manifest(folder))
    return sorted(n for n in set(names) if n not in ours and (folder / n).is_file())


def refuse_foreign(folder, names, option="--out"):
    """Raise a one-line ``ValueError`` if writing ``names`` into ``folder`` would replace a
    file the package did not write there."""
    foreign = foreign_files(folder, names)
    if foreign:
        raise ValueError(
            f"{option} {folder}: holds {', '.join(foreign)}, which skdeepchrome did not "
            f"write there; it replaces only its own files (those listed in {MANIFEST}). "
            "Choose another folder, or move those files."
        )


def prune_stale(folder, written):
    """Remove the files an earlier run wrote in ``folder`` that this run did not write.

    Only files the folder's manifest lists are removed: never a file the package did not
    write there.

    Parameters
    ----------
    folder : Path
    written : iterable of str
        File names written this run.

    Returns
    -------
    list of str
        The names removed.
    """
    folder = Path(folder)
    removed = []
    for name in sorted(set(read_manifest(folder)) - set(written)):
        candidate = folder / name
        # Only plain files directly in the folder: a manifest entry cannot reach outside it.
        if not _plain_name(name) or not candidate.is_file():
            continue
        candidate.unlink()
        removed.append(name)
    return removed


def _plain_name(name):
    return "/" not in name and "\\" not in name and name not in ("", ".", "..") and (
        name not in BOOKKEEPING)


# ----------------------------------------------------------------------------------------
# The manifest


def read_manifest(folder):
    """The file names an earlier run recorded in ``folder`` (empty when none)."""
    return list(read_manifest_entry(folder)["files"])


def read_manifest_entry(folder):
    """The folder's manifest: ``{"state", "run", "files": {name: sha256 or None}}``.

    A manifest of format 1 (one name a line) reads as complete with no digests; a folder
    without one has no files and state ``None``.
    """
    try:
        lines = (Path(folder) / MANIFEST).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {"state": None, "run": {}, "files": {}}
    entry = {"state": "complete", "run": {}, "files": {}}
    for line in lines:
        if line.startswith("# state: "):
            entry["state"] = line[len("# state: "):].strip()
        elif line.startswith("# run: "):
            with contextlib.suppress(ValueError):
                run = json.loads(line[len("# run: "):])
                entry["run"] = run if isinstance(run, dict) else {}
        elif line.startswith("#") or not line.strip():
            continue
        else:
            name, _, digest = line.partition("\t")
            entry["files"][name] = digest.strip() or None
    return entry


def write_manifest(folder, names, *, state="complete", run=None):
    """Record ``names`` (a list, or ``{name: sha256}``) as the package's files in ``folder``.

    Written under a temporary name and renamed: a reader sees the old manifest or the new.
    """
    files = dict(names) if isinstance(names, dict) else dict.fromkeys(names)
    lines = [f"# skdeepchrome report files, format {MANIFEST_FORMAT}: name<TAB>sha256",
             f"# state: {state}", f"# run: {json.dumps(run or {}, sort_keys=True)}"]
    lines += [f"{n}\t{files[n] or ''}".rstrip("\t") for n in sorted(files)]
    with atomic_path(Path(folder) / MANIFEST) as part:
        part.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def file_digest(path):
    """SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_whole(folder, option="report folder"):
    """The manifest of ``folder`` if it holds one whole report; a one-line error if not.

    Whole means: the manifest says ``complete`` (no run stopped while moving its files
    in) and every file it lists is there with the SHA-256 it lists, so no file of another
    run sits among them.

    Raises
    ------
    ValueError
        Naming the folder, the run and the files out of step.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with StagedFolder(Path(tmp) / "r", own=["a.csv"]) as stage:
    ...         _ = (stage.path / "a.csv").write_text("new")
    ...         _ = stage.commit()
    ...     sorted(check_whole(Path(tmp) / "r")["files"])
    ['a.csv']
    """
    folder = Path(folder)
    entry = read_manifest_entry(folder)
    run = entry["run"]
    who = (f"run {run.get('id', '?')} (pid {run.get('pid', '?')} on {run.get('host', '?')}"
           f", {run.get('started', '?')})") if run else "an earlier run"
    if entry["state"] is None:
        raise ValueError(f"{option} {folder}: holds no skdeepchrome report ({MANIFEST} "
                         "is missing).")
    if entry["state"] != "complete":
        raise ValueError(f"{option} {folder}: {who} was stopped while moving its files in, "
                         "so the folder may hold files of two runs; run the command on it "
                         "again to finish or replace the report.")
    wrong = []
    for name, digest in sorted(entry["files"].items()):
        path = folder / name
        if not path.is_file():
            wrong.append(f"{name} (missing)")
        elif digest is not None and file_digest(path) != digest:
            wrong.append(f"{name} (not the file the run wrote)")
    if wrong:
        raise ValueError(f"{option} {folder}: the files of {who} are not all there: "
                         f"{', '.join(wrong)}.")
    return entry


# ----------------------------------------------------------------------------------------
# One run per folder


#: ``{lock path: [FileLock, count, folders created, pid]}`` of the locks this process holds.
_HELD = {}


class FolderLock:
    """One run at a time in ``folder``: a second run is refused in one line naming the first.

    The lock is a :mod:`filelock` lock on ``folder/.skdeepchrome-lock`` (``flock``, which
    the operating system releases when the process ends, however it ends; on a network
    file system it needs working locks, as NFSv4 and Lustre provide). Its holder's pid,
    host, start time and command are written beside it, for the refusal. Within one
    process the lock is re-entrant. When the run ends the lock file is removed (a waiter
    that had opened it notices and tries again), and so is the folder when the lock made
    it and nothing else was written there.

    Parameters
    ----------
    folder : str or Path
    option : str, default="--out"
        How a refusal names the folder's setting.

    Raises
    ------
    ValueError
        From :meth:`acquire`, when another process holds the lock.

    Examples
    --------
    >>> import tempfile, subprocess, sys
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp, FolderLock(Path(tmp) / "out"):
    ...     code = ("from skdeepchrome._files import FolderLock; "
    ...             f"FolderLock({str(Path(tmp) / 'out')!r}).acquire()")
    ...     other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    ...     "is in use by another skdeepchrome run (pid" in other.stderr
    True
    """

    def __init__(self, folder, option="--out"):
        self.folder = Path(folder)
        self.option = option
        self._key = None

    @property
    def path(self):
        return self.folder / LOCK

    def acquire(self):
        key = str(self.folder.absolute() / LOCK)
        held = _HELD.get(key)
        if held is not None and held[3] == os.getpid():
            held[1] += 1
            self._key = key
            return self
        created = []
        probe = self.folder
        while not probe.exists():
            created.append(probe)
            if probe.parent == probe:
                break
            probe = probe.parent
        self.folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path), timeout=0)
        try:
            for _ in range(5):
                try:
                    lock.acquire(timeout=0)
                except Timeout:
                    raise ValueError(self._busy()) from None
                if _still_linked(lock, self.path):
                    break
                lock.release()  # a finished run removed the file we locked: take the new one
            else:  # pragma: no cover - five finishing runs in a row
                raise ValueError(self._busy())
        except BaseException:
            _remove_empty(created)
            raise
        _HELD[key] = [lock, 1, created, os.getpid()]
        self._key = key
        with contextlib.suppress(OSError):
            _write_json(self.folder / LOCK_HOLDER, this_process())
        return self

    def release(self):
        key, self._key = self._key, None
        held = _HELD.get(key) if key is not None else None
        if held is None or held[3] != os.getpid():
            return
        held[1] -= 1
        if held[1] > 0:
            return
        lock, _, created, _ = _HELD.pop(key)
        with contextlib.suppress(OSError):
            (self.folder / LOCK_HOLDER).unlink()
        # Removed while still held: a run that opened it meanwhile sees it unlinked.
        with contextlib.suppress(OSError):
            self.path.unlink()
        lock.release()
        _remove_empty(created)

    def _busy(self):
        try:
            holder = json.loads((self.folder / LOCK_HOLDER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            holder = {}
        if not isinstance(holder, dict) or not holder:
            who = "(its details are not written yet)"
        else:
            who = (f"(pid {holder.get('pid', '?')} on {holder.get('host', '?')}, started "
                   f"{holder.get('started', '?')}: {holder.get('command', '?')})")
        return (f"{self.option} {self.folder} is in use by another skdeepchrome run {who}; "
                f"wait for it to end, or choose another {self.option}.")

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc_info):
        self.release()
        return False


def _still_linked(lock, path):
    """Whether the file ``lock`` holds is still ``path`` (not removed by a finished run)."""
    context = getattr(lock, "_context", None)
    fd = getattr(context, "lock_file_fd", None)
    if fd is None:
        fd = getattr(lock, "_lock_file_fd", None)
    try:
        if fd is None:
            return path.exists()
        held = os.fstat(fd)
        return held.st_nlink > 0 and os.path.samestat(held, os.stat(path))
    except OSError:
        return False


def _remove_empty(folders):
    for folder in folders:  # deepest first; only those this run made
        try:
            folder.rmdir()
        except OSError:
            break  # not empty: neither are its parents


def _write_json(path, content):
    with atomic_path(path) as part:
        part.write_text(json.dumps(content, sort_keys=True), encoding="utf-8")


# ----------------------------------------------------------------------------------------
# Staging and committing


#: Staging folders this process is filling (a folder being staged needs no second stage).
_LIVE_STAGES = set()


class StagedFolder:
    """Write a command's outputs beside ``path`` and move them in, whole, only on success.

    Parameters
    ----------
    path : str or Path
        The report folder.
    own : iterable of str
        Every file name the command may write there. A folder holding a file of one of
        these names that the package did not write is refused (before any work, and
        again on :meth:`commit`); an earlier run's files that this run does not write
        again are removed on :meth:`commit`.
    option : str, default="--out"
        How errors name the folder's setting.
    run : dict, optional
        What the manifest records of the run, beside its process (:func:`this_process`).

    Notes
    -----
    Entering takes the folder's :class:`FolderLock` and finishes or removes what an
    interrupted run left (:func:`recover`). Staging into a folder that this process is
    already staging writes there directly.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = Path(tmp) / "report"
    ...     out.mkdir()
    ...     _ = (out / "old.png").write_text("stale")  # written by an earlier run:
    ...     write_manifest(out, ["old.png"])
    ...     _ = (out / "notes.txt").write_text("the user's")
    ...     with StagedFolder(out, own=["old.png", "a.csv"]) as stage:
    ...         _ = (stage.path / "a.csv").write_text("new")
    ...         _ = stage.commit()
    ...     sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    ['a.csv', 'notes.txt']
    """

    def __init__(self, path, own=(), option="--out", run=None):
        self.target = Path(path)
        self.own = set(own)
        self.option = option
        self.run = run
        self.path = None
        self._lock = None
        self._nested = False

    def __enter__(self):
        if str(self.target.absolute()) in _LIVE_STAGES:
            self._nested = True
            self.path = self.target
            return self
        check_output_folder(self.target, option=self.option, own=self.own)
        self._lock = FolderLock(self.target, self.option).acquire()
        try:
            recover(self.target)
            # A sibling, so that moving files in is a rename on one file system.
            self.path = self.target.parent / (f".{self.target.name}.partial-"
                                               f"{uuid.uuid4().hex[:8]}")
            self.path.mkdir()
            _LIVE_STAGES.add(str(self.path.absolute()))
            _write_json(self.path / STAGE_MARK, {"target": self.target.name,
                                                 **this_process()})
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def staged(self):
        """The names of the files staged so far."""
        return sorted(p.name for p in self.path.iterdir()
                      if p.is_file() and p.name not in BOOKKEEPING and not _is_part(p.name))

    def commit(self):
        """Move the staged files into the folder; returns ``{name: final path}``."""
        names = self.staged()
        if self._nested:
            return {name: self.path / name for name in names}
        pause_point("commit-staging")
        refuse_foreign(self.target, names, self.option)  # a file may have appeared meanwhile
        run = {"id": uuid.uuid4().hex[:16], **this_process(), **(self.run or {})}
        files = {name: file_digest(self.path / name) for name in names}
        try:
            _write_json(self.path / COMMIT_MARK, {"target": self.target.name, "run": run,
                                                  "files": files})
            _fsync(self.path, folder=True)
        except OSError as exc:
            if is_disk_full(exc):
                raise disk_full(exc, self.path / COMMIT_MARK,
                                f"{self.option} {self.target} is unchanged") from None
            raise
        pause_point("commit-recorded")
        _finish_commit(self.path, self.target)
        _LIVE_STAGES.discard(str(self.path.absolute()))
        return {name: self.target / name for name in names}

    def __exit__(self, *exc_info):
        if self._nested:
            return False
        try:
            if self.path is not None:
                _LIVE_STAGES.discard(str(self.path.absolute()))
                if not (self.path / COMMIT_MARK).is_file():
                    shutil.rmtree(self.path, ignore_errors=True)
                elif self.path.is_dir():
                    # Committed, but the move stopped (a full disk, say): finish it now if
                    # it can be, else the next run does.
                    with contextlib.suppress(OSError):
                        _finish_commit(self.path, self.target)
        finally:
            if self._lock is not None:
                self._lock.release()
        return False


def _finish_commit(stage, target):
    """Move a committed stage's files into ``target`` (again, after an interruption)."""
    commit = json.loads((stage / COMMIT_MARK).read_text(encoding="utf-8"))
    files = {name: digest for name, digest in commit["files"].items() if _plain_name(name)}
    run = commit.get("run", {})
    target.mkdir(exist_ok=True)
    old = read_manifest(target)
    # Every file is the package's while the move runs: the old ones (to be pruned) and the
    # new ones (moved in), so that a stopped move can be finished or replaced.
    write_manifest(target, {**dict.fromkeys(old), **files}, state="committing", run=run)
    pause_point("commit-started")
    for name in sorted(set(old) - set(files)):
        candidate = target / name
        if _plain_name(name) and candidate.is_file():
            candidate.unlink()
    for position, name in enumerate(sorted(files)):
        if (stage / name).is_file():
            os.replace(stage / name, target / name)
        if position == 1:
            pause_point("commit-moving")
    write_manifest(target, files, state="complete", run=run)
    _fsync(target, folder=True)
    shutil.rmtree(stage, ignore_errors=True)


def _is_part(name):
    return bool(_PART_NAME.fullmatch(name) or _OLD_PART_NAME.fullmatch(name))


def recover(target):
    """Finish or remove what interrupted runs left beside ``target``; call under its lock.

    A staging folder with a commit record is moved in (its run had finished); one without
    is removed (its run had not). A folder is taken for a staging folder of ``target``
    only by its name (``.NAME.partial-XXXXXXXX``) and its marker, or, from versions
    before the marker, when it holds nothing but files of a report's names.

    Returns
    -------
    list of str
        What was done, one phrase per leftover.
    """
    target = Path(target)
    parent = target.parent
    done = []
    if not parent.is_dir():
        return done
    for entry in sorted(parent.iterdir()):
        found = _STAGE_NAME.fullmatch(entry.name)
        if (found is None or found["target"] != target.name or entry.is_symlink()
                or not entry.is_dir() or str(entry.absolute()) in _LIVE_STAGES):
            continue
        try:
            mark = json.loads((entry / STAGE_MARK).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            mark = None
        if isinstance(mark, dict) and mark.get("target") == target.name:
            if (entry / COMMIT_MARK).is_file():
                try:
                    _finish_commit(entry, target)
                    done.append(f"finished moving {entry.name} in")
                    continue
                except (OSError, ValueError, KeyError, AttributeError):
                    pass  # an unreadable commit record: its run's report is lost
            shutil.rmtree(entry, ignore_errors=True)
            done.append(f"removed {entry.name}")
        elif mark is None and _only_report_files(entry):
            shutil.rmtree(entry, ignore_errors=True)
            done.append(f"removed {entry.name}")
    return done


def _only_report_files(folder):
    """A staging folder of an earlier version: only files, of a report's names."""
    entries = list(folder.iterdir())
    if not entries or any(not p.is_file() for p in entries):
        return False
    return all(p.name == MANIFEST or _REPORT_NAME.fullmatch(p.name) for p in entries)


# ----------------------------------------------------------------------------------------
# One file


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; on success rename it to ``path``.

    A reader never sees a half-written file: either the old file (or none) or the new
    one, also after a crash or power cut (the file is flushed to the disk before the
    rename, the folder after it). If the body raises, the temporary file is removed and
    ``path`` is untouched. Partial files of ``path`` that a killed process left (named
    ``.NAME.HOST-PID-RANDOM.part``; its process gone) are removed first. A full disk is a
    :class:`DiskFullError` naming ``path``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     with atomic_path(Path(tmp) / "out.txt") as part:
    ...         _ = part.write_text("done")
    ...     sorted(p.name for p in Path(tmp).iterdir())
    ['out.txt']
    """
    path = Path(path)
    parent = path.parent
    if not parent.is_dir():
        raise FileNotFoundError(f"Cannot write {path}: folder {parent} does not exist.")
    remove_stale_parts(parent, path.name)
    # Same folder, so the final os.replace is an atomic rename on one file system; the
    # leading dot keeps the partial file out of globs such as "*.csv"; host and pid say
    # whose it is, so that a later run can tell a leftover from a file being written.
    part = parent / f".{path.name}.{_host_tag()}-{os.getpid()}-{uuid.uuid4().hex[:8]}.part"
    try:
        try:
            yield part
            pause_point("part-written")
            # The data reach the disk before the rename makes them the file, and the
            # rename reaches it before we return: a crash or power cut leaves the old file
            # or the whole new one, never a renamed file with missing blocks.
            _fsync(part)
            os.replace(part, path)
            _fsync(parent, folder=True)
        except OSError as exc:
            if is_disk_full(exc) and not isinstance(exc, DiskFullError):
                raise disk_full(exc, path, f"{path.name} is unchanged") from None
            raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()


def remove_stale_parts(folder, name=None):
    """Remove partial files (of ``name``, or of any file) that killed processes left in
    ``folder``; returns their names. A partial file of a live process is kept."""
    removed = []
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        found = _PART_NAME.fullmatch(entry.name)
        old = None if found else _OLD_PART_NAME.fullmatch(entry.name)
        match = found or old
        if match is None or (name is not None and match["name"] != name):
            continue
        if found is not None:
            stale = found["host"] == _host_tag() and _process_gone(int(found["pid"]))
        else:
            try:
                stale = now - entry.stat().st_mtime > _OLD_PART_AGE
            except OSError:
                continue
        if stale and entry.is_file():
            with contextlib.suppress(OSError):
                entry.unlink()
                removed.append(entry.name)
    return removed


def _fsync(path, folder=False):
    """Flush ``path`` (a file, or a folder's entries) to the disk.

    Windows cannot open a folder for this; its renames are flushed by the file system.
    """
    if folder and os.name == "nt":  # pragma: no cover - POSIX in CI
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
