"""read_tss: GTF/GFF3/BED6 to a TSS table, coordinates, filters, duplicates and errors."""

import gzip

import pandas as pd
import pytest

from skdeepchrome.genome import read_tss


def gtf_line(chrom, start, end, strand, attributes, feature="gene"):
    return "\t".join([chrom, "HAVANA", feature, str(start), str(end), ".", strand, ".",
                      attributes]) + "\n"


def write(path, text, compress=False):
    if compress:
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        path.write_text(text)
    return path


GTF = (
    "##description: tiny hand-made GENCODE-style file\n"
    + gtf_line("chr1", 11, 20, "+",
               'gene_id "ENSG1.1"; gene_type "protein_coding"; gene_name "PLUS"; level 2;')
    + gtf_line("chr1", 11, 20, "+", 'gene_id "ENSG1.1"; transcript_id "T1";', "transcript")
    + gtf_line("chr1", 11, 20, "-",
               'gene_id "ENSG2.3"; gene_type "protein_coding"; gene_name "MINUS";')
    + gtf_line("chr2", 1, 1, "-", 'gene_id "ENSG3"; gene_type "lncRNA"; gene_name "LNC";')
    + gtf_line("chrM", 100, 200, "+",
               'gene_id "ENSG4"; gene_type "protein_coding"; gene_name "MT-X";')
)


def test_gtf_coordinates_are_converted_by_hand(tmp_path):
    # GTF 1-based closed [11, 20] = 0-based bases 10..19: TSS 10 on +, 19 on -.
    table = read_tss(write(tmp_path / "genes.gtf", GTF))
    assert list(table.columns) == ["gene_id", "name", "chrom", "tss", "strand"]
    assert table["gene_id"].tolist() == ["ENSG1.1", "ENSG2.3", "ENSG4"]
    assert table["name"].tolist() == ["PLUS", "MINUS", "MT-X"]
    assert table["tss"].tolist() == [10, 19, 99]
    assert table["strand"].tolist() == ["+", "-", "+"]
    assert table["tss"].dtype == "int64"
    assert table.attrs["source"].endswith("genes.gtf")


def test_bed_and_gtf_give_the_same_tss(tmp_path):
    # BED 0-based half-open [10, 20) is the same gene as GTF [11, 20].
    bed = write(tmp_path / "genes.bed",
                "track name=genes\nchr1\t10\t20\tPLUS\t0\t+\nchr1\t10\t20\tMINUS\t0\t-\n")
    table = read_tss(bed)
    assert table["gene_id"].tolist() == ["PLUS", "MINUS"]
    assert table["tss"].tolist() == [10, 19]


def test_single_base_gene_has_the_same_tss_on_both_strands(tmp_path):
    table = read_tss(write(tmp_path / "a.gtf", GTF), gene_types=None)
    assert table.set_index("gene_id").loc["ENSG3", "tss"] == 0
    bed = read_tss(write(tmp_path / "a.bed", "chr2\t0\t1\tX\t0\t-\nchr2\t0\t1\tY\t0\t+\n"))
    assert bed["tss"].tolist() == [0, 0]


def test_gene_type_filter_and_none(tmp_path):
    path = write(tmp_path / "genes.gtf", GTF)
    assert "ENSG3" not in read_tss(path)["gene_id"].tolist()
    assert read_tss(path, gene_types=["lncRNA"])["gene_id"].tolist() == ["ENSG3"]
    assert len(read_tss(path, gene_types=None)) == 4
    assert read_tss(path, gene_types="lncRNA")["gene_id"].tolist() == ["ENSG3"]


def test_ensembl_gene_biotype_and_gzip(tmp_path):
    text = (gtf_line("1", 5, 50, "-", 'gene_id "ENSG9"; gene_biotype "protein_coding";')
            + gtf_line("1", 5, 50, "+", 'gene_id "ENSG8"; gene_biotype "miRNA";'))
    table = read_tss(write(tmp_path / "genes.gtf.gz", text, compress=True))
    assert table["gene_id"].tolist() == ["ENSG9"]
    assert table["tss"].tolist() == [49]
    assert table["chrom"].tolist() == ["1"]


def test_transcript_feature_with_id_attribute(tmp_path):
    table = read_tss(write(tmp_path / "g.gtf", GTF), feature="transcript",
                     id_attribute="transcript_id", gene_types=None)
    assert table["gene_id"].tolist() == ["T1"]


def test_gff3_attributes_and_prefixes(tmp_path):
    text = (
        "##gff-version 3\n"
        "chr1\tENSEMBL\tgene\t101\t200\t.\t+\t.\tID=gene:ENSG5;Name=ABC;biotype=protein_coding\n"
        "chr1\tENSEMBL\tmRNA\t101\t200\t.\t+\t.\tID=transcript:T5;Parent=gene:ENSG5\n"
        "chr1\tHAVANA\tgene\t301\t400\t.\t-\t.\tID=ENSG6.2;gene_id=ENSG6.2;gene_type=protein_coding;"
        "gene_name=D%3BE\n"
        "chr1\tENSEMBL\tgene\t501\t600\t.\t-\t.\tID=gene:ENSG7;biotype=snRNA\n"
        "##FASTA\n>chr1\nACGT\n"
    )
    table = read_tss(write(tmp_path / "genes.gff3.gz", text, compress=True))
    assert table["gene_id"].tolist() == ["ENSG5", "ENSG6.2"]
    assert table["name"].tolist() == ["ABC", "D;E"]
    assert table["tss"].tolist() == [100, 399]


def test_format_is_sniffed_without_an_extension(tmp_path):
    assert read_tss(write(tmp_path / "genes.txt", GTF))["gene_id"].tolist()[0] == "ENSG1.1"
    bed = read_tss(write(tmp_path / "genes.tsv", "chr1\t10\t20\tA\t0\t-\n"))
    assert bed["tss"].tolist() == [19]
    with pytest.raises(ValueError, match="cannot tell whether"):
        read_tss(write(tmp_path / "genes.dat", "hello world\n"))
    assert read_tss(write(tmp_path / "x.dat", "chr1\t10\t20\tA\t0\t-\n"), format="bed").shape == (
        1, 5)


def test_duplicates_keep_the_first_row_with_a_warning(tmp_path):
    text = (gtf_line("chrX", 100, 200, "+", 'gene_id "G"; gene_type "protein_coding";')
            + gtf_line("chrY", 500, 600, "+", 'gene_id "G"; gene_type "protein_coding";')
            + gtf_line("chr1", 1, 10, "+", 'gene_id "H"; gene_type "protein_coding";'))
    with pytest.warns(UserWarning, match=r"1 row\(s\) repeat an earlier id \(first: 'G' on line 2"):
        table = read_tss(write(tmp_path / "dup.gtf", text))
    assert table["gene_id"].tolist() == ["G", "H"]
    assert table["chrom"].tolist() == ["chrX", "chr1"]
    with pytest.warns(UserWarning, match="repeat an earlier id"):
        bed = read_tss(write(tmp_path / "dup.bed", "c\t0\t5\tA\t0\t+\nc\t9\t15\tA\t0\t-\n"))
    assert bed["tss"].tolist() == [0]


def test_a_file_without_types_is_read_unfiltered_with_a_warning(tmp_path):
    text = gtf_line("chr1", 11, 20, "+", 'gene_id "A";')
    with pytest.warns(UserWarning, match="cannot be applied"):
        table = read_tss(write(tmp_path / "notype.gtf", text))
    assert table["gene_id"].tolist() == ["A"]


@pytest.mark.parametrize(
    "text, match",
    [
        (gtf_line("chr1", 11, 20, "+", 'gene_name "A"; gene_type "protein_coding";'),
         r"line 1: the gene row has no 'gene_id' attribute"),
        (gtf_line("chr1", 11, 20, ".", 'gene_id "A"; gene_type "protein_coding";'),
         r"line 1: gene 'A' has strand '\.'"),
        (gtf_line("chr1", 0, 20, "+", 'gene_id "A";'), r"line 1: GTF coordinates are 1-based"),
        (gtf_line("chr1", 30, 20, "+", 'gene_id "A";'), r"line 1: GTF coordinates are 1-based"),
        (gtf_line("chr1", "x", 20, "+", 'gene_id "A";'), r"line 1: start 'x' and end '20'"),
        ("chr1\tsrc\tgene\t1\n", r"line 1: expected 9 tab-separated GTF columns, got 4"),
        (gtf_line("chr1", 11, 20, "+", 'gene_id "A"; gene_type "lncRNA";'),
         r"no gene row is left after keeping gene types \['protein_coding'\]; types present: "
         r"\['lncRNA'\]"),
        (gtf_line("chr1", 11, 20, "+", 'gene_id "A";', feature="exon"),
         r"no row has feature 'gene' in column 3 \(features seen: \['exon'\]\)"),
    ],
)
def test_bad_gtf_errors_name_file_and_line(tmp_path, text, match):
    path = write(tmp_path / "bad.gtf", text)
    with pytest.raises(ValueError, match=match) as info:
        read_tss(path)
    assert "bad.gtf" in str(info.value)


@pytest.mark.parametrize(
    "text, match",
    [
        ("chr1\t10\t20\tA\t0\t.\n", r"line 1: gene 'A' has strand '\.'"),
        ("chr1\t10\t20\tA\n", r"line 1: a BED annotation needs at least 6"),
        ("# header\nchr1\t20\t20\tA\t0\t+\n", r"line 2: BED coordinates are 0-based half-open"),
        ("chr1\t-1\t20\tA\t0\t+\n", r"line 1: BED coordinates"),
        ("chr1\t1\t20\t.\t0\t+\n", r"line 1: column 4 \(the gene name\) is empty"),
        ("track name=x\n", r"the BED annotation has no data rows"),
    ],
)
def test_bad_bed_errors_name_file_and_line(tmp_path, text, match):
    with pytest.raises(ValueError, match=match) as info:
        read_tss(write(tmp_path / "bad.bed", text))
    assert "bad.bed" in str(info.value)


def test_missing_file_and_bad_format(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere.gtf"):
        read_tss(tmp_path / "nowhere.gtf")
    with pytest.raises(ValueError, match="format must be one of"):
        read_tss(write(tmp_path / "a.gtf", GTF), format="vcf")


def test_result_is_a_plain_dataframe(tmp_path):
    table = read_tss(write(tmp_path / "genes.gtf", GTF))
    assert isinstance(table, pd.DataFrame)
    assert table.index.tolist() == [0, 1, 2]


def test_truncated_gzip_annotation_names_the_file(tmp_path):
    packed = gzip.compress(GTF.encode() * 50)
    path = tmp_path / "genes.gtf.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt") as info:
        read_tss(path)
    assert "genes.gtf.gz" in str(info.value) and "\n" not in str(info.value)
    # Also when the format has to be sniffed from the damaged stream.
    sniffed = tmp_path / "genes.dat"
    sniffed.write_bytes(gzip.compress(GTF.encode())[:40])
    with pytest.raises(ValueError, match="genes.dat: the gzip-compressed file is truncated"):
        read_tss(sniffed)


def test_gtf_cut_mid_line_is_refused(tmp_path):
    # The last record loses its end: its gene type is gone, so it would be read as
    # whatever the cut left (or, with gene_types=None, as a gene anyway).
    cut = GTF.rstrip("\n")[:-12]
    path = write(tmp_path / "cut.gtf", cut)
    for gene_types in (("protein_coding",), None):
        with pytest.raises(ValueError, match=r"cut\.gtf, line 6: .*truncated") as info:
            read_tss(path, gene_types=gene_types)
        assert "\n" not in str(info.value)
    # Cut inside the columns: the column count says so, and the cut is named.
    with pytest.raises(ValueError, match=r"line 6: expected 9 .*got 4\. .*truncated"):
        read_tss(write(tmp_path / "cut2.gtf", GTF.rstrip("\n").rsplit("\t", 5)[0]))
    # A complete last record without its newline is still read.
    assert read_tss(write(tmp_path / "whole.gtf", GTF.rstrip("\n"))).shape == (3, 5)


def test_binary_annotation_names_the_file(tmp_path):
    path = tmp_path / "genes.gtf"
    path.write_bytes(GTF.encode() + b"\xff\xfe\x00binary\n")
    with pytest.raises(ValueError, match=r"genes\.gtf: not UTF-8 text"):
        read_tss(path)
