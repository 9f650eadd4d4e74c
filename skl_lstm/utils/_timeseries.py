"""Time-series facts, each written once: the rest of the package calls these.

- **The supervised layout.** :func:`~skl_lstm.datasets.make_supervised`
  records the target column and the horizon(s) in ``X.attrs`` and
  ``y.attrs`` (:func:`record_supervised`, :func:`supervised_record`); pandas
  keeps ``attrs`` through row selection, so the record survives
  cross-validation splits. Nothing parses ``<target>_t+<h>`` names.
- **The reference column** (the target's current value in ``X``):
  ``reference="auto"`` is the recorded target column, else column 0
  (:func:`resolve_reference`, :func:`reference_values`).
- **The time-order rule**: rows whose index runs backwards, or an integer
  index that skips labels in more than a few rows, are what a shuffled split
  leaves (:func:`time_order_problem`, :func:`warn_if_not_time_ordered`).
- **The default window**: two seasons, else 12 (:func:`default_window`).
- **The season length** of a series: from its index frequency, else from the
  autocorrelation of its changes (:func:`infer_seasonal_period`).
- **The time-ordered split** for a horizon: ``TimeSeriesSplit`` with
  ``gap = horizon - 1`` (:func:`default_splitter`).
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._history import index_freq, index_of
from ._validation import column_position
from ._warnings import user_stacklevel

#: Key of the record :func:`record_supervised` writes into ``X.attrs`` and ``y.attrs``.
SUPERVISED_KEY = "skl_lstm_supervised"

#: Window length when no season is known.
DEFAULT_WINDOW = 12

#: An integer index counts as shuffled when more than this share of its steps (and more than 2) are irregular.
SKIPPED_SHARE = 0.1

#: Season length implied by a pandas frequency (its base code, without anchors).
_FREQ_SEASONS = {"MS": 12, "M": 12, "ME": 12, "BMS": 12, "BM": 12, "BME": 12, "QS": 4, "Q": 4, "QE": 4,
                 "BQS": 4, "BQ": 4, "BQE": 4, "W": 52, "D": 7, "B": 5, "h": 24, "H": 24, "bh": 8, "BH": 8}


# --------------------------------------------------------------------------- the supervised layout
def record_supervised(X, y, *, target, horizons) -> None:
    """Record the target column and horizons of a supervised ``(X, y)`` in their ``attrs`` (in place).

    Parameters
    ----------
    X : pandas.DataFrame
        The observed columns at ``t``.
    y : pandas.Series or pandas.DataFrame
        The target at ``t + h`` for each recorded horizon.
    target : str
        The column of ``X`` the target is taken from.
    horizons : sequence of int
        The horizon of each column of ``y`` (one for a Series).
    """
    record = {"target": target, "horizons": [int(h) for h in horizons]}
    for obj in (X, y):
        obj.attrs = {**obj.attrs, SUPERVISED_KEY: dict(record)}


def supervised_record(*objects) -> dict | None:
    """The record :func:`~skl_lstm.datasets.make_supervised` left on ``X`` or ``y``, or None.

    Parameters
    ----------
    *objects : array-like
        ``X``, ``y`` or both; the first pandas object carrying a record wins.

    Returns
    -------
    dict or None
        ``{"target": <column of X>, "horizons": [h, ...]}``.

    Examples
    --------
    >>> import pandas as pd
    >>> from skl_lstm.datasets import make_supervised
    >>> from skl_lstm.utils import supervised_record
    >>> X, y = make_supervised(pd.DataFrame({"a": range(6), "b": range(6)}), horizon=2, target="b")
    >>> supervised_record(X.iloc[1:3])  # row selection keeps it
    {'target': 'b', 'horizons': [2]}
    """
    for obj in objects:
        record = getattr(obj, "attrs", {}).get(SUPERVISED_KEY) if isinstance(obj, pd.Series | pd.DataFrame) else None
        if record is not None:
            return record
    return None


# --------------------------------------------------------------------------- the reference column
def _name_nonfinite(value) -> str:
    return "NaN" if np.isnan(value) else ("inf" if value > 0 else "-inf")


def resolve_reference(X, reference, caller: str) -> int:
    """Position of the column of ``X`` holding the target's current value.

    ``"auto"`` is the target column :func:`~skl_lstm.datasets.make_supervised`
    recorded on ``X``, else column 0; a position or a column name is checked
    against ``X``. For 3-D ``X`` (samples, steps, features) the position is
    one of the features.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or (n_samples, steps, features)
        The inputs.
    reference : "auto", int or str
        The column, as the user gave it.
    caller : str
        Who asks, for error messages.

    Returns
    -------
    int
        The column position.

    Examples
    --------
    >>> import pandas as pd
    >>> from skl_lstm.datasets import make_supervised
    >>> X, y = make_supervised(pd.DataFrame({"a": [1.0, 2, 3], "b": [4.0, 5, 6]}), target="b")
    >>> resolve_reference(X, "auto", "example"), resolve_reference(X.to_numpy(), "auto", "example")
    (1, 0)
    """
    if isinstance(reference, str) and reference == "auto":
        record = supervised_record(X)
        columns = list(getattr(X, "columns", []))
        if record is not None and record["target"] in columns:
            return columns.index(record["target"])
        return 0
    shape = np.shape(X)
    view = X if len(shape) != 3 else np.empty(shape[::2])  # 3-D: positions index the features
    return column_position(view, reference, "reference", caller)


def reference_values(X, position: int, caller: str, *, finite: bool = True) -> np.ndarray:
    """The reference column of 2-D ``X`` (last time step of 3-D ``X``) as float64.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features) or (n_samples, steps, features)
        The inputs.
    position : int
        Column position, from :func:`resolve_reference`.
    caller : str
        Who asks, for error messages.
    finite : bool, default=True
        Refuse a NaN or infinite value (a forecast adds the change to it).

    Returns
    -------
    ndarray of shape (n_samples,)
        The target's current value per row.

    Examples
    --------
    >>> import numpy as np
    >>> reference_values(np.array([[1.0, 5.0], [2.0, 6.0]]), 1, "example")
    array([5., 6.])
    """
    arr = np.asarray(X)
    if arr.ndim not in (2, 3):
        raise ValueError(
            f"{caller} needs 2-D X (samples, columns) or 3-D X (samples, steps, features), "
            f"got an array with {arr.ndim} dimension(s); reshape a single series with X.reshape(-1, 1)."
        )
    values = np.asarray(arr[:, -1, position] if arr.ndim == 3 else arr[:, position], dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values)) if finite else ()
    if len(bad):
        raise ValueError(
            f"{caller}: the reference column (position {position}) is {_name_nonfinite(values[bad[0]])} "
            f"at row {int(bad[0])}; the last observed level must be finite. Fill gaps first (e.g. "
            "series.interpolate())."
        )
    return values


# --------------------------------------------------------------------------- the time-order rule
@dataclass(frozen=True)
class TimeOrderProblem:
    """Rows of a pandas object that are not consecutive time steps (see :func:`time_order_problem`).

    Parameters
    ----------
    kind : {"decreases", "skips"}
        The index runs backwards, or an integer index skips labels.
    first_row : int
        The first row where it happens.
    n_rows : int
        How many consecutive pairs of rows are out of order.
    n_steps : int
        How many consecutive pairs there are.
    detail : str
        The labels (``"(5 -> 2)"``) or steps (``"(steps of 1 and 3)"``) at ``first_row``.
    """

    kind: str
    first_row: int
    n_rows: int
    n_steps: int
    detail: str

    def describe(self, subject: str = "its index") -> str:
        """One phrase, e.g. ``"its index decreases at row 3 (5 -> 2), 7 of 39 rows"``.

        Parameters
        ----------
        subject : str, default="its index"
            How the phrase names the index.

        Returns
        -------
        str
        """
        if self.kind == "decreases":
            what = f"{subject} decreases"
        else:
            what = subject.replace("index", "integer index") + " skips labels"
        return f"{what} at row {self.first_row} {self.detail}, {self.n_rows} of {self.n_steps} rows"


def time_order_problem(X) -> TimeOrderProblem | None:
    """Check that the rows of a pandas ``X`` are consecutive time steps, as a shuffled split leaves them not.

    The index must not decrease; an integer index must keep one step, except
    in at most 2 rows or a tenth of them (rows dropped for gaps). Arrays carry
    no index and are not checked.

    Parameters
    ----------
    X : array-like
        The rows, oldest first.

    Returns
    -------
    TimeOrderProblem or None
        None when the rows are in order (or cannot be checked).

    Examples
    --------
    >>> import pandas as pd
    >>> time_order_problem(pd.Series([1.0, 2, 3], index=[0, 2, 1])).describe()
    'its index decreases at row 2 (2 -> 1), 1 of 2 rows'
    >>> time_order_problem(pd.Series([1.0, 2, 3], index=[0, 1, 2])) is None
    True
    """
    index = index_of(X)
    if index is None or len(index) < 2:
        return None
    try:
        values = index.to_numpy()
        back = np.flatnonzero(values[1:] < values[:-1])
    except TypeError:
        return None
    n_steps = len(index) - 1
    if back.size:
        row = int(back[0]) + 1
        return TimeOrderProblem("decreases", row, int(back.size), n_steps, f"({index[row - 1]!s} -> {index[row]!s})")
    if pd.api.types.is_integer_dtype(index.dtype) and len(index) >= 3:
        steps = np.diff(values)
        usual = np.median(steps)
        irregular = np.flatnonzero(steps != usual)
        if irregular.size > max(2, SKIPPED_SHARE * n_steps):
            row = int(irregular[0]) + 1
            return TimeOrderProblem("skips", row, int(irregular.size), n_steps,
                                    f"(steps of {usual:g} and {steps[row - 1]:g})")
    return None


def warn_if_not_time_ordered(X, caller: str) -> None:
    """Warn (:class:`~skl_lstm.exceptions.TimeOrderWarning`) when :func:`time_order_problem` finds a problem."""
    problem = time_order_problem(X)
    if problem is None:
        return
    from ..exceptions import TimeOrderWarning

    warnings.warn(
        f"{caller}: the rows of X are not consecutive time steps: {problem.describe()}. Windows would join "
        "time steps that are not adjacent, as after a shuffled split (train_test_split("
        "shuffle=True), ShuffleSplit, KFold(shuffle=True)). Keep time order: split with "
        "sklearn.model_selection.TimeSeriesSplit.",
        TimeOrderWarning,
        stacklevel=user_stacklevel(),
    )


# --------------------------------------------------------------------------- window, season, split
def default_window(seasonal_period=None) -> int:
    """The lag window used when none is given: two seasons, else 12.

    Parameters
    ----------
    seasonal_period : int or None, default=None
        Season length.

    Returns
    -------
    window : int
        Steps per window.

    Examples
    --------
    >>> from skl_lstm.utils import default_window
    >>> default_window(12), default_window(None)
    (24, 12)
    """
    return 2 * int(seasonal_period) if seasonal_period else DEFAULT_WINDOW


def seasonal_period_and_source(values, index=None) -> tuple[int | None, str]:
    """:func:`infer_seasonal_period`, with a phrase saying where the answer came from."""
    if isinstance(index, pd.DatetimeIndex | pd.PeriodIndex) and len(index) >= 3:
        freq = index_freq(index)
        if freq:
            base = re.sub(r"^\d+", "", freq.split("-")[0])
            if base in _FREQ_SEASONS:
                return _FREQ_SEASONS[base], f"index frequency {freq!r}"
    values = np.asarray(values, dtype=np.float64)
    z = np.diff(values[np.isfinite(values)])
    n = z.size
    if n < 12:
        return None, "none (series too short)"
    z = z - z.mean()
    denom = float(np.dot(z, z))
    if denom == 0:
        return None, "none (constant series)"
    max_lag = min(n // 3, 60)
    # lags 1..max_lag; statsmodels' acf would give the same but fit and tune must not need statsmodels
    acf = np.correlate(z, z, mode="full")[n : n + max_lag] / denom
    threshold = max(0.3, 3 / np.sqrt(n))
    for k in range(2, max_lag - 1):
        # the first clear local peak is the season (its multiples peak too)
        if acf[k - 1] > threshold and acf[k - 1] >= acf[k - 2] and acf[k - 1] >= acf[k]:
            return k, f"autocorrelation peak at lag {k} ({acf[k - 1]:.2f})"
    return None, "none (no seasonal autocorrelation)"


def infer_seasonal_period(series, index=None) -> int | None:
    """Season length of a series: from its index frequency, else the autocorrelation of its changes.

    A monthly index gives 12, quarterly 4, weekly 52, daily 7, hourly 24.
    Without a frequency, the first clear peak (above 0.3) of the
    autocorrelation of the differenced series is the season.

    Parameters
    ----------
    series : pandas.Series or array-like of shape (n_samples,)
        The series, oldest first; a Series brings its index.
    index : pandas.Index or None, default=None
        The time index, for arrays.

    Returns
    -------
    int or None
        None when neither shows a season.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_lstm.datasets import load_airline
    >>> from skl_lstm.utils import infer_seasonal_period
    >>> infer_seasonal_period(load_airline())
    12
    >>> infer_seasonal_period(np.sin(2 * np.pi * np.arange(60) / 6))
    6
    """
    if index is None:
        index = index_of(series)
    return seasonal_period_and_source(series, index)[0]


def default_splitter(n_samples: int, horizon: int = 1, seasonal_period=None, n_splits: int = 3):
    """``TimeSeriesSplit`` for a forecast ``horizon`` steps ahead: test folds of a sixth of the data.

    Each test fold holds at least a season; ``gap = horizon - 1``, so the last
    training target is observed no later than the first forecast origin of
    the test fold and no training target lies in the test period. Folds
    shrink (and their number falls) until the first training fold keeps at
    least 10 rows.

    Parameters
    ----------
    n_samples : int
        Rows of ``X``.
    horizon : int, default=1
        Steps between ``X`` and ``y``.
    seasonal_period : int or None, default=None
        Season length.
    n_splits : int, default=3
        Folds wanted.

    Returns
    -------
    sklearn.model_selection.TimeSeriesSplit

    Examples
    --------
    >>> from skl_lstm.utils import default_splitter
    >>> default_splitter(120, horizon=3, seasonal_period=12)
    TimeSeriesSplit(gap=2, max_train_size=None, n_splits=3, test_size=20)
    """
    from sklearn.model_selection import TimeSeriesSplit

    test_size = max(int(seasonal_period or 1), n_samples // (2 * n_splits), 2)
    gap = max(int(horizon) - 1, 0)
    while n_splits > 1 and n_samples - n_splits * test_size - gap < max(test_size, 10):
        test_size = max(2, math.floor(test_size * 0.8))
        if test_size == 2:
            n_splits -= 1
    return TimeSeriesSplit(n_splits=n_splits, test_size=test_size, gap=gap)


__all__ = [
    "DEFAULT_WINDOW",
    "SUPERVISED_KEY",
    "TimeOrderProblem",
    "default_splitter",
    "default_window",
    "infer_seasonal_period",
    "record_supervised",
    "reference_values",
    "resolve_reference",
    "seasonal_period_and_source",
    "supervised_record",
    "time_order_problem",
    "warn_if_not_time_ordered",
]
