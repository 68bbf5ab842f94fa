"""Where bins lie relative to the TSS."""

from __future__ import annotations

import numpy as np

#: The REMC/DeepChrome window: 5 kb either side of the TSS.
DEFAULT_FLANK = 5000


def bin_centres_kb(n_bins, flank=DEFAULT_FLANK):
    """Centres of ``n_bins`` bins tiling ``[-flank, flank)`` bp, in kb (upstream first).

    Examples
    --------
    >>> bin_centres_kb(4, flank=2000).tolist()
    [-1.5, -0.5, 0.5, 1.5]
    """
    if int(n_bins) < 1:
        raise ValueError(f"n_bins must be a positive integer, got {n_bins!r}.")
    width = 2 * flank / n_bins
    return (-flank + (np.arange(n_bins) + 0.5) * width) / 1000.0
