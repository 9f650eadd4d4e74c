"""The Dask panel format: columns ``series`` and ``time``, then the observed columns, partitioned by series."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd

from ..utils._deps import import_optional
from ..utils._panel import Panel, is_panel

#: The column of a Dask panel holding the series id.
SERIES = "series"
#: The column of a Dask panel holding the time label.
TIME = "time"


def _dask_dataframe(caller: str):
    """``dask.dataframe``, or an ImportError that says to install the ``dask`` extra."""
    return import_optional("dask.dataframe", f"skl_lstm.dask.{caller}")


def _balanced_cuts(starts: np.ndarray, npartitions: int) -> list[int]:
    """Row positions, among the series' first rows ``starts``, that cut the rows into ``npartitions``
    runs of about equal length (fewer when there are fewer series)."""
    n_rows = int(starts[-1])
    cuts = []
    for k in range(1, npartitions):
        target = k * n_rows / npartitions
        i = int(np.clip(np.searchsorted(starts, target), 1, len(starts) - 2))
        cut = int(starts[i - 1] if target - starts[i - 1] < starts[i] - target else starts[i])
        if 0 < cut < n_rows and (not cuts or cut > cuts[-1]):
            cuts.append(cut)
    return cuts


def to_dask_panel(panel, npartitions):
    """Convert a panel indexed by (series, time) to a Dask DataFrame partitioned by series.

    The result has the columns ``series`` and ``time`` (the two index
    levels), then the panel's columns, and a default integer index counting
    the rows. Every series lies whole in one partition, the partitions hold
    about equal numbers of rows, and each series' rows stay together in the
    order given; the series come in the order of their first row. The
    dtypes are kept as they are (Dask's conversion of strings to pyarrow
    strings is not applied), so :func:`from_dask_panel` gives the panel back.

    Parameters
    ----------
    panel : pandas.DataFrame or pandas.Series
        A panel indexed by (series, time), as
        :func:`~skl_lstm.datasets.load_m4_weekly_sample` returns; a Series
        becomes a one-column frame named after it.
    npartitions : int
        The number of partitions wanted; fewer when the panel has fewer
        series (a series is never split).

    Returns
    -------
    dask.dataframe.DataFrame
        The panel in the Dask panel format, with known divisions.

    See Also
    --------
    from_dask_panel : the way back.
    forecast_dask : forecasts every series of a Dask panel.

    Examples
    --------
    >>> import pandas as pd
    >>> from skl_lstm.dask import from_dask_panel, to_dask_panel
    >>> index = pd.MultiIndex.from_product([["a", "b", "c"], range(3)], names=["series", "time"])
    >>> panel = pd.DataFrame({"y": [float(v) for v in range(9)]}, index=index)
    >>> ddf = to_dask_panel(panel, npartitions=2)
    >>> ddf.npartitions, list(ddf.columns)
    (2, ['series', 'time', 'y'])
    >>> [ddf.get_partition(k)["series"].unique().compute().tolist() for k in range(ddf.npartitions)]
    [['a', 'b'], ['c']]
    >>> from_dask_panel(ddf).equals(panel)
    True
    """
    dd = _dask_dataframe("to_dask_panel")
    import dask

    if not is_panel(panel):
        raise TypeError(
            f"to_dask_panel: panel must be a pandas DataFrame or Series indexed by (series, time), got "
            f"{type(panel).__name__}"
            + (f" with a {type(panel.index).__name__}" if hasattr(panel, "index") else "")
            + "; index it by its series and time columns first: frame.set_index(['series', 'time'])."
        )
    if isinstance(npartitions, bool) or not isinstance(npartitions, Integral) or npartitions < 1:
        raise ValueError(f"to_dask_panel: npartitions={npartitions!r} must be a positive integer.")
    frame = panel.to_frame() if isinstance(panel, pd.Series) else panel
    clash = [name for name in (SERIES, TIME) if name in frame.columns]
    if clash:
        raise ValueError(
            f"to_dask_panel: the panel has a column named {clash[0]!r}, which the Dask panel format keeps for "
            f"the index level; rename the column (frame.rename(columns={{{clash[0]!r}: ...}}))."
        )
    if len(frame) == 0:
        raise ValueError("to_dask_panel: the panel has no rows.")
    Panel.of(frame, "to_dask_panel")  # refuses a (series, time) pair given twice
    codes, _ = pd.factorize(frame.index.get_level_values(0), sort=False)  # in order of first appearance
    if (codes < 0).any():
        row = int(np.flatnonzero(codes < 0)[0])
        raise ValueError(f"to_dask_panel: row {row} of the panel has no series id (NaN); drop it or name its series.")
    order = np.argsort(codes, kind="stable")  # each series' rows together, in the order given
    flat = frame.iloc[order].rename_axis(index=[SERIES, TIME]).reset_index()
    starts = np.concatenate([[0], np.cumsum(np.bincount(codes))])
    bounds = [0, *_balanced_cuts(starts, npartitions), len(flat)]
    parts = [flat.iloc[a:b] for a, b in zip(bounds[:-1], bounds[1:])]  # one task (and key) per partition
    with dask.config.set({"dataframe.convert-string": False}):  # keep the panel's dtypes
        return dd.from_map(
            _partition, parts, meta=flat.iloc[:0], divisions=(*bounds[:-1], len(flat) - 1), label="to_dask_panel"
        )


def _partition(part: pd.DataFrame) -> pd.DataFrame:
    """One partition of :func:`to_dask_panel`'s result: the rows it was given."""
    return part


def check_columns(ddf, caller: str) -> None:
    """Refuse a frame that is not a Dask DataFrame with the ``series`` and ``time`` columns."""
    columns = getattr(ddf, "columns", None)
    if columns is None or not hasattr(ddf, "npartitions"):
        raise TypeError(
            f"{caller}: expected a Dask DataFrame in the Dask panel format, got {type(ddf).__name__}; "
            "convert an in-memory panel with skl_lstm.dask.to_dask_panel(panel, npartitions)."
        )
    missing = [name for name in (SERIES, TIME) if name not in columns]
    if missing:
        raise ValueError(
            f"{caller}: the Dask panel has no {' and no '.join(repr(m) for m in missing)} column (its columns: "
            f"{list(columns)}); a Dask panel holds its series id in {SERIES!r} and its time label in {TIME!r}: "
            f"rename them (ddf.rename(columns={{...}})) or build it with to_dask_panel(panel, npartitions)."
        )


def from_dask_panel(ddf) -> pd.DataFrame:
    """Compute a Dask panel into the in-memory panel indexed by (series, time).

    The inverse of :func:`to_dask_panel`: the ``series`` and ``time``
    columns become the index levels, the other columns stay, in the
    partitions' order. A series split across partitions is fine here.

    Parameters
    ----------
    ddf : dask.dataframe.DataFrame
        A Dask panel: the columns ``series`` and ``time``, then the observed
        columns.

    Returns
    -------
    pandas.DataFrame
        The panel indexed by (series, time).

    See Also
    --------
    to_dask_panel : the way there.

    Examples
    --------
    >>> import pandas as pd
    >>> from skl_lstm.dask import from_dask_panel, to_dask_panel
    >>> index = pd.MultiIndex.from_product([["a", "b"], range(2)], names=["series", "time"])
    >>> panel = pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0]}, index=index)
    >>> from_dask_panel(to_dask_panel(panel, npartitions=2))
                    y
    series time
    a      0     1.0
           1     2.0
    b      0     3.0
           1     4.0
    """
    check_columns(ddf, "from_dask_panel")
    return ddf.compute().set_index([SERIES, TIME])


__all__ = ["SERIES", "TIME", "from_dask_panel", "to_dask_panel"]
