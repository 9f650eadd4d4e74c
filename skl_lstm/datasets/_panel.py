"""A small bundled panel: 20 weekly series from the M4 competition."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["load_m4_weekly_sample"]


def load_m4_weekly_sample() -> pd.DataFrame:
    """Load 20 weekly series of the M4 competition as a panel indexed by (series, time).

    The series are the first 20, in id order, of the 31 M4 Weekly series
    with 260 to 400 training observations (``W57`` .. ``W186``; 275 to 379
    weeks each, so the panel is ragged). Only the competition's training part
    ships; the 13 test weeks of each series are not included. Values are
    unchanged. Nothing is downloaded.

    Source: the M4 competition (Mcompetitions/M4-methods,
    ``Dataset/Train/Weekly-train.csv``); cite S. Makridakis, E. Spiliotis and
    V. Assimakopoulos, "The M4 Competition: 100,000 time series and 61
    forecasting methods", International Journal of Forecasting 36(1), 2020.
    Licence: the organisers publish the data openly for research use; the
    Monash Time Series Forecasting Archive (Godahewa et al., 2021)
    redistributes the M4 data under CC BY 4.0.

    Returns
    -------
    pandas.DataFrame
        7 114 rows, one float column ``"y"``, indexed by a two-level
        MultiIndex ``(series, time)``: ``series`` is the M4 id (str) and
        ``time`` counts each series' weeks from 0 (M4 gives no dates).

    See Also
    --------
    skl_lstm.metrics.m4_score : scores panel forecasts by M4's rules.
    skl_lstm.model_selection.PanelTimeSeriesSplit : cross-validation folds for panels.

    Examples
    --------
    >>> from skl_lstm.datasets import load_m4_weekly_sample
    >>> panel = load_m4_weekly_sample()
    >>> panel.shape, list(panel.index.names)
    ((7114, 1), ['series', 'time'])
    >>> panel.groupby(level="series").size().agg(["count", "min", "max"]).tolist()
    [20, 275, 379]
    >>> float(panel.loc[("W57", 0), "y"])
    1950.0
    """
    with resources.files("skl_lstm.datasets").joinpath("data/m4_weekly_sample.csv.gz").open("rb") as fh:
        frame = pd.read_csv(fh, compression="gzip", dtype={"series": str, "time": np.int64, "y": np.float64})
    return frame.set_index(["series", "time"])
