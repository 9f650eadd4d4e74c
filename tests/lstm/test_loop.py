"""The compiled training loop: reuse of compiled functions across fits, fallbacks, leaks."""

import gc

import keras
import numpy as np
import pytest

from skl_lstm import LSTMRegressor
from skl_lstm.lstm import _inference, _loop, build_network
from skl_lstm.lstm._cache import LRUCache

from ._helpers import data as _data
from ._helpers import network as _network


# ----------------------------------------------------------------------------- reuse across fits
def test_reusing_compiled_functions_changes_nothing(monkeypatch):
    X, y = _data(gaps=True)
    params = dict(units=6, epochs=6, dropout=0.1, random_state=3, patience=2)
    _loop.clear_compiled_cache()
    first = LSTMRegressor(**params).fit(X, y)
    assert len(_loop.TRAINERS) == 1
    again = LSTMRegressor(**params).fit(X, y)  # reuses the first fit's compiled function
    other_lr = LSTMRegressor(**params, learning_rate=0.01).fit(X, y)  # so does this: the rate is a variable
    assert len(_loop.TRAINERS) == 1
    monkeypatch.setattr(_loop.TRAINERS, "maxsize", 0)
    fresh = LSTMRegressor(**params).fit(X, y)
    np.testing.assert_array_equal(again.predict(X), first.predict(X))
    np.testing.assert_array_equal(fresh.predict(X), first.predict(X))
    assert fresh.history_ == first.history_ and not np.array_equal(other_lr.predict(X), first.predict(X))
    # the optimizer state comes back to the estimator's own model (warm starts continue from it)
    assert int(again.model_.optimizer.iterations) == int(fresh.model_.optimizer.iterations) > 0


def test_windows_of_any_length_share_one_compiled_function(monkeypatch):
    # The fused kernel's function has a free time axis: a search over windows
    # traces once per network size, and the results equal unshared fits.
    _loop.clear_compiled_cache()
    monkeypatch.setattr(_inference, "FUNCTIONS", LRUCache(16))
    params = dict(units=5, epochs=4, random_state=1, validation_fraction=0.25)
    fits = {steps: LSTMRegressor(**params).fit(*_data(steps=steps, gaps=True)) for steps in (6, 8, 11)}
    assert all(model.training_kernel_ == "fused" for model in fits.values())
    ((trainer),) = _loop.TRAINERS.values()
    assert len(trainer._functions) == 1
    predictions = {steps: model.predict(_data(steps=steps, gaps=True)[0]) for steps, model in fits.items()}
    assert len(_inference.FUNCTIONS) == 1  # every window length, with gaps
    _loop.clear_compiled_cache()
    keras_kernel = LSTMRegressor(**params, training_kernel="keras")
    for steps in (6, 8):  # the Keras layers check the input shape: one template per window
        keras_kernel.fit(*_data(steps=steps))
    assert len(_loop.TRAINERS) == 2
    monkeypatch.setattr(_loop.TRAINERS, "maxsize", 0)
    alone = LSTMRegressor(**params).fit(*_data(steps=11, gaps=True))
    assert alone.history_ == fits[11].history_
    np.testing.assert_array_equal(alone.predict(_data(steps=11, gaps=True)[0]), predictions[11])


def test_reuse_keys_separate_what_a_graph_bakes_in():
    def key(**compile_args):
        model = build_network(8, 2, 1, units=4).model
        model.compile(**{"optimizer": keras.optimizers.Adam(), "loss": keras.losses.Huber(delta=1.0), **compile_args})
        return _loop._template_key(model, [keras.callbacks.EarlyStopping()])

    assert key() == key(optimizer=keras.optimizers.Adam(learning_rate=0.5))
    assert key() != key(loss=keras.losses.Huber(delta=0.5))  # Huber's get_config omits delta
    assert key() != key(optimizer=keras.optimizers.Adam(clipnorm=1.0))
    net = _network()
    assert _loop._template_key(net.model, [keras.callbacks.TerminateOnNaN()]) is None  # user callbacks: no sharing



# ----------------------------------------------------------------------------- memory
def test_fits_leave_nothing_in_tensorflows_gradient_registry():
    from tensorflow.python.framework import ops

    X, y = _data(n=30)
    LSTMRegressor(units=3, epochs=1).fit(X, y)
    before = len(ops._gradient_registry._registry)
    for kernel in ("fused", "keras"):
        # a user callback disables reuse, so every fit traces its own training function
        LSTMRegressor(units=3, epochs=1, training_kernel=kernel, callbacks=[keras.callbacks.History()]).fit(X, y)
    net = _network(units=3)
    _loop.train(net.model, net.chain, X, y, epochs=1, callbacks=[_EveryBatch()])  # model.fit fallback
    assert len(ops._gradient_registry._registry) == before


class _EveryBatch(keras.callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        pass


def test_compiled_training_functions_are_freed_with_their_model(monkeypatch):
    import weakref

    traced = []
    compile_epoch = _loop.Trainer._compile
    monkeypatch.setattr(_loop.Trainer, "_compile", lambda self, *a: traced.append(compile_epoch(self, *a)) or traced[-1])
    X, y = _data(n=30)
    model = LSTMRegressor(units=3, epochs=1, callbacks=[keras.callbacks.History()]).fit(X, y)  # no sharing
    assert len(traced) == 1
    ref = weakref.ref(traced.pop())
    del model
    gc.collect()
    assert ref() is None


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
