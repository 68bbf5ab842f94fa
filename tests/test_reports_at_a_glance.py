"""Reports a biologist reads at a glance (issue 22, item 5): each epigenome on its own row,
each epigenome's own ceiling, one label per model, transfer pictures one can follow,
differential tests corrected for multiplicity, and how every report was made."""

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from scipy import stats

from skdeepchrome.compare import (
    benjamini_hochberg,
    compare_differential,
    compare_roadmap_sample,
    paper_protocol,
    transfer_protocol,
)
from skdeepchrome.datasets import roadmap_sample_epigenomes, simulate_epigenome
from skdeepchrome.plotting import (
    plot_model_scores,
    plot_predicted_vs_observed,
    plot_roc_curves,
    plot_transfer_roc_curves,
)
from skdeepchrome.plotting._labels import model_colour, model_label

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def real_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("real")
    result = compare_roadmap_sample(["logistic", "random_forest"], verbose=0)
    result.save(out)
    return result, out


def test_the_real_sample_is_reported_per_epigenome_not_pooled(real_report):
    result, out = real_report
    report = json.loads((out / "report.json").read_text())
    assert report["pooled"] is False
    rows = pd.DataFrame(report["per_epigenome"])
    assert sorted(rows["epigenome"].unique()) == ["E003", "E123"]
    auc = result.table.query("metric == 'roc_auc'").set_index(["model", "epigenome"])["value"]
    for row in rows.itertuples():
        assert row.value == pytest.approx(auc[row.model, row.epigenome])
        assert row.ci_low < row.value < row.ci_high  # its own interval, around its own AUC
    # No pooled mean, sd, median or interval anywhere a reader looks.
    assert not any(key.endswith(("_mean", "_sd", "_median", "_ci_low"))
                   for record in report["summary"] for key in record)
    assert not any(c.endswith("_mean") for c in pd.read_csv(out / "summary.csv").columns)
    markdown = (out / "report.md").read_text()
    assert "±" not in markdown and "roc_auc median" not in markdown and "95% CI" not in markdown
    assert "H1" in markdown and "K562" in markdown
    assert result.tests["p_adjusted"].to_numpy() == pytest.approx(
        benjamini_hochberg(result.tests["p_value"]), nan_ok=True)
    section = markdown.split("## Each epigenome on its own")[1].split("##")[0]
    for model in ("logistic", "random_forest"):
        for epigenome in ("E003", "E123"):
            assert f"{auc[model, epigenome]:.3f}" in section


def test_the_real_sample_dot_plot_draws_each_epigenome_with_its_own_interval(real_report):
    result, _ = real_report
    fig = plot_model_scores(result)
    marks = {c.get_gid(): c for ax in fig.axes for c in ax.collections if c.get_gid()}
    assert {"unit_E003", "unit_E123"} <= set(marks)
    assert "not pooled" in fig.axes[0].get_title()
    legend = [t.get_text() for t in plot_roc_curves(result).legends[0].get_texts()]
    assert not any("mean" in text for text in legend)
    assert any("E003 0." in text and "E123 0." in text for text in legend)
    auc = result.table.query("metric == 'roc_auc' and epigenome == 'E003'")
    drawn = sorted(np.round([c.get_offsets()[0][0] for g, c in marks.items()
                             if g == "unit_E003"], 6))
    assert len(drawn) == 1 or set(drawn) <= set(np.round(auc["value"], 6))


def test_every_report_says_how_it_was_made(real_report):
    _, out = real_report
    # Written from Python (as the main job's roadmap-sample/ sub-report is), not the CLI.
    for name in ("report.md", "report.html"):
        text = (out / name).read_text()
        assert "How this report was made" in text
        assert "scikit-learn" in text and "roadmap-sample" in text


@pytest.fixture(scope="module")
def simulated():
    """Two simulated epigenomes of different ceilings, scored by one fast model."""
    epigenomes = {"blood": simulate_epigenome("blood", (150, 60, 300), random_state=0),
                  "fib": simulate_epigenome("fibroblast", (150, 60, 300), random_state=1)}
    return paper_protocol(epigenomes, ["logistic"], features="marks", random_state=0,
                          verbose=0)


def test_the_dot_plot_marks_each_epigenomes_own_ceiling(simulated):
    fig = plot_model_scores(simulated)
    ax = fig.axes[0]
    ceilings = simulated.table.query("metric == 'roc_auc' and model == 'ceiling'")
    ticks = [c for c in ax.collections if c.get_gid() == "unit_ceiling"]
    assert len(ticks) == 1
    drawn = sorted(ticks[0].get_offsets()[:, 0])
    assert drawn == pytest.approx(sorted(ceilings["value"]))
    assert len(set(np.round(drawn, 6))) == 2  # two epigenomes, two ceilings
    # No single line at the mean of the ceilings.
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert not any(label.startswith("Bayes ceiling (") for label in labels)
    assert any("Bayes ceiling" in label for label in labels)


def test_the_simulated_report_has_each_epigenomes_row_and_ceiling(simulated, tmp_path):
    simulated.save(tmp_path)
    report = json.loads((tmp_path / "report.json").read_text())
    rows = pd.DataFrame(report["per_epigenome"])
    ceilings = simulated.table.query("metric == 'roc_auc' and model == 'ceiling'")
    for epigenome, value in zip(ceilings["epigenome"], ceilings["value"]):
        assert rows[rows["epigenome"] == epigenome]["ceiling"].iloc[0] == pytest.approx(value)
    assert report["pooled"] is True
    markdown = (tmp_path / "report.md").read_text()
    assert "## Summary, pooled over 2 epigenomes" in markdown and "exchangeable" in markdown
    assert "| epigenome | Bayes ceiling | logistic regression |" in markdown


@pytest.fixture(scope="module")
def transfer():
    return transfer_protocol(roadmap_sample_epigenomes(), ["E123", "E003"], ["E003", "E123"],
                             ["logistic", "random_forest"], random_state=0, verbose=0)


def test_one_label_per_model_in_the_transfer_report(transfer, tmp_path):
    assert model_label("logistic (within target)") == "logistic regression (within target)"
    transfer.save(tmp_path)
    markdown = (tmp_path / "report.md").read_text()
    assert "logistic regression (within target)" in markdown
    assert "logistic (within target)" not in markdown.replace(
        "logistic regression (within target)", "")
    assert "random_forest" not in markdown.split("## How this report was made")[0]
    # Two pairs score two different targets (H1 and K562): each on its own, no mean.
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["pooled"] is False
    rows = pd.DataFrame(report["per_pair"])
    assert set(rows["pair"]) == {"E123 -> E003", "E003 -> E123"}
    assert "±" not in markdown and "## Each pair on its own" in markdown
    # Ten tests in two pairs: corrected for multiplicity too, and said so.
    assert transfer.tests["p_adjusted"].to_numpy() == pytest.approx(
        benjamini_hochberg(transfer.tests["p_value"]), nan_ok=True)
    assert "Benjamini-Hochberg" in markdown


def test_transfer_roc_curves_are_small_multiples(transfer, tmp_path):
    fig = plot_roc_curves(transfer)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 2 * 2  # two pairs x two models
    for ax in panels:
        curves = [line for line in ax.get_lines() if line.get_linestyle() != ":"]
        assert len(curves) == 2  # transfer (solid) and within target (dashed)
        assert {to_hex(line.get_color()) for line in curves} == {
            model_colour("logistic" if "logistic" in ax.get_title() else "random_forest")}
        assert "transfer" in ax.get_title() and "within" in ax.get_title()
    assert plot_transfer_roc_curves(transfer).axes[0].get_title().startswith("E123 -> E003")
    written = transfer.save(tmp_path)
    assert written["roc_curves.png"].read_bytes()[:4] == b"\x89PNG"
    assert "one small panel per source -> target" in (tmp_path / "report.md").read_text()


def test_benjamini_hochberg_matches_a_hand_computed_example():
    # Sorted 0.01, 0.02, 0.03, 0.04, 0.20 of m = 5: p * 5 / rank is 0.05, 0.05, 0.05,
    # 0.05, 0.20; the running minimum from the top changes nothing.
    p = [0.04, 0.01, 0.20, 0.03, 0.02]
    assert benjamini_hochberg(p) == pytest.approx([0.05, 0.05, 0.20, 0.05, 0.05])
    # 0.01, 0.04, 0.045 of m = 3: 0.03, 0.06, 0.045 -> the 0.06 takes the 0.045 above it.
    assert benjamini_hochberg([0.045, 0.01, 0.04]) == pytest.approx([0.045, 0.03, 0.045])
    adjusted = benjamini_hochberg([0.01, np.nan, 0.02])
    assert np.isnan(adjusted[1]) and adjusted[[0, 2]] == pytest.approx([0.02, 0.02])
    if hasattr(stats, "false_discovery_control"):
        rng = np.random.default_rng(0)
        p = rng.uniform(size=28) ** 3
        assert benjamini_hochberg(p) == pytest.approx(stats.false_discovery_control(p))


@pytest.fixture(scope="module")
def differential(tmp_path_factory):
    rng = np.random.default_rng(0)
    X = rng.poisson(3.0, size=(150, 10, 10)).astype(float)
    lfc = np.log2(X[:, 3].sum(1) + 1) - np.log2(X[:, 8].sum(1) + 1) + rng.normal(0, 0.3, 150)
    result = compare_differential(X, lfc, models=["ridge_difference", "ridge_concat",
                                                  "random_forest_difference"],
                                  cv=3, random_state=0, reference="ridge_difference",
                                  verbose=0)
    out = tmp_path_factory.mktemp("differential")
    result.save(out)
    return result, out


def test_differential_tests_are_corrected_and_say_so(differential):
    result, out = differential
    tests = result.tests
    assert len(tests) == 2 * 4  # two models against the reference, four metrics
    assert tests["p_adjusted"].to_numpy() == pytest.approx(
        benjamini_hochberg(tests["p_value"]), nan_ok=True)
    defined = tests.dropna(subset=["p_value"])
    assert len(defined) >= 4 and (defined["p_adjusted"] >= defined["p_value"] - 1e-12).all()
    report = json.loads((out / "report.json").read_text())
    assert "Benjamini-Hochberg" in report["multiplicity"]
    assert all("p_adjusted" in row for row in report["tests"])
    markdown = (out / "report.md").read_text()
    header = next(line for line in markdown.splitlines() if "| p_value |" in line)
    assert "Benjamini-Hochberg" in markdown and "p_adjusted" in header


def test_differential_report_has_a_predicted_vs_observed_scatter(differential):
    result, out = differential
    assert (out / "predicted_vs_observed.png").read_bytes()[:4] == b"\x89PNG"
    assert "predicted_vs_observed.png" in (out / "report.md").read_text()
    fig = plot_predicted_vs_observed(result)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 3
    for ax in panels:
        points = ax.collections[0].get_offsets()
        assert len(points) == 150  # every gene once, from its held-out fold
        model = next(m for m in result.models if ax.get_title().startswith(model_label(m)))
        rows = result.predictions[result.predictions["model"] == model]
        r = np.corrcoef(rows["y_true"], rows["score"])[0, 1]
        assert f"r = {r:.3f}" in ax.get_title()
