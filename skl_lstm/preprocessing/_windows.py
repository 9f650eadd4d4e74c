"""WindowTransformer: lag windows and differencing that keep every row."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from numpy.lib.stride_tricks import as_strided
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from ..utils._history import index_of, next_label_of, steps_after
from ..utils._panel import Panel, is_panel
from ..utils._timeseries import warn_if_not_time_ordered
from ..utils._validation import check_numeric_columns, column_position


def difference(X: np.ndarray, diff: int = 0, seasonal_period: int | None = None, seasonal_diff: int = 0) -> np.ndarray:
    """Difference the rows of ``X``; rows without enough history become NaN.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The series, oldest row first.
    diff : int, default=0
        Order of ordinary differencing, ``x[t] - x[t-1]`` applied ``diff`` times.
    seasonal_period : int or None, default=None
        Lag of the seasonal difference ``x[t] - x[t-m]``.
    seasonal_diff : int, default=0
        How many seasonal differences to apply.

    Returns
    -------
    ndarray of shape (n_samples, n_features)
        The differenced series, with its first
        ``diff + seasonal_diff * seasonal_period`` rows set to NaN.

    Examples
    --------
    >>> import numpy as np
    >>> difference(np.array([[1.0], [4.0], [9.0], [16.0]]), diff=1).ravel()
    array([nan,  3.,  5.,  7.])
    """
    out = np.asarray(X)
    lags = [1] * diff + [seasonal_period] * (seasonal_diff if seasonal_period else 0)
    for lag in lags:
        shifted = np.full_like(out, np.nan)
        shifted[lag:] = out[lag:] - out[:-lag]
        out = shifted
    return out


def lag_matrix(Z: np.ndarray, window: int) -> np.ndarray:
    """Row ``t`` holds rows ``t - window + 1`` to ``t`` of ``Z``, oldest first, time-major.

    The result has ``window * n_features`` columns ordered
    ``[z0(t-w+1), z1(t-w+1), ..., z0(t), z1(t)]`` so that
    ``out.reshape(n, window, n_features)`` recovers the sequence without a copy.
    Rows without full history are NaN where history is missing.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
        The series, oldest row first; a float dtype (the missing history is NaN).
    window : int
        Time steps per output row.

    Returns
    -------
    ndarray of shape (n_samples, window * n_features)
        The windows, time-major within each row.
    """
    n, k = Z.shape
    padded = np.empty((n + window - 1, k), dtype=Z.dtype)
    padded[: window - 1] = np.nan
    padded[window - 1 :] = Z
    # In a C-contiguous (time, feature) array, the window ending at t is one
    # contiguous run of window * k values starting at row t: a strided view
    # with a row stride of one time step, then a single copy.
    view = as_strided(padded, shape=(n, window * k), strides=(padded.strides[0], padded.strides[1]), writeable=False)
    return view.copy()


class WindowTransformer(TransformerMixin, BaseEstimator):
    """Turn a series into lag windows, one output row per input row.

    Row ``t`` of the output holds the values of every input column over the
    last ``window`` time steps ending at ``t``, oldest to newest, optionally
    differenced first. No row is dropped, so the transformer works inside
    :class:`~sklearn.pipeline.Pipeline`, :func:`~sklearn.model_selection.cross_val_score`
    and :class:`~sklearn.model_selection.GridSearchCV`. Entries without enough
    history are NaN, never zero: :class:`~skl_lstm.LSTMRegressor` masks them.
    A NaN in ``X`` (a gap) stays NaN in every window and difference that uses
    it, and is masked the same way; infinite values are refused.

    Parameters
    ----------
    window : int, default=12
        Number of time steps in each window (the LSTM's sequence length).
    diff : int, default=0
        Order of ordinary differencing applied before windowing: 1 turns levels
        into changes ``x[t] - x[t-1]``, which removes a trend.
    seasonal_period : int or None, default=None
        Season length for seasonal differencing (12 for monthly data with a
        yearly cycle). Required when ``seasonal_diff > 0``.
    seasonal_diff : int, default=0
        Number of seasonal differences ``x[t] - x[t - seasonal_period]``.
    undifferenced : list of str or int, or None, default=None
        Columns (names, or positions for arrays) windowed as they are, not
        differenced: static covariates or indicators, whose changes would be
        zero or carry nothing. Their values at the start of a series are kept.
    carry_over : bool, default=True
        If True and ``X`` is a pandas object whose index continues the index
        seen in ``fit`` (the next integer, date or period), the rows seen in
        ``fit`` serve as history for the first windows of ``X``. The test fold
        of a :class:`~sklearn.model_selection.TimeSeriesSplit` then has full
        windows. Rows that start later on the same time grid (the ``gap`` of
        a split) are carried over too, with the missing steps between as NaN
        (masked). Only past rows are used, so nothing leaks from the future.

    Attributes
    ----------
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Input column names, when ``X`` has string column names.
    undifferenced_ : ndarray of int
        Positions of the ``undifferenced`` columns.
    n_warmup_ : int
        Number of leading output rows with incomplete history:
        ``window - 1 + diff + seasonal_diff * seasonal_period``.
    last_window_ : ndarray of shape (`n_warmup_`, `n_features_in_`)
        The last rows seen in ``fit``, carried over when ``X`` continues them.

    See Also
    --------
    skl_lstm.LSTMRegressor : Reads the windows as ``(samples, window, features)``.
    skl_lstm.DifferencedTargetRegressor : Differences the target, with exact inversion.

    Notes
    -----
    Output columns are named ``<column>_lag<k>`` (``k`` steps back) in
    time-major order, with ``_d<diff>`` / ``_sd<period>`` added to the column
    name when differenced. The transform is one strided view and one copy;
    there is no Python loop over rows.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_lstm import WindowTransformer
    >>> WindowTransformer(window=2).fit_transform(np.arange(4.0).reshape(-1, 1))
    array([[nan,  0.],
           [ 0.,  1.],
           [ 1.,  2.],
           [ 2.,  3.]])
    >>> WindowTransformer(window=2, diff=1).fit_transform(np.array([[1.0], [4.0], [9.0], [16.0]]))
    array([[nan, nan],
           [nan,  3.],
           [ 3.,  5.],
           [ 5.,  7.]])
    """

    _parameter_constraints: dict = {
        "window": [Interval(Integral, 1, None, closed="left")],
        "diff": [Interval(Integral, 0, None, closed="left")],
        "seasonal_period": [Interval(Integral, 2, None, closed="left"), None],
        "seasonal_diff": [Interval(Integral, 0, None, closed="left")],
        "undifferenced": [list, tuple, None],
        "carry_over": ["boolean"],
    }

    def __init__(
        self, window=12, *, diff=0, seasonal_period=None, seasonal_diff=0, undifferenced=None, carry_over=True
    ):
        self.window = window
        self.diff = diff
        self.seasonal_period = seasonal_period
        self.seasonal_diff = seasonal_diff
        self.undifferenced = undifferenced
        self.carry_over = carry_over

    def _validate(self, X, reset):
        check_numeric_columns(X, type(self).__name__)
        if not is_panel(X):  # a panel's rows may come in any order: they are windowed sorted
            warn_if_not_time_ordered(X, type(self).__name__)
        return validate_data(
            self, X, reset=reset, dtype=[np.float64, np.float32], ensure_all_finite="allow-nan"
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check ``X`` and remember its last rows for carry-over.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The observed series, oldest row first, one column per variable.
        y : None
            Ignored.

        Returns
        -------
        self : WindowTransformer
            The fitted transformer.
        """
        self._fit(X)
        return self

    def _fit(self, X):
        """Fit to ``X``; return ``X`` validated (so ``fit_transform`` need not validate it again)."""
        if self.seasonal_diff and self.seasonal_period is None:
            raise ValueError(
                f"seasonal_diff={self.seasonal_diff!r} needs a seasonal_period; "
                "set seasonal_period (e.g. 12 for monthly data) or seasonal_diff=0."
            )
        arr = self._validate(X, reset=True)
        n_diff = self.diff + self.seasonal_diff * (self.seasonal_period or 0)
        need = self.window + n_diff
        longest = int(np.diff(Panel.of(X, type(self).__name__).bounds).max()) if is_panel(X) else arr.shape[0]
        if longest < need:
            n = longest
            raise ValueError(
                f"WindowTransformer needs at least {need} samples for window={self.window}"
                + (f" after {n_diff} differenced step(s)" if n_diff else "")
                + f", got {n} sample{'s' if n != 1 else ''}; use a smaller window or "
                "diff, or pass a longer series."
            )
        self.n_warmup_ = need - 1
        columns = self.undifferenced or ()
        self.undifferenced_ = np.unique([column_position(X, c, "undifferenced", type(self).__name__) for c in columns])
        self.undifferenced_ = self.undifferenced_.astype(int)
        if is_panel(X):
            panel = Panel.of(X, type(self).__name__)
            self.series_ = np.asarray(panel.series)
            self.last_window_ = panel.tails(arr[panel.order], self.n_warmup_).astype(arr.dtype)
            self._next_label = panel.next_labels()
            return arr
        self.series_ = None
        self.last_window_ = arr[arr.shape[0] - self.n_warmup_ :].copy()
        self._next_label = next_label_of(X)
        return arr

    def transform(self, X):
        """Return the lag windows of ``X``, one row per input row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The series. If it is a pandas object continuing the index seen in
            ``fit`` and ``carry_over=True``, the fitted rows fill its first windows.

        Returns
        -------
        X_windows : ndarray of shape (n_samples, window * n_features)
            Time-major lag windows; NaN where history is missing.
        """
        check_is_fitted(self)
        arr = self._validate(X, reset=False)
        if is_panel(X):
            return self._panel_windows(X, arr, carry=self.carry_over and self.series_ is not None)
        gap = steps_after(self._next_label, index_of(X)) if self.carry_over and self.n_warmup_ else None
        if gap is not None:  # after the fitted rows, maybe across the gap of a time-series split (missing: NaN)
            missing = np.full((gap, arr.shape[1]), np.nan, dtype=arr.dtype)
            arr = np.concatenate([self.last_window_.astype(arr.dtype), missing, arr])
            return self._windows(arr)[self.n_warmup_ + gap :]
        return self._windows(arr)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit to ``X`` and return its lag windows (checks the time order once).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The observed series, oldest row first.
        y : None
            Ignored.

        Returns
        -------
        X_windows : ndarray of shape (n_samples, window * n_features)
            Time-major lag windows; NaN where history is missing.
        """
        arr = self._fit(X)  # validated once; the fitted rows have no earlier rows to carry over
        return self._panel_windows(X, arr, carry=False) if is_panel(X) else self._windows(arr)

    def _changes(self, rows):
        """``rows`` differenced, the ``undifferenced`` columns kept as they are."""
        changes = difference(rows, self.diff, self.seasonal_period, self.seasonal_diff)
        if self.undifferenced_.size:
            changes = np.array(changes, copy=True) if changes is rows else changes
            changes[:, self.undifferenced_] = rows[:, self.undifferenced_]
        return changes

    def _windows(self, arr):
        return lag_matrix(self._changes(arr), self.window)

    def _panel_windows(self, X, arr, carry):
        """Windows of each series of panel ``X`` from its own rows only, in the rows' given order.

        With ``carry``, a series whose first time label follows its end in
        ``fit`` gets its fitted last rows as history.
        """
        panel = Panel.of(X, type(self).__name__)
        rows = arr[panel.order]
        carried, gaps = np.full(panel.n_series, -1), None
        if carry and self.n_warmup_:
            carried, gaps = panel.continuing(self.series_, self._next_label)
        joined, starts, landed = panel.with_history(rows, carried, self.last_window_, gaps)
        position = np.arange(starts[-1]) - np.repeat(starts[:-1], np.diff(starts))
        return panel.unsort(self._series_windows(joined, position)[landed])

    def _series_windows(self, rows, position):
        """Windows of series laid end to end, ``position`` counting each row within its series."""
        n_diff = self.diff + self.seasonal_diff * (self.seasonal_period or 0)
        changes = self._changes(rows)
        if n_diff:  # a difference that would reach into the previous series
            differenced = np.setdiff1d(np.arange(rows.shape[1]), self.undifferenced_)
            changes[np.ix_(position < n_diff, differenced)] = np.nan
        windows = lag_matrix(changes, self.window)
        short = np.flatnonzero(position < self.window - 1)
        if short.size:  # steps before a series' first row are missing history, not the previous series
            n_features = rows.shape[1]
            missing = np.arange(self.window)[None, :] < (self.window - 1 - position[short])[:, None]
            block = windows[short].reshape(short.size, self.window, n_features)
            block[missing] = np.nan
            windows[short] = block.reshape(short.size, -1)
        return windows

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns, ``<column>_lag<k>`` in time-major order.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input column names; defaults to ``feature_names_in_`` or ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``window * n_features_in_`` names.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        suffix = (f"_d{self.diff}" if self.diff else "") + (
            f"_sd{self.seasonal_period}" if self.seasonal_diff and self.seasonal_period else ""
        )
        kept = set(self.undifferenced_.tolist())
        names = [n if i in kept else f"{n}{suffix}" for i, n in enumerate(names)]
        lags = range(self.window - 1, -1, -1)
        return np.asarray([f"{n}_lag{k}" for k in lags for n in names], dtype=object)

    def __setstate__(self, state):
        """Restore a state, filling what a transformer saved by an earlier release lacks."""
        state = dict(state)
        state.setdefault("undifferenced", None)
        if "n_warmup_" in state:
            state.setdefault("undifferenced_", np.zeros(0, dtype=int))
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.allow_nan = True
        return tags




def window_layout(X) -> int | None:
    """How many series each time step of 2-D windows holds, read from their warm-up rows.

    Windows cut from the start of a series (as :class:`~skl_lstm.WindowTransformer`
    cuts every training fold, and every series of a panel) include warm-up
    rows whose oldest steps are missing: the NaN of such a row are exactly its
    first columns, and the one with the fewest observed values holds the
    newest step only, ``k`` values for ``k`` series. That is a fact of the
    data, the same under NumPy and pandas output, in any row order, and after
    a scaler that keeps NaN (``StandardScaler``).

    Parameters
    ----------
    X : array-like of shape (n_samples, window * k)
        Time-major windows, oldest step first.

    Returns
    -------
    int or None
        ``k``, or None when ``X`` has no warm-up row (e.g. windows whose
        warm-up rows were dropped).

    Examples
    --------
    >>> import numpy as np
    >>> three = np.arange(30.0).reshape(10, 3)
    >>> window_layout(WindowTransformer(window=4).fit_transform(three))
    3
    >>> window_layout(WindowTransformer(window=4, diff=1).fit_transform(three[:, :1])[::-1])
    1
    >>> window_layout(np.ones((5, 4))) is None
    True
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        return None
    n_cols = X.shape[1]
    missing = np.isnan(X)
    n_missing = missing.sum(axis=1)
    # rows whose NaN are exactly their oldest columns, with something observed
    prefix = (n_missing > 0) & (n_missing < n_cols) & (np.cumsum(~missing, axis=1)[np.arange(len(X)), n_missing - 1] == 0)
    if not prefix.any():
        return None
    k = int(n_cols - n_missing[prefix].max())
    return k if n_cols % k == 0 else None


__all__ = ["WindowTransformer", "difference", "lag_matrix", "window_layout"]
