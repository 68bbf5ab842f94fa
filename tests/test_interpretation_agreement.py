"""Interpretation that agrees with itself (issue 22, item 4): the summary comes from the
importance and the attributions; class-optimal inputs that rank the marks otherwise carry
a caveat."""

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline

from skdeepchrome import DeepChromeClassifier, HistoneBinner
from skdeepchrome.datasets import load_roadmap_sample
from skdeepchrome.estimators import torch_threads
from skdeepchrome.interpret import (
    ClassOptimalInput,
    attributions,
    class_optimal_input,
    input_bounds,
    mark_attribution,
    mark_importance,
    optimal_agreement,
    optimal_contrast,
)
from skdeepchrome.report import interpretation_summary, write_interpretation_report

MARKS = ("H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3")


def _optimum(label, levels):
    values = np.repeat(np.asarray(levels, dtype=float)[:, None], 6, axis=1)
    return ClassOptimalInput(values, MARKS, label, 0.0, 0.0, 5000, None,
                             (np.zeros((5, 1)), np.ones((5, 1))), np.zeros(1))


def _attribution(high):
    high = np.asarray(high, dtype=float)
    return pd.DataFrame({"class": [1] * 5 + [0] * 5, "mark": list(MARKS) * 2,
                         "attribution": np.r_[high, -high]})


def test_contrast_is_against_the_other_class_not_the_level():
    # H3K36me3 is the highest level in both optima, so "mostly H3K36me3" would be read
    # for high; what the high optimum favours over the low one is H3K4me3.
    optimal = [_optimum(1, [0.0, 0.6, 0.1, 0.5, 0.0]), _optimum(0, [0.3, 0.6, 0.1, 0.0, 0.1])]
    contrast = optimal_contrast(optimal).query("`class` == 1").set_index("mark")["contrast"]
    assert contrast.idxmax() == "H3K4me3" and contrast["H3K36me3"] == pytest.approx(0.0)


def test_disagreeing_optima_carry_a_caveat_in_the_summary_and_the_report(tmp_path):
    # The optimum of high favours H3K9me3 (barcode-like spikes); the attributions H3K4me3.
    optimal = [_optimum(1, [0.0, 0.1, 0.1, 0.2, 0.9]), _optimum(0, [0.5, 0.1, 0.1, 0.1, 0.0])]
    attribution = _attribution([-1.0, 0.3, 0.2, 2.0, -0.5])
    agreement = optimal_agreement(optimal, attribution)
    high = agreement.set_index("class").loc[1]
    assert (high["top_optimal"], high["top_attribution"], bool(high["agree"])) == (
        "H3K9me3", "H3K4me3", False)
    importance = pd.DataFrame({"mark": ["H3K4me3", "H3K27me3", "H3K9me3"],
                               "importance": [0.128, 0.03, 0.0], "sd": [0.01] * 3})
    lines, caveats = interpretation_summary(importance, "roc_auc", attribution, agreement)
    assert lines[0].startswith("most important mark: H3K4me3 (ROC AUC drops by 0.128")
    assert "toward high, H3K4me3 pushes most" in lines[1]
    assert any("class-optimal input for high favours H3K9me3" in c
               and "point to H3K4me3" in c for c in caveats)
    (tmp_path / "class_optimal_inputs.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    write_interpretation_report(tmp_path, description="toy", importance=importance,
                                scoring="roc_auc", n_genes=10,
                                pictures=["class_optimal_inputs.png"],
                                run={"command": "x"}, summary=lines, caveats=caveats)
    markdown = (tmp_path / "report.md").read_text()
    assert "## Caveats" in markdown and "point to H3K4me3" in markdown
    assert "otherwise than the attributions do (see Caveats)" in markdown
    assert "point to H3K4me3" in (tmp_path / "report.html").read_text()


def test_agreeing_optima_are_described_beside_the_attributions():
    optimal = [_optimum(1, [0.0, 0.2, 0.3, 0.9, 0.0]), _optimum(0, [0.8, 0.1, 0.1, 0.0, 0.3])]
    attribution = _attribution([-1.0, 0.3, 0.5, 2.0, -0.5])
    agreement = optimal_agreement(optimal, attribution)
    assert agreement["agree"].all()
    importance = pd.DataFrame({"mark": ["H3K4me3"], "importance": [0.1]})
    lines, caveats = interpretation_summary(importance, "roc_auc", attribution, agreement)
    assert not caveats
    assert any(line.startswith("class-optimal input for high: favours H3K4me3") for line in lines)


def test_smoothness_turns_a_barcode_into_peaks(signal):
    with torch_threads(1):
        model = make_pipeline(HistoneBinner(n_bins=20, scale="log1p", flank=5000),
                              DeepChromeClassifier(n_filters=8, kernel_size=3, pool_size=2,
                                                   hidden_sizes=(16,), max_epochs=5,
                                                   bin_size=500, random_state=0))
        model.fit(*signal)
        X = signal[0]
        kwargs = dict(bounds=input_bounds(X), n_steps=60, n_init=2, random_state=0)
        rough = class_optimal_input(model, 1, **kwargs)
        smooth = class_optimal_input(model, 1, smoothness=1.0, **kwargs)
        started = class_optimal_input(model, 1, start=X[signal[1] == 1].mean(axis=0),
                                      n_steps=1, lr=1e-6, bounds=kwargs["bounds"],
                                      n_init=1, random_state=0)

    def roughness(result):
        binned = np.log1p(result.values.reshape(5, 20, -1).sum(axis=2))
        return float((np.diff(binned, axis=1) ** 2).sum())

    assert roughness(smooth) < roughness(rough)
    # One tiny step from the class mean stays at the class mean (within its noise).
    mean = np.log1p(X[signal[1] == 1].mean(axis=0).reshape(5, -1))
    assert np.abs(np.log1p(started.values) - mean).mean() < 0.15
    with pytest.raises(ValueError, match="smoothness"):
        class_optimal_input(model, 1, smoothness=-1.0)


@pytest.mark.slow
def test_on_the_real_sample_the_summary_follows_the_measures():
    """E003 (H1), a small fast network: the summary names the mark the importance and the
    attributions put first (H3K4me3), and the class-optimal inputs are either said to
    agree with the attributions or carry a caveat, never read on their own.

    Seen while building this (five optimiser settings, two seeds): the optima's ranking
    of the marks correlates with the attributions' (Spearman 0.6 to 1.0), but the top
    mark flips with the network's seed (H3K4me3, H3K36me3 or H3K4me1 for high; H3K27me3
    or H3K9me3 for low), smoothness and a start from the class mean included; hence a
    caveat rather than a claim."""
    try:
        data = load_roadmap_sample("E003")
    except (FileNotFoundError, OSError) as exc:  # pragma: no cover - ships in the package
        pytest.skip(f"Roadmap sample unavailable: {exc}")
    split = np.asarray(data.split)
    X, y = np.asarray(data.data), np.asarray(data.target)
    train, test = split == "train", split == "test"
    with torch_threads(1):
        model = make_pipeline(
            HistoneBinner(data.marks, n_bins=20, scale="log1p", flank=5000),
            DeepChromeClassifier(n_filters=32, kernel_size=3, pool_size=2,
                                 hidden_sizes=(64, 32), max_epochs=25, lr=3e-3,
                                 bin_size=500, random_state=0),
        ).fit(X[train], y[train])
        importance = mark_importance(model, X[test], y[test], n_repeats=3, marks=data.marks,
                                     random_state=0)
        attr = attributions(model, X[test], target=y[test], n_steps=16)
        attribution = pd.concat([mark_attribution(attr[y[test] == c], data.marks)
                                 .assign(**{"class": c}) for c in (1, 0)])
        bounds = input_bounds(X[train], data.marks)
        optimal = [class_optimal_input(model, c, bounds=bounds, n_steps=200, n_init=4,
                                       random_state=0) for c in (1, 0)]
    agreement = optimal_agreement(optimal, attribution)
    by_class = agreement.set_index("class")
    assert importance["mark"].iloc[0] == "H3K4me3"
    assert by_class.loc[1, "top_attribution"] == "H3K4me3"
    assert by_class.loc[0, "top_attribution"] == "H3K27me3"
    lines, caveats = interpretation_summary(importance, "roc_auc", attribution, agreement)
    assert lines[0].startswith("most important mark: H3K4me3")
    assert "toward high, H3K4me3 pushes most" in lines[1]
    assert "toward low, H3K27me3 pushes most" in lines[1]
    for label, name in ((1, "high"), (0, "low")):
        said = [t for t in lines + caveats if f"class-optimal input for {name}" in t]
        assert len(said) == 1
        if by_class.loc[label, "agree"]:
            assert said[0] in lines
        else:
            assert said[0] in caveats
            assert f"point to {by_class.loc[label, 'top_attribution']}" in said[0]
