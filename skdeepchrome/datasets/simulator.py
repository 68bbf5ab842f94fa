"""Deprecated: the simulator's names moved to :mod:`skdeepchrome.datasets` (this path goes in
the next release)."""

from .._moved import forwarding

#: The names this module had that users import, and their new home.
MOVED = dict.fromkeys(
    ("make_histone_dataset", "cell_type_names", "bayes_posterior", "CELL_TYPES",
     "DEFAULT_CELL_TYPE", "SIMULATOR_FAMILY"),
    "skdeepchrome.datasets",
)
__getattr__ = forwarding(__name__, MOVED)
