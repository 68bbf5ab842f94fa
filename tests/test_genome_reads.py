"""count_reads: reads in TSS-window bins, by hand, against bedtools, and its file handling."""

import gzip
import os
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

pysam = pytest.importorskip("pysam")

from skdeepchrome.genome import count_reads, read_tss  # noqa: E402

needs_bedtools = pytest.mark.skipif(
    shutil.which("bedtools") is None,
    reason="bedtools not found (apt-get install bedtools): equivalence not checked",
)

CHROMS = [("chr1", 20_000), ("chr2", 15_037)]
FLAG_PAIRED, FLAG_PROPER, FLAG_UNMAPPED, FLAG_REVERSE = 0x1, 0x2, 0x4, 0x10
FLAG_SECONDARY, FLAG_QCFAIL, FLAG_DUP, FLAG_SUPPLEMENTARY = 0x100, 0x200, 0x400, 0x800


def genes(rows):
    return pd.DataFrame(rows, columns=["gene_id", "chrom", "tss", "strand"])


def write_bam(path, reads, chroms=CHROMS, sort=True, index=True):
    """reads: iterable of (chrom, start, cigar, flag, mapq); unsorted is fine."""
    header = {"HD": {"VN": "1.6", "SO": "unsorted"},
              "SQ": [{"SN": c, "LN": n} for c, n in chroms]}
    names = [c for c, _ in chroms]
    raw = path.with_suffix(".unsorted.bam") if sort else path
    with pysam.AlignmentFile(str(raw), "wb", header=header) as out:
        for i, (chrom, start, cigar, flag, mapq) in enumerate(reads):
            read = pysam.AlignedSegment()
            read.query_name = f"r{i}"
            read.reference_id = names.index(chrom)
            read.reference_start = start
            read.flag = flag
            read.mapping_quality = mapq
            if not flag & FLAG_UNMAPPED:
                read.cigarstring = cigar
                length = read.infer_query_length()
                read.query_sequence = "A" * length
                read.query_qualities = pysam.qualitystring_to_array("I" * length)
            out.write(read)
    if sort:
        pysam.sort("-o", str(path), str(raw))
        raw.unlink()
        if index:
            pysam.index(str(path))
    return path


def random_reads(rng, n=3000):
    cigars = ["36M", "50M", "10S40M", "20M300N30M", "30M5D20M", "25M3I25M", "5M", "40M2S"]
    reads = []
    for _ in range(n):
        chrom, length = CHROMS[int(rng.integers(0, 2))]
        cigar = cigars[int(rng.integers(0, len(cigars)))]
        start = int(rng.integers(0, length - 400))
        flag = FLAG_REVERSE * int(rng.random() < 0.5)
        r = rng.random()
        if r < 0.08:
            flag |= FLAG_DUP
        elif r < 0.14:
            flag |= FLAG_QCFAIL
        elif r < 0.18:
            flag |= FLAG_SECONDARY
        elif r < 0.21:
            flag |= FLAG_SUPPLEMENTARY
        if rng.random() < 0.5:
            flag |= FLAG_PAIRED | (FLAG_PROPER if rng.random() < 0.7 else 0)
        reads.append((chrom, start, cigar, flag, int(rng.integers(0, 61))))
    # Reads at both chromosome ends.
    reads += [("chr1", 0, "50M", 0, 60), ("chr1", 19_950, "50M", FLAG_REVERSE, 60),
              ("chr2", 14_987, "50M", 0, 60), ("chr2", 3, "20M", FLAG_REVERSE, 60)]
    return reads


def random_genes(rng, n=40):
    rows = [("edge0", "chr1", 0, "+"), ("edge1", "chr1", 0, "-"), ("edge2", "chr1", 19_999, "-"),
            ("edge3", "chr1", 19_999, "+"), ("edge4", "chr2", 15_036, "+"),
            ("edge5", "chr2", 120, "-")]
    for i in range(n):
        chrom, length = CHROMS[i % 2]
        rows.append((f"g{i:02d}", chrom, int(rng.integers(0, length)), "+-"[i % 3 == 0]))
    return genes(rows)


@pytest.fixture(scope="module")
def fixture(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reads")
    rng = np.random.default_rng(7)
    reads = random_reads(rng)
    bam = write_bam(tmp / "reads.bam", reads)
    return tmp, reads, bam, random_genes(rng)


def bins_bed(path, table, flank, bin_size, lengths):
    """Every bin of every window as BED (clipped to the chromosome), plus where it goes."""
    n_bins = 2 * flank // bin_size
    lines, where = [], []
    for g, row in enumerate(table.itertuples()):
        left = row.tss - flank + (row.strand == "-")
        for b in range(n_bins):
            start, end = left + b * bin_size, left + (b + 1) * bin_size
            start, end = max(start, 0), min(end, lengths[row.chrom])
            if start >= end:
                continue  # entirely off the chromosome: no read can be there
            column = n_bins - 1 - b if row.strand == "-" else b
            lines.append(f"{row.chrom}\t{start}\t{end}\t{g}_{column}\n")
            where.append((g, column))
    path.write_text("".join(lines))
    return where


def bedtools_counts(cmd, table, flank, bin_size, where):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    counts = np.zeros((len(table), 2 * flank // bin_size), dtype=np.float32)
    lines = out.strip().split("\n")
    assert len(lines) == len(where)
    for line, (g, column) in zip(lines, where):
        fields = line.split("\t")
        assert fields[3] == f"{g}_{column}"
        counts[g, column] = float(fields[-1])
    return counts


# ---------------------------------------------------------------------------------------


def test_hand_checked_counts_and_strands(tmp_path):
    reads = [
        ("chr1", 950, "36M", 0, 60),      # [950, 986): + gene bin 1
        ("chr1", 990, "36M", 16, 60),     # [990, 1026): bins 1 and 2 (1-bp overlap counts)
        ("chr1", 1099, "1M", 0, 60),      # [1099, 1100): bin 2 only (half-open)
        ("chr1", 1100, "10M1000N10M", 0, 60),  # spliced: spans [1100, 2120) -> bin 3
    ]
    bam = write_bam(tmp_path / "a.bam", reads)
    table = genes([("P", "chr1", 1000, "+"), ("M", "chr1", 999, "-")])
    result = count_reads(table, {"H3K27me3": bam}, flank=200, bin_size=100, progress=False)
    # P window [800, 1200); M window [800, 1200) reversed.
    np.testing.assert_array_equal(result.data, [[0, 2, 2, 1], [1, 2, 2, 0]])
    assert result.data.dtype == np.float32
    assert result.marks == ("H3K27me3",)
    assert result.statistic == "count" and result.mode == "overlap"
    assert result.gene_ids.tolist() == ["P", "M"]


def test_five_prime_mode_with_shift(tmp_path):
    reads = [("chr1", 950, "36M", 0, 60),    # 5' end 950 (+); shifted 100 -> 1050
             ("chr1", 990, "36M", 16, 60)]   # 5' end 1025 (-); shifted 100 -> 925
    bam = write_bam(tmp_path / "a.bam", reads)
    table = genes([("P", "chr1", 1000, "+")])
    plain = count_reads(table, {"a": bam}, flank=200, mode="5prime", progress=False)
    np.testing.assert_array_equal(plain.data, [[0, 1, 1, 0]])
    shifted = count_reads(table, {"a": bam}, flank=200, mode="5prime", shift=100,
                          progress=False)
    np.testing.assert_array_equal(shifted.data, [[0, 1, 1, 0]])
    far = count_reads(table, {"a": bam}, flank=200, mode="5prime", shift=-200, progress=False)
    # 950 - 200 = 750 (outside), 1025 + 200 = 1225 (outside)
    np.testing.assert_array_equal(far.data, [[0, 0, 0, 0]])


def naive_five_prime(reads, table, flank, bin_size, shift, lengths):
    n_bins = 2 * flank // bin_size
    out = np.zeros((len(table), n_bins), dtype=np.float32)
    ends = {}
    for chrom, start, cigar, flag, _ in reads:
        if flag & (FLAG_UNMAPPED | FLAG_DUP | FLAG_QCFAIL):
            continue
        seg = pysam.AlignedSegment()
        seg.reference_start, seg.cigarstring = start, cigar
        end = seg.reference_end
        five = end - 1 - shift if flag & FLAG_REVERSE else start + shift
        ends.setdefault(chrom, []).append(five)
    for g, row in enumerate(table.itertuples()):
        left = row.tss - flank + (row.strand == "-")
        for p in ends.get(row.chrom, []):
            b = (p - left) // bin_size
            if 0 <= p - left < 2 * flank:
                out[g, n_bins - 1 - b if row.strand == "-" else b] += 1
    return out


@pytest.mark.parametrize("shift", [0, 73, -40])
def test_five_prime_mode_equals_a_naive_count(fixture, shift):
    _, reads, bam, table = fixture
    result = count_reads(table, {"a": bam}, flank=1000, bin_size=100, mode="5prime",
                         shift=shift, progress=False)
    expected = naive_five_prime(reads, table, 1000, 100, shift, dict(CHROMS))
    np.testing.assert_array_equal(result.data, expected)


@needs_bedtools
@pytest.mark.parametrize(
    "kwargs, options",
    [
        ({}, []),
        ({"min_mapq": 30}, ["-q", "30"]),
        ({"keep_duplicates": True, "keep_qcfail": True}, ["-D", "-F"]),
        ({"proper_pairs": True}, ["-p"]),
    ],
)
def test_bam_equals_bedtools_multicov(fixture, kwargs, options):
    tmp, _, bam, table = fixture
    where = bins_bed(tmp / "bins.bed", table, 1000, 100, dict(CHROMS))
    expected = bedtools_counts(
        ["bedtools", "multicov", *options, "-bams", str(bam), "-bed", str(tmp / "bins.bed")],
        table, 1000, 100, where)
    result = count_reads(table, {"a": bam}, flank=1000, bin_size=100, progress=False, **kwargs)
    assert expected.sum() > 500  # the fixture is not trivially empty
    np.testing.assert_array_equal(result.data, expected)


@needs_bedtools
def test_unmapped_reads_are_never_counted_unlike_multicov(tmp_path):
    # The one documented difference: bedtools 2.30 multicov counts an unmapped read placed
    # at its mate's position (no CIGAR) in the bin holding that position; we never count
    # unmapped reads.
    reads = [("chr1", 1000, "50M", 0, 60), ("chr1", 1010, None, FLAG_UNMAPPED | FLAG_PAIRED, 0)]
    bam = write_bam(tmp_path / "a.bam", reads)
    table = genes([("G", "chr1", 1000, "+")])
    where = bins_bed(tmp_path / "bins.bed", table, 100, 100, dict(CHROMS))
    multicov = bedtools_counts(
        ["bedtools", "multicov", "-bams", str(bam), "-bed", str(tmp_path / "bins.bed")],
        table, 100, 100, where)
    np.testing.assert_array_equal(multicov, [[0, 2]])
    ours = count_reads(table, {"a": bam}, flank=100, bin_size=100, progress=False)
    np.testing.assert_array_equal(ours.data, [[0, 1]])


def write_tagalign(path, reads, compress=False):
    lines = []
    for chrom, start, cigar, flag, _ in reads:
        if flag & (FLAG_UNMAPPED | FLAG_SECONDARY | FLAG_SUPPLEMENTARY):
            continue
        seg = pysam.AlignedSegment()
        seg.reference_start, seg.cigarstring = start, cigar
        strand = "-" if flag & FLAG_REVERSE else "+"
        lines.append(f"{chrom}\t{start}\t{seg.reference_end}\tN\t1000\t{strand}\n")
    opener = gzip.open if compress else open
    with opener(path, "wt") as fh:
        fh.write("".join(lines))
    return path


@needs_bedtools
@pytest.mark.parametrize("compress", [False, True])
def test_tagalign_equals_bedtools_intersect_c(fixture, compress):
    tmp, reads, _, table = fixture
    tag = write_tagalign(tmp / ("reads.tagAlign" + (".gz" if compress else "")), reads,
                         compress)
    where = bins_bed(tmp / "bins.bed", table, 1000, 100, dict(CHROMS))
    expected = bedtools_counts(
        ["bedtools", "intersect", "-a", str(tmp / "bins.bed"), "-b", str(tag), "-c"],
        table, 1000, 100, where)
    result = count_reads(table, {"a": tag}, flank=1000, bin_size=100, progress=False)
    assert expected.sum() > 500
    np.testing.assert_array_equal(result.data, expected)


def test_bam_and_tagalign_of_the_same_reads_agree(fixture):
    tmp, reads, bam, table = fixture
    kept = [r for r in reads if not r[3] & (FLAG_DUP | FLAG_QCFAIL)]
    tag = write_tagalign(tmp / "same.tagAlign", kept)
    primary = [r for r in reads if not r[3] & (FLAG_SECONDARY | FLAG_SUPPLEMENTARY)]
    bam2 = write_bam(tmp / "primary.bam", primary)
    a = count_reads(table, {"bam": bam2, "tag": tag}, flank=500, bin_size=50, progress=False)
    X3 = a.data.reshape(len(table), 2, -1)
    np.testing.assert_array_equal(X3[:, 0], X3[:, 1])
    for mode in ({"mode": "5prime", "shift": 60},):
        b = count_reads(table, {"bam": bam2, "tag": tag}, flank=500, bin_size=50,
                        progress=False, **mode)
        X3 = b.data.reshape(len(table), 2, -1)
        np.testing.assert_array_equal(X3[:, 0], X3[:, 1])


def test_annotation_path_and_chromosome_aliases(tmp_path):
    bam = write_bam(tmp_path / "a.bam", [("chr1", 100, "50M", 0, 60)])
    gtf = tmp_path / "genes.gtf"
    gtf.write_text('1\ts\tgene\t101\t200\t.\t+\t.\tgene_id "G"; gene_type "protein_coding";\n')
    result = count_reads(gtf, {"a": bam}, flank=100, bin_size=100, progress=False)
    np.testing.assert_array_equal(result.data, [[0, 1]])
    assert read_tss(gtf)["tss"].tolist() == [100]


def test_missing_chromosome_warns_and_gives_zeros(tmp_path):
    bam = write_bam(tmp_path / "a.bam", [("chr1", 100, "50M", 0, 60)])
    table = genes([("G", "chr1", 100, "+"), ("U", "chrUn", 10, "+")])
    with pytest.warns(UserWarning, match=r"reads file has no chromosome \['chrUn'\]"):
        result = count_reads(table, {"a": bam}, flank=100, bin_size=100, progress=False)
    np.testing.assert_array_equal(result.data, [[0, 1], [0, 0]])
    assert result.missing_chromosomes == {"a": ["chrUn"]}


def test_bam_without_index_gets_one(tmp_path):
    bam = write_bam(tmp_path / "noindex.bam", [("chr1", 100, "50M", 0, 60)], index=False)
    assert not os.path.exists(str(bam) + ".bai")
    table = genes([("G", "chr1", 100, "+")])
    result = count_reads(table, {"a": bam}, flank=100, bin_size=100, progress=False)
    np.testing.assert_array_equal(result.data, [[0, 1]])
    assert os.path.exists(str(bam) + ".bai")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root can write to read-only folders")
def test_bam_without_index_in_a_read_only_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    bam = write_bam(folder / "a.bam", [("chr1", 100, "50M", 0, 60)], index=False)
    folder.chmod(0o555)
    try:
        with pytest.raises(ValueError, match=r"has no index .* not writable.*samtools index"):
            count_reads(genes([("G", "chr1", 100, "+")]), {"a": bam}, progress=False)
    finally:
        folder.chmod(0o755)


def test_read_only_folder_message(tmp_path, monkeypatch):
    # The same check without relying on file permissions (tests may run as root).
    bam = write_bam(tmp_path / "a.bam", [("chr1", 100, "50M", 0, 60)], index=False)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(ValueError, match=r"a\.bam has no index and its folder .* `samtools index"):
        count_reads(genes([("G", "chr1", 100, "+")]), {"a": bam}, progress=False)


def test_unsorted_bam_without_index_is_a_clear_error(tmp_path):
    reads = [("chr1", 5000, "50M", 0, 60), ("chr1", 100, "50M", 0, 60)]
    bam = write_bam(tmp_path / "unsorted.bam", reads, sort=False)
    with pytest.raises(ValueError, match=r"unsorted\.bam has no index and indexing it failed"):
        count_reads(genes([("G", "chr1", 100, "+")]), {"a": bam}, progress=False)


def test_bad_reads_files(tmp_path):
    table = genes([("G", "chr1", 100, "+")])
    with pytest.raises(FileNotFoundError, match=r"The a file .*none\.bam does not exist"):
        count_reads(table, {"a": tmp_path / "none.bam"}, progress=False)
    bad = tmp_path / "bad.tagAlign"
    bad.write_text("chr1\t10\t46\tN\t1000\t+\nchr1\t50\t40\tN\t1000\t+\n")
    with pytest.raises(ValueError, match=r"bad\.tagAlign, data row 2 .*0 <= start < end"):
        count_reads(table, {"a": bad}, progress=False)
    bed3 = tmp_path / "reads.bed"
    bed3.write_text("chr1\t10\t46\n")
    with pytest.raises(ValueError, match=r"reads\.bed: mode='5prime' needs each read's strand"):
        count_reads(table, {"a": bed3}, mode="5prime", progress=False)
    other = tmp_path / "other.bed"
    other.write_text("scaffold\t10\t46\n")
    with pytest.raises(ValueError, match=r"other\.bed: the reads file shares no chromosome"):
        count_reads(table, {"a": other}, progress=False)
    fake = tmp_path / "fake.bam"
    with gzip.open(fake, "wb") as fh:
        fh.write(b"BAM\x01garbage")
    with pytest.raises(ValueError, match=r"fake\.bam"):
        count_reads(table, {"a": fake}, progress=False)


def test_bed_filters_warn(tmp_path):
    tag = tmp_path / "r.tagAlign"
    tag.write_text("chr1\t100\t136\tN\t1000\t+\n")
    table = genes([("G", "chr1", 100, "+")])
    with pytest.warns(UserWarning, match="apply to BAM files only"):
        result = count_reads(table, {"a": tag}, flank=100, min_mapq=30, progress=False)
    assert result.data.sum() == 1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"mode": "center"}, "mode must be one of"),
        ({"shift": 10}, r"shift=10 only applies with mode='5prime'"),
        ({"mode": "5prime", "shift": 1.5}, "shift must be an integer"),
        ({"min_mapq": -1}, "min_mapq must be a non-negative integer"),
        ({"flank": 150}, "flank=150 is not a multiple of bin_size=100"),
    ],
)
def test_bad_parameters(tmp_path, kwargs, match):
    tag = tmp_path / "r.tagAlign"
    tag.write_text("chr1\t100\t136\tN\t1000\t+\n")
    with pytest.raises(ValueError, match=match):
        count_reads(genes([("G", "chr1", 100, "+")]), {"a": tag}, progress=False, **kwargs)


def test_parallel_tasks_land_in_the_right_rows(fixture, monkeypatch):
    from joblib import parallel_config

    import skdeepchrome.genome._reads as reads_module

    _, _, bam, table = fixture
    serial = count_reads(table, {"a": bam, "b": bam}, flank=1000, progress=False)
    monkeypatch.setattr(reads_module, "split_tasks",
                        lambda chunks, max_windows: [[c] for c in chunks])
    with parallel_config(backend="threading"):
        parallel = count_reads(table, {"a": bam, "b": bam}, flank=1000, n_jobs=2,
                               progress=False)
    np.testing.assert_array_equal(serial.data, parallel.data)


def test_missing_pysam_says_how_to_install(monkeypatch, tmp_path):
    import sys

    from skdeepchrome.genome._reads import import_pysam

    bam = write_bam(tmp_path / "a.bam", [("chr1", 100, "50M", 0, 60)])
    monkeypatch.setitem(sys.modules, "pysam", None)
    with pytest.raises(ImportError, match=r'the "genomics" extra: pip install -e "\.\[genomics\]"'):
        import_pysam()
    with pytest.raises(ImportError, match=r'pip install -e "\.\[genomics\]"'):
        count_reads(genes([("G", "chr1", 100, "+")]), {"a": bam}, progress=False)
