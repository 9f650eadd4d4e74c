"""Diagnose a forecaster: why its loss falls but its forecasts are poor, and what to change.

:func:`diagnose` fits the estimator on time-ordered folds next to the naive
and seasonal-naive forecasts, reads the training history of the
:class:`~skl_lstm.LSTMRegressor` inside it and returns a :class:`Report` of
ranked :class:`Finding` objects, each with its evidence and a :class:`Fix`.

Importing this package does not import TensorFlow, statsmodels or matplotlib;
``diagnose`` needs statsmodels and the figures need matplotlib
(``pip install "skl_lstm[diagnose]"``).
"""

from ._diagnose import diagnose
from ._report import SEVERITIES, Finding, Fix, Report

__all__ = ["Finding", "Fix", "Report", "SEVERITIES", "diagnose"]
