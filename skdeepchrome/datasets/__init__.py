"""Datasets: the REMC/DeepChrome release files, npz datasets and expression labels."""

from .expression import (
    align_expression,
    binarize_expression,
    log_expression,
    read_expression_table,
    strip_version,
)
from .npz import load_dataset, load_npz_dataset, save_npz_dataset
from .remc import (
    RemcCollection,
    load_deepchrome_csv,
    load_remc,
    load_remc_collection,
    save_deepchrome_csv,
)

__all__ = [
    "RemcCollection",
    "align_expression",
    "binarize_expression",
    "load_dataset",
    "load_deepchrome_csv",
    "load_npz_dataset",
    "load_remc",
    "load_remc_collection",
    "log_expression",
    "read_expression_table",
    "save_deepchrome_csv",
    "save_npz_dataset",
    "strip_version",
]
