"""Resolution as a hyper-parameter: extract fine, let GridSearchCV choose bins and window."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skdeepchrome import DeepChromeClassifier, HistoneBinner

pyBigWig = pytest.importorskip("pyBigWig")


def _write_tracks(tmp_path, n_genes=160, seed=0):
    """Two marks on one chromosome; expressed genes carry a 400-bp H3K4me3 peak at the TSS."""
    rng = np.random.default_rng(seed)
    spacing, chrom_len = 12000, 12000 * (n_genes + 1)
    tss = spacing * np.arange(1, n_genes + 1)
    strand = np.where(rng.random(n_genes) < 0.5, "+", "-")
    y = rng.integers(0, 2, n_genes)
    k4 = rng.gamma(0.5, 1.0, chrom_len // 10)
    k27 = rng.gamma(0.5, 1.0, chrom_len // 10)
    for t, s, label in zip(tss, strand, y):
        centre = t // 10 + (5 if s == "+" else -5)  # the peak sits just downstream of the TSS
        if label:
            k4[centre - 20:centre + 20] += 3.0
        else:
            k27[t // 10 - 150:t // 10 + 150] += 0.8
    paths = {}
    for mark, values in (("H3K4me3", k4), ("H3K27me3", k27)):
        path = tmp_path / f"{mark}.bw"
        with pyBigWig.open(str(path), "w") as bw:
            bw.addHeader([("chr1", chrom_len)])
            bw.addEntries("chr1", 0, values=values.astype(float).tolist(), span=10, step=10)
        paths[mark] = str(path)
    bed = tmp_path / "genes.bed"
    lines = [f"chr1\t{t}\t{t + 3000}\tg{i}\t0\t+" if s == "+" else
             f"chr1\t{t - 3000 + 1}\t{t + 1}\tg{i}\t0\t-"
             for i, (t, s) in enumerate(zip(tss, strand))]
    bed.write_text("\n".join(lines) + "\n")
    return bed, paths, y


def test_grid_search_chooses_bin_size_and_window_from_a_10bp_extraction(tmp_path):
    from skdeepchrome.genome import extract_signal, read_tss

    bed, tracks, y = _write_tracks(tmp_path)
    fine = extract_signal(read_tss(bed), tracks, flank=2000, bin_size=10, progress=False)
    assert fine.data.shape == (len(y), 2 * 400)
    order = [int(g[1:]) for g in fine.gene_ids]
    y = y[order]
    search = GridSearchCV(
        make_pipeline(
            HistoneBinner(marks=fine.marks, flank=2000, bin_size=10, scale="log1p"),
            DeepChromeClassifier(max_epochs=25, lr=3e-3, hidden_sizes=(32,), n_filters=8,
                                 random_state=0),
        ),
        {"histonebinner__n_bins": [10, 40],
         "histonebinner__window": [None, (-500, 500)]},
        scoring="roc_auc", cv=2,
    ).fit(fine.data, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_score_ > 0.9
    best = search.best_estimator_
    n_window = 1000 // 10 if best[0].window is not None else 400
    assert best[0].n_bins_out_ == best[0].n_bins <= n_window
    assert best[-1].n_bins_ == best[0].n_bins
    # the crop really happened: a +-500 bp window of 10-bp positions pooled into n_bins
    cropped = HistoneBinner(marks=fine.marks, flank=2000, bin_size=10, window=(-500, 500),
                            n_bins=10).fit_transform(fine.data)
    X3 = fine.data.reshape(len(y), 2, 400)
    np.testing.assert_allclose(cropped.reshape(len(y), 2, 10).sum(axis=2),
                               X3[:, :, 150:250].sum(axis=2), rtol=1e-5)
