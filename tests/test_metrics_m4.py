import numpy as np
import pandas as pd
import pytest

from skl_lstm import metrics
from skl_lstm.metrics._m4 import _autocorrelations, _is_seasonal, _seasonal_indices


def _panel(values, start=None):
    """{series: values} -> Series indexed by (series, time), times from start[series] (default 0)."""
    start = start or {}
    tuples = [(s, start.get(s, 0) + t) for s in values for t in range(len(values[s]))]
    data = [v for s in values for v in values[s]]
    return pd.Series(data, index=pd.MultiIndex.from_tuples(tuples, names=["series", "time"]), dtype=float)


@pytest.fixture(scope="module")
def m4(benchmark_module):
    return benchmark_module("_m4")


# ------------------------------------------------------------------ Naive2
def test_naive2_reproduces_published_m4_weekly_scores(m4):
    data = m4.load_m4_weekly("test")
    anchors = m4.load_anchors()
    last = data.train.groupby(level=0)["y"].last()
    forecast = pd.Series(last.reindex(data.test.index.get_level_values(0)).to_numpy(), index=data.test.index)
    score = metrics.m4_score(data.test, forecast, data.train, seasonal_period=m4.SEASONAL_PERIOD)
    assert round(score["sMAPE_Naive2"], 3) == anchors.loc["Naive2", "sMAPE"] == 9.161
    assert round(score["MASE_Naive2"], 3) == anchors.loc["Naive2", "MASE"] == 2.777
    # weekly: m = 1, so Naive2 is the naive forecast and its OWA is 1
    assert score["OWA"] == pytest.approx(1.0)
    assert score["n_series"] == 359


def test_msis_and_acd_reproduce_published_m4_weekly_naive_interval(m4):
    # R forecast's naive(): y_n ± 1.96 σ √h with σ the root mean square of the one-step changes
    data = m4.load_m4_weekly("test")
    anchors = m4.load_anchors()
    steps = data.test.groupby(level=0).cumcount().to_numpy() + 1
    grouped = data.train.groupby(level=0)["y"]
    last = grouped.last().reindex(data.test.index.get_level_values(0)).to_numpy()
    sigma = grouped.apply(lambda s: np.sqrt(np.mean(np.diff(s.to_numpy()) ** 2)))
    half_width = 1.959964 * sigma.reindex(data.test.index.get_level_values(0)).to_numpy() * np.sqrt(steps)
    point = pd.Series(last, index=data.test.index)
    score = metrics.m4_score(
        data.test, point, data.train, lower=point - half_width, upper=point + half_width, alpha=0.05
    )
    assert round(score["MSIS"], 3) == anchors.loc["Naive", "MSIS_95"] == 26.358
    assert round(score["ACD"], 3) == anchors.loc["Naive", "ACD_95"] == 0.001


def test_m4_validation_split_holds_out_the_last_13_training_points(m4):
    validation, test = m4.load_m4_weekly("validation"), m4.load_m4_weekly("test")
    assert validation.test.groupby(level=0).size().eq(13).all()
    joined = pd.concat([validation.train, validation.test]).sort_index()
    pd.testing.assert_frame_equal(joined, test.train.sort_index())
    # the test panel continues each series' training times
    first_test = test.test.reset_index().groupby("series")["time"].min()
    assert first_test.equals(test.train.groupby(level=0).size().rename("time"))
    with pytest.raises(ValueError, match="split='train' is not one of"):
        m4.load_m4_weekly("train")


def test_naive2_is_naive_without_seasonality():
    y = [3.0, 5.0, 4.0, 7.0]
    np.testing.assert_array_equal(metrics.naive2_forecast(y, 3), [7.0, 7.0, 7.0])
    # too short for the test (fewer than 3 m points): naive even with m = 4
    np.testing.assert_array_equal(metrics.naive2_forecast([1.0, 9.0, 1.0, 9.0, 2.0], 2, seasonal_period=4), [2.0, 2.0])
    noise = np.random.default_rng(0).normal(100, 1, 60)
    assert not _is_seasonal(noise, 4)
    np.testing.assert_array_equal(metrics.naive2_forecast(noise, 4, seasonal_period=4), np.full(4, noise[-1]))


def test_naive2_puts_the_seasonal_pattern_back():
    pattern = np.array([0.8, 1.0, 1.4, 0.8])
    level = np.linspace(100, 120, 40)
    y = level * np.tile(pattern, 10)
    assert _is_seasonal(y, 4)
    forecast = metrics.naive2_forecast(y, 6, seasonal_period=4)
    # adjusted last value carried forward, times the next positions' indices
    indices = _seasonal_indices(y, 4)
    expected = y[-1] / indices[39 % 4] * indices[(40 + np.arange(6)) % 4]
    np.testing.assert_allclose(forecast, expected)
    # the forecast follows the pattern of positions 0, 1, 2, 3, 0, 1
    np.testing.assert_allclose(forecast / forecast[0], pattern[[0, 1, 2, 3, 0, 1]] / pattern[0], rtol=0.02)


@pytest.mark.parametrize("m", [4, 7, 12])
def test_seasonal_indices_match_statsmodels_classical_decomposition(m):
    tsa = pytest.importorskip("statsmodels.tsa.seasonal")
    rng = np.random.default_rng(m)
    y = np.linspace(50, 80, 10 * m + 3) * (1 + 0.2 * np.sin(2 * np.pi * np.arange(10 * m + 3) / m)) + rng.normal(
        0, 1, 10 * m + 3
    )
    seasonal = tsa.seasonal_decompose(y, model="multiplicative", period=m).seasonal
    np.testing.assert_allclose(_seasonal_indices(y, m)[np.arange(len(y)) % m], seasonal)


def test_autocorrelations_match_statsmodels():
    stattools = pytest.importorskip("statsmodels.tsa.stattools")
    y = np.random.default_rng(1).normal(size=50).cumsum()
    np.testing.assert_allclose(_autocorrelations(y, 6), stattools.acf(y, nlags=6)[1:])


def test_naive2_errors():
    with pytest.raises(ValueError, match=r"seasonal_period=0 must be a positive int: M4's frequency"):
        metrics.naive2_forecast([1.0, 2.0], 1, seasonal_period=0)
    with pytest.raises(ValueError, match=r"horizon=0 must be a positive int"):
        metrics.naive2_forecast([1.0, 2.0], 0)
    with pytest.raises(ValueError, match="with NaN or infinite values. Pass one series at a time"):
        metrics.naive2_forecast([1.0, np.nan], 1)
    with pytest.raises(ValueError, match=r"got shape \(2, 2\)"):
        metrics.naive2_forecast([[1.0, 2.0], [3.0, 4.0]], 1)


# ------------------------------------------------------------ intervals
def test_msis_hand_computed():
    # scale: mean(|2-1|, |4-2|, |3-4|) = 4/3
    # penalties (alpha=0.05, 2/alpha = 40): inside 2; 1 above: 2 + 40; 1 below: 1 + 40 -> 85/3
    y_true, lower, upper = [1.0, 4.0, 0.0], [0.0, 1.0, 1.0], [2.0, 3.0, 2.0]
    train = [1.0, 2.0, 4.0, 3.0]
    assert metrics.mean_scaled_interval_score(y_true, lower, upper, y_train=train) == pytest.approx(85 / 4)
    # alpha=0.2: 2/alpha = 10 -> (2 + 12 + 11) / 3 / (4/3)
    assert metrics.mean_scaled_interval_score(y_true, lower, upper, y_train=train, alpha=0.2) == pytest.approx(6.25)
    # seasonal scale m=2: mean(|4-1|, |3-2|) = 2
    assert metrics.mean_scaled_interval_score(y_true, lower, upper, y_train=train, seasonal_period=2) == pytest.approx(
        85 / 6
    )


def test_absolute_coverage_difference_hand_computed():
    # 3 of 4 inside (a point on a bound counts as inside): |0.75 - 0.95| = 0.2
    assert metrics.absolute_coverage_difference([0, 2, 5, 9], [0, 0, 0, 0], [5, 5, 5, 5]) == pytest.approx(0.2)
    assert metrics.absolute_coverage_difference([0, 2, 5, 9], [0, 0, 0, 0], [5, 5, 5, 5], alpha=0.25) == pytest.approx(
        0.0
    )


def test_interval_errors():
    with pytest.raises(ValueError, match="lower exceeds upper at position 1"):
        metrics.absolute_coverage_difference([1, 2], [0, 3], [2, 2])
    with pytest.raises(ValueError, match=r"shapes \[\(2,\), \(2,\), \(3,\)\]"):
        metrics.absolute_coverage_difference([1, 2], [0, 0], [2, 2, 2])
    with pytest.raises(ValueError, match=r"alpha=1.5 must be in \(0, 1\)"):
        metrics.absolute_coverage_difference([1], [0], [2], alpha=1.5)
    with pytest.raises(ValueError, match="upper contains NaN"):
        metrics.mean_scaled_interval_score([1], [0], [np.nan], y_train=[1, 2])


# ----------------------------------------------------------- panel scores
TRAIN = _panel({"a": [1.0, 2.0, 4.0], "b": [10.0, 10.0, 11.0]})
TEST = _panel({"a": [4.0, 6.0], "b": [12.0, 10.0]}, start={"a": 3, "b": 3})
FORECAST = _panel({"a": [5.0, 5.0], "b": [11.0, 11.0]}, start={"a": 3, "b": 3})


def test_series_scores_hand_computed_and_independent_of_row_order():
    scores = metrics.m4_series_scores(TEST, FORECAST, TRAIN)
    # a: sMAPE = 100 * (2/9 + 2/11) / 2; MASE = 1 / 1.5.  b: 100 * (2/23 + 2/21) / 2; MASE = 1 / 0.5
    assert scores.loc["a", "sMAPE"] == pytest.approx(100 * (2 / 9 + 2 / 11) / 2)
    assert scores.loc["a", "MASE"] == pytest.approx(2 / 3)
    assert scores.loc["b", "sMAPE"] == pytest.approx(100 * (2 / 23 + 2 / 21) / 2)
    assert scores.loc["b", "MASE"] == pytest.approx(2.0)
    shuffle = np.random.default_rng(0).permutation
    shuffled = metrics.m4_series_scores(
        TEST.iloc[shuffle(4)], FORECAST.iloc[shuffle(4)].to_frame("y"), TRAIN.iloc[shuffle(6)]
    )
    pd.testing.assert_frame_equal(shuffled, scores)


def test_m4_score_averages_over_series_and_compares_with_naive2():
    score = metrics.m4_score(TEST, FORECAST, TRAIN)
    smape = (100 * (2 / 9 + 2 / 11) / 2 + 100 * (2 / 23 + 2 / 21) / 2) / 2
    assert score["sMAPE"] == pytest.approx(smape)
    assert score["MASE"] == pytest.approx((2 / 3 + 2) / 2)
    # Naive2 (m = 1): a -> 4, 4; b -> 11, 11 (the same as FORECAST for b)
    smape_naive2 = (100 * (0 + 4 / 10) / 2 + 100 * (2 / 23 + 2 / 21) / 2) / 2
    mase_naive2 = (2 / 2 / 1.5 + 2) / 2
    assert score["sMAPE_Naive2"] == pytest.approx(smape_naive2)
    assert score["MASE_Naive2"] == pytest.approx(mase_naive2)
    assert score["OWA"] == pytest.approx((smape / smape_naive2 + score["MASE"] / mase_naive2) / 2)


def test_m4_score_with_intervals():
    lower = FORECAST - 1.0
    upper = FORECAST + 1.0
    score = metrics.m4_score(TEST, FORECAST, TRAIN, lower=lower, upper=upper)
    # a: 4 and 6 inside [4, 6] -> widths 2, 2 / scale 1.5; b: 12 inside [10, 12], 10 inside -> 2 / 0.5
    assert score["MSIS"] == pytest.approx((2 / 1.5 + 2 / 0.5) / 2)
    assert score["ACD"] == pytest.approx(0.05)
    scores = metrics.m4_series_scores(TEST, FORECAST, TRAIN, lower=lower - 1.0, upper=upper - 1.0)
    # shifted down: a's 6 is 1 above [3, 5], b's 12 is 1 above [9, 11]
    assert scores["coverage"].tolist() == [0.5, 0.5]
    assert scores.loc["a", "MSIS"] == pytest.approx((2 + 2 + 40) / 2 / 1.5)


def test_m4_score_errors():
    with pytest.raises(ValueError, match=r"y_pred must have exactly y_true's \(series, time\) rows, but it lacks"):
        metrics.m4_score(TEST, FORECAST.iloc[:3], TRAIN)
    with pytest.raises(ValueError, match="has extra rows"):
        metrics.m4_score(TEST.iloc[:3], FORECAST, TRAIN)
    with pytest.raises(ValueError, match=r"y_train has no rows for 1 series of y_true, e.g. \['b'\]"):
        metrics.m4_score(TEST, FORECAST, TRAIN.loc[["a"]])
    with pytest.raises(ValueError, match="pass both lower and upper"):
        metrics.m4_score(TEST, FORECAST, TRAIN, lower=FORECAST)
    with pytest.raises(TypeError, match="y_pred must be a pandas Series or one-column DataFrame"):
        metrics.m4_score(TEST, FORECAST.to_numpy(), TRAIN)
    with pytest.raises(
        TypeError, match="y_true must be a pandas DataFrame or Series indexed by a two-level MultiIndex"
    ):
        metrics.m4_score(TEST.reset_index(drop=True), FORECAST, TRAIN)
    with pytest.raises(ValueError, match=r"y_train has columns \['y', 'z'\]; pass one column"):
        metrics.m4_score(TEST, FORECAST, pd.DataFrame({"y": TRAIN, "z": TRAIN}))
