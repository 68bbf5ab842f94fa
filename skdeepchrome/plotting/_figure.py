"""A figure to draw on, without pyplot state."""

from __future__ import annotations


def require_matplotlib():
    """Raise a helpful ImportError now if matplotlib is missing, before any work is done.

    Examples
    --------
    >>> require_matplotlib()
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            'Pictures need matplotlib, the "plot" extra: pip install -e ".[plot]" in the '
            "skdeepchrome clone (or pip install matplotlib), or ask for no pictures, e.g. "
            "--no-plots."
        ) from exc


def figure_and_axes(ax=None, figsize=(6, 4), **subplots):
    """Return ``(figure, axes)``: ``ax``'s own figure, or a new constrained-layout Figure.

    Examples
    --------
    >>> fig, ax = figure_and_axes(figsize=(3, 2))
    >>> fig.get_size_inches().tolist()
    [3.0, 2.0]
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError('Plotting needs matplotlib, the "plot" extra: pip install -e '
                          '".[plot]" in the skdeepchrome clone (or pip install matplotlib)'
                          ) from exc
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.subplots(**subplots)
