"""The Roadmap sample shipped with the package, its loader and its rebuild."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skdeepchrome.datasets import load_roadmap_sample, roadmap_sample_epigenomes
from skdeepchrome.datasets._build_roadmap_sample import (
    DATA_DIR,
    LICENSE_NAME,
    NPZ_NAME,
    build,
    gene_strands,
    read_deepdiff_split,
)
from skdeepchrome.layout import REMC_MARKS

ROADMAP = Path(__file__).resolve().parents[2] / "shared" / "data" / "roadmap"
needs_roadmap = pytest.mark.skipif(not (ROADMAP / "deepdiff_e123_e003").is_dir(),
                                   reason="shared Roadmap data absent")


def test_one_epigenome_as_a_bunch():
    h1 = load_roadmap_sample("E003")
    assert h1.data.shape == (600, 1000) and h1.data.dtype == np.float32
    assert h1.marks == REMC_MARKS and h1.n_bins == 200 and h1.window == (-10000, 10000)
    assert h1.feature_names[0] == "H3K27me3_bin000" and len(h1.feature_names) == 1000
    assert h1.target.dtype == np.int64 and set(np.unique(h1.target)) == {0, 1}
    assert (pd.Series(h1.split).value_counts() == 200).all()
    assert h1.gene_ids[0].startswith("ENSG") and len(set(h1.gene_ids)) == 600
    assert set(h1.strand) == {"+", "-"} and len(h1.symbols) == 600
    # Labels are the median rule over the whole RPKM table, not over the 600 genes.
    np.testing.assert_array_equal(h1.target, (h1.rpkm > h1.rpkm_median).astype(int))
    np.testing.assert_allclose(h1.expression, np.log1p(h1.rpkm))
    assert h1.counts.dtype.kind == "i" and (h1.counts >= 0).all()
    assert "DeepDiffChrome" in h1.DESCR and "Apache" in h1.DESCR and h1.frame is None


def test_both_epigenomes_share_genes_and_splits_but_not_labels():
    both = load_roadmap_sample()
    assert sorted(both) == ["E003", "E123"]
    np.testing.assert_array_equal(both.E003.gene_ids, both.E123.gene_ids)
    np.testing.assert_array_equal(both.E003.split, both.E123.split)
    assert not np.array_equal(both.E003.target, both.E123.target)
    pairs = load_roadmap_sample(return_X_y=True)
    assert pairs["E123"][0].shape == (600, 1000)


def test_return_X_y_as_frame_and_window():
    X, y = load_roadmap_sample("E123", return_X_y=True)
    assert X.shape == (600, 1000) and y.shape == (600,)
    sample = load_roadmap_sample("E123", as_frame=True, window=(-5000, 5000))
    assert sample.data.shape == (600, 500) and sample.data.index.name == "gene_id"
    assert list(sample.frame.columns[-1:]) == ["target"] and sample.frame.shape == (600, 501)
    full = load_roadmap_sample("E123")
    # The window keeps bins 50..149 (0-based) of each mark: DeepChrome's TSS +/- 5 kb.
    np.testing.assert_array_equal(sample.data.to_numpy().reshape(600, 5, 100),
                                  full.data.reshape(600, 5, 200)[:, :, 50:150])
    Xf, yf = load_roadmap_sample("E003", return_X_y=True, as_frame=True)
    assert isinstance(Xf, pd.DataFrame) and isinstance(yf, pd.Series)


def test_bad_arguments_are_clear():
    with pytest.raises(ValueError, match=r"one of \('E003', 'E123'\) or None, got 'E004'"):
        load_roadmap_sample("E004")
    with pytest.raises(ValueError, match=r"on 100-bp bin boundaries"):
        load_roadmap_sample("E003", window=(-5050, 5000))
    with pytest.raises(ValueError, match=r"within \[-10000, 10000\]"):
        load_roadmap_sample("E003", window=(-20000, 0))


def test_bins_run_five_to_three_prime_on_both_strands():
    # H3K36me3 marks transcribed gene bodies: after orientation it sits downstream of the
    # TSS for genes of either strand. Were minus-strand genes left in genome order, their
    # signal would sit upstream.
    for name, sample in load_roadmap_sample().items():
        k36 = sample.data.reshape(600, 5, 200)[:, REMC_MARKS.index("H3K36me3")]
        high = sample.target == 1
        for strand in "+-":
            genes = high & (sample.strand == strand)
            up, down = k36[genes, :100].sum(), k36[genes, 100:].sum()
            assert down > 1.4 * up, (name, strand, up, down)  # about 1.6 to 2


def test_protocol_view_and_a_sane_baseline():
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    epigenomes = roadmap_sample_epigenomes()
    assert set(epigenomes) == {"E003", "E123"}
    e123 = epigenomes["E123"]
    assert e123.train.data.shape == (200, 500) and e123.marks == REMC_MARKS
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=1000))
    model.fit(np.log1p(e123.train.data), e123.train.target)
    auc = roc_auc_score(e123.test.target, model.decision_function(np.log1p(e123.test.data)))
    assert auc > 0.85  # about 0.97: far lower means a bug in marks, orientation or labels


def test_loader_works_without_the_shared_folder(tmp_path):
    # A fresh interpreter, far from the repository and with no ../shared in sight.
    code = ("from skdeepchrome.datasets import load_roadmap_sample as f; "
            "print(f('E003', window=(-5000, 5000)).data.shape)")
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(600, 500)"
    shipped = sum(p.stat().st_size for p in DATA_DIR.iterdir())
    assert shipped < 2_000_000


@needs_roadmap
def test_shipped_files_match_a_rebuild_from_shared(tmp_path):
    build(ROADMAP, tmp_path)
    for name in (NPZ_NAME, LICENSE_NAME):
        assert (tmp_path / name).read_bytes() == (DATA_DIR / name).read_bytes(), name


def test_genes_absent_from_the_annotation_are_counted_not_dropped(tmp_path):
    gtf = tmp_path / "genes.gtf"
    gtf.write_text('chr1\tS\tgene\t11\t20\t.\t-\t.\tgene_id "ENSG01.3"; gene_type "x";\n')
    assert gene_strands(["ENSG01"], gtf, "counts.csv").tolist() == ["-"]
    with pytest.raises(ValueError, match=r"genes.gtf: 2 of 3 genes of counts.csv are not in "
                       r"the annotation.*\['ENSG02', 'ENSG03'\]"):
        gene_strands(["ENSG01", "ENSG02", "ENSG03"], gtf, "counts.csv")


def deepdiff_rows(genes, n_bins=200):
    return "".join(f"{g}_{k},1,2,3,4,5\n" for g in genes for k in range(1, n_bins + 1))


def test_deepdiff_split_reader_checks_its_input(tmp_path):
    path = tmp_path / "Cell1.train.csv"
    path.write_text(deepdiff_rows(["ENSG01_A", "ENSG02_B"]))
    ids, symbols, counts = read_deepdiff_split(path)
    assert ids.tolist() == ["ENSG01", "ENSG02"] and symbols.tolist() == ["A", "B"]
    assert counts.shape == (2, 5, 200) and counts[0, :, 0].tolist() == [1, 2, 3, 4, 5]
    path.write_text(deepdiff_rows(["ENSG01_A", "ENSG01_A"]))
    with pytest.raises(ValueError, match=r"Cell1.train.csv: gene id\(s\) \['ENSG01'\] appear "
                       r"more than once"):
        read_deepdiff_split(path)
    path.write_text(deepdiff_rows(["ENSG01_A"], n_bins=100) * 2)
    with pytest.raises(ValueError, match=r"rows ..._1 to ..._200 in order"):
        read_deepdiff_split(path)


def test_setup_ships_every_data_file():
    # A non-editable install carries only what package_data names.
    import fnmatch
    import re

    setup = (Path(__file__).resolve().parents[1] / "setup.py").read_text()
    globs = re.search(r'"skdeepchrome\.datasets": \[([^\]]*)\]', setup).group(1)
    patterns = re.findall(r'"([^"]+)"', globs)
    for path in DATA_DIR.iterdir():
        assert any(fnmatch.fnmatch(f"data/{path.name}", p) for p in patterns), path.name
