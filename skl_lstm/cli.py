"""Command line: diagnose, fit, tune and forecast an LSTM on a CSV file, with no windowing code.

::

    skl-lstm diagnose sales.csv --target sales --time date --output report/
    skl-lstm fit      sales.csv --target sales --time date --model sales.model
    skl-lstm tune     sales.csv --target sales --time date --model best.model --output tuning/
    skl-lstm predict  sales.csv --model sales.model --output forecasts.csv

Every subcommand reads a CSV with one row per time step: an optional time
column (``--time``), the target column (``--target``) and any other columns.
The inputs are the target's own history plus ``--features`` (default: every
other numeric column). Missing values in the inputs are masked by the
network; rows whose target is missing are dropped from training with a
message. Mistakes (a wrong column name, a file that is not CSV, a time column
that is not dates) end with a one-line message and exit status 2.

Many series in one long CSV (one row per series and time step, in any order)
take ``--series COLUMN`` and ``--time``::

    skl-lstm fit      stores.csv --series store --time week --target sales --horizon 4 --model stores.model
    skl-lstm predict  stores.csv --model stores.model --output next_weeks.csv

The rows become a panel indexed by (series, time) and the recipe fits one
network to all series, each forecast ``1 .. --horizon`` steps ahead; ``predict``
writes each series' next steps (columns: the series column, the time column,
``horizon``, ``forecast``) with :func:`skl_lstm.forecast`. ``tune`` cuts its
folds with :class:`~skl_lstm.model_selection.PanelTimeSeriesSplit`;
``diagnose`` diagnoses each series on its own, as :func:`skl_lstm.diagnose`
reads one series.

Models are saved with :func:`skl_lstm.save` (no pickle; see docs/reliability.md).

This module does one job, the command line, on the public API only; it is
long because each subcommand reads, checks and explains its own options.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import warnings

#: Exit status for a usage or data error (as argparse uses).
EXIT_USAGE = 2
#: Exit status of ``diagnose --fail-on`` when a finding of that severity is present.
EXIT_FINDINGS = 1
#: Format tag of the model files written by ``fit`` and ``tune``.
MODEL_FORMAT = "skl_lstm.cli.model"
#: The newest command-line format this module reads and writes: 3 adds panel models (``series`` in the
#: metadata). A single-series model is still written as format 2, which older versions read.
MODEL_FORMAT_VERSION = 3
#: The format a model needs: 2 for one series, 3 for a panel (fitted with ``--series``).
_SINGLE_SERIES_FORMAT = 2

#: The grid ``tune`` searches unless ``--grid`` is given (8 candidates); ``window`` None means
#: one and two seasons (12 and 24 without a season).
DEFAULT_GRID = {"window": None, "units": [16, 32], "dropout": [0.0, 0.2]}


class CLIError(Exception):
    """A problem with the command line or the data, reported as one line and exit status 2."""


def _say(message: str) -> None:
    print(f"skl-lstm: {message}", file=sys.stderr)


# --------------------------------------------------------------------------- data
def _columns_hint(name: str, columns, label: str = "Available columns") -> str:
    columns = [str(c) for c in columns]
    close = difflib.get_close_matches(str(name), columns, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    return hint + f" {label}: " + ", ".join(repr(c) for c in columns) + "."


def check_column(frame, name: str, option: str, path: str) -> None:
    """Raise CLIError naming the option, the file, a close match and the available columns."""
    if name not in frame.columns:
        raise CLIError(f"{option} column {name!r} is not in {path}" + _columns_hint(name, frame.columns))


def _read_csv(path: str):
    """The CSV at ``path`` as a DataFrame with stripped column names; CLIError for what is not a CSV table."""
    import pandas as pd

    if not os.path.isfile(path):
        raise CLIError(f"cannot read {path!r}: no such file.")
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise CLIError(f"cannot parse {path!r} as CSV: the file is empty.") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CLIError(f"cannot parse {path!r} as CSV: {reason}") from None
    if frame.shape[0] == 0:
        raise CLIError(f"{path!r} has a header but no rows.")
    if frame.shape[1] < 1 or all(str(c).startswith("Unnamed") for c in frame.columns):
        raise CLIError(f"cannot parse {path!r} as CSV: no column names in the first line.")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _time_values(frame, time: str):
    """The ``--time`` column as an index: integer time steps as they are, anything else parsed as dates."""
    import pandas as pd

    raw = frame[time]
    if raw.isna().any():
        rows = list(raw.index[raw.isna()][:5])
        raise CLIError(f"--time column {time!r} has {int(raw.isna().sum())} missing value(s) (rows {rows}); "
                       "every row needs a time.")
    if pd.api.types.is_integer_dtype(raw.dtype):
        return pd.Index(raw.to_numpy(), name=time)
    return _parse_dates(raw, time)


def read_table(path: str, time=None, columns=()):
    """Read the CSV at ``path``; with ``time``, parse that column as dates and index the rows by it.

    ``columns`` holds ``(name, option)`` pairs that must be in the file; they are
    checked against the file's header (time column included) before anything
    else, so a misspelt name is reported with every column the file has.
    """
    import pandas as pd

    frame = _read_csv(path)
    if time is not None:
        check_column(frame, time, "--time", path)
    for name, option in columns:
        check_column(frame, name, option, path)
    if time is None:
        return frame
    index = _time_values(frame, time)
    frame = frame.drop(columns=[time])
    frame.index = index
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise CLIError(f"--time column {time!r} repeats {dup!s}; each time step needs one row (aggregate the "
                       "duplicates first, or name the column that tells the series apart with --series).")
    if not index.is_monotonic_increasing:
        _say(f"the rows of {path} are not in time order; sorted them by {time!r}.")
        frame = frame.sort_index(kind="stable")
    if isinstance(frame.index, pd.DatetimeIndex) and frame.index.freq is None:
        from .utils import index_freq

        freq = index_freq(frame.index)
        if freq:  # record the frequency (the rows stay as given), for the season length and forecast times
            frame.index = pd.DatetimeIndex(frame.index, freq=freq, name=time)
    return frame


def read_panel(path: str, series: str, time, columns=(), *, series_option: str = "--series",
               time_option: str = "--time"):
    """Read a long CSV (one row per series and time step) as a panel indexed by (``series``, ``time``).

    Parameters
    ----------
    path : str
        The CSV file.
    series : str
        Column naming the series of each row; it becomes the index's first level.
    time : str or None
        Column of dates or integer time steps; it becomes the index's second
        level. Required: None raises :class:`CLIError` naming ``--time``.
    columns : iterable of (str, str), default=()
        ``(name, option)`` pairs that must be in the file, checked against its
        header (series and time columns included) before anything else.
    series_option, time_option : str, default="--series", "--time"
        How the series and time columns are named in error messages.

    Returns
    -------
    pandas.DataFrame
        The other columns, indexed by the two-level MultiIndex (series, time),
        rows sorted by series, then time.

    Raises
    ------
    CLIError
        A missing column (with a close match and the file's columns), no time
        column, a row without a series label or a time, or a (series, time)
        pair that appears twice.
    """
    import pandas as pd

    if time is None:
        raise CLIError(f"{series_option} {series!r} needs --time COLUMN: a long CSV holds one row per series and time "
                       "step, so the time of each row must come from a column; name it with --time.")
    frame = _read_csv(path)
    check_column(frame, series, series_option, path)
    check_column(frame, time, time_option, path)
    if series == time:
        raise CLIError(f"{series_option} and --time both name column {series!r}; the series and the time of each row "
                       "must come from two different columns.")
    for name, option in columns:
        check_column(frame, name, option, path)
        for column, role, what in ((series, series_option, "names the series"), (time, time_option, "holds the time")):
            if name == column:
                role = role if role.startswith("the ") else f"the {role}"
                raise CLIError(f"{option} column {name!r} is {role} column, which {what} of each row; pick "
                               f"another column for {option}.")
    labels = frame[series]
    if labels.isna().any():
        rows = [int(r) + 2 for r in labels.index[labels.isna()][:5]]  # line numbers: after the header, from 1
        raise CLIError(f"{series_option} column {series!r} is empty in {int(labels.isna().sum())} row(s) (lines "
                       f"{rows} of {path}); every row needs the name of its series: fill them in or drop those rows.")
    times = _time_values(frame, time)
    index = pd.MultiIndex.from_arrays([labels.to_numpy(), times], names=[series, time])
    frame = frame.drop(columns=[series, time])
    frame.index = index
    repeated = index.duplicated()
    if repeated.any():
        first = index[repeated].tolist()[0]  # plain labels (3, not np.int64(3)) for the message
        when = first[1].date() if isinstance(first[1], pd.Timestamp) and first[1] == first[1].normalize() else first[1]
        n_rows = sum(1 for pair in index if pair == first)
        raise CLIError(f"series {first[0]!r} has {n_rows} rows at {time} {when!s} "
                       f"({int(repeated.sum())} repeated (series, time) row(s) in all); each series needs one row per "
                       f"time step: aggregate or drop the duplicates, or check that {series_option} {series!r} is the "
                       "column that tells the series apart.")
    return frame.sort_index(kind="stable")


def _parse_dates(raw, name: str):
    import pandas as pd

    text = raw.astype(str).str.strip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(text)
        except (ValueError, TypeError, OverflowError):
            parsed = pd.to_datetime(text, errors="coerce", format="mixed")
    bad = parsed.isna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise CLIError(f"--time column {name!r} cannot be parsed as dates: value {text.iloc[row]!r} at row {row + 1} "
                       f"({int(bad.sum())} of {len(text)} values fail); use ISO dates such as 2020-01-31, or leave "
                       "out --time.")
    return pd.DatetimeIndex(parsed, name=name)


def _feature_names(features) -> list[str]:
    """The names given to --features (separate arguments or comma-separated lists)."""
    return [n.strip() for item in features or () for n in item.split(",") if n.strip()]


def select_columns(frame, target: str, features, path: str) -> tuple[str, list[str]]:
    """Check the target and features; default features are every other numeric column."""
    import pandas as pd

    check_column(frame, target, "--target", path)
    if not pd.api.types.is_numeric_dtype(frame[target].dtype):
        raise CLIError(f"--target column {target!r} is not numeric (dtype {frame[target].dtype}); pick a column of "
                       "numbers.")
    if features is not None:
        names = _feature_names(features)
        for name in names:
            check_column(frame, name, "--features", path)
            if not pd.api.types.is_numeric_dtype(frame[name].dtype):
                raise CLIError(f"--features column {name!r} is not numeric (dtype {frame[name].dtype}); drop it from "
                               "--features or encode it as numbers.")
        names = [n for n in dict.fromkeys(names) if n != target]
    else:
        names = [c for c in frame.columns if c != target and pd.api.types.is_numeric_dtype(frame[c].dtype)]
        skipped = [c for c in frame.columns if c != target and c not in names]
        if skipped:
            _say(f"ignoring non-numeric column(s) {skipped}; name numeric inputs with --features.")
    return target, names


def supervised(frame, target: str, features: list[str], horizon: int, *, source: str = "the file"):
    """``(X, y)`` for training: X = target and features at t, y = target at t + horizon, complete rows only.

    For a panel (``frame`` indexed by (series, time)), each series is shifted
    within itself and ``y`` holds every step ``t + 1 .. t + horizon``, the
    targets :func:`skl_lstm.forecast` reads back as one row per step. ``source``
    names the data in messages.
    """
    from .datasets import make_supervised

    data = frame[[target, *features]].astype(float)
    panel = _is_panel(data)
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


def _is_panel(frame) -> bool:
    import pandas as pd

    return isinstance(frame.index, pd.MultiIndex)


def _positive(data) -> bool:
    """True when every observed value of ``data`` (a frame or series) is above zero."""
    import numpy as np

    values = np.asarray(data, dtype=float)
    return bool(np.nanmin(values) > 0) if np.isfinite(values).any() else False


# --------------------------------------------------------------------------- model
def _season(frame, args) -> int | None:
    """``--seasonal-period``, else the season inferred from the target; for a panel, the commonest among its series."""
    if args.seasonal_period is not None:
        return args.seasonal_period
    from collections import Counter

    from .utils import infer_seasonal_period

    values = frame[args.target].astype(float)
    if not _is_panel(frame):
        return infer_seasonal_period(values)
    found = Counter(m for _, one in values.groupby(level=0) if (m := infer_seasonal_period(one.droplevel(0))))
    return max(found, key=lambda m: (found[m], -m)) if found else None


def build_model(args, seasonal_period, positive: bool):
    """The recommended pipeline with the command line's settings."""
    from . import recommended_pipeline

    if args.log and not positive:
        raise CLIError("--log needs positive values in the target and every input column; drop --log.")
    params = {"units": args.units, "epochs": args.epochs, "learning_rate": args.learning_rate,
              "dropout": args.dropout, "loss": args.loss, "random_state": args.random_state,
              "linear_skip": args.linear_skip}
    params = {k: v for k, v in params.items() if v is not None}
    log = True if args.log else "auto"  # without --log, the recipe's own choice (log for a positive panel)
    return recommended_pipeline(window=args.window, seasonal_period=seasonal_period, diff=args.diff, log=log,
                                **params)


def _check_length(n_rows: int, window: int, diff: int, *, where: str = "") -> None:
    if n_rows < 2 * (window + diff) + 4:
        raise CLIError(f"{n_rows} usable rows{where} are too few for --window {window}; use a smaller --window or a "
                       "longer series.")


def _longest(X) -> tuple[int, str]:
    """Rows of the longest series of a panel ``X`` (all rows of one series), and words saying where they are."""
    if not _is_panel(X):
        return len(X), ""
    return int(X.groupby(level=0).size().max()), " in the longest series"


def _window_of(args, seasonal_period) -> int:
    from .utils import default_window

    return args.window if args.window is not None else default_window(seasonal_period)


def save_model(path: str, model, meta: dict) -> None:
    """Save the fitted ``model`` with the command line's facts (``meta``) to ``path`` with :func:`skl_lstm.save`."""
    from .persistence import save

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    version = MODEL_FORMAT_VERSION if meta.get("series") is not None else _SINGLE_SERIES_FORMAT
    save(model, path, metadata={"format": MODEL_FORMAT, "format_version": version, **meta})
    _say(f"saved the fitted model to {path}")


def load_model(path: str) -> dict:
    """The facts ``save_model`` stored, with the fitted model under ``"model"``; no pickle is ever read."""
    from .exceptions import UnsafeModelFileError
    from .persistence import load

    if not os.path.isfile(path):
        raise CLIError(f"cannot read the model {path!r}: no such file.")
    try:
        model, meta = load(path, return_metadata=True)
    except UnsafeModelFileError as exc:
        reason = str(exc).removeprefix(f"Refusing to load {path!r}: ")
        raise CLIError(f"cannot load {path!r}: {reason} Model files of `skl-lstm fit` from before skl_lstm's "
                       "format 2 (joblib) must be fitted again.") from None
    if meta.get("format") != MODEL_FORMAT:
        raise CLIError(f"cannot load {path!r}: it is not a model written by `skl-lstm fit`.")
    if meta.get("format_version", 0) > MODEL_FORMAT_VERSION:
        raise CLIError(f"{path!r} was written by a newer skl-lstm (command-line format {meta['format_version']}, this "
                       f"one reads up to {MODEL_FORMAT_VERSION}); upgrade skl_lstm.")
    return {**meta, "model": model}


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


def _meta(args, target, features, m) -> dict:
    """What ``predict`` and ``diagnose --model`` need to read a CSV as the model was fitted on it.

    ``series`` is the ``--series`` column of a panel model (None for one
    series): ``predict`` then rebuilds the panel and forecasts every series.
    """
    return {"target": target, "features": features, "time": args.time, "series": args.series,
            "horizon": args.horizon, "seasonal_period": m, "window": _window_of(args, m), "diff": args.diff,
            "log": bool(args.log)}


# --------------------------------------------------------------------------- commands
def cmd_fit(args) -> int:
    import time

    frame, target, features, X, y, m, positive = _prepare(args)
    n_rows, where = _longest(X)
    _check_length(n_rows, _window_of(args, m), args.diff, where=where)
    model = build_model(args, m, positive)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(X, y)
    if _is_panel(X):
        rows = f"{len(X)} rows of {X.index.get_level_values(0).nunique()} series"
        steps = f"t + 1 .. t + {args.horizon}" if args.horizon > 1 else "t + 1"
    else:
        rows, steps = f"{len(X)} rows", f"t + {args.horizon}"
    print(f"fitted on {rows} ({target} at {steps} from {[target, *features]}) in "
          f"{time.perf_counter() - start:.1f} s")
    save_model(args.model, model, _meta(args, target, features, m))
    return 0


#: --grid keys that are not LSTMRegressor parameters, and their recipe names.
_RECIPE_KEYS = {"window": "regressor__lstm__lookback", "diff": "regressor__difference__diff"}


def _expand_grid(estimator, grid: dict, window_values) -> dict:
    """Recipe parameter names for the --grid keys: ``window``, ``diff`` or ``regressor__lstm__<key>``."""
    keys = estimator.get_params()
    out = {}
    for name, values in grid.items():
        values = list(window_values if name == "window" and values is None else values)
        full = name if name in keys else _RECIPE_KEYS.get(name, f"regressor__lstm__{name}")
        if full not in keys:
            short = [*_RECIPE_KEYS, *sorted(k.split("regressor__lstm__", 1)[1] for k in keys
                                            if k.startswith("regressor__lstm__") and k.count("__") == 2
                                            and k not in _RECIPE_KEYS.values())]
            raise CLIError(f"--grid key {name!r} is not a parameter of the model"
                           + _columns_hint(name, short, "Valid keys"))
        out[full] = values
    return out


def cmd_tune(args) -> int:
    import pandas as pd
    from sklearn.model_selection import GridSearchCV, ParameterGrid

    from .metrics import mape_scorer
    from .utils import default_window

    try:
        grid = dict(DEFAULT_GRID) if args.grid is None else json.loads(args.grid)
    except json.JSONDecodeError as exc:
        raise CLIError(f"--grid is not valid JSON ({exc.msg} at position {exc.pos}); write it like "
                       '\'{"units": [16, 32], "window": [12, 24]}\'.') from None
    if not isinstance(grid, dict) or not all(isinstance(v, list) or v is None for v in grid.values()):
        raise CLIError('--grid must be a JSON object of lists, like \'{"units": [16, 32]}\'.')
    _expand_grid(build_model(args, None, True), grid, [12])  # check the keys before reading any data
    frame, target, features, X, y, m, positive = _prepare(args)
    windows = [m, default_window(m)] if m else [default_window(None), 2 * default_window(None)]
    model = build_model(args, m, positive)
    param_grid = _expand_grid(model, grid, windows)
    longest = max([*param_grid.get(_RECIPE_KEYS["window"], []), _window_of(args, m)])
    if _is_panel(X):
        cv = panel_splitter(X, args.horizon, m, args.cv_splits)
    else:
        cv = _default_folds(len(X), args.horizon, m, args.cv_splits)
        if cv is None:
            raise CLIError(f"{len(X)} usable rows are too few for 2 time-ordered folds of 2 steps after 10 training "
                           f"steps and a gap of {args.horizon - 1} (needs at least {13 + args.horizon}); use a longer "
                           "series or a smaller --horizon.")
    n_rows, where = _longest(X)
    _check_length(n_rows - cv.n_splits * cv.test_size, longest, args.diff,
                  where=where and " before the first test fold in the longest series")
    positive_target = _positive(y)
    scoring = mape_scorer if positive_target else "neg_mean_absolute_error"
    metric = "MAPE" if positive_target else "MAE"
    n_candidates = len(ParameterGrid(param_grid))
    _say(f"GridSearchCV: {n_candidates} candidate(s) x {cv.n_splits} time-ordered folds ({cv!r}), scored by {metric}")
    search = GridSearchCV(model, param_grid, cv=cv, scoring=scoring, error_score=float("nan"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        search.fit(X, y)
    results = pd.DataFrame(search.cv_results_)
    shown = results[["rank_test_score", "mean_test_score", "std_test_score", "params"]].sort_values("rank_test_score")
    shown = shown.assign(**{metric: -shown["mean_test_score"]})
    short = {k: k.rsplit("__", 1)[-1] for k in param_grid}
    for _, row in shown.iterrows():
        params = ", ".join(f"{short[k]}={v}" for k, v in row["params"].items())
        print(f"rank {int(row['rank_test_score'])}: {metric} {row[metric]:.4g}  {params}")
    best = {short[k]: v for k, v in search.best_params_.items()}
    print(f"best: {best}")
    if args.output:
        os.makedirs(args.output, exist_ok=True)
        path = os.path.join(args.output, "cv_results.csv")
        results.drop(columns=["params"]).to_csv(path, index=False)
        _say(f"wrote {path}")
    save_model(args.model, search.best_estimator_, {**_meta(args, target, features, m), "best_params": best})
    return 0


def panel_splitter(X, horizon: int, seasonal_period, n_splits: int):
    """Time-ordered folds for the panel ``X``: :class:`~skl_lstm.model_selection.PanelTimeSeriesSplit`.

    The folds are sized as :func:`skl_lstm.utils.default_splitter` sizes them
    for one series (a sixth of the steps each, at least a season, fewer folds
    when the series are short), with ``gap=horizon`` as the splitter's
    docstring asks for targets ``horizon`` steps ahead. When every series ends
    at the same time the folds are cut at the same times for all of them
    (``align="time"``); otherwise each series is cut by its own end
    (``align="end"``, M4's hold-out) and the shortest series sets the sizes.

    Parameters
    ----------
    X : pandas.DataFrame
        The training rows, indexed by (series, time).
    horizon : int
        Steps between ``X`` and its furthest target.
    seasonal_period : int or None
        Season length.
    n_splits : int
        Folds wanted (``--cv-splits``).

    Returns
    -------
    PanelTimeSeriesSplit

    Raises
    ------
    CLIError
        When the series are too short for two folds, naming the shortest one.
    """
    import numpy as np
    import pandas as pd

    from .model_selection import PanelTimeSeriesSplit

    series = np.asarray(X.index.get_level_values(0))
    times = X.index.get_level_values(1)
    ends = pd.Series(times).groupby(series).max()
    lengths = pd.Series(series).value_counts()
    if ends.nunique() == 1:
        align, n_steps, what = "time", int(times.nunique()), f"the series span {times.nunique()} time steps"
    else:
        align, n_steps = "end", int(lengths.min())
        shortest = lengths.index.tolist()[int(np.argmin(lengths.to_numpy()))]  # a plain label, not np.int64
        what = f"series {shortest!r}, the shortest, has {n_steps} rows"
    base = _default_folds(n_steps - 1, horizon, seasonal_period, n_splits)  # gap = horizon: one step more
    if base is None:
        needed = 14 + horizon  # default_splitter keeps 10 training steps before 2 test folds of 2 and the gap
        fix = "use a smaller --horizon or longer series" if align == "time" else (
            f"drop the series shorter than {needed} rows from the CSV, or use a smaller --horizon")
        raise CLIError(f"{what} with a target, too few for 2 time-ordered folds of 2 steps after 10 training steps "
                       f"and a gap of --horizon {horizon} steps (needs at least {needed}); {fix}.")
    return PanelTimeSeriesSplit(n_splits=base.n_splits, test_size=base.test_size, gap=horizon, align=align)


def _default_folds(n_steps: int, horizon: int, seasonal_period, n_splits: int):
    """:func:`skl_lstm.utils.default_splitter`, or None when ``n_steps`` are too few for two folds."""
    from .utils import default_splitter

    try:
        return default_splitter(max(n_steps, 1), horizon, seasonal_period, n_splits)
    except ValueError:  # it shrank the folds to one, which TimeSeriesSplit refuses
        return None


def _warmup_rows(model) -> int:
    """Leading rows without a full window: the windowing and differencing steps' ``n_warmup_`` plus the
    LSTM's ``lookback_ - 1`` (0 without either)."""
    from .preprocessing import WindowTransformer

    pipeline = getattr(model, "regressor_", model)
    steps = [step for _, step in getattr(pipeline, "steps", [])]
    rows = sum(int(step.n_warmup_) for step in steps if isinstance(step, WindowTransformer))
    lookback = getattr(steps[-1], "lookback_", None) if steps else None
    return rows + (int(lookback) - 1 if lookback else 0)


def cmd_predict(args) -> int:
    import numpy as np
    import pandas as pd

    bundle = load_model(args.model)
    if bundle.get("series") is not None:
        return _predict_panel(args, bundle)
    if args.series is not None:
        raise CLIError(f"--series {args.series!r}: the model {args.model!r} was fitted on one series (`skl-lstm fit` "
                       "without --series); drop --series, or fit a model for many series with "
                       "`skl-lstm fit --series COLUMN`.")
    time_col = args.time if args.time is not None else bundle.get("time")
    target, features, h = bundle["target"], bundle["features"], bundle["horizon"]
    needed = [(target, "the model's target")] + [(name, "the model's input") for name in features]
    frame = read_table(args.data, time_col, needed)
    X = frame[[target, *features]].astype(float)
    # As in training, rows without a current value of the target are left out (the model adds its forecast
    # change to that value); the other rows keep their order, so each window reads the rows before it.
    missing = X[target].isna().to_numpy()
    if missing.any():
        _say(f"{int(missing.sum())} row(s) have no current value of {target!r} and are not forecast.")
    X = X.loc[~missing]
    warmup = _warmup_rows(bundle["model"])
    if len(X) <= warmup:
        raise CLIError(f"{args.data} has {len(X)} row(s) with a value of {target!r}; forecasting needs more than "
                       f"{warmup} (one full window of history).")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the warm-up rows' partial windows; they are not reported
        forecast = np.asarray(bundle["model"].predict(X), dtype=float)
    out = pd.DataFrame({target: X[target].to_numpy(), f"{target}_forecast_t+{h}": forecast}, index=X.index)
    freq = getattr(frame.index, "freq", None)
    if freq is not None:
        out.insert(1, "forecast_time", out.index + h * freq)
    out = out.iloc[warmup:]
    if warmup:
        _say(f"the first {warmup} row(s) have no full window of history and are not forecast.")
    _write_forecasts(out, args.output, index=time_col is not None)
    return 0


def _write_forecasts(out, output, *, index: bool) -> None:
    if output:
        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        out.to_csv(output, index=index)
        _say(f"wrote {len(out)} forecasts to {output}")
    else:
        out.to_csv(sys.stdout, index=index)


def _predict_panel(args, bundle) -> int:
    """``predict`` for a model fitted with ``--series``: every series' next steps, via :func:`skl_lstm.forecast`."""
    from . import forecast

    series_col = args.series if args.series is not None else bundle["series"]
    time_col = args.time if args.time is not None else bundle["time"]
    target, features = bundle["target"], bundle["features"]
    needed = [(target, "the model's target")] + [(name, "the model's input") for name in features]
    frame = read_panel(args.data, series_col, time_col, needed,
                       series_option="--series" if args.series is not None else "the model's series",
                       time_option="--time" if args.time is not None else "the model's time")
    X = frame[[target, *features]].astype(float)
    # As in training, rows without a current value of the target are left out (the model adds its forecast
    # change to that value); each series' forecast starts from its last row with a value.
    missing = X[target].isna().to_numpy()
    if missing.any():
        _say(f"{int(missing.sum())} row(s) have no current value of {target!r} and are not used.")
        last = ~frame.index.get_level_values(0).duplicated(keep="last")  # rows are sorted by (series, time)
        cut = list(frame.index.get_level_values(0)[last & missing])
        if cut:
            _say(f"{len(cut)} series end without a value of {target!r}; their forecasts start from their last row "
                 f"with one: {_shown(cut)}.")
        X = X.loc[~missing]
    labels, kept = frame.index.get_level_values(0).unique(), set(X.index.get_level_values(0))
    empty = [label for label in labels if label not in kept]
    if len(empty) == len(labels):
        raise CLIError(f"--target column {target!r} has no value in {args.data}; nothing to forecast from.")
    if empty:
        _say(f"{len(empty)} series have no value of {target!r} and get no forecast: {_shown(empty)}.")
    warmup = _warmup_rows(bundle["model"])
    lengths = X.groupby(level=0).size()
    if lengths.max() <= warmup:
        raise CLIError(f"every series in {args.data} has at most {lengths.max()} row(s) with a value of {target!r}; "
                       f"forecasting needs more than {warmup} (one full window of history) in at least one series.")
    short = list(lengths.index[lengths <= warmup])
    if short:
        _say(f"{len(short)} series have {warmup} row(s) or fewer with a value of {target!r}, less than one full "
             f"window of history; their forecasts read what there is: {_shown(short)}.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        out = forecast(bundle["model"], X)
    out["time"] = _fill_times(out, X, frame)
    out = out.rename(columns={"series": series_col, "time": time_col})
    _write_forecasts(out, args.output, index=False)
    return 0


def _shown(labels, n: int = 10) -> str:
    """Up to ``n`` labels, quoted, then how many more."""
    labels = list(labels)
    return ", ".join(repr(label) for label in labels[:n]) + (f" and {len(labels) - n} more" if len(labels) > n else "")


def _fill_times(out, X, frame) -> list:
    """The forecasts' times, with the steps :func:`skl_lstm.forecast` could not label filled from the file.

    ``forecast`` labels each series' steps from the rows ``X`` it was given;
    where rows without a target value were left out, those rows are no longer
    evenly spaced and it answers None. The file's own rows of that series
    (``frame``) still give the step (a date frequency or a constant integer
    step), which is added to the forecast origin, the series' last row in
    ``X``. Steps stay None when the file's times are irregular too.
    """
    import numpy as np
    import pandas as pd

    from .utils import index_freq

    times = list(out["time"])
    for row, (label, h) in enumerate(zip(out["series"], out["horizon"])):
        if times[row] is not None and not pd.isna(times[row]):
            continue
        origin = X.loc[label].index[-1]
        full = frame.loc[label].index  # every time of this series in the file, sorted
        if isinstance(full, pd.DatetimeIndex):
            freq = index_freq(full)
            if freq is not None:
                times[row] = origin + int(h) * pd.tseries.frequencies.to_offset(freq)
        elif pd.api.types.is_integer_dtype(full.dtype) and len(full) > 1:
            steps = np.diff(full.to_numpy())
            if steps[0] > 0 and (steps == steps[0]).all():
                times[row] = origin + int(h) * steps[0]
    return times


def cmd_diagnose(args) -> int:
    from sklearn.base import clone

    from .diagnostics import diagnose

    bundle = None
    if args.model:
        bundle = load_model(args.model)
        args.target = args.target or bundle["target"]
        args.features = args.features if args.features is not None else list(bundle["features"])
        args.horizon = bundle["horizon"] if args.horizon_default else args.horizon
        args.time = args.time or bundle.get("time")
        args.series = args.series or bundle.get("series")
    if not args.target:
        raise CLIError("diagnose needs --target COLUMN (or --model PATH of a model written by `skl-lstm fit`).")
    if args.series_ids and args.series is None:
        raise CLIError("--series-ids picks series of a long CSV; name the column that holds them with --series.")
    if args.series is not None:
        return _diagnose_panel(args, bundle)
    frame, target, features, X, y, m, positive = _prepare(args)
    model = clone(bundle["model"]) if args.model else build_model(args, m, positive)
    if not args.model:
        _check_length(len(X) // 2, _window_of(args, m), args.diff)
    report = diagnose(model, X, y, cv=args.cv_splits, seasonal_period=m, horizon=args.horizon)
    print(report)
    if args.output:
        written = report.save(args.output)
        _say("wrote " + ", ".join(written))
    if args.fail_on != "never" and report.filter(args.fail_on):
        return EXIT_FINDINGS
    return 0


def _diagnose_panel(args, bundle) -> int:
    """``diagnose --series``: each series diagnosed on its own, then one line per series.

    :func:`skl_lstm.diagnose` reads one series: its folds, its naive and
    seasonal-naive baselines and its residual tests follow one time axis. So
    each series (or each of ``--series-ids``) is diagnosed alone, with the
    recipe's settings (or those of ``--model``) fitted to that series only;
    the global model ``fit --series`` trains on all series together is not
    diagnosed as one.
    """
    import pandas as pd
    from sklearn.base import clone

    from .diagnostics import diagnose

    frame = read_panel(args.data, args.series, args.time, _requested(args))
    labels = list(frame.index.get_level_values(0).unique())
    if args.series_ids:
        by_text = {str(label): label for label in labels}
        for name in args.series_ids:
            if name not in by_text:
                raise CLIError(f"--series-ids {name!r} is not a series of {args.data} (column {args.series!r})"
                               + _columns_hint(name, labels[:50], "Its series" + (" (first 50)" if len(labels) > 50
                                                                                   else "")))
        labels = [by_text[name] for name in dict.fromkeys(args.series_ids)]
    target, features = select_columns(frame, args.target, args.features, args.data)
    _say(f"diagnosing each of {len(labels)} series on its own (about {len(labels)} x {args.cv_splits} fits): "
         "skl_lstm.diagnose reads one series at a time, so the model that `skl-lstm fit --series` trains on all "
         "series together is not diagnosed as one; pick series with --series-ids.")
    written, rows, failing = set(), [], False
    for label in labels:
        one = frame.loc[label]
        if isinstance(one.index, pd.DatetimeIndex):
            from .utils import index_freq

            freq = index_freq(one.index)
            if freq:  # the season length and the report's times read the frequency
                one = one.set_axis(pd.DatetimeIndex(one.index, freq=freq, name=one.index.name))
        try:
            X, y = supervised(one, target, features, args.horizon, source=f"series {label!r}")
            m = _season(one, args)
            if bundle is not None:
                model = clone(bundle["model"])
            else:
                model = build_model(args, m, _positive(X) and _positive(y))
                _check_length(len(X) // 2, _window_of(args, m), args.diff, where=f" in series {label!r}")
            report = diagnose(model, X, y, cv=args.cv_splits, seasonal_period=m, horizon=args.horizon)
        except (CLIError, ValueError) as exc:  # this series cannot be diagnosed; the others still are
            reason = str(exc) if repr(label) in str(exc) else f"series {label!r}: {exc}"
            _say(f"not diagnosed: {reason}")
            rows.append({"series": label, "rows": len(one), "status": f"not diagnosed: {reason}"})
            continue
        print(f"=== series {label!r} ===")
        print(report)
        print()
        overall = report.scores.get("overall", {})
        naive = overall.get("naive", {}).get("mae")
        mae = overall.get("model", {}).get("mae")
        top = report.top
        rows.append({"series": label, "rows": len(one), "status": "diagnosed", "mae": mae,
                     "mae_over_naive": mae / naive if mae is not None and naive else None,
                     "top_finding": top.code if top else None, "top_severity": top.severity if top else None,
                     "findings": ";".join(f"{f.code}:{f.severity}" for f in report.findings)})
        if args.output:
            directory = os.path.join(args.output, _directory_name(label, written))
            report.save(directory)
            _say(f"wrote the report of series {label!r} to {directory}")
        failing |= args.fail_on != "never" and bool(report.filter(args.fail_on))
    summary = pd.DataFrame(rows, columns=["series", "rows", "status", "mae", "mae_over_naive", "top_finding",
                                          "top_severity", "findings"])
    diagnosed = summary[summary["status"] == "diagnosed"]
    print(f"Summary: {len(diagnosed)} of {len(summary)} series diagnosed")
    for row in summary.itertuples(index=False):
        if row.status != "diagnosed":
            print(f"  {row.series!r}: {row.status}")
            continue
        ratio = "" if pd.isna(row.mae_over_naive) else f"MAE / naive {row.mae_over_naive:.2f}; "
        found = isinstance(row.top_finding, str)
        top = f"top finding {row.top_finding} ({row.top_severity})" if found else "no problem found"
        print(f"  {row.series!r}: {ratio}{top}")
    if args.output:
        os.makedirs(args.output, exist_ok=True)
        path = os.path.join(args.output, "summary.csv")
        summary.to_csv(path, index=False)
        _say(f"wrote {path}")
    if diagnosed.empty:
        raise CLIError("no series could be diagnosed (the reasons are above); use a smaller --window or --horizon, "
                       "or pick longer series with --series-ids.")
    return EXIT_FINDINGS if failing else 0


def _directory_name(label, taken: set) -> str:
    """A directory name for a series label: its letters, digits, '.', '-' and '_' only, unique among ``taken``."""
    import re

    base = re.sub(r"[^A-Za-z0-9._-]+", "_", str(label)).strip("._") or "series"
    name, k = base, 2
    while name.lower() in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name.lower())
    return name


# --------------------------------------------------------------------------- parser
def _add_data(p, target_required=True) -> None:
    p.add_argument("data", help="CSV file, one row per time step (with --series: one row per series and time step)")
    p.add_argument("--target", required=target_required, help="column to forecast")
    p.add_argument("--time", help="column of dates or integer time steps (rows are sorted by it; required with "
                                  "--series)")
    p.add_argument("--series", metavar="COLUMN",
                   help="column naming the series of a long CSV with many series (needs --time): fit and tune train "
                        "one network on all of them, each forecast 1 .. --horizon steps ahead; diagnose reports on "
                        "each series")
    p.add_argument("--features", nargs="+", metavar="COLUMN",
                   help="input columns besides the target's own history (names, or one comma-separated list); "
                        "default: every other numeric column")
    p.add_argument("--horizon", type=int, default=None, help="steps ahead to forecast (default 1)")


def _add_model(p) -> None:
    g = p.add_argument_group("model (skl_lstm.recommended_pipeline)")
    g.add_argument("--window", type=int, help="lag window (default: two seasons, else 12)")
    g.add_argument("--seasonal-period", type=int, help="season length (default: from the time column's frequency)")
    g.add_argument("--diff", type=int, default=1, help="differencing order of the input windows (default 1)")
    g.add_argument("--log", action="store_true",
                   help="model log(values); needs positive data (default: only for a panel of positive series)")
    g.add_argument("--units", type=int, help="LSTM units (default 32)")
    g.add_argument("--epochs", type=int, help="maximum epochs (default 200, with early stopping)")
    g.add_argument("--learning-rate", type=float, help="Adam learning rate (default 0.003)")
    g.add_argument("--dropout", type=float, help="input dropout (default 0)")
    g.add_argument("--loss", choices=["mse", "mae", "huber"], help="training loss (default mse)")
    g.add_argument("--linear-skip", action=argparse.BooleanOptionalAction,
                   help="linear branch started at the ridge fit, the LSTM learns its residuals (default: the "
                        "recipe's, on)")
    g.add_argument("--random-state", type=int, default=0, help="seed (default 0)")


def build_parser() -> argparse.ArgumentParser:
    """The ``skl-lstm`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="skl-lstm",
        description="Diagnose, fit, tune and forecast an LSTM on a CSV time series, or with --series on a long CSV "
                    "of many series (skl_lstm).",
        epilog="Models are saved with skl_lstm.save: no pickle, atomic writes (docs/reliability.md).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{diagnose,fit,tune,predict}")

    p = sub.add_parser("diagnose", help="explain why the model is poor: ranked findings, evidence, fixes",
                       description="Explain why the model is poor: ranked findings, evidence, fixes. With --series, "
                                   "each series is diagnosed on its own (skl_lstm.diagnose reads one series), with "
                                   "one report per series and a summary.")
    _add_data(p, target_required=False)
    _add_model(p)
    p.add_argument("--model", help="diagnose the settings of a model written by `skl-lstm fit` instead")
    p.add_argument("--series-ids", nargs="+", metavar="ID",
                   help="with --series: diagnose only these series (default: every series in the file)")
    p.add_argument("--cv-splits", type=int, default=3, help="time-ordered folds (default 3)")
    p.add_argument("--output", help="directory for report.txt/.json/.html and the figures (with --series: one "
                                    "subdirectory per series and summary.csv)")
    p.add_argument("--fail-on", choices=["high", "medium", "never"], default="never",
                   help="exit with status 1 when a finding of this severity (or worse) is present")
    p.set_defaults(func=cmd_diagnose)

    p = sub.add_parser("fit", help="fit the recommended pipeline and save it")
    _add_data(p)
    _add_model(p)
    p.add_argument("--model", required=True, help="where to save the fitted model (skl_lstm.save format)")
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("tune", help="GridSearchCV with TimeSeriesSplit (PanelTimeSeriesSplit with --series) over a "
                                    "small grid; save the best model")
    _add_data(p)
    _add_model(p)
    p.add_argument("--grid", help="JSON object of lists, keys window, diff or LSTMRegressor parameters "
                                  f"(default {json.dumps(DEFAULT_GRID)}; window null = one and two seasons)")
    p.add_argument("--cv-splits", type=int, default=3, help="time-ordered folds (default 3)")
    p.add_argument("--model", required=True, help="where to save the best model (skl_lstm.save format)")
    p.add_argument("--output", help="directory for cv_results.csv")
    p.set_defaults(func=cmd_tune)

    p = sub.add_parser("predict", help="forecast every row of a CSV with a saved model (a model fitted with "
                                       "--series: the next steps of every series)")
    p.add_argument("data", help="CSV file with the model's columns")
    p.add_argument("--model", required=True, help="a model written by `skl-lstm fit` or `tune`")
    p.add_argument("--time", help="time column (default: the one the model was fitted with)")
    p.add_argument("--series", metavar="COLUMN",
                   help="series column, for a model fitted with --series (default: the one it was fitted with); the "
                        "output has one row per series and step: series, time, horizon, forecast")
    p.add_argument("--output", help="CSV file for the forecasts (default: standard output)")
    p.set_defaults(func=cmd_predict)
    return parser


def main(argv=None) -> int:
    """Run ``skl-lstm``; return the exit status (0 ok, 1 findings with --fail-on, 2 usage or data error).

    Parameters
    ----------
    argv : list of str or None, default=None
        Arguments without the program name; None reads ``sys.argv``.

    Returns
    -------
    int
        The exit status.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse prints its own message
        return int(exc.code or 0)
    if hasattr(args, "horizon"):
        args.horizon_default = args.horizon is None
        if args.horizon is None:
            args.horizon = 1
        if args.horizon < 1:
            _say(f"error: --horizon {args.horizon} must be a positive number of steps.")
            return EXIT_USAGE
    for name in ("window", "units", "epochs", "cv_splits"):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            _say(f"error: --{name.replace('_', '-')} {value} must be a positive integer.")
            return EXIT_USAGE
    if getattr(args, "cv_splits", None) == 1:
        _say("error: --cv-splits 1 must be at least 2: cross-validation needs two time-ordered folds.")
        return EXIT_USAGE
    try:
        return args.func(args)
    except CLIError as exc:
        _say(f"error: {exc}")
        return EXIT_USAGE


__all__ = ["CLIError", "build_parser", "main", "panel_splitter", "read_panel", "read_table", "select_columns",
           "supervised"]
