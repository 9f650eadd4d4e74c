"""forecast: the next steps of every series after its last observation, as a tidy DataFrame."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .utils._history import next_label
from .utils._panel import Panel, is_panel


def forecast(model, data) -> pd.DataFrame:
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

    Returns
    -------
    pandas.DataFrame
        One row per series and step: ``series`` (panels only), ``time``,
        ``horizon`` and ``forecast``. ``time`` is None where the index does
        not say what follows (an irregular or frequency-less index).

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
    """
    with warnings.catch_warnings():  # each series' first rows have no history: only its last row is read
        warnings.filterwarnings("ignore", message=r".*no observed time step.*", category=UserWarning)
        predictions = np.asarray(model.predict(data), dtype=np.float64)
    predictions = predictions.reshape(len(predictions), -1)
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
        if not hasattr(data, "index"):
            raise TypeError(
                f"forecast: data must be a pandas Series or DataFrame (the labels of the forecast steps come "
                f"from its index), got {type(data).__name__}; wrap arrays with pd.DataFrame(values)."
            )
        ends, times, series = np.array([len(data) - 1]), [data.index], None
    rows = []
    for k, (end, index) in enumerate(zip(ends, times)):
        for h, value in zip(horizons, predictions[end]):
            label = next_label(index, steps=int(h))
            rows.append(({"series": series[k]} if series is not None else {}) | {
                "time": label, "horizon": int(h), "forecast": float(value)
            })
    return pd.DataFrame(rows)


__all__ = ["forecast"]
