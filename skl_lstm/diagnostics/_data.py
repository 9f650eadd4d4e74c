"""Read the layout of ``(X, y)``: time order, reference column, horizon, season length."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..utils._history import index_freq
from ..utils._validation import column_position

#: Season length implied by a pandas frequency (its base code, without anchors).
_FREQ_SEASONS = {"MS": 12, "M": 12, "ME": 12, "BMS": 12, "BM": 12, "BME": 12, "QS": 4, "Q": 4, "QE": 4,
                 "BQS": 4, "BQ": 4, "BQE": 4, "W": 52, "D": 7, "B": 5, "h": 24, "H": 24, "bh": 8, "BH": 8}


@dataclass
class Layout:
    """What :func:`read_layout` found out about the data."""

    reference: int
    reference_name: str
    horizon: int
    horizon_source: str
    seasonal_period: int | None
    seasonal_source: str
    order_problem: str | None
    n_rows_out_of_order: int


def take(data, idx):
    """Rows ``idx`` of a pandas object or an array."""
    return data.iloc[idx] if isinstance(data, pd.Series | pd.DataFrame) else np.asarray(data)[idx]


def first_output(a) -> np.ndarray:
    """The first column of a 2-D target (a 1-D target as it is)."""
    a = np.asarray(a)
    return a if a.ndim == 1 else a[:, 0]


def reference_series(X, position: int) -> np.ndarray:
    """The reference column of 2-D ``X`` (last time step of 3-D ``X``) as float64."""
    arr = np.asarray(X, dtype=np.float64)
    return arr[:, -1, position] if arr.ndim == 3 else arr[:, position]


def resolve_reference(X, y, reference) -> int:
    """Position of the column of ``X`` that holds the target's current value.

    None picks the column named like ``y`` without its ``_t+<h>`` suffix
    (the names :func:`~skl_lstm.datasets.make_supervised` gives), else 0.
    """
    if reference is not None:
        arr = np.asarray(X) if not hasattr(X, "columns") else X
        if getattr(arr, "ndim", 2) == 3:
            arr = np.asarray(arr)[:, -1, :]
        return column_position(arr, reference, "reference", "diagnose")
    name = getattr(y, "name", None)
    columns = list(getattr(X, "columns", []))
    if isinstance(name, str) and columns:
        base = re.sub(r"_t\+\d+$", "", name)
        if base in columns:
            return columns.index(base)
    return 0


def _match_fraction(ref: np.ndarray, y: np.ndarray, h: int) -> float:
    a, b = y[:-h], ref[h:]
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3:
        return 0.0
    return float(np.mean(np.isclose(a[ok], b[ok], rtol=1e-6, atol=1e-9)))


def infer_horizon(ref: np.ndarray, y: np.ndarray, y_name=None, max_h: int = 48) -> tuple[int, str]:
    """Steps between the reference column and ``y``: from the data if it shows, else from the name, else 1."""
    y1 = first_output(y)
    for h in range(1, min(max_h, len(y1) - 3) + 1):
        if _match_fraction(ref, y1, h) >= 0.9:
            return h, "data (y[t] == X[t + h] of the reference column)"
    match = re.search(r"_t\+(\d+)$", str(y_name or ""))
    if match:
        return int(match.group(1)), "the name of y"
    return 1, "default (the data do not show it)"


def infer_seasonal_period(values: np.ndarray, index=None) -> tuple[int | None, str]:
    """Season length from the index frequency, else the autocorrelation of the differenced series."""
    if isinstance(index, pd.DatetimeIndex | pd.PeriodIndex) and len(index) >= 3:
        freq = index_freq(index)
        if freq:
            base = re.sub(r"^\d+", "", freq.split("-")[0])
            if base in _FREQ_SEASONS:
                return _FREQ_SEASONS[base], f"index frequency {freq!r}"
    z = np.diff(values[np.isfinite(values)])
    n = z.size
    if n < 12:
        return None, "none (series too short)"
    z = z - z.mean()
    denom = float(np.dot(z, z))
    if denom == 0:
        return None, "none (constant series)"
    max_lag = min(n // 3, 60)
    # lags 1..max_lag; statsmodels' acf would give the same but fit and tune must not need statsmodels
    acf = np.correlate(z, z, mode="full")[n : n + max_lag] / denom
    threshold = max(0.3, 3 / np.sqrt(n))
    for k in range(2, max_lag - 1):
        # the first clear local peak is the season (its multiples peak too)
        if acf[k - 1] > threshold and acf[k - 1] >= acf[k - 2] and acf[k - 1] >= acf[k]:
            return k, f"autocorrelation peak at lag {k} ({acf[k - 1]:.2f})"
    return None, "none (no seasonal autocorrelation)"


def order_problem(X) -> tuple[str | None, int]:
    """Describe rows of a pandas ``X`` that are out of time order; ``(None, 0)`` when in order."""
    index = getattr(X, "index", None)
    if index is None or len(index) < 2:
        return None, 0
    try:
        values = index.to_numpy()
        back = int(np.sum(values[1:] < values[:-1]))
    except TypeError:
        return None, 0
    if back:
        return f"the index of X decreases at {back} of {len(index) - 1} consecutive rows", back
    if pd.api.types.is_integer_dtype(index.dtype) and len(index) >= 3:
        steps = np.diff(values)
        irregular = int(np.sum(steps != np.median(steps)))
        if irregular > max(2, 0.2 * len(steps)):
            return f"the integer index of X skips labels at {irregular} of {len(steps)} rows", irregular
    return None, 0


def shuffled_without_index(ref: np.ndarray, y: np.ndarray, max_h: int = 48) -> float | None:
    """For arrays: the share of ``y`` values found in the reference column when no horizon aligns them.

    In time order, ``y[t] == X[t + h]`` for some ``h`` (the supervised
    layout). If the values of ``y`` are the values of the reference column
    but no shift aligns them, the rows were shuffled; returns that share
    (None when some shift aligns them or the values differ).
    """
    y1 = first_output(y)
    if any(_match_fraction(ref, y1, h) >= 0.5 for h in range(1, min(max_h, len(y1) - 3) + 1)):
        return None
    finite = np.isfinite(y1)
    if finite.sum() < 10:
        return None
    shared = float(np.isin(np.round(y1[finite], 9), np.round(ref[np.isfinite(ref)], 9)).mean())
    return shared if shared >= 0.8 else None


def read_layout(X, y, *, reference=None, horizon=None, seasonal_period=None,
                order=(None, 0)) -> tuple[Layout, np.ndarray]:
    """Resolve the reference column, horizon and season length of ``(X, y)``.

    ``order`` is what :func:`order_problem` found before the rows were sorted.
    Returns the layout and the reference series (as :func:`reference_series`).
    """
    position = resolve_reference(X, y, reference)
    columns = list(getattr(X, "columns", []))
    ref = reference_series(X, position)
    y_arr = np.asarray(y, dtype=np.float64)
    if horizon is None:
        h, h_source = infer_horizon(ref, y_arr, getattr(y, "name", None))
    else:
        h, h_source = int(horizon), "given"
    if seasonal_period is None:
        m, m_source = infer_seasonal_period(ref, getattr(X, "index", None))
    else:
        m, m_source = int(seasonal_period), "given"
    problem, n_bad = order
    layout = Layout(
        reference=position,
        reference_name=str(columns[position]) if columns else f"column {position}",
        horizon=h,
        horizon_source=h_source,
        seasonal_period=m,
        seasonal_source=m_source,
        order_problem=problem,
        n_rows_out_of_order=n_bad,
    )
    return layout, ref


__all__ = ["Layout", "first_output", "infer_horizon", "infer_seasonal_period", "read_layout", "reference_series", "take"]
