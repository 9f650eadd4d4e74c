"""forecast_dask: :func:`skl_lstm.forecast` on every partition of a Dask panel, the model shipped once."""

from __future__ import annotations

import uuid

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from .._forecast import forecast
from ._panel import SERIES, TIME, _dask_dataframe, check_columns


def _forecast_partition(part: pd.DataFrame, model, empty: pd.DataFrame) -> pd.DataFrame:
    """The forecasts of the series in one partition."""
    if len(part) == 0:
        return empty
    return forecast(model, part.set_index([SERIES, TIME]))


def _series_ids(forecasts: pd.DataFrame) -> np.ndarray:
    """The series one partition forecast, each once."""
    return pd.unique(forecasts[SERIES])


def _check_whole_series(ids_per_partition) -> bool:
    """Refuse a series forecast in more than one partition (its rows were split)."""
    seen = {}
    for k, ids in enumerate(ids_per_partition):
        for series in ids:
            if series in seen:
                raise ValueError(
                    f"forecast_dask: series {series!r} has rows in partitions {seen[series]} and {k}; every "
                    "series must lie whole in one partition, as its windows and differences need its whole "
                    f"history. Partition the frame by series first: ddf.shuffle(on={SERIES!r}), or build it "
                    "with skl_lstm.dask.to_dask_panel(panel, npartitions)."
                )
            seen[series] = k
    return True


def _checked(forecasts: pd.DataFrame, ok: bool) -> pd.DataFrame:
    """A partition's forecasts, released once the check of every partition passed."""
    return forecasts


def forecast_dask(model, ddf, *, check_partitions=True):
    """Forecast the steps after the end of every series of a Dask panel, partition by partition.

    The Dask counterpart of :func:`skl_lstm.forecast`, for panels too large
    for one machine or forecasts wanted faster than one process gives them:
    each partition is forecast as the in-memory panel of its series, on
    whichever worker holds it. The fitted model enters the task graph once
    (not once per partition), so each worker receives it once; a Dask
    worker sizes TensorFlow's threads to its own before it reads the
    network. Nothing is computed until you ask (``.compute()``,
    ``.to_parquet(...)``).

    Parameters
    ----------
    model : estimator
        The fitted model, as for :func:`skl_lstm.forecast` (a model fitted
        on :func:`~skl_lstm.datasets.make_supervised` output, e.g.
        :func:`~skl_lstm.recommended_pipeline` with ``all_horizons=True``).
    ddf : dask.dataframe.DataFrame
        The observed rows up to now in the Dask panel format: the columns
        ``series`` and ``time``, then the columns the model was fitted on,
        every series whole in one partition (:func:`to_dask_panel` builds
        one; ``ddf.shuffle(on="series")`` repartitions any frame so).
    check_partitions : bool, default=True
        Check, as part of the computation, that no series is split across
        partitions, and fail with a message naming the series if one is
        (a split series would be forecast from part of its history). The
        check reads the forecasts' series ids, and holds every partition's
        forecasts until all are done; switch it off for a frame partitioned
        by series by construction.

    Returns
    -------
    dask.dataframe.DataFrame
        One row per series and step: ``series``, ``time``, ``horizon`` and
        ``forecast``, as :func:`skl_lstm.forecast` gives them, partition by
        partition (each partition's rows in series order, indexed from 0).
        The forecasts equal the in-memory ones bit for bit, whatever the
        partitioning: a series' forecast does not depend on the series
        predicted beside it.

    Raises
    ------
    ValueError
        At ``compute()``, when ``check_partitions`` finds a series split
        across partitions.

    See Also
    --------
    skl_lstm.forecast : the same forecasts, in memory.
    to_dask_panel : an in-memory panel in the Dask panel format.

    Examples
    --------
    >>> import pandas as pd
    >>> from skl_lstm import DifferencedTargetRegressor
    >>> from skl_lstm.dask import forecast_dask, to_dask_panel
    >>> from skl_lstm.datasets import make_supervised
    >>> index = pd.MultiIndex.from_product([["a", "b"], range(6)], names=["series", "time"])
    >>> panel = pd.DataFrame({"y": [1.0, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60]}, index=index)
    >>> model = DifferencedTargetRegressor().fit(*make_supervised(panel, horizon=2, all_horizons=True))
    >>> forecasts = forecast_dask(model, to_dask_panel(panel, npartitions=2))
    >>> forecasts.compute().round(2)  # on a cluster: with distributed.Client(...) active
      series  time  horizon  forecast
    0      a     6        1      9.43
    1      a     7        2     12.86
    0      b     6        1     77.84
    1      b     7        2     95.69
    """
    dd = _dask_dataframe("forecast_dask")
    import dask

    check_columns(ddf, "forecast_dask")
    check_is_fitted(model)
    if not isinstance(check_partitions, bool):
        raise TypeError(f"forecast_dask: check_partitions={check_partitions!r} must be True or False.")
    empty = pd.DataFrame({
        SERIES: pd.Series(dtype=ddf[SERIES].dtype),
        TIME: pd.Series(dtype=ddf[TIME].dtype),
        "horizon": pd.Series(dtype=np.int64),
        "forecast": pd.Series(dtype=np.float64),
    })
    # one key holds the model: the workers fetch it once each, not once per partition
    shipped = dask.delayed(model, name=f"skl_lstm-model-{uuid.uuid4().hex}", traverse=False)
    forecasts = [dask.delayed(_forecast_partition)(part, shipped, empty) for part in ddf.to_delayed()]
    if check_partitions:
        # on the forecasts, not the input: each partition's rows are released as soon as it is forecast
        ok = dask.delayed(_check_whole_series)([dask.delayed(_series_ids)(f) for f in forecasts])
        forecasts = [dask.delayed(_checked)(f, ok) for f in forecasts]
    return dd.from_delayed(forecasts, meta=empty, verify_meta=False)


__all__ = ["forecast_dask"]
