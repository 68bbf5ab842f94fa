"""The recommended CNN keeps the paper's filter and pool widths in base pairs at any resolution."""

import pytest

from skdeepchrome import DeepChromeClassifier, HistoneBinner
from skdeepchrome.baselines import canonical_model_name, make_model, model_names
from skdeepchrome.estimators import DeepChromeRegressor
from skdeepchrome.estimators._architecture import resolution_aware_sizes

from .conftest import make_signal

ONE_EPOCH = dict(max_epochs=1, early_stopping=False, random_state=0, n_filters=4,
                 hidden_sizes=(8,))


@pytest.mark.parametrize("n_bins, bin_width, expected", [
    (100, 100, (10, 5)),      # the paper's layout
    (200, 100, (10, 5)),      # +/- 10 kb at 100 bp
    (20, 500, (2, 1)),
    (10, 1000, (1, 1)),
    (5, 2000, (1, 1)),
    (10, 10_000, (1, 1)),     # 10-kb bins over +/- 50 kb: no longer a 100-kb kernel
    (400, 10, (100, 50)),     # 10-bp bins over +/- 2 kb
    (3, 10, (3, 1)),          # clamped: the kernel spans the input, one position to pool
])
def test_widths_follow_base_pairs_and_stay_valid(n_bins, bin_width, expected):
    kernel, pool = resolution_aware_sizes(n_bins, bin_width)
    assert (kernel, pool) == expected
    assert 1 <= kernel <= n_bins and 1 <= pool <= n_bins - kernel + 1


@pytest.mark.parametrize("n_bins, bin_size, expected", [
    (100, None, (10, 5)), (20, None, (2, 1)), (5, None, (1, 1)),
    (10, 10_000, (1, 1)), (40, 50, (20, 10))])
def test_the_network_is_built_with_them(n_bins, bin_size, expected):
    X, y = make_signal(60, n_bins=n_bins)
    X = HistoneBinner(scale="log1p").fit_transform(X)
    for estimator in (DeepChromeClassifier, DeepChromeRegressor):
        model = estimator(bin_size=bin_size, **ONE_EPOCH).fit(X, y.astype(float))
        assert (model.kernel_size_, model.pool_size_) == expected
        conv, pool = model.module_.features[0], model.module_.features[2]
        assert (conv.kernel_size[0], pool.kernel_size) == expected
        assert model.bin_width_ == (bin_size or 10_000 / n_bins)
        assert model.module_.n_pooled >= 1


def test_the_papers_architecture_stays_available_and_named():
    X, y = make_signal(60, n_bins=10)
    X = HistoneBinner(scale="log1p").fit_transform(X)
    paper = make_model("deepchrome_paper", random_state=0)
    assert "deepchrome_paper" in model_names(optional=True)
    assert "deepchrome_paper" not in model_names()  # a comparison runs it when named
    assert canonical_model_name("Paper") == "deepchrome_paper"
    network = paper.named_steps["model"].set_params(**ONE_EPOCH).fit(X, y)
    assert (network.kernel_size_, network.pool_size_) == (10, 5)
    assert network.module_.padding == 2  # 10 bins padded to the 14 one pooled output needs
    recommended = make_model("deepchrome", bin_size=1000).named_steps["model"]
    assert recommended.set_params(**ONE_EPOCH).fit(X, y).kernel_size_ == 1
    regression = make_model("deepchrome_paper", task="regression").named_steps["model"]
    assert isinstance(regression, DeepChromeRegressor) and regression.kernel_size == 10


def test_bad_sizes_are_refused():
    X, y = make_signal(40, n_bins=10)
    with pytest.raises(ValueError, match="kernel_size"):
        DeepChromeClassifier(kernel_size="wide").fit(X, y)
    with pytest.raises(ValueError, match="bin_size"):
        DeepChromeClassifier(bin_size=0).fit(X, y)



def test_the_harness_passes_a_known_bin_width_to_the_named_cnn():
    from skdeepchrome.compare._fitting import resolve_models

    models = resolve_models(["deepchrome", "deepchrome_paper", "logistic"], bin_size=250)
    # The width reaches the pipeline's binner, whose output carries it to the network.
    assert models["deepchrome"].named_steps["binner"].bin_size == 250
    assert models["deepchrome_paper"].named_steps["model"].kernel_size == 10
    assert resolve_models(["deepchrome"])["deepchrome"].named_steps["binner"].bin_size is None
    X, y = make_signal(60, seed=0)
    cnn = models["deepchrome"].set_params(model__max_epochs=1, model__n_members=1).fit(X, y)
    assert cnn.named_steps["model"].bin_width_ == 250


def test_the_paper_protocol_reads_the_bin_width_an_epigenome_carries(monkeypatch):
    from sklearn.utils import Bunch

    import skdeepchrome.compare._protocol as protocol

    seen, real = [], protocol.resolve_models

    def spy(*args, **kwargs):
        seen.append(kwargs.get("bin_size"))
        return real(*args, **kwargs)

    monkeypatch.setattr(protocol, "resolve_models", spy)
    X, y = make_signal(60, seed=0)
    splits = {s: Bunch(data=X, target=y) for s in ("train", "valid", "test")}
    protocol.paper_protocol({"A": Bunch(**splits, bin_size=200), "B": Bunch(**splits)},
                            models=["logistic"], reference="logistic", verbose=0)
    assert sorted(seen, key=str) == [200, None]


def test_the_real_sample_carries_its_bin_width():
    from skdeepchrome.datasets import roadmap_sample_epigenomes

    wide = roadmap_sample_epigenomes(window=(-10000, 10000))
    assert {e.bin_size for e in wide.values()} == {100}
    assert wide["E003"].train.data.shape[1] == 5 * 200
