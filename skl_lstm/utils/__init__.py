"""Time-series facts the package and its users share, written once.

The public names here are the rules every part of skl_lstm follows: the
default lag window, season-length inference, the time-order check, the
time-ordered split for a horizon, what counts as a panel, and the record of
target and horizon that :func:`~skl_lstm.datasets.make_supervised` leaves on
``X`` and ``y``. The
underscore modules hold internal helpers (validation, optional dependencies,
pandas index arithmetic, warning locations).
"""

from ._history import index_freq
from ._panel import is_panel
from ._timeseries import (
    TimeOrderProblem,
    default_splitter,
    default_window,
    infer_seasonal_period,
    supervised_record,
    time_order_problem,
)

__all__ = [
    "TimeOrderProblem",
    "default_splitter",
    "default_window",
    "index_freq",
    "infer_seasonal_period",
    "is_panel",
    "supervised_record",
    "time_order_problem",
]
