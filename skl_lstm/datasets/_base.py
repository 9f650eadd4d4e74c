"""Bundled datasets and the series -> (X, y) helper."""

from __future__ import annotations

from importlib import resources

import pandas as pd

from ..utils._timeseries import record_supervised

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
        The series, oldest row first.
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
        The observed columns at ``t``.
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
    if len(frame) <= horizon:
        raise ValueError(f"data has {len(frame)} rows, too few for horizon={horizon}; pass a longer series.")
    n = len(frame) - horizon
    X = frame.iloc[:n]
    series = frame[target].to_numpy()
    if all_horizons:
        cols = {f"{target}_t+{h}": series[h : h + n] for h in range(1, horizon + 1)}
        y = pd.DataFrame(cols, index=X.index)
    else:
        y = pd.Series(series[horizon : horizon + n], index=X.index, name=f"{target}_t+{horizon}")
    X = X.copy(deep=False)  # the record goes on X, not on the caller's frame
    record_supervised(X, y, target=target, horizons=range(1, horizon + 1) if all_horizons else [horizon])
    return X, y
