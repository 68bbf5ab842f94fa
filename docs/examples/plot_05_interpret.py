"""
What has the network learnt?
============================

A trained DeepChrome can be asked which marks, and where around the TSS, it ties to high
and to low expression. :mod:`skdeepchrome.interpret` offers four complementary answers:

- the **class-optimal input**, the paper's own visualisation: the ``marks x bins`` input
  the network scores highest for a class;
- **attributions** (integrated gradients): how much each mark in each bin of each gene
  pushed its score;
- **mark importance**: how much ROC AUC is lost when a mark's information is removed;
- **average profiles** of each mark for high and low genes, to read the others against.

The genes are simulated, so the answer is known: in the simulator, high expression comes
with an H3K4me3 peak at the promoter and H3K36me3 in the gene body, and low expression
with H3K27me3 (polycomb) or H3K9me3 (heterochromatin) domains.
"""

# %%
# A model to interpret
# --------------------
# The recommended pipeline, trained on simulated genes; the interpretation uses genes it
# has not seen.
import matplotlib.pyplot as plt
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline

from skdeepchrome import DeepChromeClassifier, HistoneBinner
from skdeepchrome.datasets import make_histone_dataset
from skdeepchrome.interpret import (
    attributions,
    class_optimal_input,
    input_bounds,
    mark_attribution,
    mark_importance,
    position_attribution,
)
from skdeepchrome.plotting import (
    plot_class_optimal_inputs,
    plot_mark_importance,
    plot_mark_profiles,
    plot_position_attribution,
)

train = make_histone_dataset(n_genes=1200, random_state=0)
test = make_histone_dataset(n_genes=400, random_state=1)
model = make_pipeline(HistoneBinner(scale="log1p"),
                      DeepChromeClassifier(max_epochs=25, random_state=0))
model.fit(train.data, train.target)
print(f"test ROC AUC {roc_auc_score(test.target, model.predict_proba(test.data)[:, 1]):.3f} "
      f"(ceiling {roc_auc_score(test.target, test.posterior):.3f})")

# %%
# Average profiles: what the data look like
# -----------------------------------------
# Before asking the model, the mean ``log1p`` signal of each mark in each bin for the high
# and the low genes (bands: one standard error).
fig_profiles = plot_mark_profiles(test.data, test.target, scale="log1p")

# %%
# Class-optimal inputs
# --------------------
# DeepChrome's figure: gradient ascent on the input, through the whole pipeline (the
# binner's ``log1p`` included), finds the input that maximises each class's score minus
# an L2 penalty. :func:`~skdeepchrome.interpret.input_bounds` keeps each mark within the
# range seen in training, where the network's answers mean something, and each mark is
# shown as the fraction of that range it uses. The high class asks above all for
# H3K36me3 and H3K4me1 and for little H3K27me3; the low class for H3K9me3 and H3K27me3
# and little else.
bounds = input_bounds(train.data)
optimal = [class_optimal_input(model, label, bounds=bounds, random_state=0)
           for label in (1, 0)]
for result in optimal:
    print(f"class {result.target_class}: score {result.score:.2f}")
fig_optimal = plot_class_optimal_inputs(optimal)

# %%
# Integrated gradients
# --------------------
# For each held-out high gene, integrated gradients split its score (the log-odds of
# high expression) among the marks and bins, relative to an input without any reads;
# the attributions of a gene add up to the difference in score. Averaged over the genes,
# red positions push towards high expression and blue ones away: H3K4me3 around the TSS
# and H3K36me3 in the gene body push up, and even the background levels of H3K27me3 and
# H3K9me3 in these genes push down, since the model has learnt that they mean
# repression. ``baseline=`` compares with another reference, e.g. an average gene.
high = test.data[test.target == 1]
attr = attributions(model, high, method="integrated_gradients", n_steps=32)
print(mark_attribution(attr, test.marks).round(3).to_string(index=False))
fig_attr = plot_position_attribution(position_attribution(attr), test.marks,
                                     title="Integrated gradients, held-out high genes")

# %%
# Mark importance
# ---------------
# Shuffling one mark's whole profile across genes breaks its link to expression; the
# drop in ROC AUC measures how much the model relies on it. Unlike the gradients this
# works for any model, e.g. the baselines of :mod:`skdeepchrome.baselines`.
importance = mark_importance(model, test.data, test.target, method="permutation",
                             n_repeats=3, random_state=0)
print(importance.round(4).to_string(index=False))
fig_importance = plot_mark_importance(importance)
plt.show()
