"""The documentation keeps up with the code: every public name is in the API reference.

Public means: every name in the ``__all__`` of a public module (no underscore in its dotted
path; the ``cli`` package is documented by its generated help instead), and, for a module
the API reference documents that has no ``__all__``, every function and class it defines
without a leading underscore. Every top-level module or package must appear in the API
reference. The docs build itself (``bash docs/build.sh``) checks the rest: docstrings,
references, and that the gallery runs.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import skdeepchrome

DOCS = Path(__file__).resolve().parent.parent / "docs"
API = DOCS / "api.rst"


def public_modules():
    """Importable public modules of skdeepchrome, the CLI excluded."""
    names = ["skdeepchrome"]
    for info in pkgutil.walk_packages(skdeepchrome.__path__, "skdeepchrome."):
        parts = info.name.split(".")[1:]
        if any(p.startswith("_") for p in parts) or parts[0] == "cli":
            continue
        names.append(info.name)
    modules = {name: importlib.import_module(name) for name in names}
    # Old paths kept for one release (skdeepchrome._moved.forwarding) are not documented.
    return {name: module for name, module in modules.items() if not hasattr(module, "MOVED")}


def parse_api_reference(text):
    """``(modules mentioned, {qualified name: object})`` of the autosummary entries."""
    modules, entries = set(), {}
    current = None
    in_autosummary = False
    for line in text.splitlines():
        directive = re.match(r"\.\. (currentmodule|automodule|autosummary|autodata|"
                             r"autofunction|autoclass)::\s*(\S*)", line)
        if directive:
            kind, argument = directive.groups()
            in_autosummary = kind == "autosummary"
            if kind in ("currentmodule", "automodule"):
                current = argument
                modules.add(argument)
            elif argument:  # a single auto* directive
                entries[f"{current}.{argument}"] = None
            continue
        if in_autosummary:
            if line.strip() == "" or line.strip().startswith(":"):
                continue
            if not line.startswith("   "):
                in_autosummary = False
                continue
            entries[f"{current}.{line.strip()}"] = None
    for qualified in entries:
        module, _, name = qualified.rpartition(".")
        entries[qualified] = getattr(importlib.import_module(module), name)
    return modules, entries


@pytest.fixture(scope="module")
def api():
    return parse_api_reference(API.read_text())


def own_public_names(module):
    """A module's public surface: ``__all__``, else what it defines without an underscore."""
    if hasattr(module, "__all__"):
        return [n for n in module.__all__ if not (n.startswith("__") and n.endswith("__"))]
    return sorted(
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module.__name__
    )


def test_api_reference_entries_resolve(api):
    _, entries = api
    assert entries, "no autosummary entries found in docs/api.rst"
    assert all(obj is not None for obj in entries.values())


def test_every_public_name_is_documented(api):
    modules, entries = api
    documented = {id(obj) for obj in entries.values()}
    missing = []
    for name, module in public_modules().items():
        if not (hasattr(module, "__all__") or name in modules):
            continue
        for attr in own_public_names(module):
            if id(getattr(module, attr)) not in documented:
                missing.append(f"{name}.{attr}")
    assert not missing, (
        "public names missing from docs/api.rst (add them to an autosummary list, or make "
        f"them private): {missing}"
    )


def test_every_top_level_module_is_in_the_api_reference(api):
    modules, _ = api
    top_level = {
        name for name in public_modules() if name.count(".") == 1
    }
    missing = sorted(top_level - modules)
    assert not missing, f"modules with no section in docs/api.rst: {missing}"


def test_gallery_examples_run_during_the_build():
    examples = sorted((DOCS / "examples").glob("*.py"))
    assert examples
    not_run = [p.name for p in examples if not p.name.startswith("plot_")]
    assert not not_run, f"sphinx-gallery only executes plot_*.py files: {not_run}"
