"""Chromosome-name matching between an annotation and a track."""

import pytest

from skdeepchrome.genome.chromosomes import (
    chromosome_aliases,
    match_chromosomes,
    require_shared_chromosomes,
)


def test_aliases_cover_ucsc_and_ensembl_names():
    assert chromosome_aliases("chr1") == ("1",)
    assert chromosome_aliases("X") == ("chrX",)
    assert "MT" in chromosome_aliases("chrM")
    assert "chrM" in chromosome_aliases("MT")
    assert "chrM" in chromosome_aliases("chrMT")


def test_exact_names_win_over_aliases():
    # A file holding both spellings keeps the exact one.
    assert match_chromosomes(["chr1"], ["1", "chr1"]) == {"chr1": "chr1"}


def test_match_both_directions_and_missing_names_absent():
    assert match_chromosomes(["1", "MT", "Y"], ["chr1", "chrM"]) == {"1": "chr1", "MT": "chrM"}
    assert match_chromosomes(["chr1", "chrM"], ["1", "MT"]) == {"chr1": "1", "chrM": "MT"}
    assert match_chromosomes(["chrUn_x"], ["chr1"]) == {}


def test_no_shared_chromosome_is_a_clear_error():
    with pytest.raises(ValueError, match=r"a\.bam: the BAM file shares no chromosome") as info:
        require_shared_chromosomes({}, ["chr1", "chr2"], ["scaffold_1"], "a.bam", "BAM file")
    assert "'scaffold_1'" in str(info.value) and "'chr1'" in str(info.value)
    require_shared_chromosomes({"chr1": "1"}, ["chr1"], ["1"], "a.bw")  # no error
