"""``skl-lstm predict``: forecast with a saved model, every row of one series or the next steps of each series.

With ``--coverage C`` each forecast also gets its interval (lower and upper
columns), from the model's ``predict_interval``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings

from ..exceptions import FewCalibrationResidualsWarning
from ._io import CLIError, _say, _shown, read_panel, read_table
from ._models import load_model


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
    with _interval_notes(args.coverage):
        forecast = np.asarray(bundle["model"].predict(X), dtype=float)
        bounds = _intervals(bundle["model"], X, args.coverage)
    out = pd.DataFrame({target: X[target].to_numpy(), f"{target}_forecast_t+{h}": forecast}, index=X.index)
    if bounds is not None:
        out[f"{target}_lower_t+{h}"], out[f"{target}_upper_t+{h}"] = bounds[:, 0], bounds[:, 1]
    freq = getattr(frame.index, "freq", None)
    if freq is not None:
        out.insert(1, "forecast_time", out.index + h * freq)
    out = out.iloc[warmup:]
    if warmup:
        _say(f"the first {warmup} row(s) have no full window of history and are not forecast.")
    _write_forecasts(out, args.output, index=time_col is not None)
    return 0


def _predict_panel(args, bundle) -> int:
    """``predict`` for a model fitted with ``--series``: every series' next steps, via :func:`skl_lstm.forecast`."""
    from .. import forecast

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
    with _interval_notes(args.coverage):
        try:
            out = forecast(bundle["model"], X, coverage=args.coverage)
        except ValueError as exc:  # a coverage the model cannot give (too few calibration residuals)
            if args.coverage is None:
                raise
            raise CLIError(f"--coverage {args.coverage}: {exc}") from exc
    out["time"] = _fill_times(out, X, frame)
    out = out.rename(columns={"series": series_col, "time": time_col})
    _write_forecasts(out, args.output, index=False)
    return 0


@contextlib.contextmanager
def _interval_notes(coverage):
    """Silence the library's warnings about the warm-up rows' partial windows (not reported), but say
    when an interval is a Student-t stand-in for a conformal one (too few calibration residuals)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("always", FewCalibrationResidualsWarning)
        yield
    for message in dict.fromkeys(str(w.message) for w in caught):
        _say(f"note: --coverage {coverage}: {message}")


def _intervals(model, X, coverage):
    """``model.predict_interval(X, coverage)``, None without ``--coverage``; one it cannot give is a CLIError."""
    if coverage is None:
        return None
    try:
        return model.predict_interval(X, coverage=coverage)
    except ValueError as exc:
        raise CLIError(f"--coverage {coverage}: {exc}") from exc


def _warmup_rows(model) -> int:
    """Leading rows without a full window: the windowing and differencing steps' ``n_warmup_`` plus the
    LSTM's ``lookback_ - 1`` (0 without either)."""
    from ..preprocessing import WindowTransformer

    pipeline = getattr(model, "regressor_", model)
    steps = [step for _, step in getattr(pipeline, "steps", [])]
    rows = sum(int(step.n_warmup_) for step in steps if isinstance(step, WindowTransformer))
    lookback = getattr(steps[-1], "lookback_", None) if steps else None
    return rows + (int(lookback) - 1 if lookback else 0)


def _write_forecasts(out, output, *, index: bool) -> None:
    if output:
        os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
        out.to_csv(output, index=index)
        _say(f"wrote {len(out)} forecasts to {output}")
    else:
        out.to_csv(sys.stdout, index=index)


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

    from ..utils import index_freq

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
