"""The source x target picture of a transfer result."""

from __future__ import annotations

import numpy as np

from ._figure import figure_and_axes as _figure
from ._labels import metric_label, model_label


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
