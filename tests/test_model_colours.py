"""One colour per model in every picture of every report; p-values as a reader needs them."""

import matplotlib
import numpy as np
import pytest
from matplotlib.colors import to_hex

from skdeepchrome.compare import compare_models
from skdeepchrome.plotting import plot_model_scores, plot_roc_curves
from skdeepchrome.plotting._labels import MODEL_COLOURS, model_colour
from skdeepchrome.report._formatting import format_p

matplotlib.use("Agg")


def _result(models, seed):
    rng = np.random.default_rng(seed)
    X = rng.poisson(2.0, size=(150, 5 * 10)).astype(float)
    y = (X[:, 30:40].sum(axis=1) + rng.normal(0, 3, 150) > 20).astype(int)
    return compare_models(X, y, models=models, cv=3, random_state=seed, verbose=0,
                          reference=models[0])


def _legend_colours(fig):
    legend = fig.legends[0] if fig.legends else fig.axes[0].get_legend()
    return {text.get_text().split(":")[0]: to_hex(handle.get_color())
            for text, handle in zip(legend.get_texts(), legend.legend_handles)}


def test_a_model_keeps_its_colour_whatever_the_other_models():
    first = _legend_colours(plot_roc_curves(_result(["logistic", "random_forest"], 0)))
    second = _legend_colours(plot_roc_curves(
        _result(["gradient_boosting", "svm", "random_forest"], 1)))
    assert first["random forest"] == second["random forest"] == MODEL_COLOURS["random_forest"]
    assert first["logistic regression"] == MODEL_COLOURS["logistic"]
    assert second["gradient boosting"] == MODEL_COLOURS["gradient_boosting"]


def test_the_dot_plot_uses_the_same_colours():
    fig = plot_model_scores(_result(["random_forest", "logistic"], 0))
    colours = {to_hex(c) for ax in fig.axes for coll in ax.collections
               for c in coll.get_facecolors() if coll.get_sizes().max() > 40}
    assert {MODEL_COLOURS["random_forest"], MODEL_COLOURS["logistic"]} <= colours


def test_every_known_model_has_its_own_colour_within_a_task():
    classification = ["deepchrome", "deepchrome_paper", "attentivechrome", "svm",
                      "random_forest", "logistic", "gradient_boosting"]
    assert len({model_colour(m) for m in classification}) == len(classification)
    assert model_colour("deepchrome (within target)") == model_colour("deepchrome")
    assert model_colour("someone_elses_net") == model_colour("someone_elses_net")


@pytest.mark.parametrize("p, text", [(0.000999, "0.0010"), (0.00999, "0.010"),
                                     (0.0046, "0.0046"), (0.25, "0.25"),
                                     (float("nan"), "n/a"), (None, "n/a")])
def test_p_values_have_two_significant_figures(p, text):
    assert format_p(p) == text
