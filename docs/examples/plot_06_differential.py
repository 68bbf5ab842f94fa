"""
What differs between two cells?
===============================

DeepDiff (Sekhon, Singh & Qi, Bioinformatics 2018) asks which genes change expression
between two cell types, and why, from both cells' histone marks. The package ships
DeepDiff's own sample pair, the same 600 genes in K562 (E123) and H1 (E003), with each
gene's log2 fold change ``log2((count_E123 + 1) / (count_E003 + 1))`` of Roadmap's raw
RNA-seq counts. Here a :class:`~skdeepchrome.estimators.DeepDiffRegressor`
learns the fold change on 400 genes, is scored on the 200 others, and integrated
gradients show which marks, where and in which cell, drive its predictions.
"""

# %%
# The pair and the model
# ----------------------
# The input is one *pair matrix*: E123's five marks, then E003's, for the same genes. The
# model also learns each cell's own ``log2(count + 1)`` as auxiliary outputs.
import matplotlib.pyplot as plt
import numpy as np
from scipy import stats
from sklearn.pipeline import make_pipeline

from skdeepchrome import HistoneBinner
from skdeepchrome.datasets import load_roadmap_pair
from skdeepchrome.estimators import DeepDiffRegressor
from skdeepchrome.interpret import cell_mark_attribution, differential_attributions
from skdeepchrome.plotting import plot_differential_attribution

pair = load_roadmap_pair(window=(-5000, 5000))
train, test = pair.split != "test", pair.split == "test"
target = np.column_stack([pair.target, pair.cell_expression])
model = make_pipeline(HistoneBinner(pair.marks, scale="log1p"),
                      DeepDiffRegressor(random_state=0))
model.fit(pair.data[train], target[train])
predicted = model.predict(pair.data[test])
print(f"held-out Pearson r {stats.pearsonr(pair.target[test], predicted)[0]:.3f}")

# %%
# Which marks and positions drive the predicted difference?
# ---------------------------------------------------------
# Red pushes the prediction toward higher expression in E123 than in E003. The
# attribution of a gene adds up to its prediction minus the prediction for no reads.
attr = differential_attributions(model, pair.data[test])
fig = plot_differential_attribution(attr, pair.cells, pair.cell_marks,
                                    title="Integrated gradients of the predicted log2 fold "
                                    "change, 200 held-out genes")
plt.show()

# %%
# Per cell and mark, summed over the window:
print(cell_mark_attribution(attr, pair.cells, pair.cell_marks).round(3).to_string())
