"""A command's training data: ``(X, y)`` from the CSV, the season length, the window and the length checks."""

from __future__ import annotations

import warnings

from ..utils import is_panel
from ._io import CLIError, _feature_names, _say, _shown, read_panel, read_table, select_columns


def _requested(args) -> list:
    return [(args.target, "--target")] + [(name, "--features") for name in _feature_names(args.features)]


def _read(args):
    """The data of ``args``: a panel indexed by (series, time) with ``--series``, else one series."""
    if args.series is not None:
        return read_panel(args.data, args.series, args.time, _requested(args))
    return read_table(args.data, args.time, _requested(args))


def _prepare(args):
    frame = _read(args)
    target, features = select_columns(frame, args.target, args.features, args.data)
    X, y = supervised(frame, target, features, args.horizon)
    m = _season(frame, args)
    positive = _positive(X) and _positive(y)
    return frame, target, features, X, y, m, positive


def supervised(frame, target: str, features: list[str], horizon: int, *, source: str = "the file"):
    """``(X, y)`` for training: X = target and features at t, y = target at t + horizon, complete rows only.

    For a panel (``frame`` indexed by (series, time)), each series is shifted
    within itself and ``y`` holds every step ``t + 1 .. t + horizon``, the
    targets :func:`skl_lstm.forecast` reads back as one row per step. ``source``
    names the data in messages.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table, indexed by time or by (series, time).
    target : str
        The column to forecast.
    features : list of str
        The input columns beside the target.
    horizon : int
        Steps between ``X`` and ``y``.
    source : str, default="the file"
        How the messages name the data.

    Returns
    -------
    X : pandas.DataFrame
        The target and features at ``t``.
    y : pandas.Series or pandas.DataFrame
        The target at ``t + horizon`` (for a panel, every step up to it).

    Raises
    ------
    CLIError
        When the series are too short for ``horizon`` or no row has a target.
    """
    from ..datasets import make_supervised

    data = frame[[target, *features]].astype(float)
    panel = is_panel(data)
    lengths = data.groupby(level=0).size() if panel else None
    longest = int(lengths.max()) if panel else len(data)
    if longest <= horizon + 2:
        what = f"the longest series in {source} has" if panel else f"{source} has"
        raise CLIError(f"{what} {longest} rows, too few for --horizon {horizon}.")
    if panel:
        short = list(lengths.index[lengths <= horizon])
        if short:
            _say(f"{len(short)} series have {horizon} row(s) or fewer, so no target --horizon {horizon} steps ahead: "
                 f"{_shown(short)}; they add nothing to training (`skl-lstm predict` still forecasts them).")
    with warnings.catch_warnings():  # make_supervised names those series too, in Python's terms
        warnings.filterwarnings("ignore", message=r".*series have at most horizon=", category=UserWarning)
        X, y = make_supervised(data, horizon, target=target, all_horizons=panel)
    targets = y.isna().to_numpy().reshape(len(y), -1).any(axis=1)
    missing = targets | X[target].isna().to_numpy()
    if missing.all():
        raise CLIError(f"--target column {target!r} has no value that can be trained on.")
    if missing.any():
        labels = [str(label) for label in X.index[missing][:5].tolist()]  # plain labels, not np.int64
        steps = f"targets (at t + 1 .. t + {horizon})" if panel and horizon > 1 else f"target (at t + {horizon})"
        _say(f"dropped {int(missing.sum())} of {len(X)} rows{'' if source == 'the file' else ' of ' + source} whose "
             f"{steps} or current value of {target!r} is missing (training needs both): {', '.join(labels)}"
             + (" ..." if missing.sum() > 5 else ""))
        X, y = X.loc[~missing], y.loc[~missing]
    n_nan = int(X[features].isna().sum().sum()) if features else 0
    if n_nan:
        _say(f"{n_nan} missing value(s) in the input columns are kept: the network masks those time steps.")
    return X, y


def _positive(data) -> bool:
    """True when every observed value of ``data`` (a frame or series) is above zero."""
    import numpy as np

    values = np.asarray(data, dtype=float)
    return bool(np.nanmin(values) > 0) if np.isfinite(values).any() else False


def _season(frame, args) -> int | None:
    """``--seasonal-period``, else the season inferred from the target; for a panel, the commonest among its series."""
    if args.seasonal_period is not None:
        return args.seasonal_period
    from collections import Counter

    from ..utils import infer_seasonal_period

    values = frame[args.target].astype(float)
    if not is_panel(frame):
        return infer_seasonal_period(values)
    found = Counter(m for _, one in values.groupby(level=0) if (m := infer_seasonal_period(one.droplevel(0))))
    return max(found, key=lambda m: (found[m], -m)) if found else None


def _window_of(args, seasonal_period) -> int:
    from ..utils import default_window

    return args.window if args.window is not None else default_window(seasonal_period)


def _check_length(n_rows: int, window: int, diff: int, *, where: str = "") -> None:
    if n_rows < 2 * (window + diff) + 4:
        raise CLIError(f"{n_rows} usable rows{where} are too few for --window {window}; use a smaller --window or a "
                       "longer series.")


def _longest(X) -> tuple[int, str]:
    """Rows of the longest series of a panel ``X`` (all rows of one series), and words saying where they are."""
    if not is_panel(X):
        return len(X), ""
    return int(X.groupby(level=0).size().max()), " in the longest series"
