"""Prediction through compiled forward passes: equal to Keras, shared traces, chunking."""

import numpy as np
import pytest

from skl_lstm import LSTMRegressor
from skl_lstm.lstm import _inference
from skl_lstm.lstm._cache import LRUCache

from ._helpers import data as _data
from ._helpers import network as _network


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
    plan = model._inference
    assert not plan.fused and plan.skip is None and plan.network.model is model.model_  # the whole network
    np.testing.assert_allclose(model.predict(X), np.asarray(model.model_.predict_on_batch(X))[:, 0], atol=1e-6)


def test_linear_skip_networks_predict_through_one_shared_compiled_function(monkeypatch):
    # Recurrent part on the fused kernel + the skip's matrix product, in one
    # function: equal to Keras, and a second network of the same shape traces
    # nothing new.
    monkeypatch.setattr(_inference, "FUNCTIONS", LRUCache(16))
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
        plan = model._inference
        assert plan.fused and plan.skip is model.model_.get_layer("linear_skip")
    assert len(_inference.FUNCTIONS) == 2  # one shape, with and without gaps



@pytest.mark.parametrize("units", [3, 4, 32, 72])  # fused kernel, gates of 3, 4 and 32 floats; the Keras kernel
def test_a_rows_forecast_does_not_depend_on_the_rows_that_share_its_call(units):
    # What makes Dask partitions forecast what the whole panel forecasts, bit
    # for bit: calls padded to ROW_MULTIPLE rows and cut at CALL_ROWS.
    X, y = _data(n=3000, steps=6, gaps=True)
    model = LSTMRegressor(units=units, epochs=1, linear_skip=True, random_state=0).fit(X, y)
    whole = model.predict(X)
    assert len(X) > _inference.CALL_ROWS  # several calls, and a padded last one
    for start, stop in [(0, 1), (1, 2), (17, 18), (5, 1500), (1499, 3000), (2999, 3000), (333, 2100)]:
        np.testing.assert_array_equal(model.predict(X[start:stop]), whole[start:stop], err_msg=f"{start}:{stop}")
