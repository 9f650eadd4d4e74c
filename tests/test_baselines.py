import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import TimeSeriesSplit, cross_validate

from skl_lstm import NaiveForecaster, SeasonalNaiveForecaster
from skl_lstm.datasets import load_airline, make_supervised


def test_naive_repeats_reference_for_every_horizon():
    X = pd.DataFrame({"x": [1.0, 2, 3], "y": [5.0, 6, 7]})
    Y = np.zeros((3, 2))
    np.testing.assert_array_equal(NaiveForecaster(reference="y").fit(X, Y).predict(X), [[5, 5], [6, 6], [7, 7]])


def test_seasonal_naive_uses_carried_over_season_for_pandas():
    X, y = make_supervised(load_airline())
    model = SeasonalNaiveForecaster(12).fit(X.iloc[:100], y.iloc[:100])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pred = model.predict(X.iloc[100:])
    # forecast of month t+1 is the value 12 months before t+1, i.e. row t-11
    np.testing.assert_array_equal(pred, X["passengers"].to_numpy()[89:132])


def test_seasonal_naive_multi_horizon_lags():
    model = SeasonalNaiveForecaster(4).fit(np.arange(12.0)[:, None], np.zeros((12, 5)))
    np.testing.assert_array_equal(model.lags_, [3, 2, 1, 0, 3])  # horizons 1..5 -> 4k - h


def test_seasonal_naive_warns_when_history_is_missing():
    model = SeasonalNaiveForecaster(4).fit(np.arange(12.0)[:, None], np.arange(12.0))
    with pytest.warns(UserWarning, match="3 of 5 rows have no value one season back and got the naive"):
        pred = model.predict(np.arange(5.0)[:, None])
    np.testing.assert_array_equal(pred, [0, 1, 2, 0, 1])


def test_baselines_run_in_the_same_cv_loop():
    X, y = make_supervised(load_airline())
    cv = TimeSeriesSplit(n_splits=3)
    result = {
        name: cross_validate(model, X, y, cv=cv, scoring="neg_mean_absolute_percentage_error")["test_score"]
        for name, model in {"naive": NaiveForecaster(), "seasonal": SeasonalNaiveForecaster(12)}.items()
    }
    values = X["passengers"].to_numpy()
    for fold, (_, test) in enumerate(cv.split(X)):
        truth = y.to_numpy()[test]
        naive = values[test]
        seasonal = values[test - 11]  # value 12 months before t + 1
        assert result["naive"][fold] == pytest.approx(-np.mean(np.abs(truth - naive) / truth))
        assert result["seasonal"][fold] == pytest.approx(-np.mean(np.abs(truth - seasonal) / truth))


def test_reference_errors():
    with pytest.raises(ValueError, match=r"reference='z' is not one of the columns of X: \['a'\]"):
        NaiveForecaster(reference="z").fit(pd.DataFrame({"a": [1.0, 2]}), [1, 2])
    with pytest.raises(ValueError, match=r"reference=3 is out of range for X with 1 column\(s\)"):
        NaiveForecaster(reference=3).fit(np.ones((2, 1)), [1, 2])
    with pytest.raises(ValueError, match="horizon=2 is for a single-output y, but y has 2 outputs"):
        SeasonalNaiveForecaster(2, horizon=2).fit(np.ones((4, 1)), np.ones((4, 2)))


def test_reference_and_horizon_come_from_make_supervised():
    df = pd.DataFrame({"a": np.arange(30.0) * 100, "b": np.arange(30.0) % 4})
    X, y = make_supervised(df, horizon=2, target="b")
    naive = NaiveForecaster().fit(X, y)
    assert naive.reference_index_ == 1
    np.testing.assert_array_equal(naive.predict(X), X["b"].to_numpy())
    seasonal = SeasonalNaiveForecaster(4).fit(X.iloc[:20], y.iloc[:20])
    np.testing.assert_array_equal(seasonal.horizons_, [2])  # the record, not the default of 1
    np.testing.assert_array_equal(seasonal.predict(X.iloc[20:]), y.to_numpy()[20:])  # period 4: exact
    assert NaiveForecaster(reference=0).fit(X, y).reference_index_ == 0  # an explicit column still wins
