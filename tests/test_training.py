"""The compiled training loop: fused vs Keras kernels, fallbacks, reuse across fits, leaks, fast predict."""

import gc
import re

import numpy as np
import pytest

import keras  # noqa: E402  (a hard dependency: never skip)
import tensorflow as tf  # noqa: E402

from skl_lstm import LSTMRegressor  # noqa: E402
from skl_lstm import _training  # noqa: E402
from skl_lstm._network import build_lstm  # noqa: E402


def _data(n=64, steps=8, features=2, gaps=False, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, steps, features)).astype(np.float32)
    y = (X[:, -2:, 0].mean(axis=1) + 0.1 * rng.normal(size=n)).astype(np.float32)
    if gaps:
        for i in range(steps):  # warm-up rows: 0 .. steps-1 missing leading steps
            X[i, :i] = np.nan
        X[20, 3:5] = np.nan  # an interior gap
        X[21, 2, 1] = np.nan  # one feature missing masks the whole step
        X[-3, :4] = np.nan  # a gap in the validation tail
    return X, y


def _network(units=8, features=2, steps=8, **kwargs):
    model = build_lstm(steps, features, 1, units=units, **kwargs)
    model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.MeanSquaredError())
    return model


# ----------------------------------------------------------------------------- equivalence
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
    model = _network(units=(6, 5), features=3, steps=10, l2=1e-2)
    chain = _training._chain(model)
    xt, lengths = _training.compact_missing(X)
    assert not np.isnan(xt).any() and lengths[5] == lengths[6] == 0
    with tf.GradientTape(persistent=True) as tape:
        keras_pred = model(X, training=True)
        keras_loss = model.compute_loss(y=y, y_pred=keras_pred)
        fused_pred = _training._fused_forward(chain, True)((tf.constant(xt), tf.constant(lengths)), True)
        fused_loss = model.compute_loss(y=y, y_pred=fused_pred)
    np.testing.assert_allclose(fused_pred, keras_pred, atol=1e-6)
    variables = model.trainable_variables
    for a, b in zip(tape.gradient(fused_loss, variables), tape.gradient(keras_loss, variables)):
        np.testing.assert_allclose(a, b, atol=1e-6)
    np.testing.assert_allclose(_training.predict(model, X), model.predict_on_batch(X), atol=1e-6)


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
    model = _network(**{"units": 8, **network})
    kernel, reason = _training.select_kernel(model, batch_size=batch_size)
    assert kernel == expected[0] and expected[1] in reason


def test_select_kernel_other_cases(monkeypatch):
    model = _network()

    class PerBatch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            pass

    assert _training.select_kernel(model, batch_size=8, callbacks=[PerBatch()]) == (
        "fit",
        "callback PerBatch overrides on_train_batch_end",
    )
    assert _training.select_kernel(model, batch_size=8, callbacks=[keras.callbacks.EarlyStopping()])[0] == "fused"
    assert _training.select_kernel(model, batch_size=8, requested="keras") == ("keras", "training_kernel='keras'")
    # forced past the speed threshold
    assert _training.select_kernel(model, batch_size=512, requested="fused") == ("fused", "")
    inputs = keras.Input((8, 2))
    other = keras.Model(inputs, keras.layers.Dense(1)(keras.layers.GRU(4)(inputs)))
    assert "not the plain" in _training.select_kernel(other, batch_size=8)[1]
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    assert _training.select_kernel(model, batch_size=8) == ("fit", "the Keras backend is 'jax'")


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


def test_callback_with_batch_hooks_trains_through_model_fit_and_is_called_per_batch():
    X, y = _data(n=40)
    seen = []

    class PerBatch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(batch)

    model = LSTMRegressor(units=4, epochs=2, batch_size=10, validation_fraction=0, callbacks=[PerBatch()])
    model.fit(X, y)
    assert model.training_kernel_ == "fit" and seen == [0, 1, 2, 3] * 2
    assert len(model.history_["loss"]) == 2


# ----------------------------------------------------------------------------- reuse across fits
def test_reusing_compiled_functions_changes_nothing(monkeypatch):
    X, y = _data(gaps=True)
    params = dict(units=6, epochs=6, dropout=0.1, random_state=3, patience=2)
    _training.clear_compiled_cache()
    first = LSTMRegressor(**params).fit(X, y)
    assert len(_training._templates) == 1
    again = LSTMRegressor(**params).fit(X, y)  # reuses the first fit's compiled function
    other_lr = LSTMRegressor(**params, learning_rate=0.01).fit(X, y)  # so does this: the rate is a variable
    assert len(_training._templates) == 1
    monkeypatch.setattr(_training, "TEMPLATE_SLOTS", 0)
    fresh = LSTMRegressor(**params).fit(X, y)
    np.testing.assert_array_equal(again.predict(X), first.predict(X))
    np.testing.assert_array_equal(fresh.predict(X), first.predict(X))
    assert fresh.history_ == first.history_ and not np.array_equal(other_lr.predict(X), first.predict(X))
    # the optimizer state comes back to the estimator's own model (warm starts continue from it)
    assert int(again.model_.optimizer.iterations) == int(fresh.model_.optimizer.iterations) > 0


def test_windows_of_any_length_share_one_compiled_function(monkeypatch):
    # The fused kernel's function has a free time axis: a search over windows
    # traces once per network size, and the results equal unshared fits.
    _training.clear_compiled_cache()
    monkeypatch.setattr(_training, "_inference_fns", type(_training._inference_fns)())
    params = dict(units=5, epochs=4, random_state=1, validation_fraction=0.25)
    fits = {steps: LSTMRegressor(**params).fit(*_data(steps=steps, gaps=True)) for steps in (6, 8, 11)}
    assert all(model.training_kernel_ == "fused" for model in fits.values())
    ((template),) = _training._templates.values()
    assert len(template.model.__dict__["_skl_lstm_train_fns"]) == 1
    predictions = {steps: model.predict(_data(steps=steps, gaps=True)[0]) for steps, model in fits.items()}
    assert len(_training._inference_fns) == 1  # every window length, with gaps
    _training.clear_compiled_cache()
    keras_kernel = LSTMRegressor(**params, training_kernel="keras")
    for steps in (6, 8):  # the Keras layers check the input shape: one template per window
        keras_kernel.fit(*_data(steps=steps))
    assert len(_training._templates) == 2
    monkeypatch.setattr(_training, "TEMPLATE_SLOTS", 0)
    alone = LSTMRegressor(**params).fit(*_data(steps=11, gaps=True))
    assert alone.history_ == fits[11].history_
    np.testing.assert_array_equal(alone.predict(_data(steps=11, gaps=True)[0]), predictions[11])


def test_reuse_keys_separate_what_a_graph_bakes_in():
    def key(**compile_args):
        model = build_lstm(8, 2, 1, units=4)
        model.compile(**{"optimizer": keras.optimizers.Adam(), "loss": keras.losses.Huber(delta=1.0), **compile_args})
        return _training._template_key(model, [keras.callbacks.EarlyStopping()])

    assert key() == key(optimizer=keras.optimizers.Adam(learning_rate=0.5))
    assert key() != key(loss=keras.losses.Huber(delta=0.5))  # Huber's get_config omits delta
    assert key() != key(optimizer=keras.optimizers.Adam(clipnorm=1.0))
    model = _network()
    assert _training._template_key(model, [keras.callbacks.TerminateOnNaN()]) is None  # user callbacks: no sharing


# ----------------------------------------------------------------------------- memory
def test_fits_leave_nothing_in_tensorflows_gradient_registry():
    from tensorflow.python.framework import ops

    X, y = _data(n=30)
    LSTMRegressor(units=3, epochs=1).fit(X, y)
    before = len(ops._gradient_registry._registry)
    for kernel in ("fused", "keras"):
        # a user callback disables reuse, so every fit traces its own training function
        LSTMRegressor(units=3, epochs=1, training_kernel=kernel, callbacks=[keras.callbacks.History()]).fit(X, y)
    _training.train(_network(units=3), X, y, epochs=1, callbacks=[_EveryBatch()])  # model.fit fallback
    assert len(ops._gradient_registry._registry) == before


class _EveryBatch(keras.callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        pass


def test_compiled_training_functions_are_freed_with_their_model():
    import weakref

    X, y = _data(n=30)
    model = LSTMRegressor(units=3, epochs=1, callbacks=[keras.callbacks.History()]).fit(X, y)
    functions = list(model.model_.__dict__["_skl_lstm_train_fns"].values())
    assert functions
    ref = weakref.ref(functions[0])
    del model, functions
    gc.collect()
    assert ref() is None


# ----------------------------------------------------------------------------- predict
def test_fast_predict_matches_keras_and_is_batch_consistent():
    X, y = _data(n=50, gaps=True)
    model = LSTMRegressor(units=6, epochs=3, n_features=2, random_state=0).fit(X.reshape(50, -1), y)
    flat = X.reshape(50, -1)
    expected = np.asarray(model.model_.predict_on_batch(X))[:, 0]
    np.testing.assert_allclose(model.predict(flat), expected, atol=1e-6)
    one_at_a_time = np.array([model.predict(flat[i : i + 1])[0] for i in range(0, 50, 7)])
    np.testing.assert_allclose(one_at_a_time, expected[::7], atol=1e-6)
    assert model._is_plain_input(flat[:1])
    assert not model._is_plain_input(flat[:1] * 1e5)  # takes the full checks (and their warning)
    assert not model._is_plain_input(flat[:1].tolist()) and not model._is_plain_input(flat[:1, :-1])


@pytest.mark.parametrize("linear_skip", [False, True])
def test_predict_with_the_keras_kernel_for_wide_networks(linear_skip):
    X, y = _data(n=20)
    model = LSTMRegressor(units=72, epochs=1, linear_skip=linear_skip, random_state=0).fit(X, y)
    assert model.training_kernel_ == "keras"
    assert model.predict(X[:1]).shape == (1,)
    plan = model.model_.__dict__["_skl_lstm_inference"]
    assert not plan.fused and plan.skip is None and plan.model is model.model_  # the whole network
    np.testing.assert_allclose(model.predict(X), np.asarray(model.model_.predict_on_batch(X))[:, 0], atol=1e-6)


def test_linear_skip_networks_predict_through_one_shared_compiled_function(monkeypatch):
    # Recurrent part on the fused kernel + the skip's matrix product, in one
    # function: equal to Keras, and a second network of the same shape traces
    # nothing new.
    monkeypatch.setattr(_training, "_inference_fns", type(_training._inference_fns)())
    X, y = _data(n=40, gaps=True)
    models = [
        LSTMRegressor(units=6, epochs=3, linear_skip=True, random_state=seed, validation_fraction=0.0).fit(X, y)
        for seed in (0, 1)
    ]
    for model in models:
        assert not np.all(model.model_.get_layer("forecast").kernel.numpy() == 0)  # both branches count
        expected = np.asarray(model.model_.predict_on_batch(X))[:, 0]
        np.testing.assert_allclose(model.predict(X), expected, atol=1e-6)
        np.testing.assert_allclose(model.predict(X[-1:]), expected[-1:], atol=1e-6)  # no gaps
        plan = model.model_.__dict__["_skl_lstm_inference"]
        assert plan.fused and plan.skip is model.model_.get_layer("linear_skip")
    assert len(_training._inference_fns) == 2  # one shape, with and without gaps

# ----------------------------------------------------------------------------- threads
def test_joblib_workers_get_their_thread_budget(monkeypatch):
    import multiprocessing

    calls = {}
    monkeypatch.setattr(tf.config.threading, "set_intra_op_parallelism_threads", lambda n: calls.setdefault("intra", n))
    monkeypatch.setattr(tf.config.threading, "set_inter_op_parallelism_threads", lambda n: calls.setdefault("inter", n))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.delenv("TF_NUM_INTRAOP_THREADS", raising=False)
    monkeypatch.delenv("TF_NUM_INTEROP_THREADS", raising=False)
    _training.share_cores_in_joblib_workers()
    assert calls == {}  # not in a worker
    monkeypatch.setattr(multiprocessing.current_process(), "name", "LokyProcess-3")
    monkeypatch.setenv("TF_NUM_INTEROP_THREADS", "2")
    _training.share_cores_in_joblib_workers()
    assert calls == {"intra": 1}  # an explicit TF setting wins


_SEEDED_THEN_UNSEEDED = """
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
from skl_lstm import LSTMRegressor
X = np.random.default_rng(0).normal(size=(30, 4)).astype("float32")
LSTMRegressor(units=2, epochs=1, random_state=0).fit(X, X[:, -1])
from tensorflow.python.framework import config
assert not config.is_op_determinism_enabled() and "TF_DETERMINISTIC_OPS" not in os.environ
import keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile(loss="mse")
model.fit(X, X[:, -1], epochs=1, verbose=0)  # an unseeded Keras fit still works
"""


def test_a_seeded_fit_restores_tensorflows_determinism_setting():
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", _SEEDED_THEN_UNSEEDED], check=True)
