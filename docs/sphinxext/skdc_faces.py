"""The API reference documents each public object once, at its subpackage's face.

skdeepchrome's subpackages keep their code in private modules (``skdeepchrome.compare._protocol``)
behind a public face (``skdeepchrome.compare``), and a few names are importable from two
faces (``skdeepchrome.HistoneBinner`` is ``skdeepchrome.preprocessing.HistoneBinner``).
``docs/api.rst`` documents every object once, at its home face. This extension:

- makes the other public spelling of an object resolve too: after all pages are read, every
  public name of a face that is not documented under that name (the top-level shortcuts,
  ``skdeepchrome.model_files.ModelFileError``) becomes an alias of the documented entry,
  members included, so ``:class:`skdeepchrome.HistoneBinner``` and the gallery's code links
  reach the home page;
- gives a constant re-exported by a face the ``#:`` comment written beside it in its
  private module (autodoc reads comments from the documented module only, and would show
  the docstring of ``tuple`` or ``str`` instead);
- fails the build (a warning, and warnings are errors) on a cross-reference that names a
  private module path (``:mod:`skdeepchrome.plotting._interpretation```,
  ``:class:`skdeepchrome.estimators._deepdiff.DeepDiffRegressor```) or a ``skdeepchrome``
  name that resolves to nothing, in the pages and in the docstrings alike. The warning
  says which public path to write instead. ``skdc_check_references = False`` in
  ``conf.py`` turns the check off.
"""

from __future__ import annotations

import importlib
import sys
import types

from sphinx.addnodes import pending_xref
from sphinx.domains.python import ObjectEntry
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging

logger = logging.getLogger(__name__)

PACKAGE = "skdeepchrome"
#: Object types whose public spellings are aliased (their members follow them).
TOP_LEVEL_TYPES = {"class", "exception", "function", "data"}


def _is_private(dotted):
    """Whether a dotted path goes through a private module or names a private object."""
    return any(part.startswith("_") and not part.startswith("__") for part in dotted.split("."))


def _import_object(dotted):
    """The object a dotted path names (longest importable module, then attributes), or None."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for part in parts[i:]:
                obj = getattr(obj, part)
        except AttributeError:
            return None
        return obj
    return None


def _public_faces():
    """The imported public modules of the package: the top level and each face."""
    return {
        name: module
        for name, module in list(sys.modules.items())
        if (name == PACKAGE or name.startswith(PACKAGE + "."))
        and not _is_private(name)
        and module is not None
    }


# -- aliases for the other public spellings -----------------------------------------------


def _add_public_aliases(app, env):
    domain = env.domains["py"]
    objects = domain.objects
    documented = {}  # id(obj) -> documented public name
    for name, entry in list(objects.items()):
        if entry.aliased or entry.objtype not in TOP_LEVEL_TYPES or _is_private(name):
            continue
        if not name.startswith(PACKAGE + "."):
            continue
        obj = _import_object(name)
        if obj is not None and not isinstance(obj, (str, int, float, tuple, dict)):
            documented.setdefault(id(obj), name)
    for face_name, face in _public_faces().items():
        for attr in getattr(face, "__all__", ()):
            alias = f"{face_name}.{attr}"
            if attr.startswith("__") or alias in objects:
                continue
            value = getattr(face, attr, None)
            home = documented.get(id(value))
            if home is None:
                # constants: the same value under the same name in a documented face
                home = next((n for n in objects if n.rpartition(".")[2] == attr
                             and not objects[n].aliased and not _is_private(n)
                             and _import_object(n) is value), None)
            if home is None:
                continue
            prefix = home + "."
            for name, entry in list(objects.items()):
                if name == home or name.startswith(prefix):
                    aliased_name = alias + name[len(home):]
                    if aliased_name not in objects:
                        objects[aliased_name] = ObjectEntry(
                            entry.docname, entry.node_id, entry.objtype, True
                        )
    return []


# -- doc comments of re-exported constants -------------------------------------------------


def _doc_comment(face_name, attr, value):
    """The ``#:`` comment of ``value`` in the private module of ``face_name`` defining it.

    The face may export it under another name (``from ._presets import FAMILY as
    SIMULATOR_FAMILY``): a comment on any name bound to the same object counts, its own
    name first.
    """
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(face_name + "._"):
            continue
        try:
            docs = ModuleAnalyzer.for_module(name).find_attr_docs()
        except Exception:  # noqa: BLE001 (no source: nothing to borrow)
            continue
        commented = [key[1] for key in docs if key[0] == ""]
        if isinstance(value, (bool, int, float, str, bytes, tuple)):
            # equal constants of one module may be one object: only the name itself counts
            commented = [n for n in commented if n == attr]
        for candidate in sorted(commented, key=lambda n: n != attr):
            if getattr(module, candidate, _MISSING) is value:
                return list(docs[("", candidate)])
    return None


_MISSING = object()


def _borrow_doc_comment(app, what, name, obj, options, lines):
    if what != "data" or not name.startswith(PACKAGE + "."):
        return
    type_doc = " ".join((type(obj).__doc__ or "").split())
    if lines and " ".join(" ".join(lines).split()) != type_doc:
        return  # it has its own documentation
    face_name, _, attr = name.rpartition(".")
    comment = _doc_comment(face_name, attr, obj)
    lines[:] = comment or []
    while lines and not lines[-1].strip():
        lines.pop()


# -- references: public paths only ---------------------------------------------------------


def _public_spelling(target):
    """The public path to write instead of a private one, or None when there is none."""
    obj = _import_object(target)
    dropped = ".".join(p for p in target.split(".") if not _is_private(p))
    if obj is None:  # moved since: a public name of the same name
        attr = target.rpartition(".")[2]
        homes = sorted(f"{face_name}.{attr}" for face_name, face in _public_faces().items()
                       if attr in getattr(face, "__all__", ()))
        return " or ".join(homes) or None
    if isinstance(obj, types.ModuleType):
        return dropped  # a private module: its face
    if _import_object(dropped) is obj:
        return dropped  # the same object with the private modules left out of the path
    for face_name, face in _public_faces().items():  # the object, exported by another face
        for attr in getattr(face, "__all__", ()):
            if getattr(face, attr, None) is obj:
                return f"{face_name}.{attr}"
    return None


def _check_references(app, doctree):
    if not app.config.skdc_check_references:
        return
    for node in doctree.findall(pending_xref):
        if node.get("refdomain") != "py":
            continue
        target = node.get("reftarget", "").lstrip(".~")
        if not target.startswith(PACKAGE + ".") or not _is_private(target):
            continue
        instead = _public_spelling(target)
        hint = f"; write {instead}" if instead else "; it has no public path"
        logger.warning(
            "reference to the private path %s%s", target, hint,
            location=node, type="skdc", subtype="private_reference",
        )


def _unresolved(app, env, node, contnode):
    if not app.config.skdc_check_references or node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "").lstrip(".~")
    if not target.startswith(PACKAGE + ".") or _is_private(target):
        return None  # not ours, or already reported as private
    logger.warning(
        "reference to %s resolves to nothing documented (is it public and in docs/api.rst?)",
        target, location=node, type="skdc", subtype="unresolved_reference",
    )
    return None


def setup(app):
    app.add_config_value("skdc_check_references", True, "env")
    app.connect("env-updated", _add_public_aliases)
    # before numpydoc (priority 500) reads the docstring
    app.connect("autodoc-process-docstring", _borrow_doc_comment, priority=400)
    app.connect("doctree-read", _check_references)
    app.connect("missing-reference", _unresolved)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
