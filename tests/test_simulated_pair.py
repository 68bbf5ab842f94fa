"""The two-cell simulator: shapes, switching, depths, and a ceiling no model beats."""

import numpy as np
import pytest
from scipy import stats
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import cross_val_predict

from skdeepchrome.baselines import make_differential_model
from skdeepchrome.datasets import make_differential_dataset
from skdeepchrome.layout import split_cells


@pytest.fixture(scope="module")
def draw():
    return make_differential_dataset(3000, switch_fraction=0.3, depths=(1.0, 3.0),
                                     random_state=0)


def test_shapes_names_and_reproducibility(draw):
    assert draw.data.shape == (3000, 1000) and draw.data.dtype == np.float32
    assert draw.marks[0] == "blood:H3K27me3" and draw.marks[5] == "embryonic_stem:H3K27me3"
    assert draw.cell_data[0].shape == (3000, 500)
    np.testing.assert_array_equal(np.asarray(draw.data)[:, :500], draw.cell_data[0])
    assert draw.posterior_lfc.shape == draw.lfc.shape == (3000,)
    np.testing.assert_allclose(draw.lfc, draw.cell_expression[:, 0] - draw.cell_expression[:, 1])
    np.testing.assert_allclose(draw.expression, np.log1p(2 ** draw.cell_expression - 1))
    again = make_differential_dataset(50, random_state=5)
    np.testing.assert_array_equal(again.data, make_differential_dataset(50, random_state=5).data)
    X, y = make_differential_dataset(50, random_state=5, return_X_y=True)
    np.testing.assert_array_equal(X, again.data)
    np.testing.assert_array_equal(y, again.lfc)


def test_switching_genes_really_switch(draw):
    states = draw.chromatin_state
    np.testing.assert_array_equal(draw.switched, states[:, 0] != states[:, 1])
    assert abs(draw.switched.mean() - 0.3) < 0.03
    # Switching genes change expression far more than genes that keep their state.
    assert np.abs(draw.lfc[draw.switched]).mean() > 1.3 * np.abs(draw.lfc[~draw.switched]).mean()
    none = make_differential_dataset(500, switch_fraction=0.0, random_state=1)
    assert not none.switched.any()
    every = make_differential_dataset(500, switch_fraction=1.0, random_state=1)
    assert every.switched.all()


def test_each_cell_has_its_own_depth(draw):
    # Background-only genes (quiescent in both cells) scale with the library's depth.
    quiet = (draw.chromatin_state == "quiescent").all(axis=1)
    first, second = (c[quiet].mean() for c in draw.cell_data)
    assert 2.5 < second / first < 3.5


def test_the_posterior_is_calibrated(draw):
    # E[lfc | x] regressed on itself: slope 1, no offset (what a conditional mean must give).
    p, y = draw.posterior_lfc, draw.lfc
    slope = np.cov(y, p)[0, 1] / p.var()
    assert abs(slope - 1) < 0.08 and abs((y - p).mean()) < 0.1


def test_ceiling_is_positive_and_beats_every_model(draw):
    assert 0.3 < draw.ceiling < 1 and 0 < draw.ceiling_r2 < draw.ceiling
    X, y = draw.data, draw.lfc
    scores = {}
    for name in ("ridge_difference", "ridge_concat", "gradient_boosting_difference"):
        predicted = cross_val_predict(make_differential_model(name, random_state=0), X, y, cv=3)
        scores[name] = stats.pearsonr(y, predicted)[0]
    # Even a model given the true chromatin states and the second cell's depth cannot beat it.
    oracle = cross_val_predict(
        RidgeCV(), np.c_[(draw.chromatin_state[:, :, None] == np.unique(
            draw.chromatin_state)).reshape(len(y), -1), np.log1p(np.asarray(X)).sum(axis=1)],
        y, cv=3)
    scores["states_oracle"] = stats.pearsonr(y, oracle)[0]
    assert all(0.2 < s < draw.ceiling for s in scores.values()), scores


def test_split_cells_of_the_simulated_pair(draw):
    first, second = split_cells(draw.data, 5)
    assert first.shape == (3000, 5, 100)
    np.testing.assert_array_equal(second.reshape(3000, -1), draw.cell_data[1])


@pytest.mark.parametrize("kwargs, match", [
    (dict(cell_types=("blood",)), "two presets"),
    (dict(cell_types=("blood", "liver")), "Unknown cell_type"),
    (dict(switch_fraction=1.5), "switch_fraction"),
    (dict(depths=(1.0, 0.0)), "depths"),
    (dict(activity_correlation=1.0), "activity_correlation"),
    (dict(n_genes=1), "n_genes"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_differential_dataset(**{"n_genes": 20, **kwargs})
