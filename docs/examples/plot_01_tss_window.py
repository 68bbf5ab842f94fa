"""
What DeepChrome reads: 5 marks x 100 bins around a TSS
======================================================

DeepChrome describes each gene by the ChIP-seq signal of five histone marks in the
10 kb around its transcription start site (TSS): 5 kb upstream and 5 kb downstream, cut
into 100 bins of 100 bp. This example draws that window for two simulated genes, shows
the matrix the convolution slides over, and how skdeepchrome lays a set of genes out as
one scikit-learn array.
"""

# %%
# Two genes from the simulator
# ----------------------------
# :func:`~skdeepchrome.datasets.make_histone_dataset` draws REMC-like read
# counts from an explicit model of chromatin state. Its ``chromatin_state`` field (for
# inspection only; models never see it) lets us pick a clearly active gene and a
# polycomb-repressed one, each the most typical of its kind.
import matplotlib.pyplot as plt
import numpy as np

from skdeepchrome import REMC_MARKS, HistoneBinner
from skdeepchrome.datasets import make_histone_dataset
from skdeepchrome.layout import to_3d

data = make_histone_dataset(n_genes=1000, random_state=0)
X3 = to_3d(data.data, len(data.marks))  # (n_genes, n_marks, n_bins), a free view
print(data.data.shape, "->", X3.shape)


def typical(state, label):
    """The gene of that state and label closest to their average profile."""
    rows = np.flatnonzero((data.chromatin_state == state) & (data.target == label))
    profiles = np.log1p(data.data[rows])
    distance = ((profiles - profiles.mean(axis=0)) ** 2).sum(axis=1)
    return rows[np.argmin(distance)]


active, polycomb = typical("active", 1), typical("polycomb", 0)
print(f"gene {data.gene_ids[active]}: {data.chromatin_state[active]}, label "
      f"{data.target[active]}; gene {data.gene_ids[polycomb]}: "
      f"{data.chromatin_state[polycomb]}, label {data.target[polycomb]}")

# %%
# The window around the TSS
# -------------------------
# Bin ``b`` covers ``[-5000 + 100 b, -5000 + 100 (b + 1))`` bp relative to the TSS, read
# 5' to 3' along the gene (minus-strand genes are flipped when extracted), so bin 50 is
# the first bin downstream of the TSS. Each panel is one mark of the active gene: H3K4me3
# peaks at the promoter, H3K4me1 flanks it, H3K36me3 rises into the gene body.
edges = np.arange(-5000, 5001, 100) / 1000  # kb
colors = plt.cm.tab10(np.arange(len(REMC_MARKS)))
fig, axes = plt.subplots(len(REMC_MARKS) + 1, 1, figsize=(8, 7.5), sharex=True,
                         gridspec_kw={"height_ratios": [0.8] + [1] * len(REMC_MARKS)},
                         layout="constrained")
gene_axis = axes[0]
gene_axis.annotate("", xy=(5, 0.5), xytext=(0, 0.5),
                   arrowprops=dict(arrowstyle="-|>", lw=3, color="black"))
gene_axis.plot([-5, 0], [0.5, 0.5], color="grey", lw=1)
gene_axis.axvline(0, color="black", ls="--", lw=1)
gene_axis.text(0.05, 0.85, "TSS (start of bin 50)", fontsize=9)
gene_axis.text(-4.9, 0.1, "upstream 5 kb: bins 0-49", fontsize=9)
gene_axis.text(0.1, 0.1, "downstream 5 kb (gene body): bins 50-99", fontsize=9)
gene_axis.set(ylim=(0, 1), yticks=[], title=f"Gene {data.gene_ids[active]} "
              f"(simulated, {data.chromatin_state[active]}, highly expressed)")
for ax, mark, counts, color in zip(axes[1:], data.marks, X3[active], colors):
    ax.stairs(counts, edges, fill=True, color=color, alpha=0.8)
    ax.axvline(0, color="black", ls="--", lw=1)
    ax.set_ylabel(mark, rotation=0, ha="right", va="center")
    ax.set_ylim(0, max(4, counts.max() * 1.1))
# one bin, to scale
axes[-1].axvspan(2.0, 2.1, color="black", alpha=0.3)
axes[-1].annotate("one bin = 100 bp", xy=(2.1, axes[-1].get_ylim()[1] * 0.7),
                  xytext=(2.6, axes[-1].get_ylim()[1] * 0.7), fontsize=8,
                  arrowprops=dict(arrowstyle="->"))
axes[-1].set_xlabel("position relative to the TSS (kb)")
axes[-1].set_xlim(-5, 5)
fig.supylabel("reads per bin")

# %%
# The matrix the network sees
# ---------------------------
# For one gene the input is a ``(5, 100)`` matrix: marks are the convolution's channels
# and bins its length. The repressed gene carries a broad H3K27me3 domain instead of the
# promoter marks.
fig, axes = plt.subplots(2, 1, figsize=(8, 4), sharex=True, layout="constrained")
for ax, row, title in ((axes[0], active, "active, label 1"),
                       (axes[1], polycomb, "polycomb, label 0")):
    image = ax.imshow(np.log1p(X3[row]), aspect="auto", cmap="viridis",
                      extent=(-0.5, 99.5, len(REMC_MARKS) - 0.5, -0.5),
                      interpolation="nearest")
    ax.set_yticks(range(len(REMC_MARKS)), data.marks)
    ax.axvline(49.5, color="white", ls="--", lw=1)
    ax.set_title(f"gene {data.gene_ids[row]} ({title}): log1p(reads)")
    fig.colorbar(image, ax=ax, pad=0.01)
axes[1].set_xlabel("bin (50 = TSS)")

# %%
# One array for scikit-learn: mark-major columns
# ----------------------------------------------
# scikit-learn wants one row per sample, so a set of genes travels as a 2-D array of
# shape ``(n_genes, 5 * 100)``: the first 100 columns are the first mark's bins from
# upstream to downstream, the next 100 the second mark's, and so on. This is exactly
# ``X3.reshape(n_genes, -1)``, and the feature names say where each column comes from.
print(data.data.shape)
print(data.feature_names[[0, 99, 100, 350, 499]])
assert np.array_equal(data.data[:, 300:400], X3[:, data.marks.index("H3K4me3"), :])

# %%
# Coarser bins and narrower windows
# ---------------------------------
# :class:`~skdeepchrome.HistoneBinner` changes the resolution inside a pipeline, so it
# can be tuned like any hyper-parameter: ``n_bins=20`` pools five 100-bp bins into one
# 500-bp bin (sums, so no read is lost), and ``window=(-2000, 2000)`` keeps the 4 kb
# around the TSS.
coarse = HistoneBinner(n_bins=20).fit_transform(data.data[[active]])
narrow = HistoneBinner(window=(-2000, 2000)).fit_transform(data.data[[active]])
print(coarse.shape, narrow.shape)

k4 = data.marks.index("H3K4me3")
fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
ax.axvspan(-2, 2, color="grey", alpha=0.15, label="HistoneBinner(window=(-2000, 2000))")
ax.stairs(X3[active, k4], edges, label="100 bins of 100 bp (the input)", lw=1.5)
ax.stairs(to_3d(coarse, 5)[0, k4] / 5, np.linspace(-5, 5, 21),
          label="HistoneBinner(n_bins=20), per 100 bp", lw=2)
ax.axvline(0, color="black", ls=":", lw=1)
ax.set(xlabel="position relative to the TSS (kb)", ylabel="H3K4me3 reads",
       title="One mark at two resolutions, and a narrower window", xlim=(-5, 5))
ax.legend(fontsize="small")
plt.show()
