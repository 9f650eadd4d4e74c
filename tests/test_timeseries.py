"""skl_lstm.utils: the time-series facts every part of the package reads from one place."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.utils import _safe_indexing

from skl_lstm import DifferencedTargetRegressor, NaiveForecaster, WindowTransformer
from skl_lstm.datasets import load_airline, make_supervised
from skl_lstm.utils import (
    default_splitter,
    default_window,
    infer_seasonal_period,
    supervised_record,
    time_order_problem,
)
from skl_lstm.utils._timeseries import reference_values, resolve_reference


def _frame(n=40):
    return pd.DataFrame({"a": np.arange(1.0, n + 1) * 100, "b": np.sin(np.arange(n)) + 5})


# --------------------------------------------------------------------------- the make_supervised record
def test_record_survives_cv_indexing_and_pipelines():
    X, y = make_supervised(_frame(), target="b")
    rows = np.arange(5, 20)
    assert supervised_record(_safe_indexing(X, rows)) == supervised_record(_safe_indexing(y, rows))
    assert supervised_record(_safe_indexing(X, rows))["target"] == "b"
    seen = []

    class _Spy(NaiveForecaster):
        def fit(self, X, y):
            seen.append((supervised_record(X), supervised_record(y)))
            return super().fit(X, y)

    pipe = Pipeline([("identity", "passthrough"), ("naive", _Spy())])
    cross_validate(pipe, X, y, cv=TimeSeriesSplit(3))
    GridSearchCV(pipe, {"naive__reference": ["auto"]}, cv=TimeSeriesSplit(2)).fit(X, y)
    assert len(seen) == 3 + 2 + 1 and all(rx == ry == {"target": "b", "horizons": [1]} for rx, ry in seen)


def test_reference_auto_everywhere_reads_the_record():
    X, y = make_supervised(_frame(), target="b")
    assert resolve_reference(X, "auto", "t") == 1 and resolve_reference(X.to_numpy(), "auto", "t") == 0
    assert resolve_reference(X, "a", "t") == 0 and resolve_reference(np.ones((3, 4, 2)), 1, "t") == 1
    assert NaiveForecaster().fit(X, y).reference_index_ == 1
    assert DifferencedTargetRegressor().fit(X, y).reference_index_ == 1
    with pytest.raises(ValueError, match=r"^t: reference=2 is out of range for X with 2 column\(s\)"):
        resolve_reference(np.ones((3, 4, 2)), 2, "t")


def test_reference_values_refuse_gaps_unless_asked():
    X = np.array([[1.0, 2.0], [np.nan, 3.0]])
    with pytest.raises(ValueError, match=r"^t: the reference column \(position 0\) is NaN at row 1"):
        reference_values(X, 0, "t")
    np.testing.assert_array_equal(reference_values(X, 0, "t", finite=False), [1.0, np.nan])
    np.testing.assert_array_equal(reference_values(np.arange(12.0).reshape(2, 3, 2), 1, "t"), [5.0, 11.0])
    with pytest.raises(ValueError, match="t needs 2-D X .* got an array with 1 dimension"):
        reference_values(np.ones(3), 0, "t")


# --------------------------------------------------------------------------- the time-order rule
def test_time_order_rule():
    s = pd.Series(np.arange(40.0))
    assert time_order_problem(s) is None and time_order_problem(s.to_numpy()) is None
    back = time_order_problem(s.iloc[[0, 1, 3, 2, 4]])
    assert (back.kind, back.first_row, back.n_rows, back.n_steps) == ("decreases", 3, 1, 4)
    assert back.describe("the index of X") == "the index of X decreases at row 3 (3 -> 2), 1 of 4 rows"
    # a couple of rows dropped for gaps is not a shuffle; the holes of a shuffled KFold are
    assert time_order_problem(s.drop([10, 20])) is None
    kfold_train = s.drop([3, 7, 11, 15, 19, 23, 27, 31])
    problem = time_order_problem(kfold_train)
    assert problem.kind == "skips" and problem.n_rows == 8
    assert problem.describe().startswith("its integer index skips labels at row 3 (steps of 1 and 2)")
    dates = pd.Series(np.arange(5.0), index=pd.date_range("2000", periods=5, freq="MS"))
    assert time_order_problem(dates.iloc[::-1]).detail == "(2000-05-01 00:00:00 -> 2000-04-01 00:00:00)"


def test_window_transformer_and_diagnose_share_the_rule():
    from skl_lstm.exceptions import TimeOrderWarning

    X = pd.DataFrame({"y": np.arange(40.0)}).drop([10, 20])
    with warnings.catch_warnings():
        warnings.simplefilter("error", TimeOrderWarning)
        WindowTransformer(3).fit(X)  # two gaps: silent, as diagnose is
    with pytest.warns(TimeOrderWarning, match="its integer index skips labels at row 3 .* 8 of 31 rows"):
        WindowTransformer(3).fit(pd.DataFrame({"y": np.arange(40.0)}).drop([3, 7, 11, 15, 19, 23, 27, 31]))


# --------------------------------------------------------------------------- window, season, split
def test_default_window_and_season():
    assert (default_window(12), default_window(4), default_window(None), default_window(0)) == (24, 8, 12, 12)
    assert infer_seasonal_period(load_airline()) == 12
    quarterly = pd.Series(np.arange(12.0), index=pd.period_range("2000Q1", periods=12, freq="Q"))
    assert infer_seasonal_period(quarterly) == 4
    t = np.arange(120)
    assert infer_seasonal_period(np.sin(2 * np.pi * t / 7) + 0.01 * t) == 7
    assert infer_seasonal_period(np.random.default_rng(0).normal(size=120)) is None
    assert infer_seasonal_period(np.arange(5.0)) is None  # too short


def test_default_splitter_keeps_training_targets_out_of_the_test_period():
    cv = default_splitter(120, horizon=3, seasonal_period=12)
    assert (cv.n_splits, cv.test_size, cv.gap) == (3, 20, 2)
    for train, test in cv.split(np.zeros(120)):
        assert test.min() - train.max() - 1 == 2
    short = default_splitter(30, horizon=1, seasonal_period=12)
    assert short.n_splits * short.test_size + max(short.test_size, 10) <= 30
