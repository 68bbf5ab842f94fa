"""save_model / load_model: identical predictions, and files that never run code."""

import importlib.util
import io
import json
import pickle
import re
import struct
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import EpochScoring

from skdeepchrome import (
    AttentiveChromeClassifier,
    DeepChromeClassifier,
    DeepChromeRegressor,
    HistoneBinner,
    load_model,
    save_model,
)
from skdeepchrome.baselines import make_model
from skdeepchrome.model_files import FORMAT_VERSION, ModelFileError, _archive

from .conftest import make_signal

TINY = dict(max_epochs=2, random_state=0)


@pytest.fixture(scope="module")
def data():
    X, y = make_signal(n_genes=80, n_bins=20)
    return X, y


def _round_trip(model, tmp_path, **load):
    path = save_model(model, tmp_path / "model.skdc")
    return load_model(path, **load)


def _same_outputs(a, b, X):
    for method in ("predict_proba", "predict", "decision_function", "transform"):
        if hasattr(a, method):
            for rows in (X, X[:3]):  # large (float32) and small (float64 copy) paths
                np.testing.assert_array_equal(getattr(a, method)(rows),
                                              getattr(b, method)(rows))


@pytest.fixture(scope="module")
def fitted_pipeline(data):
    X, y = data
    model = make_model("deepchrome", random_state=0)
    model.set_params(binner__n_bins=10, binner__standardize=True, model__max_epochs=2,
                     model__n_filters=4, model__hidden_sizes=(8,))
    return model.fit(X, np.where(y == 1, "high", "low"))


def test_recommended_pipeline_round_trip(fitted_pipeline, data, tmp_path):
    loaded = _round_trip(fitted_pipeline, tmp_path)
    assert [name for name, _ in loaded.steps] == ["binner", "model"]
    _same_outputs(fitted_pipeline, loaded, data[0])
    net = loaded[-1]
    assert net.classes_.dtype == fitted_pipeline[-1].classes_.dtype
    assert net.get_params() == fitted_pipeline[-1].get_params()
    assert net.hidden_sizes == (8,) and net.marks_ == fitted_pipeline[-1].marks_
    assert net.net_.optimizer_ is None and not net.net_.module_.training
    # the recommended network is five members: one number of epochs each
    assert len(net.module_.members) == 5 and net.best_epoch_.shape == (5,)
    for key in ("n_epochs_", "best_epoch_", "torch_threads_", "n_bins_", "n_features_in_"):
        np.testing.assert_array_equal(getattr(net, key), getattr(fitted_pipeline[-1], key))
    np.testing.assert_array_equal(loaded[0].mark_std_, fitted_pipeline[0].mark_std_)


@pytest.mark.parametrize("make", [
    lambda: DeepChromeClassifier(n_filters=4, hidden_sizes=(8,), class_weight={0: 1.0, 1: 3.0},
                                 **TINY),
    lambda: DeepChromeRegressor(n_filters=4, hidden_sizes=(8,), **TINY),
    lambda: AttentiveChromeClassifier(bin_hidden_size=4, mark_hidden_size=2,
                                      optimizer_params={"betas": (0.9, 0.99)}, **TINY),
], ids=["classifier", "regressor", "attentivechrome"])
def test_estimator_round_trip(make, data, tmp_path):
    X, y = data
    X3 = X.reshape(len(X), 5, -1)
    model = make().fit(X3, y + 0.5 if isinstance(make(), DeepChromeRegressor) else y)
    loaded = _round_trip(model, tmp_path)
    assert type(loaded) is type(model) and loaded.get_params() == model.get_params()
    _same_outputs(model, loaded, X3)
    for key in ("classes_", "class_weights_", "y_mean_", "y_scale_"):
        if hasattr(model, key):
            np.testing.assert_array_equal(getattr(loaded, key), getattr(model, key))


def test_dataframe_feature_names_and_object_labels(tmp_path):
    X = pd.DataFrame(np.random.default_rng(0).poisson(2.0, (30, 20)).astype(float),
                     columns=[f"c{i}" for i in range(20)])
    y = np.array(["low", "high"] * 15, dtype=object)
    binner = HistoneBinner(marks=["A", "B"], n_bins=5, select=["B", "A"], scale="asinh")
    model = DeepChromeClassifier(n_filters=2, kernel_size=2, pool_size=2, hidden_sizes=(4,),
                                 early_stopping=False, **TINY)
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(binner, model).set_output(transform="pandas").fit(X, y)
    loaded = _round_trip(pipe, tmp_path)
    assert list(loaded[0].transform(X).columns) == list(pipe[0].get_feature_names_out())
    np.testing.assert_array_equal(loaded[-1].feature_names_in_, pipe[-1].feature_names_in_)
    assert loaded[-1].classes_.dtype == object
    np.testing.assert_array_equal(loaded[0].feature_names_in_, pipe[0].feature_names_in_)
    _same_outputs(pipe, loaded, X)


def test_bare_binner_round_trip(data, tmp_path):
    binner = HistoneBinner(n_bins=7, window=(-500, 500), flank=1000, statistic="max",
                           scale="log1p", standardize=True).fit(data[0])
    loaded = _round_trip(binner, tmp_path)
    _same_outputs(binner, loaded, data[0])
    assert loaded.get_params() == binner.get_params()


def test_loading_never_unpickles(fitted_pipeline, data, tmp_path, monkeypatch):
    path = save_model(fitted_pipeline, tmp_path / "model.skdc")

    _forbid_unpickling(monkeypatch)
    loaded = load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(data[0]),
                                  fitted_pipeline.predict_proba(data[0]))


def test_gpu_model_loads_on_cpu(data, tmp_path, monkeypatch):
    X, y = data
    model = DeepChromeClassifier(5, n_filters=2, hidden_sizes=(4,), **TINY).fit(X, y)
    model.set_params(device="cuda")  # as if trained on a GPU: no GPU here
    path = save_model(model, tmp_path / "gpu.skdc")
    devices = []
    make_net = DeepChromeClassifier._make_net

    def recording(self, n_outputs, device, **kwargs):
        devices.append(device)
        return make_net(self, n_outputs, device, **kwargs)

    monkeypatch.setattr(DeepChromeClassifier, "_make_net", recording)
    loaded = load_model(path)
    assert loaded.device == "cpu" and devices == [torch.device("cpu")]
    assert all(p.device.type == "cpu" for p in loaded.module_.parameters())
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA"):
            load_model(path, device="cuda")


def test_loading_keeps_the_global_random_stream(fitted_pipeline, tmp_path):
    path = save_model(fitted_pipeline, tmp_path / "model.skdc")
    torch.manual_seed(1)
    expected = torch.rand(3)
    torch.manual_seed(1)
    load_model(path)
    assert torch.equal(torch.rand(3), expected)


def _one_line(excinfo, *words):
    message = str(excinfo.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_edited_file_refused(fitted_pipeline, tmp_path):
    path = save_model(fitted_pipeline, tmp_path / "model.skdc")
    edited = tmp_path / "edited.skdc"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(edited, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "arrays/a0000.npy":
                data = data[:-8] + np.float64(42.0).tobytes()
            dst.writestr(name, data)
    with pytest.raises(ModelFileError) as excinfo:
        load_model(edited)
    _one_line(excinfo, "edited.skdc", "checksum")


def test_truncated_file_refused(fitted_pipeline, tmp_path):
    path = save_model(fitted_pipeline, tmp_path / "model.skdc")
    truncated = tmp_path / "cut.skdc"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(ModelFileError) as excinfo:
        load_model(truncated)
    _one_line(excinfo, "cut.skdc", "truncated")


def test_newer_format_refused(fitted_pipeline, tmp_path, monkeypatch):
    monkeypatch.setattr(_archive, "FORMAT_VERSION", FORMAT_VERSION + 1)
    from skdeepchrome import model_files

    monkeypatch.setattr(model_files, "FORMAT_VERSION", FORMAT_VERSION + 1)
    path = save_model(fitted_pipeline, tmp_path / "future.skdc")
    monkeypatch.undo()
    with pytest.raises(ModelFileError) as excinfo:
        load_model(path)
    _one_line(excinfo, "future.skdc", "newer skdeepchrome", "upgrade")


@pytest.mark.parametrize("content", [
    np.random.default_rng(0).bytes(300),
    b"\x89PNG\r\n\x1a\n" + bytes(100),
    pickle.dumps({"a": 1}),
], ids=["random", "png", "pickle"])
def test_not_a_model_refused(content, tmp_path):
    path = tmp_path / "thing.skdc"
    path.write_bytes(content)
    with pytest.raises(ModelFileError) as excinfo:
        load_model(path)
    _one_line(excinfo, "thing.skdc", "not a skdeepchrome model file")


def test_other_zip_refused(tmp_path):
    path = tmp_path / "data.npz"
    np.savez(path, x=np.zeros(3))
    with pytest.raises(ModelFileError, match="not a skdeepchrome model file"):
        load_model(path)


def test_unknown_class_refused(fitted_pipeline, tmp_path):
    path = save_model(fitted_pipeline[0], tmp_path / "binner.skdc")
    forged = _forge(path, tmp_path, lambda model: model.update({"class": "os.system"}))
    with pytest.raises(ModelFileError, match="'os.system' is not one a model file may build"):
        load_model(forged)


BASELINES = [("classification", name) for name in ("svm", "random_forest", "logistic",
                                                    "gradient_boosting")] + [
    ("regression", name) for name in ("svm", "random_forest", "ridge", "gradient_boosting")]


@pytest.mark.parametrize("task, name", BASELINES, ids=[f"{t[:5]}-{n}" for t, n in BASELINES])
def test_baselines_round_trip_through_skops(task, name, data, tmp_path, monkeypatch):
    pytest.importorskip("skops")
    X, y = data
    model = make_model(name, task=task, marks=5, random_state=0)
    if name == "random_forest":
        model.set_params(model__n_estimators=3, model__n_jobs=1)
    if name == "gradient_boosting":
        model.set_params(model__max_iter=3)
    model.fit(X, y if task == "classification" else y + 0.01 * np.arange(len(y)))
    path = save_model(model, tmp_path / "baseline.skdc")
    _forbid_unpickling(monkeypatch)
    loaded = load_model(path)
    _same_outputs(model, loaded, X)


def _forbidden(*args, **kwargs):
    raise AssertionError("load_model must not unpickle")


def _forbid_unpickling(monkeypatch):
    real_np_load = np.load

    def np_load(*args, allow_pickle=False, **kwargs):
        if allow_pickle:
            _forbidden()
        return real_np_load(*args, allow_pickle=False, **kwargs)

    monkeypatch.setattr(pickle, "load", _forbidden)
    monkeypatch.setattr(pickle, "loads", _forbidden)
    monkeypatch.setattr(pickle, "Unpickler", _forbidden)
    monkeypatch.setattr(torch, "load", _forbidden)
    monkeypatch.setattr(np, "load", np_load)


class Unknown(StandardScaler):
    """A class no model file trusts."""


def test_untrusted_sklearn_types_refused(data, tmp_path):
    sio = pytest.importorskip("skops.io")
    X, y = data
    with pytest.raises(TypeError, match="test_model_files.Unknown") as excinfo:
        save_model(Unknown().fit(X), tmp_path / "m.skdc")
    _one_line(excinfo, "joblib")
    assert not list(tmp_path.iterdir())
    # A forged file that carries one anyway (a valid checksum) is refused on load.
    header = {"format": _archive.FORMAT_NAME, "format_version": FORMAT_VERSION,
              "model": {"class": "skops", "member": "skops.skops"}}
    forged = tmp_path / "forged.skdc"
    _archive.write_archive(forged, header, {}, {"skops.skops": sio.dumps(Unknown().fit(X))})
    with pytest.raises(ModelFileError, match="not trusted: .*Unknown"):
        load_model(forged)


def test_baselines_without_skops(tmp_path, data, monkeypatch):
    from skdeepchrome.model_files import _skops

    def missing(purpose):
        raise ImportError(f"{purpose} needs skops: pip install 'skdeepchrome[skops]'")

    monkeypatch.setattr(_skops, "_skops_io", missing)
    model = make_model("logistic", marks=5).fit(*data)
    with pytest.raises(TypeError, match="needs skops.*joblib") as excinfo:
        save_model(model, tmp_path / "m.skdc")
    _one_line(excinfo, "Pipeline")


def test_network_in_a_foreign_pipeline_refused(data, tmp_path):
    pytest.importorskip("skops")
    from sklearn.pipeline import make_pipeline

    X, y = data
    model = make_pipeline(StandardScaler(), DeepChromeClassifier(5, n_filters=2,
                                                                 hidden_sizes=(4,), **TINY))
    with pytest.raises(TypeError, match="not trust.*DeepChromeClassifier"):
        save_model(model.fit(X, y), tmp_path / "m.skdc")


def test_code_parameters_refused(data, tmp_path):
    X, y = data
    model = DeepChromeClassifier(5, n_filters=2, hidden_sizes=(4,), **TINY,
                                 ).set_params(callbacks=[EpochScoring("accuracy")]).fit(X, y)
    with pytest.raises(TypeError, match="callbacks=.*callbacks=None"):
        save_model(model, tmp_path / "m.skdc")
    model.set_params(callbacks=None, optimizer=torch.optim.SGD)
    with pytest.raises(TypeError, match="optimizer="):
        save_model(model, tmp_path / "m.skdc")
    assert not list(tmp_path.iterdir())


def test_unfitted_and_foreign_refused(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        save_model(DeepChromeClassifier(), tmp_path / "m.skdc")
    with pytest.raises(NotFittedError):
        save_model(make_model("svm"), tmp_path / "m.skdc")


def test_pipeline_cache_refused(fitted_pipeline, data, tmp_path):
    cached = clone(fitted_pipeline).set_params(memory=str(tmp_path))
    cached.steps = fitted_pipeline.steps
    with pytest.raises(TypeError, match="memory=None"):
        save_model(cached, tmp_path / "m.skdc")
    if importlib.util.find_spec("skops") is not None:
        baseline = make_model("logistic", marks=5).set_params(memory=str(tmp_path))
        with pytest.raises(TypeError, match="memory=None"):
            save_model(baseline.fit(*data), tmp_path / "m.skdc")


def _forge(path, tmp_path, edit):
    with zipfile.ZipFile(path) as archive:
        header = json.loads(archive.read(_archive.HEADER))
        arrays = {n[len("arrays/"):-4]: np.lib.format.read_array(archive.open(n))
                  for n in archive.namelist() if n.startswith("arrays/")}
    edit(header["model"])
    forged = tmp_path / "forged.skdc"
    _archive.write_archive(forged, header, arrays)  # a valid checksum: only the model lies
    return forged


def test_forged_parameters_refused(fitted_pipeline, tmp_path):
    path = save_model(fitted_pipeline, tmp_path / "model.skdc")

    def bad_filters(model):
        model["steps"][1][1]["params"]["n_filters"] = -3

    with pytest.raises(ModelFileError, match="n_filters") as excinfo:
        load_model(_forge(path, tmp_path, bad_filters))
    _one_line(excinfo, "forged.skdc", "cannot be rebuilt")

    def extra_attribute(model):
        model["steps"][1][1]["fitted"]["net_"] = "anything"

    with pytest.raises(ModelFileError, match="no fitted attributes \\['net_'\\]"):
        load_model(_forge(path, tmp_path, extra_attribute))


def test_torch_device_parameter(data, tmp_path):
    X, y = data
    model = DeepChromeClassifier(5, n_filters=2, hidden_sizes=(4,), device=torch.device("cpu"),
                                 **TINY).fit(X, y)
    loaded = _round_trip(model, tmp_path, device=torch.device("cpu"))
    assert loaded.device == "cpu"
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_zip_bomb_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(_archive, "MAX_CONTENT_BYTES", 1000)
    path = tmp_path / "bomb.skdc"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_archive.HEADER, b" " * 5000)
    with pytest.raises(ModelFileError, match="declares 5000 bytes"):
        load_model(path)


# --- The trust boundary: forged files are refused, whatever they declare ---------------

def _blob_parts(path):
    """The header and the skops blob's members (name -> bytes) of a baseline's file."""
    with zipfile.ZipFile(path) as archive:
        header = json.loads(archive.read(_archive.HEADER))
        blob = archive.read("blobs/skops.skops")
    with zipfile.ZipFile(io.BytesIO(blob)) as inner:
        return header, {name: inner.read(name) for name in inner.namelist()}


def _write_blob(path, header, members, compression=zipfile.ZIP_STORED):
    """A model file with a valid checksum around the skops blob made of ``members``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as inner:
        for name, data in members.items():
            inner.writestr(name, data)
    _archive.write_archive(path, header, {}, {"skops.skops": buffer.getvalue()})
    return path


def _skops_header():
    return {"format": _archive.FORMAT_NAME, "format_version": FORMAT_VERSION,
            "model": {"class": "skops", "member": "skops.skops"}}


def _skops_file(model, path):
    """``model`` as a skops model file, written without save_model's checks (as a forger
    would)."""
    sio = pytest.importorskip("skops.io")
    with zipfile.ZipFile(io.BytesIO(sio.dumps(model))) as inner:
        members = {name: inner.read(name) for name in inner.namelist()}
    return _write_blob(path, _skops_header(), members)


def _schema_nodes(schema, loader):
    stack, found = [schema], []
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("__loader__") == loader:
                found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _edit_npy(members, name, edit):
    array = np.load(io.BytesIO(members[name]), allow_pickle=False)
    edit(array)
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    members[name] = buffer.getvalue()


@pytest.fixture(scope="module")
def forest(data):
    from sklearn.ensemble import RandomForestClassifier

    X, y = data
    return RandomForestClassifier(n_estimators=3, random_state=0, n_jobs=1).fit(X, y)


def _forged_forest(forest, tmp_path, field, value, row=0):
    path = _skops_file(forest, tmp_path / f"forest-{field}-{value}.skdc")
    header, members = _blob_parts(path)
    schema = json.loads(members["schema.json"])
    tree = _schema_nodes(schema, "TreeNode")[0]
    nodes = tree["content"]["content"]["nodes"]["file"]

    def edit(array):
        array[field][row] = value

    _edit_npy(members, nodes, edit)
    return _write_blob(path, header, members)


#: Loads each model file given, predicts with it, and says "refused" for a ModelFileError:
#: a forged tree that reached scikit-learn's predict would end the process with SIGSEGV.
_LOAD_AND_PREDICT = """
import sys
import numpy as np
from skdeepchrome import load_model
from skdeepchrome.exceptions import ModelFileError
for path in sys.argv[2:]:
    try:
        model = load_model(path)
    except ModelFileError as exc:
        print("REFUSED", exc)
        continue
    model.predict(np.ones((4, int(sys.argv[1]))))
    model.predict_proba(np.ones((4, int(sys.argv[1]))))
    print("predicted", path)
"""


def test_forged_trees_refused_before_predict_can_crash(forest, data, tmp_path):
    pytest.importorskip("skops")
    forged = [
        _forged_forest(forest, tmp_path, "left_child", 10**6),  # child outside the tree
        _forged_forest(forest, tmp_path, "right_child", -7),
        _forged_forest(forest, tmp_path, "feature", 10**6),  # column outside the input
        _forged_forest(forest, tmp_path, "left_child", 0),  # a cycle: predict never ends
        _forged_forest(forest, tmp_path, "threshold", np.nan),
    ]
    for path in forged:
        with pytest.raises(ModelFileError) as excinfo:
            load_model(path)
        _one_line(excinfo, path.name)
    # Out of process too: a segfault or a hang there fails the test instead of ending it.
    done = subprocess.run([sys.executable, "-c", _LOAD_AND_PREDICT, str(data[0].shape[1]),
                           *map(str, forged)], capture_output=True, text=True, timeout=300,
                          cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr[-2000:]
    refused = [line for line in done.stdout.splitlines() if line.startswith("REFUSED")]
    assert len(refused) == len(forged), done.stdout


def test_forged_tree_sizes_refused(forest, tmp_path):
    pytest.importorskip("skops")
    path = _skops_file(forest, tmp_path / "forest.skdc")
    # n_outputs, which Tree allocates (and reads its classes for) before it sees an
    # array, beyond the classes given.
    header, members = _blob_parts(path)
    schema = json.loads(members["schema.json"])
    args = _schema_nodes(schema, "TreeNode")[0]["__reduce__"]["args"]["content"]
    args[2]["content"] = str(2**28)
    members["schema.json"] = json.dumps(schema).encode()
    with pytest.raises(ModelFileError, match="268435456 outputs"):
        load_model(_write_blob(path, header, members))


def test_forged_gradient_boosting_and_svm_refused(data, tmp_path):
    pytest.importorskip("skops")
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.svm import SVC

    X, y = data
    path = _skops_file(HistGradientBoostingClassifier(max_iter=3).fit(X, y),
                       tmp_path / "hgb.skdc")
    header, members = _blob_parts(path)
    schema = json.loads(members["schema.json"])
    predictor = next(n for n in _schema_nodes(schema, "ObjectNode")
                     if n["__class__"] == "TreePredictor")
    nodes = predictor["content"]["content"]["nodes"]["file"]

    def far_feature(array):
        array["feature_idx"][0] = 10**6

    _edit_npy(members, nodes, far_feature)
    with pytest.raises(ModelFileError, match="feature outside"):
        load_model(_write_blob(path, header, members))

    path = _skops_file(SVC().fit(X, y), tmp_path / "svm.skdc")
    header, members = _blob_parts(path)
    schema = json.loads(members["schema.json"])
    counts = schema["content"]["content"]["_n_support"]["file"]

    def more_vectors(array):
        array[0] += 1000  # libsvm would read 1000 support vectors past the stored ones

    _edit_npy(members, counts, more_vectors)
    with pytest.raises(ModelFileError, match="support counts add up"):
        load_model(_write_blob(path, header, members))


def test_skops_pipeline_cache_refused(data, tmp_path):
    pytest.importorskip("skops")
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    X, y = data
    cached = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    cached.set_params(memory=str(tmp_path / "cache"))
    with pytest.raises(ModelFileError, match="memory="):
        load_model(_skops_file(cached, tmp_path / "cached.skdc"))


def test_skops_types_beyond_the_baselines_refused(data, tmp_path):
    """skops trusts every scikit-learn estimator; a model file only the baselines' types."""
    pytest.importorskip("skops")
    from sklearn.cluster import KMeans

    kmeans = KMeans(n_clusters=2, n_init=1, random_state=0).fit(data[0])
    with pytest.raises(ModelFileError, match="not trusted: sklearn.cluster._kmeans.KMeans"):
        load_model(_skops_file(kmeans, tmp_path / "kmeans.skdc"))
    with pytest.raises(TypeError, match="KMeans"):
        save_model(kmeans, tmp_path / "kmeans-saved.skdc")


def _peak_bytes(call):
    """The most memory Python and NumPy held while ``call`` ran (tracemalloc)."""
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def _refused(path):
    def call():
        with pytest.raises(ModelFileError) as excinfo:
            load_model(path)
        _one_line(excinfo, path.name)
    return call


def test_skops_array_declaring_gigabytes_refused_without_allocating(forest, tmp_path):
    pytest.importorskip("skops")
    path = _skops_file(forest, tmp_path / "forest.skdc")
    header, members = _blob_parts(path)
    schema = json.loads(members["schema.json"])
    name = schema["content"]["content"]["classes_"]["file"]
    # The .npy header claims 2 GiB of float64; the data is a few bytes.
    fake = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        fake, {"descr": "<f8", "fortran_order": False, "shape": (2**28,)})
    members[name] = fake.getvalue() + bytes(16)
    path = _write_blob(path, header, members)
    assert path.stat().st_size < 50_000
    assert _peak_bytes(_refused(path)) < 100 * 2**20


def test_skops_schema_bomb_refused_within_the_cap(forest, tmp_path, monkeypatch):
    """A schema.json that inflates far beyond the cap inside a small file is refused."""
    pytest.importorskip("skops")
    monkeypatch.setattr(_archive, "MAX_CONTENT_BYTES", 2**22)
    path = _skops_file(forest, tmp_path / "forest.skdc")
    header, members = _blob_parts(path)
    # Valid JSON still (trailing blanks), 40 MB of it, compressed twice to ~50 kB.
    members["schema.json"] += b" " * (40 * 2**20)
    path = _write_blob(path, header, members, compression=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 200_000
    assert _peak_bytes(_refused(path)) < 20 * 2**20


def test_member_inflating_past_its_declared_size_refused(fitted_pipeline, tmp_path):
    """A member whose zip entry understates its size is never inflated whole."""
    path = save_model(fitted_pipeline, tmp_path / "model.skdc")
    bomb = tmp_path / "bomb.skdc"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bomb, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename), compress_type=zipfile.ZIP_DEFLATED)
        dst.writestr("arrays/zzz.npy", bytes(60 * 2**20), compress_type=zipfile.ZIP_DEFLATED)
    data = bytearray(bomb.read_bytes())
    # Both copies of its uncompressed size (local header, central directory) say 100.
    for start in (m.start() for m in re.finditer(rb"PK\x03\x04|PK\x01\x02", data)):
        central = data[start + 2:start + 4] == b"\x01\x02"
        name_at = start + (46 if central else 30)
        length = struct.unpack_from("<H", data, start + (28 if central else 26))[0]
        if bytes(data[name_at:name_at + length]) == b"arrays/zzz.npy":
            struct.pack_into("<I", data, start + (24 if central else 22), 100)
    bomb.write_bytes(bytes(data))
    assert _peak_bytes(_refused(bomb)) < 20 * 2**20


def _forge_json(path, tmp_path, edit):
    """``path`` with its JSON description edited, its arrays kept, a valid checksum."""
    return _forge(path, tmp_path, edit)


def _built_weights(monkeypatch):
    """Record how many weights each real (not "meta") linear or LSTM layer allocates."""
    sizes = []
    for layer in (torch.nn.Linear, torch.nn.Conv1d):
        reset = layer.reset_parameters

        def recording(self, reset=reset):
            if self.weight.device.type != "meta":
                sizes.append(self.weight.numel())
            return reset(self)

        monkeypatch.setattr(layer, "reset_parameters", recording)
    return sizes


@pytest.mark.parametrize("edit, message", [
    (lambda m: m["steps"][1][1]["params"].update(hidden_sizes={"tuple": [10**6]}),
     "hidden_sizes"),
    (lambda m: m["steps"][1][1]["params"].update(hidden_sizes={"tuple": [200]}),
     "do not fit the network"),
    (lambda m: m["steps"][1][1]["params"].update(n_members=100), "n_members=100"),
    (lambda m: m["steps"][1][1]["params"].update(n_filters=10**9), "n_filters="),
    (lambda m: m["steps"][1][1]["fitted"].update(n_features_in_=10**13), "n_features_in_"),
    (lambda m: m["steps"][0][1]["fitted"].update(n_features_in_=10**13), "n_features_in_"),
    # 8,192 positions pooled into 8,192 bins: a 512-MB matrix (and three times that in
    # temporaries) that fit would build.
    (lambda m: (m["steps"][0][1]["params"].update(n_bins=8192),
                m["steps"][0][1]["fitted"].update(n_features_in_=5 * 8192)), "bins"),
    (lambda m: m["steps"][1][1]["fitted"].update(torch_threads_=10**9), "torch_threads_"),
], ids=["hidden-sizes", "hidden-sizes-within", "members", "filters", "network-width",
        "binner-width", "pooling", "threads"])
def test_sizes_from_the_file_checked_before_allocating(fitted_pipeline, tmp_path, monkeypatch,
                                                       edit, message):
    path = save_model(fitted_pipeline, tmp_path / "model.skdc")
    forged = _forge_json(path, tmp_path, edit)
    sizes = _built_weights(monkeypatch)
    peak = _peak_bytes(_refused(forged))
    with pytest.raises(ModelFileError, match=message):
        load_model(forged)
    # Nothing larger than the saved network's own layers was built (n_filters=4,
    # hidden_sizes=(8,)), and no large array (a 1e13-wide gene) was allocated.
    assert max(sizes, default=0) <= 1000 and peak < 50 * 2**20


def _nested_file(path, depth=800):
    """A binner's file whose ``marks`` parameter nests ``depth`` lists (valid checksum)."""
    marks = '{"list": [' * depth + '{"tuple": ["H3K4me3"]}' + "]}" * depth
    header = (f'{{"format": "{_archive.FORMAT_NAME}", "format_version": {FORMAT_VERSION}, '
              f'"model": {{"class": "HistoneBinner", "params": {{"marks": {marks}}}, '
              '"fitted": {}}}').encode()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(_archive.HEADER, header)
        archive.writestr(_archive.CHECKSUM, _archive._digest(header, {}))
    return path


def test_deeply_nested_description_refused(tmp_path):
    forged = _nested_file(tmp_path / "forged.skdc")
    with pytest.raises(ModelFileError, match="nests deeper") as excinfo:
        load_model(forged)
    _one_line(excinfo, "forged.skdc")


def test_pickle_instead_of_the_skops_blob_refused(tmp_path, monkeypatch):
    path = tmp_path / "pickled.skdc"
    _archive.write_archive(path, _skops_header(), {}, {"skops.skops": pickle.dumps([1, 2])})
    _forbid_unpickling(monkeypatch)
    with pytest.raises(ModelFileError, match="not a readable zip archive") as excinfo:
        load_model(path)
    _one_line(excinfo, "pickled.skdc")


@pytest.mark.parametrize("model", [
    {"class": "skops"},
    {"class": "skops", "member": ["a"]},
    {"class": "HistoneBinner", "params": [], "fitted": {}},
    {"class": "Pipeline", "params": {}, "steps": [["a"]]},
    {"class": "DeepChromeClassifier", "params": {}, "fitted": {}, "state_dict": {}},
    {"class": "HistoneBinner", "params": {"marks": {"array": {"name": "nope",
                                                              "dtype": "<f8"}}}},
], ids=["no-member", "odd-member", "params-list", "short-step", "state-dict", "no-array"])
def test_malformed_descriptions_are_one_model_file_error(model, tmp_path):
    path = tmp_path / "odd.skdc"
    header = {"format": _archive.FORMAT_NAME, "format_version": FORMAT_VERSION,
              "model": model}
    _archive.write_archive(path, header, {})
    with pytest.raises(ModelFileError) as excinfo:
        load_model(path)
    _one_line(excinfo, "odd.skdc")


def test_array_dtype_must_be_the_stored_one(fitted_pipeline, tmp_path):
    """A reference may not re-type its array (a huge void dtype would allocate)."""
    path = save_model(fitted_pipeline[0], tmp_path / "binner.skdc")

    def retype(model):
        model["fitted"]["mark_std_"]["array"]["dtype"] = "V1000000000"

    with pytest.raises(ModelFileError, match="dtype"):
        load_model(_forge_json(path, tmp_path, retype))


def test_cli_reports_a_forged_model_in_one_line(tmp_path, capsys):
    from skdeepchrome.cli import main

    forged = _nested_file(tmp_path / "forged.skdc")
    data = tmp_path / "genes.npz"
    np.savez(data, x=np.zeros(2))
    code = main(["predict", "--model", str(forged), "--data", str(data), "--out",
                 str(tmp_path / "out.csv")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "forged.skdc" in err and "Traceback" not in err


# --- Signed files ---------------------------------------------------------------------

def test_signed_model_files(fitted_pipeline, data, tmp_path):
    binner = fitted_pipeline[0]
    signed = save_model(binner, tmp_path / "signed.skdc", key="lab secret")
    np.testing.assert_array_equal(load_model(signed, key="lab secret").transform(data[0]),
                                  binner.transform(data[0]))
    load_model(signed)  # without a key, the signature is not asked for
    with pytest.raises(ModelFileError, match="signature does not match") as excinfo:
        load_model(signed, key=b"another secret")
    _one_line(excinfo, "signed.skdc")
    unsigned = save_model(binner, tmp_path / "unsigned.skdc")
    with pytest.raises(ModelFileError, match="not signed"):
        load_model(unsigned, key="lab secret")
    # Whoever edits a signed file can recompute its checksum, not its signature.
    edited = _forge(signed, tmp_path, lambda m: m["params"].update(scale="asinh"))
    with zipfile.ZipFile(signed) as src, zipfile.ZipFile(edited, "a") as dst:
        dst.writestr(_archive.SIGNATURE, src.read(_archive.SIGNATURE))
    load_model(edited)
    with pytest.raises(ModelFileError, match="signature does not match"):
        load_model(edited, key="lab secret")
    with pytest.raises(TypeError, match="key"):
        save_model(binner, tmp_path / "bad.skdc", key=42)


@pytest.mark.parametrize("window", [None, (-2000, 2000)])
def test_baseline_fitted_on_a_histone_matrix_round_trips(window, tmp_path):
    """The binner's checked layout is rebuilt from the width its input carried."""
    pytest.importorskip("skops")
    from skdeepchrome.datasets import make_histone_dataset

    ds = make_histone_dataset(60, random_state=0)
    model = make_model("logistic", random_state=0).set_params(binner__window=window)
    model.fit(ds.data, ds.target)
    assert model[0].bin_size_in_ == 100
    _same_outputs(model, _round_trip(model, tmp_path), np.asarray(ds.data))


def test_a_baseline_saved_before_the_binner_moved_still_loads(data, tmp_path):
    # Files of earlier versions name skdeepchrome.binning.HistoneBinner, a module that no
    # longer exists; they load as if written now, and nothing else is relaxed.
    X, y = data
    model = make_model("logistic", random_state=0).fit(X, y)
    path = save_model(model, tmp_path / "now.skdc")
    header, members = _blob_parts(path)
    schema = members["schema.json"].decode()
    assert '"skdeepchrome.preprocessing._binning"' in schema
    members["schema.json"] = schema.replace('"skdeepchrome.preprocessing._binning"',
                                            '"skdeepchrome.binning"').encode()
    old = _write_blob(tmp_path / "old.skdc", header, members)
    np.testing.assert_array_equal(load_model(old).predict_proba(X), model.predict_proba(X))
