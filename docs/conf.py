"""Sphinx configuration for the skdeepchrome documentation.

Build with ``bash docs/build.sh`` (warnings are errors). Nothing here reaches the network:
no intersphinx, no remote images, fonts or scripts; the gallery runs on simulated data.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "sphinxext"))

# Headless, and quiet: examples run in this process.
os.environ.setdefault("MPLBACKEND", "Agg")
# tqdm progress bars of the harness would only clutter example outputs.
os.environ.setdefault("TQDM_DISABLE", "1")
# Examples train small networks; on a busy machine torch's thread pool slows them many
# times over, so each fit takes one thread (the estimators read this at fit time).
os.environ.setdefault("OMP_NUM_THREADS", "1")

import skdeepchrome  # noqa: E402

project = "skdeepchrome"
author = "the skdeepchrome developers"
copyright = "the skdeepchrome developers"  # noqa: A001
version = release = skdeepchrome.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "skdc_generated",
    "skdc_faces",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "examples",
    "benchmarks",
    "sphinxext",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "**/*.codeobj.json",
    "gen_modules/generated",
]
root_doc = "index"
default_role = "obj"
pygments_style = "sphinx"

# -- API reference -----------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {}
autodoc_typehints = "none"
# Methods inherited from scikit-learn, skorch or torch are theirs to document (their
# docstrings link into their own sites, which this build does not fetch).
_OWN_PACKAGE = "skdeepchrome"


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Skip class members defined outside skdeepchrome (scikit-learn's, skorch's, torch's)."""
    if what != "class" or skip:
        return None
    defined_by = getattr(obj, "fget", obj)  # a property's getter knows its module
    defined_by = getattr(defined_by, "__func__", defined_by)  # classmethods
    module = getattr(defined_by, "__module__", None)
    if module is None:  # numpy's C methods and descriptors: ask the class that owns them
        module = getattr(getattr(defined_by, "__objclass__", None), "__module__", None)
    if module is None or not (module == _OWN_PACKAGE or module.startswith(_OWN_PACKAGE + ".")):
        return True
    return None


numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False
# Docstring checks that fail the build (with -W), on every documented object: it has a
# docstring (GL08) and documents no parameter it does not have (PR02, stale docs). The
# rest of numpydoc's checks (e.g. PR01, every parameter documented) would fail on many
# small helpers today. Private names and scikit-learn's inherited methods are not checked.
numpydoc_validate = True
numpydoc_validation_checks = {"GL08", "PR02"}
numpydoc_validation_exclude = {
    r"\._[a-zA-Z]",  # private names
    r"\.__init__$",
    r"\.(get_params|set_params|set_output|score|fit_transform|get_metadata_routing)$",
    r"\.set_\w+_request$",
}

# -- gallery -----------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",
    "doc_module": ("skdeepchrome",),
    "reference_url": {"skdeepchrome": None},
    "backreferences_dir": "gen_modules/backreferences",
    "image_scrapers": ("sg_figures",),
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_memory": False,
    "plot_gallery": "True",
    "abort_on_example_error": True,
    "min_reported_time": 1,
    "matplotlib_animations": False,
    # The execution-times page loads DataTables from a CDN; the build log has the times.
    "write_computation_times": False,
}

# -- HTML --------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skdeepchrome {release}"
html_static_path = ["_static"]
html_css_files = ["skdeepchrome.css"]
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "navbar_align": "left",
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    # No icon links, analytics or version switcher: nothing is fetched from elsewhere.
    "icon_links": [],
}
html_context = {"default_mode": "light"}

# Warnings from libraries while examples run are theirs, not the docs'.
warnings.filterwarnings("ignore", category=UserWarning, message=".*non-GUI backend.*")


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)
