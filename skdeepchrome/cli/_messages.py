"""Errors in the command line's own terms: its flags, not the Python API's arguments.

The library's messages name keyword arguments (``marks=``, ``format=``) because that is
what a Python caller types; :func:`in_cli_terms` rewrites them into the flags a person at
the shell types. :func:`sniff_binary` recognises a file that is not text before a CSV
parser reports it as a column-count puzzle. The options every command reads alike
(comma lists, ``--models``, ``--n-jobs``) are read here, so that their errors are worded
once.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

#: (pattern, replacement) applied to library messages, in order.
_REWRITES = (
    (re.compile(r"\bPass marks= naming"), "Pass --marks naming"),
    (re.compile(r"\bbut marks=(\(.*?\)) was given; leave marks=None"),
     r"but --marks \1 was given; leave out --marks"),
    (re.compile(r"\bpass marks="), "pass --marks"),
    (re.compile(r"\bpass format=\.?"), "pass --format."),
    (re.compile(r"\bn_jobs\b"), "--n-jobs"),
    (re.compile(r"\bflank=(-?\d+)"), r"--flank \1"),
    (re.compile(r"\bbin_size=(-?\d+)"), r"--bin-size \1"),
    (re.compile(r"\bmin_mapq=(-?\d+)"), r"--min-mapq \1"),
    # numpy's refusal to unpickle is right; its hint (allow_pickle=True) is not for users.
    (re.compile(r"\(?Object arrays cannot be loaded when allow_pickle=False\)?\.?"),
     "(it holds Python objects; skdeepchrome reads only plain arrays and never unpickles "
     "data)."),
    (re.compile(r"\s*\((?:[^()]*)allow_pickle[^()]*\)"), ""),
    # A recorded run's hints name the Python arguments (resume, keep_going).
    (re.compile(r"\(resume to continue\)"), "(run the same command with --resume to continue)"),
    (re.compile(r"\bkeep_going skips"), "--keep-going skips"),
    (re.compile(r"\bwithout resuming\b"), "without --resume"),
)

#: Leading bytes of common non-text files, and what they are.
_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a zip archive (an .npz or an office document?)"),
    (b"\x93NUMPY", "a NumPy .npy array"),
    (b"BAM\x01", "a BAM file"),
    (b"\x26\xfc\x8f\x88", "a bigWig file"),
    (b"\x88\x8f\xfc\x26", "a bigWig file"),
    (b"\x80", "a Python pickle"),
    (b"\x7fELF", "a program"),
)


def comma_names(text, option):
    """The names in ``text``, in order; an empty list or a name given twice is an error.

    Read one way for every comma-separated option (``--models a,b``, ``--source E003,E123``).

    Examples
    --------
    >>> comma_names(" E003, E123 ", "--source")
    ('E003', 'E123')
    """
    names = tuple(part.strip() for part in str(text).split(",") if part.strip())
    if not names:
        raise ValueError(f"{option} is empty; give comma-separated names.")
    if len(set(names)) != len(names):
        raise ValueError(f"{option} names a value twice: {text!r}.")
    return names


def model_names(text, task="classification"):
    """``--models`` as canonical model names, or ``None`` (each command's default) for none.

    Examples
    --------
    >>> model_names("CNN, lr")
    ('deepchrome', 'logistic')
    """
    from ..baselines import parse_model_list  # lazy: keeps --help light

    if text is None:
        return None
    try:
        return parse_model_list(text, task)
    except ValueError as exc:
        raise ValueError(f"--models: {exc}") from None


def check_n_jobs(n_jobs):
    """Refuse ``--n-jobs 0``, which would run nothing."""
    if n_jobs == 0:
        raise ValueError("--n-jobs 0 runs nothing; give a number of processes (1 runs in this "
                         "process) or a negative count (-1: every core).")


def in_cli_terms(message):
    """``message`` with the Python API's argument names replaced by the CLI's flags.

    Examples
    --------
    >>> in_cli_terms("a.csv: line 1 has 9 columns ... Pass marks= naming the file's 6")
    "a.csv: line 1 has 9 columns ... Pass --marks naming the file's 6"
    """
    for pattern, replacement in _REWRITES:
        message = pattern.sub(replacement, message)
    return message


def sniff_binary(path):
    """What ``path`` is if it is not text (``"a PNG image"``), else ``None``.

    A gzip file is looked into: a ``.csv.gz`` holding text is text.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     png = os.path.join(tmp, "picture.csv")
    ...     _ = open(png, "wb").write(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(64))
    ...     sniff_binary(png)
    'a PNG image'
    """
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
        if head[:2] == b"\x1f\x8b":
            try:
                with gzip.open(path, "rb") as fh:
                    head = fh.read(4096)
            except (OSError, EOFError):
                return "a damaged gzip file"
    except OSError:
        return None  # the loader reports what is wrong with opening it
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if b"\x00" in head:
        return "a binary file"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the 4096-byte read is still text.
        if exc.start < len(head) - 4:
            return "a binary (non-UTF-8) file"
    return None


def check_text_file(path, expected, option="--data"):
    """Raise a one-line error when ``path`` is binary; ``expected`` says what it should be."""
    kind = sniff_binary(path)
    if kind is not None:
        raise ValueError(f"{option} {path}: this is {kind}, not {expected}.")


def check_npz_file(path, option="--data"):
    """Raise a one-line error when ``path`` is not a zip archive (what .npz files are)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return
    if head != b"PK\x03\x04" and Path(path).stat().st_size > 0:
        kind = sniff_binary(path) or "a text file"
        raise ValueError(f"{option} {path}: this is {kind}, not an .npz dataset (a zip "
                         "archive of arrays written by skdeepchrome extract).")
