"""Panels: many series in one DataFrame indexed by (series, time).

A panel is a pandas DataFrame (or Series) whose index has two levels, the
series id (level 0) and the time (level 1: integers, dates or periods). Rows
may arrive in any order; whatever looks back in time works on them in
(series, time) order and answers in the order given. :class:`Panel` is that
order, read once from the index: it is the one place that knows how to group
rows by series, so that windows, differences and lags never cross from one
series into the next.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


def is_panel(X) -> bool:
    """True for a pandas object indexed by (series, time).

    Parameters
    ----------
    X : object
        Anything; only a pandas DataFrame or Series with a two-level index is a panel.

    Returns
    -------
    bool

    Examples
    --------
    >>> index = pd.MultiIndex.from_product([["a", "b"], [0, 1]], names=["id", "t"])
    >>> is_panel(pd.DataFrame({"y": range(4)}, index=index)), is_panel(pd.DataFrame({"y": range(4)}))
    (True, False)
    """
    index = getattr(X, "index", None)
    return isinstance(X, (pd.DataFrame, pd.Series)) and isinstance(index, pd.MultiIndex) and index.nlevels == 2


@dataclass(frozen=True)
class Panel:
    """The (series, time) order of a panel's rows.

    Attributes
    ----------
    order : ndarray of shape (n_rows,)
        Positions of the rows sorted by series, then time: ``X.iloc[order]``.
    series : pandas.Index
        The series ids, sorted; ``series[k]`` owns sorted rows ``bounds[k]:bounds[k + 1]``.
    bounds : ndarray of shape (n_series + 1,)
        Where each series starts in the sorted rows.
    times : pandas.Index
        The time labels of the sorted rows.
    """

    order: np.ndarray
    series: pd.Index
    bounds: np.ndarray
    times: pd.Index

    @classmethod
    def of(cls, X, caller: str) -> Panel:
        """Read the order of panel ``X``; refuse a (series, time) pair that appears twice."""
        index = X.index
        series_codes, series = pd.factorize(index.get_level_values(0), sort=True)
        time_codes, _ = pd.factorize(index.get_level_values(1), sort=True)
        order = np.lexsort((time_codes, series_codes))
        sorted_series, sorted_times = series_codes[order], time_codes[order]
        repeated = np.flatnonzero((np.diff(sorted_series) == 0) & (np.diff(sorted_times) == 0))
        if repeated.size:
            pair = tuple(v.item() if isinstance(v, np.generic) else v for v in index[order[repeated[0] + 1]])
            raise ValueError(
                f"{caller}: the panel has the (series, time) pair {pair!r} more than once; each "
                "series needs one row per time step. Drop the duplicates (X[~X.index.duplicated()]) "
                "or aggregate them (X.groupby(level=[0, 1]).mean())."
            )
        bounds = np.searchsorted(sorted_series, np.arange(len(series) + 1))
        return cls(order, pd.Index(series), bounds, index.get_level_values(1)[order])

    @classmethod
    def whole(cls, n_rows: int, times: pd.Index | None = None) -> Panel:
        """One series of ``n_rows`` rows in time order (an array, or a frame without a panel index).

        ``times`` labels the rows (a frame's own index); positions without it.
        """
        times = pd.RangeIndex(n_rows) if times is None else times
        return cls(np.arange(n_rows), pd.Index([0]), np.array([0, n_rows]), times)

    @classmethod
    def rows_of(cls, X, n_rows: int, caller: str) -> Panel:
        """The panel of ``X`` when it is one, else its ``n_rows`` rows as one series (timed by its index).

        Examples
        --------
        >>> Panel.rows_of(pd.DataFrame({"y": [1.0, 2.0]}, index=[10, 11]), 2, "demo").times.tolist()
        [10, 11]
        >>> Panel.rows_of(np.zeros((3, 1)), 3, "demo").bounds.tolist()
        [0, 3]
        """
        if is_panel(X):
            return cls.of(X, caller)
        index = getattr(X, "index", None)
        return cls.whole(n_rows, index if isinstance(index, pd.Index) and len(index) == n_rows else None)

    @property
    def n_series(self) -> int:
        """Number of series."""
        return len(self.series)

    def positions(self) -> np.ndarray:
        """Position of each sorted row within its series (0 for its first row)."""
        lengths = np.diff(self.bounds)
        return np.arange(self.bounds[-1]) - np.repeat(self.bounds[:-1], lengths)

    def unsort(self, sorted_rows: np.ndarray) -> np.ndarray:
        """Rows computed in (series, time) order, put back in the order the rows were given."""
        out = np.empty_like(sorted_rows)
        out[self.order] = sorted_rows
        return out

    def time_index(self, k: int) -> pd.Index:
        """The time labels of series ``k``, oldest first."""
        return self.times[self.bounds[k] : self.bounds[k + 1]]

    def rows(self, sorted_values: np.ndarray, k: int) -> np.ndarray:
        """Series ``k``'s rows of values already in (series, time) order."""
        return sorted_values[self.bounds[k] : self.bounds[k + 1]]

    def tails(self, sorted_values: np.ndarray, length: int) -> np.ndarray:
        """Each series' last ``length`` rows, ``(n_series, length, ...)``, NaN where a series is shorter.

        This is what a fitted step keeps to carry history over to rows that
        continue each series (with :meth:`next_labels` and :meth:`continuing`).
        """
        out = np.full((self.n_series, length, *sorted_values.shape[1:]), np.nan, dtype=float)
        for k in range(self.n_series):
            tail = self.rows(sorted_values, k)[max(0, self.bounds[k + 1] - self.bounds[k] - length) :]
            if len(tail):
                out[k, length - len(tail) :] = tail
        return out

    def next_labels(self) -> list:
        """The time label that would follow each series' last row (None where it cannot be told)."""
        from ._history import next_label

        return [next_label(self.time_index(k)) for k in range(self.n_series)]

    def with_history(self, sorted_values: np.ndarray, carried: np.ndarray, tails: np.ndarray, gaps=None):
        """Each series' rows after the history carried over to it, series after series.

        Series ``k`` gets ``tails[carried[k]]`` (a fitted series' last rows, see
        :meth:`tails`, without their leading NaN padding) before its own rows
        when ``carried[k] >= 0``, then ``gaps[k]`` rows of NaN for the steps
        missing between the two (see :meth:`continuing`).

        Returns
        -------
        joined : ndarray
            The rows, series after series, each with its history first.
        starts : ndarray of shape (n_series + 1,)
            Where each series (history included) starts in ``joined``.
        landed : ndarray of shape (n_rows,)
            Where each row of ``sorted_values`` landed in ``joined``.
        """
        blocks, starts, offset = [], [], 0
        landed = np.empty(len(sorted_values), dtype=np.int64)
        for k, j in enumerate(carried):
            own = self.rows(sorted_values, k)
            past = sorted_values[:0]
            if j >= 0:
                observed = ~np.isnan(tails[j].reshape(len(tails[j]), -1)).all(axis=1)
                if observed.any():  # from the first observed row: the padding of a short series is no history
                    past = tails[j][np.argmax(observed) :].astype(sorted_values.dtype)
                    if gaps is not None and gaps[k] > 0:  # the steps between the fitted end and these rows
                        missing = np.full((int(gaps[k]), *past.shape[1:]), np.nan, dtype=past.dtype)
                        past = np.concatenate([past, missing])
            blocks += [past, own]
            starts.append(offset)
            landed[self.bounds[k] : self.bounds[k + 1]] = offset + len(past) + np.arange(len(own))
            offset += len(past) + len(own)
        joined = np.concatenate(blocks) if blocks else sorted_values
        return joined, np.asarray([*starts, offset]), landed

    def continuing(self, fitted_series, fitted_next):
        """For each series here, its position among ``fitted_series`` when its rows follow that series'
        fitted end (``fitted_next``) on the same time grid, else -1; and how many steps are missing in
        between (0 when they continue it directly; the gap of a time-series split otherwise).
        """
        from ._history import steps_after

        where = {s: j for j, s in enumerate(fitted_series)}
        out = np.full(self.n_series, -1)
        gaps = np.zeros(self.n_series, dtype=np.int64)
        for k, series in enumerate(self.series):
            j = where.get(series, -1)
            gap = None if j < 0 else steps_after(fitted_next[j], self.time_index(k))
            if gap is not None:
                out[k], gaps[k] = j, gap
        return out, gaps


__all__ = ["Panel", "is_panel"]
