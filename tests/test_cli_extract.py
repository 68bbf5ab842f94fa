"""``skdeepchrome extract`` end to end on tiny files."""

from pathlib import Path

import numpy as np
import pytest

pyBigWig = pytest.importorskip("pyBigWig")
pytest.importorskip("pysam")

from skdeepchrome.cli import main  # noqa: E402
from skdeepchrome.datasets import load_deepchrome_csv, load_npz_dataset  # noqa: E402


def gtf_row(chrom, start, end, strand, gene_id, gene_type="protein_coding"):
    attributes = f'gene_id "{gene_id}"; gene_type "{gene_type}"; gene_name "{gene_id}N";'
    return "\t".join([chrom, "src", "gene", str(start), str(end), ".", strand, ".",
                      attributes]) + "\n"


@pytest.fixture
def files(tmp_path):
    # chr1 of 3000 bp; G1 (+) starts at 0-based 1000, G2 (-) ends at 0-based 1999,
    # G3 (+) at 2500, G4 is a lncRNA (filtered out by default).
    gtf = tmp_path / "genes.gtf"
    gtf.write_text(gtf_row("chr1", 1001, 1500, "+", "G1") + gtf_row("chr1", 1501, 2000, "-", "G2")
                   + gtf_row("chr1", 2501, 2900, "+", "G3")
                   + gtf_row("chr1", 100, 200, "+", "G4", "lncRNA"))
    k4 = tmp_path / "k4.bw"
    bw = pyBigWig.open(str(k4), "w")
    bw.addHeader([("chr1", 3000)])
    # 1000-1099 (just downstream of G1's TSS) = 8; 1900-1999 (just downstream of G2's) = 4.
    bw.addEntries(["chr1", "chr1"], [1000, 1900], ends=[1100, 2000], values=[8.0, 4.0])
    bw.close()
    tag = tmp_path / "k27.tagAlign"
    tag.write_text("chr1\t2400\t2436\tN\t1000\t+\nchr1\t2450\t2486\tN\t1000\t-\n")
    rpkm = tmp_path / "57epigenomes.RPKM.pc"
    rpkm.write_text("gene_id\tE003\tE004\nG1\t10.0\t1\nG2\t0.5\t2\nG4\t3\t3\n")
    return tmp_path, gtf, k4, tag, rpkm


def test_extract_npz_with_tracks_reads_and_expression(files, capsys):
    tmp, gtf, k4, tag, rpkm = files
    out = tmp / "E003.npz"
    code = main(["extract", "--genes", str(gtf), "--track", f"H3K4me3={k4}",
                 "--reads", f"H3K27me3={tag}", "--expression", str(rpkm),
                 "--expression-column", "E003", "--out", str(out), "--flank", "200",
                 "--bin-size", "100", "--quiet"])
    assert code == 0
    err = capsys.readouterr().err
    # G3 has no expression: reported and left out, even with --quiet.
    assert "1 of 3 genes have no expression" in err and "['G3']" in err
    ds = load_npz_dataset(out)
    assert ds.gene_ids.tolist() == ["G1", "G2"]
    assert ds.marks == ("H3K4me3", "H3K27me3")
    # H3K4me3: the bin right after each TSS on both strands; H3K27me3 reads are near G3 only.
    np.testing.assert_array_equal(ds.data, [[0, 0, 8, 0, 0, 0, 0, 0], [0, 0, 4, 0, 0, 0, 0, 0]])
    # The median of the whole E003 column (10, 0.5, 3) is 3: G4, not extracted, counts.
    assert ds.target.tolist() == [1, 0]
    assert ds.metadata["label_threshold"] == 3.0
    np.testing.assert_allclose(ds.expression, np.log1p([10.0, 0.5]))
    assert ds.metadata["flank"] == 200 and ds.metadata["bin_size"] == 100
    assert ds.metadata["n_genes_without_expression"] == 1
    assert ds.metadata["epigenome"] == "E003"


def test_extract_npz_without_expression_keeps_every_gene(files):
    tmp, gtf, k4, tag, _ = files
    out = tmp / "unlabelled.npz"
    assert main(["extract", "--genes", str(gtf), "--reads", f"H3K27me3={tag}", "--out",
                 str(out), "--flank", "200", "--quiet"]) == 0
    ds = load_npz_dataset(out)
    assert ds.gene_ids.tolist() == ["G1", "G2", "G3"]
    assert ds.target is None
    # G3 (+, TSS 2500): reads [2400, 2436) and [2450, 2486) fall in bin 1 = [2400, 2500).
    np.testing.assert_array_equal(ds.data[2], [0, 2, 0, 0])


def test_extract_remc_csv(files, capsys):
    tmp, gtf, k4, _, rpkm = files
    out = tmp / "E004.csv.gz"
    assert main(["extract", "--genes", str(gtf), "--track", f"H3K4me3={k4}", "--expression",
                 str(rpkm), "--expression-column", "E004", "--gene-types", "all", "--out", str(out),
                 "--flank", "200"]) == 0
    err = capsys.readouterr().err
    assert f"wrote 3 genes x 1 marks x 4 bins to {out}" in err
    ds = load_deepchrome_csv(out, marks=["H3K4me3"], n_bins=4)
    assert sorted(ds.gene_ids.tolist()) == ["G1", "G2", "G4"]
    rows = {g: i for i, g in enumerate(ds.gene_ids)}
    np.testing.assert_array_equal(ds.data[rows["G1"]], [0, 0, 8, 0])
    # E004: G1=1, G2=2, G4=3 -> median 2 -> only G4 is high.
    assert ds.target[rows["G4"]] == 1 and ds.target[rows["G1"]] == 0


@pytest.mark.parametrize("choice, threshold, labels", [
    # The whole E004 column is 1, 2, 3 (median 2); G4 is a lncRNA, so only G1 and G2 are
    # extracted, whose own median is 1.5.
    ("table", 2.0, [0, 0]),
    ("extracted", 1.5, [0, 1]),
])
def test_extract_label_median_of_table_or_extracted_genes(files, choice, threshold, labels):
    tmp, gtf, k4, _, rpkm = files
    out = tmp / f"{choice}.npz"
    assert main(["extract", "--genes", str(gtf), "--track", f"H3K4me3={k4}", "--expression",
                 str(rpkm), "--expression-column", "E004", "--label-median", choice,
                 "--out", str(out), "--flank", "200", "--quiet"]) == 0
    ds = load_npz_dataset(out)
    assert ds.gene_ids.tolist() == ["G1", "G2"]
    assert ds.target.tolist() == labels
    assert ds.metadata["label_threshold"] == threshold
    assert ("table" if choice == "table" else "extracted") in ds.metadata["label_rule"]


@pytest.mark.parametrize(
    "extra, match",
    [
        (["--out", "{tmp}/x.csv"], "the REMC CSV layout needs a label per gene"),
        (["--out", "{tmp}/x.h5"], r"the name must end in \.npz, \.csv or \.csv\.gz"),
        (["--out", "{tmp}/x.npz", "--track", "H3K4me3"], "--track expects MARK=PATH"),
        (["--out", "{tmp}/x.npz", "--track", "A={k4}", "--reads", "A={k4}"], "given both"),
        (["--out", "{tmp}/x.npz", "--track", "A={tmp}/nope.bw"], r"nope\.bw does not exist"),
        (["--out", "{tmp}/x.npz", "--track", "A={k4}", "--flank", "150"],
         "--flank 150 is not a multiple"),
        (["--out", "{tmp}/nofolder/x.npz", "--track", "A={k4}"], "does not exist"),
        (["--out", "{tmp}/x.npz"], "give at least one --track"),
    ],
)
def test_extract_errors_are_one_clear_line(files, capsys, extra, match):
    tmp, gtf, k4, _, _ = files
    argv = ["extract", "--genes", str(gtf), "--quiet"] + [
        a.format(tmp=tmp, k4=k4) for a in extra]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("skdeepchrome extract: error:")
    assert len(err.strip().splitlines()) == 1
    import re

    assert re.search(match, err)
    assert not list(tmp.glob("x.*"))  # nothing written


ROADMAP = Path(__file__).resolve().parents[2] / "shared" / "data" / "roadmap"


@pytest.mark.skipif(not (ROADMAP / "57epigenomes.RPKM.pc.gz").is_file(),
                    reason="shared Roadmap data absent")
def test_extract_with_the_real_roadmap_rpkm_table(tmp_path, capsys):
    # Real GENCODE ids carry versions; the Roadmap table's do not, and its rows end in a tab.
    gtf = tmp_path / "genes.gtf"
    gtf.write_text(gtf_row("chr1", 1001, 1500, "+", "ENSG00000000003.10")
                   + gtf_row("chr1", 1501, 2000, "-", "ENSG00000000005.5"))
    tag = tmp_path / "k4.tagAlign"
    tag.write_text("chr1\t1010\t1046\tN\t1000\t+\n")
    out = tmp_path / "E003.npz"
    assert main(["extract", "--genes", str(gtf), "--reads", f"H3K4me3={tag}", "--expression",
                 str(ROADMAP / "57epigenomes.RPKM.pc.gz"), "--expression-column", "E003", "--out",
                 str(out), "--flank", "200", "--quiet"]) == 0
    ds = load_npz_dataset(out)
    assert ds.gene_ids.tolist() == ["ENSG00000000003.10", "ENSG00000000005.5"]
    np.testing.assert_allclose(ds.expression, np.log1p([43.985, 1.642]))
    assert ds.target.tolist() == [1, 0]
    assert main(["extract", "--genes", str(gtf), "--reads", f"H3K4me3={tag}", "--expression",
                 str(ROADMAP / "57epigenomes.RPKM.pc.gz"), "--expression-column", "E002", "--out",
                 str(out)]) == 2
    assert "no column 'E002'; available value columns: ['E000', 'E003'" in capsys.readouterr().err


def test_extract_with_salmon_needs_and_uses_tx2gene(files, capsys):
    tmp, gtf, _, tag, _ = files
    sf = tmp / "quant.sf"
    sf.write_text("Name\tLength\tEffectiveLength\tTPM\tNumReads\nT1a\t900\t700\t3\t9\n"
                  "T1b\t900\t700\t2\t6\nT2\t900\t700\t1\t3\nT3\t900\t700\t9\t20\n")
    out = tmp / "salmon.npz"
    argv = ["extract", "--genes", str(gtf), "--reads", f"H3K27me3={tag}", "--expression",
            str(sf), "--out", str(out), "--flank", "200", "--quiet"]
    assert main(argv) == 2
    assert "transcript-level table" in capsys.readouterr().err
    tx2gene = tmp / "tx2gene.csv"
    tx2gene.write_text("T1a,G1\nT1b,G1\nT2,G2\nT3,G3\n")
    assert main([*argv, "--tx2gene", str(tx2gene)]) == 0
    ds = load_npz_dataset(out)
    np.testing.assert_allclose(ds.expression, np.log1p([5.0, 1.0, 9.0]))
