"""Carry the tail of the fitted series over to the rows that follow it.

A transformer that looks back in time (windows, seasonal lags) has no history
for the first rows of a test fold. When the rows passed to ``transform`` or
``predict`` continue the pandas index seen in ``fit``, the last rows seen in
``fit`` are the true history of those rows: they come strictly before them, so
using them leaks nothing from the future.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


def index_freq(index) -> str | None:
    """Frequency of a datetime or period index: as set, else inferred from three or more labels (None if none).

    Parameters
    ----------
    index : pandas.Index
        The index; any other index (integers, strings) has no frequency.

    Returns
    -------
    str or None
        The pandas frequency string (``"MS"``, ``"W-SUN"``, ...), or None.
    """
    freq = getattr(index, "freqstr", None)
    if freq is None and isinstance(index, pd.DatetimeIndex) and len(index) >= 3:
        with warnings.catch_warnings():  # pandas 3 announces a return-type change
            warnings.simplefilter("ignore")
            freq = pd.infer_freq(index)
    return freq


def next_label(index: pd.Index, steps: int = 1):
    """Return the label ``steps`` steps after the end of ``index`` in a regular series, or None.

    Integer indexes must have a constant positive step; datetime indexes need a
    frequency (set, or inferable from at least three labels); period indexes
    always have one.

    Examples
    --------
    >>> next_label(pd.RangeIndex(0, 10, 2)), next_label(pd.period_range("2020-01", periods=3, freq="M"), steps=2)
    (np.int64(10), Period('2020-05', 'M'))
    """
    if len(index) == 0:
        return None
    if isinstance(index, pd.PeriodIndex):
        return index[-1] + steps
    if isinstance(index, pd.DatetimeIndex):
        freq = index_freq(index)
        return index[-1] + steps * pd.tseries.frequencies.to_offset(freq) if freq is not None else None
    if pd.api.types.is_integer_dtype(index.dtype):
        values = index.to_numpy()
        if len(values) == 1:
            return values[-1] + steps
        diffs = np.diff(values)
        if diffs[0] > 0 and np.all(diffs == diffs[0]):
            return values[-1] + steps * diffs[0]
    return None


def continues(fitted_next, X) -> bool:
    """True if pandas ``X`` starts right where the fitted series ended."""
    if fitted_next is None or not isinstance(X, (pd.Series, pd.DataFrame)) or len(X) == 0:
        return False
    try:
        return bool(X.index[0] == fitted_next)
    except (TypeError, ValueError):
        return False


def steps_after(fitted_next, index) -> int | None:
    """How many steps of ``index``'s regular grid lie between a fitted end and ``index[0]``.

    ``fitted_next`` is the label that would have followed the fitted rows
    (:func:`next_label`). The answer is 0 when ``index`` continues them
    directly, ``g > 0`` when ``g`` steps are missing in between (the gap a
    :class:`~sklearn.model_selection.TimeSeriesSplit` leaves with
    ``gap=g``), and None when ``index`` does not start on the same grid at or
    after that label, or its grid cannot be told (an integer index of one
    row, a datetime index without a frequency).

    Examples
    --------
    >>> steps_after(10, pd.Index([13, 14, 15])), steps_after(10, pd.Index([10, 11])), steps_after(10, pd.Index([8, 9]))
    (3, 0, None)
    >>> steps_after(pd.Period("2020-03", "M"), pd.period_range("2020-05", periods=2, freq="M"))
    2
    """
    if fitted_next is None or index is None or len(index) == 0:  # None: an array, which has no labels
        return None
    first = index[0]
    try:
        if first == fitted_next:
            return 0
        if isinstance(index, pd.PeriodIndex):
            if not isinstance(fitted_next, pd.Period) or fitted_next.freq != first.freq or first < fitted_next:
                return None
            return int((first - fitted_next).n)
        if isinstance(index, pd.DatetimeIndex):
            freq = index_freq(index)
            if freq is None or not isinstance(fitted_next, pd.Timestamp) or first < fitted_next:
                return None
            grid = pd.date_range(fitted_next, first, freq=freq)
            return len(grid) - 1 if len(grid) and grid[-1] == first else None
        if pd.api.types.is_integer_dtype(index.dtype) and len(index) > 1:
            values = index.to_numpy()
            step, ahead = values[1] - values[0], first - fitted_next
            if step > 0 and ahead > 0 and ahead % step == 0:
                return int(ahead // step)
    except (TypeError, ValueError):
        return None
    return None


def index_of(X):
    """The pandas index of ``X``, or None for arrays."""
    return X.index if isinstance(X, (pd.Series, pd.DataFrame)) else None


def next_label_of(X):
    """The label that would follow the rows of pandas ``X`` (see :func:`next_label`); None for arrays."""
    index = index_of(X)
    return next_label(index) if index is not None else None
