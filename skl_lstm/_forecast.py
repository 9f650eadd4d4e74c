"""forecast: the next steps of every series after its last observation, as a tidy DataFrame."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .exceptions import MissingFutureWarning
from .utils._conformal import check_coverage
from .utils._history import next_label
from .utils._panel import Panel, is_panel

#: Attributes through which a fitted estimator holds the fitted estimators inside it.
_INNER = ("regressor_", "estimator_", "best_estimator_", "steps")


def forecast(model, data, future=None, *, coverage=None) -> pd.DataFrame:
    """Forecast the steps after the end of every series in ``data``, as a tidy DataFrame.

    ``model`` is a fitted estimator whose ``predict`` answers one row per row
    of ``data`` with the forecasts from that row, as a model fitted on
    :func:`~skl_lstm.datasets.make_supervised` output does (for example
    :func:`~skl_lstm.recommended_pipeline` with ``all_horizons=True``). The
    last row of each series gives its forecasts; they are labelled with the
    times that follow the series' end.

    Parameters
    ----------
    model : estimator
        The fitted model. Its ``horizons_`` (set by
        :class:`~skl_lstm.DifferencedTargetRegressor` from the horizons
        ``make_supervised`` recorded) label the outputs; without it, the
        ``k`` outputs are the steps ``1 .. k``.
    data : pandas.Series or pandas.DataFrame
        The observed rows up to now: one series (rows in time order, indexed
        by integers, dates or periods) or a panel indexed by (series, time).
    future : pandas.DataFrame or None, default=None
        The known-future columns of ``model``
        (:class:`~skl_lstm.KnownFutureTransformer`; the
        recipe's ``known_future``) at the steps after each series' end:
        indexed like ``data`` ((series, time) for a panel), at least the
        ``H`` steps the model leads them, and exactly those columns. They are
        appended to ``data`` for the leads only: the other columns of the
        appended rows repeat each series' last row, and no forecast read
        here looks at them (every other step looks back; the one exception
        is a series that ``fit`` did not see, under
        :class:`~skl_lstm.DifferencedTargetRegressor`'s ``scale_series``,
        whose scale is read from all its rows). Rows after the first ``H``
        are not used. None: the leads after each series' end repeat its last
        value, with a :class:`~skl_lstm.exceptions.MissingFutureWarning`.
    coverage : float or None, default=None
        Add the forecast interval of this nominal coverage (e.g. 0.9) as the
        columns ``lower`` and ``upper``, from the model's
        ``predict_interval`` (the recipe's conformal intervals, see
        ``docs/intervals.md``). None: point forecasts only.

    Returns
    -------
    pandas.DataFrame
        One row per series and step: ``series`` (panels only), ``time``,
        ``horizon`` and ``forecast`` (and ``lower``, ``upper`` with a
        ``coverage``). ``time`` is None where the index does not say what
        follows (an irregular or frequency-less index).

    Examples
    --------
    >>> import pandas as pd
    >>> from skl_lstm import DifferencedTargetRegressor, forecast
    >>> from skl_lstm.datasets import make_supervised
    >>> index = pd.MultiIndex.from_product([["a", "b"], range(6)], names=["series", "time"])
    >>> panel = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60]}, index=index)
    >>> X, y = make_supervised(panel, horizon=2, all_horizons=True)
    >>> forecast(DifferencedTargetRegressor().fit(X, y), panel).round(2)
      series  time  horizon  forecast
    0      a     6        1      9.43
    1      a     7        2     12.86
    2      b     6        1     77.84
    3      b     7        2     95.69

    With a ``coverage``, each forecast gets its interval (here from the
    residuals of rows the model was not fitted on, passed to ``calibrate``):

    >>> import numpy as np
    >>> series = pd.DataFrame({"y": 50 + np.cumsum(np.random.default_rng(0).normal(size=80))})
    >>> X, y = make_supervised(series, horizon=1)
    >>> model = DifferencedTargetRegressor().fit(X[:50], y[:50]).calibrate(X[50:], y[50:])
    >>> forecast(model, series, coverage=0.8).round(2)
       time  horizon  forecast  lower  upper
    0    80        1     60.14   58.3  61.97
    """
    intervals = coverage is not None
    if intervals:
        coverage = check_coverage(coverage, "forecast")
        if not hasattr(model, "predict_interval"):
            raise TypeError(
                f"forecast: coverage={coverage!r} needs a model with predict_interval (the recipe's "
                f"DifferencedTargetRegressor, LSTMRegressor); {type(model).__name__} has none. For a search, pass "
                "its best_estimator_."
            )
    if not is_panel(data) and not hasattr(data, "index"):
        raise TypeError(
            f"forecast: data must be a pandas Series or DataFrame (the labels of the forecast steps come "
            f"from its index), got {type(data).__name__}; wrap arrays with pd.DataFrame(values)."
        )
    n_observed = len(data)
    if future is not None:
        data = _with_future(model, data, future)  # data's rows first, then each series' future rows
    with warnings.catch_warnings():  # each series' first rows have no history: only its last row is read
        warnings.filterwarnings("ignore", message=r".*no observed time step.*", category=UserWarning)
        if future is not None:  # the appended rows' own leads are filled, but their forecasts are not read
            warnings.filterwarnings("ignore", category=MissingFutureWarning)
        if intervals and hasattr(model, "_predict_with_interval"):  # one forward pass for both
            predictions, bounds = model._predict_with_interval(data, coverage)
        else:
            predictions = model.predict(data)
            bounds = model.predict_interval(data, coverage=coverage) if intervals else None
        predictions = np.asarray(predictions, dtype=np.float64)
        bounds = None if bounds is None else np.asarray(bounds, dtype=np.float64)
    predictions = predictions.reshape(len(predictions), -1)
    if intervals:  # (rows, 2[, outputs]) -> lower and upper, (rows, outputs) each
        lower, upper = (bounds[:, k].reshape(predictions.shape) for k in (0, 1))
    if future is not None:  # back to the observed rows
        data, predictions = data.iloc[:n_observed], predictions[:n_observed]
    horizons = np.asarray(getattr(model, "horizons_", np.arange(1, predictions.shape[1] + 1)))
    if len(horizons) != predictions.shape[1]:
        raise ValueError(
            f"forecast: the model gives {predictions.shape[1]} forecasts per row but its horizons_ lists "
            f"{len(horizons)} ({horizons.tolist()}); refit it on make_supervised output."
        )
    if is_panel(data):
        panel = Panel.of(data, "forecast")
        ends = panel.order[panel.bounds[1:] - 1]  # each series' last row, as given
        times = [panel.time_index(k) for k in range(panel.n_series)]
        series = list(panel.series)
    else:
        ends, times, series = np.array([len(data) - 1]), [data.index], None
    rows = []
    for k, (end, index) in enumerate(zip(ends, times)):
        for j, (h, value) in enumerate(zip(horizons, predictions[end])):
            label = next_label(index, steps=int(h))
            rows.append(({"series": series[k]} if series is not None else {}) | {
                "time": label, "horizon": int(h), "forecast": float(value)
            } | ({"lower": float(lower[end, j]), "upper": float(upper[end, j])} if intervals else {}))
    return pd.DataFrame(rows)


def known_future_steps(model) -> list:
    """The fitted :class:`~skl_lstm.KnownFutureTransformer` steps inside ``model``.

    Looks through the fitted estimators a meta-estimator holds (``regressor_``,
    ``estimator_``, ``best_estimator_``) and a pipeline's steps.
    """
    from .preprocessing import KnownFutureTransformer

    found, todo = [], [model]
    while todo:
        est = todo.pop()
        if isinstance(est, KnownFutureTransformer):
            found.append(est)
            continue
        for attr in _INNER:
            inner = getattr(est, attr, None)
            if attr == "steps" and isinstance(inner, list):
                todo.extend(step for _, step in inner if hasattr(step, "fit"))
            elif inner is not None and attr != "steps" and hasattr(inner, "fit"):
                todo.append(inner)
    return found


def _with_future(model, data, future):
    """``data`` followed by each series' ``future`` rows (the known-future columns from ``future``, the others
    repeating the series' last row)."""
    steps = [s for s in known_future_steps(model) if s.columns_.size]
    if not steps:
        raise ValueError(
            "forecast: future= holds known-future covariates, but the model has no known-future step "
            "(KnownFutureTransformer with columns, e.g. recommended_pipeline(..., known_future=['promo'])); "
            "refit it with one, or drop future=."
        )
    names = []
    for step in steps:
        if getattr(step, "feature_names_in_", None) is None:
            raise ValueError(
                "forecast: future= needs the model's known-future columns by name, but its "
                "KnownFutureTransformer was fitted on an array; fit it on a DataFrame."
            )
        names += [n for n in step.feature_names_in_[step.columns_] if n not in names]
    needed = max(step.horizon_ for step in steps)
    if not isinstance(future, pd.DataFrame):
        raise TypeError(
            f"forecast: future must be a pandas DataFrame of the known-future columns {names} indexed like data, "
            f"got {type(future).__name__}."
        )
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"forecast: with future=, data must be a pandas DataFrame holding the model's columns (the known-future "
            f"ones {names} among them), got {type(data).__name__}."
        )
    missing = [n for n in names if n not in future.columns]
    extra = [c for c in future.columns if c not in names]
    if missing or extra:
        problem = (f"lacks {missing}" if missing else "") + (" and " if missing and extra else "") + (
            f"has {extra}, whose future the model does not take as known" if extra else "")
        raise ValueError(
            f"forecast: future {problem}; pass exactly the known-future columns {names} "
            f"(e.g. future[{names}])."
        )
    values = future[names].to_numpy(dtype=np.float64, na_value=np.nan) if len(future) else np.zeros((0, len(names)))
    bad = np.argwhere(~np.isfinite(values))
    if bad.size:
        row, col = bad[0]
        raise ValueError(
            f"forecast: future[{names[col]!r}] is {float(values[row, col])!r} at {_plain(future.index[row])!r}; "
            "known-future values must be finite. Fill them."
        )
    if is_panel(data) != is_panel(future):
        want = "a panel indexed by (series, time), as data is" if is_panel(data) else "indexed by time, as data is"
        raise ValueError(f"forecast: future must be {want}; got a {type(future.index).__name__}.")
    if is_panel(data):
        panel, ahead = Panel.of(data, "forecast"), Panel.of(future, "forecast (future)")
        unknown = [s for s in ahead.series if s not in set(panel.series)]
        if unknown:
            raise ValueError(f"forecast: future has rows for series {unknown[:10]} that data does not hold; drop them.")
        where = {s: j for j, s in enumerate(ahead.series)}
        ends = [(s, panel.time_index(k), panel.order[panel.bounds[k + 1] - 1]) for k, s in enumerate(panel.series)]
    else:  # one series, its rows in time order (as data's)
        ahead = Panel(np.arange(len(future)), pd.Index([None]), np.array([0, len(future)]), future.index)
        where, ends = {None: 0}, [(None, data.index, len(data) - 1)]
    blocks = [data]
    for series, times, end in ends:
        j = where.get(series)
        rows = ahead.order[ahead.bounds[j] : ahead.bounds[j + 1]] if j is not None else np.zeros(0, dtype=np.intp)
        given = list(ahead.times[ahead.bounds[j] : ahead.bounds[j + 1]]) if j is not None else []
        label = "" if series is None else f" of series {series!r}"
        expected = [next_label(times, steps=h) for h in range(1, max(needed, len(given)) + 1)]
        if expected[0] is None:
            raise ValueError(
                f"forecast: cannot tell which times follow the end{label} (its time index has no regular step or "
                "frequency), so future= cannot be placed after it; give data a regular time index."
            )
        if len(given) < needed:
            raise ValueError(
                f"forecast: future has {len(given)} row(s){label}; the model leads its known-future columns "
                f"{needed} steps, so it needs the {needed} steps after the end: {_shown(expected[:needed])}."
            )
        if given != expected[: len(given)]:
            raise ValueError(
                f"forecast: future's times{label} must be the steps right after its end, "
                f"{_shown(expected[: len(given)])}; got {_shown(given)}."
            )
        # the appended rows repeat the series' last row, except for the known-future columns
        block = data.iloc[np.repeat(end, len(given))].copy()
        for name in names:
            block[name] = future[name].to_numpy(dtype=np.float64)[rows]
        block.index = (
            pd.MultiIndex.from_arrays([[series] * len(given), given], names=data.index.names)
            if series is not None
            else pd.Index(given, name=data.index.name)
        )
        blocks.append(block)
    extended = pd.concat(blocks)
    extended.attrs = dict(data.attrs)
    return extended


def _plain(label):
    """An index label with NumPy scalars as the Python values they hold, for messages."""
    if isinstance(label, tuple):
        return tuple(_plain(v) for v in label)
    return label.item() if isinstance(label, np.generic) else label


def _shown(labels) -> str:
    labels = [_plain(v) for v in labels]
    return repr(labels[:5])[:-1] + (", ...]" if len(labels) > 5 else "]")


__all__ = ["forecast", "known_future_steps"]
