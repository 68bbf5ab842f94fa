import gzip

import numpy as np
import pandas as pd
import pytest

from skdeepchrome.datasets import (
    align_expression,
    binarize_expression,
    log_expression,
    read_expression_table,
    strip_version,
)

RPKM_PC = (
    "gene_id\tE003\tE004\tE005\n"
    "ENSG00000000003.14\t17.2\t0\t3.5\n"
    "ENSG00000000005\t0.1\t2\t0\n"
    "ENSG00000141510.17\t40\t8.25\t1\n"
)


@pytest.fixture
def rpkm_pc(tmp_path):
    path = tmp_path / "57epigenomes.RPKM.pc"
    path.write_text(RPKM_PC)
    return path


def test_remc_table_column_by_epigenome(rpkm_pc):
    e004 = read_expression_table(rpkm_pc, epigenome="E004")
    assert e004.name == "E004" and e004.index.name == "gene_id"
    assert e004.index.tolist() == ["ENSG00000000003.14", "ENSG00000000005", "ENSG00000141510.17"]
    assert e004.dtype == np.float64 and e004.tolist() == [0.0, 2.0, 8.25]


def test_several_columns_need_an_epigenome_and_unknown_lists_available(rpkm_pc):
    with pytest.raises(ValueError, match=r"3 value columns; pass epigenome=.*\['E003', 'E004'"):
        read_expression_table(rpkm_pc)
    with pytest.raises(ValueError, match=r"'E999'; available .*\['E003', 'E004', 'E005'\]"):
        read_expression_table(rpkm_pc, epigenome="E999")


def test_generic_csv_with_named_gene_column_and_gzip(tmp_path):
    path = tmp_path / "expr.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("symbol,ensembl,tpm\nTP53,ENSG00000141510,12.5\nACTB,ENSG00000075624,900\n")
    with pytest.raises(ValueError, match=r"pass epigenome= naming one of \['ensembl', 'tpm'\]"):
        read_expression_table(path)
    tpm = read_expression_table(path, epigenome="tpm", gene_column="ensembl")
    assert tpm.to_dict() == {"ENSG00000141510": 12.5, "ENSG00000075624": 900.0}
    with pytest.raises(ValueError, match=r"no gene-id column 'gene'; the columns are"):
        read_expression_table(path, epigenome="tpm", gene_column="gene")


def test_single_value_column_whitespace_and_leading_zeros(tmp_path):
    path = tmp_path / "expr.txt"
    path.write_text("id  rpkm\n000003  1.5\n000010   0\n\n")  # trailing blank line tolerated
    series = read_expression_table(path)
    assert series.name == "rpkm" and series.index.tolist() == ["000003", "000010"]


def test_header_one_field_short_takes_first_column_as_ids(tmp_path):
    path = tmp_path / "r_style.tsv"
    path.write_text("E003\tE004\nENSG01\t1\t2\nENSG02\t3\t4\n")
    series = read_expression_table(path, epigenome="E004")
    assert series.to_dict() == {"ENSG01": 2.0, "ENSG02": 4.0}


@pytest.mark.parametrize(
    "cell, problem",
    [("-1", "negative"), ("NA", "not a number"), ("abc", "not a number"), ("inf", "finite")],
)
def test_bad_expression_names_gene_and_line(tmp_path, cell, problem):
    path = tmp_path / "bad.tsv"
    path.write_text(f"gene_id\tE003\nENSG01\t1\nENSG02\t{cell}\n")
    where = r"bad\.tsv, line 3, gene 'ENSG02', column 'E003': "
    with pytest.raises(ValueError, match=where + f".*{problem}"):
        read_expression_table(path)


def test_duplicated_gene_and_empty_id_and_empty_table(tmp_path):
    path = tmp_path / "dup.tsv"
    path.write_text("gene_id\tE003\nENSG01\t1\nENSG02\t1\nENSG01\t2\n")
    with pytest.raises(ValueError, match=r"'ENSG01' appears more than once \(lines \[2, 4\]\)"):
        read_expression_table(path)
    path.write_text("gene_id\tE003\nENSG01\t1\n\t2\n")
    with pytest.raises(ValueError, match=r"line 3: the gene id \(gene_id\) is empty"):
        read_expression_table(path)
    path.write_text("gene_id\tE003\nENSG01\t1\n\nENSG02\t2\n")
    with pytest.raises(ValueError, match=r"line 3: the line is blank"):
        read_expression_table(path)
    path.write_text("gene_id\tE003\n")
    with pytest.raises(ValueError, match="header but no rows"):
        read_expression_table(path)
    path.write_text("")
    with pytest.raises(ValueError, match="empty"):
        read_expression_table(path)
    with pytest.raises(FileNotFoundError, match="absent.tsv"):
        read_expression_table(tmp_path / "absent.tsv")


def test_strip_version_keeps_par_y_distinct():
    ids = ["ENSG00000141510.17", "ENSG00000002586.20_PAR_Y", "000003", "ENST1.2.3"]
    assert strip_version(ids).tolist() == [
        "ENSG00000141510", "ENSG00000002586.20_PAR_Y", "000003", "ENST1.2",
    ]


def test_align_tolerates_versions_on_either_side(rpkm_pc, capsys):
    e003 = read_expression_table(rpkm_pc, epigenome="E003")
    ids = ["ENSG00000141510", "ENSG00000000005.6", "ENSG00000000003.15", "ENSG99",
           "ENSG00000000005"]
    aligned = align_expression(ids, e003, verbose=True)
    np.testing.assert_array_equal(aligned.expression[:3], [40.0, 0.1, 17.2])
    assert np.isnan(aligned.expression[3]) and aligned.expression[4] == 0.1
    assert aligned["values"] is aligned.expression
    assert aligned.matched.tolist() == [True, True, True, False, True]
    assert (aligned.n_matched, aligned.n_total) == (4, 5)
    assert aligned.unmatched_ids.tolist() == ["ENSG99"]
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "matched 4 of 5 genes" in out
    # silent by default
    align_expression(ids, e003)
    assert capsys.readouterr().out == ""


def test_align_exact_match_wins_and_ambiguity_is_an_error():
    table = pd.Series({"ENSG1.1": 1.0, "ENSG1.2": 2.0, "ENSG2": 3.0})
    assert align_expression(["ENSG1.2"], table).expression.tolist() == [2.0]
    with pytest.raises(ValueError, match=r"'ENSG1' matches several .*\['ENSG1.1', 'ENSG1.2'\]"):
        align_expression(["ENSG1"], table)
    assert align_expression(["ENSG2.9"], {"ENSG2": 3.0}).expression.tolist() == [3.0]
    with pytest.raises(ValueError, match="expression values must be numeric"):
        align_expression(["ENSG2"], {"ENSG2": "high"})


def test_align_nothing_matches_shows_examples():
    with pytest.raises(ValueError) as info:
        align_expression(["000003", "000005"], pd.Series({"ENSG01": 1.0, "ENSG02": 2.0}))
    msg = str(info.value)
    assert "none of the 2 gene ids" in msg and "'000003'" in msg and "'ENSG01'" in msg


def test_binarize_median_is_strict_as_in_the_paper():
    values = np.array([1.0, 2.0, 2.0, 3.0, 10.0])  # median 2: ties are "low"
    labels = binarize_expression(values)
    assert labels.dtype == np.int64 and labels.tolist() == [0, 0, 0, 1, 1]
    labels, cut = binarize_expression(values, ("quantile", 0.8), return_threshold=True)
    assert cut == pytest.approx(np.quantile(values, 0.8)) and labels.tolist() == [0, 0, 0, 0, 1]
    assert binarize_expression(values, 2.5).tolist() == [0, 0, 0, 1, 1]
    assert binarize_expression(values, ("quantile", 0.5)).tolist() == labels_of_median(values)


def labels_of_median(values):
    return [int(v > np.median(values)) for v in values]


def test_binarize_rejects_nan_and_bad_thresholds():
    with pytest.raises(ValueError, match=r"1 NaN value\(s\) \(first at gene 'g2'\)"):
        binarize_expression(pd.Series([1.0, np.nan], index=["g1", "g2"]))
    with pytest.raises(ValueError, match="first at position 0"):
        binarize_expression([np.nan, 1.0])
    with pytest.raises(ValueError, match=r"quantile in threshold must be in \(0, 1\)"):
        binarize_expression([1.0, 2.0], ("quantile", 1.5))
    with pytest.raises(ValueError, match="threshold must be 'median'"):
        binarize_expression([1.0, 2.0], "mean")
    with pytest.raises(ValueError, match="non-empty 1-D"):
        binarize_expression([])


def test_log_expression():
    np.testing.assert_allclose(log_expression([0.0, 1.0, 99.0]), np.log1p([0.0, 1.0, 99.0]))
    assert np.isnan(log_expression([np.nan]))[0]
    with pytest.raises(ValueError, match="position 1 holds -2.0"):
        log_expression([1.0, -2.0])
