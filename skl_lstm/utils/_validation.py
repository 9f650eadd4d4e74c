"""Input checks shared by the estimators; messages name the problem and the fix."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd


def check_numeric_columns(X, caller: str) -> None:
    """Raise a TypeError naming the non-numeric columns of a DataFrame."""
    if isinstance(X, pd.Series):
        X = X.to_frame()
    if not isinstance(X, pd.DataFrame):
        return  # arrays: scikit-learn's check_array gives the dtype error
    bad = {
        str(col): str(dtype)
        for col, dtype in X.dtypes.items()
        if not pd.api.types.is_numeric_dtype(dtype)
    }
    if bad:
        raise TypeError(
            f"{caller} needs numeric columns, but column(s) {list(bad)} are not "
            f"numeric (dtypes {list(bad.values())}). "
            "Drop them, convert them with pd.to_numeric, or encode them "
            "(e.g. OneHotEncoder) before this step."
        )


def first_nonfinite(arr: np.ndarray) -> tuple[int, ...] | None:
    """Position of the first NaN/inf in ``arr``, or None if all are finite."""
    bad = ~np.isfinite(arr)
    if not bad.any():
        return None
    return tuple(int(i) for i in np.argwhere(bad)[0])


def check_finite_target(y: np.ndarray, caller: str) -> None:
    """Refuse NaN or infinite targets, naming the first bad row."""
    pos = first_nonfinite(np.asarray(y, dtype=np.float64))
    if pos is not None:
        value = float(np.asarray(y, dtype=np.float64)[pos])
        shown = "NaN" if np.isnan(value) else repr(value)
        raise ValueError(
            f"{caller}: y contains {shown} at row {pos[0]}. Targets must be finite: "
            "drop those rows, or fill gaps in the series before building targets "
            "(e.g. series.interpolate())."
        )


def column_position(X, column, param: str, caller: str) -> int:
    """Resolve ``column`` (position or name) to a position in ``X``."""
    shape = X.shape if hasattr(X, "shape") else np.asarray(X).shape
    n_features = shape[1] if len(shape) > 1 else 1
    if isinstance(column, str):
        names = list(getattr(X, "columns", []))
        if column not in names:
            where = f"the columns of X: {names}" if names else "X, which has no column names (a NumPy array); pass a position instead"
            raise ValueError(f"{caller}: {param}={column!r} is not one of {where}.")
        return names.index(column)
    if isinstance(column, numbers.Integral) and not isinstance(column, bool):
        if not -n_features <= column < n_features:
            raise ValueError(
                f"{caller}: {param}={column!r} is out of range for X with {n_features} "
                f"column(s); use a position in [0, {n_features - 1}] or a column name."
            )
        return int(column) % n_features
    raise TypeError(
        f"{caller}: {param} must be a column position (int) or a column name (str), "
        f"got {column!r} of type {type(column).__name__}."
    )
