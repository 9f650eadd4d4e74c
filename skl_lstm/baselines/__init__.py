"""Baseline forecasts as scikit-learn regressors, for the same CV loop as the LSTM."""

from ._naive import NaiveForecaster, SeasonalNaiveForecaster

__all__ = ["NaiveForecaster", "SeasonalNaiveForecaster"]
