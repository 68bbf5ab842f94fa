"""Deprecated: the protocols moved to :mod:`skdeepchrome.compare` (this path goes in the
next release)."""

from ._moved import forwarding

#: The names this module had that users import, and their new home.
MOVED = dict.fromkeys(
    ("paper_protocol", "evaluate_epigenome", "transfer_protocol", "check_epigenome",
     "expression_target", "fit_with_validation", "choose_on_valid", "paired_bootstrap_metric",
     "TransferResult", "within_name", "pair_name", "ALL_BUT_TARGET"),
    "skdeepchrome.compare",
)
__getattr__ = forwarding(__name__, MOVED)
