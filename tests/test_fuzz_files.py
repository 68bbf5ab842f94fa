"""Fuzzing every file reader with damaged versions of real files.

Each test takes a real file of its kind (rows of the DeepChrome release's toy data, the
first rows of Roadmap's RPKM table, the first records of GENCODE's GTF when the shared
data are there; small files of every supported layout always), damages it the ways files
get damaged (flipped bytes, cut ends, inserted or deleted bytes, and for model files
edited JSON fields and arrays behind a recomputed checksum, as a forger would), and
reads it. Every outcome must be a result or one of the documented exceptions
(``ValueError``, ``ModelFileError`` among them, or ``FileNotFoundError``): any other
exception, a crash or a hang fails the test.

The examples are derandomized (the same on every run) and few enough that the whole
module runs in well under a minute on one core; ``SKDEEPCHROME_FUZZ_SCALE=20`` runs
twenty times as many.
"""

import contextlib
import gzip
import io
import json
import os
import signal
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from skdeepchrome import load_model, save_model
from skdeepchrome.baselines import make_model
from skdeepchrome.datasets import (
    load_deepchrome_csv,
    load_npz_dataset,
    read_expression_table,
    read_transcript_map,
    save_npz_dataset,
)
from skdeepchrome.genome import read_tss
from skdeepchrome.model_files import _archive

from .conftest import make_signal

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
TOY = SHARED / "deepchrome_toy" / "train.csv"
ROADMAP = SHARED / "roadmap"
#: What a reader may raise for a damaged file (ModelFileError is a ValueError).
DOCUMENTED = (ValueError, FileNotFoundError)
#: Seconds one read may take before the example counts as a hang.
HANG_SECONDS = 20


#: More examples for a deeper local run (SKDEEPCHROME_FUZZ_SCALE=20); CI runs the default.
SCALE = int(os.environ.get("SKDEEPCHROME_FUZZ_SCALE", "1"))


def fuzz_settings(examples):
    return settings(max_examples=examples * SCALE, deadline=None, derandomize=True,
                    database=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


@contextlib.contextmanager
def no_hang(seconds=HANG_SECONDS):
    """Fail an example that runs longer than ``seconds`` (POSIX; elsewhere no limit)."""
    if not hasattr(signal, "setitimer"):  # pragma: no cover - Windows
        yield
        return

    def hang(signum, frame):
        raise AssertionError(f"the reader ran for more than {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def read_or_refuse(read, path):
    """``read(path)``, or None when it refused the file as documented.

    The outcome is recorded (``pytest --hypothesis-show-statistics`` lists them), to see
    that the damage reaches past the first check.
    """
    with no_hang():
        try:
            result = read(path)
        except DOCUMENTED as exc:
            message = str(exc).replace(str(path), "").strip(":, ")
            event(f"{type(exc).__name__}: {' '.join(message.split()[:4])}")
            return None
    event("read")
    return result


# --- Damage ------------------------------------------------------------------------------

@st.composite
def damaged(draw, data):
    """``data`` (bytes) with flipped bytes, a cut, an insertion or a deletion."""
    kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "flip+truncate"]))
    data = bytearray(data)
    if "flip" in kind:
        for _ in range(draw(st.integers(1, 8))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] ^= draw(st.integers(1, 255))
    if "truncate" in kind:
        data = data[: draw(st.integers(0, len(data) - 1))]
    if kind == "insert":
        i = draw(st.integers(0, len(data)))
        data[i:i] = draw(st.binary(min_size=1, max_size=16))
    if kind == "delete":
        i = draw(st.integers(0, len(data) - 1))
        del data[i:i + draw(st.integers(1, 64))]
    return bytes(data)


@st.composite
def damaged_text(draw, text, compress=False):
    """A text file damaged in its text (and, compressed, possibly in its gzip bytes)."""
    data = draw(damaged(text))
    if compress:
        data = gzip.compress(data, mtime=0)
        if draw(st.booleans()):
            data = draw(damaged(data))
    return data


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=3),
    max_leaves=6,
)


def json_places(value, place=()):
    """Every (container path) place in parsed JSON: dict keys and list indices."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*place, key)
            yield from json_places(item, (*place, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield (*place, index)
            yield from json_places(item, (*place, index))


@st.composite
def edited_json(draw, value):
    """``value`` (parsed JSON) with one to three places given new values."""
    value = json.loads(json.dumps(value))
    for _ in range(draw(st.integers(1, 3))):
        places = list(json_places(value))
        if not places:
            break
        *parent, last = draw(st.sampled_from(places))
        target = value
        for key in parent:
            target = target[key]
        target[last] = draw(JSON_VALUES | st.sampled_from([10**13, 2**31, -1, 0, 10**6]))
    return value


# --- Real files --------------------------------------------------------------------------

def _gunzip_head(path, n_lines):
    with gzip.open(path, "rt") as handle:
        return "".join(line for _, line in zip(range(n_lines), handle))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def remc_csv():
    if not TOY.is_file():
        pytest.skip("shared toy data absent")
    # Two genes of the release's E003 excerpt: 100 bins each, five marks, a label.
    return "".join(TOY.read_text().splitlines(keepends=True)[:200]).encode()


@fuzz_settings(100)
@given(data=st.data())
def test_remc_csv(remc_csv, folder, data):
    compress = data.draw(st.booleans(), "gzip")
    path = folder / ("train.csv.gz" if compress else "train.csv")
    path.write_bytes(data.draw(damaged_text(remc_csv, compress)))
    loaded = read_or_refuse(load_deepchrome_csv, path)
    if loaded is not None:
        assert loaded.data.shape == (len(loaded.gene_ids), 500)
        assert np.isfinite(loaded.data).all()


def _expression_tables():
    tables = {
        "headerless.csv": "ENSG01,3.5\nENSG02,0\nENSG03,12\n",
        "quant.sf": "Name\tLength\tEffectiveLength\tTPM\tNumReads\n"
                    "ENST01.2\t900\t700\t3.5\t12\nENST02.1\t500\t300\t1.5\t4\n",
        "abundance.tsv": "target_id\tlength\teff_length\test_counts\ttpm\n"
                         "ENST01\t900\t700\t12\t3.5\nENST02\t500\t300\t4\t1.5\n",
        "sample.genes.results": "gene_id\ttranscript_id(s)\tlength\teffective_length\t"
                                "expected_count\tTPM\tFPKM\n"
                                "ENSG01\tENST01\t900\t700\t12\t3.5\t2\n",
        "counts.txt": "# Program:featureCounts v2\nGeneid\tChr\tStart\tEnd\tStrand\tLength\t"
                      "a.bam\nENSG01\tchr1\t1\t900\t+\t900\t12\nENSG02\tchr1\t5\t50\t-\t46\t0\n",
        "table.gct": "#1.2\n2\t1\nName\tDescription\tE003\nENSG01\tna\t3.5\nENSG02\tna\t0\n",
    }
    rpkm = ROADMAP / "57epigenomes.RPKM.pc.gz"
    if rpkm.is_file():
        tables["57epigenomes.RPKM.pc"] = _gunzip_head(rpkm, 40)
    else:
        tables["57epigenomes.RPKM.pc"] = ("gene_id\tE003\tE004\nENSG01\t0.5\t3\t\n"
                                          "ENSG02\t12\t0\t\n")
    return {name: text.encode() for name, text in tables.items()}


EXPRESSION = _expression_tables()
TX2GENE = {"ENST01": "ENSG01", "ENST02": "ENSG01", "ENST01.2": "ENSG01",
           "ENST02.1": "ENSG01"}


@fuzz_settings(100)
@given(data=st.data())
def test_expression_tables(folder, data):
    name = data.draw(st.sampled_from(sorted(EXPRESSION)), "table")
    compress = data.draw(st.booleans(), "gzip")
    path = folder / (name + (".gz" if compress else ""))
    path.write_bytes(data.draw(damaged_text(EXPRESSION[name], compress)))
    column = "E003" if name.startswith(("57epi", "table")) else None

    def read(path):
        return read_expression_table(path, column=column, tx2gene=TX2GENE)

    table = read_or_refuse(read, path)
    if table is not None:
        assert (table.to_numpy() >= 0).all()


def _gtf():
    gencode = ROADMAP / "gencode.v10.genes.gtf.gz"
    if gencode.is_file():
        return _gunzip_head(gencode, 60).encode()
    return "".join(
        f'chr1\tHAVANA\tgene\t{100 * i + 1}\t{100 * i + 50}\t.\t{"+-"[i % 2]}\t.\t'
        f'gene_id "ENSG{i}.1"; transcript_id "ENST{i}.1"; gene_type "protein_coding"; '
        f'gene_name "G{i}";\n' for i in range(40)).encode()


GTF = _gtf()


@fuzz_settings(80)
@given(data=st.data())
def test_gtf_annotation(folder, data):
    compress = data.draw(st.booleans(), "gzip")
    path = folder / ("genes.gtf.gz" if compress else "genes.gtf")
    path.write_bytes(data.draw(damaged_text(GTF, compress)))
    table = read_or_refuse(lambda p: read_tss(p, gene_types=None), path)
    if table is not None:
        assert (table["tss"] >= 0).all() and set(table["strand"]) <= {"+", "-"}
    read_or_refuse(lambda p: read_transcript_map(p, feature="gene"), path)


@pytest.fixture(scope="module")
def npz_bytes(folder):
    X, y = make_signal(n_genes=6, n_bins=8)
    path = save_npz_dataset(folder / "source.npz", X, gene_ids=[f"g{i}" for i in range(6)],
                            marks=["H3K27me3", "H3K36me3", "H3K4me1", "H3K4me3", "H3K9me3"],
                            target=y, expression=np.linspace(0, 1, 6), flank=400, bin_size=100)
    return path.read_bytes()


def _members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info.filename) for info in archive.infolist()}


def _zip(members, compression=zipfile.ZIP_DEFLATED):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@fuzz_settings(80)
@given(data=st.data())
def test_npz_dataset(npz_bytes, folder, data):
    if data.draw(st.booleans(), "damage a member, the zip intact"):
        members = _members(npz_bytes)
        name = data.draw(st.sampled_from(sorted(members)), "member")
        members[name] = data.draw(damaged(members[name]))
        content = _zip(members)
    else:
        content = data.draw(damaged(npz_bytes))
    path = folder / "dataset.npz"
    path.write_bytes(content)
    loaded = read_or_refuse(load_npz_dataset, path)
    if loaded is not None:
        assert loaded.data.shape == (len(loaded.gene_ids), len(loaded.feature_names))


# --- Model files -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def network_file(folder):
    X, y = make_signal(n_genes=40, n_bins=10)
    model = make_model("deepchrome", random_state=0)
    model.set_params(binner__n_bins=5, binner__standardize=True, model__max_epochs=1,
                     model__n_filters=2, model__hidden_sizes=(4,), model__n_members=2,
                     model__early_stopping=False)
    return save_model(model.fit(X, y), folder / "network.skdc").read_bytes(), X.shape[1]


@pytest.fixture(scope="module")
def forest_file(folder):
    pytest.importorskip("skops")
    X, y = make_signal(n_genes=40, n_bins=10)
    model = make_model("random_forest", random_state=0)
    model.set_params(model__n_estimators=2, model__max_depth=3, model__n_jobs=1)
    return save_model(model.fit(X, y), folder / "forest.skdc").read_bytes(), X.shape[1]


def _resealed(members):
    """A model file of ``members`` with its checksum recomputed (what a forger does)."""
    payload = {n: b for n, b in members.items()
               if n.startswith((_archive.ARRAY_DIR, _archive.BLOB_DIR))}
    members = dict(members)
    members[_archive.CHECKSUM] = _archive._digest(members[_archive.HEADER], payload).encode()
    members.pop("signature", None)  # a forger drops what they cannot recompute
    return _zip(members)


def _load_and_predict(path, n_features):
    """Load; a model that loads must predict (or refuse its input as documented)."""
    model = read_or_refuse(load_model, path)
    if model is not None:
        with no_hang():
            try:
                model.predict(np.ones((3, n_features)))
            except ValueError:
                pass


@st.composite
def forged_model(draw, content):
    """A model file damaged by bytes, or edited behind a recomputed checksum."""
    kind = draw(st.sampled_from(["bytes", "header", "member", "skops schema",
                                 "skops member"]))
    if kind == "bytes":
        return draw(damaged(content))
    members = _members(content)
    blob = members.get(f"{_archive.BLOB_DIR}skops.skops")
    if kind == "header" or kind.startswith("skops") and blob is None:
        header = json.loads(members[_archive.HEADER])
        members[_archive.HEADER] = json.dumps(draw(edited_json(header))).encode()
    elif kind == "member":
        name = draw(st.sampled_from(sorted(n for n in members if n.startswith(
            (_archive.ARRAY_DIR, _archive.BLOB_DIR)))))
        members[name] = draw(damaged(members[name]))
    else:
        inner = _members(blob)
        if kind == "skops schema":
            inner["schema.json"] = json.dumps(
                draw(edited_json(json.loads(inner["schema.json"])))).encode()
        else:
            name = draw(st.sampled_from(sorted(n for n in inner if n != "schema.json")))
            inner[name] = draw(damaged(inner[name]))
        members[f"{_archive.BLOB_DIR}skops.skops"] = _zip(inner, zipfile.ZIP_STORED)
    return _resealed(members)


@fuzz_settings(80)
@given(data=st.data())
def test_network_model_file(network_file, folder, data):
    content, n_features = network_file
    path = folder / "forged-network.skdc"
    path.write_bytes(data.draw(forged_model(content)))
    _load_and_predict(path, n_features)


@fuzz_settings(80)
@given(data=st.data())
def test_forest_model_file(forest_file, folder, data):
    content, n_features = forest_file
    path = folder / "forged-forest.skdc"
    path.write_bytes(data.draw(forged_model(content)))
    _load_and_predict(path, n_features)
