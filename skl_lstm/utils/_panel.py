"""Reading a panel: many series in one pandas object indexed by (series, time).

A panel is a pandas DataFrame (or Series) whose index has two levels: level 0
names the series, level 1 the time (integers, dates or periods). Rows may
arrive in any order; the helpers here read both levels as data and never
reorder the caller's rows. The splitter, the M4 metrics and the bundled
panel read panels through this one module.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["PanelLayout", "panel_layout", "panel_series"]


@dataclass(frozen=True)
class PanelLayout:
    """Where every row of a panel sits: its series and its place in that series' time order.

    All arrays have one entry per row, in the rows' given order.

    Attributes
    ----------
    series : pandas.Index
        The distinct series labels, sorted.
    codes : ndarray of int
        Row -> position of its series in ``series``.
    time_rank : ndarray of int
        Row -> rank of its time among all distinct times of the panel (0 = earliest).
    times : pandas.Index
        The distinct times of the panel, sorted (``times[time_rank]`` is each row's time).
    order : ndarray of int
        Row positions sorted by (series, time).
    lengths : ndarray of int
        Number of rows of each series, aligned with ``series``.
    from_end : ndarray of int
        Row -> how many later rows its series has (0 = the series' last row).
    """

    series: pd.Index
    codes: np.ndarray
    time_rank: np.ndarray
    times: pd.Index
    order: np.ndarray
    lengths: np.ndarray
    from_end: np.ndarray


def panel_layout(X, *, caller: str, param: str = "X") -> PanelLayout:
    """Check that ``X`` is indexed by (series, time) and return its :class:`PanelLayout`.

    Parameters
    ----------
    X : pandas.DataFrame or pandas.Series
        The panel; its index must have exactly two levels, (series, time),
        without duplicate pairs.
    caller : str
        Name shown at the start of error messages.
    param : str, default="X"
        Name of the argument, shown in error messages.

    Returns
    -------
    PanelLayout

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.MultiIndex.from_tuples([("b", 1), ("a", 0), ("b", 0)])
    >>> layout = panel_layout(pd.Series([3.0, 1.0, 2.0], index=idx), caller="demo")
    >>> list(layout.series), layout.order.tolist(), layout.from_end.tolist()
    (['a', 'b'], [1, 2, 0], [0, 0, 1])
    """
    index = getattr(X, "index", None)
    if not isinstance(X, (pd.DataFrame, pd.Series)) or not isinstance(index, pd.MultiIndex):
        got = type(X).__name__ if index is None else f"{type(X).__name__} with a {type(index).__name__}"
        raise TypeError(
            f"{caller}: {param} must be a pandas DataFrame or Series indexed by a two-level "
            f"MultiIndex (series, time); got {got}. Build one with "
            "frame.set_index(['series', 'time']); for a single series use "
            "sklearn.model_selection.TimeSeriesSplit."
        )
    if index.nlevels != 2:
        raise ValueError(
            f"{caller}: {param}'s index has {index.nlevels} levels {list(index.names)}; a panel's "
            "index has exactly two, (series, time). Drop or reset the others "
            "(e.g. frame.reset_index(level=...))."
        )
    duplicated = index.duplicated()
    if duplicated.any():
        first = index[int(np.flatnonzero(duplicated)[0])]
        raise ValueError(
            f"{caller}: {param} has {int(duplicated.sum())} repeated (series, time) pairs, the first "
            f"{first!r}; each series may have one row per time. Aggregate them first "
            "(e.g. frame.groupby(level=[0, 1]).mean())."
        )
    codes, series = pd.factorize(index.get_level_values(0), sort=True)
    try:
        time_rank, times = pd.factorize(index.get_level_values(1), sort=True)
    except TypeError as exc:
        raise TypeError(
            f"{caller}: the times in level 1 of {param}'s index cannot be ordered ({exc}); use "
            "one type for all of them: integers, timestamps or periods."
        ) from exc
    if (codes < 0).any() or (time_rank < 0).any():
        raise ValueError(
            f"{caller}: {param}'s index has missing series or time labels (NaN); drop those rows "
            "or give them labels."
        )
    codes = codes.astype(np.intp)
    time_rank = time_rank.astype(np.intp)
    order = np.lexsort((time_rank, codes))
    lengths = np.bincount(codes, minlength=len(series))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    sorted_codes = codes[order]
    from_end = np.empty(len(codes), dtype=np.intp)
    from_end[order] = (starts + lengths)[sorted_codes] - 1 - np.arange(len(codes))
    return PanelLayout(
        series=pd.Index(series),
        codes=codes,
        time_rank=time_rank,
        times=pd.Index(times),
        order=order,
        lengths=lengths,
        from_end=from_end,
    )


def panel_series(panel, *, caller: str, param: str) -> dict[Hashable, np.ndarray]:
    """One float array per series, in time order, from a one-column panel.

    Parameters
    ----------
    panel : pandas.Series or pandas.DataFrame with one column
        Indexed by (series, time).
    caller, param : str
        Names shown in error messages.

    Returns
    -------
    dict
        Series label -> its values, oldest first, in sorted label order.

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.MultiIndex.from_tuples([("b", 1), ("a", 0), ("b", 0)])
    >>> panel_series(pd.Series([3.0, 1.0, 2.0], index=idx), caller="demo", param="y")
    {'a': array([1.]), 'b': array([2., 3.])}
    """
    layout = panel_layout(panel, caller=caller, param=param)
    if isinstance(panel, pd.DataFrame):
        if panel.shape[1] != 1:
            raise ValueError(
                f"{caller}: {param} has columns {list(panel.columns)}; pass one column "
                f"(e.g. {param}[['y']])."
            )
        panel = panel.iloc[:, 0]
    values = panel.to_numpy(dtype=np.float64)[layout.order]
    bounds = np.cumsum(layout.lengths)[:-1]
    return dict(zip(layout.series, np.split(values, bounds), strict=True))
