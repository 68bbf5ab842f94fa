import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import skdeepchrome.datasets._remc as remc
from skdeepchrome.datasets import (
    load_deepchrome_csv,
    load_remc,
    load_remc_collection,
    save_deepchrome_csv,
)
from skdeepchrome.layout import REMC_MARKS, feature_names

TOY = Path(__file__).resolve().parents[2] / "shared" / "data" / "deepchrome_toy"
needs_toy = pytest.mark.skipif(not (TOY / "train.csv").is_file(), reason="shared toy data absent")

MARKS2 = ("H3K4me3", "H3K27me3")


def reference_load(path, n_marks, n_bins):
    """Independent, slow reading of the format: one gene at a time, in first-seen order."""
    rows = pd.read_csv(path, header=None, dtype={0: str})
    genes = list(dict.fromkeys(rows[0]))
    data, target = [], []
    for gene in genes:
        block = rows[rows[0] == gene].sort_values(1)
        assert block[1].tolist() == list(range(1, n_bins + 1))
        data.append(block.iloc[:, 2 : 2 + n_marks].to_numpy().T.ravel())
        target.append(block.iloc[0, -1])
    return np.array(data, dtype=np.float32), np.array(target), genes


def write_rows(path, rows):
    text = "".join(",".join(map(str, r)) + "\n" for r in rows)
    if str(path).endswith(".gz"):
        with gzip.open(path, "wt") as handle:
            handle.write(text)
    else:
        Path(path).write_text(text)
    return path


def gene_rows(gene, n_bins=4, label=1, marks=2, offset=0):
    return [[gene, b, *(offset + 10 * m + b for m in range(marks)), label]
            for b in range(1, n_bins + 1)]


# ---------------------------------------------------------------- the real toy excerpt


@needs_toy
def test_toy_train_shapes_ids_and_a_known_value():
    ds = load_deepchrome_csv(TOY / "train.csv")
    assert ds.data.shape == (10, 500) and ds.data.dtype == np.float32
    assert ds.target.shape == (10,) and set(ds.target) <= {0, 1}
    assert ds.gene_ids[0] == "000003" and all(len(g) == 6 for g in ds.gene_ids)
    assert ds.marks == REMC_MARKS
    assert list(ds.feature_names) == list(feature_names(REMC_MARKS, 100))
    # first line of the file: 000003,1,0,1,0,2,0,1 -> H3K4me3 (4th mark) bin 1 is 2
    h3k4me3 = REMC_MARKS.index("H3K4me3")
    assert ds.data[0, h3k4me3 * 100] == 2
    assert ds.data[0, REMC_MARKS.index("H3K36me3") * 100] == 1
    assert ds.target[0] == 1


@needs_toy
@pytest.mark.parametrize("split", ["train", "valid", "test"])
def test_toy_matches_an_independent_reader(split):
    ds = load_deepchrome_csv(TOY / f"{split}.csv")
    data, target, genes = reference_load(TOY / f"{split}.csv", 5, 100)
    np.testing.assert_array_equal(ds.data, data)
    np.testing.assert_array_equal(ds.target, target)
    assert ds.gene_ids.tolist() == genes


@needs_toy
def test_toy_folder_loads_three_splits():
    remc_bunch = load_remc(TOY)
    assert remc_bunch.epigenome == TOY.name
    assert remc_bunch.train.data.shape == (10, 500)
    assert remc_bunch.valid.data.shape == (10, 500)
    # the shipped test.csv holds 9 genes (900 rows), although its README says 10
    assert remc_bunch.test.data.shape == (len(remc_bunch.test.gene_ids), 500)
    assert remc_bunch.marks == REMC_MARKS


# ------------------------------------------------------------------ own fixtures


def test_fixture_layout_is_mark_major(tmp_path):
    path = write_rows(tmp_path / "a.csv", gene_rows("007", label=0) + gene_rows("001", offset=100))
    X, y = load_deepchrome_csv(path, marks=MARKS2, n_bins=4, return_X_y=True)
    np.testing.assert_array_equal(X[0], [1, 2, 3, 4, 11, 12, 13, 14])
    np.testing.assert_array_equal(X[1], [101, 102, 103, 104, 111, 112, 113, 114])
    np.testing.assert_array_equal(y, [0, 1])


def test_out_of_order_and_split_blocks_are_regrouped(tmp_path):
    rows = gene_rows("000010") + gene_rows("000002", label=0, offset=50)
    ordered = load_deepchrome_csv(write_rows(tmp_path / "o.csv", rows), MARKS2, n_bins=4)
    shuffled = [rows[i] for i in np.random.default_rng(0).permutation(len(rows))]
    mixed = load_deepchrome_csv(write_rows(tmp_path / "s.csv", shuffled), MARKS2, n_bins=4)
    order = [mixed.gene_ids.tolist().index(g) for g in ordered.gene_ids]
    np.testing.assert_array_equal(mixed.data[order], ordered.data)
    np.testing.assert_array_equal(mixed.target[order], ordered.target)
    # gene order is first appearance in the file
    first_seen = list(dict.fromkeys(r[0] for r in shuffled))
    assert mixed.gene_ids.tolist() == first_seen
    # contiguous genes whose bins are in reverse order: sorted back by BinID
    reverse = rows[3::-1] + rows[:3:-1]
    reversed_bins = load_deepchrome_csv(write_rows(tmp_path / "r.csv", reverse), MARKS2, n_bins=4)
    np.testing.assert_array_equal(reversed_bins.data, ordered.data)
    # a gene split into two blocks with complementary bins is still one complete gene
    split = rows[:2] + rows[4:] + rows[2:4]
    regrouped = load_deepchrome_csv(write_rows(tmp_path / "b.csv", split), MARKS2, n_bins=4)
    np.testing.assert_array_equal(regrouped.data, ordered.data)


def test_gzip_reads_like_plain(tmp_path):
    rows = gene_rows("000001") + gene_rows("000002", label=0)
    plain = load_deepchrome_csv(write_rows(tmp_path / "t.csv", rows), MARKS2, n_bins=4)
    packed = load_deepchrome_csv(write_rows(tmp_path / "t.csv.gz", rows), MARKS2, n_bins=4)
    np.testing.assert_array_equal(plain.data, packed.data)
    assert packed.gene_ids.tolist() == ["000001", "000002"]


@pytest.mark.parametrize("name", ["train.csv", "train.csv.gz"])
@pytest.mark.parametrize("three_d", [False, True])
def test_round_trip_is_exact(tmp_path, name, three_d):
    rng = np.random.default_rng(1)
    X3 = rng.poisson(3, size=(7, 5, 6)).astype(np.float64)
    X3[:, 2] = rng.normal(size=(7, 6)) * 1e3  # one mark with non-integral values
    X3[0, 2, 0] = 0.1
    y = rng.integers(0, 2, 7)
    ids = np.array([f"{i:06d}" for i in range(0, 70, 10)])
    out = save_deepchrome_csv(tmp_path / name, X3 if three_d else X3.reshape(7, -1), y, ids)
    assert out == tmp_path / name
    ds = load_deepchrome_csv(out, n_bins=6)
    np.testing.assert_array_equal(ds.data, X3.reshape(7, -1).astype(np.float32))
    np.testing.assert_array_equal(ds.target, y)
    assert ds.gene_ids.tolist() == ids.tolist()
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


def test_writer_format_integers_without_decimal_point(tmp_path):
    X = np.array([[[0, 3], [2.5, 1e-3]]])
    path = save_deepchrome_csv(tmp_path / "x.csv", X, np.array([1.0]), ["000042"], MARKS2)
    assert path.read_text().splitlines() == ["000042,1,0,2.5,1", "000042,2,3,0.001,1"]


def test_writer_is_atomic_on_failure(tmp_path):
    path = save_deepchrome_csv(tmp_path / "t.csv", np.ones((1, 2, 2)), [1], ["g"], MARKS2)
    before = path.read_text()
    bad = np.ones((1, 2, 2))
    bad[0, 1, 1] = np.nan
    with pytest.raises(ValueError, match=r"non-finite .* gene 'g', mark 'H3K27me3', bin 2"):
        save_deepchrome_csv(path, bad, [1], ["g"], MARKS2)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"y": [0, 1, 1]}, r"y must have shape \(2,\)"),
        ({"y": [0.5, 1]}, "integer labels"),
        ({"gene_ids": ["a", "a"]}, "unique; 'a'"),
        ({"gene_ids": ["a,b", "c"]}, "commas"),
        ({"gene_ids": ["a"]}, "one id per gene"),
        ({"X": np.ones((2, 7))}, "not divisible"),
        ({"X": np.ones((2, 3, 2))}, "3 marks on axis 1 but 2"),
        ({"X": np.ones(4)}, "2-D"),
    ],
)
def test_writer_validates_inputs(tmp_path, kwargs, message):
    args = {"X": np.ones((2, 2, 3)), "y": [0, 1], "gene_ids": ["a", "b"], "marks": MARKS2}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        save_deepchrome_csv(tmp_path / "w.csv", **args)
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------ bad input


def bad_file(tmp_path, rows, name="bad.csv"):
    return write_rows(tmp_path / name, rows)


def test_ragged_gene_with_99_rows(tmp_path):
    rows = gene_rows("000001", n_bins=100, marks=5)
    ragged = gene_rows("000002", n_bins=100, marks=5)
    del ragged[56]  # BinID 57
    path = bad_file(tmp_path, rows + ragged + gene_rows("000003", n_bins=100, marks=5))
    with pytest.raises(ValueError) as info:
        load_deepchrome_csv(path)
    msg = str(info.value)
    assert str(path) in msg and "'000002'" in msg and "line 101" in msg
    assert "99 rows" in msg and "missing BinID 57" in msg


def test_duplicated_bin_names_both_lines(tmp_path):
    rows = gene_rows("000001") + gene_rows("000002")
    rows[6][1] = 2  # gene 000002's BinID 3 (line 7) becomes a second BinID 2 (line 6)
    with pytest.raises(ValueError) as info:
        load_deepchrome_csv(bad_file(tmp_path, rows), MARKS2, n_bins=4)
    msg = str(info.value)
    assert "'000002'" in msg and "missing BinID 3" in msg
    assert "BinID 2 repeated at lines 6, 7" in msg


def test_reused_gene_id_names_separate_blocks(tmp_path):
    rows = gene_rows("A") + gene_rows("B") + gene_rows("A")
    with pytest.raises(ValueError, match=r"'A'.*8 rows.*2 separate blocks \(lines 1-4, 9-12\)"):
        load_deepchrome_csv(bad_file(tmp_path, rows), MARKS2, n_bins=4)


def test_wrong_n_bins_gets_a_hint(tmp_path):
    path = bad_file(tmp_path, gene_rows("000001", n_bins=3) + gene_rows("000002", n_bins=3))
    with pytest.raises(ValueError, match=r"'000001'.*3 rows.*missing BinID 4.*pass n_bins=3"):
        load_deepchrome_csv(path, MARKS2, n_bins=4)
    assert load_deepchrome_csv(path, MARKS2, n_bins=3).data.shape == (2, 6)


def test_bin_out_of_range(tmp_path):
    rows = gene_rows("000001")
    rows[3][1] = 5
    with pytest.raises(ValueError, match=r"'000001'.*BinID 5 outside 1\.\.4.*missing BinID 4"):
        load_deepchrome_csv(bad_file(tmp_path, rows), MARKS2, n_bins=4)


def test_labels_differing_within_a_gene(tmp_path):
    rows = gene_rows("000001") + gene_rows("000009", label=1)
    rows[6][-1] = 0  # line 7
    with pytest.raises(ValueError) as info:
        load_deepchrome_csv(bad_file(tmp_path, rows), MARKS2, n_bins=4)
    msg = str(info.value)
    assert str(tmp_path / "bad.csv") in msg
    assert "'000009'" in msg and "1 at line 5 but 0 at line 7" in msg


@pytest.mark.parametrize(
    "cell, message",
    [
        ("x7", r"line 6, column 4 \(H3K27me3\) of gene '000002': 'x7' is not a number"),
        ("nan", r"line 6, column 4 \(H3K27me3\) of gene '000002': missing/NaN value 'nan'"),
        ("NA", r"line 6, column 4 .*missing/NaN value 'NA'"),
        ("", r"line 6, column 4 .*the cell is empty"),
        ("inf", r"line 6, column 4 \(H3K27me3\) of gene '000002': value .*inf.* not a finite"),
    ],
)
def test_non_numeric_or_non_finite_counts(tmp_path, cell, message):
    rows = gene_rows("000001") + gene_rows("000002")
    rows[5][3] = cell
    path = bad_file(tmp_path, rows)
    with pytest.raises(ValueError, match=re.escape(str(path)) + ", " + message):
        load_deepchrome_csv(path, MARKS2, n_bins=4)


def test_bad_cell_deep_in_a_large_file(tmp_path):
    # Large enough for pandas to parse in several chunks (mixed-type column path).
    n_genes = 300
    path = save_deepchrome_csv(tmp_path / "big.csv", np.ones((n_genes, 5, 100), dtype=int),
                               np.zeros(n_genes, dtype=int), [f"{i:06d}" for i in range(n_genes)])
    lines = path.read_text().splitlines()
    lines[29_000] = lines[29_000].replace(",1,1,0", ",1,oops,0")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"line 29001, column 7 \(H3K9me3\) of gene '000290'"):
        load_deepchrome_csv(path)


def test_fractional_bin_and_label(tmp_path):
    rows = gene_rows("000001")
    rows[2][1] = 2.5
    with pytest.raises(ValueError, match=r"line 3, column 2 \(BinID\).*not an integer"):
        load_deepchrome_csv(bad_file(tmp_path, rows), MARKS2, n_bins=4)
    rows = gene_rows("000001")
    rows[1][-1] = 0.5
    with pytest.raises(ValueError, match=r"line 2, column 5 \(label\).*not an integer"):
        load_deepchrome_csv(bad_file(tmp_path, rows, "l.csv"), MARKS2, n_bins=4)


def test_header_row_gets_a_hint(tmp_path):
    # A header of another spelling is not the format's: the hint says what it is.
    rows = [["gene", "bin", "A", "B", "label"], *gene_rows("000001")]
    with pytest.raises(ValueError, match=r"line 1, column 2 \(BinID\).*header row"):
        load_deepchrome_csv(bad_file(tmp_path, rows), MARKS2, n_bins=4)


def test_a_header_row_names_the_marks(tmp_path):
    # The format's own header (as extract writes it) names the marks; a contradiction is
    # refused rather than silently renaming the columns.
    rows = [["GeneID", "BinID", "A", "B", "label"], *gene_rows("000001")]
    ds = load_deepchrome_csv(bad_file(tmp_path, rows), n_bins=4)
    assert ds.marks == ("A", "B") and ds.data.marks == ("A", "B")
    with pytest.raises(ValueError, match=r"records marks=\('A', 'B'\)"):
        load_deepchrome_csv(bad_file(tmp_path, rows), MARKS2, n_bins=4)


def test_blank_line_and_empty_gene_id(tmp_path):
    path = tmp_path / "blank.csv"
    lines = [",".join(map(str, r)) for r in gene_rows("000001")]
    path.write_text("\n".join(lines[:2] + [""] + lines[2:]) + "\n")
    with pytest.raises(ValueError, match=r"blank\.csv, line 3: the line is blank"):
        load_deepchrome_csv(path, MARKS2, n_bins=4)
    rows = gene_rows("000001") + gene_rows("")
    with pytest.raises(ValueError, match=r"line 5: the GeneID \(column 1\) is empty"):
        load_deepchrome_csv(bad_file(tmp_path, rows), MARKS2, n_bins=4)


def test_empty_file_and_missing_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(ValueError, match=r"empty\.csv: the file is empty"):
        load_deepchrome_csv(path)
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        load_deepchrome_csv(tmp_path / "nope.csv")


def test_wrong_column_count(tmp_path):
    path = bad_file(tmp_path, gene_rows("000001", marks=3))
    with pytest.raises(ValueError, match=r"bad\.csv: line 1 has 6 columns.*5 marks.*make 8"):
        load_deepchrome_csv(path, n_bins=4)
    rows = gene_rows("000001")
    rows[2].append(9)
    with pytest.raises(ValueError, match=r"bad\.csv: malformed CSV.*line 3"):
        load_deepchrome_csv(bad_file(tmp_path, rows), MARKS2, n_bins=4)


# ------------------------------------------------------------------ folders and collections


def make_epigenome(folder, n_genes=2, n_bins=3, seed=0, gz=()):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    for split in ("train", "valid", "test"):
        name = f"{split}.csv.gz" if split in gz else f"{split}.csv"
        ids = [f"{seed:02d}{i:04d}" for i in range(n_genes)]
        save_deepchrome_csv(folder / name, rng.poisson(2, (n_genes, 5, n_bins)),
                            rng.integers(0, 2, n_genes), ids)
    return folder


def test_load_remc_reads_mixed_plain_and_gzip(tmp_path):
    folder = make_epigenome(tmp_path / "E017", gz=("valid",))
    bunch = load_remc(folder, n_bins=3)
    assert bunch.epigenome == "E017" and bunch.marks == REMC_MARKS
    for split in ("train", "valid", "test"):
        assert bunch[split].data.shape == (2, 15)
    assert bunch.valid.filename.endswith("valid.csv.gz")


def test_missing_or_ambiguous_split(tmp_path):
    folder = make_epigenome(tmp_path / "E004")
    (folder / "valid.csv").unlink()
    with pytest.raises(FileNotFoundError, match=r"E004: epigenome folder has no 'valid' split"):
        load_remc(folder, n_bins=3)
    make_epigenome(tmp_path / "E005")
    (tmp_path / "E005" / "test.csv.gz").write_bytes(b"")
    with pytest.raises(ValueError, match=r"E005: the 'test' split is ambiguous"):
        load_remc(tmp_path / "E005", n_bins=3)
    with pytest.raises(FileNotFoundError, match="no such epigenome folder"):
        load_remc(tmp_path / "E999")


def test_collection_lists_sorted_and_loads_lazily(tmp_path, monkeypatch):
    for name, seed in (("E005", 5), ("E003", 3), ("E004", 4)):
        make_epigenome(tmp_path / name, seed=seed)
    (tmp_path / "notes").mkdir()  # not an epigenome: ignored
    calls = []
    real = remc.load_remc
    monkeypatch.setattr(remc, "load_remc", lambda *a, **k: calls.append(a[0]) or real(*a, **k))

    collection = load_remc_collection(tmp_path, n_bins=3)
    assert len(collection) == 3 and collection.epigenomes == ("E003", "E004", "E005")
    assert "E004" in collection and "notes" not in collection
    assert calls == []  # nothing read yet
    iterator = iter(collection)
    name, bunch = next(iterator)
    assert name == "E003" and bunch.epigenome == "E003" and len(calls) == 1
    assert bunch.train.gene_ids[0] == "030000"
    assert collection["E005"].test.data.shape == (2, 15) and len(calls) == 2
    with pytest.raises(KeyError, match=r"'E010'.*available: \['E003', 'E004', 'E005'\]"):
        collection["E010"]
    subset = load_remc_collection(tmp_path, n_bins=3, epigenomes=["E005"])
    assert subset.epigenomes == ("E005",)
    with pytest.raises(ValueError, match=r"no epigenome folder\(s\) \['E010'\]"):
        load_remc_collection(tmp_path, n_bins=3, epigenomes=["E010"])


def test_corrupt_epigenome_only_fails_when_reached(tmp_path):
    make_epigenome(tmp_path / "E003")
    make_epigenome(tmp_path / "E004")
    (tmp_path / "E004" / "train.csv").write_text("000001,1,1,1,1,1,oops,0\n")
    collection = load_remc_collection(tmp_path, n_bins=3)
    iterator = iter(collection)
    assert next(iterator)[0] == "E003"
    with pytest.raises(ValueError, match=r"E004.train\.csv, line 1, column 7 \(H3K9me3\)"):
        next(iterator)


def test_empty_root_and_root_that_is_an_epigenome(tmp_path):
    with pytest.raises(ValueError, match="no epigenome folders found"):
        load_remc_collection(tmp_path)
    make_epigenome(tmp_path / "E003")
    with pytest.raises(ValueError, match="itself an epigenome folder: use load_remc"):
        load_remc_collection(tmp_path / "E003")
    with pytest.raises(FileNotFoundError):
        load_remc_collection(tmp_path / "absent")


def _toy_text(n_genes=2):
    rows = [[f"{g:06d}", b, g + b % 3, 0, 1, b, 0, g % 2] for g in range(n_genes)
            for b in range(1, 5)]
    return "".join(",".join(map(str, r)) + "\n" for r in rows)


def test_gzip_named_csv_says_so(tmp_path):
    path = tmp_path / "train.csv"
    path.write_bytes(gzip.compress(_toy_text().encode()))
    with pytest.raises(ValueError, match=r"train\.csv: the file is gzip-compressed .*"
                                         r"train\.csv\.gz") as info:
        load_deepchrome_csv(path, n_bins=4)
    assert "fields" not in str(info.value)
    plain = tmp_path / "valid.csv.gz"
    plain.write_text(_toy_text())
    with pytest.raises(ValueError, match=r"valid\.csv\.gz: the name ends in \.gz but the file "
                                         r"is not gzip-compressed"):
        load_deepchrome_csv(plain, n_bins=4)


def test_truncated_gzip_csv_says_so(tmp_path):
    packed = gzip.compress(_toy_text(400).encode())
    path = tmp_path / "test.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValueError, match=r"test\.csv\.gz: the gzip-compressed file is "
                                         r"truncated or corrupt"):
        load_deepchrome_csv(path, n_bins=4)
