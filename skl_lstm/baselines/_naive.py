"""Naive and seasonal-naive forecasts as scikit-learn regressors."""

from __future__ import annotations

import math
import warnings
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._history import continues, next_label_of
from ..utils._panel import Panel, is_panel
from ..utils._timeseries import resolve_reference, supervised_record
from ..utils._validation import check_numeric_columns
from ..utils._docstrings import fill_doc
from ..utils._warnings import user_stacklevel


class _ReferenceForecaster(RegressorMixin, BaseEstimator):
    """Shared fit/predict plumbing: read the target's last level from ``X``."""

    def _reference(self, X, reset):
        name = type(self).__name__
        check_numeric_columns(X, name)
        if reset:
            arr = validate_data(self, X, dtype=np.float64)
            self.reference_index_ = resolve_reference(X, self.reference, name)
        else:
            arr = validate_data(self, X, dtype=np.float64, reset=False)
        return arr[:, self.reference_index_]

    @fill_doc
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Check the data and record what the forecast reads from it.

        That is the reference column (the target's level at ``t``) and, for
        :class:`SeasonalNaiveForecaster`, the horizons and the last season.

        Parameters
        ----------
        %(forecast_fit_data)s

        Returns
        -------
        self : estimator
            The fitted forecaster.
        """
        ref, _ = self._fit_target(X, y)
        self._fit_history(X, y, ref)
        return self

    def _fit_history(self, X, y, ref):
        """Record what the forecast needs beyond the reference column (nothing, here)."""

    def _fit_target(self, X, y):
        name = type(self).__name__
        ref = self._reference(X, reset=True)
        _, y_arr = validate_data(self, X, y, multi_output=True, y_numeric=True, reset=False)
        self._y_ndim = y_arr.ndim
        self.n_outputs_ = 1 if y_arr.ndim == 1 else y_arr.shape[1]
        if y_arr.shape[0] != ref.shape[0]:  # pragma: no cover - validate_data checks lengths
            raise ValueError(f"{name}: X and y have different lengths.")
        return ref, y_arr

    def _shape_output(self, pred):
        return pred[:, 0] if self._y_ndim == 1 else pred

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        # A forecast that ignores most of X cannot fit arbitrary regression data.
        tags.regressor_tags.poor_score = True
        return tags


@fill_doc
class NaiveForecaster(_ReferenceForecaster):
    """Forecast the last observed value: ``y_hat(t + h) = x(t)``.

    The benchmark every forecaster must beat. It reads the target's current
    level from a column of ``X`` (the layout of
    :func:`skl_lstm.datasets.make_supervised`), so it runs in the same
    :class:`~sklearn.pipeline.Pipeline` and cross-validation loop as the LSTM.

    Parameters
    ----------
    reference : "auto", int or str, default="auto"
        Column of ``X`` holding the target's value at time ``t``: a position,
        or a name when ``X`` is a DataFrame. ``"auto"`` is the target column
        recorded by :func:`~skl_lstm.datasets.make_supervised`, else column 0.

    Attributes
    ----------
    n_outputs_ : int
        Number of targets (horizons) seen in ``fit``; each gets the same forecast.
    %(reference_attributes)s

    See Also
    --------
    SeasonalNaiveForecaster : Repeats the value one season ago.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_lstm.baselines import NaiveForecaster
    >>> X = np.array([[1.0], [2.0], [3.0]]); y = np.array([2.0, 3.0, 4.0])
    >>> NaiveForecaster().fit(X, y).predict(X)
    array([1., 2., 3.])
    """

    _parameter_constraints: dict = {"reference": [Integral, str]}

    def __init__(self, reference="auto"):
        self.reference = reference

    def predict(self, X):
        """Repeat the reference column for every output.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Observed values at ``t``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The last observed value.
        """
        check_is_fitted(self)
        ref = self._reference(X, reset=False)
        return self._shape_output(np.repeat(ref[:, None], self.n_outputs_, axis=1))


class SeasonalNaiveForecaster(_ReferenceForecaster):
    """Forecast the value one season earlier: ``y_hat(t + h) = x(t + h - k m)``.

    ``k = ceil(h / m)`` is the smallest number of whole seasons that reaches
    back to an observed value. Rows whose season-ago value lies before the
    data (and before the carried-over history) get the naive forecast
    instead, with a warning that says how many.

    Parameters
    ----------
    seasonal_period : int, default=12
        Season length ``m`` (12 for monthly data with a yearly cycle).
    reference : "auto", int or str, default="auto"
        Column of ``X`` holding the target's value at ``t`` (``"auto"``: as
        in :class:`NaiveForecaster`).
    horizon : int or None, default=None
        Steps ahead of a single-output ``y``. None means the horizons
        :func:`~skl_lstm.datasets.make_supervised` recorded on ``X`` or ``y``;
        without a record, 1 for a 1-D ``y`` and ``1 .. n_outputs`` for a
        multi-output ``y``.
    carry_over : bool, default=True
        If True and ``X`` is a pandas object whose index continues the one seen
        in ``fit``, the last season seen in ``fit`` supplies the history.

    Attributes
    ----------
    horizons_ : ndarray of int
        Horizon of each output.
    lags_ : ndarray of int
        How many rows back each output reads: ``k m - h``.
    last_values_ : ndarray
        The last ``max(lags_)`` reference values seen in ``fit``; for a panel,
        ``(n_series, max(lags_))``, one row per series of ``series_``.
    series_ : ndarray or None
        The series ids of a panel seen in ``fit`` (None for one series).
    reference_index_, n_outputs_, n_features_in_, feature_names_in_
        As in :class:`NaiveForecaster`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skl_lstm.baselines import SeasonalNaiveForecaster
    >>> X = pd.DataFrame({"x": np.arange(8.0) % 4}); y = np.roll(X["x"], -1)
    >>> model = SeasonalNaiveForecaster(seasonal_period=4).fit(X[:4], y[:4])
    >>> model.predict(X[4:])  # rows 4.. continue the fitted index: full history
    array([1., 2., 3., 0.])
    """

    _parameter_constraints: dict = {
        "seasonal_period": [Interval(Integral, 1, None, closed="left")],
        "reference": [Integral, str],
        "horizon": [Interval(Integral, 1, None, closed="left"), None],
        "carry_over": ["boolean"],
    }

    def __init__(self, seasonal_period=12, *, reference="auto", horizon=None, carry_over=True):
        self.seasonal_period = seasonal_period
        self.reference = reference
        self.horizon = horizon
        self.carry_over = carry_over

    def _fit_history(self, X, y, ref):
        """Record the horizons and the last season of the reference column."""
        if self.n_outputs_ > 1 and self.horizon is not None:
            raise ValueError(
                f"horizon={self.horizon!r} is for a single-output y, but y has {self.n_outputs_} "
                "outputs; leave horizon=None to use horizons 1..n_outputs."
            )
        record = supervised_record(X, y) if self.horizon is None else None
        if record is not None and len(record["horizons"]) == self.n_outputs_:
            self.horizons_ = np.array(record["horizons"])
        elif self.horizon is None and self.n_outputs_ > 1:
            self.horizons_ = np.arange(1, self.n_outputs_ + 1)
        else:
            self.horizons_ = np.array([self.horizon or 1])
        m = self.seasonal_period
        self.lags_ = np.array([m * math.ceil(h / m) - h for h in self.horizons_])
        n_last = int(self.lags_.max())
        if is_panel(X):
            panel = Panel.of(X, type(self).__name__)
            self.series_ = np.asarray(panel.series)
            self.last_values_ = panel.tails(ref[panel.order], n_last)
            self._next_label = panel.next_labels()
            return
        self.series_ = None
        self.last_values_ = ref[ref.shape[0] - min(n_last, ref.shape[0]) :].copy()
        self._next_label = next_label_of(X)

    def predict(self, X):
        """Repeat the value one season before each target time.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Observed values at ``t``, consecutive rows.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The seasonal-naive forecast.
        """
        check_is_fitted(self)
        ref = self._reference(X, reset=False)
        if is_panel(X):
            pred, known = self._panel_forecast(X, ref)
        else:
            prefix = self.last_values_ if self.carry_over and continues(self._next_label, X) else ref[:0]
            pred, known = self._season_back(ref, prefix)
        n_missing = int((~known).any(axis=1).sum())
        if n_missing:
            warnings.warn(
                f"SeasonalNaiveForecaster: {n_missing} of {ref.shape[0]} rows have no value one "
                "season back and got the naive (last value) forecast. Pass a pandas object whose "
                "index continues the training data to use the fitted history.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        return self._shape_output(pred)

    def _season_back(self, ref, prefix):
        """The value ``lags_`` rows back in one series (``prefix`` its history), and where one existed."""
        full = np.concatenate([prefix, ref])
        rows = np.arange(ref.shape[0])[:, None] + prefix.shape[0] - self.lags_[None, :]
        known = (rows >= 0) & ~np.isnan(full[np.clip(rows, 0, None)])
        return np.where(known, full[np.clip(rows, 0, None)], ref[:, None]), known

    def _panel_forecast(self, X, ref):
        """:meth:`_season_back` series by series, each from its own history only."""
        panel = Panel.of(X, type(self).__name__)
        fitted = self.series_ is not None and self.carry_over
        carried = np.full(panel.n_series, -1)
        if fitted:  # a season reads the rows just before: only rows that continue the fitted end directly
            continuing, gaps = panel.continuing(self.series_, self._next_label)
            carried = np.where(gaps == 0, continuing, -1)
        values = ref[panel.order]
        # each series' forecast goes straight to its rows' places: one (rows, outputs) array, not three
        pred = np.empty((len(values), len(self.lags_)))
        known = np.empty(pred.shape, dtype=bool)
        for k, j in enumerate(carried):
            place = panel.order[panel.bounds[k] : panel.bounds[k + 1]]
            pred[place], known[place] = self._season_back(
                panel.rows(values, k), self.last_values_[j] if j >= 0 else values[:0])
        return pred, known


__all__ = ["NaiveForecaster", "SeasonalNaiveForecaster"]
