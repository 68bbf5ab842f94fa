"""Reports: linked pictures, provenance, a self-contained report.html, no stale files."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from skdeepchrome.cli import main

pytest.importorskip("matplotlib")

RUN = ["compare", "--split-sizes", "80,40,40", "--cell-types", "blood", "--models", "lr,gbm",
       "--seed", "3", "--quiet"]


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("cmp") / "report"
    assert main([*RUN, "--out", str(out)]) == 0
    return out


def test_report_md_links_its_pictures_and_records_how_it_was_made(report):
    text = (report / "report.md").read_text()
    for picture in ("roc_curves.png", "roc_auc_by_model.png"):
        assert f"]({picture})" in text and (report / picture).exists()
    assert "skdeepchrome compare --split-sizes 80,40,40" in text and "Seed: 3" in text
    assert "simulated: cell types blood" in text
    for package in ("skdeepchrome 0.1.0", "torch ", "scikit-learn ", "python "):
        assert package in text
    assert "## Caveats" in text and "only 40 test genes" in text


def test_report_md_records_a_fingerprint_of_real_data(tmp_path):
    toy = Path(__file__).resolve().parents[2] / "shared" / "data" / "deepchrome_toy"
    if not toy.exists():
        pytest.skip("shared toy REMC data not present")
    out = tmp_path / "toy"
    assert main(["compare", "--data", str(toy), "--models", "lr", "--out", str(out), "--quiet",
                 "--no-plots"]) == 0
    assert re.search(r"Data: .*deepchrome_toy \(sha256 [0-9a-f]{16}\)",
                     (out / "report.md").read_text())


def test_report_html_is_self_contained(report):
    text = (report / "report.html").read_text()
    assert text.count("<table") >= 2 and "data:image/png;base64," in text
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", text)
    assert "<script" not in text


def test_a_reused_folder_keeps_no_stale_files(tmp_path):
    out = tmp_path / "again"
    assert main([*RUN, "--out", str(out)]) == 0
    # A picture an earlier version wrote, listed in the folder's manifest as it wrote it.
    (out / "auc_bars.png").write_bytes(b"\x89PNG from an old version")
    with open(out / ".skdeepchrome-files", "a") as manifest:
        manifest.write("auc_bars.png\n")
    (out / "my_notes.txt").write_text("the user's own file")
    assert main([*RUN, "--out", str(out), "--no-plots"]) == 0
    names = {p.name for p in out.iterdir()}
    assert not {n for n in names if n.endswith(".png")}
    assert "my_notes.txt" in names and "report.html" in names
    assert not [n for n in names if ".partial-" in n]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".again")]


def test_gitignore_covers_both_default_output_folders():
    ignored = (Path(__file__).resolve().parents[1] / ".gitignore").read_text().split()
    assert {"skdeepchrome-report/", "skdeepchrome-interpret/"} <= set(ignored)


def test_legends_are_never_clipped_with_one_epigenome(tmp_path):
    from skdeepchrome.compare import (
        ComparisonResult,  # noqa: F401  (the result type drawn)
        paper_protocol,
    )
    from skdeepchrome.datasets import simulate_epigenome
    from skdeepchrome.plotting import plot_model_scores, plot_roc_curves

    result = paper_protocol(simulate_epigenome("blood", n_genes=(80, 40, 40), random_state=0),
                            models=["logistic", "gradient_boosting", "svm"],
                            reference="logistic", random_state=0, verbose=0)
    for fig in (plot_roc_curves(result), plot_model_scores(result)):
        fig.canvas.draw()
        box, frame = fig.legends[0].get_window_extent(), fig.bbox
        assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1
        assert frame.y0 - 1 <= box.y0 and box.y1 <= frame.y1 + 1
    scores = plot_model_scores(result)
    ax = scores.axes[0]
    assert not ax.patches  # points and intervals, no bars
    assert ax.get_xlabel() == "ROC AUC"
    assert [t.get_text() for t in ax.get_yticklabels()][::-1] == [
        {"logistic": "logistic regression", "gradient_boosting": "gradient boosting",
         "svm": "SVM"}[m] for m in result.ranked_models]


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def test_report_html_renders_in_headless_chromium(report, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium here: install Debian's chromium (.ci/run does) to render "
                    "report.html")
    Image = pytest.importorskip("PIL.Image")
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--user-data-dir={tmp_path / 'profile'}"]
    url = (report / "report.html").resolve().as_uri()
    shot = tmp_path / "shot.png"
    try:
        subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1200,1600", url],
                       capture_output=True, timeout=120, check=True)
        dom = subprocess.run([*flags, "--dump-dom", url], capture_output=True, text=True,
                             timeout=120, check=True).stdout
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"Chromium could not render here: {exc}")
    assert dom.count("<table") >= 2 and "Paired tests" in dom
    image = Image.open(shot).convert("L")
    histogram = image.histogram()
    white = sum(histogram[250:]) / sum(histogram)
    assert white < 0.97, "the screenshot is blank"
    assert len([v for v in histogram if v]) > 20  # text, table lines and pictures
