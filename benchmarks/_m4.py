"""M4 Weekly as panels: the competition's training and test files, and a validation split.

The data ship in ``benchmarks/data/m4_weekly/`` (see its README for the source,
the paper and the terms). Every panel here is a pandas DataFrame with one
column ``"y"`` and a two-level MultiIndex ``(series, time)``: ``series`` is
the competition's id (``"W1"`` .. ``"W359"``) and ``time`` an integer that
counts the series' observations from 0. The test panel continues each
series' training times (``n .. n + 12`` for a series of ``n`` training points).

>>> from benchmarks._m4 import load_m4_weekly
>>> data = load_m4_weekly("validation")
>>> data.horizon, list(data.train.index.names), data.test.groupby(level=0).size().unique().tolist()
(13, ['series', 'time'], [13])
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "m4_weekly")
#: M4's forecast horizon for weekly data.
HORIZON = 13
#: M4's frequency of weekly data (MASE's m, Naive2's seasonal period).
SEASONAL_PERIOD = 1
SPLITS = ("validation", "test")


@dataclass(frozen=True)
class M4Split:
    """A training panel and the ``horizon`` held-out points of each series after it."""

    name: str
    train: pd.DataFrame
    test: pd.DataFrame
    horizon: int = HORIZON
    seasonal_period: int = SEASONAL_PERIOD


def _wide_to_panel(path: str, start: dict[str, int] | None = None) -> pd.DataFrame:
    """The competition's wide CSV (id, then ragged values) as a (series, time) panel."""
    wide = pd.read_csv(path, index_col=0)
    long = wide.stack().dropna().rename("y")  # the ragged tails are NaN in the wide file
    series = long.index.get_level_values(0)
    time = long.groupby(level=0, sort=False).cumcount().to_numpy()
    if start is not None:
        time = time + np.array([start[s] for s in series])
    index = pd.MultiIndex.from_arrays([series, time], names=["series", "time"])
    return pd.DataFrame({"y": long.to_numpy(dtype=np.float64)}, index=index)


def load_m4_weekly(split: str = "test") -> M4Split:
    """Load M4 Weekly as panels for one of two evaluations.

    Parameters
    ----------
    split : {"test", "validation"}, default="test"
        ``"test"``: train on Weekly-train, score on Weekly-test (the
        competition's table; use for the final figures only).
        ``"validation"``: the last 13 points of every Weekly-train series are
        held out and the rest is the training panel (for choosing defaults).

    Returns
    -------
    M4Split
        ``train`` and ``test`` panels (column ``"y"``), the horizon (13) and
        the seasonal period (1).
    """
    if split not in SPLITS:
        raise ValueError(
            f"split={split!r} is not one of {SPLITS}; 'validation' for choosing defaults, 'test' for the final table."
        )
    train = _wide_to_panel(os.path.join(DATA_DIR, "Weekly-train.csv.gz"))
    if split == "validation":
        held_out = train.groupby(level=0, sort=False).cumcount(ascending=False).to_numpy() < HORIZON
        return M4Split(split, train[~held_out], train[held_out])
    lengths = train.groupby(level=0, sort=False).size().to_dict()
    test = _wide_to_panel(os.path.join(DATA_DIR, "Weekly-test.csv.gz"), start=lengths)
    return M4Split(split, train, test)


def load_anchors() -> pd.DataFrame:
    """The competition's published Weekly scores (sMAPE, MASE, OWA, MSIS_95, ACD_95), one row per method."""
    return pd.read_csv(os.path.join(DATA_DIR, "anchors.csv"), index_col="method")
