"""The simulator family: eight settings, the posterior still exact (calibrated) in each."""

import numpy as np
import pytest

from skdeepchrome.datasets import _simulator_presets as P
from skdeepchrome.datasets import bayes_posterior, make_histone_dataset
from skdeepchrome.layout import REMC_MARKS


def test_the_split_is_fixed_and_covers_every_setting():
    assert len(P.FAMILY) >= 8
    assert set(P.FAMILY_TUNING).isdisjoint(P.FAMILY_HELD_BACK)
    assert set(P.FAMILY_TUNING) | set(P.FAMILY_HELD_BACK) == set(P.FAMILY)
    assert len(P.FAMILY_TUNING) == len(P.FAMILY_HELD_BACK)


@pytest.mark.parametrize("setting", list(P.FAMILY))
def test_the_posterior_is_calibrated(setting):
    data = make_histone_dataset(n_genes=2000, cell_type=setting, random_state=1)
    p, y = data.posterior, data.target
    # within each posterior decile the share of expressed genes is the mean posterior
    order = np.argsort(p)
    for chunk in np.array_split(order, 10):
        expected = p[chunk].mean()
        sd = np.sqrt(max(expected * (1 - expected), 0.01) / len(chunk))
        assert abs(y[chunk].mean() - expected) < 4.5 * sd, setting
    # and it is the posterior of the counts under the setting's own model
    np.testing.assert_allclose(bayes_posterior(data.data[:50], cell_type=setting),
                               p[:50], rtol=1e-6, atol=1e-9)
    assert setting in data.DESCR


def test_the_knobs_change_the_data():
    def counts(setting):
        return make_histone_dataset(n_genes=1500, cell_type=setting, random_state=2).data

    base = counts("fibroblast")
    assert counts("deep_clean").mean() > 1.8 * base.mean()
    assert counts("shallow_noisy").mean() < 0.4 * base.mean()
    # a quarter of the negative-binomial size: the bins vary more around the same mean
    noisy = counts("overdispersed")
    assert noisy.var() > 1.2 * base.var() and abs(noisy.mean() / base.mean() - 1) < 0.1
    # distal peaks: more H3K4me3 in the window's outer bins (neighbours at 3.2-4.6 kb); a
    # neighbour says nothing of the gene's expression, so the posterior hardly moves
    k4me3 = 3 * 100
    outer = np.r_[k4me3:k4me3 + 15, k4me3 + 85:k4me3 + 100]
    assert counts("distal_peaks")[:, outer].mean() > 1.3 * base[:, outer].mean()
    # another setting's posterior differs on the same counts: each knob is in the model
    X = base[:200]
    for setting in ("jittered_tss", "weak_promoter_mark"):
        assert np.abs(bayes_posterior(X, cell_type=setting)
                      - bayes_posterior(X, cell_type="fibroblast")).max() > 0.01, setting


def test_family_settings_stay_out_of_the_cell_type_presets():
    from skdeepchrome.datasets import cell_type_names

    assert not set(P.FAMILY) & set(cell_type_names())
    with pytest.raises(ValueError, match="simulator family"):
        make_histone_dataset(n_genes=5, cell_type="no_such_setting")


def _profile(setting, mark):
    """The mark's own shape, bin by bin, at zero jitter (peak 1 before binning)."""
    from skdeepchrome.datasets._simulator import build_model

    model = build_model(tuple(REMC_MARKS), 100, setting, 11)
    s = int(np.flatnonzero(model.jitter == 0)[0])
    return model.own_shape[s, list(model.marks).index(mark)]


def _width_above_half(profile):
    return int((profile > profile.max() / 2).sum())


def test_shape_settings_stretch_the_marks_profiles():
    # broad_domains: a Polycomb domain 2.5x as broad, H3K36me3 rising 2.5x sooner along
    # the body, a sharper H3K4me3 peak; long_genes_sharp_peaks the other way round
    base = {m: _profile("deep_clean", m) for m in ("H3K27me3", "H3K36me3", "H3K4me3")}
    broad = {m: _profile("broad_domains", m) for m in base}
    sharp = {m: _profile("long_genes_sharp_peaks", m) for m in base}
    assert _width_above_half(broad["H3K27me3"] - 0.3) > 2 * _width_above_half(
        base["H3K27me3"] - 0.3)
    assert _width_above_half(sharp["H3K4me3"]) < 0.7 * _width_above_half(base["H3K4me3"])
    assert _width_above_half(broad["H3K4me3"]) < _width_above_half(base["H3K4me3"])
    one_kb_into_the_body = 60  # bin 60 starts at +1 kb
    rise = {name: p["H3K36me3"][one_kb_into_the_body] / p["H3K36me3"].max()
            for name, p in (("base", base), ("broad", broad), ("sharp", sharp))}
    assert rise["broad"] > rise["base"] > rise["sharp"]
    # shapes are only stretched: the TSS-centred marks keep their centre
    for p in (base, broad, sharp):
        assert abs(int(np.argmax(p["H3K4me3"])) - 50) <= 6


def test_a_shape_that_reaches_a_neighbour_is_refused(monkeypatch):
    from skdeepchrome.datasets._simulator import build_model

    wide = dict(P.FAMILY["deep_clean"], shape_scale={"H3K4me3": 2.0})
    monkeypatch.setitem(P.FAMILY, "too_wide", wide)
    with pytest.raises(RuntimeError, match="too_wide.*H3K4me3"):
        build_model(tuple(REMC_MARKS), 100, "too_wide", 11)
