"""
From bigWig tracks to predictions
=================================

With your own ChIP-seq data the input starts as genome tracks: one bigWig file per
histone mark, a gene annotation, and an expression table. This example builds a tiny
genome of that kind (the signal comes from the simulator, so the answer is known), then
runs the real path: :func:`~skdeepchrome.genome.read_tss` reads the TSSs,
:func:`~skdeepchrome.genome.extract_signal` bins each track around them, the
expression table gives the labels, and a pipeline trained on one chromosome predicts the
genes of another.
"""

# %%
# A small genome written to disk
# ------------------------------
# 400 simulated genes are placed 15 kb apart on two chromosomes, on alternating
# strands. Each mark's 100 bins of read counts become 100-bp intervals of a bigWig
# track (5' to 3' along the gene, so minus-strand genes are written reversed); bins
# without reads are left out, as in real tracks. The annotation is a BED6 file and the
# expression table has Roadmap's layout (a ``gene_id`` column, one column per
# epigenome, RPKM values), with Ensembl-style version suffixes on the ids.
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pyBigWig
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline

from skdeepchrome import DeepChromeClassifier, HistoneBinner
from skdeepchrome.cli import main as skdeepchrome_command
from skdeepchrome.datasets import (
    align_expression,
    binarize_expression,
    load_dataset,
    make_histone_dataset,
    read_expression_table,
)
from skdeepchrome.genome import extract_signal, read_tss
from skdeepchrome.layout import to_3d

FLANK, BIN = 5000, 100
sim = make_histone_dataset(n_genes=400, random_state=0)
counts = to_3d(sim.data, len(sim.marks))  # (genes, marks, bins)

n = len(sim.gene_ids)
genes = pd.DataFrame({
    "chrom": np.where(np.arange(n) < n // 2, "chr1", "chr2"),
    "tss": 10_000 + 15_000 * (np.arange(n) % (n // 2)),
    "gene_id": sim.gene_ids,
    "strand": np.where(np.arange(n) % 2, "-", "+"),
})
chrom_sizes = [(c, int(genes.loc[genes.chrom == c, "tss"].max()) + 20_000)
               for c in ("chr1", "chr2")]

folder = Path(tempfile.mkdtemp(prefix="skdeepchrome-example-"))
# BED6: 0-based, half-open; a 2-kb "gene body" from the TSS in the gene's direction.
bed = genes.assign(
    start=np.where(genes.strand == "+", genes.tss, genes.tss + 1 - 2000),
    end=np.where(genes.strand == "+", genes.tss + 2000, genes.tss + 1),
    score=0,
)[["chrom", "start", "end", "gene_id", "score", "strand"]]
bed.to_csv(folder / "genes.bed", sep="\t", header=False, index=False)


def bin_starts(tss, strand):
    """Genomic start of each bin, listed 5' to 3' along the gene."""
    if strand == "+":
        return tss - FLANK + BIN * np.arange(2 * FLANK // BIN)
    return tss + 1 + FLANK - BIN * np.arange(1, 2 * FLANK // BIN + 1)


tracks = {}
for m, mark in enumerate(sim.marks):
    tracks[mark] = folder / f"E000-{mark}.bigwig"
    bw = pyBigWig.open(str(tracks[mark]), "w")
    bw.addHeader(chrom_sizes)
    for chrom, _ in chrom_sizes:
        rows = np.flatnonzero(genes.chrom == chrom)
        starts = np.concatenate([bin_starts(genes.tss[r], genes.strand[r]) for r in rows])
        values = np.concatenate([counts[r, m] for r in rows]).astype(float)
        order = np.argsort(starts)
        keep = values[order] > 0
        starts, values = starts[order][keep], values[order][keep]
        bw.addEntries([chrom] * len(starts), starts.tolist(),
                      ends=(starts + BIN).tolist(), values=values.tolist())
    bw.close()

rpkm = pd.DataFrame({"gene_id": [f"{g}.1" for g in sim.gene_ids],
                     "E000": np.round(np.expm1(sim.expression), 4)})
rpkm.to_csv(folder / "57epigenomes.RPKM.pc", sep="\t", index=False)
print(sorted(p.name for p in folder.iterdir()))

# %%
# TSSs and binned signal
# ----------------------
# :func:`~skdeepchrome.genome.read_tss` returns one row per gene with its 0-based TSS
# base and strand. :func:`~skdeepchrome.genome.extract_signal` reads each track in a
# window of ``flank`` bases either side of every TSS and bins it: ``statistic="mean"``
# is the per-bin mean (deeptools' ``computeMatrix reference-point`` with
# ``--missingDataAsZero``). Bins run 5' to 3' on both strands, and the mark order is
# the order of ``tracks``. Here the extraction gives back exactly the simulated counts.
tss = read_tss(folder / "genes.bed")
print(tss.head(3))
signal = extract_signal(tss, tracks, flank=FLANK, bin_size=BIN, statistic="mean",
                        progress=False)
print(signal.data.shape, signal.marks)
assert np.array_equal(signal.data, sim.data)

# %%
# Labels from the expression table
# --------------------------------
# DeepChrome's label is 1 when a gene's RPKM is above the epigenome's median.
# :func:`~skdeepchrome.datasets.align_expression` matches the table's ids to the
# annotation's even though one side carries version suffixes.
expression = read_expression_table(folder / "57epigenomes.RPKM.pc", epigenome="E000")
aligned = align_expression(signal.gene_ids, expression)
y = binarize_expression(aligned.expression)
print(f"{aligned.n_matched} of {aligned.n_total} genes matched; {y.mean():.0%} labelled high")

# %%
# Train on one chromosome, predict another
# ----------------------------------------
# Holding out whole chromosomes keeps neighbouring genes, which share chromatin, from
# straddling the split.
X = signal.data
on_chr1 = (tss["chrom"] == "chr1").to_numpy()
model = make_pipeline(HistoneBinner(scale="log1p"),
                      DeepChromeClassifier(max_epochs=30, random_state=0))
model.fit(X[on_chr1], y[on_chr1])
p_high = model.predict_proba(X[~on_chr1])[:, 1]
print(f"chr2: ROC AUC {roc_auc_score(y[~on_chr1], p_high):.3f} on {len(p_high)} genes")

# %%
# A genome-browser view of the predictions
# ----------------------------------------
# The first four genes of chr2 with the signal of three marks read straight from the
# bigWig files, the predicted probability of high expression above each TSS and the
# label from the expression table. The network is trained on only 200 genes for a few
# epochs here, and it gets some genes wrong.
chr2 = tss[~on_chr1].reset_index(drop=True)
start, end = int(chr2.tss[0]) - 6000, int(chr2.tss[3]) + 6000
shown = ["H3K4me3", "H3K36me3", "H3K27me3"]
fig, axes = plt.subplots(len(shown) + 1, 1, figsize=(9, 5.5), sharex=True,
                         layout="constrained")
for i in range(4):
    tss_kb, strand = chr2.tss[i] / 1000, chr2.strand[i]
    direction = 1 if strand == "+" else -1
    axes[0].annotate("", xy=(tss_kb + 2 * direction, 0.3), xytext=(tss_kb, 0.3),
                     arrowprops=dict(arrowstyle="-|>", lw=2))
    axes[0].text(tss_kb, 0.55, f"{chr2.gene_id[i]}\nP(high) {p_high[i]:.2f}, "
                 f"label {y[~on_chr1][i]}", ha="center", fontsize=8)
axes[0].set(ylim=(0, 1.3), yticks=[], title="chr2: bigWig signal and predictions")
for ax, mark in zip(axes[1:], shown):
    with pyBigWig.open(str(tracks[mark])) as bw:  # 100-bp means, no data = 0
        means = bw.stats("chr2", start, end, type="mean", nBins=(end - start) // BIN)
    ax.stairs([v or 0.0 for v in means], np.arange(start, end + 1, BIN) / 1000,
              fill=True)
    ax.set_ylabel(mark, rotation=0, ha="right", va="center")
axes[-1].set_xlabel("chr2 position (kb)")
axes[-1].set_xlim(start / 1000, end / 1000)

# %%
# The same extraction from the command line
# -----------------------------------------
# ``skdeepchrome extract`` does all of the above in one command and writes a dataset
# the comparison harness reads (``skdeepchrome compare --data E000.npz``). Here it is
# called from Python with the same arguments a shell would pass.
skdeepchrome_command([
    "extract", "--genes", str(folder / "genes.bed"),
    *[arg for mark, path in tracks.items() for arg in ("--track", f"{mark}={path}")],
    "--expression", str(folder / "57epigenomes.RPKM.pc"), "--expression-column", "E000",
    "--out", str(folder / "E000.npz"), "--quiet",
])
dataset = load_dataset(folder / "E000.npz")
print(dataset.data.shape, dataset.marks, np.array_equal(dataset.target, y))
plt.show()
