"""What the recipe decides from the training data (log, seasonal differencing, window, forecaster): choices_ and its
effects."""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import Ridge
from sklearn.preprocessing import StandardScaler

from skl_lstm import DifferencedTargetRegressor, LSTMRegressor, recommended_pipeline
from skl_lstm.baselines import SeasonalNaiveForecaster
from skl_lstm.compose._choices import (
    Choice,
    candidate_windows,
    choose_log,
    choose_seasonal_difference,
    choose_window,
    fitting_window,
    guerrero_lambda,
    seasonal_strength,
)
from skl_lstm.datasets import load_airline, make_supervised


def _multiplicative(n=240, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.exp(0.01 * t) * 100 * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) * (1 + 0.02 * rng.normal(size=n))


def _additive(n=240, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(size=n)


# ------------------------------------------------------------------ log: Guerrero's method
def test_guerrero_logs_a_series_whose_spread_grows_with_its_level_and_not_one_whose_spread_is_constant():
    assert guerrero_lambda(_multiplicative(), 12) < 0.3
    assert guerrero_lambda(_additive(), 12) > 0.7
    assert choose_log(_multiplicative(), 12) == (True, choose_log(_multiplicative(), 12).why)
    assert choose_log(_additive(), 12).value is False
    assert choose_log(_additive(), 12).why.startswith("Guerrero's Box-Cox lambda is ")


def test_guerrero_needs_three_whole_seasons_and_positive_values():
    assert guerrero_lambda(_multiplicative(30), 12) is None  # two whole seasons
    assert guerrero_lambda(_multiplicative() - 200, 12) is None
    choice = choose_log(_multiplicative(30), 12)
    assert choice == Choice(False, "too few whole seasons for Guerrero's test of a level-dependent spread: kept the "
                                   "original scale")


def test_log_auto_is_decided_per_series_and_recorded():
    for series, logged in ((_multiplicative(), True), (_additive(), False)):
        X, y = make_supervised(pd.DataFrame({"y": series}), horizon=1)
        model = DifferencedTargetRegressor(Ridge(), log="auto", seasonal_period=12).fit(X, y)
        assert model.log_ is logged and model.choices_["log"].value is logged
    X, y = make_supervised(pd.DataFrame({"y": _additive() - 200}), horizon=1)  # values below zero
    model = DifferencedTargetRegressor(Ridge(), log="auto").fit(X, y)
    assert model.choices_["log"] == Choice(False, "X or y holds zero or negative values, which have no log")
    given = DifferencedTargetRegressor(Ridge(), log=True).fit(*make_supervised(load_airline(), horizon=1))
    assert given.choices_["log"] == Choice(True, "log=True was given")


def test_log_auto_on_a_panel_of_positive_series_works_in_logs():
    index = pd.MultiIndex.from_product([["a", "b"], range(240)], names=["series", "time"])
    panel = pd.DataFrame({"y": np.concatenate([_additive(), 10 * _additive(seed=1)])}, index=index)
    X, y = make_supervised(panel, horizon=1)
    model = DifferencedTargetRegressor(Ridge(), log="auto").fit(X, y)
    assert model.log_ and model.choices_["log"].why.startswith("a panel of positive series")


# ------------------------------------------------------------------ seasonal differencing: the seasonal strength
def _walk(n=240, seed=0):
    return 100 + np.cumsum(np.random.default_rng(seed).normal(size=n))


def test_seasonal_strength_separates_a_seasonal_series_from_a_random_walk():
    assert seasonal_strength(_additive(), 12) > 0.95
    assert seasonal_strength(np.log(_multiplicative()), 12) > 0.95
    assert seasonal_strength(_walk(), 12) < 0.3
    assert seasonal_strength(_additive(35), 12) is None  # under three whole seasons
    assert seasonal_strength(_additive(), None) is None and seasonal_strength(_additive(), 1) is None
    assert seasonal_strength(np.full(60, 3.0), 12) == 0.0


def test_choose_seasonal_difference_says_why():
    assert choose_seasonal_difference(_additive(), 12).value is True
    assert re.fullmatch(r"the seasonal strength is 0\.[0-9]{2}, below 0\.64: the target is the change from the last "
                        r"value", choose_seasonal_difference(_walk(), 12).why)
    assert choose_seasonal_difference(_additive(35), 12) == Choice(
        False, "fewer than 3 whole seasons to measure the seasonal strength: the change from the last value")


def _periodic_frame(n=200):
    t = np.arange(n)
    series = 50 + np.tile([1.0, 3.0, 2.0, 5.0, 4.0, 0.0], n // 6 + 1)[:n] + 0.02 * t
    return make_supervised(pd.DataFrame({"y": series}), horizon=1), series


def test_seasonal_difference_adds_back_the_value_one_season_before():
    # a regressor that predicts no change: the change from the last value gives the naive forecast, the change
    # from one season before the seasonal naive one (rows continuing the fitted index read the fitted season)
    (X, y), series = _periodic_frame()
    zero = DummyRegressor(strategy="constant", constant=0.0)
    first = DifferencedTargetRegressor(zero, seasonal_period=6).fit(X[:150], y[:150])
    seasonal = DifferencedTargetRegressor(zero, seasonal_period=6, seasonal_difference=True).fit(X[:150], y[:150])
    np.testing.assert_allclose(first.predict(X[150:]), X["y"][150:])
    np.testing.assert_allclose(seasonal.predict(X[150:]), series[151 - 6 : len(series) - 6])
    snaive = SeasonalNaiveForecaster(6).fit(X[:150], y[:150])
    np.testing.assert_allclose(seasonal.predict(X[150:]), snaive.predict(X[150:]))
    assert seasonal.seasonal_difference_ and not first.seasonal_difference_
    assert seasonal.choices_["seasonal_difference"] == Choice(True, "seasonal_difference=True was given")


def test_seasonal_difference_keeps_baselines_intervals_and_quantiles_on_y():
    (X, y), series = _periodic_frame()
    noisy = y + np.random.default_rng(0).normal(scale=0.3, size=len(y))
    model = DifferencedTargetRegressor(Ridge(), transformer=StandardScaler(), seasonal_period=6,
                                       seasonal_difference=True).fit(X[:120], noisy[:120])
    model.calibrate(X[120:170], noisy[120:170])
    test = X[120:]  # rows continuing the fitted index read the fitted season
    bounds = model.predict_interval(test, coverage=0.9)
    point = model.predict(test)
    assert np.all(bounds[:, 0] < point) and np.all(point < bounds[:, 1])
    np.testing.assert_allclose(model.predict_quantiles(test, quantiles=(0.05, 0.5, 0.95))[:, 1], point)
    np.testing.assert_allclose(model.predict_quantiles(test, quantiles=(0.05, 0.95)), bounds)
    # the baselines, mapped from the regressor's space (the change from one season before) back to y
    model.forecaster_ = "naive"
    np.testing.assert_allclose(model.predict(test), test["y"])
    model.forecaster_ = "seasonal_naive"
    np.testing.assert_allclose(model.predict(test), series[121 - 6 : len(series) - 6])


def test_seasonal_difference_auto_is_decided_per_series_and_recorded():
    for series, chosen in ((_additive(), True), (_walk(), False)):
        X, y = make_supervised(pd.DataFrame({"y": series}), horizon=1)
        model = DifferencedTargetRegressor(Ridge(), seasonal_period=12, seasonal_difference="auto").fit(X, y)
        assert model.seasonal_difference_ is chosen
        assert model.choices_["seasonal_difference"].why.startswith("the seasonal strength is ")
    X, y = make_supervised(pd.DataFrame({"y": _additive()}), horizon=1)
    model = DifferencedTargetRegressor(Ridge(), seasonal_difference="auto").fit(X, y)
    assert model.choices_["seasonal_difference"] == Choice(
        False, "no season (seasonal_period is None or 1): the change from the last value")
    index = pd.MultiIndex.from_product([["a", "b"], range(240)], names=["series", "time"])
    panel = pd.DataFrame({"y": np.concatenate([_additive(), _additive(seed=1)])}, index=index)
    model = DifferencedTargetRegressor(Ridge(), seasonal_period=12, seasonal_difference="auto").fit(
        *make_supervised(panel, horizon=1))
    assert model.choices_["seasonal_difference"] == Choice(
        False, "a panel: the change from the last value (pass seasonal_difference=True for the change from one "
               "season before)")
    assert recommended_pipeline(seasonal_period=12).get_params()["seasonal_difference"] is False
    chosen = recommended_pipeline(seasonal_period=12, seasonal_difference="auto", random_state=0, epochs=1).fit(
        *make_supervised(load_airline(), horizon=1))
    assert chosen.seasonal_difference_ and chosen.choices_["seasonal_difference"].why.startswith(
        "the seasonal strength is 0.9")


def test_seasonal_difference_without_a_season_is_refused_with_the_fix():
    X, y = make_supervised(pd.DataFrame({"y": _additive()}), horizon=1)
    message = ("DifferencedTargetRegressor: seasonal_difference=True needs the season's length, but "
               "seasonal_period=None. Pass seasonal_period (12 for monthly data), or seasonal_difference=False.")
    with pytest.raises(ValueError, match=re.escape(message)):
        DifferencedTargetRegressor(Ridge(), seasonal_difference=True).fit(X, y)


# ------------------------------------------------------------------ window: ridge on the validation tail
def test_candidate_windows_put_the_default_first():
    assert candidate_windows(52) == [104, 52, 13]
    assert candidate_windows(12) == [24, 12, 3]
    assert candidate_windows(4) == [8, 4, 2]
    assert candidate_windows(None) == [12, 24, 6]


def test_choose_window_finds_the_season_a_short_window_misses():
    rng = np.random.default_rng(0)
    t = np.arange(600)
    profile = rng.normal(size=26)  # changes repeat every 26 steps, in no pattern a short window can follow
    level = np.cumsum(profile[t % 26] + 0.1 * rng.normal(size=600))
    target = np.append(np.diff(level), np.nan)
    choice = choose_window(level, target, 26, 0.15)
    assert choice.value in (52, 26)
    errors = {int(part.split(":")[0]): float(part.split(":")[1]) for part in
              choice.why.split("(mean absolute error of the scaled change; ")[1].split(")")[0].split(", ")}
    assert set(errors) == {52, 26, 6} and errors[6] > 2 * max(errors[52], errors[26])


def test_choose_window_keeps_only_windows_the_rows_can_fit():
    level = np.cumsum(np.random.default_rng(0).normal(size=100))
    target = np.append(np.diff(level), np.nan)
    choice = choose_window(level, target, 12, 0.15)  # 85 training rows: 24 is too long (needs 4 x 24)
    assert "24:" not in choice.why and choice.value in (12, 3)
    tiny = choose_window(level[:10], target[:10], 12, 0.15)
    assert tiny == Choice(3, "too few rows (10) to compare windows: the shortest candidate, 3")


def test_lookback_auto_is_filled_by_the_target_regressor_and_recorded():
    X, y = make_supervised(load_airline(), horizon=1)
    model = recommended_pipeline(window="auto", seasonal_period=12, random_state=0, epochs=2)
    assert model.get_params()["regressor__lstm__lookback"] == "auto"
    model.fit(X, y)
    window = model.choices_["window"].value
    assert window in (24, 12, 3) and model.regressor_[-1].lookback_ == window
    assert model.regressor.named_steps["lstm"].lookback == "auto"  # the parameter is left as given
    assert set(model.choices_) == {"log", "seasonal_difference", "window", "forecaster"}
    again = clone(model).fit(X, y)
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    fixed = recommended_pipeline(seasonal_period=12, random_state=0, epochs=2).fit(X, y)  # the default: 2 seasons
    assert "window" not in fixed.choices_ and fixed.regressor_[-1].lookback_ == 24


def test_fitting_window_is_the_longest_candidate_with_a_complete_training_window():
    assert fitting_window(52, 500) == 104 and fitting_window(52, 104) == 104
    assert fitting_window(52, 103) == 52 and fitting_window(52, 20) == 13 and fitting_window(52, 5) == 13
    assert fitting_window(12, 30) == 24 and fitting_window(None, 20) == 12 and fitting_window(None, 8) == 6


def test_a_window_longer_than_a_short_series_is_shortened_with_a_warning():
    # 93 weeks, 13 steps ahead: 80 rows, 68 before the 15 % validation tail; two seasons (104) fit none of them
    series = 100 + np.cumsum(np.random.default_rng(0).normal(size=93))
    X, y = make_supervised(pd.DataFrame({"y": series}), horizon=13, all_horizons=True)
    why = ("the window of 104 rows is longer than the 68 training rows before the validation tail, so no training "
           "window would be complete: 52, the longest candidate window that fits")
    for window in (None, 104):  # the default (two seasons) and the same window given
        model = recommended_pipeline(window, seasonal_period=52, random_state=0, epochs=1)
        with pytest.warns(UserWarning, match=re.escape(f"DifferencedTargetRegressor: {why}. Pass a window of at most "
                                                       "68 rows")):
            model.fit(X, y)
        assert model.choices_["window"] == Choice(52, why) and model.regressor_[-1].lookback_ == 52
        assert model.regressor.named_steps["lstm"].lookback == 104  # the parameter is left as given
    long = 100 + np.cumsum(np.random.default_rng(1).normal(size=300))
    fitted = recommended_pipeline(seasonal_period=52, random_state=0, epochs=1).fit(
        *make_supervised(pd.DataFrame({"y": long}), horizon=1))
    assert "window" not in fitted.choices_ and fitted.regressor_[-1].lookback_ == 104


def test_lookback_auto_on_a_panel_is_two_seasons():
    index = pd.MultiIndex.from_product([["a", "b"], range(120)], names=["series", "time"])
    panel = pd.DataFrame({"y": np.concatenate([_additive(120), _additive(120, seed=1)])}, index=index)
    X, y = make_supervised(panel, horizon=1)
    model = recommended_pipeline(window="auto", seasonal_period=12, random_state=0, epochs=1).fit(X, y)
    assert model.choices_["window"] == Choice(24, "a panel: the default window, two seasons (12 without a season); "
                                                  "pass window= to choose another")


def test_lookback_auto_alone_is_refused_with_the_fix():
    X = np.arange(50.0).reshape(-1, 1)
    with pytest.raises(ValueError, match=r"^LSTMRegressor: lookback='auto' is chosen from the series by an "
                                         r"enclosing DifferencedTargetRegressor \(as in recommended_pipeline\(\)\); "
                                         r"on its own, pass the window as an int, e.g. lookback=24\.$"):
        LSTMRegressor(lookback="auto", epochs=1).fit(X[:-1], X[1:, 0])


# ------------------------------------------------------------------ forecaster: fallback="auto"
def _untrained_lstm():
    # one epoch at a tiny learning rate: its random start, which a seasonal naive forecast beats
    return LSTMRegressor(units=2, epochs=1, linear_skip=False, learning_rate=1e-6, random_state=0)


def test_fallback_auto_switches_a_single_series_and_says_why():
    from skl_lstm.exceptions import WorseThanBaselineWarning

    t = np.arange(240)
    series = 10 + np.sin(2 * np.pi * t / 12) + 0.01 * np.random.default_rng(0).normal(size=240)
    X, y = make_supervised(pd.DataFrame({"y": series}), horizon=1)
    model = DifferencedTargetRegressor(_untrained_lstm(), transformer=StandardScaler(), seasonal_period=12,
                                       fallback="auto")
    with pytest.warns(WorseThanBaselineWarning, match="fallback='auto': it forecasts with the seasonal naive"):
        model.fit(X[:200], y[:200])
    assert model.forecaster_ == "seasonal_naive"
    assert model.choices_["forecaster"].value == "seasonal_naive"
    assert model.choices_["forecaster"].why.startswith(
        "on the 20-row validation tail the seasonal naive forecast beat the model (model ")
    assert re.search(r"the win is significant \(paired t = [0-9.]+ > 1.645\): it forecasts instead$",
                     model.choices_["forecaster"].why)


def test_fallback_auto_keeps_the_model_when_the_baselines_win_is_within_chance():
    # a baseline that wins the validation tail by a little (a trend that pauses there): fallback=True switches,
    # "auto" keeps the model unless the win is significant, and says why
    X, y = make_supervised(load_airline(), horizon=1)
    fixed = DifferencedTargetRegressor(Ridge(), transformer=StandardScaler(), seasonal_period=12)
    excess = np.array([0.3, -0.2, 0.1, 0.4, -0.3, 0.2, 0.0, 0.1])  # the model's error less the baseline's, per row
    assert fixed.set_params(fallback="auto")._fallback_on(excess, single=True)[0] is False
    assert fixed.set_params(fallback=True)._fallback_on(excess, single=True) == (True, "fallback: it forecasts instead")
    switch, why = fixed.set_params(fallback="auto")._fallback_on(excess + 1.0, single=True)
    assert switch and why.startswith("the win is significant (paired t = ")
    assert fixed._fallback_on(excess + 1.0, single=False) == (
        False, "fallback='auto' on a panel: the model forecasts anyway")
    assert fixed._fallback_on(excess, single=True)[1] == (
        "fallback='auto': the win is within chance (paired t = 0.89, not above 1.645), so the model forecasts")
    # a regressor that holds out no validation tail (here Ridge) is not compared, and the record says so
    fitted = fixed.fit(X, y)
    assert fitted.forecaster_ == "model" and fitted.validation_errors_ is None
    assert fitted.choices_["forecaster"] == Choice(
        "model", "the regressor held out no validation tail to compare it with the naive forecasts on")


def test_fallback_auto_leaves_a_panels_network_in_place():
    from skl_lstm.exceptions import WorseThanBaselineWarning

    t = np.arange(240)
    index = pd.MultiIndex.from_product([["a", "b"], t], names=["series", "time"])
    values = np.concatenate([10 + np.sin(2 * np.pi * t / 12), 20 + np.sin(2 * np.pi * t / 12)])
    panel = pd.DataFrame({"y": values}, index=index)
    X, y = make_supervised(panel, horizon=1)
    model = DifferencedTargetRegressor(_untrained_lstm(), transformer=StandardScaler(), seasonal_period=12,
                                       fallback="auto")
    with pytest.warns(WorseThanBaselineWarning, match=r"fallback='auto' keeps a panel's network \(choices_"):
        model.fit(X, y)
    assert model.forecaster_ == "model"
    assert model.choices_["forecaster"].why.endswith("fallback='auto' on a panel: the model forecasts anyway")


# ------------------------------------------------------------------ the record survives pickle and the safe format
def test_choices_survive_pickle_and_the_safe_save_format(tmp_path):
    import pickle

    from skl_lstm import load, save

    X, y = make_supervised(load_airline(), horizon=1)
    model = recommended_pipeline(seasonal_period=12, seasonal_difference="auto", random_state=0, epochs=2).fit(X, y)
    assert model.seasonal_difference_  # airline's season is strong: its seasonal naive forecast is saved with it
    path = tmp_path / "model.skl-lstm"
    save(model, path)
    for restored in (pickle.loads(pickle.dumps(model)), load(path)):
        assert restored.choices_ == model.choices_
        assert all(isinstance(choice, Choice) for choice in restored.choices_.values())
        np.testing.assert_array_equal(restored.predict(X[1:]), model.predict(X[1:]))


def test_a_model_fitted_before_choices_existed_gets_a_record_of_its_log():
    model = DifferencedTargetRegressor(Ridge()).fit(*make_supervised(load_airline(), horizon=1))
    state = model.__getstate__()
    del state["choices_"]
    old = DifferencedTargetRegressor.__new__(DifferencedTargetRegressor)
    old.__setstate__(state)
    assert old.choices_ == {"log": Choice(False, "fitted by a release that did not record its choices")}
