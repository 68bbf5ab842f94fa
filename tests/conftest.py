import numpy as np
import pytest

from skdeepchrome.layout import REMC_MARKS


def make_signal(n_genes=240, n_bins=100, seed=0, effect=1.0):
    """Counts whose label is driven by H3K4me3 near the TSS and H3K27me3 (learnable)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n_genes)
    X3 = rng.poisson(1.0, size=(n_genes, len(REMC_MARKS), n_bins)).astype(float)
    centre = slice(n_bins // 2 - n_bins // 10, n_bins // 2 + n_bins // 10)
    X3[y == 1, REMC_MARKS.index("H3K4me3"), centre] += rng.poisson(6.0 * effect, size=(
        int((y == 1).sum()), centre.stop - centre.start))
    n_low = int((y == 0).sum())
    X3[y == 0, REMC_MARKS.index("H3K27me3"), :] += rng.poisson(2.0 * effect, size=(n_low, n_bins))
    return X3.reshape(n_genes, -1), y


@pytest.fixture
def signal():
    return make_signal()
