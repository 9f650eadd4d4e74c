"""Sphinx configuration of the skl_lstm documentation (``make docs``).

The build is offline: no intersphinx inventories are fetched, the benchmark
pages are the committed results (nothing is rerun), and the gallery runs
``examples/plot_*.py``. ``make docs`` passes ``-W --keep-going``, so every
warning (a broken cross-reference, a missing image, a docstring numpydoc cannot
parse) fails the build.
"""

import inspect
import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

# The examples write their figures to $SKL_LSTM_EXAMPLE_OUTPUT; keep them out of the source tree.
os.environ.setdefault("SKL_LSTM_EXAMPLE_OUTPUT", str(DOCS / "_build" / "example_output"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")

import skl_lstm  # noqa: E402

project = "skl_lstm"
author = "skl_lstm developers"
copyright = "2026, skl_lstm developers"  # noqa: A001
release = skl_lstm.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

root_doc = "index"
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.json", "auto_examples/*.md5"]
templates_path = ["_templates"]

# --- References: every one must resolve (nitpicky), so -W fails on a broken link into the API.
# The build is offline (no intersphinx inventories), so names of other projects cannot resolve:
# they stay plain text. Everything of skl_lstm's own must.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(sklearn|numpy|pandas|keras|tensorflow|scikeras|dask|distributed|matplotlib|statsmodels|scipy"
               r"|joblib|json|os|pathlib|collections|typing)(\..+)?"),
    # numpydoc's generic type words (see numpydoc_xref_aliases below)
    (r"py:obj", r"array_like|array|ndarray|np\.ndarray|scalar|RandomState|np\.random\.RandomState|np\.inf|np\.nan"
                r"|numpy|iterable|sequence|callable|contextmanager|namedtuple|generator|string|boolean"),
]

# --- MyST: the user guide and benchmark pages are the Markdown files in this folder.
myst_enable_extensions = ["dollarmath", "amsmath", "deflist", "colon_fence"]
# `page.md#a-heading` links resolve to the heading's anchor (GitHub's slugs).
myst_heading_anchors = 4

# --- API reference: one autosummary page per public name.
autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": True}
# the page contents list methods as `fit()`, not `LSTMRegressor.fit()` (long names ran off the column)
toc_object_entries_show_parents = "hide"
autodoc_typehints = "none"  # the types are in the numpydoc docstrings, as scikit-learn does
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = True
# Every parameter of every documented signature is in its docstring (PR01), and the docstring
# lists no parameter the signature lacks (PR02); a gap fails the -W build.
numpydoc_validation_checks = {"PR01", "PR02"}
numpydoc_xref_ignore = "all"  # types are plain text (no intersphinx); escape names such as n_features_in_
# numpydoc's default aliases point into the Python and NumPy inventories, which an offline build has
# not got: show those words as plain object names instead of references that cannot resolve.
numpydoc_xref_aliases = {
    word: word.replace("-", "_")
    for word in ("None", "bool", "boolean", "True", "False", "list", "tuple", "str", "string", "dict", "float",
                 "int", "callable", "iterable", "sequence", "contextmanager", "namedtuple", "generator",
                 "array", "ndarray", "np.ndarray", "array-like", "array_like", "scalar", "RandomState",
                 "np.random.RandomState", "np.inf", "np.nan", "numpy")
}

# --- Gallery: every plot_*.py runs at build time; its figures are scraped.
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"demo_airline\.py",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "reset_modules": ("matplotlib",),
    "show_memory": False,
    "min_reported_time": 1,
    # "Examples using X" on each API page
    "doc_module": ("skl_lstm",),
    "backreferences_dir": "generated/backreferences",
}

# --- HTML
html_theme = "pydata_sphinx_theme"
html_title = f"skl_lstm {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 4,
    # gallery pages give the width to their code and figures instead of a table of contents
    "secondary_sidebar_items": {"*": ["page-toc"], "generated/*": ["page-toc"], "auto_examples/*": []},
}
html_show_sourcelink = False
html_last_updated_fmt = None
pygments_style = "sphinx"


def _defining_module(obj):
    """The module a routine or property was written in (None when Python does not say)."""
    obj = getattr(obj, "fget", obj)
    obj = getattr(obj, "__func__", obj)
    return getattr(obj, "__module__", None)


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Document a class's own methods and those of skl_lstm's mixins, not scikit-learn's or Keras'.

    The class pages list inherited members (``predict_interval`` comes from a
    skl_lstm mixin), but the methods every scikit-learn estimator inherits
    (``get_params``, ``score``, ``set_output``, the generated
    ``set_{method}_request``), the Keras ``Layer`` API and the methods of
    ``Exception`` belong to those projects' documentation; their docstrings
    also point into glossaries this offline build cannot reach.
    """
    if what in ("class", "exception") and (inspect.isroutine(obj) or isinstance(obj, property)):
        module = _defining_module(obj)
        if not (isinstance(module, str) and module.startswith("skl_lstm")):
            return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)
