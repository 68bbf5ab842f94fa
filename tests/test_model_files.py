"""save_model / load_model: identical predictions, and files that never run code."""

import importlib.util
import json
import pickle
import zipfile

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
