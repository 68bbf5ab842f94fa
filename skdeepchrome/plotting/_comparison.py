"""Pictures of a comparison: ROC curves per fold or epigenome, and each model's score.

Models appear in rank order (best first) everywhere, named as a reader would name them;
the Bayes ``ceiling`` of simulated data is drawn in black, dashed, apart from the models.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve

from ..baselines import CEILING
from ._figure import figure_and_axes as _figure
from ._labels import is_within_target, metric_label, model_colour, model_label
from ._transfer import plot_transfer_roc_curves

#: More units than this and the ROC curves are pooled into one panel.
MAX_PANELS = 6
_CEILING_STYLE = dict(color="black", ls="--", lw=1.6)


def _colours(models):
    return {m: model_colour(m) for m in models}


def _model_style(model, models, colours):
    """A model's line: its own colour; a transfer's within-target row dashed."""
    return dict(color=colours[model], lw=_line_width(model, models),
                ls="--" if is_within_target(model) else "-")


def _line_width(model, models):
    """From 3.2 points for the best model down to 1.0 for the last."""
    if len(models) < 2:
        return 1.5
    return 3.2 - 2.2 * models.index(model) / (len(models) - 1)


def _ordered(result):
    """``(models best first, ceiling present)`` of a result."""
    models = list(getattr(result, "ranked_models", result.models))
    return models, CEILING in set(result.predictions["model"])


def _roc_panel(ax, panel, models, colours, ceiling, title, inset=True):
    """Draw one panel's curves; returns ``{model: AUC in this panel}``."""
    aucs = {}
    curves = {}
    for model in ([CEILING] if ceiling else []) + models:
        group = panel[panel["model"] == model]
        if group.empty or group["y_true"].nunique() < 2:
            continue
        fpr, tpr, _ = roc_curve(group["y_true"], group["score"])
        aucs[model] = roc_auc_score(group["y_true"], group["score"])
        curves[model] = (fpr, tpr)
    targets = [ax]
    if inset and len(curves) > 1:
        # The curves separate at small false positive rates, where a gene called high
        # is most often right; the inset magnifies that stretch (FPR 0.05 to 0.2) over
        # exactly the TPR range the curves span there.
        zoom = ax.inset_axes([0.4, 0.05, 0.57, 0.52])
        low_x, high_x = 0.05, 0.2
        low_y = min(np.interp(low_x, *curves[m]) for m in curves)
        high_y = max(np.interp(high_x, *curves[m]) for m in curves)
        pad = 0.05 * max(high_y - low_y, 0.05)
        zoom.set(xlim=(low_x, high_x), ylim=(max(-0.01, low_y - pad), min(1.02, high_y + pad)))
        zoom.tick_params(labelsize=6)
        zoom.set_title("zoom", fontsize=7, pad=2)
        indicator = ax.indicate_inset_zoom(zoom, edgecolor="grey")
        # The frame says where the zoom is; lines to the inset would only cross the curves.
        connectors = getattr(indicator, "connectors", None) or (
            indicator[1] if isinstance(indicator, tuple) else ())
        for line in connectors:
            line.set_visible(False)
        targets.append(zoom)
    for target in targets:
        for model, (fpr, tpr) in curves.items():
            style = _CEILING_STYLE if model == CEILING else _model_style(model, models, colours)
            # The ceiling on top; the models best first, each narrower than the one before,
            # so that identical curves show as nested stripes instead of hiding each other.
            target.plot(fpr, tpr, zorder=5 if model == CEILING else 3, **style)
        target.plot([0, 1], [0, 1], color="grey", lw=0.8, ls=":")
    # Limits a little beyond [0, 1], and the spines behind the curves: a curve along an
    # axis (AUC 1.0) stays visible instead of vanishing into the frame.
    ax.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02), title=title)
    ax.set_box_aspect(1)
    for spine in ax.spines.values():
        spine.set_zorder(1)
    return aucs


def plot_roc_curves(result, ax=None):
    """ROC curves of every model from a comparison's held-out predictions.

    One panel per fold or epigenome (up to :data:`MAX_PANELS`), each with an inset that
    magnifies the top-left corner where the curves separate. The legend lists the models
    in rank order with the AUCs of the panels: the same per-unit values, and their mean,
    as the results table. With more units, or when ``ax`` is given, the predictions are
    pooled into one panel and the legend says so (a pooled AUC is not the table's mean).
    A transfer's result is drawn as :func:`plot_transfer_roc_curves` draws it, one small
    panel per pair and model.

    Parameters
    ----------
    result : ComparisonResult
    ax : matplotlib Axes, optional
        Draw the pooled curves here.

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
    if ax is None and result.unit == "pair" and "pair" in result.table:
        return plot_transfer_roc_curves(result)
    models, ceiling = _ordered(result)
    colours = _colours(models)
    units = sorted(result.predictions[result.unit].unique(), key=str)
    pooled = ax is not None or len(units) > MAX_PANELS
    if pooled:
        fig, ax = _figure(ax, (6, 6.2 + 0.25 * (len(models) + 2)))
        axes = [ax]
        panels = [(result.predictions, f"ROC, held-out genes of {len(units)} "
                                       f"{result.unit}s pooled")]
    else:
        n = len(units)
        ncols = n if n <= 3 else 3
        nrows = int(np.ceil(n / ncols))
        n_labels = len(models) + int(ceiling) + 1
        fig, axes = _figure(None, (max(4.2 * ncols, 6.5), 4.2 * nrows + 0.25 * n_labels + 0.4),
                            nrows=nrows,
                            ncols=ncols, squeeze=False)
        axes = list(axes.ravel())
        for extra in axes[n:]:
            extra.set_visible(False)
        panels = [(result.predictions[result.predictions[result.unit] == u],
                   f"{result.unit} {u}") for u in units]
    per_panel = []
    for target, (panel, title) in zip(axes, panels):
        per_panel.append(_roc_panel(target, panel, models, colours, ceiling, title))
        target.set_xlabel("False positive rate")
        target.set_ylabel("True positive rate")
    handles, labels = [], []
    from matplotlib.lines import Line2D

    for model in ([CEILING] if ceiling else []) + models:
        values = [p[model] for p in per_panel if model in p]
        if not values:
            continue
        if pooled:
            text = f"{model_label(model)}: pooled AUC {values[0]:.3f}"
        elif len(values) == 1:
            text = f"{model_label(model)}: AUC {values[0]:.3f}"
        elif result.info.get("exchangeable", True) is False:
            # Units that must not be pooled (two different cells): no mean over them.
            text = f"{model_label(model)}: AUC " + ", ".join(
                f"{unit} {p[model]:.3f}" for unit, p in zip(units, per_panel) if model in p)
        else:
            text = (f"{model_label(model)}: mean AUC {np.mean(values):.3f} "
                    f"({', '.join(f'{v:.3f}' for v in values)})")
        style = _CEILING_STYLE if model == CEILING else _model_style(model, models, colours)
        handles.append(Line2D([], [], **style))
        labels.append(text)
    # Outside the panels, below them: never over a curve, never clipped.
    fig.legend(handles, labels, loc="outside lower center", fontsize="small", frameon=False,
               ncols=1 if len(labels) > 3 or not pooled else 2,
               title="best first" + (" (per-panel AUCs in panel order)" if not pooled
                                     and len(per_panel) > 1 and result.info.get(
                                         "exchangeable", True) is not False else ""),
               title_fontsize="small")
    return fig


def plot_model_scores(result, metric=None, ax=None):
    """Each model's score as a point with its bootstrap 95 % interval, best model on top.

    Every fold or epigenome is a small dot beside the mean; the interval (ROC AUC only) is
    :attr:`~skdeepchrome.compare.ComparisonResult.intervals`. When the data have a Bayes
    ceiling, each dot is joined by a thin line to a black tick at its own fold's or
    epigenome's ceiling (ceilings differ between epigenomes, so one line at their mean
    would let an easy epigenome's dot seem to beat the Bayes limit). Points need no zero
    on the axis, so the axis spans the data.

    Parameters
    ----------
    result : ComparisonResult
    metric : str, optional
        Default the result's first metric.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    metric = metric or result.metrics[0]
    models, _ = _ordered(result)
    table = result.table[result.table["metric"] == metric]
    fig, ax = _figure(ax, (6.4, 1.2 + 0.5 * len(models)))
    colours = _colours(models)
    if result.info.get("exchangeable", True) is False and metric == result.metrics[0]:
        return _each_unit_scores(result, models, colours, fig, ax)
    intervals = result.intervals if metric == "roc_auc" else None
    label = metric_label(metric)
    drawn = set()
    # Each fold's or epigenome's own ceiling: the mean of ceilings would put a dot of an
    # easy epigenome past "the" ceiling although it is under its own.
    ceilings = table[table["model"] == CEILING].groupby(result.unit)["value"].first()
    # Every unit keeps its own lane, just above the interval, in every row: a reader
    # follows one epigenome down the models, and its dot never hides under the bar.
    units = sorted(table[result.unit].unique(), key=str)
    lanes = dict(zip(units, np.linspace(0.14, 0.4, len(units)) if len(units) > 1
                     else [0.2]))
    for row, model in enumerate(models):
        y = len(models) - 1 - row
        rows = table[table["model"] == model]
        values = rows["value"].to_numpy()
        jitter = rows[result.unit].map(lanes).to_numpy(dtype=float)
        ax.scatter(values, y + jitter, s=12, color="grey", alpha=0.7, zorder=2,
                   label=None if "unit" in drawn else f"one {result.unit}")
        drawn.add("unit")
        own = rows[result.unit].map(ceilings).to_numpy(dtype=float)
        if np.isfinite(own).any():
            ax.hlines(y + jitter, values, own, colors="#bbbbbb", lw=0.6, zorder=1)
            ax.scatter(own, y + jitter, marker="|", s=70, color="black", linewidths=1.4,
                       zorder=2, gid="unit_ceiling",
                       label=None if "ceiling" in drawn else
                       f"that {result.unit}'s Bayes ceiling")
            drawn.add("ceiling")
            if row == 0 and len(units) <= 12:
                for unit, x, lane in zip(rows[result.unit], own, jitter):
                    if np.isfinite(x):
                        ax.annotate(str(unit), (x, y + lane), xytext=(4, 0),
                                    textcoords="offset points", va="center", fontsize=6,
                                    color="#555555")
        mean = np.nanmean(values)
        if intervals is not None and model in intervals.index:
            low, high = intervals.loc[model, ["roc_auc_ci_low", "roc_auc_ci_high"]]
            ax.errorbar(mean, y, xerr=[[mean - low], [high - mean]], fmt="none",
                        ecolor=colours[model], elinewidth=2, capsize=4, zorder=3,
                        label=None if "ci" in drawn else "bootstrap 95 % interval")
            drawn.add("ci")
        ax.scatter([mean], [y], s=55, color=colours[model], edgecolor="black", zorder=4,
                   label=None if "mean" in drawn else f"mean over {result.unit}s")
        drawn.add("mean")
    ax.set_yticks(range(len(models)), [model_label(m) for m in reversed(models)])
    ax.set_ylim(-0.45, len(models) - 0.35)
    ax.margins(x=0.12)  # a point at a limit (AUC 1.0) is drawn whole, not halved
    ax.set_xlabel(label)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    ax.set_title(f"{label} per model, best first")
    fig.legend(loc="outside lower center", fontsize="small", frameon=False, ncols=2)
    return fig


#: Markers of the units when each is drawn on its own (no pooled mean).
_UNIT_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def _each_unit_scores(result, models, colours, fig, ax):
    """The dot plot of units that must not be pooled: each unit its own point and its own
    95 % interval, one marker per unit, no mean over them."""
    rows = result.unit_table()
    metric = result.metrics[0]
    units = list(dict.fromkeys(rows[result.unit]))
    offsets = np.linspace(-0.18, 0.18, len(units)) if len(units) > 1 else [0.0]
    for row, model in enumerate(models):
        y = len(models) - 1 - row
        for k, unit in enumerate(units):
            found = rows[(rows["model"] == model) & (rows[result.unit] == unit)]
            if found.empty:
                continue
            value, low, high = found[["value", "ci_low", "ci_high"]].iloc[0]
            if np.isfinite(low):
                ax.errorbar(value, y + offsets[k], xerr=[[value - low], [high - value]],
                            fmt="none", ecolor=colours[model], elinewidth=1.6, capsize=3,
                            zorder=3)
            ax.scatter([value], [y + offsets[k]], s=45, color=colours[model],
                       marker=_UNIT_MARKERS[k % len(_UNIT_MARKERS)], edgecolor="black",
                       zorder=4, gid=f"unit_{unit}")
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], ls="", marker=_UNIT_MARKERS[k % len(_UNIT_MARKERS)],
                      color="grey", markeredgecolor="black") for k in range(len(units))]
    labels = [f"{result.unit} {u} (its own 95 % interval)" for u in units]
    label = metric_label(metric)
    ax.set_yticks(range(len(models)), [model_label(m) for m in reversed(models)])
    ax.set_ylim(-0.6, len(models) - 0.4)
    ax.margins(x=0.08)
    ax.set_xlabel(label)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    ax.set_title(f"{label} per {result.unit}, not pooled")
    fig.legend(handles, labels, loc="outside lower center", fontsize="small", frameon=False,
               ncols=min(2, len(labels)))
    return fig


def plot_auc_bars(result, metric="roc_auc", ax=None):
    """Grouped bars of ``metric`` per fold or epigenome, one bar per model.

    The axis starts at zero, as bars must. To compare models whose scores differ by a
    few hundredths, prefer :func:`plot_model_scores` (the report's picture).

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
    models, _ = _ordered(result)
    order = [m for m in [CEILING, *models] if m in wide.columns]
    wide = wide[order]
    fig, ax = _figure(ax, (max(5.0, 0.9 * len(wide) * len(order) / 3 + 3), 4.4))
    width = 0.8 / len(order)
    x = np.arange(len(wide))
    for i, model in enumerate(order):
        style = dict(color="lightgrey", edgecolor="black", hatch="//") if model == CEILING else {}
        ax.bar(x + (i - (len(order) - 1) / 2) * width, wide[model], width,
               label=model_label(model), **style)
    ax.set_ylim(0, 1.0 if np.nanmax(wide.to_numpy()) <= 1 else None)
    ax.set_xticks(x, [str(v) for v in wide.index], rotation=45 if len(wide) > 8 else 0)
    ax.set(xlabel=result.unit, ylabel=metric_label(metric),
           title=f"{metric_label(metric)} per {result.unit}")
    fig.legend(fontsize="small", ncols=min(len(order), 3), loc="outside lower center",
               frameon=False)
    return fig
