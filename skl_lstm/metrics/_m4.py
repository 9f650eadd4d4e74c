"""The M4 competition's scoring: sMAPE, MASE and OWA over a panel, Naive2, MSIS and coverage.

Definitions follow the competition's paper and evaluation code (Makridakis,
Spiliotis & Assimakopoulos, "The M4 Competition: 100,000 time series and 61
forecasting methods", International Journal of Forecasting 36(1), 2020):

* per series, over the ``h`` forecast steps:
  sMAPE = (200 / h) · Σ |y − ŷ| / (|y| + |ŷ|), in % (that is 100 ×
  :func:`symmetric_mean_absolute_percentage_error`), and
  MASE = mean |y − ŷ| / mean |s_t − s_{t−m}| over the series' training part
  ``s`` (:func:`mean_absolute_scaled_error` with ``y_train``);
* both are averaged over series, and
  OWA = (sMAPE / sMAPE_Naive2 + MASE / MASE_Naive2) / 2 compares the two
  averages with those of Naive2 on the same series;
* 95 % intervals: MSIS (interval width plus ``2 / alpha`` times the distance
  by which an observation falls outside, scaled like MASE, averaged over
  series) and ACD, the absolute difference between the coverage pooled over
  all points and ``1 − alpha``.

The seasonal period ``m`` is M4's frequency of the data: 1 for yearly, weekly
and daily series, 4 quarterly, 12 monthly, 24 hourly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..utils._panel_input import check_panel, panel_series
from ._regression import mean_absolute_scaled_error, symmetric_mean_absolute_percentage_error

__all__ = [
    "absolute_coverage_difference",
    "m4_score",
    "m4_series_scores",
    "mean_scaled_interval_score",
    "naive2_forecast",
]

#: Two-sided 90 % normal quantile of the M4 seasonality test.
_SEASONALITY_CRITICAL = 1.645


def _check_period(seasonal_period) -> int:
    if isinstance(seasonal_period, bool) or not isinstance(seasonal_period, (int, np.integer)) or seasonal_period < 1:
        raise ValueError(
            f"seasonal_period={seasonal_period!r} must be a positive int: M4's frequency of the data "
            "(1 for yearly, weekly and daily series, 4 quarterly, 12 monthly, 24 hourly)."
        )
    return int(seasonal_period)


def _check_alpha(alpha) -> float:
    if not isinstance(alpha, (int, float, np.floating)) or not 0 < alpha < 1:
        raise ValueError(f"alpha={alpha!r} must be in (0, 1); M4 scored 95 % intervals with alpha=0.05.")
    return float(alpha)


def _autocorrelations(y: np.ndarray, max_lag: int) -> np.ndarray:
    """Sample autocorrelations at lags 1 .. max_lag (the biased estimator R's ``acf`` uses)."""
    centred = y - y.mean()
    denominator = centred @ centred
    if denominator == 0:
        return np.zeros(max_lag)
    return np.array([centred[:-k] @ centred[k:] / denominator for k in range(1, max_lag + 1)])


def _is_seasonal(y: np.ndarray, m: int) -> bool:
    """M4's seasonality test: |acf(m)| beyond the 90 % limit of lags 1 .. m−1 (needs 3 m points)."""
    if m <= 1 or len(y) < 3 * m:
        return False
    acf = _autocorrelations(y, m)
    limit = _SEASONALITY_CRITICAL * np.sqrt((1 + 2 * np.sum(acf[:-1] ** 2)) / len(y))
    return bool(abs(acf[m - 1]) > limit)


def _seasonal_indices(y: np.ndarray, m: int) -> np.ndarray:
    """Classical multiplicative decomposition (R's ``decompose``): index of each position mod m."""
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    trend = np.convolve(y, weights, mode="valid")
    offset = len(weights) // 2
    ratio = np.full(len(y), np.nan)
    ratio[offset : offset + len(trend)] = y[offset : offset + len(trend)] / trend
    figure = np.array([np.nanmean(ratio[i::m]) for i in range(m)])
    return figure / figure.mean()


def naive2_forecast(y, horizon, *, seasonal_period=1) -> np.ndarray:
    """Forecast with M4's Naive2: the naive forecast of the seasonally adjusted series.

    If the series passes M4's seasonality test (the autocorrelation at lag
    ``m`` exceeds its 90 % limit, on at least ``3 m`` points), it is divided by
    the seasonal indices of a classical multiplicative decomposition, the last
    adjusted value is carried forward and the indices are put back. Otherwise
    (and always for ``m = 1``) Naive2 is the plain naive forecast.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The observed series, oldest first (positive values, as in M4).
    horizon : int
        Number of steps to forecast.
    seasonal_period : int, default=1
        ``m``, M4's frequency of the data (1 for weekly).

    Returns
    -------
    ndarray of shape (horizon,)
        The forecasts for the ``horizon`` steps after the last observation.

    See Also
    --------
    m4_score : scores forecasts against Naive2 (OWA).

    Examples
    --------
    >>> from skl_lstm.metrics import naive2_forecast
    >>> naive2_forecast([3.0, 5.0, 4.0], 2)
    array([4., 4.])
    >>> y = [10, 20, 30, 40] * 3
    >>> naive2_forecast(y, 4, seasonal_period=4).round(2)
    array([10., 20., 30., 40.])
    """
    m = _check_period(seasonal_period)
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"horizon={horizon!r} must be a positive int (the number of steps to forecast).")
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 1 or y.size == 0 or not np.all(np.isfinite(y)):
        raise ValueError(
            f"naive2_forecast needs a non-empty 1-D series of finite values; got shape {y.shape}"
            f"{' with NaN or infinite values' if y.size and not np.all(np.isfinite(y)) else ''}. "
            "Pass one series at a time, with gaps filled."
        )
    if not _is_seasonal(y, m):
        return np.full(int(horizon), y[-1])
    indices = _seasonal_indices(y, m)
    last_adjusted = y[-1] / indices[(len(y) - 1) % m]
    return last_adjusted * indices[(len(y) + np.arange(int(horizon))) % m]


def _interval_arrays(y_true, lower, upper):
    arrays = [np.asarray(a, dtype=np.float64) for a in (y_true, lower, upper)]
    if not arrays[0].shape == arrays[1].shape == arrays[2].shape or arrays[0].size == 0:
        raise ValueError(
            f"y_true, lower and upper have shapes {[a.shape for a in arrays]}; pass non-empty arrays "
            "of one shape (one bound per observation)."
        )
    for name, arr in zip(("y_true", "lower", "upper"), arrays, strict=True):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values; interval scores need finite values.")
    if np.any(arrays[1] > arrays[2]):
        first = int(np.flatnonzero(arrays[1].ravel() > arrays[2].ravel())[0])
        raise ValueError(
            f"lower exceeds upper at position {first} ({arrays[1].ravel()[first]!r} > "
            f"{arrays[2].ravel()[first]!r}); pass lower <= upper (swap them if they came reversed)."
        )
    return arrays


def interval_score_terms(y_true: np.ndarray, lower: np.ndarray, upper: np.ndarray, alpha: float) -> np.ndarray:
    """Each point's interval score (Gneiting & Raftery 2007): width plus ``2 / alpha`` times the miss.

    The numerator of MSIS before averaging; checked arrays in, one term per point out.
    """
    return (
        (upper - lower)
        + (2 / alpha) * (lower - y_true) * (y_true < lower)
        + (2 / alpha) * (y_true - upper) * (y_true > upper)
    )


def mean_scaled_interval_score(y_true, lower, upper, *, y_train, seasonal_period=1, alpha=0.05) -> float:
    r"""Mean scaled interval score (MSIS) of a ``1 − alpha`` interval, M4's definition.

    .. math::
        \mathrm{MSIS} = \frac{\frac{1}{h}\sum_t (u_t - l_t)
        + \frac{2}{\alpha}(l_t - y_t)\,[y_t < l_t]
        + \frac{2}{\alpha}(y_t - u_t)\,[y_t > u_t]}
        {\frac{1}{n-m}\sum_{t=m+1}^{n} |s_t - s_{t-m}|}

    Lower is better: narrow intervals that hold the observations.

    Parameters
    ----------
    y_true : array-like of shape (h,)
        Observed values.
    lower, upper : array-like of shape (h,)
        The interval's bounds.
    y_train : array-like of shape (n,)
        The series' training part ``s``, for the scale.
    seasonal_period : int, default=1
        ``m`` of the scale (M4's frequency; 1 for weekly).
    alpha : float, default=0.05
        One minus the nominal coverage (0.05 for M4's 95 % intervals).

    Returns
    -------
    msis : float
        Lower is better; a perfect, zero-width interval scores 0.

    Examples
    --------
    >>> from skl_lstm.metrics import mean_scaled_interval_score
    >>> # widths 2 and 2; the second point is 1 above its upper bound: 2 + 40 * 1
    >>> mean_scaled_interval_score([1.0, 4.0], [0.0, 1.0], [2.0, 3.0], y_train=[1.0, 2.0, 3.0])
    22.0
    """
    y_true, lower, upper = _interval_arrays(y_true, lower, upper)
    penalty = interval_score_terms(y_true, lower, upper, _check_alpha(alpha))
    # MASE of the penalty against zero: the same in-sample naive scale, one home for its checks
    return mean_absolute_scaled_error(penalty, np.zeros_like(penalty), y_train=y_train, seasonal_period=seasonal_period)


def absolute_coverage_difference(y_true, lower, upper, *, alpha=0.05) -> float:
    """Absolute difference between the share of observations inside their interval and ``1 − alpha``.

    An observation on a bound counts as inside. M4 pooled all points of all
    series before taking the difference; pass them all at once to do the same.

    Parameters
    ----------
    y_true : array-like
        Observed values.
    lower, upper : array-like of the same shape
        The interval's bounds.
    alpha : float, default=0.05
        One minus the nominal coverage.

    Returns
    -------
    float
        0 means the intervals covered exactly their nominal share.

    Examples
    --------
    >>> from skl_lstm.metrics import absolute_coverage_difference
    >>> round(absolute_coverage_difference([1, 2, 3, 9], [0, 0, 0, 0], [5, 5, 5, 5]), 6)
    0.2
    """
    y_true, lower, upper = _interval_arrays(y_true, lower, upper)
    return float(abs(_coverage(y_true, lower, upper) - (1 - _check_alpha(alpha))))


def _coverage(y_true: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of observations inside their interval, bounds included (M4's rule)."""
    return float(np.mean((y_true >= lower) & (y_true <= upper)))


def _aligned(reference: pd.Series | pd.DataFrame, other, name: str):
    """``other`` reordered to ``reference``'s rows, refusing a different set of (series, time) pairs."""
    if not isinstance(other, (pd.Series, pd.DataFrame)):
        raise TypeError(
            f"m4_score: {name} must be a pandas Series or one-column DataFrame indexed by (series, time) "
            f"like y_true; got {type(other).__name__}."
        )
    missing = reference.index.difference(other.index)
    extra = other.index.difference(reference.index)
    if len(missing) or len(extra):
        shown = f"lacks {list(missing[:3])}" if len(missing) else f"has extra rows {list(extra[:3])}"
        raise ValueError(
            f"m4_score: {name} must have exactly y_true's (series, time) rows, but it {shown} "
            f"({len(missing)} missing, {len(extra)} extra). Forecast the same steps that y_true holds."
        )
    return other.reindex(reference.index)


def m4_series_scores(y_true, y_pred, y_train, *, seasonal_period=1, lower=None, upper=None, alpha=0.05) -> pd.DataFrame:
    """Score the forecasts of every series of a panel by M4's rules.

    Parameters
    ----------
    y_true : pandas.Series or one-column pandas.DataFrame
        The held-out observations, indexed by (series, time).
    y_pred : pandas.Series or one-column pandas.DataFrame
        The forecasts, with exactly ``y_true``'s (series, time) rows (any order).
    y_train : pandas.Series or one-column pandas.DataFrame
        The training part of every series in ``y_true``, indexed by
        (series, time), for MASE's and MSIS's scale.
    seasonal_period : int, default=1
        ``m`` of the scale: M4's frequency of the data (1 for weekly).
    lower, upper : pandas.Series or one-column pandas.DataFrame, default=None
        Bounds of a ``1 − alpha`` interval, aligned like ``y_pred``; when given,
        the table gains ``MSIS`` and ``coverage``.
    alpha : float, default=0.05
        One minus the intervals' nominal coverage.

    Returns
    -------
    pandas.DataFrame
        One row per series (sorted), columns ``sMAPE`` (in %), ``MASE``, and
        with intervals ``MSIS`` and ``coverage`` (the share of the series'
        points inside their interval).

    Examples
    --------
    >>> import pandas as pd
    >>> from skl_lstm.metrics import m4_series_scores
    >>> def panel(values, start):
    ...     index = pd.MultiIndex.from_tuples([(s, start + t) for s in values for t in range(len(values[s]))])
    ...     return pd.Series([v for s in values for v in values[s]], index=index)
    >>> train = panel({"a": [1.0, 2.0, 4.0], "b": [10.0, 10.0, 11.0]}, 0)
    >>> test = panel({"a": [4.0, 6.0], "b": [12.0, 10.0]}, 3)
    >>> forecast = panel({"a": [5.0, 5.0], "b": [11.0, 11.0]}, 3)
    >>> m4_series_scores(test, forecast, train).round(3)
        sMAPE   MASE
    a  20.202  0.667
    b   9.110  2.000
    """
    m = _check_period(seasonal_period)
    truth = panel_series(y_true, caller="m4_score", param="y_true")
    columns = (
        {"y_pred": y_pred} if lower is None and upper is None else {"y_pred": y_pred, "lower": lower, "upper": upper}
    )
    if (lower is None) != (upper is None):
        raise ValueError("m4_score: pass both lower and upper (the interval's bounds), or neither.")
    given = {
        name: panel_series(_aligned(y_true, value, name), caller="m4_score", param=name)
        for name, value in columns.items()
    }
    train = panel_series(y_train, caller="m4_score", param="y_train")
    absent = [s for s in truth if s not in train]
    if absent:
        raise ValueError(
            f"m4_score: y_train has no rows for {len(absent)} series of y_true, e.g. {absent[:3]}; "
            "pass the training part of every scored series (MASE's scale comes from it)."
        )
    rows = {}
    for series, observed in truth.items():
        forecast = given["y_pred"][series]
        row = {
            "sMAPE": 100 * symmetric_mean_absolute_percentage_error(observed, forecast),
            "MASE": mean_absolute_scaled_error(observed, forecast, y_train=train[series], seasonal_period=m),
        }
        if "lower" in given:
            low, up = given["lower"][series], given["upper"][series]
            row["MSIS"] = mean_scaled_interval_score(
                observed, low, up, y_train=train[series], seasonal_period=m, alpha=alpha
            )
            row["coverage"] = _coverage(observed, low, up)
        rows[series] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def m4_score(y_true, y_pred, y_train, *, seasonal_period=1, lower=None, upper=None, alpha=0.05) -> dict:
    """Score a panel's forecasts by M4's rules: sMAPE, MASE and OWA against Naive2.

    sMAPE and MASE are computed per series over its forecast steps and then
    averaged over series; Naive2 is forecast from ``y_train`` for the same
    steps (:func:`naive2_forecast`) and scored the same way, and
    ``OWA = (sMAPE / sMAPE_Naive2 + MASE / MASE_Naive2) / 2``.

    Parameters
    ----------
    y_true, y_pred, y_train : pandas.Series or one-column pandas.DataFrame
        As in :func:`m4_series_scores`: held-out observations, forecasts for
        exactly those (series, time) rows, and each series' training part.
    seasonal_period : int, default=1
        M4's frequency of the data (1 for weekly): ``m`` of MASE's scale and
        of Naive2's seasonal adjustment.
    lower, upper : pandas.Series or one-column pandas.DataFrame, default=None
        Bounds of ``1 − alpha`` intervals; when given, the result adds
        ``MSIS`` (mean over series) and ``ACD`` (coverage pooled over all points).
    alpha : float, default=0.05
        One minus the intervals' nominal coverage.

    Returns
    -------
    dict
        ``sMAPE`` (in %), ``MASE``, ``OWA``, ``sMAPE_Naive2``, ``MASE_Naive2``,
        ``n_series``, and with intervals ``MSIS`` and ``ACD``.

    See Also
    --------
    m4_series_scores : the per-series table behind these averages.

    Examples
    --------
    >>> import pandas as pd
    >>> from skl_lstm.metrics import m4_score
    >>> index = lambda times: pd.MultiIndex.from_product([["a"], times])
    >>> train = pd.Series([1.0, 2.0, 4.0], index=index([0, 1, 2]))
    >>> test = pd.Series([4.0, 6.0], index=index([3, 4]))
    >>> score = m4_score(test, pd.Series([5.0, 5.0], index=test.index), train)
    >>> round(score["OWA"], 3), score["n_series"]
    (1.005, 1)
    """
    method = m4_series_scores(
        y_true, y_pred, y_train, seasonal_period=seasonal_period, lower=lower, upper=upper, alpha=alpha
    )
    truth = y_true if isinstance(y_true, pd.Series) else y_true.iloc[:, 0]
    train = panel_series(y_train, caller="m4_score", param="y_train")
    panel = check_panel(truth, caller="m4_score", param="y_true")
    steps = np.diff(panel.bounds)
    naive2 = panel.unsort(
        np.concatenate(
            [
                naive2_forecast(train[series], int(h), seasonal_period=seasonal_period)
                for series, h in zip(panel.series, steps, strict=True)
            ]
        )
    )
    naive2 = pd.Series(naive2, index=truth.index)
    reference = m4_series_scores(truth, naive2, y_train, seasonal_period=seasonal_period)
    result = {
        "sMAPE": float(method["sMAPE"].mean()),
        "MASE": float(method["MASE"].mean()),
        "sMAPE_Naive2": float(reference["sMAPE"].mean()),
        "MASE_Naive2": float(reference["MASE"].mean()),
        "n_series": int(len(method)),
    }
    result["OWA"] = (result["sMAPE"] / result["sMAPE_Naive2"] + result["MASE"] / result["MASE_Naive2"]) / 2
    if lower is not None:
        result["MSIS"] = float(method["MSIS"].mean())
        result["ACD"] = absolute_coverage_difference(
            truth.to_numpy(dtype=float),
            _aligned(truth, lower, "lower").to_numpy(dtype=float).ravel(),
            _aligned(truth, upper, "upper").to_numpy(dtype=float).ravel(),
            alpha=alpha,
        )
    return result
