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
MODEL_FORMAT_VERSION = 2

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


def read_table(path: str, time=None, columns=()):
    """Read the CSV at ``path``; with ``time``, parse that column as dates and index the rows by it.

    ``columns`` holds ``(name, option)`` pairs that must be in the file; they are
    checked against the file's header (time column included) before anything
    else, so a misspelt name is reported with every column the file has.
    """
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
    if time is not None:
        check_column(frame, time, "--time", path)
    for name, option in columns:
        check_column(frame, name, option, path)
    if time is None:
        return frame
    raw = frame[time]
    if raw.isna().any():
        rows = list(raw.index[raw.isna()][:5])
        raise CLIError(f"--time column {time!r} has {int(raw.isna().sum())} missing value(s) (rows {rows}); "
                       "every row needs a time.")
    if pd.api.types.is_integer_dtype(raw.dtype):
        index = pd.Index(raw.to_numpy(), name=time)
    else:
        index = _parse_dates(raw, time)
    frame = frame.drop(columns=[time])
    frame.index = index
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise CLIError(f"--time column {time!r} repeats {dup!s}; each time step needs one row (aggregate the "
                       "duplicates first).")
    if not index.is_monotonic_increasing:
        _say(f"the rows of {path} are not in time order; sorted them by {time!r}.")
        frame = frame.sort_index(kind="stable")
    if isinstance(frame.index, pd.DatetimeIndex) and frame.index.freq is None:
        from .utils import index_freq

        freq = index_freq(frame.index)
        if freq:  # record the frequency (the rows stay as given), for the season length and forecast times
            frame.index = pd.DatetimeIndex(frame.index, freq=freq, name=time)
    return frame


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


def supervised(frame, target: str, features: list[str], horizon: int):
    """``(X, y)`` for training: X = target and features at t, y = target at t + horizon, complete rows only."""
    from .datasets import make_supervised

    data = frame[[target, *features]].astype(float)
    if len(data) <= horizon + 2:
        raise CLIError(f"the file has {len(data)} rows, too few for --horizon {horizon}.")
    X, y = make_supervised(data, horizon, target=target)
    missing = y.isna().to_numpy() | X[target].isna().to_numpy()
    if missing.all():
        raise CLIError(f"--target column {target!r} has no value that can be trained on.")
    if missing.any():
        labels = [str(label) for label in X.index[missing][:5]]
        _say(f"dropped {int(missing.sum())} of {len(X)} rows whose target (at t + {horizon}) or current value of "
             f"{target!r} is missing (training needs both): {', '.join(labels)}"
             + (" ..." if missing.sum() > 5 else ""))
        X, y = X.loc[~missing], y.loc[~missing]
    n_nan = int(X[features].isna().sum().sum()) if features else 0
    if n_nan:
        _say(f"{n_nan} missing value(s) in the input columns are kept: the network masks those time steps.")
    return X, y


# --------------------------------------------------------------------------- model
def _season(frame, args) -> int | None:
    if args.seasonal_period is not None:
        return args.seasonal_period
    from .utils import infer_seasonal_period

    return infer_seasonal_period(frame[args.target].astype(float))


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


def _check_length(n_rows: int, window: int, diff: int) -> None:
    if n_rows < 2 * (window + diff) + 4:
        raise CLIError(f"{n_rows} usable rows are too few for --window {window}; use a smaller --window or a longer "
                       "series.")


def _window_of(args, seasonal_period) -> int:
    from .utils import default_window

    return args.window if args.window is not None else default_window(seasonal_period)


def save_model(path: str, model, meta: dict) -> None:
    """Save the fitted ``model`` with the command line's facts (``meta``) to ``path`` with :func:`skl_lstm.save`."""
    from .persistence import save

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    save(model, path, metadata={"format": MODEL_FORMAT, "format_version": MODEL_FORMAT_VERSION, **meta})
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


def _prepare(args):
    frame = read_table(args.data, args.time, _requested(args))
    target, features = select_columns(frame, args.target, args.features, args.data)
    X, y = supervised(frame, target, features, args.horizon)
    m = _season(frame, args)
    positive = bool((X.min().min() > 0) and (y.min() > 0))
    return frame, target, features, X, y, m, positive


def _meta(args, target, features, m) -> dict:
    return {"target": target, "features": features, "time": args.time, "horizon": args.horizon,
            "seasonal_period": m, "window": _window_of(args, m), "diff": args.diff, "log": bool(args.log)}


# --------------------------------------------------------------------------- commands
def cmd_fit(args) -> int:
    import time

    frame, target, features, X, y, m, positive = _prepare(args)
    _check_length(len(X), _window_of(args, m), args.diff)
    model = build_model(args, m, positive)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(X, y)
    print(f"fitted on {len(X)} rows ({target} at t + {args.horizon} from {[target, *features]}) in "
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
    from .utils import default_splitter, default_window

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
    cv = default_splitter(len(X), args.horizon, m, args.cv_splits)
    _check_length(len(X) - cv.n_splits * cv.test_size, longest, args.diff)
    positive_target = bool(y.min() > 0)
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
    if args.output:
        directory = os.path.dirname(os.path.abspath(args.output))
        os.makedirs(directory, exist_ok=True)
        out.to_csv(args.output, index=time_col is not None)
        _say(f"wrote {len(out)} forecasts to {args.output}")
    else:
        out.to_csv(sys.stdout, index=time_col is not None)
    return 0


def cmd_diagnose(args) -> int:
    from sklearn.base import clone

    from .diagnostics import diagnose

    if args.model:
        bundle = load_model(args.model)
        args.target = args.target or bundle["target"]
        args.features = args.features if args.features is not None else list(bundle["features"])
        args.horizon = bundle["horizon"] if args.horizon_default else args.horizon
        args.time = args.time or bundle.get("time")
    if not args.target:
        raise CLIError("diagnose needs --target COLUMN (or --model PATH of a model written by `skl-lstm fit`).")
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


# --------------------------------------------------------------------------- parser
def _add_data(p, target_required=True) -> None:
    p.add_argument("data", help="CSV file, one row per time step")
    p.add_argument("--target", required=target_required, help="column to forecast")
    p.add_argument("--time", help="column of dates or integer time steps (rows are sorted by it)")
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
        description="Diagnose, fit, tune and forecast an LSTM on a CSV time series (skl_lstm).",
        epilog="Models are saved with skl_lstm.save: no pickle, atomic writes (docs/reliability.md).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{diagnose,fit,tune,predict}")

    p = sub.add_parser("diagnose", help="explain why the model is poor: ranked findings, evidence, fixes")
    _add_data(p, target_required=False)
    _add_model(p)
    p.add_argument("--model", help="diagnose the settings of a model written by `skl-lstm fit` instead")
    p.add_argument("--cv-splits", type=int, default=3, help="time-ordered folds (default 3)")
    p.add_argument("--output", help="directory for report.txt/.json/.html and the figures")
    p.add_argument("--fail-on", choices=["high", "medium", "never"], default="never",
                   help="exit with status 1 when a finding of this severity (or worse) is present")
    p.set_defaults(func=cmd_diagnose)

    p = sub.add_parser("fit", help="fit the recommended pipeline and save it")
    _add_data(p)
    _add_model(p)
    p.add_argument("--model", required=True, help="where to save the fitted model (skl_lstm.save format)")
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("tune", help="GridSearchCV with TimeSeriesSplit over a small grid; save the best model")
    _add_data(p)
    _add_model(p)
    p.add_argument("--grid", help="JSON object of lists, keys window, diff or LSTMRegressor parameters "
                                  f"(default {json.dumps(DEFAULT_GRID)}; window null = one and two seasons)")
    p.add_argument("--cv-splits", type=int, default=3, help="time-ordered folds (default 3)")
    p.add_argument("--model", required=True, help="where to save the best model (skl_lstm.save format)")
    p.add_argument("--output", help="directory for cv_results.csv")
    p.set_defaults(func=cmd_tune)

    p = sub.add_parser("predict", help="forecast every row of a CSV with a saved model")
    p.add_argument("data", help="CSV file with the model's columns")
    p.add_argument("--model", required=True, help="a model written by `skl-lstm fit` or `tune`")
    p.add_argument("--time", help="time column (default: the one the model was fitted with)")
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
    try:
        return args.func(args)
    except CLIError as exc:
        _say(f"error: {exc}")
        return EXIT_USAGE


__all__ = ["CLIError", "build_parser", "main", "read_table", "select_columns", "supervised"]
