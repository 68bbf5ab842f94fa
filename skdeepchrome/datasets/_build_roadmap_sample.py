"""Rebuild the Roadmap sample that the package ships, from the public files it came from.

Run from the repository, with the shared data folder beside it::

    python -m skdeepchrome.datasets._build_roadmap_sample            # ../shared/data/roadmap
    python -m skdeepchrome.datasets._build_roadmap_sample --source DIR --out DIR

It reads DeepDiffChrome's sample (``deepdiff_e123_e003/Cell{1,2}.{train,valid,test}.csv``
and ``Cell{1,2}.expr.csv``), the GENCODE v10 genes (strand) and Roadmap's
``57epigenomes.RPKM.pc.gz`` (labels), and writes ``roadmap_sample.npz`` and the
DeepDiffChrome licence into ``skdeepchrome/datasets/data/``. The output is
deterministic: the same inputs give byte-identical files (fixed zip timestamps, a fixed
array order, no pickles), which a test checks against the shipped copy.

What it does to the counts, and why:

- marks are reordered from DeepDiffChrome's ``H3K4me1, H3K4me3, H3K9me3, H3K27me3,
  H3K36me3`` to the package's REMC order (:data:`skdeepchrome.layout.REMC_MARKS`);
- bins of minus-strand genes are reversed: the files run in genome coordinates, the
  package's layout runs 5' -> 3' (upstream first), as the REMC release does;
- the label is DeepChrome's rule, RPKM above the median of **all** 19,795 genes of the
  epigenome in the RPKM table, not of the 600 sampled ones.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..genome import read_tss
from ..layout import REMC_MARKS
from ._expression import binarize_expression, read_expression_table
from ._transcript_map import strip_version

#: DeepDiffChrome's cells: Cell1 is E123 (K562), Cell2 is E003 (H1).
CELLS = {"E003": "Cell2", "E123": "Cell1"}
SOURCE_MARKS = ("H3K4me1", "H3K4me3", "H3K9me3", "H3K27me3", "H3K36me3")
SPLITS = ("train", "valid", "test")
N_BINS, BIN_SIZE, FLANK = 200, 100, 10_000
FORMAT = "skdeepchrome-roadmap-sample-1"
NPZ_NAME, LICENSE_NAME = "roadmap_sample.npz", "LICENSE-DeepDiffChrome"
DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_SOURCE = Path(__file__).resolve().parents[3] / "shared" / "data" / "roadmap"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip's earliest date: no build time in the file


def read_deepdiff_split(path):
    """Counts of one DeepDiffChrome split file.

    Returns
    -------
    gene_ids, symbols : ndarray of str, shape (n_genes,)
    counts : ndarray of int64, shape (n_genes, 5, 200)
        In the file's mark order and genome-coordinate bin order.
    """
    frame = pd.read_csv(path, header=None, dtype={0: str})
    if frame.shape[1] != 1 + len(SOURCE_MARKS):
        raise ValueError(f"{path}: expected 6 columns (row id, 5 marks), got {frame.shape[1]}.")
    parts = frame[0].str.rsplit("_", n=1)
    bins = pd.to_numeric(parts.str[1], errors="coerce").to_numpy()
    names = parts.str[0].to_numpy(dtype=str)
    if len(frame) % N_BINS:
        raise ValueError(f"{path}: {len(frame)} rows is not a multiple of {N_BINS} bins.")
    n_genes = len(frame) // N_BINS
    if not np.array_equal(bins.reshape(n_genes, N_BINS),
                          np.tile(np.arange(1, N_BINS + 1), (n_genes, 1))):
        raise ValueError(f"{path}: each gene needs rows ..._1 to ..._{N_BINS} in order.")
    names = names.reshape(n_genes, N_BINS)
    if (names != names[:, :1]).any():
        row = int(np.argwhere(names != names[:, :1])[0][0])
        raise ValueError(f"{path}: gene {row + 1}'s {N_BINS} rows name different genes.")
    gene_ids, _, symbols = np.char.partition(names[:, 0], "_").T
    duplicated = pd.Series(gene_ids).duplicated(keep=False).to_numpy()
    if duplicated.any():
        repeated = sorted(set(gene_ids[duplicated].tolist()))
        raise ValueError(f"{path}: gene id(s) {repeated[:5]} appear more than once.")
    counts = frame.iloc[:, 1:].to_numpy()
    if counts.dtype.kind not in "iu" or (counts < 0).any():
        raise ValueError(f"{path}: read counts must be non-negative integers.")
    counts = counts.reshape(n_genes, N_BINS, len(SOURCE_MARKS)).transpose(0, 2, 1)
    return gene_ids, symbols, counts.astype(np.int64)


def gene_strands(gene_ids, annotation, what):
    """Each gene's strand from a GTF, version suffixes ignored; every gene must be there."""
    tss = read_tss(annotation, gene_types=None)
    by_base = pd.Series(tss["strand"].to_numpy(), index=strip_version(tss["gene_id"]))
    by_base = by_base[~by_base.index.duplicated()]
    strand = by_base.reindex(gene_ids).to_numpy(dtype=object)
    missing = pd.isna(strand)
    if missing.any():
        raise ValueError(
            f"{annotation}: {int(missing.sum())} of {len(gene_ids)} genes of {what} are not in "
            f"the annotation, even ignoring version suffixes; e.g. "
            f"{np.asarray(gene_ids, dtype=str)[missing][:3].tolist()}. Is it the same assembly and "
            f"release (GENCODE v10, hg19)?"
        )
    return strand.astype(str)


def build_arrays(source):
    """Every array of the sample, by name, from the files in ``source``."""
    source = Path(source)
    deepdiff = source / "deepdiff_e123_e003"
    order = [SOURCE_MARKS.index(m) for m in REMC_MARKS]
    per_cell, genes = {}, None
    for epigenome, cell in CELLS.items():
        ids, symbols, counts, split = [], [], [], []
        for name in SPLITS:
            g, s, c = read_deepdiff_split(deepdiff / f"{cell}.{name}.csv")
            ids.append(g)
            symbols.append(s)
            counts.append(c)
            split += [name] * len(g)
        ids, symbols = np.concatenate(ids), np.concatenate(symbols)
        if genes is None:
            genes = (ids, symbols, np.asarray(split))
            if pd.Series(ids).duplicated().any():
                raise ValueError(f"{deepdiff}: a gene is in two of the {cell} splits.")
        elif not np.array_equal(ids, genes[0]):
            raise ValueError(f"{deepdiff}: {cell} does not list the same genes in the same "
                             "splits and order as the other cell.")
        per_cell[epigenome] = np.concatenate(counts)[:, order, :]
    gene_ids, symbols, split = genes
    strand = gene_strands(gene_ids, source / "gencode.v10.genes.gtf.gz",
                          f"{deepdiff.name}/Cell*.csv")
    arrays = {
        "format": np.asarray(FORMAT),
        "gene_ids": gene_ids.astype("U15"),
        "symbols": symbols.astype(str),
        "strand": strand.astype("U1"),
        "split": split.astype("U5"),
        "marks": np.asarray(REMC_MARKS),
    }
    table = source / "57epigenomes.RPKM.pc.gz"
    metadata = dict(flank=FLANK, bin_size=BIN_SIZE, n_bins=N_BINS, reference_point="TSS",
                    orientation="5' -> 3' (minus-strand bins reversed)",
                    label_rule="1 when RPKM > median RPKM of all genes of the epigenome in "
                    "57epigenomes.RPKM.pc", cells=CELLS, source_marks=SOURCE_MARKS)
    for epigenome, counts in per_cell.items():
        counts = np.where((strand == "-")[:, None, None], counts[:, :, ::-1], counts)
        if counts.max() > np.iinfo(np.uint16).max:
            raise ValueError(f"{epigenome}: a count exceeds uint16; widen the stored type.")
        rpkm_all = read_expression_table(table, epigenome=epigenome)
        _, median = binarize_expression(rpkm_all, return_threshold=True)
        rpkm = rpkm_all.reindex(gene_ids).to_numpy()
        reads = read_expression_table(deepdiff / f"{CELLS[epigenome]}.expr.csv")
        read_count = reads.reindex(gene_ids).to_numpy()
        for name, values, path in [("RPKM", rpkm, table), ("read count", read_count,
                                                           deepdiff / "Cell*.expr.csv")]:
            if np.isnan(values).any():
                absent = gene_ids[np.isnan(values)]
                raise ValueError(f"{path}: {len(absent)} sampled genes have no {name} for "
                                 f"{epigenome}; e.g. {absent[:3].tolist()}.")
        arrays[f"counts_{epigenome}"] = counts.astype(np.uint16)
        arrays[f"rpkm_{epigenome}"] = rpkm.astype(np.float64)
        arrays[f"rpkm_median_{epigenome}"] = np.asarray(median, dtype=np.float64)
        arrays[f"read_count_{epigenome}"] = read_count.astype(np.int64)
        arrays[f"target_{epigenome}"] = (rpkm > median).astype(np.int8)
        metadata[f"n_genes_in_rpkm_table_{epigenome}"] = len(rpkm_all)
    arrays["metadata"] = np.asarray(json.dumps(metadata, sort_keys=True))
    return arrays


def write_npz(path, arrays):
    """A compressed npz whose bytes depend only on ``arrays`` (no timestamps)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(arrays[name], order="C"),
                                      allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue(), compresslevel=9)
    return path


def build(source=DEFAULT_SOURCE, out=DATA_DIR):
    """Write ``roadmap_sample.npz`` and the DeepDiffChrome licence into ``out``."""
    source, out = Path(source), Path(out)
    if not (source / "deepdiff_e123_e003").is_dir():
        raise FileNotFoundError(f"{source}: no deepdiff_e123_e003/ folder; pass --source, the "
                                "folder holding the shared Roadmap files.")
    out.mkdir(parents=True, exist_ok=True)
    arrays = build_arrays(source)
    tmp = out / (NPZ_NAME + ".part")
    write_npz(tmp, arrays)
    tmp.replace(out / NPZ_NAME)
    shutil.copyfile(source / "deepdiff_e123_e003" / "LICENSE", out / LICENSE_NAME)
    return out / NPZ_NAME


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE,
                        help=f"the shared Roadmap folder (default {DEFAULT_SOURCE})")
    parser.add_argument("--out", type=Path, default=DATA_DIR,
                        help=f"where to write (default {DATA_DIR})")
    args = parser.parse_args(argv)
    path = build(args.source, args.out)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
