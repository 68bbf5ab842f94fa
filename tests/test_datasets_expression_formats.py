"""Expression tables as real tools write them: detection, value columns, transcripts."""

import gzip
from pathlib import Path

import numpy as np
import pytest

from skdeepchrome.datasets import (
    align_expression,
    binarize_expression,
    read_expression_table,
    read_transcript_map,
)
from skdeepchrome.datasets._expression_formats import detect_expression_format

ROADMAP = Path(__file__).resolve().parents[2] / "shared" / "data" / "roadmap"
needs_roadmap = pytest.mark.skipif(not (ROADMAP / "57epigenomes.RPKM.pc.gz").is_file(),
                                   reason="shared Roadmap data absent")

# Roadmap's layout, with its quirk: every data row ends with a tab.
RPKM_PC = (
    "gene_id\tE000\tE003\tE123\n"
    "ENSG00000000003\t23.265\t43.985\t10.5\t\n"
    "ENSG00000000005\t0.872\t1.642\t0.000\t\n"
    "ENSG00000000419\t50\t35.259\t2\t\n"
)
N_PC = (
    "gene_id\tE000\tE003\tE123\n"
    "ENSG00000000003\t1200\t2410\t153\t\n"
    "ENSG00000000005\t30\t40\t2\t\n"
)
SALMON = (
    "Name\tLength\tEffectiveLength\tTPM\tNumReads\n"
    "ENST00000373020.8\t2206\t2056.0\t30.5\t800.0\n"
    "ENST00000494424.1\t820\t670.0\t4.5\t40.0\n"
    "ENST00000373031.5\t1205\t1055.0\t1.0\t14.0\n"
)
KALLISTO = (
    "target_id\tlength\teff_length\test_counts\ttpm\n"
    "ENST00000373020.8\t2206\t2056.0\t800\t30.5\n"
    "ENST00000494424.1\t820\t670.0\t40\t4.5\n"
    "ENST00000373031.5\t1205\t1055.0\t14\t1.0\n"
)
RSEM_GENES = (
    "gene_id\ttranscript_id(s)\tlength\teffective_length\texpected_count\tTPM\tFPKM\n"
    "ENSG00000000003.14\tENST00000373020.8,ENST00000494424.1\t2000\t1850\t840.00\t35.0\t20.1\n"
    "ENSG00000000005.5\tENST00000373031.5\t1205\t1055\t14.00\t1.0\t0.6\n"
)
RSEM_ISOFORMS = (
    "transcript_id\tgene_id\tlength\teffective_length\texpected_count\tTPM\tFPKM\tIsoPct\n"
    "ENST00000373020.8\tENSG00000000003.14\t2206\t2056\t800\t30.5\t17.5\t87.1\n"
    "ENST00000494424.1\tENSG00000000003.14\t820\t670\t40\t4.5\t2.6\t12.9\n"
    "ENST00000373031.5\tENSG00000000005.5\t1205\t1055\t14\t1.0\t0.6\t100\n"
)
FEATURECOUNTS = (
    '# Program:featureCounts v2.0.3; Command:"featureCounts" "-a" "genes.gtf" "-o" '
    '"counts.txt" "/data/E003.bam" "/data/E123.bam"\n'
    "Geneid\tChr\tStart\tEnd\tStrand\tLength\t/data/E003.bam\t/data/E123.bam\n"
    "ENSG00000000003.14\tchrX;chrX\t100627109;100628669\t100629986;100635178\t-;-\t4535\t"
    "2410\t153\n"
    "ENSG00000000005.5\tchrX\t100584802\t100599885\t+\t1610\t40\t2\n"
)
GCT = (
    "#1.2\n"
    "2\t2\n"
    "Name\tDescription\tE003\tE123\n"
    "ENSG00000000003.14\tTSPAN6\t43.985\t10.5\n"
    "ENSG00000000005.5\tTNMD\t1.642\t0\n"
)
TX2GENE = (
    "transcript_id\tgene_id\n"
    "ENST00000373020\tENSG00000000003\n"
    "ENST00000494424\tENSG00000000003\n"
    "ENST00000373031\tENSG00000000005\n"
)


def gtf_transcripts(path):
    rows = [
        ("chrX", "100627109", "100629986", "-", "ENSG00000000003.14", "ENST00000373020.8"),
        ("chrX", "100633442", "100635178", "-", "ENSG00000000003.14", "ENST00000494424.1"),
        ("chrX", "100584802", "100599885", "+", "ENSG00000000005.5", "ENST00000373031.5"),
    ]
    with gzip.open(path, "wt") as handle:
        handle.write("##description: test\n")
        for chrom, start, end, strand, gene, tx in rows:
            gene_attr = f'gene_id "{gene}"; gene_type "protein_coding";'
            handle.write("\t".join([chrom, "HAVANA", "gene", start, end, ".", strand, ".",
                                    gene_attr]) + "\n")
            handle.write("\t".join([chrom, "HAVANA", "transcript", start, end, ".", strand,
                                    ".", f'{gene_attr} transcript_id "{tx}";']) + "\n")
    return path


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("name, text, expected", [
    ("57epigenomes.RPKM.pc", RPKM_PC, "table"),
    ("Cell1.expr.csv", "ENSG01,153\nENSG02,2\n", "headerless"),
    ("quant.sf", SALMON, "salmon"),
    ("abundance.tsv", KALLISTO, "kallisto"),
    ("a.genes.results", RSEM_GENES, "rsem"),
    ("a.isoforms.results", RSEM_ISOFORMS, "rsem-isoforms"),
    ("counts.txt", FEATURECOUNTS, "featurecounts"),
    ("expr.gct", GCT, "gct"),
    ("plain.tsv", "gene\tTPM\nENSG01\t3\n", "table"),
])
def test_formats_are_detected_from_their_first_lines(tmp_path, name, text, expected):
    assert detect_expression_format(write(tmp_path, name, text)) == expected


def test_roadmap_trailing_tab_rpkm_and_raw_counts(tmp_path):
    rpkm = read_expression_table(write(tmp_path, "57epigenomes.RPKM.pc", RPKM_PC),
                                 epigenome="E003")
    assert rpkm.name == "E003" and rpkm.tolist() == [43.985, 1.642, 35.259]
    gz = tmp_path / "57epigenomes.N.pc.gz"
    gz.write_bytes(gzip.compress(N_PC.encode()))
    counts = read_expression_table(gz, epigenome="E123")
    assert counts.to_dict() == {"ENSG00000000003": 153.0, "ENSG00000000005": 2.0}
    with pytest.raises(ValueError, match=r"no column 'E004'; available value columns: "
                       r"\['E000', 'E003', 'E123'\]"):
        read_expression_table(gz, epigenome="E004")


def test_a_filled_extra_field_is_not_a_trailing_tab(tmp_path):
    path = write(tmp_path, "t.tsv", "gene_id\tE003\nA\t1\t\nB\t2\t7\n")
    with pytest.raises(ValueError, match=r"t.tsv, line 3: 3 fields, one more than the header"):
        read_expression_table(path)


def test_headerless_two_columns_like_deepdiff(tmp_path):
    path = write(tmp_path, "Cell2.expr.csv", "ENSG00000000003,2410\nENSG00000000005,40\n")
    counts = read_expression_table(path)
    assert counts.to_dict() == {"ENSG00000000003": 2410.0, "ENSG00000000005": 40.0}
    bad = write(tmp_path, "bad.csv", "ENSG01,3\nENSG02,-1\n")
    with pytest.raises(ValueError, match=r"bad.csv, line 2, gene 'ENSG02'.*negative"):
        read_expression_table(bad)


def test_transcript_tables_are_refused_without_a_map(tmp_path):
    for name, text in [("quant.sf", SALMON), ("abundance.tsv", KALLISTO),
                       ("x.isoforms.results", RSEM_ISOFORMS)]:
        with pytest.raises(ValueError, match=r"transcript-level table .*Pass tx2gene="):
            read_expression_table(write(tmp_path, name, text))


@pytest.mark.parametrize("name, text, column, expected", [
    ("quant.sf", SALMON, None, [35.0, 1.0]),
    ("quant.sf", SALMON, "NumReads", [840.0, 14.0]),
    ("abundance.tsv", KALLISTO, None, [35.0, 1.0]),
    ("abundance.tsv", KALLISTO, "TPM", [35.0, 1.0]),  # case-insensitive
    ("abundance.tsv", KALLISTO, "est_counts", [840.0, 14.0]),
    ("x.isoforms.results", RSEM_ISOFORMS, "expected_count", [840.0, 14.0]),
])
def test_transcripts_sum_per_gene_with_a_map_ignoring_versions(tmp_path, name, text, column,
                                                               expected):
    tx2gene = write(tmp_path, "tx2gene.tsv", TX2GENE)
    genes = read_expression_table(write(tmp_path, name, text), column=column, tx2gene=tx2gene)
    assert genes.index.tolist() == ["ENSG00000000003", "ENSG00000000005"]
    assert genes.tolist() == pytest.approx(expected)
    assert genes.attrs["n_transcripts"] == 3


def test_transcript_map_from_a_gtf_and_missing_transcripts(tmp_path):
    gtf = gtf_transcripts(tmp_path / "genes.gtf.gz")
    tx2gene = read_transcript_map(gtf)
    assert tx2gene["ENST00000494424.1"] == "ENSG00000000003.14" and len(tx2gene) == 3
    tpm = read_expression_table(write(tmp_path, "quant.sf", SALMON), tx2gene=gtf)
    assert tpm.to_dict() == {"ENSG00000000003.14": 35.0, "ENSG00000000005.5": 1.0}
    partial = {"ENST00000373020": "G1"}
    with pytest.raises(ValueError, match=r"2 of 3 transcripts are not in the transcript -> gene "
                       r"map .*'ENST00000494424.1'"):
        read_expression_table(tmp_path / "quant.sf", tx2gene=partial)


def test_transcript_map_refuses_ambiguity_and_genes_only_gtf(tmp_path):
    clash = write(tmp_path, "map.csv", "tx,gene\nT1,G1\nT1,G2\n")
    with pytest.raises(ValueError, match=r"'T1' is mapped to several genes \['G1', 'G2'\]"):
        read_transcript_map(clash)
    genes_only = tmp_path / "genes.gtf"
    genes_only.write_text('chr1\tS\tgene\t11\t20\t.\t+\t.\tgene_id "G1"; transcript_id "G1";\n')
    with pytest.raises(ValueError, match=r"no 'transcript' records.*\['gene'\]"):
        read_transcript_map(genes_only)


def test_rsem_genes_featurecounts_and_gct(tmp_path):
    rsem = read_expression_table(write(tmp_path, "a.genes.results", RSEM_GENES))
    assert rsem.name == "TPM" and rsem.tolist() == [35.0, 1.0]
    assert read_expression_table(tmp_path / "a.genes.results", column="FPKM").tolist() == [
        20.1, 0.6]
    counts = write(tmp_path, "counts.txt", FEATURECOUNTS)
    with pytest.raises(ValueError, match=r"2 value columns; pass epigenome= naming one of "
                       r"\['/data/E003.bam', '/data/E123.bam'\]"):
        read_expression_table(counts)
    e123 = read_expression_table(counts, epigenome="E123")  # the BAM's name is enough
    assert e123.name == "/data/E123.bam" and e123.tolist() == [153.0, 2.0]
    gct = read_expression_table(write(tmp_path, "expr.gct", GCT), epigenome="E003")
    assert gct.index.tolist() == ["ENSG00000000003.14", "ENSG00000000005.5"]
    assert gct.tolist() == [43.985, 1.642]


def test_format_can_be_forced_and_is_checked(tmp_path):
    path = write(tmp_path, "odd.txt", "ENSG01\t1\nENSG02\t2\n")
    assert read_expression_table(path, format="headerless").tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match=r"format must be None \(detect\) or one of"):
        read_expression_table(path, format="excel")
    with pytest.raises(ValueError, match=r"epigenome= or column=, not both"):
        read_expression_table(path, epigenome="a", column="b")


def test_duplicated_transcripts_are_refused(tmp_path):
    text = SALMON + "ENST00000373031.5\t1205\t1055.0\t1.0\t14.0\n"
    with pytest.raises(ValueError, match=r"transcript id 'ENST00000373031.5' appears more "
                       r"than once \(lines \[4, 5\]\)"):
        read_expression_table(write(tmp_path, "quant.sf", text), tx2gene={})


@needs_roadmap
def test_real_roadmap_rpkm_table_and_deepdiff_counts():
    rpkm = read_expression_table(ROADMAP / "57epigenomes.RPKM.pc.gz", epigenome="E003")
    assert len(rpkm) == 19795 and rpkm.index[0] == "ENSG00000000003"
    assert rpkm["ENSG00000000003"] == pytest.approx(43.985)
    labels = binarize_expression(rpkm)
    assert 0.45 < labels.mean() <= 0.5
    with pytest.raises(ValueError, match=r"no column 'E999'; available value columns: "
                       r"\['E000', 'E003', 'E004'"):
        read_expression_table(ROADMAP / "57epigenomes.RPKM.pc.gz", epigenome="E999")
    counts = read_expression_table(ROADMAP / "deepdiff_e123_e003" / "Cell1.expr.csv")
    assert len(counts) == 19795 and counts["ENSG00000000003"] == 153
    aligned = align_expression(counts.index, rpkm)
    assert aligned.n_matched == 19795
    assert np.isfinite(aligned.expression).all()


@pytest.mark.parametrize("format", [None, "table"])
def test_truncated_gzip_table_names_the_file(tmp_path, format):
    rows = "".join(f"ENSG{i:011d}\t{i}.5\t{i}\t1\t\n" for i in range(5000))
    packed = gzip.compress(("gene_id\tE000\tE003\tE123\n" + rows).encode())
    path = tmp_path / "57epigenomes.RPKM.pc.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt") as info:
        read_expression_table(path, epigenome="E003", format=format)
    assert "57epigenomes.RPKM.pc.gz" in str(info.value) and "\n" not in str(info.value)


def test_truncated_or_cut_transcript_maps_name_the_file(tmp_path):
    gtf = "".join(
        f'chr1\tsrc\ttranscript\t{i + 1}\t{i + 10}\t.\t+\t.\tgene_id "G{i}"; '
        f'transcript_id "T{i}"; gene_type "protein_coding";\n' for i in range(3000))
    packed = gzip.compress(gtf.encode())
    path = tmp_path / "annotation.gtf.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValueError, match=r"annotation\.gtf\.gz: .*truncated or corrupt"):
        read_transcript_map(path)
    cut = tmp_path / "cut.gtf"
    cut.write_text(gtf.rstrip("\n")[:-20])
    with pytest.raises(ValueError, match=r"cut\.gtf, line 3000: .*truncated"):
        read_transcript_map(cut)
