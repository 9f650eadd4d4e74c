"""Read the layout of ``(X, y)``: reference column, horizon, season length (rules in :mod:`skl_lstm.utils`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..utils._timeseries import reference_values, seasonal_period_and_source, supervised_record
from ..utils._timeseries import resolve_reference as _resolve


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


def resolve_reference(X, reference) -> int:
    """Position of the column of ``X`` that holds the target's current value.

    None is ``"auto"``: the target :func:`~skl_lstm.datasets.make_supervised`
    recorded, else column 0 (see :func:`skl_lstm.utils.supervised_record`).
    """
    return _resolve(X, "auto" if reference is None else reference, "diagnose")


def _match_fraction(ref: np.ndarray, y: np.ndarray, h: int) -> float:
    a, b = y[:-h], ref[h:]
    ok = np.isfinite(a) & np.isfinite(b)
    if ok.sum() < 3:
        return 0.0
    return float(np.mean(np.isclose(a[ok], b[ok], rtol=1e-6, atol=1e-9)))


def infer_horizon(ref: np.ndarray, y: np.ndarray, record=None, max_h: int = 48) -> tuple[int, str]:
    """Steps between the reference column and ``y``: from the data if it shows, else the recorded horizon, else 1."""
    y1 = first_output(y)
    for h in range(1, min(max_h, len(y1) - 3) + 1):
        if _match_fraction(ref, y1, h) >= 0.9:
            return h, "data (y[t] == X[t + h] of the reference column)"
    if record is not None:
        return int(record["horizons"][0]), "make_supervised's record"
    return 1, "default (the data do not show it)"


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

    ``order`` is ``(description, rows out of order)`` of what
    :func:`~skl_lstm.utils.time_order_problem` found before the rows were
    sorted. Returns the layout and the reference column.
    """
    position = resolve_reference(X, reference)
    columns = list(getattr(X, "columns", []))
    ref = reference_values(X, position, "diagnose", finite=False)
    y_arr = np.asarray(y, dtype=np.float64)
    if horizon is None:
        h, h_source = infer_horizon(ref, y_arr, supervised_record(X, y))
    else:
        h, h_source = int(horizon), "given"
    if seasonal_period is None:
        m, m_source = seasonal_period_and_source(ref, getattr(X, "index", None))
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


__all__ = ["Layout", "first_output", "infer_horizon", "read_layout", "take"]
