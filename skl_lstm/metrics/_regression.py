"""Forecast accuracy metrics and ready-made scorers.

MAPE and R² are scikit-learn's own functions, re-exported so that one import
gives every forecast metric. sMAPE and MASE follow Hyndman & Koehler (2006),
"Another look at measures of forecast accuracy".
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import make_scorer, mean_absolute_percentage_error, r2_score
from sklearn.utils.validation import check_consistent_length

from ..utils._docstrings import fill_doc

__all__ = [
    "mean_absolute_percentage_error",
    "r2_score",
    "symmetric_mean_absolute_percentage_error",
    "mean_absolute_scaled_error",
    "mape_scorer",
    "smape_scorer",
    "mase_scorer",
    "r2_scorer",
    "FORECAST_SCORING",
]


def _as_float_arrays(y_true, y_pred):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    check_consistent_length(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has shape {y_true.shape} but y_pred has shape {y_pred.shape}; pass arrays of the same shape.")
    if y_true.size == 0:
        raise ValueError("y_true is empty; metrics need at least one sample.")
    for name, arr in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinite values; metrics need finite values.")
    return y_true, y_pred


@fill_doc
def symmetric_mean_absolute_percentage_error(y_true, y_pred, *, sample_weight=None) -> float:
    r"""Symmetric mean absolute percentage error, as a fraction in [0, 2].

    .. math::
        \mathrm{sMAPE} = \frac{1}{n}\sum_t \frac{2\,|y_t - \hat y_t|}{|y_t| + |\hat y_t|}

    A term with ``y_t = \hat y_t = 0`` counts as 0 (a perfect forecast).

    Parameters
    ----------
    %(metric_data)s
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    float
        The sMAPE; 0.1 means 10 %. Multi-output values are averaged uniformly.

    Examples
    --------
    >>> symmetric_mean_absolute_percentage_error([100, 200], [110, 180])
    0.10025062656641603
    """
    y_true, y_pred = _as_float_arrays(y_true, y_pred)
    num = 2.0 * np.abs(y_true - y_pred)
    den = np.abs(y_true) + np.abs(y_pred)
    ratio = np.divide(num, den, out=np.zeros_like(num), where=den > 0)
    if ratio.ndim > 1:
        ratio = ratio.mean(axis=1)
    return float(np.average(ratio, weights=sample_weight))


@fill_doc
def mean_absolute_scaled_error(y_true, y_pred, *, y_train=None, seasonal_period=1, sample_weight=None) -> float:
    r"""Mean absolute scaled error: MAE relative to the naive forecast's MAE.

    .. math::
        \mathrm{MASE} = \frac{\frac{1}{n}\sum_t |y_t - \hat y_t|}
        {\frac{1}{T-m}\sum_{t=m+1}^{T} |s_t - s_{t-m}|}

    where ``s`` is ``y_train`` (Hyndman & Koehler's definition) and ``m`` is
    ``seasonal_period``. Below 1 means better than the in-sample (seasonal)
    naive forecast. When ``y_train`` is None, ``s`` is ``y_true`` itself: the
    denominator is then the naive forecast's error on the evaluated segment,
    which is what :data:`mase_scorer` uses, since a scorer never sees the
    training data.

    Parameters
    ----------
    %(metric_data)s
    y_train : array-like of shape (n_train,), default=None
        The training series used for the scale.
    seasonal_period : int, default=1
        ``m``: 1 scales by the naive forecast, 12 by the seasonal naive of
        monthly data.
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the numerator's terms.

    Returns
    -------
    float
        The MASE.

    Examples
    --------
    >>> mean_absolute_scaled_error([3, 5], [4, 5], y_train=[1, 2, 4, 3])
    0.375
    """
    y_true, y_pred = _as_float_arrays(y_true, y_pred)
    scale_series = y_true if y_train is None else np.asarray(y_train, dtype=np.float64)
    m = int(seasonal_period)
    if m < 1:
        raise ValueError(f"seasonal_period={seasonal_period!r} must be a positive int (1 = naive, 12 = monthly seasonal naive).")
    if scale_series.shape[0] <= m:
        raise ValueError(
            f"mean_absolute_scaled_error needs more than seasonal_period={seasonal_period!r} "
            f"points to compute its scale, got {scale_series.shape[0]}; pass a longer y_train "
            "or a smaller seasonal_period."
        )
    scale = np.mean(np.abs(scale_series[m:] - scale_series[:-m]))
    if not scale > 0:
        raise ValueError(
            "mean_absolute_scaled_error is undefined: the naive forecast of the scale "
            "series is perfect (the series is constant). Use MAE instead."
        )
    err = np.abs(y_true - y_pred)
    if err.ndim > 1:
        err = err.mean(axis=1)
    return float(np.average(err, weights=sample_weight) / scale)


#: Scorer for MAPE (negated: higher is better), same as scikit-learn's
#: ``"neg_mean_absolute_percentage_error"``.
mape_scorer = make_scorer(mean_absolute_percentage_error, greater_is_better=False)
#: Scorer for sMAPE (negated).
smape_scorer = make_scorer(symmetric_mean_absolute_percentage_error, greater_is_better=False)
#: Scorer for MASE scaled by the naive error on the evaluated fold (negated).
mase_scorer = make_scorer(mean_absolute_scaled_error, greater_is_better=False)
#: Scorer for R², same as scikit-learn's ``"r2"``.
r2_scorer = make_scorer(r2_score)

#: The scoring dict used throughout the docs: ``GridSearchCV(..., scoring=FORECAST_SCORING, refit="mape")``.
FORECAST_SCORING = {"mape": mape_scorer, "r2": r2_scorer}
