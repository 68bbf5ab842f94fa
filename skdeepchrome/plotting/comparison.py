"""Pictures of a comparison: ROC curves and AUC bars."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve

from ._figure import figure_and_axes as _figure


def plot_roc_curves(result, ax=None):
    """ROC curve of every model from a comparison's held-out predictions.

    Each model's curve pools its held-out predictions over folds (each gene is predicted
    once) or epigenomes; the legend gives the AUC of that pooled curve. The Bayes
    ``ceiling``, when present, is dashed.

    Parameters
    ----------
    result : ComparisonResult
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepchrome.compare import compare_models
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(2.0, size=(90, 10)).astype(float)
    >>> y = (X[:, :5].sum(axis=1) > 10).astype(int)
    >>> res = compare_models(X, y, models=["logistic"], cv=3, reference="logistic",
    ...                      random_state=0, verbose=0)
    >>> fig = plot_roc_curves(res)
    >>> fig.axes[0].get_xlabel()
    'False positive rate'
    """
    fig, ax = _figure(ax, (5.5, 5))
    for model, group in result.predictions.groupby("model", sort=False):
        fpr, tpr, _ = roc_curve(group["y_true"], group["score"])
        auc = roc_auc_score(group["y_true"], group["score"])
        style = dict(ls="--", color="black") if model == "ceiling" else {}
        ax.plot(fpr, tpr, label=f"{model} (AUC {auc:.3f})", **style)
    ax.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":")
    ax.set(xlabel="False positive rate", ylabel="True positive rate", xlim=(0, 1), ylim=(0, 1),
           title=f"ROC, held-out genes ({result.unit}s pooled)")
    ax.legend(loc="lower right", fontsize="small")
    return fig


def plot_auc_bars(result, metric="roc_auc", ax=None):
    """Grouped bars of ``metric`` per fold or epigenome, one bar per model.

    Parameters
    ----------
    result : ComparisonResult
    metric : str, default="roc_auc"
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = result.table[result.table["metric"] == metric]
    wide = table.pivot(index=result.unit, columns="model", values="value")
    order = [m for m in ["ceiling", *result.models] if m in wide.columns]
    wide = wide[order]
    fig, ax = _figure(ax, (max(5.0, 0.9 * len(wide) * len(order) / 3 + 3), 4))
    width = 0.8 / len(order)
    x = np.arange(len(wide))
    for i, model in enumerate(order):
        style = dict(color="lightgrey", edgecolor="black", hatch="//") if model == "ceiling" else {}
        ax.bar(x + (i - (len(order) - 1) / 2) * width, wide[model], width, label=model, **style)
    low = np.nanmin(wide.to_numpy())
    ax.set_ylim(max(0.0, low - 0.05), min(1.0, np.nanmax(wide.to_numpy()) + 0.03))
    ax.set_xticks(x, [str(v) for v in wide.index], rotation=45 if len(wide) > 8 else 0)
    ax.set(xlabel=result.unit, ylabel=metric, title=f"{metric} per {result.unit}")
    # Outside the axes: bars reach the top whatever the scores, so an inside legend covers some.
    ax.legend(fontsize="small", ncols=min(len(order), 6), loc="upper center",
              bbox_to_anchor=(0.5, -0.18 if len(wide) <= 8 else -0.3), frameon=False)
    return fig
