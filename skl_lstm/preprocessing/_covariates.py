"""KnownFutureTransformer: the future a row will face, for the columns whose future is known.

A *past* covariate is observed up to ``t``: it enters the model through the
windows that end at ``t``, like the target. A *known-future* covariate
(calendar, a planned promotion, a price fixed ahead) is known for the steps
being forecast too, so row ``t`` may carry its values at ``t + 1 .. t + H``.
:class:`KnownFutureTransformer` appends those leads, read within each series,
for the columns it is told about and for no other. A *static* covariate
(category, region) is one value per series; the transformer checks that it
is.
"""

from __future__ import annotations

import warnings
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

from ..exceptions import MissingFutureWarning
from ..utils._panel import Panel, is_panel
from ..utils._timeseries import supervised_record, warn_if_not_time_ordered
from ..utils._validation import check_numeric_columns, column_position
from ..utils._warnings import user_stacklevel


def lead_values(values: np.ndarray, bounds: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Each row's values ``1 .. horizon`` steps later within its series, the last row's value beyond its end.

    Parameters
    ----------
    values : ndarray of shape (n_rows, k)
        The rows of series laid end to end, each series oldest first.
    bounds : ndarray of shape (n_series + 1,)
        Where each series starts in ``values``.
    horizon : int
        How many steps ahead.

    Returns
    -------
    leads : ndarray of shape (n_rows, k * horizon)
        Column ``j * horizon + h - 1`` holds column ``j`` of the row ``h``
        steps later in the same series (its last row where the series ends
        sooner).
    beyond : ndarray of shape (n_rows,)
        How many of each row's ``horizon`` steps lie after its series' last row.

    Examples
    --------
    >>> import numpy as np
    >>> leads, beyond = lead_values(np.array([[1.0], [2.0], [3.0], [10.0], [20.0]]), np.array([0, 3, 5]), 2)
    >>> leads
    array([[ 2.,  3.],
           [ 3.,  3.],
           [ 3.,  3.],
           [20., 20.],
           [20., 20.]])
    >>> beyond.tolist()
    [0, 1, 2, 1, 2]
    """
    n, k = values.shape
    position = np.arange(n)
    last = np.repeat(bounds[1:] - 1, np.diff(bounds))  # each row's series' last row
    steps = position[:, None] + np.arange(1, horizon + 1)[None, :]  # (n, horizon)
    leads = values[np.minimum(steps, last[:, None])]  # (n, horizon, k)
    beyond = np.clip(position + horizon - last, 0, horizon)
    return np.ascontiguousarray(leads.transpose(0, 2, 1)).reshape(n, k * horizon), beyond


def _plain(label):
    """A NumPy scalar label as the Python value it holds (``3``, not ``np.int64(3)``), for messages."""
    return label.item() if isinstance(label, np.generic) else label


class KnownFutureTransformer(TransformerMixin, BaseEstimator):
    """Append the known future of some columns to each row: their values at ``t + 1`` to ``t + horizon``.

    Every column of ``X`` is a *past* covariate: what was observed up to
    ``t``. Some columns are known ahead (calendar effects, planned
    promotions, prices fixed in advance): the forecast from ``t`` may use
    their values at the steps it forecasts. This transformer keeps every
    column as it is and appends, for each column named in ``columns`` only,
    its values ``1 .. horizon`` steps later in the same series (for a panel,
    a DataFrame indexed by (series, time), rows in any order: never from
    another series). The target and every column not named are never led,
    so nothing observed after ``t`` reaches row ``t`` except the named
    columns' known future.

    A row near a series' end has leads after the series' last row, which
    ``X`` does not hold. They are filled with the last value of the series
    (carried forward, within the series), never with a later row of another
    series; ``transform`` warns with
    :class:`~skl_lstm.exceptions.MissingFutureWarning`, naming how many
    rows and series. :func:`skl_lstm.forecast` with ``future=`` supplies the
    true values for the steps after each series' end. In ``fit`` the same
    fill applies silently to the last ``horizon`` rows of each series:
    :func:`~skl_lstm.datasets.make_supervised` dropped the rows after them
    (their targets are unknown), so their known future is not in ``X``.

    Parameters
    ----------
    columns : list of str or int, or None, default=None
        The known-future columns: names of ``X``'s columns, or positions.
        The target recorded by :func:`~skl_lstm.datasets.make_supervised`
        cannot be one (its future is what is forecast).
    horizon : int or "auto", default="auto"
        How many steps ahead to lead each column. ``"auto"`` is the largest
        horizon :func:`~skl_lstm.datasets.make_supervised` recorded on ``X``.
        Unused without known-future columns.
    static : list of str or int, or None, default=None
        Static covariates: columns holding one value per series (a category
        or region, one-hot encoded; a size known before the series starts).
        They pass through unchanged; ``fit`` and ``transform`` refuse one
        that varies within a series. Their leads would repeat them, so none
        are added.

    Attributes
    ----------
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Input column names, when ``X`` has string column names.
    columns_ : ndarray of int
        Positions of the known-future columns.
    static_ : ndarray of int
        Positions of the static columns.
    horizon_ : int
        Steps led (``horizon``, resolved; 0 without known-future columns).

    See Also
    --------
    skl_lstm.forecast : Takes the known future after each series' end (``future=``).
    skl_lstm.recommended_pipeline : Puts this step first with ``known_future=``.
    skl_lstm.WindowTransformer : Windows the past of every column.

    Notes
    -----
    The output is ``X``'s columns, then ``<column>_lead<h>`` for each named
    column and ``h = 1 .. horizon_``. Known-future and static columns
    refuse NaN (a missing known value is not known); the other columns may
    hold NaN gaps, which pass through. Infinite values are refused.

    Nothing is carried over from ``fit`` to ``transform`` (unlike
    :class:`~skl_lstm.WindowTransformer`'s history): leads look forward, and
    what lies after the rows given is what ``forecast(..., future=)``
    appends. A panel's rows may come in any order: they are led in (series,
    time) order and returned in the order given.

    A column is known-future only if its value at ``t + h`` is fixed by
    time ``t`` in practice too; naming a column whose future is only
    observed later (a competitor's price, the weather) leaks it into the
    training rows and makes the test scores optimistic. A static column
    computed from the series' values (its mean, say) leaks the same way.

    Examples
    --------
    >>> import pandas as pd
    >>> from skl_lstm.preprocessing import KnownFutureTransformer
    >>> index = pd.MultiIndex.from_product([["a", "b"], range(3)], names=["series", "time"])
    >>> X = pd.DataFrame({"y": [1.0, 2, 3, 10, 20, 30], "promo": [0.0, 1, 0, 1, 0, 0]}, index=index)
    >>> step = KnownFutureTransformer(["promo"], horizon=2).set_output(transform="pandas")
    >>> step.fit_transform(X)
                     y  promo  promo_lead1  promo_lead2
    series time
    a      0      1.0    0.0          1.0          0.0
           1      2.0    1.0          0.0          0.0
           2      3.0    0.0          0.0          0.0
    b      0     10.0    1.0          0.0          0.0
           1     20.0    0.0          0.0          0.0
           2     30.0    0.0          0.0          0.0
    """

    _parameter_constraints: dict = {
        "columns": "no_validation",  # checked in fit, with a message that shows the fix
        "horizon": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "static": "no_validation",
    }

    def __init__(self, columns=None, *, horizon="auto", static=None):
        self.columns = columns
        self.horizon = horizon
        self.static = static

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Resolve the columns and the horizon, and check the columns' values.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The observed rows: one series in time order, or a panel indexed
            by (series, time), rows in any order.
        y : None
            Ignored.

        Returns
        -------
        self : KnownFutureTransformer
            The fitted transformer.
        """
        self._fit(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None):
        """Fit to ``X`` and append the leads (filled silently past each series' end).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The observed rows.
        y : None
            Ignored.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features + len(`columns_`) * `horizon_`)
            ``X`` and the leads of the known-future columns.
        """
        arr, panel = self._fit(X)
        return self._with_leads(panel, arr, warn=False)

    def _fit(self, X):
        name = type(self).__name__
        if self.columns is None and self.static is None:
            raise ValueError(
                f"{name}: columns=None and static=None name no covariate; pass the known-future columns "
                "(e.g. columns=['promo']) and/or the static ones (static=['region'])."
            )
        arr = self._validate(X, reset=True)
        columns = self._positions(X, self.columns, "columns")
        static = self._positions(X, self.static, "static")
        both = sorted(set(columns.tolist()) & set(static.tolist()))
        if both:
            raise ValueError(
                f"{name}: column {self._label(both[0])!r} is in both columns and static; a static column is "
                "constant within each series, so it needs no leads: list it in static only."
            )
        record = supervised_record(X)
        target = self._names().index(record["target"]) if record and record["target"] in self._names() else None
        for param, positions in (("columns", columns), ("static", static)):
            if target is not None and target in positions:
                raise ValueError(
                    f"{name}: {param} names the target {record['target']!r}; its future is what the model "
                    f"forecasts, so it cannot be a covariate. Remove it from {param}."
                )
        if columns.size == 0:  # static columns only: nothing to lead
            horizon = 0
        elif self.horizon == "auto":
            if record is None:
                raise ValueError(
                    f"{name}: horizon='auto' reads the horizon make_supervised records on X, but this X "
                    f"({type(X).__name__}) carries no record; pass horizon=<steps ahead> (the largest horizon "
                    "of y)."
                )
            horizon = int(max(record["horizons"]))
        else:
            horizon = int(self.horizon)
        panel = Panel.rows_of(X, arr.shape[0], name)
        self._check_values(X, panel, arr, columns, static)
        self.columns_, self.static_, self.horizon_ = columns, static, horizon
        return arr, panel

    # ------------------------------------------------------------ transform
    def transform(self, X):
        """Append the leads of the known-future columns to ``X``.

        Leads past a series' last row are filled with its last value, with a
        :class:`~skl_lstm.exceptions.MissingFutureWarning`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The observed rows, as in ``fit``.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features + len(`columns_`) * `horizon_`)
            ``X`` and the leads of the known-future columns.
        """
        check_is_fitted(self)
        arr = self._validate(X, reset=False)
        panel = Panel.rows_of(X, arr.shape[0], type(self).__name__)
        self._check_values(X, panel, arr, self.columns_, self.static_)
        return self._with_leads(panel, arr, warn=True)

    def _with_leads(self, panel, arr, warn):
        """``arr`` and the leads of the known-future columns along ``panel``'s series."""
        if self.columns_.size == 0:
            return arr.copy()
        leads, beyond = lead_values(arr[panel.order][:, self.columns_], panel.bounds, self.horizon_)
        if warn and beyond.any():
            owner = np.repeat(np.arange(panel.n_series), np.diff(panel.bounds))
            n_series = np.unique(owner[beyond > 0]).size
            names = [self._label(c) for c in self.columns_]
            warnings.warn(
                f"{type(self).__name__}: {int((beyond > 0).sum())} row(s) of {n_series} series need values of "
                f"{names} after their series' last row (leads up to horizon={self.horizon_}), which X does not "
                "hold; they were filled with the series' last value. To forecast with the true future values, "
                "pass them to skl_lstm.forecast(model, data, future=...). Silence this with "
                "warnings.filterwarnings('ignore', category=skl_lstm.exceptions.MissingFutureWarning).",
                MissingFutureWarning,
                stacklevel=user_stacklevel(),
            )
        return np.hstack([arr, panel.unsort(leads.astype(arr.dtype, copy=False))])

    # ---------------------------------------------------------------- names
    def get_feature_names_out(self, input_features=None):
        """Names of the output columns: the input's, then ``<column>_lead<h>``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input column names; defaults to ``feature_names_in_`` or ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``n_features_in_ + len(columns_) * horizon_`` names.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        leads = [f"{names[c]}_lead{h}" for c in self.columns_ for h in range(1, self.horizon_ + 1)]
        return np.asarray([*names, *leads], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.input_tags.allow_nan = True  # in the columns that are not covariates: gaps pass through
        return tags

    # -------------------------------------------------------------- helpers
    def _validate(self, X, reset):
        check_numeric_columns(X, type(self).__name__)
        if not is_panel(X):  # a panel's rows may come in any order: they are led sorted
            warn_if_not_time_ordered(X, type(self).__name__)
        return validate_data(self, X, reset=reset, dtype=[np.float64, np.float32], ensure_all_finite="allow-nan")

    def _names(self) -> list:
        names = getattr(self, "feature_names_in_", None)
        return list(names) if names is not None else []

    def _label(self, position):
        """A column as the user knows it: its name, else its position."""
        names = self._names()
        return names[position] if names else int(position)

    def _positions(self, X, columns, param) -> np.ndarray:
        if columns is None:
            return np.zeros(0, dtype=np.intp)
        if not isinstance(columns, list | tuple | np.ndarray | pd.Index):
            fix = f"write {param}=[{columns!r}]" if isinstance(columns, str | Integral) else "pass a list"
            raise TypeError(
                f"{type(self).__name__}: {param}={columns!r} must be a list of column names or positions; {fix}."
            )
        positions = [column_position(X, c, param, type(self).__name__) for c in columns]
        repeated = sorted({p for p in positions if positions.count(p) > 1})
        if repeated:
            raise ValueError(
                f"{type(self).__name__}: {param}={list(columns)!r} names column {self._label(repeated[0])!r} "
                "more than once; list each column once."
            )
        return np.asarray(positions, dtype=np.intp)

    def _check_values(self, X, panel, arr, columns, static):
        """Refuse a missing covariate (infinite values are refused for every column), and a static column
        that varies within one of ``panel``'s series."""
        name = type(self).__name__
        named = np.concatenate([columns, static])
        if named.size:
            bad = np.argwhere(np.isnan(arr[:, named]))
            if bad.size:
                row, col = bad[0]
                raise ValueError(
                    f"{name}: covariate {self._label(named[col])!r} is NaN at row {int(row)}; known-future and "
                    "static columns must be known. Fill the value, or move the column out of columns/static "
                    "(the other columns may have gaps)."
                )
        if static.size == 0:
            return
        values = arr[panel.order][:, static]
        firsts = np.repeat(values[panel.bounds[:-1]], np.diff(panel.bounds), axis=0)
        varies = np.argwhere(values != firsts)
        if varies.size:
            row, col = varies[0]
            series = np.searchsorted(panel.bounds, row, side="right") - 1
            which = f"series {panel.series[series]!r}" if is_panel(X) else "the series"
            first, here = _plain(panel.times[panel.bounds[series]]), _plain(panel.times[row])
            raise ValueError(
                f"{name}: static column {self._label(static[col])!r} varies within {which} "
                f"({float(firsts[row, col])!r} at time {first!r}, {float(values[row, col])!r} at "
                f"time {here!r}); a static covariate holds one value per series. Pass a column that "
                "varies over time in columns (if its future is known) or leave it as an ordinary past column."
            )


__all__ = ["KnownFutureTransformer", "lead_values"]
