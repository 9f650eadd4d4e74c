"""Bundled datasets and the series -> (X, y) helper."""

from __future__ import annotations

import warnings
from importlib import resources

import numpy as np
import pandas as pd

from ..utils._panel import Panel, is_panel
from ..utils._timeseries import record_supervised
from ..utils._warnings import user_stacklevel

__all__ = ["load_airline", "make_supervised"]


def load_airline() -> pd.Series:
    """Load the Box & Jenkins monthly airline passengers series (1949-1960).

    144 monthly totals of international airline passengers, in thousands
    (Box, Jenkins & Reinsel, *Time Series Analysis*, Series G). The data ship
    with the package; nothing is downloaded.

    Returns
    -------
    pandas.Series
        Named ``"passengers"``, float values, with a monthly
        :class:`~pandas.DatetimeIndex` (month start, ``freq="MS"``) named ``"month"``.

    Examples
    --------
    >>> from skl_lstm.datasets import load_airline
    >>> y = load_airline()
    >>> y.shape, y.index[0].strftime("%Y-%m"), float(y.iloc[-1])
    ((144,), '1949-01', 432.0)
    """
    with resources.files("skl_lstm.datasets").joinpath("data/airline.csv").open("r") as fh:
        frame = pd.read_csv(fh)
    index = pd.DatetimeIndex(pd.to_datetime(frame["month"], format="%Y-%m"), freq="MS", name="month")
    return pd.Series(frame["passengers"].to_numpy(dtype=float), index=index, name="passengers")


def make_supervised(data, horizon=1, *, target=None, all_horizons=False):
    """Turn a series into ``(X, y)``: the observed values at ``t`` and the target at ``t + horizon``.

    ``X`` keeps every column, so the windowing step (inside the pipeline) can
    look back; ``y`` is the target column shifted ``horizon`` steps back. The
    last ``horizon`` rows, whose future is unknown, are dropped.

    Parameters
    ----------
    data : pandas.Series or pandas.DataFrame
        The series, oldest row first; or a panel of many series: a DataFrame
        indexed by (series, time), rows in any order, where each series is
        shifted within itself (targets never come from another series) and
        loses its own last ``horizon`` rows.
    horizon : int, default=1
        How many steps ahead to forecast.
    target : str or None, default=None
        Target column of a DataFrame; required when it has several columns.
    all_horizons : bool, default=False
        If True, ``y`` has one column per horizon ``1 .. horizon`` (a
        multi-output target).

    Returns
    -------
    X : pandas.DataFrame of shape (n - horizon, n_columns)
        The observed columns at ``t`` (for a panel, every row that has its
        targets, in the order given).
    y : pandas.Series or pandas.DataFrame
        The target at ``t + horizon`` (named ``<target>_t+<h>``), or at every
        ``t + 1 .. t + horizon`` if ``all_horizons``.

    Notes
    -----
    The target column and the horizon(s) are recorded in ``X.attrs`` and
    ``y.attrs`` (read with :func:`skl_lstm.utils.supervised_record`); pandas
    keeps them through the row selections of cross-validation. The baselines,
    :class:`~skl_lstm.DifferencedTargetRegressor` (``reference="auto"``) and
    :func:`~skl_lstm.diagnose` read them, so the target column need not be
    the first one. The names of ``y`` are for people; nothing parses them.

    Examples
    --------
    >>> import pandas as pd
    >>> X, y = make_supervised(pd.Series([1.0, 2.0, 3.0, 4.0], name="s"), horizon=1)
    >>> X["s"].tolist(), y.tolist(), y.name
    ([1.0, 2.0, 3.0], [2.0, 3.0, 4.0], 's_t+1')
    >>> from skl_lstm.utils import supervised_record
    >>> supervised_record(X)
    {'target': 's', 'horizons': [1]}
    """
    if isinstance(data, pd.Series):
        frame = data.to_frame(name=data.name if data.name is not None else "y")
    elif isinstance(data, pd.DataFrame):
        frame = data
    else:
        raise TypeError(
            f"make_supervised needs a pandas Series or DataFrame, got {type(data).__name__}; "
            "wrap arrays with pd.Series(values) or pd.DataFrame(values)."
        )
    if not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 1:
        raise ValueError(f"horizon={horizon!r} must be a positive int (1 = one step ahead).")
    if target is None:
        if frame.shape[1] != 1:
            raise ValueError(
                f"target=None is ambiguous for a DataFrame with columns {list(frame.columns)}; "
                "pass target=<column name>."
            )
        target = frame.columns[0]
    elif target not in frame.columns:
        raise ValueError(f"target={target!r} is not a column of data; columns are {list(frame.columns)}.")
    horizons = list(range(1, horizon + 1)) if all_horizons else [horizon]
    names = [f"{target}_t+{h}" for h in horizons]
    if is_panel(frame):
        X, targets = _panel_targets(frame, target, horizon, horizons)
    else:
        if len(frame) <= horizon:
            raise ValueError(f"data has {len(frame)} rows, too few for horizon={horizon}; pass a longer series.")
        n = len(frame) - horizon
        X = frame.iloc[:n]
        series = frame[target].to_numpy()
        targets = np.column_stack([series[h : h + n] for h in horizons])
    if all_horizons:
        y = pd.DataFrame(targets, index=X.index, columns=names)
    else:
        y = pd.Series(targets[:, 0], index=X.index, name=names[0])
    X = X.copy(deep=False)  # the record goes on X, not on the caller's frame
    record_supervised(X, y, target=target, horizons=horizons)
    return X, y


def _panel_targets(frame, target, horizon, horizons):
    """The rows of a panel that have all their targets, in the order given, and those targets.

    Each series is shifted within itself; its last ``horizon`` rows, whose
    future is unknown, are dropped, and a series with no complete target is
    named in a warning (``predict`` still forecasts it from its rows).
    """
    panel = Panel.of(frame, "make_supervised")
    lengths = np.diff(panel.bounds)
    complete = np.flatnonzero(panel.positions() < np.repeat(lengths - horizon, lengths))  # sorted rows
    if complete.size == 0:
        raise ValueError(
            f"make_supervised: no series of the panel has more than horizon={horizon} rows (the longest has "
            f"{lengths.max()}), so no row has a complete target; pass longer series or a smaller horizon."
        )
    short = list(panel.series[lengths <= horizon])
    if short:
        shown = ", ".join(repr(s) for s in short[:10]) + (f" and {len(short) - 10} more" if len(short) > 10 else "")
        warnings.warn(
            f"make_supervised: {len(short)} series have at most horizon={horizon} rows and so no complete "
            f"training target: {shown}. They add no training row; predict(panel) still forecasts them from "
            "their own rows.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
    values = frame[target].to_numpy()[panel.order]
    targets = np.column_stack([values[complete + h] for h in horizons])
    given = panel.order[complete]  # their positions in the frame as given
    order = np.argsort(given)
    return frame.iloc[given[order]], targets[order]
