"""Preprocessing for time series: lag windows, differencing and known-future covariates."""

from ._covariates import KnownFutureTransformer
from ._windows import WindowTransformer, difference, lag_matrix, window_layout

__all__ = ["KnownFutureTransformer", "WindowTransformer", "difference", "lag_matrix", "window_layout"]
