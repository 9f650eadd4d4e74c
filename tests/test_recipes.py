"""The linear skip branch and the recipe helpers."""

import numpy as np
import pytest
from sklearn.linear_model import RidgeCV


from skl_lstm import LSTMRegressor, recipe_grid, recommended_pipeline  # noqa: E402


def _ar_windows(n=160, window=6, seed=0):
    rng = np.random.default_rng(seed)
    series = np.zeros(n + window + 1)
    for t in range(2, series.size):
        series[t] = 0.6 * series[t - 1] - 0.3 * series[t - 2] + rng.normal()
    X = np.lib.stride_tricks.sliding_window_view(series[:-1], window)[: n]
    y = series[window : window + n]
    return X.astype(np.float32), y


def test_linear_skip_starts_from_the_ridge_fit():
    X, y = _ar_windows()
    # A learning rate of ~0 keeps the starting weights: the network must then
    # predict exactly what the ridge fit of the training windows predicts.
    model = LSTMRegressor(
        linear_skip=True, epochs=1, learning_rate=1e-12, validation_fraction=0.0, early_stopping=False, random_state=0
    ).fit(X, y)
    ridge = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(X, y)
    np.testing.assert_allclose(model.predict(X), ridge.predict(X), atol=1e-4)
    plain = LSTMRegressor(epochs=1, learning_rate=1e-12, validation_fraction=0.0, early_stopping=False, random_state=0)
    assert not np.allclose(plain.fit(X, y).predict(X), ridge.predict(X), atol=1e-2)


def test_linear_skip_learns_a_nonlinear_residual():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 4)).astype(np.float32)
    y = X[:, -1] + np.sin(3 * X[:, -2])  # linear part + a part no linear model captures
    ridge_mse = np.mean((RidgeCV().fit(X[:300], y[:300]).predict(X[300:]) - y[300:]) ** 2)
    # The LSTM starts with zero output weights, so it needs a few epochs to
    # leave the linear solution: a patience of 30 gives it room.
    model = LSTMRegressor(16, linear_skip=True, epochs=150, learning_rate=1e-2, patience=30, random_state=0)
    model.fit(X[:300], y[:300])
    lstm_mse = np.mean((model.predict(X[300:]) - y[300:]) ** 2)
    assert lstm_mse < 0.5 * ridge_mse, (lstm_mse, ridge_mse)
    # where it helps, the trained LSTM part is kept (not the linear start)
    assert model.best_epoch_ >= 1
    assert np.any(model.model_.get_layer("forecast").kernel.numpy())


def test_linear_skip_keeps_the_linear_start_when_no_epoch_beats_it():
    X, y = _ar_windows()
    # An AR(2) process: the ridge start is already the best model, and a
    # learning rate far too high only makes the LSTM part worse on the tail.
    model = LSTMRegressor(8, linear_skip=True, epochs=5, learning_rate=0.5, patience=2, random_state=0).fit(X, y)
    assert model.best_epoch_ == 0
    assert len(model.history_["val_loss"]) >= 1
    ridge = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(X, y)
    np.testing.assert_allclose(model.predict(X), ridge.predict(X), atol=1e-4)
    head = model.model_.get_layer("forecast")
    assert not np.any(head.kernel.numpy()) and not np.any(head.bias.numpy())


def test_linear_skip_handles_missing_steps_and_round_trips(tmp_path):
    X, y = _ar_windows(n=80)
    X[:5, :3] = np.nan  # warm-up steps
    model = LSTMRegressor(8, linear_skip=True, epochs=3, random_state=0).fit(X, y)
    pred = model.predict(X)
    assert np.isfinite(pred).all()
    path = tmp_path / "skip.skl-lstm"
    model.save(path)
    np.testing.assert_array_equal(LSTMRegressor.load(path).predict(X), pred)


def test_recipe_uses_the_linear_skip():
    assert recommended_pipeline(window=12).get_params()["regressor__regressor__lstm__linear_skip"] is True


def test_recipe_grid_expands_short_names():
    model = recommended_pipeline(seasonal_period=12, log=True)
    full = "regressor__model__regressor__regressor__lstm__units"
    assert recipe_grid(model, {"units": [16], "window": [12]}) == {
        full: [16],
        "regressor__model__regressor__regressor__window__window": [12],
    }
    assert recipe_grid(model, {full: [8]}) == {full: [8]}
    assert recipe_grid(model, [{"units": [16]}, {"dropout": [0.2]}]) == [
        {full: [16]},
        {"regressor__model__regressor__regressor__lstm__dropout": [0.2]},
    ]


def test_recipe_grid_refuses_unknown_and_ambiguous_names():
    model = recommended_pipeline(window=12)
    with pytest.raises(ValueError) as err:
        recipe_grid(model, {"unit": [16]})
    assert str(err.value) == (
        "recipe_grid: 'unit' matches no parameter of DifferencedTargetRegressor; "
        "write the full nested name (see estimator.get_params().keys())."
    )
    # Both the target scaler and the input scaler have ``with_mean``.
    with pytest.raises(ValueError, match=r"'with_mean' matches 2 parameters \(regressor__regressor__scale__with_mean, "):
        recipe_grid(model, {"with_mean": [True]})
