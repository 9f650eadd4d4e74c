"""Forecast metrics (MAPE, sMAPE, MASE, R²), interval metrics, M4's panel scoring and scorers for model selection.

Error scorers are negated so that higher is always better, as in scikit-learn.
The interval scorers (:func:`make_interval_scorer`, :data:`INTERVAL_SCORING`)
are ``(estimator, X, y)`` callables that call ``predict_interval``.

>>> from sklearn.model_selection import GridSearchCV
>>> from skl_lstm.metrics import FORECAST_SCORING
>>> sorted(FORECAST_SCORING)
['mape', 'r2']
"""

from ._intervals import (
    INTERVAL_SCORING,
    interval_coverage,
    make_interval_scorer,
    mean_interval_score,
    mean_interval_width,
    pinball_loss,
)
from ._m4 import (
    absolute_coverage_difference,
    m4_score,
    m4_series_scores,
    mean_scaled_interval_score,
    naive2_forecast,
)
from ._regression import (
    FORECAST_SCORING,
    mape_scorer,
    mase_scorer,
    mean_absolute_percentage_error,
    mean_absolute_scaled_error,
    r2_score,
    r2_scorer,
    smape_scorer,
    symmetric_mean_absolute_percentage_error,
)

__all__ = [
    "FORECAST_SCORING",
    "INTERVAL_SCORING",
    "absolute_coverage_difference",
    "interval_coverage",
    "m4_score",
    "m4_series_scores",
    "make_interval_scorer",
    "mape_scorer",
    "mase_scorer",
    "mean_absolute_percentage_error",
    "mean_absolute_scaled_error",
    "mean_interval_score",
    "mean_interval_width",
    "mean_scaled_interval_score",
    "naive2_forecast",
    "pinball_loss",
    "r2_score",
    "r2_scorer",
    "smape_scorer",
    "symmetric_mean_absolute_percentage_error",
]
