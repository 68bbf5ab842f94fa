import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from skdeepchrome.datasets import (
    RemcCollection,
    load_dataset,
    load_npz_dataset,
    save_deepchrome_csv,
    save_npz_dataset,
)
from skdeepchrome.layout import feature_names

MARKS = ("H3K4me3", "H3K27me3", "H3K36me3")


@pytest.fixture
def arrays():
    rng = np.random.default_rng(0)
    return {
        "data": rng.gamma(2.0, 3.0, size=(6, 3, 8)),
        "gene_ids": np.array([f"ENSG{i:011d}.{i}" for i in range(6)]),
        "target": rng.integers(0, 2, 6),
        "expression": rng.gamma(1.0, 10.0, 6),
    }


def test_round_trip_with_metadata(tmp_path, arrays):
    out = save_npz_dataset(
        tmp_path / "E003.npz", arrays["data"], gene_ids=arrays["gene_ids"], marks=MARKS,
        target=arrays["target"], expression=arrays["expression"],
        flank=np.int64(400), bin_size=100, statistic="mean",
        sources=[Path("/data/H3K4me3.bw")], epigenome="E003",
    )
    ds = load_npz_dataset(out)
    assert ds.data.dtype == np.float32 and ds.data.shape == (6, 24)
    np.testing.assert_array_equal(ds.data, arrays["data"].reshape(6, -1).astype(np.float32))
    assert ds.gene_ids.tolist() == arrays["gene_ids"].tolist()
    assert ds.marks == MARKS and ds.n_bins == 8
    assert list(ds.feature_names) == list(feature_names(MARKS, 8))
    np.testing.assert_array_equal(ds.target, arrays["target"])
    np.testing.assert_array_equal(ds.expression, arrays["expression"])
    assert ds.metadata == {"flank": 400, "bin_size": 100, "statistic": "mean",
                           "sources": ["/data/H3K4me3.bw"], "epigenome": "E003"}
    assert [p.name for p in tmp_path.iterdir()] == ["E003.npz"]


def test_optional_arrays_are_none_and_no_pickle_needed(tmp_path, arrays):
    path = save_npz_dataset(tmp_path / "d.npz", arrays["data"].reshape(6, -1),
                            gene_ids=arrays["gene_ids"], marks=MARKS)
    ds = load_npz_dataset(path)
    assert ds.target is None and ds.expression is None and ds.metadata == {}
    with np.load(path, allow_pickle=False) as archive:  # every array is plain
        assert {"data", "gene_ids", "marks", "metadata"} <= set(archive.files)
        assert all(archive[key].dtype != object for key in archive.files)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"gene_ids": ["a"] * 6}, "unique"),
        ({"gene_ids": ["a", "b"]}, r"one id per gene \(6\)"),
        ({"target": [0, 1]}, r"target must have shape \(6,\)"),
        ({"expression": np.array(["x"] * 6)}, "expression must be numeric"),
        ({"marks": ["A", "B"]}, "3 marks on axis 1 but 2"),
        ({"data": np.ones((6, 7))}, "not divisible"),
        ({"data": np.ones(6)}, "2-D"),
        ({"when": object()}, "metadata 'when' is not JSON serialisable"),
    ],
)
def test_save_validates(tmp_path, arrays, change, message):
    kwargs = {"gene_ids": arrays["gene_ids"], "marks": MARKS, **change}
    data = kwargs.pop("data", arrays["data"])
    with pytest.raises(ValueError, match=message):
        save_npz_dataset(tmp_path / "d.npz", data, **kwargs)
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_load_errors(tmp_path, arrays):
    with pytest.raises(FileNotFoundError, match="absent.npz"):
        load_npz_dataset(tmp_path / "absent.npz")
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a zip archive at all")
    with pytest.raises(ValueError, match=r"garbage\.npz: not a readable \.npz dataset"):
        load_npz_dataset(garbage)
    good = save_npz_dataset(tmp_path / "good.npz", arrays["data"], gene_ids=arrays["gene_ids"],
                            marks=MARKS)
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ValueError, match=r"truncated\.npz: not a readable"):
        load_npz_dataset(truncated)
    partial = tmp_path / "partial.npz"
    np.savez(partial, data=np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"missing array\(s\) \['gene_ids', 'marks'\]"):
        load_npz_dataset(partial)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, data=np.ones((2, 4)), gene_ids=np.array(["a", None], dtype=object),
             marks=np.array(["A", "B"]))
    with pytest.raises(ValueError, match=r"pickled\.npz: not a readable.*pickle"):
        load_npz_dataset(pickled)


def test_load_shape_mismatches(tmp_path):
    base = {"data": np.ones((3, 4)), "gene_ids": np.array(["a", "b", "c"]),
            "marks": np.array(["A", "B"]), "metadata": np.asarray(json.dumps({}))}
    cases = [
        ({"gene_ids": np.array(["a", "b"])}, r"data \(3, 4\) vs gene_ids \(2,\)"),
        ({"marks": np.array(["A", "B", "C"])}, "not divisible by the 3 marks"),
        ({"target": np.zeros(2)}, r"target \(2,\) vs 3 genes"),
        ({"n_bins": np.asarray(4)}, "records n_bins=4"),
        ({"metadata": np.asarray("{not json")}, "metadata is not valid JSON"),
    ]
    for i, (change, message) in enumerate(cases):
        path = tmp_path / f"case{i}.npz"
        np.savez(path, **{**base, **change})
        with pytest.raises(ValueError, match=message):
            load_npz_dataset(path)


def test_corrupt_member_is_reported(tmp_path, arrays):
    path = save_npz_dataset(tmp_path / "d.npz", arrays["data"], gene_ids=arrays["gene_ids"],
                            marks=MARKS)
    broken = tmp_path / "broken.npz"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            payload = src.read(item.filename)
            if item.filename == "data.npy":
                payload = payload[:100]  # a truncated array inside a valid zip
            dst.writestr(item, payload)
    with pytest.raises(ValueError, match=r"broken\.npz: not a readable"):
        load_npz_dataset(broken)


def make_epigenome(folder):
    folder.mkdir(parents=True)
    for split in ("train", "valid", "test"):
        save_deepchrome_csv(folder / f"{split}.csv", np.ones((2, 5, 4)), [0, 1], ["01", "02"])


def test_load_dataset_dispatches_on_what_path_is(tmp_path, arrays):
    npz = save_npz_dataset(tmp_path / "d.npz", arrays["data"], gene_ids=arrays["gene_ids"],
                           marks=MARKS)
    assert load_dataset(npz).data.shape == (6, 24)
    make_epigenome(tmp_path / "root" / "E003")
    make_epigenome(tmp_path / "root" / "E004")
    csv = tmp_path / "root" / "E003" / "train.csv"
    assert load_dataset(csv, n_bins=4).gene_ids.tolist() == ["01", "02"]
    gz = save_deepchrome_csv(tmp_path / "x.csv.gz", np.ones((1, 5, 4)), [1], ["07"])
    assert load_dataset(gz, n_bins=4).gene_ids.tolist() == ["07"]
    folder = load_dataset(tmp_path / "root" / "E004", n_bins=4)
    assert folder.epigenome == "E004" and folder.test.data.shape == (2, 20)
    collection = load_dataset(tmp_path / "root", n_bins=4)
    assert isinstance(collection, RemcCollection)
    assert collection.epigenomes == ("E003", "E004")


def test_load_dataset_rejects_other_things(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        load_dataset(tmp_path / "absent")
    other = tmp_path / "notes.txt"
    other.write_text("hello")
    with pytest.raises(ValueError, match=r"notes\.txt: unsupported file type"):
        load_dataset(other)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="neither an epigenome folder"):
        load_dataset(tmp_path / "empty")


def test_array_header_declaring_more_than_it_holds_is_refused(tmp_path, arrays):
    path = save_npz_dataset(tmp_path / "d.npz", arrays["data"], gene_ids=arrays["gene_ids"],
                            marks=MARKS)
    damaged = tmp_path / "damaged.npz"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(damaged, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "data.npy":
                # One damaged digit of the shape: numpy would allocate 6e12 floats.
                data = data.replace(b"(6, 24)", b"(6000000000000, 24)".ljust(7), 1)
            dst.writestr(info, data)
    with pytest.raises(ValueError, match=r"damaged\.npz: .*'data' declares") as info:
        load_npz_dataset(damaged)
    assert "\n" not in str(info.value)


def test_atomic_writes_reach_the_disk(tmp_path, arrays, monkeypatch):
    """The file is flushed before the rename makes it visible, its folder after."""
    import os

    import skdeepchrome._files as files

    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.fstat(fd).st_ino))
        real_fsync(fd)

    def replace(src, dst):
        events.append(("replace", os.stat(src).st_ino))
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "fsync", fsync)
    monkeypatch.setattr(files.os, "replace", replace)
    path = save_npz_dataset(tmp_path / "d.npz", arrays["data"], gene_ids=arrays["gene_ids"],
                            marks=MARKS)
    file_inode, folder_inode = path.stat().st_ino, tmp_path.stat().st_ino
    assert events == [("fsync", file_inode), ("replace", file_inode), ("fsync", folder_inode)]
