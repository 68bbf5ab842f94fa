"""extract_signal: bigWig signal in TSS windows, checked by hand, against a naive reference
and against deeptools computeMatrix."""

import gzip
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pyBigWig = pytest.importorskip("pyBigWig")

from skdeepchrome.genome import extract_signal, read_tss  # noqa: E402
from skdeepchrome.layout import feature_names  # noqa: E402


def write_bigwig(path, chroms, entries):
    """entries: {chrom: (starts, ends, values)}, sorted, non-overlapping."""
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader(list(chroms))
    for chrom, _ in chroms:
        if chrom in entries:
            starts, ends, values = entries[chrom]
            bw.addEntries([chrom] * len(starts), [int(s) for s in starts],
                          ends=[int(e) for e in ends], values=[float(v) for v in values])
    bw.close()
    return path


def genes(rows):
    return pd.DataFrame(rows, columns=["gene_id", "chrom", "tss", "strand"])


@pytest.fixture
def tiny(tmp_path):
    # chr1 is 1050 bp: its last 100-bp bin is half off the chromosome.
    track = write_bigwig(tmp_path / "k4.bw", [("chr1", 1050)],
                         {"chr1": ([100, 1000], [150, 1050], [4.0, 1.0])})
    table = genes([("P", "chr1", 200, "+"), ("M", "chr1", 99, "-"), ("E", "chr1", 1000, "+")])
    return table, track


def test_hand_checked_windows_strands_and_chromosome_ends(tiny):
    table, track = tiny
    result = extract_signal(table, {"H3K4me3": track}, flank=200, bin_size=100, progress=False)
    # P (+, TSS 200): window [0, 400); bases 100-149 hold 4, 150-199 no data -> mean 2.
    # M (-, TSS 99): window [-100, 300) reversed; [100, 200) is its first upstream bin's
    #   neighbour: bins run [200,300), [100,200), [0,100), [-100,0).
    # E (+, TSS 1000): [1000, 1100) has 50 bases of 1.0 and 50 bases past the end -> 0.5.
    expected = np.array([[0, 2, 0, 0], [0, 2, 0, 0], [0, 0, 0.5, 0]], dtype=np.float32)
    np.testing.assert_array_equal(result.data, expected)
    assert result.data.dtype == np.float32
    assert result.gene_ids.tolist() == ["P", "M", "E"]
    assert result.marks == ("H3K4me3",)
    assert result.feature_names.tolist() == feature_names(["H3K4me3"], 4).tolist()
    assert (result.flank, result.bin_size, result.n_bins, result.statistic) == (200, 100, 4,
                                                                                "mean")
    assert result.files == {"H3K4me3": str(track)}
    assert result.tss["gene_id"].tolist() == ["P", "M", "E"]


@pytest.mark.parametrize(
    "statistic, expected",
    [
        ("sum", [[0, 200, 0, 0], [0, 200, 0, 0], [0, 0, 50, 0]]),
        ("max", [[0, 4, 0, 0], [0, 4, 0, 0], [0, 0, 1, 0]]),
        ("min", [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]),
        ("coverage", [[0, 0.5, 0, 0], [0, 0.5, 0, 0], [0, 0, 0.5, 0]]),
    ],
)
def test_statistics_count_missing_data_as_zero(tiny, statistic, expected):
    table, track = tiny
    result = extract_signal(table, {"a": track}, flank=200, bin_size=100, statistic=statistic,
                            progress=False)
    np.testing.assert_array_equal(result.data, np.asarray(expected, dtype=np.float32))


def test_min_of_a_fully_covered_bin_is_its_minimum(tmp_path):
    track = write_bigwig(tmp_path / "a.bw", [("chr1", 400)],
                         {"chr1": ([0, 50], [50, 400], [3.0, 2.0])})
    table = genes([("G", "chr1", 100, "+")])
    result = extract_signal(table, {"a": track}, flank=100, bin_size=100, statistic="min",
                            progress=False)
    np.testing.assert_array_equal(result.data, [[2.0, 2.0]])


def test_marks_are_mark_major_in_the_given_order(tmp_path):
    a = write_bigwig(tmp_path / "a.bw", [("chr1", 1000)], {"chr1": ([0], [1000], [1.0])})
    b = write_bigwig(tmp_path / "b.bw", [("chr1", 1000)], {"chr1": ([0], [1000], [7.0])})
    table = genes([("G", "chr1", 500, "+")])
    result = extract_signal(table, {"B": b, "A": a}, flank=200, bin_size=100, progress=False)
    np.testing.assert_array_equal(result.data, [[7, 7, 7, 7, 1, 1, 1, 1]])
    assert result.marks == ("B", "A")
    assert result.feature_names[4] == "A_bin000"


def test_chromosome_names_are_harmonised(tmp_path):
    track = write_bigwig(tmp_path / "a.bw", [("chr1", 1000), ("chrM", 500)],
                         {"chr1": ([0], [1000], [1.0]), "chrM": ([0], [500], [3.0])})
    table = genes([("G", "1", 500, "+"), ("H", "MT", 100, "-")])
    result = extract_signal(table, {"a": track}, flank=100, bin_size=100, progress=False)
    np.testing.assert_array_equal(result.data, [[1, 1], [3, 3]])


def test_genes_on_a_chromosome_the_track_lacks_get_zeros_and_a_warning(tmp_path):
    track = write_bigwig(tmp_path / "a.bw", [("chr1", 1000)], {"chr1": ([0], [1000], [1.0])})
    table = genes([("G", "chr1", 500, "+"), ("U", "chrUn", 100, "+")])
    with pytest.warns(UserWarning, match=r"no chromosome \['chrUn'\]: the 1 gene\(s\) there"):
        result = extract_signal(table, {"a": track}, flank=100, bin_size=100, progress=False)
    np.testing.assert_array_equal(result.data, [[1, 1], [0, 0]])
    assert result.missing_chromosomes == {"a": ["chrUn"]}


def test_annotation_path_is_read_with_read_tss(tmp_path):
    track = write_bigwig(tmp_path / "a.bw", [("chr1", 1000)],
                         {"chr1": ([400], [500], [2.0])})
    bed = tmp_path / "genes.bed"
    bed.write_text("chr1\t400\t450\tP\t0\t+\nchr1\t450\t500\tM\t0\t-\n")
    result = extract_signal(bed, {"a": track}, flank=100, bin_size=100, progress=False)
    # Both genes start inside the marked stretch, so both see it downstream of the TSS.
    np.testing.assert_array_equal(result.data, [[0, 2], [0, 2]])


def test_progress_bar_goes_to_stderr(tiny, capfd):
    table, track = tiny
    extract_signal(table, {"a": track}, flank=200, bin_size=100, progress=True)
    assert "bigWig" in capfd.readouterr().err
    extract_signal(table, {"a": track}, flank=200, bin_size=100, progress=False)
    assert capfd.readouterr().err == ""


# ---------------------------------------------------------------------------------------
# A randomised fixture: variable-size intervals with gaps, genes on both strands, near both
# chromosome ends, dense clusters (windows read together) and isolated genes.

CHROMS = [("chr1", 60_000), ("chr2", 35_050)]


def random_entries(rng, length, quantized=True):
    n = length // 30
    lengths = rng.integers(1, 120, n)
    gaps = rng.integers(0, 300, n) * (rng.random(n) < 0.2)
    starts = np.cumsum(np.concatenate([[0], (lengths + gaps)[:-1]])) + int(rng.integers(0, 50))
    ends = starts + lengths
    keep = ends <= length
    values = rng.gamma(1.0, 2.0, n)
    if quantized:  # on a 1/8 grid every sum is exact, in any order and in text output
        values = np.round(values * 8) / 8
    return starts[keep], ends[keep], values[keep]


def random_tracks(tmp_path, seed=0):
    rng = np.random.default_rng(seed)
    paths = {}
    for name, quantized in (("q1", True), ("q2", True), ("f1", False)):
        entries = {c: random_entries(rng, length, quantized) for c, length in CHROMS}
        paths[name] = write_bigwig(tmp_path / f"{name}.bw", CHROMS, entries)
    return paths


def random_genes_bed(path, seed=0, n=80):
    rng = np.random.default_rng(seed)
    rows = [("chr1", 10, 500, "+"), ("chr1", 0, 2000, "-"), ("chr1", 150, 900, "-"),
            ("chr1", 59_000, 60_000, "+"), ("chr1", 58_000, 60_000, "-"),
            ("chr1", 59_990, 60_000, "+"), ("chr2", 34_000, 35_050, "-"),
            ("chr2", 35_000, 35_049, "+"), ("chr2", 0, 1, "+"), ("chr2", 0, 1, "-")]
    rows += [("chr1", 30_000 + 7 * i, 31_000 + 7 * i, "+-"[i % 2]) for i in range(6)]
    for i in range(n):
        chrom, length = CHROMS[i % 2]
        start = int(rng.integers(0, length - 10))
        end = int(min(length, start + rng.integers(1, 8000)))
        rows.append((chrom, start, end, "+-"[int(rng.integers(0, 2))]))
    with open(path, "w") as fh:
        for i, (chrom, start, end, strand) in enumerate(rows):
            fh.write(f"{chrom}\t{start}\t{end}\tgene{i:03d}\t0\t{strand}\n")
    return path


def naive_signal(table, path, flank, bin_size, statistic):
    """One bigWig query per gene, padded by hand: the reference for the chunked reader."""
    bw = pyBigWig.open(str(path))
    n_bins = 2 * flank // bin_size
    out = np.zeros((len(table), n_bins))
    for i, row in enumerate(table.itertuples()):
        left = row.tss - flank + (row.strand == "-")
        window = np.full(2 * flank, np.nan)
        length = bw.chroms(row.chrom)
        a, b = max(left, 0), min(left + 2 * flank, length)
        if a < b:
            window[a - left:b - left] = bw.values(row.chrom, a, b)
        bins = window.reshape(n_bins, bin_size)
        if statistic == "coverage":
            values = np.isfinite(bins).mean(axis=1)
        else:
            values = getattr(np, statistic)(np.nan_to_num(bins), axis=1)
        out[i] = values[::-1] if row.strand == "-" else values
    bw.close()
    return out.astype(np.float32)


@pytest.fixture(scope="module")
def random_fixture(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("bigwig")
    tracks = random_tracks(tmp_path)
    bed = random_genes_bed(tmp_path / "genes.bed")
    return tracks, bed


@pytest.mark.parametrize("statistic", ["mean", "sum", "max", "min", "coverage"])
def test_chunked_reader_equals_a_naive_per_gene_reader(random_fixture, statistic):
    tracks, bed = random_fixture
    table = read_tss(bed)
    result = extract_signal(table, {"q1": tracks["q1"], "f1": tracks["f1"]}, flank=1000,
                            bin_size=50, statistic=statistic, progress=False)
    X3 = result.data.reshape(len(table), 2, -1)
    np.testing.assert_array_equal(X3[:, 0], naive_signal(table, tracks["q1"], 1000, 50,
                                                         statistic))
    np.testing.assert_allclose(X3[:, 1], naive_signal(table, tracks["f1"], 1000, 50, statistic),
                               rtol=2e-7, atol=0)


def test_parallel_tasks_land_in_the_right_rows(random_fixture, monkeypatch):
    from joblib import parallel_config

    import skdeepchrome.genome._bigwig as bigwig

    tracks, bed = random_fixture
    table = read_tss(bed)
    serial = extract_signal(table, tracks, flank=1000, bin_size=100, progress=False)
    # Tiny tasks and chunks: many tasks, run out of order by two threads.
    monkeypatch.setattr(bigwig, "split_tasks", lambda chunks: [[c] for c in chunks])
    monkeypatch.setattr(bigwig, "SERIAL_BELOW", 0)  # parallel, however small
    monkeypatch.setattr(bigwig, "plan_chunks",
                        lambda starts, width: [(i, i + 1) for i in range(len(starts))])
    with parallel_config(backend="threading"):
        parallel = extract_signal(table, tracks, flank=1000, bin_size=100, n_jobs=2,
                                  progress=False)
    np.testing.assert_array_equal(serial.data, parallel.data)


# ---------------------------------------------------------------------------------------
# Errors


def test_missing_and_corrupt_files_are_named(tiny, tmp_path):
    table, track = tiny
    with pytest.raises(FileNotFoundError, match=r"The H3K4me3 file .*nope\.bw does not exist"):
        extract_signal(table, {"H3K4me3": tmp_path / "nope.bw"}, progress=False)
    bad = tmp_path / "bad.bw"
    bad.write_bytes(b"not a bigwig at all")
    with pytest.raises(ValueError, match=r"bad\.bw: not a readable bigWig file"):
        extract_signal(table, {"a": bad}, progress=False)
    truncated = tmp_path / "truncated.bw"
    truncated.write_bytes(track.read_bytes()[:200])
    with pytest.raises(ValueError, match=r"truncated\.bw: not a readable bigWig file"):
        extract_signal(table, {"a": truncated}, progress=False)


def test_track_sharing_no_chromosome_is_an_error(tmp_path):
    track = write_bigwig(tmp_path / "mouse.bw", [("scaffold_9", 1000)], {})
    table = genes([("G", "chr1", 10, "+")])
    with pytest.raises(ValueError, match=r"mouse\.bw: the track shares no chromosome"):
        extract_signal(table, {"a": track}, flank=100, bin_size=100, progress=False)


def test_tss_beyond_the_chromosome_end_is_an_error(tiny):
    _, track = tiny
    table = genes([("FAR", "chr1", 5000, "+")])
    with pytest.raises(ValueError, match=r"k4\.bw: gene 'FAR' has its TSS at chr1:5000 .*beyond"):
        extract_signal(table, {"a": track}, flank=100, bin_size=100, progress=False)


def test_tracks_of_two_assemblies_are_an_error(tmp_path):
    hg19 = write_bigwig(tmp_path / "E003-H3K4me3.bw", [("chr1", 249_250_621)], {})
    hg38 = write_bigwig(tmp_path / "E003-H3K27me3.bw", [("1", 248_956_422)], {})
    table = genes([("G", "chr1", 10_000, "+")])
    with pytest.raises(ValueError, match=r"E003-H3K27me3\.bw: chromosome '1' is 248956422 bp "
                       r"here, which looks like hg38/GRCh38, but 'chr1' is 249250621 bp in "
                       r".*E003-H3K4me3\.bw, which looks like hg19/GRCh37"):
        extract_signal(table, {"H3K4me3": hg19, "H3K27me3": hg38}, flank=100, bin_size=100,
                       progress=False)


ROADMAP = Path(__file__).resolve().parents[2] / "shared" / "data" / "roadmap"


@pytest.mark.skipif(not (ROADMAP / "gencode.v10.genes.gtf.gz").is_file(),
                    reason="shared Roadmap data absent")
def test_real_hg19_annotation_on_an_hg38_track_names_the_assembly(tmp_path):
    # GENCODE v10 is hg19; an hg38 chr1 is 294 kb shorter, so hg19 genes near its end fall
    # beyond it. Ensembl-style names ('1') are matched to GENCODE's 'chr1' on the way.
    track = write_bigwig(tmp_path / "hg38.bw", [("1", 248_956_422)], {})
    tss = read_tss(ROADMAP / "gencode.v10.genes.gtf.gz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # genes on the other chromosomes get zeros
        with pytest.raises(ValueError, match=r"hg38\.bw: gene 'ENSG\d+\.\d+' has its TSS at "
                           r"chr1:\d+ .*different assemblies \(the file looks like "
                           r"hg38/GRCh38\)"):
            extract_signal(tss, {"H3K4me3": track}, flank=100, bin_size=100, progress=False)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"flank": 5050, "bin_size": 100}, r"flank=5050 is not a multiple of bin_size=100"),
        ({"flank": 0}, r"flank must be a positive integer"),
        ({"bin_size": 2.5}, r"bin_size must be a positive integer"),
        ({"statistic": "median"}, r"statistic must be one of"),
    ],
)
def test_bad_parameters(tiny, kwargs, match):
    table, track = tiny
    with pytest.raises(ValueError, match=match):
        extract_signal(table, {"a": track}, progress=False, **kwargs)


def test_bad_tss_tables(tiny):
    table, track = tiny
    with pytest.raises(ValueError, match=r"gene 'P' has strand '\.'"):
        extract_signal(table.assign(strand=["."] * 3), {"a": track}, progress=False)
    with pytest.raises(ValueError, match=r"gene_id 'P' appears more than once"):
        extract_signal(table.assign(gene_id="P"), {"a": track}, progress=False)
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['tss'\]"):
        extract_signal(table.drop(columns="tss"), {"a": track}, progress=False)
    with pytest.raises(ValueError, match="at least one mark"):
        extract_signal(table, {}, progress=False)


# ---------------------------------------------------------------------------------------
# deeptools computeMatrix reference-point, the tool users run today

needs_computematrix = pytest.mark.skipif(
    shutil.which("computeMatrix") is None,
    reason="deeptools computeMatrix not found (pip install deeptools): equivalence not checked",
)


def compute_matrix(tmp_path, bed, tracks, flank, bin_size, statistic):
    out = tmp_path / f"{statistic}_{flank}_{bin_size}.gz"
    subprocess.run(
        ["computeMatrix", "reference-point", "--referencePoint", "TSS", "-b", str(flank),
         "-a", str(flank), "--binSize", str(bin_size), "--averageTypeBins", statistic,
         "--missingDataAsZero", "-R", str(bed), "-S", *map(str, tracks), "-o", str(out),
         "-p", "1", "--quiet"],
        check=True, capture_output=True,
    )
    rows = {}
    with gzip.open(out, "rt") as fh:
        next(fh)  # the @{json} parameter line
        for line in fh:
            fields = line.rstrip("\n").split("\t")
            rows[fields[3]] = np.array(fields[6:], dtype=np.float64)
    return rows


@needs_computematrix
@pytest.mark.parametrize("statistic", ["mean", "sum", "max", "min"])
def test_equals_computematrix_exactly(random_fixture, tmp_path, statistic):
    tracks, bed = random_fixture
    # Unequal flank/bin combinations in one call each: (1000, 50) and (5000, 100).
    for flank, bin_size in ((1000, 50), (5000, 100)) if statistic == "mean" else ((1000, 50),):
        theirs = compute_matrix(tmp_path, bed, [tracks["q1"], tracks["q2"]], flank, bin_size,
                                statistic)
        ours = extract_signal(bed, {"q1": tracks["q1"], "q2": tracks["q2"]}, flank=flank,
                              bin_size=bin_size, statistic=statistic, progress=False)
        assert sorted(theirs) == sorted(ours.gene_ids.tolist())
        rows = {g: i for i, g in enumerate(ours.gene_ids)}
        expected = np.array([theirs[g] for g in ours.gene_ids]).astype(np.float32)
        # Values on a 1/8 grid: deeptools' 6-decimal text is exact, so equality is exact.
        np.testing.assert_array_equal(ours.data, expected)
        assert len(rows) == len(theirs)


@needs_computematrix
def test_equals_computematrix_to_float32_precision_on_arbitrary_values(random_fixture,
                                                                        tmp_path):
    tracks, bed = random_fixture
    theirs = compute_matrix(tmp_path, bed, [tracks["f1"]], 1000, 50, "mean")
    ours = extract_signal(bed, {"f1": tracks["f1"]}, flank=1000, bin_size=50, progress=False)
    expected = np.array([theirs[g] for g in ours.gene_ids])
    # computeMatrix prints "%f" (6 decimals, +/-5e-7); ours is float32 (relative 6e-8).
    np.testing.assert_allclose(ours.data, expected, rtol=np.finfo(np.float32).eps, atol=5e-7)


@needs_computematrix
def test_computematrix_drops_genes_whose_chromosome_a_track_lacks(tmp_path):
    # The documented difference: computeMatrix keeps only chromosomes every track has (with
    # equal lengths) and silently leaves the other genes out; we keep them with zeros.
    full = write_bigwig(tmp_path / "full.bw", [("chr1", 20_000), ("chr2", 20_000)],
                        {"chr1": ([0], [20_000], [1.0]), "chr2": ([0], [20_000], [2.0])})
    partial = write_bigwig(tmp_path / "partial.bw", [("chr1", 20_000)],
                           {"chr1": ([0], [20_000], [3.0])})
    bed = tmp_path / "genes.bed"
    bed.write_text("chr1\t5000\t6000\tA\t0\t+\nchr2\t5000\t6000\tB\t0\t-\n"
                   "chrUn\t5000\t6000\tC\t0\t+\n")
    theirs = compute_matrix(tmp_path, bed, [full, partial], 500, 100, "mean")
    assert sorted(theirs) == ["A"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ours = extract_signal(bed, {"full": full, "partial": partial}, flank=500, bin_size=100,
                              progress=False)
    assert len(caught) == 2  # chrUn for both tracks, chr2 for "partial"
    np.testing.assert_array_equal(ours.data[0], theirs["A"].astype(np.float32))
    np.testing.assert_array_equal(ours.data[1], [2] * 10 + [0] * 10)
    np.testing.assert_array_equal(ours.data[2], [0] * 20)


def test_missing_pybigwig_says_how_to_install(monkeypatch, tiny):
    from skdeepchrome.genome._bigwig_reader import import_pybigwig

    table, track = tiny
    monkeypatch.setitem(sys.modules, "pyBigWig", None)
    with pytest.raises(ImportError, match=r'the "genomics" extra: pip install -e "\.\[genomics\]"'):
        import_pybigwig()
    with pytest.raises(ImportError, match=r'pip install -e "\.\[genomics\]"'):
        extract_signal(table, {"a": track}, progress=False)


def test_genome_package_imports_without_the_genomics_extra():
    code = ("import sys; sys.modules['pyBigWig'] = None; sys.modules['pysam'] = None; "
            "import skdeepchrome.genome as g; print(sorted(g.__all__))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    assert "extract_signal" in out and "count_reads" in out


@needs_computematrix
def test_computematrix_drops_chromosomes_whose_length_differs_between_tracks(tmp_path):
    x = write_bigwig(tmp_path / "x.bw", [("chr1", 5000), ("chr2", 5000)],
                     {"chr1": ([0], [5000], [1.0]), "chr2": ([0], [5000], [2.0])})
    y = write_bigwig(tmp_path / "y.bw", [("chr1", 5000), ("chr2", 5001)],
                     {"chr1": ([0], [5000], [1.0]), "chr2": ([0], [5000], [2.0])})
    bed = tmp_path / "genes.bed"
    bed.write_text("chr1\t1000\t1200\tA\t0\t+\nchr2\t1100\t1300\tB\t0\t+\n")
    assert sorted(compute_matrix(tmp_path, bed, [x, y], 200, 100, "mean")) == ["A"]
    # Each track is read with its own chromosome lengths: B is kept.
    ours = extract_signal(bed, {"x": x, "y": y}, flank=200, bin_size=100, progress=False)
    np.testing.assert_array_equal(ours.data[1], [2] * 8)
