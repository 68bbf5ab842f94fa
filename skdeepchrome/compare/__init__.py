"""The comparison harness: every model on the same data, honest statistics, one result.

- :func:`compare_models`: cross-validation on one dataset (every model on the same folds).
- :func:`paper_protocol` / :func:`evaluate_epigenome`: the DeepChrome paper's train /
  valid / test protocol, one epigenome or many.
- :func:`transfer_protocol`: models fitted on some epigenomes, tested on others.
- :func:`compare_differential`: the log2 fold change between two cells.
- :func:`compare_roadmap_sample`: the paper's protocol on the Roadmap sample shipped with
  the package.

Each returns a :class:`ComparisonResult` (a :class:`TransferResult` for transfer), which
the :mod:`skdeepchrome.report` layer writes and the :mod:`skdeepchrome.plotting` layer draws.
The building blocks (folds, seeds, fitting, scoring, run records) live in this package's
private modules and are shared by every protocol.
"""

from ._cross_validation import compare_models
from ._differential import (
    DifferentialResult,
    check_pair_input,
    compare_differential,
    takes_cell_expression,
)
from ._fitting import choose_on_valid, fit_with_validation
from ._inputs import check_epigenome, expression_target
from ._protocol import evaluate_epigenome, paper_protocol
from ._result import ComparisonResult
from ._roadmap_sample import compare_roadmap_sample, per_epigenome_tests
from ._scoring import DEFAULT_SCORING, updown_auc
from ._significance import (
    benjamini_hochberg,
    bootstrap_auc,
    bootstrap_p_value,
    corrected_resampled_ttest,
    minimum_wilcoxon_p,
    paired_bootstrap_auc,
    paired_bootstrap_metric,
    wilcoxon_signed_rank,
)
from ._transfer import ALL_BUT_TARGET, TransferResult, pair_name, transfer_protocol, within_name

__all__ = [
    "ALL_BUT_TARGET",
    "DEFAULT_SCORING",
    "ComparisonResult",
    "DifferentialResult",
    "TransferResult",
    "benjamini_hochberg",
    "bootstrap_auc",
    "bootstrap_p_value",
    "check_epigenome",
    "check_pair_input",
    "choose_on_valid",
    "compare_differential",
    "compare_models",
    "compare_roadmap_sample",
    "corrected_resampled_ttest",
    "evaluate_epigenome",
    "expression_target",
    "fit_with_validation",
    "minimum_wilcoxon_p",
    "pair_name",
    "paired_bootstrap_auc",
    "paired_bootstrap_metric",
    "paper_protocol",
    "per_epigenome_tests",
    "takes_cell_expression",
    "transfer_protocol",
    "updown_auc",
    "wilcoxon_signed_rank",
    "within_name",
]
