"""The ``skdeepchrome`` command.

Each sub-command lives in its own module of this package and exposes
``add_parser(subparsers)``, which registers the sub-command and sets ``func`` to the
callable that runs it. This module only wires them together.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from .. import __version__


def _command_modules():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"{__name__}.{info.name}")


def build_parser():
    """Return the argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="skdeepchrome",
        description="DeepChrome and its baselines on histone-modification data.",
    )
    parser.add_argument("--version", action="version", version=f"skdeepchrome {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in _command_modules():
        module.add_parser(subparsers)
    return parser


def main(argv=None):
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except (ValueError, FileNotFoundError, KeyError, ImportError) as exc:
        # Bad input is the user's to fix: one clear line, not a traceback.
        print(f"skdeepchrome {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
