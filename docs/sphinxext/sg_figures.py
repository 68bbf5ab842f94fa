"""sphinx-gallery image scraper for figures that pyplot does not manage.

skdeepchrome's plotting functions return ``matplotlib.figure.Figure`` objects made without
pyplot (so they work on headless machines and inside workers). sphinx-gallery's own
matplotlib scraper only sees pyplot's figures, so this scraper runs it first and then
also saves every *new* ``Figure`` bound to a top-level name of the example
(``fig = plot_roc_curves(result)``).

Named in ``conf.py`` as the string ``"sg_figures"``: sphinx-gallery imports the module and
calls :func:`_get_sg_image_scraper`, which keeps the configuration picklable.
"""

from __future__ import annotations

import weakref

from sphinx_gallery.scrapers import figure_rst, matplotlib_scraper

# Figures already shown, per example file, so a figure is shown once: after the block
# that made it, not again after every later block.
_shown: dict[str, weakref.WeakSet] = {}


def figure_scraper(block, block_vars, gallery_conf, **kwargs):
    """Scrape pyplot figures, then unmanaged ``Figure`` objects new in this block."""
    from matplotlib.figure import Figure

    shown = _shown.setdefault(str(block_vars["src_file"]), weakref.WeakSet())
    new = []
    for value in list(block_vars["example_globals"].values()):
        if not isinstance(value, Figure) or value in shown:
            continue
        shown.add(value)
        # pyplot's figures are the matplotlib scraper's (which also closes them, after
        # which they look unmanaged: hence the check comes first).
        if value.canvas.manager is None:
            new.append(value)
    rst = matplotlib_scraper(block, block_vars, gallery_conf, **kwargs)
    for fig, path in zip(new, block_vars["image_path_iterator"]):
        fig.savefig(path, dpi=100)
        title = fig.axes[0].get_title() if fig.axes else ""
        rst += figure_rst([path], gallery_conf["src_dir"], title)
    return rst


def _get_sg_image_scraper():
    return figure_scraper
