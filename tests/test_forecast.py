"""skl_lstm.forecast: every series' next steps as a tidy DataFrame, labelled with the times that follow."""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

from skl_lstm import DifferencedTargetRegressor, forecast, recommended_pipeline
from skl_lstm.datasets import load_airline, make_supervised


def test_a_single_series_gets_the_next_dates():
    series = load_airline()
    X, y = make_supervised(series, horizon=3, all_horizons=True)
    model = DifferencedTargetRegressor(Ridge(), log=True).fit(X, y)
    out = forecast(model, series.to_frame())
    assert list(out.columns) == ["time", "horizon", "forecast"]
    assert list(out["time"]) == list(pd.date_range("1961-01-01", periods=3, freq="MS"))
    np.testing.assert_array_equal(out["forecast"], model.predict(series.to_frame())[-1])


def test_a_panel_in_any_row_order_gets_each_series_next_steps():
    rng = np.random.default_rng(0)
    frames = [
        pd.DataFrame({"y": 50 + rng.normal(size=n).cumsum()}, index=pd.MultiIndex.from_product([[name], range(t0, t0 + n)]))
        for name, n, t0 in (("a", 30, 0), ("b", 20, 7), ("c", 25, 100))
    ]
    panel = pd.concat(frames).sample(frac=1, random_state=0)
    X, y = make_supervised(panel, horizon=4, all_horizons=True)
    model = DifferencedTargetRegressor(Ridge()).fit(X, y)
    out = forecast(model, panel)
    assert out.shape == (12, 4) and list(out["horizon"]) == [1, 2, 3, 4] * 3
    assert list(out.loc[out["series"] == "b", "time"]) == [27, 28, 29, 30]
    predictions = model.predict(panel)
    last_b = panel.index.get_loc(("b", 26))
    np.testing.assert_array_equal(out.loc[out["series"] == "b", "forecast"], predictions[last_b])


def test_a_single_horizon_keeps_its_step_and_the_recipe_works():
    series = load_airline().iloc[:60]
    X, y = make_supervised(series, horizon=2)  # y is the value 2 steps ahead, one output
    model = recommended_pipeline(window=6, random_state=0, epochs=2).fit(X, y)
    out = forecast(model, series.to_frame())
    assert list(out["horizon"]) == [2] and out["time"].iloc[0] == pd.Timestamp("1954-02-01")
    periods = series.to_frame().set_axis(series.index.to_period("M"))
    assert forecast(model, periods)["time"].iloc[0] == pd.Period("1954-02", "M")


def test_errors_name_the_fix():
    series = load_airline()
    X, y = make_supervised(series, horizon=2, all_horizons=True)
    model = DifferencedTargetRegressor(Ridge()).fit(X, y)
    with pytest.raises(TypeError, match=re.escape("forecast: data must be a pandas Series or DataFrame")):
        forecast(model, series.to_numpy()[:, None])
    model.horizons_ = np.array([1, 2, 3])
    with pytest.raises(ValueError, match=re.escape("the model gives 2 forecasts per row but its horizons_ lists 3")):
        forecast(model, series.to_frame())
