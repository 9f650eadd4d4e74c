"""The model: the recommended pipeline built from the options, ``--grid`` keys, and model files.

Model files are written and read with :func:`skl_lstm.save` and
:func:`skl_lstm.load`, with the facts ``predict`` and ``diagnose --model``
need (target, features, time, series, horizon, ...) in their metadata.
"""

from __future__ import annotations

import os

from ._data import _window_of
from ._io import CLIError, _columns_hint, _say

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
#: --grid keys that are not LSTMRegressor parameters, and their recipe names.
_RECIPE_KEYS = {"window": "regressor__lstm__lookback", "diff": "regressor__difference__diff"}


def build_model(args, seasonal_period, positive: bool):
    """The recommended pipeline with the command line's settings."""
    from .. import recommended_pipeline

    if args.log and not positive:
        raise CLIError("--log needs positive values in the target and every input column; drop --log.")
    params = {"units": args.units, "epochs": args.epochs, "learning_rate": args.learning_rate,
              "dropout": args.dropout, "loss": args.loss, "random_state": args.random_state,
              "linear_skip": args.linear_skip}
    params = {k: v for k, v in params.items() if v is not None}
    log = True if args.log else "auto"  # without --log, the recipe's own choice (log for a positive panel)
    return recommended_pipeline(window=args.window, seasonal_period=seasonal_period, diff=args.diff, log=log,
                                **params)


def _meta(args, target, features, m) -> dict:
    """What ``predict`` and ``diagnose --model`` need to read a CSV as the model was fitted on it.

    ``series`` is the ``--series`` column of a panel model (None for one
    series): ``predict`` then rebuilds the panel and forecasts every series.
    """
    return {"target": target, "features": features, "time": args.time, "series": args.series,
            "horizon": args.horizon, "seasonal_period": m, "window": _window_of(args, m), "diff": args.diff,
            "log": bool(args.log)}


def save_model(path: str, model, meta: dict) -> None:
    """Save the fitted ``model`` with the command line's facts (``meta``) to ``path`` with :func:`skl_lstm.save`."""
    from ..persistence import save

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    version = MODEL_FORMAT_VERSION if meta.get("series") is not None else _SINGLE_SERIES_FORMAT
    save(model, path, metadata={"format": MODEL_FORMAT, "format_version": version, **meta})
    _say(f"saved the fitted model to {path}")


def load_model(path: str) -> dict:
    """The facts ``save_model`` stored, with the fitted model under ``"model"``; no pickle is ever read."""
    from ..exceptions import UnsafeModelFileError
    from ..persistence import load

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
