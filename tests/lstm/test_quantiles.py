"""Quantile training: the pinball loss, non-crossing quantiles, and their intervals (issue 16 items 1-2)."""

import pickle
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import mean_pinball_loss

import skl_lstm
from skl_lstm import LSTMRegressor, recommended_pipeline
from skl_lstm.datasets import make_supervised
from skl_lstm.exceptions import FewCalibrationResidualsWarning
from skl_lstm.lstm._quantile import PinballLoss, adjustments


def _heteroscedastic(n=600, seed=0):
    """Windows whose last step decides the target and its noise: sd 1 where it is positive, 0.1 elsewhere."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4, 1)).astype(np.float32)
    noisy = X[:, -1, 0] > 0
    y = X[:, -1, 0] + np.where(noisy, 1.0, 0.1) * rng.normal(size=n)
    return X, y, noisy


@pytest.fixture(scope="module")
def fitted():
    X, y, noisy = _heteroscedastic()
    model = LSTMRegressor(
        8, quantiles=(0.05, 0.95), epochs=60, learning_rate=0.01, linear_skip=True, validation_fraction=0.2,
        patience=15, random_state=0,
    ).fit(X[:400], y[:400])
    return model, X[400:], y[400:], noisy[400:]


def test_pinball_loss_matches_scikit_learn():
    rng = np.random.default_rng(0)
    y, pred = rng.normal(size=(50, 2)), rng.normal(size=(50, 3 * 2))  # 3 levels x 2 outputs, quantile-major
    levels = (0.1, 0.5, 0.9)
    expected = np.mean([
        mean_pinball_loss(y[:, j], pred[:, i * 2 + j], alpha=tau) for i, tau in enumerate(levels) for j in range(2)
    ])
    assert float(PinballLoss(levels)(y, pred)) == pytest.approx(expected, rel=1e-5)


def test_trained_levels_predict_the_median_and_never_cross(fitted):
    model, X, _, _ = fitted
    assert model.quantiles_.tolist() == [0.05, 0.5, 0.95]  # 0.5, the point forecast, added
    assert model.model_.output_shape == (None, 3)
    raw = model._forecast(X)
    assert raw.shape == (len(X), 3, 1) and np.all(np.diff(raw, axis=1) >= 0)
    bands = model.predict_quantiles(X, quantiles=(0.95, 0.5, 0.05))  # any order: columns in the order given
    np.testing.assert_array_equal(bands[:, 1], model.predict(X))
    assert np.all(bands[:, 0] >= bands[:, 1]) and np.all(bands[:, 1] >= bands[:, 2])
    np.testing.assert_array_equal(model.predict_interval(X, coverage=0.9), bands[:, [2, 0]])


def test_bands_are_wider_where_the_noise_is_larger_and_hold_their_coverage(fitted):
    model, X, y, noisy = fitted
    assert model.interval_method_ == "conformalized quantile regression"
    assert model.calibration_quantile_scores_.shape == (model.n_validation_, 3, 1)
    lower, upper = model.predict_interval(X, coverage=0.9).T
    width = upper - lower
    assert width[noisy].mean() > 2 * width[~noisy].mean()  # 10x the noise: measured 3.1 against 0.96
    assert 0.83 <= np.mean((lower <= y) & (y <= upper)) <= 0.97  # 200 held-out rows; measured 0.885


def test_untrained_levels_fall_back_to_the_residuals(fitted):
    model, X, _, _ = fitted
    residual_based = model.predict_quantiles(X, quantiles=(0.1, 0.5, 0.9))
    offsets = residual_based - model.predict(X)[:, None]
    assert np.allclose(offsets, offsets[:1])  # the same offsets on every row: split conformal


def test_conformal_moves_need_enough_rows_and_say_so_otherwise():
    scores = np.linspace(-1, 1, 9)[:, None, None].repeat(2, axis=1)  # 9 rows, levels 0.05 and 0.95
    with pytest.warns(FewCalibrationResidualsWarning, match=r"needs 19 calibration rows .* \[0.05, 0.95\]"):
        moves = adjustments(scores, np.array([0.05, 0.95]), owner="LSTMRegressor", asked="coverage=0.9", source="s")
    np.testing.assert_array_equal(moves, 0)
    rows = np.arange(19.0)[:, None, None].repeat(2, axis=1)  # y - q = 0 .. 18 at both levels
    moves = adjustments(rows, np.array([0.05, 0.95]), owner="LSTMRegressor", asked="a", source="s")
    assert moves[:, 0].tolist() == [0.0, 18.0]  # the lower bound moves by the 19th smallest of q - y (= 0)


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(quantiles=(0.1, 1.0)), "LSTMRegressor: quantiles=(0.1, 1.0) must be a non-empty list of floats "
                                     "strictly between 0 and 1 (e.g. (0.1, 0.5, 0.9))."),
        (dict(quantiles=()), "LSTMRegressor: quantiles=() must be a non-empty list of floats"),
        (dict(quantiles=("a",)), "LSTMRegressor: quantiles=('a',) must be a non-empty list"),
        (dict(quantiles=(0.1, 0.9), loss="mae"),
         "LSTMRegressor: loss='mae' cannot be combined with quantiles=(0.1, 0.9), which train on the pinball "
         "loss; leave loss at its default, or pass quantiles=None."),
        (dict(quantiles=0.9), "The 'quantiles' parameter of LSTMRegressor must be an array-like or None"),
    ],
)
def test_bad_quantiles_say_what_is_allowed(params, message):
    X, y, _ = _heteroscedastic(40)
    with pytest.raises(ValueError, match=re.escape(message)):
        LSTMRegressor(4, epochs=1, **params).fit(X, y)


def test_warm_start_refuses_other_levels():
    X, y, _ = _heteroscedastic(60)
    model = LSTMRegressor(4, epochs=1, quantiles=(0.1, 0.9), warm_start=True, random_state=0).fit(X, y)
    model.set_params(quantiles=(0.2, 0.8))
    with pytest.raises(ValueError, match=r"differs from the levels the network was fitted on \(\[0.1, 0.5, 0.9\]\)"):
        model.fit(X, y)


def test_multi_output_without_a_validation_tail_returns_the_raw_quantiles():
    X, y, _ = _heteroscedastic(80)
    Y = np.column_stack([y, 2 * y])
    model = LSTMRegressor(4, epochs=3, quantiles=(0.25, 0.75), validation_fraction=0, random_state=0).fit(X, Y)
    assert model.interval_method_ == "quantile regression" and model.predict(X).shape == (80, 2)
    with pytest.warns(FewCalibrationResidualsWarning, match="network's own quantiles"):
        bands = model.predict_quantiles(X, quantiles=(0.25, 0.5, 0.75))
    assert bands.shape == (80, 3, 2)
    np.testing.assert_array_equal(bands, model._forecast(X))
    model.calibrate(X[-30:], Y[-30:])  # calibrate records the quantile scores too
    assert model.interval_method_ == "conformalized quantile regression"
    assert model.calibration_quantile_scores_.shape == (30, 3, 2)


def test_save_load_pickle_and_clone_keep_the_quantiles(fitted, tmp_path):
    model, X, _, _ = fitted
    expected = model.predict_quantiles(X, quantiles=(0.05, 0.5, 0.95))
    model.save(tmp_path / "q.skl-lstm")
    for copy in (skl_lstm.load(tmp_path / "q.skl-lstm"), pickle.loads(pickle.dumps(model))):
        np.testing.assert_array_equal(copy.predict_quantiles(X, quantiles=(0.05, 0.5, 0.95)), expected)
        assert copy.interval_method_ == model.interval_method_
    assert clone(model).get_params()["quantiles"] == (0.05, 0.95)
    state = {k: v for k, v in model.__getstate__().items()
             if k not in ("quantiles", "quantiles_", "calibration_quantile_scores_", "interval_method_")}
    old = LSTMRegressor.__new__(LSTMRegressor)
    old.__setstate__(state)  # a state written before quantile training: the defaults are filled in
    assert old.quantiles is None and old.quantiles_ is None and old.interval_method_ == "split conformal"


def test_recipe_quantiles_on_the_original_scale():
    rng = np.random.default_rng(0)
    n = 500
    level = 100 + np.cumsum(rng.normal(size=n) * np.where(np.arange(n) % 50 < 25, 0.3, 1.5))
    X, y = make_supervised(pd.DataFrame({"y": level}), target="y", horizon=1)
    model = recommended_pipeline(window=8, quantiles=(0.05, 0.5, 0.95), epochs=30, random_state=0,
                                 fallback=False)  # the network forecasts, whatever its validation tail says
    model.fit(X[:400], y[:400])
    lstm = model.regressor_.named_steps["lstm"]
    assert lstm.quantiles_.tolist() == [0.05, 0.5, 0.95]
    bands = model.predict_quantiles(X[400:], quantiles=(0.05, 0.5, 0.95))
    np.testing.assert_allclose(bands[:, 1], model.predict(X[400:]))
    assert np.all(np.diff(bands, axis=1) >= 0)
    lower, upper = model.predict_interval(X[400:], coverage=0.9).T
    y_test = np.asarray(y[400:])
    assert np.mean((lower <= y_test) & (y_test <= upper)) >= 0.8  # 99 rows; measured 0.91
    # exact: the network's bands mapped through the recipe's monotone inverse steps
    X_in, ref, scales = model._inputs(X[400:], reset=False)
    network_bands, to_change = lstm._trained_quantiles(
        model.regressor_[:-1].transform(X_in), np.array([0.05, 0.5, 0.95]), "q"
    )
    for i in range(3):
        np.testing.assert_allclose(bands[:, i], model._to_level(to_change(network_bands[:, i]), ref, scales))


def test_recipe_calibrate_recalibrates_the_trained_quantiles(tmp_path):
    rng = np.random.default_rng(1)
    level = 50 + np.cumsum(rng.normal(size=300))
    X, y = make_supervised(pd.DataFrame({"y": level}), target="y", horizon=1)
    model = recommended_pipeline(window=4, quantiles=(0.1, 0.9), epochs=3, random_state=0).fit(X[:200], y[:200])
    lstm = model.regressor_.named_steps["lstm"]
    before = model.predict_interval(X[260:], coverage=0.8)
    model.calibrate(X[200:260], y[200:260])
    assert lstm.calibration_quantile_scores_.shape == (60, 3, 1) and model.calibration_residuals_.shape == (60, 1)
    assert lstm.calibration_source_ == "calibrate() on 60 rows"
    assert not np.array_equal(model.predict_interval(X[260:], coverage=0.8), before)
    skl_lstm.save(model, tmp_path / "recipe.skl-lstm")
    np.testing.assert_array_equal(
        skl_lstm.load(tmp_path / "recipe.skl-lstm").predict_quantiles(X[260:], quantiles=(0.1, 0.5, 0.9)),
        model.predict_quantiles(X[260:], quantiles=(0.1, 0.5, 0.9)),
    )
