"""Pictures of what a model learnt: they draw what they are given, where they are told."""

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("matplotlib")

from matplotlib.figure import Figure  # noqa: E402

from skdeepchrome import REMC_MARKS  # noqa: E402
from skdeepchrome.interpret import ClassOptimalInput  # noqa: E402
from skdeepchrome.plotting import (  # noqa: E402
    plot_class_optimal_inputs,
    plot_mark_importance,
    plot_mark_profiles,
    plot_marks_by_bins,
    plot_position_attribution,
)
from skdeepchrome.plotting._interpretation import class_name  # noqa: E402


def optimal(target_class, values, bounds=(0.0, np.inf), scale="log1p"):
    low, high = (np.broadcast_to(np.asarray(b, dtype=float), values.shape) for b in bounds)
    return ClassOptimalInput(values=values, marks=REMC_MARKS, target_class=target_class,
                             score=1.5, objective=1.0, flank=5000, scale=scale,
                             bounds=(low, high), history=np.zeros(2))


def has_tss_line(ax):
    return any(np.allclose(line.get_xdata(), 0.0) for line in ax.get_lines())


def test_heatmap_is_marks_by_kb_with_the_tss_marked():
    values = np.zeros((5, 100))
    values[3, 45:55] = 1.0
    fig = plot_marks_by_bins(values, REMC_MARKS, title="t")
    ax = fig.axes[0]
    assert isinstance(fig, Figure)
    assert ax.get_xlim() == (-5.0, 5.0)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(REMC_MARKS)
    assert has_tss_line(ax)
    image = ax.get_images()[0]
    np.testing.assert_array_equal(image.get_array(), values)  # rows are marks, upstream left
    assert image.get_extent()[:2] == [-5.0, 5.0]


def test_attribution_heatmap_is_centred_on_zero():
    values = np.linspace(-1.0, 3.0, 500).reshape(5, 100)
    fig = plot_position_attribution(values)
    assert fig.axes[0].get_images()[0].get_clim() == (-3.0, 3.0)


def test_class_optimal_inputs_one_panel_per_class_normalised_to_bounds():
    high_values = np.zeros((5, 100))
    high_values[3, 50] = np.expm1(2.0)  # half of H3K4me3's log1p range below
    results = [optimal(1, high_values, bounds=(0.0, np.expm1(4.0))),
               optimal(0, np.ones((5, 100)), bounds=(0.0, np.expm1(4.0)))]
    fig = plot_class_optimal_inputs(results)
    titles = [ax.get_title() for ax in fig.axes if ax.get_images()]
    assert titles == ["Optimal input for high expression (score 1.50)",
                      "Optimal input for low expression (score 1.50)"]
    shown = fig.axes[0].get_images()[0].get_array()
    assert shown[3, 50] == pytest.approx(0.5) and shown.max() == pytest.approx(0.5)
    # Unbounded above: the paper's normalisation by the maximum.
    fig = plot_class_optimal_inputs(optimal(1, high_values))
    assert fig.axes[0].get_images()[0].get_array().max() == pytest.approx(1.0)


def test_drawing_on_given_axes():
    fig = Figure()
    axes = fig.subplots(5)
    assert plot_marks_by_bins(np.zeros((5, 10)), ax=axes[0]) is fig
    assert plot_class_optimal_inputs([optimal(1, np.zeros((5, 10)))], axes=[axes[1]]) is fig
    table = pd.DataFrame({"mark": ["H3K4me3"], "importance": [0.1], "sd": [0.01]})
    assert plot_mark_importance(table, ax=axes[2]) is fig
    profile_fig = Figure()
    profile_axes = profile_fig.subplots(1, 5)
    X = np.random.default_rng(0).poisson(2.0, (20, 500))
    assert plot_mark_profiles(X, np.arange(20) % 2, axes=profile_axes) is profile_fig
    assert profile_axes[0].get_legend() is not None


def test_importance_bars_are_ordered_with_error_bars():
    table = pd.DataFrame({"mark": ["H3K27me3", "H3K4me3", "H3K4me1"],
                          "importance": [0.12, 0.02, 0.0], "sd": [0.01, 0.005, 0.002],
                          "method": "permutation", "scoring": "roc_auc"})
    ax = plot_mark_importance(table).axes[0]
    assert [round(b.get_width(), 3) for b in ax.patches] == [0.12, 0.02, 0.0]
    at = dict(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels())))
    assert [at[y] for y in sorted(at, reverse=True)] == ["H3K27me3", "H3K4me3", "H3K4me1"]
    top = max(ax.patches, key=lambda bar: bar.get_y())
    assert top.get_width() == pytest.approx(0.12)  # most important on top
    assert len(ax.collections) == 1  # the error bars
    assert ax.get_xlabel() == "Drop in ROC AUC (permutation)"


def test_profiles_one_panel_per_mark_one_line_per_class():
    rng = np.random.default_rng(0)
    y = np.arange(60) % 2
    X3 = rng.poisson(2.0, (60, 5, 100)).astype(float)
    X3[y == 1, 3, 45:55] += 20
    fig = plot_mark_profiles(X3, y)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == list(REMC_MARKS)
    k4 = axes[3]
    assert k4.get_xlabel() == "kb from TSS" and has_tss_line(k4)
    lines = [line for line in k4.get_lines() if not np.allclose(line.get_xdata(), 0.0)]
    high = next(line for line in lines if line.get_label().startswith("high"))
    assert high.get_xdata()[0] == pytest.approx(-4.95)
    assert high.get_ydata()[50] > 15 > lines[0].get_ydata()[0]
    assert [t.get_text() for t in fig.legends[0].get_texts()][:2] == ["low (n=30)", "high (n=30)"]


def test_class_names():
    assert [class_name(c) for c in (1, 0, -1, np.int64(1), "x", True)] == [
        "high", "low", "low", "high", "x", "True"]


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"\(n_marks, n_bins\)"):
        plot_marks_by_bins(np.zeros(10))
    with pytest.raises(ValueError, match="5 marks but 2 names"):
        plot_marks_by_bins(np.zeros((5, 10)), ["A", "B"])
    with pytest.raises(ValueError, match="lacks the columns"):
        plot_mark_importance(pd.DataFrame({"mark": ["A"]}))
    with pytest.raises(ValueError, match="normalize"):
        plot_class_optimal_inputs(optimal(1, np.zeros((5, 10))), normalize="z")
    with pytest.raises(ValueError, match="empty"):
        plot_class_optimal_inputs([])
    with pytest.raises(ValueError, match="2 Axes for 5 marks"):
        plot_mark_profiles(np.zeros((4, 500)), [0, 1, 0, 1], axes=Figure().subplots(2))


def test_pngs_render(tmp_path):
    rng = np.random.default_rng(0)
    fig = plot_mark_profiles(rng.poisson(2.0, (20, 500)), np.arange(20) % 2)
    fig.savefig(tmp_path / "profiles.png")
    assert (tmp_path / "profiles.png").stat().st_size > 1000


def test_every_band_of_the_mark_profiles_is_labelled():
    rng = np.random.default_rng(0)
    fig = plot_mark_profiles(rng.poisson(2.0, (40, 500)), np.arange(40) % 2)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "band: ±1 standard error of the mean" in labels and "TSS" in labels
