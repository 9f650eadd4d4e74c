"""The fused and Keras kernels: same training, exact compaction, and when each is chosen."""

import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from skl_lstm import LSTMRegressor
from skl_lstm.lstm import _kernels
from skl_lstm.lstm._inference import InferencePlan, predict

from ._helpers import data as _data
from ._helpers import network as _network

_STACKED = {"units": (6, 4), "dropout": 0.2, "l2": 1e-3, "loss": "huber", "loss__delta": 0.5, "batch_size": 10}


def _fit_both_kernels(gaps, params, epochs=6):
    X, y = _data(gaps=gaps)
    weights = np.linspace(0.5, 1.5, len(y))
    base = dict(units=8, epochs=epochs, random_state=0, early_stopping=False, validation_fraction=0.2)
    fits = {}
    for kernel in ("fused", "keras"):
        model = LSTMRegressor(**{**base, **params}, training_kernel=kernel)
        fits[kernel] = model.fit(X, y, sample_weight=weights)
        assert model.training_kernel_ == kernel
    fused, plain = fits["fused"], fits["keras"]
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(fused.history_[key], plain.history_[key], rtol=1e-4)
    np.testing.assert_allclose(fused.predict(X), plain.predict(X), atol=1e-4)


@pytest.mark.parametrize("gaps, params", [(True, {}), (False, _STACKED)], ids=["gaps", "no-gaps-stacked-dropout-huber"])
def test_fused_and_keras_kernels_give_the_same_training(gaps, params):
    # Same loss trajectory (training and validation) and predictions: the fused
    # kernel even draws the same dropout masks from the same seed stream.
    _fit_both_kernels(gaps, params)


@pytest.mark.slow
@pytest.mark.parametrize("gaps", [False, True], ids=["no-gaps", "gaps"])
@pytest.mark.parametrize(
    "params",
    [{}, _STACKED, {"units": 12, "dropout": 0.3, "l1": 1e-3, "loss": "mae", "optimizer": "rmsprop"}],
    ids=["plain", "stacked-dropout-huber", "mae-rmsprop-l1"],
)
def test_fused_and_keras_kernels_give_the_same_training_long(gaps, params):
    _fit_both_kernels(gaps, params, epochs=40)


def test_compact_then_gather_is_exact_for_any_missing_pattern():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 10, 3)).astype(np.float32)
    X[rng.random(X.shape[:2]) < 0.3] = np.nan  # random missing steps, anywhere
    X[5, :, 1] = np.nan  # a feature missing everywhere: the window is empty
    X[6] = np.nan
    y = rng.normal(size=(40, 1)).astype(np.float32)
    net = _network(units=(6, 5), features=3, steps=10, l2=1e-2)
    model, chain = net.model, net.chain
    xt, lengths = _kernels.compact_missing(X)
    assert not np.isnan(xt).any() and lengths[5] == lengths[6] == 0
    with tf.GradientTape(persistent=True) as tape:
        keras_pred = model(X, training=True)
        keras_loss = model.compute_loss(y=y, y_pred=keras_pred)
        fused_pred = _kernels.fused_forward(chain, True)((tf.constant(xt), tf.constant(lengths)), True)
        fused_loss = model.compute_loss(y=y, y_pred=fused_pred)
    np.testing.assert_allclose(fused_pred, keras_pred, atol=1e-6)
    variables = model.trainable_variables
    for a, b in zip(tape.gradient(fused_loss, variables), tape.gradient(keras_loss, variables)):
        np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(predict(InferencePlan(net), X), model.predict_on_batch(X), atol=1e-6)



# ----------------------------------------------------------------------------- kernel choice
@pytest.mark.parametrize(
    "network, batch_size, expected",
    [
        ({}, 32, ("fused", "")),
        ({"mask_missing": False, "unroll": True}, 32, ("fused", "")),
        ({"recurrent_dropout": 0.1}, 32, ("keras", "has recurrent_dropout=0.1 > 0")),
        ({"activation": "relu"}, 32, ("keras", "has activation is not 'tanh'")),
        ({"units": 128}, 16, ("keras", "128 units > 64: the Keras kernel is faster")),
        ({"units": 64}, 256, ("keras", "batch_size * units = 16384 > 4096: the Keras kernel is faster")),
    ],
)
def test_select_kernel_falls_back_where_the_fused_kernel_does_not_apply(network, batch_size, expected):
    net = _network(**{"units": 8, **network})
    kernel, reason = _kernels.select_kernel(net.chain, batch_size=batch_size)
    assert kernel == expected[0] and expected[1] in reason


def test_select_kernel_other_cases(monkeypatch):
    net = _network()

    class PerBatch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    assert _kernels.select_kernel(net.chain, batch_size=8, callbacks=[PerBatch()]) == (
        "fit",
        "callback PerBatch overrides on_train_batch_end",
    )
    assert _kernels.select_kernel(net.chain, batch_size=8, callbacks=[keras.callbacks.EarlyStopping()])[0] == "fused"
    assert _kernels.select_kernel(net.chain, batch_size=8, requested="keras") == ("keras", "training_kernel='keras'")
    # forced past the speed threshold
    assert _kernels.select_kernel(net.chain, batch_size=512, requested="fused") == ("fused", "")
    # with steps to mask, the Keras layer pays for its mask at every step: the fused kernel stays the faster one
    assert _kernels.select_kernel(net.chain, batch_size=1024, masked=True) == ("fused", "")
    assert _kernels.select_kernel(net.chain, batch_size=1024)[0] == "keras"
    unmasked = _network(units=8, mask_missing=False)
    assert _kernels.select_kernel(unmasked.chain, batch_size=1024, masked=True)[0] == "keras"  # no mask layer
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    assert _kernels.select_kernel(net.chain, batch_size=8) == ("fit", "the Keras backend is 'jax'")


def test_forcing_the_fused_kernel_on_a_model_that_needs_keras_raises_naming_why():
    X, y = _data()
    model = LSTMRegressor(units=4, epochs=1, recurrent_dropout=0.1, training_kernel="fused")
    message = "training_kernel='fused' cannot train this model: LSTM layer 'lstm_0' has recurrent_dropout=0.1 > 0"
    with pytest.raises(ValueError, match=re.escape(message)):
        model.fit(X, y)
    assert not hasattr(model, "model_")
    auto = LSTMRegressor(units=4, epochs=1, recurrent_dropout=0.1).fit(X, y)
    assert auto.training_kernel_ == "keras"
    with pytest.raises(ValueError, match="The 'training_kernel' parameter of LSTMRegressor must be a str among"):
        LSTMRegressor(training_kernel="cudnn").fit(X, y)


