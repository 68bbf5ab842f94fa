"""Fits run with subnormal floats flushed to zero, and leave the caller's setting alone."""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

import skdeepchrome.estimators._base as base
from skdeepchrome import DeepChromeClassifier
from skdeepchrome.estimators._denormals import denormals_flushed, flushing_denormals

pytestmark = pytest.mark.skipif(not torch.set_flush_denormal(False),
                                reason="this processor cannot flush subnormal floats")


def tiny_product():
    return float(torch.tensor(1e-30) * torch.tensor(1e-10))


def test_the_block_flushes_and_the_setting_comes_back():
    assert not flushing_denormals() and tiny_product() > 0
    with denormals_flushed():
        assert flushing_denormals() and tiny_product() == 0
    assert not flushing_denormals() and tiny_product() > 0


def test_a_caller_who_flushes_already_keeps_flushing():
    torch.set_flush_denormal(True)
    try:
        with denormals_flushed():
            assert flushing_denormals()
        assert flushing_denormals()
    finally:
        torch.set_flush_denormal(False)


def test_an_error_inside_still_restores():
    with pytest.raises(RuntimeError), denormals_flushed():
        raise RuntimeError("boom")
    assert not flushing_denormals()


class Seen(Callback):
    """Records on the class: the estimator trains a copy of its callbacks."""

    states = []

    def on_batch_end(self, net, **kwargs):
        Seen.states.append(flushing_denormals())


@pytest.fixture
def genes():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 20)).astype(np.float32)
    return X, (X[:, :10].mean(axis=1) > 0).astype(int)


def test_one_network_trains_flushed(genes):
    Seen.states = []
    DeepChromeClassifier(marks=2, max_epochs=2, callbacks=[Seen()], random_state=0).fit(*genes)
    assert Seen.states and all(Seen.states)
    assert not flushing_denormals()


def test_members_trained_together_train_flushed(genes, monkeypatch):
    states, train = [], base.train_members

    def recording(*args, **kwargs):
        states.append(flushing_denormals())
        return train(*args, **kwargs)

    monkeypatch.setattr(base, "train_members", recording)
    DeepChromeClassifier(marks=2, max_epochs=2, n_members=2, random_state=0).fit(*genes)
    assert states == [True]
    assert not flushing_denormals()


@pytest.mark.parametrize("optimizer, params, fused", [
    ("adam", None, True), ("adamw", None, True), ("sgd", None, False),
    ("adam", {"foreach": True}, False), ("adamw", {"fused": False}, False)])
def test_adam_steps_are_one_fused_kernel_unless_asked_otherwise(optimizer, params, fused):
    est = DeepChromeClassifier(optimizer=optimizer, optimizer_params=params)
    arguments = est._optimizer_arguments(est._optimizer_class())
    assert arguments.get("optimizer__fused", False) is fused
