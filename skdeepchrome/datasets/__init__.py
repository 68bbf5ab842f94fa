"""Datasets: the REMC/DeepChrome release files, npz datasets, expression labels, the simulator."""

from ._chunks import CHUNK_GENES, iter_gene_chunks
from ._counts import check_counts
from ._expression import (
    align_expression,
    binarize_expression,
    log_expression,
    read_expression_table,
)
from ._expression_formats import detect_expression_format
from ._fold_change import UPDOWN_THRESHOLD, log2_fold_change, updown_labels
from ._npz import load_dataset, load_npz_dataset, save_npz_dataset
from ._published import PUBLISHED_SOURCE, published_aucs
from ._remc import (
    RemcCollection,
    load_deepchrome_csv,
    load_remc,
    load_remc_collection,
    save_deepchrome_csv,
)
from ._roadmap_pair import DEEPDIFF_PAIR, load_roadmap_pair
from ._roadmap_sample import load_roadmap_sample, roadmap_sample_epigenomes
from ._simulated_epigenome import RELEASE_SIZES, simulate_epigenome, simulated_collection
from ._simulated_pair import make_differential_dataset
from ._simulator import (
    CELL_TYPES,
    DEFAULT_CELL_TYPE,
    bayes_posterior,
    cell_type_names,
    make_histone_dataset,
)
from ._simulator_presets import FAMILY as SIMULATOR_FAMILY
from ._simulator_presets import FAMILY_HELD_BACK as SIMULATOR_FAMILY_HELD_BACK
from ._simulator_presets import FAMILY_TUNING as SIMULATOR_FAMILY_TUNING
from ._transcript_map import read_transcript_map, strip_version

__all__ = [
    "PUBLISHED_SOURCE",
    "published_aucs",
    "check_counts",
    "CHUNK_GENES",
    "iter_gene_chunks",
    "SIMULATOR_FAMILY",
    "SIMULATOR_FAMILY_HELD_BACK",
    "SIMULATOR_FAMILY_TUNING",
    "detect_expression_format",
    "CELL_TYPES",
    "DEFAULT_CELL_TYPE",
    "RELEASE_SIZES",
    "bayes_posterior",
    "cell_type_names",
    "make_histone_dataset",
    "simulate_epigenome",
    "simulated_collection",
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
    "read_transcript_map",
    "load_roadmap_sample",
    "roadmap_sample_epigenomes",
    "save_deepchrome_csv",
    "save_npz_dataset",
    "DEEPDIFF_PAIR",
    "UPDOWN_THRESHOLD",
    "load_roadmap_pair",
    "log2_fold_change",
    "make_differential_dataset",
    "updown_labels",
    "strip_version",
]
