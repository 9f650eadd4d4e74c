"""Panel inputs of the splitter and the M4 metrics: the checks, and per-row and per-series views.

Built on :class:`~skl_lstm.utils._panel.Panel`, the one reader of a panel's
(series, time) order; this module adds what a caller that *requires* a panel
needs: an error naming the fix when the input is not one, each row's distance
from its series' end, and each series' values in time order.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from ._panel import Panel, is_panel

__all__ = ["check_panel", "rows_from_end", "panel_series"]


def check_panel(X, *, caller: str, param: str = "X") -> Panel:
    """Read the :class:`Panel` of ``X``, or say why ``X`` is not indexed by (series, time).

    Parameters
    ----------
    X : pandas.DataFrame or pandas.Series
        Indexed by a two-level MultiIndex (series, time), rows in any order.
    caller : str
        Name shown at the start of error messages.
    param : str, default="X"
        Name of the argument, shown in error messages.

    Returns
    -------
    Panel

    Examples
    --------
    >>> idx = pd.MultiIndex.from_tuples([("b", 1), ("a", 0), ("b", 0)])
    >>> panel = check_panel(pd.Series([3.0, 1.0, 2.0], index=idx), caller="demo")
    >>> list(panel.series), panel.order.tolist()
    (['a', 'b'], [1, 2, 0])
    """
    if not is_panel(X):
        index = getattr(X, "index", None)
        if isinstance(index, pd.MultiIndex):
            raise ValueError(
                f"{caller}: {param}'s index has {index.nlevels} levels {list(index.names)}; a panel's "
                "index has exactly two, (series, time). Drop or reset the others "
                "(e.g. frame.reset_index(level=...))."
            )
        got = type(X).__name__ if index is None else f"{type(X).__name__} with a {type(index).__name__}"
        raise TypeError(
            f"{caller}: {param} must be a pandas DataFrame or Series indexed by a two-level "
            f"MultiIndex (series, time); got {got}. Build one with "
            "frame.set_index(['series', 'time']); for a single series use "
            "sklearn.model_selection.TimeSeriesSplit and the single-series metrics."
        )
    for level, name in ((0, "series"), (1, "time")):
        if X.index.get_level_values(level).isna().any():
            raise ValueError(
                f"{caller}: {param} has rows without a {name} label (NaN in level {level} of its index); "
                "drop those rows or give them labels."
            )
    return Panel.of(X, caller)


def rows_from_end(panel: Panel) -> np.ndarray:
    """For each row, in the order given, how many later rows its series has (0 = the series' last row).

    Examples
    --------
    >>> idx = pd.MultiIndex.from_tuples([("b", 1), ("a", 0), ("b", 0)])
    >>> rows_from_end(check_panel(pd.Series([3.0, 1.0, 2.0], index=idx), caller="demo")).tolist()
    [0, 0, 1]
    """
    lengths = np.diff(panel.bounds)
    return panel.unsort(np.repeat(lengths, lengths) - 1 - panel.positions())


def panel_series(X, *, caller: str, param: str) -> dict[Hashable, np.ndarray]:
    """One float array per series, in time order, from a one-column panel.

    Parameters
    ----------
    X : pandas.Series or pandas.DataFrame with one column
        Indexed by (series, time).
    caller, param : str
        Names shown in error messages.

    Returns
    -------
    dict
        Series label -> its values, oldest first, in sorted label order.

    Examples
    --------
    >>> idx = pd.MultiIndex.from_tuples([("b", 1), ("a", 0), ("b", 0)])
    >>> panel_series(pd.Series([3.0, 1.0, 2.0], index=idx), caller="demo", param="y")
    {'a': array([1.]), 'b': array([2., 3.])}
    """
    panel = check_panel(X, caller=caller, param=param)
    if isinstance(X, pd.DataFrame):
        if X.shape[1] != 1:
            raise ValueError(f"{caller}: {param} has columns {list(X.columns)}; pass one column (e.g. {param}[['y']]).")
        X = X.iloc[:, 0]
    values = X.to_numpy(dtype=np.float64)[panel.order]
    return dict(zip(panel.series, np.split(values, panel.bounds[1:-1]), strict=True))
