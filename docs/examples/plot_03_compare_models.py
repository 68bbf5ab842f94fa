"""
DeepChrome against the baselines, with the Bayes ceiling
========================================================

The DeepChrome paper compares its CNN with a support vector machine, a random forest and
other classical models on the same genes. :func:`~skdeepchrome.compare.compare_models`
does this by cross-validation on one dataset, and
:func:`~skdeepchrome.compare.paper_protocol` with the paper's own train / valid / test
protocol on one or many epigenomes. Both return a
:class:`~skdeepchrome.compare.ComparisonResult`: a summary, paired significance tests,
held-out predictions and pictures.

On simulated data both also score the exact Bayes posterior (the ``ceiling`` row): how
close each model gets to the best possible AUC, not only which model wins.
"""

# %%
# Every model on the same folds
# -----------------------------
# :func:`~skdeepchrome.baselines.make_model` builds the models the harness uses by
# default; every one is a pipeline that starts from the raw counts, so all see the same
# input. Here the CNN trains for at most 20 epochs and the forest has 100 trees, to keep
# the example fast; pass ``models=None`` for the defaults (all five models, full size).
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt

from skdeepchrome.baselines import make_model
from skdeepchrome.compare import compare_models, paper_protocol
from skdeepchrome.datasets import make_histone_dataset, simulated_collection
from skdeepchrome.plotting import plot_model_scores, plot_roc_curves

models = {
    "deepchrome": make_model("deepchrome", random_state=0).set_params(model__max_epochs=20),
    "svm": make_model("svm"),
    "random_forest": make_model("random_forest", random_state=0).set_params(
        model__n_estimators=100),
    "logistic": make_model("logistic"),
}
print(models["deepchrome"])

data = make_histone_dataset(n_genes=900, cell_type="blood", random_state=0)
result = compare_models(data.data, data.target, models=models, cv=3,
                        posterior=data.posterior, random_state=0, verbose=0)

# %%
# The summary
# -----------
# One row per model, ranked by the first metric (ROC AUC): mean ± standard deviation
# over the folds, the rank, the number of folds on which the model scored best
# (``wins``) and its mean fit time. The ``ceiling`` row is the exact posterior's score on
# the same folds; it is not ranked.
print(result)

# %%
# Paired tests
# ------------
# The reference model (the CNN) is tested against each other model on the per-fold
# differences. Folds share most of their training genes, so the plain paired t-test
# would be over-confident; the harness uses the corrected resampled t-test of Nadeau &
# Bengio (2003), which inflates the variance by ``n_test / n_train``. With three folds
# only a large, consistent difference is significant.
print(result.tests[result.tests["metric"] == "roc_auc"]
      [["model", "mean_difference", "statistic", "p_value"]].round(4).to_string(index=False))

# %%
# Pictures
# --------
# :mod:`skdeepchrome.plotting` draws the held-out ROC curves (one panel per fold; the
# ceiling dashed) and every model's AUC as a point with its bootstrap 95 % interval.
fig_roc = plot_roc_curves(result)
fig_scores = plot_model_scores(result)

# %%
# The paper's protocol over several epigenomes
# --------------------------------------------
# The paper trains on ``train``, chooses epochs on ``valid`` and reports AUC on
# ``test``, for each of 56 epigenomes. Here three simulated cell types stand in for
# them (real ones come from :func:`~skdeepchrome.datasets.load_remc_collection`). Across
# epigenomes the summary adds the median AUC and the tests become Wilcoxon signed-rank
# tests of the CNN against each baseline, as in the paper's comparison.
epigenomes = simulated_collection(["fibroblast", "embryonic_stem", "blood"],
                                  n_genes=(500, 200, 300), random_state=0)
protocol = paper_protocol(epigenomes, models=models, random_state=0, verbose=0)
print(protocol)
print(protocol.tests[protocol.tests["metric"] == "roc_auc"]
      [["model", "mean_difference", "p_value"]].round(3).to_string(index=False))

# %%
# With three epigenomes the smallest p-value a two-sided Wilcoxon test can give is 0.25,
# so none of these can be significant: the test needs tens of epigenomes, as in the
# release's 56. A single epigenome gets a paired bootstrap over its test genes instead.
fig_protocol = plot_model_scores(protocol)

# %%
# The report on disk
# ------------------
# :meth:`~skdeepchrome.compare.ComparisonResult.save` writes what ``skdeepchrome
# compare`` writes: CSV tables, the held-out predictions, JSON, Markdown and the two
# pictures.
with tempfile.TemporaryDirectory() as out:
    written = result.save(out)
    print(sorted(written))
    print(Path(out, "report.md").read_text())
plt.show()
