"""TorchBinner replays HistoneBinner.transform in torch, exactly and differentiably."""

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

from skdeepchrome import HistoneBinner
from skdeepchrome.estimators import torch_threads
from skdeepchrome.interpret import TorchBinner

CONFIGS = [
    dict(),
    dict(n_bins=20),
    dict(n_bins=30),  # uneven: straddling positions are shared
    dict(n_bins=30, statistic="mean"),
    dict(n_bins=20, statistic="max"),
    dict(n_bins=30, statistic="max"),
    dict(scale="log1p"),
    dict(n_bins=20, scale="log1p", standardize=True),
    dict(n_bins=7, scale="asinh", standardize=True, statistic="mean"),
    dict(select=["H3K4me3", "H3K27me3"], n_bins=25, scale="log1p"),
    dict(select=[4, 0, 2], statistic="max", n_bins=10, standardize=True),
    dict(window=(-2000, 3000), n_bins=10, scale="log1p"),
    dict(window=(-1000, 1000), select=["H3K36me3"], standardize=True),
]


@pytest.fixture(scope="module")
def counts():
    rng = np.random.default_rng(0)
    X = rng.poisson(3.0, size=(30, 5 * 100)).astype(float)
    X[:, 300:400] += rng.poisson(40.0, size=(30, 100))  # an H3K4me3-like strong mark
    return X


@pytest.mark.parametrize("params", CONFIGS, ids=lambda p: ",".join(f"{k}={v}" for k, v in
                                                                    p.items()) or "default")
def test_equals_binner_transform(params, counts):
    binner = HistoneBinner(**params).fit(counts)
    X_new = counts[::-1] * 1.5 + 0.25  # unseen values: learnt statistics, not refitted ones
    expected = binner.transform(X_new)
    got = TorchBinner(binner)(torch.tensor(X_new)).numpy()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_unstandardized_output_keeps_zero_as_no_signal(counts):
    binner = HistoneBinner(n_bins=20, scale="log1p", standardize=True).fit(counts)
    module = TorchBinner(binner)
    raw = module(torch.zeros(1, 500), standardize=False)
    assert torch.all(raw == 0)
    assert not torch.all(module(torch.zeros(1, 500)) == 0)


@pytest.mark.parametrize("params", [dict(n_bins=6, scale="log1p", standardize=True),
                                    dict(n_bins=4, statistic="max", scale="asinh"),
                                    dict(select=[1], window=(-500, 500), n_bins=3)])
def test_gradients_are_exact(params):
    # Continuous values, so max-pooling has no ties and the function is smooth locally;
    # 2 marks x 20 positions keep the numerical Jacobian cheap.
    rng = np.random.default_rng(1)
    X = rng.uniform(0.5, 20.0, size=(8, 2 * 20))
    binner = HistoneBinner(marks=2, flank=1000, **params).fit(X)
    module = TorchBinner(binner)
    x = torch.tensor(X[:1], requires_grad=True)
    with torch_threads(1):
        assert torch.autograd.gradcheck(module, (x,), eps=1e-6, atol=1e-5)


def test_max_pooling_gradient_shares_ties():
    binner = HistoneBinner(marks=1, n_bins=1, statistic="max").fit(np.ones((2, 4)))
    x = torch.tensor([[2.0, 5.0, 5.0, 1.0]], dtype=torch.float64, requires_grad=True)
    TorchBinner(binner)(x).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5, 0.0]]


def test_refuses_unfitted_and_foreign_steps():
    with pytest.raises(NotFittedError):
        TorchBinner(HistoneBinner())
    with pytest.raises(TypeError, match="needs a HistoneBinner"):
        TorchBinner(StandardScaler().fit(np.ones((2, 3))))
