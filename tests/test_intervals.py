"""Conformal forecast intervals: the arithmetic, DifferencedTargetRegressor, LSTMRegressor and the recipe."""

import pickle
import re

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.preprocessing import StandardScaler

from skl_lstm import DifferencedTargetRegressor, forecast
from skl_lstm.datasets import make_supervised
from skl_lstm.exceptions import FewCalibrationResidualsWarning
from skl_lstm.utils._conformal import conformal_quantile, interval_offsets, needed_residuals


def _ar1(n, seed, phi=0.6, sigma=1.0, level=100.0):
    rng = np.random.default_rng(seed)
    noise = rng.normal(scale=sigma, size=n)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + noise[t]
    return pd.Series(x + level, name="y")


def _random_walk(n, seed, sigma=1.0, level=100.0):
    rng = np.random.default_rng(seed)
    return level + np.cumsum(rng.normal(scale=sigma, size=n))


def _covered(bounds, y):
    return float(np.mean((bounds[:, 0] <= y) & (y <= bounds[:, 1])))


# ------------------------------------------------------------------ arithmetic
def test_conformal_rank_and_the_residuals_each_coverage_needs():
    scores = np.arange(1.0, 20.0)  # 19 scores
    assert conformal_quantile(scores, 0.9) == 18.0  # ceil(20 * 0.9) = 18th smallest
    assert conformal_quantile(scores, 0.95) == 19.0
    assert conformal_quantile(scores, 0.96) == np.inf
    assert conformal_quantile(scores, 0.0) == 0.0
    assert [needed_residuals(c) for c in (0.5, 0.8, 0.9, 0.95, 0.99)] == [1, 4, 9, 19, 99]
    for c in (0.5, 0.8, 0.9, 0.95, 0.975, 0.99):
        n = needed_residuals(c)
        assert np.isfinite(conformal_quantile(np.ones(n), c)) and not np.isfinite(conformal_quantile(np.ones(n - 1), c))


def test_offsets_are_symmetric_monotone_and_zero_at_the_median():
    residuals = np.array([[-3.0, 1.0], [1.0, -2.0], [2.0, 4.0], [-4.0, 3.0]] * 5)  # 20 rows, 2 outputs
    offsets = interval_offsets(residuals, np.array([0.1, 0.25, 0.5, 0.75, 0.9]), owner="m", asked="a", source="s")
    np.testing.assert_array_equal(offsets[2], [0.0, 0.0])
    np.testing.assert_array_equal(offsets[0], -offsets[4])
    assert (np.diff(offsets, axis=0) >= 0).all()
    # output 0: |r| = 3, 1, 2, 4 five times each; level 0.8 -> ceil(21 * 0.8) = 17th smallest = 4
    assert offsets[4, 0] == 4.0 and offsets[3, 0] == 3.0  # level 0.5 -> 11th smallest = 3


# --------------------------------------------------- DifferencedTargetRegressor
def test_interval_is_the_forecast_plus_minus_the_conformal_quantile():
    series = _random_walk(300, 0)
    X, y = series[:-1, None], series[1:]
    model = DifferencedTargetRegressor(LinearRegression(), interval_scale_window=None).fit(X[:150], y[:150])
    model.calibrate(X[150:250], y[150:250])
    residuals = y[150:250] - model.predict(X[150:250])
    np.testing.assert_allclose(model.calibration_residuals_[:, 0], residuals)
    q = np.sort(np.abs(residuals))[int(np.ceil(101 * 0.9)) - 1]
    point = model.predict(X[250:])
    bounds = model.predict_interval(X[250:], coverage=0.9)
    assert bounds.shape == (49, 2)
    np.testing.assert_allclose(bounds, np.column_stack([point - q, point + q]))
    quantiles = model.predict_quantiles(X[250:], quantiles=(0.05, 0.5, 0.95))
    np.testing.assert_allclose(quantiles[:, [0, 2]], bounds)
    np.testing.assert_array_equal(quantiles[:, 1], point)


def test_log_recipe_maps_the_interval_through_the_exact_inverse():
    rng = np.random.default_rng(1)
    series = 50 * np.exp(np.cumsum(rng.normal(0.01, 0.05, size=200)))
    X, Y = make_supervised(pd.DataFrame({"y": series}), horizon=2, all_horizons=True)
    model = DifferencedTargetRegressor(Ridge(), transformer=StandardScaler(), log=True, interval_scale_window=None)
    model.fit(X[:100], Y[:100]).calibrate(X[100:170], Y[100:170])
    change = model.regressor_.predict(np.log(X[170:]))
    offsets = interval_offsets(model.calibration_residuals_, np.array([0.1, 0.9]), owner="", asked="", source="")
    scaler, last = model.transformer_, np.log(X[170:].to_numpy())
    expected = [np.exp(scaler.inverse_transform(change + offsets[k]) + last) for k in (0, 1)]
    bounds = model.predict_interval(X[170:], coverage=0.8)
    assert bounds.shape == (len(X) - 170, 2, 2)
    np.testing.assert_allclose(bounds[:, 0], expected[0], rtol=1e-12)
    np.testing.assert_allclose(bounds[:, 1], expected[1], rtol=1e-12)
    assert (bounds[:, 0] < model.predict(X[170:])).all() and (model.predict(X[170:]) < bounds[:, 1]).all()


def test_local_scale_gives_calm_and_volatile_series_their_own_width():
    n = 400
    frames = [
        pd.DataFrame({"y": _random_walk(n, seed, sigma=sigma)}, index=pd.MultiIndex.from_product([[name], range(n)]))
        for seed, (name, sigma) in enumerate((("calm", 1.0), ("volatile", 8.0)))
    ]
    panel = pd.concat(frames)
    panel.index.names = ["series", "time"]
    X, y = make_supervised(panel, horizon=1)
    time = X.index.get_level_values(1)
    fit, cal, test = time < 200, (time >= 200) & (time < 300), time >= 300
    results = {}
    for window in (26, None):
        model = DifferencedTargetRegressor(LinearRegression(), interval_scale_window=window).fit(X[fit], y[fit])
        bounds = model.calibrate(X[fit | cal], y[fit | cal]).predict_interval(X, coverage=0.9)[test]
        inside = (bounds[:, 0] <= y[test].to_numpy()) & (y[test].to_numpy() <= bounds[:, 1])
        results[window] = pd.Series(inside).groupby(np.asarray(X.index.get_level_values(0)[test])).mean()
    assert results[26].between(0.8, 1.0).all(), results[26]
    # one width for both: the calm series is always covered, the volatile one far less than 90 %
    assert results[None]["calm"] == 1.0 and results[None]["volatile"] < 0.8


def test_errors_say_what_is_allowed_and_how_many_residuals_are_needed():
    series = _random_walk(120, 0)
    X, y = series[:-1, None], series[1:]
    with pytest.raises(NotFittedError):
        DifferencedTargetRegressor().predict_interval(X)
    model = DifferencedTargetRegressor().fit(X[:60], y[:60])
    with pytest.raises(ValueError, match=re.escape(
        "DifferencedTargetRegressor: this model holds no calibration residuals (its regressor records none when "
        "fitted; LSTMRegressor does, from its validation tail). Call calibrate(X_cal, y_cal) with rows the model "
        "was not fitted on first."
    )):
        model.predict_interval(X[60:])
    model.calibrate(X[60:72], y[60:72])
    for bad in (0, 1, 1.5, -0.1, "0.9", True, None):
        with pytest.raises(ValueError, match=re.escape(
            f"DifferencedTargetRegressor.predict_interval: coverage={bad!r} must be a float strictly between 0 "
            "and 1, the share of observations the interval should hold (e.g. 0.9 for a 90 % interval)."
        )):
            model.predict_interval(X[72:], coverage=bad)
    # 12 residuals: too few for a conformal 95 % interval, so a Student-t one from them, said in a warning
    with pytest.warns(FewCalibrationResidualsWarning, match=re.escape(
        "DifferencedTargetRegressor: coverage=0.95 needs 19 calibration residuals per output for a split-conformal "
        "interval, but there are 12 (calibrate() on 12 rows); the interval is a Student-t prediction interval "
        "from those residuals instead, which assumes they are roughly normal. For the conformal guarantee, call "
        "calibrate(X_cal, y_cal) with at least 19 rows the model was not fitted on (or fit on a longer series, "
        "or with a larger validation_fraction)."
    )):
        bounds = model.predict_interval(X[72:], coverage=0.95)
    scores = np.abs(model.calibration_residuals_[:, 0]) / model.calibration_scale_
    half = scipy.stats.t.ppf(0.975, 11) * np.sqrt(np.mean(scores**2)) * np.sqrt(1 + 1 / 12)
    center, to_target, scale = model._interval_center(X[72:])
    center = np.asarray(center, dtype=np.float64).reshape(-1, 1)
    np.testing.assert_allclose(bounds[:, 1], np.ravel(to_target(center + half * scale[:, None])))
    assert model.predict_interval(X[72:], coverage=0.9).shape == (len(X) - 72, 2)  # 12 >= 9
    with pytest.raises(ValueError, match=re.escape(
        "DifferencedTargetRegressor.predict_quantiles: quantiles=(0.5, 1.0) must be a non-empty list of floats "
        "strictly between 0 and 1 (e.g. (0.1, 0.5, 0.9))."
    )):
        model.predict_quantiles(X[72:], quantiles=(0.5, 1.0))
    with pytest.warns(FewCalibrationResidualsWarning, match=r"quantiles=\[0.01, 0.5\] needs 49 calibration residuals"):
        model.predict_quantiles(X[72:], quantiles=[0.01, 0.5])
    model.calibrate(X[72:73], y[72:73])
    with pytest.raises(ValueError, match=re.escape(
        "DifferencedTargetRegressor: coverage=0.9 needs at least 9 calibration residuals per output (2 for any "
        "interval), but there are 1 (calibrate() on 1 rows). Call calibrate(X_cal, y_cal) with at least 9 rows "
        "the model was not fitted on (or fit on a longer series, or with a larger validation_fraction)."
    )):
        model.predict_interval(X[72:])


def test_states_saved_before_intervals_load_and_can_be_calibrated():
    series = _random_walk(120, 0)
    X, y = series[:-1, None], series[1:]
    model = DifferencedTargetRegressor().fit(X[:60], y[:60])
    state = {k: v for k, v in model.__getstate__().items() if "calibration" not in k and "interval" not in k}
    old = DifferencedTargetRegressor.__new__(DifferencedTargetRegressor)
    old.__setstate__(state)
    assert old.interval_scale_window == 26 and old.calibration_residuals_ is None
    np.testing.assert_array_equal(old.predict(X[60:]), model.predict(X[60:]))
    with pytest.raises(ValueError, match="holds no calibration residuals"):
        old.predict_interval(X[60:])
    old.calibrate(X[60:100], y[60:100])  # without the fitted scales, rows short of history take their own
    assert old.calibration_residuals_.shape == (40, 1) and old.predict_interval(X[100:]).shape == (19, 2)
    old.interval_scale_window = model.interval_scale_window = None
    np.testing.assert_allclose(
        old.calibrate(X[60:100], y[60:100]).predict_interval(X[100:]),
        model.calibrate(X[60:100], y[60:100]).predict_interval(X[100:]),
    )


# -------------------------------------------------------- the recipe (Keras)
@pytest.fixture(scope="module")
def ar1_recipe():
    pytest.importorskip("keras")
    from skl_lstm import recommended_pipeline

    X, y = make_supervised(_ar1(1500, seed=3).to_frame(), horizon=1)
    model = recommended_pipeline(units=4, epochs=5, random_state=0).fit(X.iloc[:1000], y.iloc[:1000])
    return model, X, y


def test_recipe_intervals_hold_their_coverage_on_held_out_rows(ar1_recipe):
    model, X, y = ar1_recipe
    lstm = model.regressor_[-1]
    assert model.calibration_residuals_.shape == (lstm.n_validation_, 1) and lstm.n_validation_ >= 140
    truth = y.iloc[1000:].to_numpy()
    for coverage, tolerance in ((0.8, 0.05), (0.95, 0.03)):
        covered = _covered(model.predict_interval(X.iloc[1000:], coverage=coverage), truth)
        assert abs(covered - coverage) <= tolerance, (coverage, covered)
    # the noise is N(0, 1): a 95 % interval cannot be much narrower than 2 * 1.96
    width = np.diff(model.predict_interval(X.iloc[1000:], coverage=0.95), axis=1).mean()
    assert 3.4 < width < 4.8, width


def test_recipe_residuals_are_those_of_its_validation_tail(monkeypatch):
    # the residuals are the target-space errors on the most recent rows, of the network that had not seen them;
    # the linear start's refit on every row (tested in tests/lstm) is left out so the fitted model is that one
    pytest.importorskip("keras")
    from skl_lstm import recommended_pipeline
    from skl_lstm.lstm import _linear

    set_start = _linear.set_linear_start
    monkeypatch.setattr(_linear, "set_linear_start", lambda network, start, silence=True: (
        set_start(network, start) if silence else None))
    X, y = make_supervised(_ar1(1500, seed=3).to_frame(), horizon=1)
    model = recommended_pipeline(units=4, epochs=5, random_state=0, fallback=False).fit(X.iloc[:1000], y.iloc[:1000])
    lstm = model.regressor_[-1]
    rows = lstm.calibration_rows_
    np.testing.assert_array_equal(rows, np.arange(1000 - lstm.n_validation_, 1000))  # the most recent rows
    X_in, change = model._regressor_data(X.iloc[:1000], y.iloc[:1000], reset=False)
    expected = change[rows] - model.regressor_.predict(X_in)[rows]
    np.testing.assert_allclose(model.calibration_residuals_[:, 0], expected, atol=1e-5)


def test_recipe_intervals_survive_save_load_pickle_and_clone(ar1_recipe, tmp_path):
    import skl_lstm

    model, X, _ = ar1_recipe
    expected = model.predict_interval(X.iloc[1000:1100], coverage=0.9)
    skl_lstm.save(model, tmp_path / "m.skl-lstm")
    for loaded in (skl_lstm.load(tmp_path / "m.skl-lstm"), pickle.loads(pickle.dumps(model))):
        for name in ("calibration_residuals_", "calibration_scale_", "interval_series_scale_"):
            np.testing.assert_array_equal(getattr(loaded, name), getattr(model, name))
        np.testing.assert_array_equal(loaded.regressor_[-1].calibration_rows_, model.regressor_[-1].calibration_rows_)
        np.testing.assert_allclose(loaded.predict_interval(X.iloc[1000:1100], coverage=0.9), expected, rtol=1e-6)
    fresh = clone(model)
    assert fresh.get_params()["interval_scale_window"] == 26 and not hasattr(fresh, "calibration_residuals_")


def test_recipe_panel_multi_horizon_shapes_and_forecast_columns():
    pytest.importorskip("keras")
    from skl_lstm import recommended_pipeline

    n = 120
    frames = [
        pd.DataFrame({"y": _random_walk(n, seed, sigma=sigma)}, index=pd.MultiIndex.from_product([[name], range(n)]))
        for seed, (name, sigma) in enumerate((("a", 1.0), ("b", 3.0)))
    ]
    panel = pd.concat(frames)
    panel.index.names = ["series", "time"]
    X, Y = make_supervised(panel, horizon=3, all_horizons=True)
    model = recommended_pipeline(units=3, epochs=2, random_state=0).fit(X, Y)
    assert model.log_ and model.calibration_residuals_.shape == (model.regressor_[-1].n_validation_, 3)
    bounds = model.predict_interval(X, coverage=0.8)
    quantiles = model.predict_quantiles(X, quantiles=(0.1, 0.5, 0.9))
    point = model.predict(X)
    assert bounds.shape == (len(X), 2, 3) and quantiles.shape == (len(X), 3, 3)
    np.testing.assert_allclose(quantiles[:, [0, 2]], bounds)
    np.testing.assert_allclose(quantiles[:, 1], point)
    assert (bounds[:, 0] < point).all() and (point < bounds[:, 1]).all()
    table = forecast(model, panel, coverage=0.8)
    assert list(table.columns) == ["series", "time", "horizon", "forecast", "lower", "upper"]
    assert len(table) == 6 and (table["lower"] < table["forecast"]).all() and (table["forecast"] < table["upper"]).all()
    ends = np.flatnonzero(panel.index.get_level_values(1) == n - 1)  # each series' last row
    np.testing.assert_allclose(table["lower"], model.predict_interval(panel, coverage=0.8)[ends, 0].ravel())
    np.testing.assert_allclose(table["upper"], model.predict_interval(panel, coverage=0.8)[ends, 1].ravel())
    np.testing.assert_array_equal(forecast(model, panel)["forecast"], table["forecast"])


def test_lstm_regressor_alone_gives_intervals_in_its_target_shape():
    pytest.importorskip("keras")
    from skl_lstm import LSTMRegressor, WindowTransformer

    t = np.arange(200.0)
    X = WindowTransformer(window=6).fit_transform(np.sin(t / 4)[:, None])
    targets = np.column_stack([np.sin((t + 1) / 4), np.sin((t + 2) / 4)])
    single = LSTMRegressor(units=3, epochs=2, validation_fraction=0.2, random_state=0).fit(X, targets[:, 0])
    assert single.predict_interval(X[-5:]).shape == (5, 2)
    assert single.calibration_residuals_.shape == (40, 1)
    np.testing.assert_allclose(
        single.calibration_residuals_[:, 0], targets[-40:, 0] - single.predict(X[-40:]), atol=1e-6
    )
    double = LSTMRegressor(units=3, epochs=2, validation_fraction=0.2, random_state=0).fit(X, targets)
    assert double.predict_interval(X[-5:]).shape == (5, 2, 2)
    assert double.predict_quantiles(X[-5:], quantiles=[0.2, 0.5]).shape == (5, 2, 2)
    double.calibrate(X[:30], targets[:30])
    assert double.calibration_residuals_.shape == (30, 2) and double.calibration_source_ == "calibrate() on 30 rows"
    none = LSTMRegressor(units=3, epochs=2, validation_fraction=0.0, random_state=0).fit(X, targets[:, 0])
    with pytest.raises(ValueError, match=r"needs at least 9 calibration residuals per output \(2 for any interval\), but there are 0"):
        none.predict_interval(X[-5:])
    with pytest.raises(ValueError, match=r"calibrate: y has shape \(30, 2\) but the model predicts \(30,\)"):
        none.calibrate(X[:30], targets[:30])
