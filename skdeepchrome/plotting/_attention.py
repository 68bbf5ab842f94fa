"""Pictures of what AttentiveChrome attends to: mark-level bars and a bin-level heatmap."""

from __future__ import annotations

import numpy as np
from sklearn.pipeline import Pipeline

from ._figure import figure_and_axes as _figure


def _attention_model(model):
    """``(transform, classifier)``: a pipeline's head (or identity) and its final step."""
    final = model[-1] if isinstance(model, Pipeline) else model
    if not hasattr(final, "predict_attention"):
        raise ValueError(
            f"plot_attention needs a fitted model with predict_attention (an "
            f"AttentiveChromeClassifier, or a pipeline ending in one), got "
            f"{type(final).__name__}."
        )
    if isinstance(model, Pipeline) and len(model) > 1:
        return model[:-1].transform, final
    return (lambda X: X), final


def plot_attention(model, X, y=None, *, bin_size=100, upstream=None, axes=None):
    """Mark-level attention per class as bars, and bin-level attention as a heatmap.

    Left: each mark's mean mark-level weight over the genes of each class, with the
    uniform weight ``1 / n_marks`` dashed. Right: the mean bin-level weight of every mark
    (rows) at every bin (columns), x in kb from the TSS, the TSS marked by a vertical line.

    Parameters
    ----------
    model : AttentiveChromeClassifier or Pipeline ending in one
        Fitted. A pipeline's earlier steps (e.g. a :class:`~skdeepchrome.HistoneBinner`)
        transform ``X`` first, and its final step's ``marks_`` name the rows.
    X : array-like of shape (n_genes, n_features) or (n_genes, n_marks, n_bins)
        The genes whose attention is averaged, as given to ``model.predict``.
    y : array-like of shape (n_genes,), optional
        Classes to group the bars by (e.g. the true labels); by default the predicted ones.
    bin_size : int, default=100
        Base pairs per bin of the model's input (after any binner), for the kb axis.
    upstream : int, optional
        Base pairs the window reaches upstream of the TSS; by default half the window
        (a TSS-centred window such as the release's -5 kb..+5 kb).
    axes : pair of matplotlib Axes, optional
        Where to draw the bars and the heatmap; by default a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skdeepchrome.estimators import AttentiveChromeClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.poisson(2.0, size=(40, 2, 10)).astype(float)
    >>> y = (X[:, 0, 4:6].sum(axis=1) > 4).astype(int)
    >>> clf = AttentiveChromeClassifier(bin_hidden_size=4, mark_hidden_size=2, max_epochs=1,
    ...                                 random_state=0).fit(X, y)
    >>> fig = plot_attention(clf, X, y, bin_size=1000)
    >>> fig.axes[1].get_xlabel()
    'Distance from TSS (kb)'
    """
    transform, clf = _attention_model(model)
    bins, marks_weight = clf.predict_attention(transform(X))
    n_genes, n_marks, n_bins = bins.shape
    groups = np.asarray(clf.predict(transform(X)) if y is None else y)
    if groups.shape != (n_genes,):
        raise ValueError(f"y must hold one label per gene ({n_genes}), got shape {groups.shape}.")
    if axes is None:
        fig, axes = _figure(None, (11, 0.5 * n_marks + 3), ncols=2,
                            gridspec_kw=dict(width_ratios=[1, 2]))
    else:
        fig = axes[0].figure
    bar_ax, heat_ax = axes
    names = list(clf.marks_)

    classes = [c for c in getattr(clf, "classes_", np.unique(groups)) if np.any(groups == c)]
    width = 0.8 / max(len(classes), 1)
    positions = np.arange(n_marks)
    for i, label in enumerate(classes):
        mean = marks_weight[groups == label].mean(axis=0)
        offset = (i - (len(classes) - 1) / 2) * width
        bar_ax.barh(positions + offset, mean, width,
                    label=f"{label} ({int(np.sum(groups == label))} genes)")
    bar_ax.axvline(1.0 / n_marks, color="grey", ls="--", lw=0.8, label="uniform")
    bar_ax.set_yticks(positions, names)
    bar_ax.invert_yaxis()
    bar_ax.set(xlabel="Mean mark-level attention", title="Marks, per class")
    bar_ax.legend(fontsize="small", title="class" if y is not None else "predicted class",
                  loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=2)

    start = -(n_bins * bin_size / 2 if upstream is None else upstream) / 1000
    end = start + n_bins * bin_size / 1000
    image = heat_ax.imshow(bins.mean(axis=0), aspect="auto", cmap="viridis",
                           extent=(start, end, n_marks - 0.5, -0.5), interpolation="nearest")
    heat_ax.axvline(0.0, color="white", ls="--", lw=1.0)
    heat_ax.text(0.0, -0.5, " TSS", ha="left", va="top", color="white", fontsize="small")
    heat_ax.set_yticks(positions, names)
    heat_ax.set(xlabel="Distance from TSS (kb)", title=f"Bins, mean over {n_genes} genes")
    fig.colorbar(image, ax=heat_ax, label="Bin-level attention")
    return fig
