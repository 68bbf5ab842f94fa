"""
Tuning the bin size and the marks with GridSearchCV
===================================================

:class:`~skdeepchrome.HistoneBinner` and :class:`~skdeepchrome.DeepChromeClassifier`
are ordinary scikit-learn estimators, so the resolution of the input (bins per mark) and
the marks the network sees are hyper-parameters like the learning rate: a ``Pipeline``
and ``GridSearchCV`` choose them by cross-validation. The binner's output remembers
which marks and how many bins it holds, so the classifier after it adapts to whatever
the search tries.

The data are small and the networks train for a few epochs so that the example runs in
seconds; the same code runs unchanged on a release-sized epigenome.
"""

# %%
# Simulated genes, with their Bayes ceiling
# -----------------------------------------
# :func:`~skdeepchrome.datasets.make_histone_dataset` returns read counts
# (``data``, 5 marks x 100 bins, mark-major), labels (``target``: expression above the
# median) and each gene's exact Bayes probability of high expression (``posterior``),
# whose AUC is the best any model can reach on these genes.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline

from skdeepchrome import DeepChromeClassifier, HistoneBinner
from skdeepchrome.datasets import make_histone_dataset

data = make_histone_dataset(n_genes=900, random_state=0)
X_train, X_test, y_train, y_test, posterior_train, posterior_test = train_test_split(
    data.data, data.target, data.posterior, test_size=300, stratify=data.target,
    random_state=0)
print(X_train.shape, "training genes;", X_test.shape, "test genes")

# %%
# The pipeline and the grid
# -------------------------
# ``log1p`` tames the heavy-tailed counts. The grid tries 100 bins of 100 bp against 20
# bins of 500 bp, and all five marks against the two promoter marks H3K4me3 (active)
# and H3K27me3 (repressive) alone. Parameters are addressed through the pipeline's step
# names, as everywhere in scikit-learn.
model = make_pipeline(
    HistoneBinner(scale="log1p"),
    DeepChromeClassifier(max_epochs=15, n_iter_no_change=5, random_state=0),
)
grid = {
    "histonebinner__n_bins": [20, 100],
    "histonebinner__select": [None, ("H3K4me3", "H3K27me3")],
}
search = GridSearchCV(
    model, grid, scoring="roc_auc",
    cv=StratifiedKFold(3, shuffle=True, random_state=0),
    n_jobs=1,  # n_jobs=-1 fits candidates in parallel; torch threads are shared out
)
search.fit(X_train, y_train)
print("best:", search.best_params_, f"cross-validated AUC {search.best_score_:.3f}")

# %%
# What the search saw
# -------------------
# ``cv_results_`` holds every candidate's fold scores.
results = pd.DataFrame(search.cv_results_)
results["marks"] = results["param_histonebinner__select"].map(
    lambda s: "all five" if s is None else " + ".join(s))
results["bins"] = results["param_histonebinner__n_bins"]
table = results.pivot(index="marks", columns="bins", values="mean_test_score")
print(table.round(3))

fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
width = 0.35
for i, (marks, row) in enumerate(results.groupby("marks", sort=False)):
    x = np.arange(len(row)) + (i - 0.5) * width
    ax.bar(x, row["mean_test_score"], width, yerr=row["std_test_score"], capsize=3,
           label=marks)
ax.axhline(roc_auc_score(y_train, posterior_train), color="black", ls="--", lw=1,
           label="Bayes ceiling")
ax.set_xticks(np.arange(len(grid["histonebinner__n_bins"])),
              [f"{n} bins of {10_000 // n} bp" for n in grid["histonebinner__n_bins"]])
ax.set(ylabel="ROC AUC (3-fold CV)", ylim=(0.5, 1.0),
       title="GridSearchCV over resolution and marks")
ax.legend(title="marks", fontsize="small")

# %%
# The refitted best model on held-out genes
# -----------------------------------------
# ``GridSearchCV`` refits the best setting on all training genes. On the test genes
# its AUC can be set against the ceiling: the AUC of the exact posterior, which no
# model can beat in expectation.
best = search.best_estimator_
auc = roc_auc_score(y_test, best.predict_proba(X_test)[:, 1])
ceiling = roc_auc_score(y_test, posterior_test)
print(f"test AUC {auc:.3f}; Bayes ceiling {ceiling:.3f}")
print("the classifier was fitted on marks", best[-1].marks_, "x", best[-1].n_bins_, "bins")
plt.show()
