"""Preprocessing for time series: lag windows and differencing."""

from ._windows import WindowTransformer, difference, lag_matrix, window_layout

__all__ = ["WindowTransformer", "difference", "lag_matrix", "window_layout"]
