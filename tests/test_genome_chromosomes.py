"""Chromosome-name matching between an annotation and a track."""

import pytest

from skdeepchrome.genome import chromosome_aliases, match_chromosomes
from skdeepchrome.genome._chromosomes import require_shared_chromosomes


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


def test_assembly_is_named_from_chr1_and_mixed_assemblies_are_refused():
    from skdeepchrome.genome._chromosomes import assembly_of, require_same_assembly

    assert assembly_of({"chr1": 249_250_621}) == "hg19/GRCh37"
    assert assembly_of({"1": 195_471_971}) == "mm10/GRCm38"
    assert assembly_of({"chr2": 5}) is None
    # Unknown assemblies and harmless differences (UCSC chrM vs GRCh37 MT) pass.
    require_same_assembly({"a.bw": {"chr1": 10, "chr2": 5}, "b.bw": {"1": 11, "3": 7}})
    require_same_assembly({"a.bw": {"chr1": 249_250_621, "chrM": 16571},
                           "b.bam": {"1": 249_250_621, "MT": 16569}})
    with pytest.raises(ValueError, match=r"b.bam: chromosome 'chr1' is 195471971 bp here, "
                       r"which looks like mm10/GRCm38, but 'chr1' is 249250621 bp in a.bam, "
                       r"which looks like hg19/GRCh37; every BAM file must come from"):
        require_same_assembly({"a.bam": {"chr1": 249_250_621}, "b.bam": {"chr1": 195_471_971}},
                              "BAM file")
