"""The source x target picture of a transfer result."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve

from ..baselines import CEILING
from ._figure import figure_and_axes as _figure
from ._labels import is_within_target, metric_label, model_colour, model_label

#: More source -> target pairs than this and the ROC picture keeps the first ones only.
MAX_PAIR_ROWS = 6
_WITHIN_SUFFIX = " (within target)"


def plot_transfer_matrix(result, model=None, metric="roc_auc", ax=None):
    """Heatmap of one model's score fitted on each source (rows), scored on each target.

    Each cell is written with its value; the diagonal (where a source is the target
    alone) holds the model fitted on the target's own train split, marked "(within)".

    Parameters
    ----------
    result : skdeepchrome.compare.TransferResult
    model : str, optional
        Default: the result's reference model.
    metric : str, default="roc_auc"
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from skdeepchrome.datasets import roadmap_sample_epigenomes
    >>> from skdeepchrome.compare import transfer_protocol
    >>> result = transfer_protocol(roadmap_sample_epigenomes(), ["E123", "E003"],
    ...                            ["E003", "E123"], ["logistic"], verbose=0)
    >>> fig = plot_transfer_matrix(result)
    >>> fig.axes[0].get_xlabel()
    'target epigenome (scored on its test split)'
    """
    model = result.reference if model is None else model
    wide = result.matrix(model, metric)
    n_rows, n_cols = wide.shape
    fig, ax = _figure(ax, figsize=(2.2 + 1.1 * n_cols, 1.6 + 0.6 * n_rows))
    values = wide.to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    low = min(0.5, float(finite.min())) if len(finite) else 0.5
    high = max(low + 0.05, float(finite.max())) if len(finite) else 1.0
    image = ax.imshow(np.ma.masked_invalid(values), cmap="viridis", vmin=low, vmax=high,
                      aspect="auto")
    middle = (low + high) / 2
    for i in range(n_rows):
        for j in range(n_cols):
            value = values[i, j]
            text = "—" if not np.isfinite(value) else f"{value:.3f}"
            if wide.index[i] == wide.columns[j] and np.isfinite(value):
                text += "\n(within)"
            colour = "black" if np.isfinite(value) and value > middle else "white"
            if not np.isfinite(value):
                colour = "grey"
            ax.text(j, i, text, ha="center", va="center", color=colour, fontsize=10)
    ax.set_xticks(range(n_cols), [str(c) for c in wide.columns])
    ax.set_yticks(range(n_rows), [str(r).replace("+", " + ") for r in wide.index])
    ax.set_xlabel("target epigenome (scored on its test split)")
    ax.set_ylabel("source epigenome(s) (fitted on)")
    ax.set_title(f"{model_label(model)}: transfer {metric_label(metric)}", fontsize=11)
    fig.colorbar(image, ax=ax, label=metric_label(metric), shrink=0.9)
    return fig


def plot_transfer_roc_curves(result):
    """A transfer's ROC curves as small multiples: one row per source -> target pair, one
    column per model.

    Each panel holds two curves of one model on one target's test genes: fitted on the
    source (solid) and fitted on the target's own train split (dashed, the within-target
    reference), with the Bayes ceiling (black, dotted) when the data carry one; the
    panel's title gives their AUCs. Ten curves in one panel cannot be told apart; two can.
    With more than :data:`MAX_PAIR_ROWS` pairs the first ones are drawn and the title
    says how many were left out.

    Parameters
    ----------
    result : skdeepchrome.compare.TransferResult

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from skdeepchrome.datasets import roadmap_sample_epigenomes
    >>> from skdeepchrome.compare import transfer_protocol
    >>> result = transfer_protocol(roadmap_sample_epigenomes(), ["E123", "E003"],
    ...                            ["E003", "E123"], ["logistic"], verbose=0)
    >>> fig = plot_transfer_roc_curves(result)
    >>> [ax.get_title().splitlines()[0] for ax in fig.axes]
    ['E123 -> E003', 'E003 -> E123']
    """
    predictions = result.predictions
    models = [m for m in getattr(result, "ranked_models", result.models)
              if not is_within_target(m)]
    pairs = list(dict.fromkeys(result.table["pair"]))
    shown = pairs[:MAX_PAIR_ROWS]
    targets = result.table.drop_duplicates("pair").set_index("pair")["target"]
    nrows, ncols = len(shown), max(1, len(models))
    fig, axes = _figure(None, (2.6 * ncols + 0.8, 2.75 * nrows + 0.9), nrows=nrows,
                        ncols=ncols, squeeze=False, sharex=True, sharey=True)

    def curve(ax, rows, **style):
        if rows.empty or rows["y_true"].nunique() < 2:
            return None
        fpr, tpr, _ = roc_curve(rows["y_true"], rows["score"])
        ax.plot(fpr, tpr, **style)
        return roc_auc_score(rows["y_true"], rows["score"])

    for r, pair in enumerate(shown):
        in_pair = predictions[predictions["pair"] == pair]
        for c, model in enumerate(models):
            ax = axes[r, c]
            colour = model_colour(model)
            ceiling = curve(ax, in_pair[in_pair["model"] == CEILING], color="black", lw=1.0,
                            ls=":")
            within = curve(ax, in_pair[in_pair["model"] == model + _WITHIN_SUFFIX],
                           color=colour, lw=1.4, ls="--")
            moved = curve(ax, in_pair[in_pair["model"] == model], color=colour, lw=2.0)
            ax.plot([0, 1], [0, 1], color="grey", lw=0.6, ls=":")
            parts = [f"transfer {moved:.3f}" if moved is not None else "transfer —"]
            if within is not None:
                parts.append(f"within {within:.3f}")
            if ceiling is not None:
                parts.append(f"ceiling {ceiling:.3f}")
            ax.set_title(f"{pair}\n{model_label(model)}\n" + ", ".join(parts), fontsize=8)
            ax.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02))
            ax.set_box_aspect(1)
            ax.tick_params(labelsize=7)
            if r == nrows - 1:
                ax.set_xlabel("False positive rate", fontsize=8)
            if c == 0:
                ax.set_ylabel(f"target {targets[pair]}\nTrue positive rate", fontsize=8)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color="grey", lw=2.0),
               Line2D([], [], color="grey", lw=1.4, ls="--")]
    labels = ["fitted on the source (transfer)", "fitted on the target's own genes (within)"]
    if (predictions["model"] == CEILING).any():
        handles.append(Line2D([], [], color="black", lw=1.0, ls=":"))
        labels.append("Bayes ceiling")
    fig.legend(handles, labels, loc="outside lower center", fontsize="small", frameon=False,
               ncols=len(labels))
    left_out = len(pairs) - len(shown)
    fig.suptitle("ROC curves of each target's test genes, one panel per pair and model "
                 "(models best first)"
                 + (f"; {left_out} more pairs in the results table" if left_out else ""),
                 fontsize=10)
    return fig
