"""Cross-validation for forecasting: splitters that respect time, also across many series."""

from ._split import PanelTimeSeriesSplit

__all__ = ["PanelTimeSeriesSplit"]
