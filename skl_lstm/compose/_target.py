"""DifferencedTargetRegressor: learn the change from the last value, add it back."""

from __future__ import annotations

import sys
import warnings
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, _fit_context, clone
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _num_samples, check_is_fitted, validate_data

from ..exceptions import WorseThanBaselineWarning
from ..utils._conformal import ConformalIntervalMixin
from ..utils._docstrings import fill_doc
from ..utils._panel import Panel, is_panel
from ..utils._timeseries import default_window, reference_values, resolve_reference, supervised_record
from ..utils._validation import check_finite_target
from ..utils._warnings import user_stacklevel
from ._choices import Choice, choose_log, choose_seasonal_difference, choose_window, fitting_window

#: Parameter-name prefixes of the nested recipe (skl_lstm 0.1) and their flat replacements, longest first.
_NESTED_RECIPE_PREFIXES = (
    ("regressor__model__regressor__regressor__", "regressor__"),
    ("regressor__model__regressor__transformer", "transformer"),
    ("regressor__model__reference", "reference"),
    ("regressor__regressor__", "regressor__"),
    ("regressor__transformer", "transformer"),
)


#: Names of the recipe of skl_lstm 0.2, whose ``window`` step cut the windows, and their current names:
#: the LSTM now gathers its windows itself (``lookback``) from the rows the ``difference`` step differences.
_WINDOW_STEP_KEYS = (
    ("regressor__window__window", "regressor__lstm__lookback"),
    ("regressor__window", "regressor__difference"),
)


def flat_recipe_key(key: str, valid) -> str:
    """The current name of a recipe parameter name of an earlier release that ``valid`` lacks (``key`` otherwise).

    Examples
    --------
    >>> valid = {"regressor__lstm__units": 32, "regressor__lstm__lookback": 24, "regressor__difference__diff": 1}
    >>> flat_recipe_key("regressor__regressor__window__window", valid)
    'regressor__lstm__lookback'
    >>> flat_recipe_key("regressor__window__diff", valid), flat_recipe_key("units", valid)
    ('regressor__difference__diff', 'units')
    """
    if key in valid:
        return key

    def known(name):
        return name in valid or name.rsplit("__", 1)[0] in valid

    candidates = [key]
    for old, new in _NESTED_RECIPE_PREFIXES:
        if key.startswith(old):
            candidates.append(new + key[len(old) :])
            break
    for name in list(candidates):
        for old, new in _WINDOW_STEP_KEYS:
            if name == old or name.startswith(old + "__"):
                candidates.append(new + name[len(old) :])
                break
    return next((name for name in candidates[1:] if known(name)), key)


def _series_scales(X, ref: np.ndarray) -> pd.Series:
    """Each series' mean absolute one-step change of ``ref`` (NaN skipped), indexed by series.

    1 where it is 0 or undefined.
    """
    panel = Panel.of(X, "DifferencedTargetRegressor")
    values = ref[panel.order]
    changes = np.abs(np.diff(values))
    changes[panel.positions()[1:] == 0] = np.nan  # a change that would cross into the next series
    sums = np.zeros(panel.n_series)
    counts = np.zeros(panel.n_series)
    owner = np.repeat(np.arange(panel.n_series), np.diff(panel.bounds))[1:]
    ok = np.isfinite(changes)
    np.add.at(sums, owner[ok], changes[ok])
    np.add.at(counts, owner[ok], 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = sums / counts
    scale[~np.isfinite(scale) | (scale <= 0)] = 1.0
    return pd.Series(scale, index=panel.series)


def _rolling_mean_changes(panel: Panel, ref: np.ndarray, window: int):
    """Mean absolute one-step change of ``ref`` over each row's last ``window`` rows in its series, and over each
    whole series.

    Returns the first per row, in the panel's sorted order (NaN where fewer
    than ``max(2, window // 2)`` changes precede it), and the second per
    series (NaN where a series has no change).

    Examples
    --------
    >>> local, overall = _rolling_mean_changes(Panel.whole(5), np.array([0.0, 1, 3, 6, 10]), 2)
    >>> local, overall
    (array([nan, nan, 1.5, 2.5, 3.5]), array([2.5]))
    """
    values = ref[panel.order]
    changes = np.abs(np.diff(values, prepend=np.nan))
    changes[panel.positions() == 0] = np.nan  # no change into a series' first row
    finite = np.isfinite(changes)
    sums = np.concatenate([[0.0], np.cumsum(np.where(finite, changes, 0.0))])
    counts = np.concatenate([[0], np.cumsum(finite)])
    lengths = np.diff(panel.bounds)
    rows = np.arange(len(values))
    start = np.maximum(np.repeat(panel.bounds[:-1], lengths), rows - window + 1)
    total, count = sums[rows + 1] - sums[start], counts[rows + 1] - counts[start]
    with np.errstate(invalid="ignore", divide="ignore"):
        local = np.where(count >= max(2, window // 2), total / count, np.nan)
        first, last = panel.bounds[:-1], panel.bounds[1:]
        overall = (sums[last] - sums[first]) / (counts[last] - counts[first])
    return local, overall


def _lookup_scales(X, ref: np.ndarray, series, scales):
    """Each row's scale from ``scales`` of fitted ``series`` (None if there are none or ``X`` is no panel).

    A series not among them gets its own, from its rows of ``ref`` (:func:`_series_scales`).
    """
    if scales is None or not is_panel(X):
        return None
    labels = X.index.get_level_values(0)
    known = pd.Index(series).get_indexer(labels)
    out = np.where(known >= 0, scales[known], np.nan)
    unseen = known < 0
    if unseen.any():
        own = _series_scales(X, ref)
        out[unseen] = own.reindex(labels[unseen]).to_numpy(dtype=np.float64)
    return out


def _with_column(X, position: int, values: np.ndarray):
    """``X`` with column ``position`` replaced by ``values`` (a copy; a DataFrame keeps its index and names)."""
    if isinstance(X, pd.DataFrame):
        X = X.copy()
        X.isetitem(position, values)
        return X
    X = np.array(X, dtype=np.float64)
    X[:, position] = values
    return X


#: One-sided 5 % point of the normal: ``fallback="auto"`` switches to a baseline whose win on the validation
#: tail exceeds it in a paired t-test of the rows' errors.
FALLBACK_T = 1.645


def _one_series_order(X, n_rows: int):
    """The positions of ``X``'s rows in time order when they are one series (None for a panel of several)."""
    panel = Panel.rows_of(X, n_rows, "DifferencedTargetRegressor")
    return panel.order if panel.n_series == 1 else None


def _first_nonpositive(arr: np.ndarray):
    bad = np.argwhere(np.isfinite(arr) & (arr <= 0))
    return None if bad.size == 0 else tuple(int(i) for i in bad[0])


@fill_doc
class DifferencedTargetRegressor(ConformalIntervalMixin, MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """Learn ``y - x_last`` (optionally on the log scale, scaled) and invert it exactly when predicting.

    Networks cannot extrapolate a trend: a series that rises out of the range
    seen in training gets flat forecasts. Learning the *change* from the last
    observed value removes the trend from the target. ``x_last`` is read from a
    column of ``X`` at prediction time, so the inversion is exact, which
    :class:`~sklearn.compose.TransformedTargetRegressor` cannot do (its inverse
    sees only the predictions). Multi-output ``y`` (several horizons) has the
    same reference subtracted from every column.

    Like :class:`~sklearn.compose.TransformedTargetRegressor`, one wrapper
    does every target transform, so the parameters of the regressor's steps
    stay one level deep (``regressor__<step>__<param>``): with ``log=True`` it
    works on ``log(X)`` and ``log(y)`` (a multiplicative series), and a
    ``transformer`` (e.g. :class:`~sklearn.preprocessing.StandardScaler`)
    scales the change the regressor learns.

    Parameters
    ----------
    regressor : estimator or None, default=None
        Regressor (usually a pipeline ending in
        :class:`~skl_lstm.LSTMRegressor`) fitted on ``X`` (``log(X)`` with
        ``log=True``) and the change. None means
        :class:`~sklearn.linear_model.LinearRegression`.
    reference : "auto", int or str, default="auto"
        Column of ``X`` with the target's level at ``t``: a position or a
        DataFrame column name. ``"auto"`` is the target column recorded by
        :func:`~skl_lstm.datasets.make_supervised`, else column 0. For 3-D
        ``X`` the last time step is used.
    transformer : transformer or None, default=None
        Fitted (a clone) on the change and applied before the regressor
        learns it; its ``inverse_transform`` undoes it in ``predict``. None
        leaves the change as it is.
    log : bool or "auto", default=False
        Work on ``log(X)`` and ``log(y)``; predictions are ``exp`` of the
        forecast log level. ``X`` and ``y`` must be positive (NaN gaps in
        ``X`` stay NaN). ``"auto"``: False when ``X`` or ``y`` holds a value
        that is not positive; for a panel (``X`` indexed by (series, time))
        True, so that series of every scale share one network in relative
        changes; for one series, True when Guerrero's method (its Box-Cox
        ``lambda`` below 0.5) says the spread grows with the level. The
        choice is ``log_``, and why it was made ``choices_["log"]``.
    scale_series : bool or "auto", default=False
        For a panel, divide each series' reference column and target by its
        own scale, the mean absolute one-step change of its reference column
        in the rows ``fit`` sees (``series_scale_``), so that a large series
        does not dominate the loss; predictions are multiplied back exactly.
        A series not seen in ``fit`` is scaled by its own rows. Only past data
        sets a scale: in cross-validation, the training fold's. ``"auto"``:
        True for a panel that ``log`` leaves on its own scale (one with zero
        or negative values). Ignored for a single series.
    interval_scale_window : int or None, default=26
        Rows over which :meth:`predict_interval` measures each row's recent
        volatility: the mean absolute one-step change of the reference
        column (as the regressor sees it: logged, scaled) over the last
        ``interval_scale_window`` rows of its series. Calibration residuals
        are divided by it and a new row's interval multiplied by it
        (normalised split conformal), so that calm and volatile series, and
        calm and volatile stretches of one series, get intervals of their
        own width. None: one width for every row (plain split conformal).
        Point forecasts do not depend on it. See ``docs/intervals.md``.
    seasonal_period : int or None, default=None
        Season length (rows) of the seasonal naive forecast that the fitted
        model is compared with on its validation tail, beside the naive one
        (the last value). None or 1: the naive forecast only.
    fallback : bool or "auto", default=False
        When a baseline (naive or seasonal naive) forecasts the validation
        tail the regressor held out better than the regressor does, forecast
        with that baseline (``forecaster_``), its intervals calibrated on its
        own residuals there. Either way a
        :class:`~skl_lstm.exceptions.WorseThanBaselineWarning` tells you.
        Only a regressor that records its validation tail
        (:class:`~skl_lstm.LSTMRegressor`) is compared. ``"auto"``: for one
        series, switch when the baseline's win is significant (a one-sided
        paired t-test at 5 % on the validation rows' errors); never for a
        panel (whose one network is compared over every series' tail at
        once, so a switch would move every series to the baseline).
    seasonal_difference : bool or "auto", default=False
        Learn the change from the value one season before the target (the
        seasonal naive forecast of the reference column, which needs
        ``seasonal_period``) instead of the change from the last value;
        ``predict`` adds that value back, so the map to ``y`` stays monotone
        and the intervals exact. ``"auto"``: for one series with
        ``seasonal_period``, True when the seasonal strength of the (logged)
        reference column (Wang, Smith & Hyndman 2006; a classical
        decomposition) is at least 0.64, the rule of R's ``nsdiffs``; a
        panel keeps first differences. The choice is
        ``seasonal_difference_``, and why ``choices_["seasonal_difference"]``.

    Attributes
    ----------
    regressor_ : estimator
        The fitted clone of ``regressor``.
    transformer_ : transformer or None
        The fitted clone of ``transformer``.
    log_ : bool
        Whether the model works on the log scale (``log``, decided).
    seasonal_difference_ : bool
        Whether the target is the change from one season before
        (``seasonal_difference``, decided).
    series_ : ndarray or None
        The fitted panel's series ids (with ``scale_series``).
    series_scale_ : ndarray or None
        Each of those series' scale.
    horizons_ : ndarray of int
        Steps ahead of each output: the horizons
        :func:`~skl_lstm.datasets.make_supervised` recorded, else ``1 .. n_outputs``
        (read by :func:`skl_lstm.forecast`).
    calibration_residuals_ : ndarray of shape (n_calibration, n_outputs) or None
        Residuals of rows the fit did not train on, in the regressor's space
        (the scaled change), which :meth:`predict_interval` and
        :meth:`predict_quantiles` use: after ``fit``, those the regressor
        recorded on its validation tail (:class:`~skl_lstm.LSTMRegressor`,
        alone or as a pipeline's last step); after :meth:`calibrate`, those
        of the rows passed to it. None when the regressor records none.
    calibration_scale_ : ndarray of shape (n_calibration,) or None
        Each calibration row's scale (see ``interval_scale_window``).
    calibration_source_ : str or None
        Where the residuals came from, when not the validation tail of ``fit``.
    interval_series_ : ndarray
        The fitted series (``[None]`` for one series), with
    interval_series_scale_ : ndarray
        each one's mean absolute one-step change over the rows ``fit`` saw: a
        row's interval scale when too few rows before it are given.
    validation_errors_ : dict or None
        Mean absolute error on the validation tail the regressor held out,
        in the regressor's space (the standardised change, so outputs weigh
        alike), of ``"model"``, ``"naive"`` and (with ``seasonal_period``)
        ``"seasonal_naive"``. None when the regressor records no tail.
    forecaster_ : str
        What :meth:`predict` forecasts with: ``"model"``, or with
        ``fallback`` the baseline that beat it on the validation tail.
    choices_ : dict of str to Choice
        What ``fit`` decided from the data, each a ``(value, why)`` named
        tuple: ``"log"`` (``log_``); ``"seasonal_difference"``
        (``seasonal_difference_``); ``"window"``, when a parameter of the
        regressor is ``lookback="auto"`` (``recommended_pipeline(window=
        "auto")``): two seasons (12 without a season), unless a shorter
        candidate (one season, a quarter; 24 or 6 without a season) beat it
        by more than one standard error in a ridge fit of the change on past
        changes, scored on the validation tail (a panel keeps the default);
        and ``"forecaster"`` (``forecaster_``). See ``docs/recipe.md``.
    seasonal_naive_ : SeasonalNaiveForecaster or None
        The seasonal naive forecast (the base of the target with
        ``seasonal_difference_``, and the baseline compared with), fitted on
        the reference column as the regressor sees it (logged, scaled); None
        without ``seasonal_period``, or without both a validation tail and
        seasonal differencing.
    %(reference_attributes)s

    See Also
    --------
    skl_lstm.WindowTransformer : Differences the inputs.
    sklearn.compose.TransformedTargetRegressor : The target transform this mirrors.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_lstm import DifferencedTargetRegressor
    >>> X = np.arange(10.0).reshape(-1, 1) * 3; y = X[:, 0] + 3
    >>> model = DifferencedTargetRegressor().fit(X[:8], y[:8])
    >>> model.predict(X[8:])  # the trend continues beyond the training range
    array([27., 30.])
    >>> X = 2.0 ** np.arange(1, 11).reshape(-1, 1); y = 2 * X[:, 0]  # doubles every step
    >>> DifferencedTargetRegressor(log=True).fit(X[:8], y[:8]).predict(X[8:])
    array([1024., 2048.])

    Forecast intervals, calibrated on rows the fit did not see (the recipe's
    LSTM records its validation tail instead, so it needs no ``calibrate``):

    >>> rng = np.random.default_rng(0)
    >>> series = 100 + np.cumsum(rng.normal(size=200))
    >>> X, y = series[:-1, None], series[1:]
    >>> model = DifferencedTargetRegressor().fit(X[:120], y[:120]).calibrate(X[120:180], y[120:180])
    >>> model.predict_interval(X[180:182], coverage=0.9).round(2)
    array([[103.56, 107.41],
           [102.53, 106.38]])
    """

    _parameter_constraints: dict = {
        "regressor": [HasMethods(["fit", "predict"]), None],
        "reference": [Integral, str],
        "transformer": [HasMethods(["fit", "transform", "inverse_transform"]), None],
        "log": ["boolean", StrOptions({"auto"})],
        "scale_series": ["boolean", StrOptions({"auto"})],
        "interval_scale_window": [Interval(Integral, 2, None, closed="left"), None],
        "seasonal_period": [Interval(Integral, 1, None, closed="left"), None],
        "fallback": ["boolean", StrOptions({"auto"})],
        "seasonal_difference": ["boolean", StrOptions({"auto"})],
    }

    def __init__(
        self, regressor=None, *, reference="auto", transformer=None, log=False, scale_series=False,
        interval_scale_window=26, seasonal_period=None, fallback=False, seasonal_difference=False,
    ):
        self.regressor = regressor
        self.reference = reference
        self.transformer = transformer
        self.log = log
        self.scale_series = scale_series
        self.interval_scale_window = interval_scale_window
        self.seasonal_period = seasonal_period
        self.fallback = fallback
        self.seasonal_difference = seasonal_difference

    def set_params(self, **params):
        """Set the parameters of this estimator and of the estimators inside it.

        The names of the nested recipe of skl_lstm 0.1
        (``regressor__regressor__<step>__<param>``,
        ``regressor__model__regressor__regressor__<step>__<param>``) are
        translated to the flat names (``regressor__<step>__<param>``) with a
        ``FutureWarning``; they stop working in the next release.

        Parameters
        ----------
        **params : dict
            Parameter names and values.

        Returns
        -------
        self : DifferencedTargetRegressor
            The estimator.
        """
        valid = self.get_params(deep=True)
        flat = {}
        for key, value in params.items():
            new = flat_recipe_key(key, valid)
            if new != key:
                why = (
                    "the name in the nested recipe of skl_lstm 0.1; the recipe is now one DifferencedTargetRegressor "
                    "around one Pipeline"
                    if key.startswith(tuple(old for old, _ in _NESTED_RECIPE_PREFIXES))
                    else "the name in the recipe of skl_lstm 0.2; the LSTM now cuts its own windows (lookback) from "
                    "the rows the 'difference' step differences"
                )
                warnings.warn(
                    f"{key!r} is {why}: write {new!r}. The old name stops working in the next release.",
                    FutureWarning,
                    stacklevel=user_stacklevel(),
                )
            flat[new] = value
        return super().set_params(**flat)

    def _inputs(self, X, reset, y=None, order=None):
        """Validate ``X``; return what the regressor gets (``log(X)`` with log=True) and the reference column.

        With ``reset`` (in ``fit``, where ``y`` is given, and ``order``, the
        rows' time order when they are one series) ``log`` and
        ``scale_series`` are decided and each series' scale recorded.
        """
        name = type(self).__name__
        # Validate a view of X, but hand the original (e.g. a DataFrame whose
        # index WindowTransformer uses for carry-over) to the inner regressor.
        checked = validate_data(
            self,
            X,
            reset=reset,
            accept_sparse=False,
            allow_nd=True,
            dtype=None,
            # NaN policy belongs to the inner model (a Pipeline does not report
            # its steps' tags); only the reference column must be finite.
            ensure_all_finite="allow-nan",
        )
        if reset:
            self.reference_index_ = resolve_reference(X, self.reference, name)
        values = np.asarray(checked, dtype=np.float64) if reset or self.log_ else None
        bad = None if values is None else _first_nonpositive(values)
        if reset:
            self.choices_ = {"log": self._choose_log(checked, y, positive=bad is None, order=order)}
            self.log_ = bool(self.choices_["log"].value)
        if self.log_:
            if bad is not None:
                raise ValueError(
                    f"{name}: log=True needs positive X, but X holds {float(values[bad])!r} at row {bad[0]}, column "
                    f"{bad[1]}. Pass log=False, or drop or shift the inputs that can be zero or negative."
                )
            with np.errstate(divide="ignore", invalid="ignore"):
                X = np.log(X) if isinstance(X, pd.DataFrame | pd.Series) else np.log(values)
            checked = X
        ref = reference_values(checked, self.reference_index_, name)
        if reset:
            self._fit_series_scales(X, ref)
        scales = self._row_scales(X, ref)
        if scales is not None:
            ref = ref / scales
            X = _with_column(X, self.reference_index_, ref)
        return X, ref, scales

    def _choose_log(self, checked, y, positive, order):
        """Whether to work on logs, and why (``log``; ``"auto"`` decides from the data).

        ``order``: the rows' time order when they are one series (None for a panel).
        """
        if self.log != "auto":
            return Choice(bool(self.log), f"log={self.log!r} was given")
        if not positive or _first_nonpositive(np.asarray(y, dtype=np.float64)) is not None:
            return Choice(False, "X or y holds zero or negative values, which have no log")
        if order is None:  # every series in relative changes, so that series of every scale share one network
            return Choice(True, "a panel of positive series: in logs, series of every scale share one network in "
                                "relative changes")
        level = reference_values(checked, self.reference_index_, type(self).__name__, finite=False)
        return choose_log(level[order], self.seasonal_period)

    def _choose_window(self, base, order, ref, change):
        """The regressor with its ``lookback="auto"`` parameters set to the window chosen from the data.

        Records the choice as ``choices_["window"]``; a regressor without
        such a parameter is returned as it is.
        """
        params = base.get_params(deep=True)
        keys = [key for key in params if key == "lookback" or key.endswith("__lookback")]
        auto = [key for key in keys if isinstance(params[key], str) and params[key] == "auto"]
        if not auto:
            return self._fit_window(base, params, keys, order, len(ref))
        if order is None:
            window = default_window(self.seasonal_period)
            choice = Choice(window, "a panel: the default window, two seasons (12 without a season); pass "
                                    "window= to choose another")
        else:
            choice = choose_window(np.asarray(ref)[order], np.asarray(change)[order], self.seasonal_period,
                                   self._validation_fraction(params, auto))
        self.choices_["window"] = choice
        return base.set_params(**{key: int(choice.value) for key in auto})

    def _choose_seasonal_difference(self, X, ref, change, order):
        """``seasonal_difference_`` (``seasonal_difference``, decided, in ``choices_``), and with it
        ``seasonal_naive_``, the base of the target.

        ``ref`` is the reference column as the regressor sees it (logged),
        ``change`` the change from the last value, ``order`` the rows' time
        order when they are one series (None for a panel).
        """
        period = self.seasonal_period
        seasonal = period is not None and period >= 2
        if self.seasonal_difference != "auto":
            if self.seasonal_difference and not seasonal:
                raise ValueError(
                    f"{type(self).__name__}: seasonal_difference=True needs the season's length, but "
                    f"seasonal_period={period!r}. Pass seasonal_period (12 for monthly data), or "
                    "seasonal_difference=False."
                )
            choice = Choice(bool(self.seasonal_difference), f"seasonal_difference={self.seasonal_difference!r} was "
                                                            "given")
        elif not seasonal:
            choice = Choice(False, "no season (seasonal_period is None or 1): the change from the last value")
        elif order is None:
            choice = Choice(False, "a panel: the change from the last value (pass seasonal_difference=True for the "
                                   "change from one season before)")
        else:
            choice = choose_seasonal_difference(np.asarray(ref)[order], period)
        self.choices_["seasonal_difference"] = choice
        self.seasonal_difference_ = bool(choice.value)
        self.seasonal_naive_ = self._fit_seasonal_naive(X, ref, change) if self.seasonal_difference_ else None

    def _fit_seasonal_naive(self, X, ref, change):
        """A :class:`~skl_lstm.baselines.SeasonalNaiveForecaster` of the reference column as the regressor sees it
        (logged, scaled); ``change`` gives the outputs (horizons)."""
        from ..baselines import SeasonalNaiveForecaster

        return SeasonalNaiveForecaster(self.seasonal_period, reference=0).fit(
            self._reference_frame(X, ref), np.asarray(change).reshape(len(change), -1)
        )

    def _seasonal_change(self, X, ref, rows=None):
        """The seasonal naive forecast of every row of ``X`` (of ``rows`` of it), as a change from the row's
        reference value: an array of shape (rows, outputs), before the ``transformer``.

        It reads every row's history (rows that continue the fitted index
        read the fitted season; a row without a season of history gets the
        last value), so it forecasts every row; only ``rows`` are kept.
        """
        with warnings.catch_warnings():  # rows without a season of history get the naive forecast: as meant
            warnings.filterwarnings("ignore", message="SeasonalNaiveForecaster: ", category=UserWarning)
            level = self.seasonal_naive_.predict(self._reference_frame(X, ref))
        level = np.asarray(level, dtype=np.float64).reshape(len(ref), -1)
        at = np.asarray(ref, dtype=np.float64)
        if rows is not None:
            level, at = level[rows], at[rows]
        return np.subtract(level, at[:, None], out=level if rows is not None else None)

    def _seasonal_base(self, X, ref):
        """What :meth:`_to_level` adds back with ``seasonal_difference_``: the change of one season (else None)."""
        return self._seasonal_change(X, ref) if self.seasonal_difference_ else None

    @staticmethod
    def _validation_fraction(params, keys):
        """The validation fraction of the regressor that has the ``lookback`` parameters ``keys`` (0.15, the
        recipe's, if none is found)."""
        fractions = [params.get(key[: -len("lookback")] + "validation_fraction") for key in keys]
        return float(next((f for f in fractions if isinstance(f, float | int) and 0 < f < 1), 0.15))

    def _fit_window(self, base, params, keys, order, n_rows):
        """``base`` with a given window that is longer than one series' training rows shortened to one that fits.

        A window longer than the rows before the validation tail leaves no
        complete training window (a 93-week series with two seasons of 52
        weeks): it becomes the longest of the candidate windows that fits
        (:func:`~._choices.fitting_window`), with a warning and a
        ``choices_["window"]`` record. A panel's windows are left as given.
        """
        windows = [params[key] for key in keys if isinstance(params[key], Integral)]
        if order is None or not windows:
            return base
        fraction = self._validation_fraction(params, keys)
        rows = n_rows - int(np.ceil(fraction * n_rows))  # LSTMRegressor's validation tail rounds up
        window = max(windows)
        if window <= rows:
            return base
        shorter = fitting_window(self.seasonal_period, rows)
        if shorter >= window:
            return base
        why = (f"the window of {window} rows is longer than the {rows} training rows before the validation tail, so "
               f"no training window would be complete: {shorter}, the longest candidate window that fits")
        self.choices_["window"] = Choice(shorter, why)
        warnings.warn(
            f"{type(self).__name__}: {why}. Pass a window of at most {rows} rows, or fit on a longer series, to "
            "choose it yourself.",
            UserWarning,
            stacklevel=user_stacklevel(),
        )
        return base.set_params(**{key: min(int(params[key]), shorter) for key in keys
                                  if isinstance(params[key], Integral)})

    def _fit_series_scales(self, X, ref):
        """``series_`` and ``series_scale_`` (None unless ``scale_series`` applies to this panel)."""
        scale = (not self.log_) if self.scale_series == "auto" else bool(self.scale_series)
        self.series_, self.series_scale_ = None, None
        if is_panel(X) and scale:
            scales = _series_scales(X, ref)
            self.series_, self.series_scale_ = np.asarray(scales.index), scales.to_numpy()

    def _row_scales(self, X, ref):
        """Each row's series scale (None without ``scale_series``); a series unseen in ``fit`` gets its own."""
        return _lookup_scales(X, ref, self.series_, self.series_scale_)

    def _interval_scales(self, X, ref, reset=False):
        """Each row's interval scale: the mean absolute one-step change of its series' reference column over the
        ``interval_scale_window`` rows up to it (None without a window).

        ``ref`` is the reference column as the regressor sees it (logged,
        divided by the series scale). A row with fewer than half a window of
        changes before it in ``X`` takes its series' scale over the rows
        ``fit`` saw (``interval_series_scale_``; with ``reset``, that is what is
        recorded), a series unseen in ``fit`` that over its own rows, and
        failing those the median of the fitted series' scales.
        """
        window = self.interval_scale_window
        if window is None:
            if reset:
                self.interval_series_, self.interval_series_scale_ = None, None
            return None
        panel = Panel.rows_of(X, len(ref), type(self).__name__)
        local, overall = _rolling_mean_changes(panel, np.asarray(ref, dtype=np.float64), int(window))
        labels = panel.series if is_panel(X) else pd.Index([None])
        if reset:
            self.interval_series_ = np.asarray(labels, dtype=object)
            self.interval_series_scale_ = overall
        fitted_series = self.interval_series_  # None: fitted before intervals existed
        fitted = np.zeros(0) if fitted_series is None else self.interval_series_scale_
        known = pd.Index([] if fitted_series is None else fitted_series, dtype=object).get_indexer(
            pd.Index(labels, dtype=object))
        fallback = overall.copy()
        fallback[known >= 0] = fitted[known[known >= 0]]
        usable = fitted[np.isfinite(fitted) & (fitted > 0)]
        median = float(np.median(usable)) if usable.size else 1.0
        fallback = np.where(np.isfinite(fallback) & (fallback > 0), fallback, median)
        owner = np.repeat(np.arange(panel.n_series), np.diff(panel.bounds))
        local = np.where(np.isfinite(local) & (local > 0), local, fallback[owner])
        return panel.unsort(local)

    def _inner_tags(self):
        base = LinearRegression() if self.regressor is None else self.regressor
        return base.__sklearn_tags__()

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit the regressor on the (scaled) change ``y - x_last``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, steps, features)
            Inputs, containing the reference column.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets on their original scale.
        **fit_params : dict
            Passed to ``regressor.fit``.

        Returns
        -------
        self : DifferencedTargetRegressor
            The fitted estimator.
        """
        order = _one_series_order(X, _num_samples(X))  # the rows' time order when they are one series; None for a panel
        X_in, change, ref = self._regressor_data(X, y, reset=True, with_ref=True, order=order)
        y_shape = np.asarray(y).shape
        n_outputs = 1 if len(y_shape) == 1 else y_shape[1]
        record = supervised_record(X, y)
        known = record is not None and len(record["horizons"]) == n_outputs
        self.horizons_ = np.asarray(record["horizons"] if known else range(1, n_outputs + 1))
        base = LinearRegression() if self.regressor is None else self.regressor
        self.regressor_ = self._choose_window(clone(base), order, ref, change).fit(X_in, change, **fit_params)
        holder = _residual_holder(self.regressor_)
        self.calibration_residuals_ = None if holder is None else holder.calibration_residuals_
        self.calibration_source_ = None if holder is None else holder.calibration_source_
        scales = self._interval_scales(X, ref, reset=True)
        self.calibration_scale_ = None
        rows = None if holder is None else getattr(holder, "calibration_rows_", None)
        if rows is not None and len(rows) != len(holder.calibration_residuals_):
            rows = None  # residuals of unknown rows
        if holder is not None and scales is not None:
            if rows is None:
                self.calibration_residuals_ = None  # residuals of unknown rows cannot be put on their scale
            else:
                self.calibration_scale_ = scales[rows]
        # the comparison needs the change on the validation rows only: the whole of it (as large as y) is let
        # go before the seasonal naive forecast of every row is made
        truth = self._fit_baselines(X, change, ref, rows)
        del change
        self._compare_with_baselines(X, truth, ref, rows, single=order is not None)
        return self

    def _reference_frame(self, X, ref):
        """The reference column as the regressor sees it (logged, scaled), keeping ``X``'s index and record.

        A past value picked from it is the same pick of the logged, scaled
        series, so a baseline read from it is already in the regressor's
        space; other columns (which may have gaps) play no part.
        """
        if not isinstance(X, pd.DataFrame | pd.Series):
            return np.asarray(ref, dtype=np.float64)[:, None]
        frame = pd.DataFrame({"reference": np.asarray(ref, dtype=np.float64)}, index=X.index)
        frame.attrs = dict(X.attrs)  # make_supervised's record of the horizons
        return frame

    def _baseline_changes(self, X, ref, names=("naive", "seasonal_naive"), rows=None):
        """The naive and seasonal naive forecasts (those of ``names``) of every row of ``X`` (of the rows
        ``rows`` of it, if given), as changes in the regressor's space.

        The naive forecast is the last value: a change of 0. The seasonal
        naive one is ``seasonal_naive_``'s (:meth:`_seasonal_change`). With
        ``seasonal_difference_`` the regressor's target is the change from
        the seasonal naive forecast, so that one is 0 and the naive one the
        negative of the season's change.
        """
        n_outputs = len(self.horizons_)
        n_rows = len(ref) if rows is None else len(rows)
        seasonal = None
        if self.seasonal_naive_ is not None and (self.seasonal_difference_ or "seasonal_naive" in names):
            seasonal = self._seasonal_change(X, ref, rows)
        if self.seasonal_difference_:
            found = {"naive": -seasonal, "seasonal_naive": np.zeros_like(seasonal)}
        else:
            found = {"naive": np.zeros((n_rows, n_outputs))} if "naive" in names else {}
            if seasonal is not None:
                found["seasonal_naive"] = seasonal
        baselines = {name: found[name] for name in names if name in found}
        if self.transformer_ is not None:
            baselines = {
                name: np.asarray(self.transformer_.transform(change), dtype=np.float64).reshape(-1, n_outputs)
                for name, change in baselines.items()
            }
        return baselines

    def _fit_baselines(self, X, change, ref, rows):
        """``seasonal_naive_`` (with a validation tail and a season), and the change on the validation rows
        ``rows`` as :meth:`_compare_with_baselines` takes it (None without a validation tail).

        With ``seasonal_difference_``, ``seasonal_naive_`` was fitted already
        (:meth:`_choose_seasonal_difference`, earlier in the same ``fit``), as the base of the target.
        """
        if rows is None or len(rows) == 0:
            return None
        if self.seasonal_naive_ is None and self.seasonal_period is not None and self.seasonal_period >= 2:
            self.seasonal_naive_ = self._fit_seasonal_naive(X, ref, change)
        return np.asarray(change, dtype=np.float64).reshape(len(change), -1)[rows]

    def _compare_with_baselines(self, X, truth, ref, rows, single):
        """``validation_errors_`` and ``forecaster_``; warn (and with ``fallback``, switch) when a baseline wins.

        ``truth`` is the change on the validation rows ``rows`` (None without them), after :meth:`_fit_baselines`.
        """
        self.validation_errors_, self.forecaster_ = None, "model"
        if truth is None:
            self.choices_["forecaster"] = Choice("model", "the regressor held out no validation tail to compare it "
                                                          "with the naive forecasts on")
            return
        errors = {"model": float(np.mean(np.abs(self.calibration_residuals_)))}
        residuals = {}
        for name, forecast in self._baseline_changes(X, ref, rows=rows).items():
            residuals[name] = truth - forecast
            errors[name] = float(np.mean(np.abs(residuals[name])))
        self.validation_errors_ = errors
        best = min((name for name in errors if name != "model"), key=errors.get)
        label = best.replace("_", " ")
        table = ", ".join(f"{key.replace('_', ' ')} {value:.4g}" for key, value in errors.items())
        if errors["model"] <= errors[best]:
            self.choices_["forecaster"] = Choice(
                "model", f"on the {len(rows)}-row validation tail the model's mean absolute error is at most the "
                         f"{label} forecast's ({table})")
            return
        name = type(self).__name__
        # each validation row's mean absolute error over the outputs: the model's less the baseline's
        excess = (np.mean(np.abs(self.calibration_residuals_), axis=1)
                  - np.mean(np.abs(residuals[best]), axis=1))
        switch, why = self._fallback_on(excess, single)
        self.choices_["forecaster"] = Choice(
            best if switch else "model",
            f"on the {len(rows)}-row validation tail the {label} forecast beat the model ({table}); " + why)
        if switch:
            self.forecaster_ = best
            self.calibration_residuals_ = residuals[best]
            action = f"fallback={self.fallback!r}: it forecasts with the {label} forecast instead (forecaster_)."
        elif self.fallback == "auto":
            reason = (f"keeps the model, as the win is within chance on {len(rows)} rows" if single else
                      "keeps a panel's network")
            action = (
                f"fallback='auto' {reason} (choices_['forecaster']); pass fallback=True to forecast with the {label} "
                "forecast whenever it wins."
            )
        else:
            action = (
                f"Look at skl_lstm.diagnose, give the model more data, or pass fallback=True "
                f"(recommended_pipeline(..., fallback=True)) to forecast with the {label} forecast then."
            )
        warnings.warn(
            f"{name}: on the validation tail the fit held out ({len(rows)} rows), the model's mean absolute "
            f"error ({errors['model']:.4g}, standardised) is above the {label} forecast's ({errors[best]:.4g}); "
            f"its forecasts are likely worse than the {label} forecast's. {action}",
            WorseThanBaselineWarning,
            stacklevel=user_stacklevel(),
        )

    def _fallback_on(self, excess, single) -> tuple[bool, str]:
        """Whether a baseline that beat the model on the validation tail replaces it (``fallback``, decided), and
        why in words. ``excess``: each validation row's error of the model less the baseline's; ``single``: the
        rows are one series.

        ``"auto"``: for one series, when the baseline's win is significant (a
        one-sided paired t-test at 5 % on ``excess``); a few rows in which the
        baseline happened to do better (a trend that paused) do not decide.
        """
        if self.fallback != "auto":
            return (bool(self.fallback), "fallback: it forecasts instead" if self.fallback else
                    f"fallback={self.fallback!r}: the model forecasts anyway")
        if not single:
            return False, "fallback='auto' on a panel: the model forecasts anyway"
        n = len(excess)
        spread = float(np.std(excess, ddof=1)) / np.sqrt(n) if n >= 2 else 0.0
        t = float(np.mean(excess)) / spread if spread > 0 else (np.inf if n >= 2 else 0.0)
        if t > FALLBACK_T:
            return True, f"the win is significant (paired t = {t:.2f} > {FALLBACK_T}): it forecasts instead"
        return False, (f"fallback='auto': the win is within chance (paired t = {t:.2f}, not above {FALLBACK_T}), "
                       "so the model forecasts")

    def _change_forecast(self, X, X_in, ref):
        """The forecast change in the regressor's space: the regressor's, or the baseline that replaced it."""
        if self.forecaster_ == "model":
            return self.regressor_.predict(X_in)
        chosen = self._baseline_changes(X, ref, names=(self.forecaster_,))[self.forecaster_]
        return chosen[:, 0] if self._y_ndim == 1 else chosen

    def calibrate(self, X, y):
        """Replace the calibration residuals by those of ``(X, y)``, rows the model was not fitted on.

        The residuals are taken where the regressor works, on the (scaled)
        change it learns, so :meth:`predict_interval` maps them back to
        ``y``'s scale exactly as :meth:`predict` maps the forecast (a
        regressor trained with ``quantiles`` is calibrated on them too). Without a
        call, the residuals are those the regressor recorded on the
        validation tail its fit held out
        (:class:`~skl_lstm.LSTMRegressor`'s ``calibration_residuals_``).
        Pass rows that follow the training data in time, as a pandas object
        whose index continues it (each series' windows then carry its
        history over), and at least ``coverage / (1 - coverage)`` of them
        (19 for 95 %).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs, containing the reference column.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Their observed targets, on the original scale.

        Returns
        -------
        self : DifferencedTargetRegressor
            The estimator, with ``calibration_residuals_`` replaced.

        Examples
        --------
        >>> import numpy as np
        >>> from skl_lstm import DifferencedTargetRegressor
        >>> rng = np.random.default_rng(0)
        >>> series = np.cumsum(rng.normal(size=160)) + 50  # a random walk
        >>> X, y = series[:-1, None], series[1:]
        >>> model = DifferencedTargetRegressor().fit(X[:100], y[:100]).calibrate(X[100:140], y[100:140])
        >>> model.calibration_residuals_.shape
        (40, 1)
        >>> lower, upper = model.predict_interval(X[140:], coverage=0.8).T
        >>> float(np.mean((lower <= y[140:]) & (y[140:] <= upper)))  # 15 of the 19 rows
        0.789...
        """
        check_is_fitted(self)
        X_in, change, ref = self._regressor_data(X, y, reset=False, with_ref=True)
        predicted = np.asarray(self._change_forecast(X, X_in, ref), dtype=np.float64)
        change = np.asarray(change, dtype=np.float64).reshape(len(change), -1)
        self.calibration_residuals_ = change - predicted.reshape(change.shape)
        self.calibration_scale_ = self._interval_scales(X, ref)
        self.calibration_source_ = f"calibrate() on {len(change)} rows"
        steps, holder = _quantile_holder(self.regressor_)
        if holder is not None:  # its trained quantiles are conformalised on these rows too
            holder.calibrate(X_in if steps is None else steps.transform(X_in), change.reshape(predicted.shape))
        return self

    def _interval_center(self, X):
        """The forecast change in the regressor's space, and the monotone increasing map of it to ``y``."""
        check_is_fitted(self)
        X_in, ref, scales = self._inputs(X, reset=False)
        change = np.asarray(self._change_forecast(X, X_in, ref), dtype=np.float64)

        seasonal = self._seasonal_base(X, ref)

        def to_target(values):
            return self._to_level(values, ref, scales, seasonal=seasonal)

        return change, to_target, self._interval_scales(X, ref)

    def _trained_quantiles(self, X, quantiles, asked):
        """The regressor's trained quantiles (LSTMRegressor with ``quantiles``, alone or last in a pipeline),
        with the monotone increasing map of its space to ``y``: exact, as quantiles commute with it."""
        check_is_fitted(self)
        steps, holder = _quantile_holder(self.regressor_)
        if holder is None or self.forecaster_ != "model":  # a baseline forecasts: its own conformal interval
            return None
        X_in, ref, scales = self._inputs(X, reset=False)
        trained = holder._trained_quantiles(X_in if steps is None else steps.transform(X_in), quantiles, asked)
        if trained is None:
            return None
        bands, to_change = trained
        seasonal = self._seasonal_base(X, ref)

        def to_target(values):
            return self._to_level(np.asarray(to_change(values), dtype=np.float64), ref, scales, seasonal=seasonal)

        return bands, to_target

    def _regressor_data(self, X, y, reset, with_ref=False, order=None):
        """What the regressor learns from ``(X, y)``: ``X`` (``log(X)``) and the (scaled) change (and the
        reference column as the regressor sees it, ``with_ref``).

        With ``reset`` (in ``fit``) the reference column is resolved and the
        transformer fitted; otherwise the fitted ones are used, so
        :func:`~skl_lstm.diagnose` sees the targets the network trained on.
        """
        name = type(self).__name__
        if y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None.")
        X_in, ref, scales = self._inputs(X, reset=reset, y=y, order=order)
        y_arr = np.asarray(y, dtype=np.float64)
        if y_arr.shape[0] != ref.shape[0]:
            raise ValueError(f"X has {ref.shape[0]} rows but y has {y_arr.shape[0]}; pass one target per row of X.")
        check_finite_target(y_arr, name)
        if self.log_:
            bad = _first_nonpositive(y_arr)
            if bad is not None:
                raise ValueError(
                    f"{name}: log=True needs a positive y, but y holds {float(y_arr[bad])!r} at row {bad[0]}. Pass "
                    "log=False, or shift the series to positive values."
                )
        # y_arr may be the caller's own data (a view of y); once a step has made a new array, the later steps
        # work in it in place, so the change costs one target-sized array (a panel's y is 13 times its rows)
        own = False
        if self.log_:
            y_arr, own = np.log(y_arr), True
        if scales is not None:
            y_arr = np.divide(y_arr, scales[:, None] if y_arr.ndim == 2 else scales, out=y_arr if own else None)
            own = True
        change = np.subtract(y_arr, ref[:, None] if y_arr.ndim == 2 else ref, out=y_arr if own else None)
        del y_arr
        if reset:
            self._choose_seasonal_difference(X, ref, change, order)
        if self.seasonal_difference_:  # the change from one season before: the seasonal naive forecast's change
            change -= self._seasonal_change(X, ref).reshape(change.shape)
        if reset:
            self._y_ndim = change.ndim
            self.transformer_ = None if self.transformer is None else clone(self.transformer)
        if self.transformer_ is not None:
            # as TransformedTargetRegressor: transformers take 2-D input; one column goes back to 1-D
            change_2d = change.reshape(-1, 1) if change.ndim == 1 else change
            if reset:
                self.transformer_.fit(change_2d)
            change = np.asarray(self._in_place("transform", change_2d), dtype=np.float64)
            del change_2d
            if change.ndim == 2 and change.shape[1] == 1:
                change = change[:, 0]
        return (X_in, change, ref) if with_ref else (X_in, change)

    def _in_place(self, method, values):
        """``transformer_.<method>(values)`` of ``values`` no one else holds: in place where the method takes
        ``copy`` (StandardScaler's transform and inverse_transform), the same values without a second
        target-sized array."""
        import inspect

        function = getattr(self.transformer_, method)
        try:
            in_place = "copy" in inspect.signature(function).parameters
        except (TypeError, ValueError):
            in_place = False
        return function(values, copy=False) if in_place else function(values)

    def _fresh_forecast(self):
        """Whether :meth:`_change_forecast` returns a new array no one else holds, which :meth:`predict` may
        then work in: a baseline's, or skl_lstm's LSTMRegressor's (alone or last in a pipeline). Another
        regressor's ``predict`` might return an array it keeps."""
        if self.forecaster_ != "model":
            return True
        final = self.regressor_
        while isinstance(final, Pipeline):
            final = final.steps[-1][1]
        module = sys.modules.get("skl_lstm.lstm._estimator")  # not loaded: the regressor is no LSTMRegressor
        return module is not None and isinstance(final, module.LSTMRegressor)

    def predict(self, X):
        """Predict the change, undo its scaling, add back the last observed level (and undo the log).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, steps, features)
            Inputs, containing the reference column.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Forecasts on the original scale.
        """
        check_is_fitted(self)
        X_in, ref, scales = self._inputs(X, reset=False)
        return self._to_level(self._change_forecast(X, X_in, ref), ref, scales, fresh=self._fresh_forecast(),
                              seasonal=self._seasonal_base(X, ref))

    def _to_level(self, change, ref, scales, fresh=False, seasonal=None):
        """The regressor's output mapped to ``y``: inverse transformer, + reference (+ ``seasonal``, the season's
        change with ``seasonal_difference_``), x series scale, exp.

        Monotone increasing in ``change`` (the transformer's inverse must be, as
        StandardScaler's is), so it maps quantiles to quantiles. ``fresh``:
        ``change`` is a new array no one else holds, worked in in place (a
        panel's forecasts are as large as its ``y``).
        """
        predicted = change
        if self.transformer_ is not None:
            values = change.reshape(-1, 1) if change.ndim == 1 else change
            inverse = self.transformer_.inverse_transform
            change = self._in_place("inverse_transform", values) if fresh else inverse(values)
        change = np.asarray(change, dtype=np.float64)
        if change.ndim == 2 and self._y_ndim == 1:
            change = change[:, 0]
        # the transformer's own new array (or a fresh forecast) is added to in place; any other (the regressor's
        # output, or a view) is left as it is and the level is a new array
        if fresh:  # the whole of a new array (not a strided view, which would keep a larger one alive)
            own = change.flags.writeable and (change.flags.c_contiguous or change.flags.f_contiguous)
        else:
            own = change.flags.owndata and change.flags.writeable and not np.may_share_memory(change, predicted)
        level = np.add(change, ref[:, None] if change.ndim == 2 else ref, out=change if own else None)
        if seasonal is not None:
            level += seasonal if level.ndim == 2 else seasonal[:, 0]
        if scales is not None:
            level *= scales[:, None] if level.ndim == 2 else scales
        return np.exp(level, out=level) if self.log_ else level

    def __getstate__(self):
        """The state, with ``choices_`` as plain ``[value, why]`` pairs (which the safe save format stores)."""
        state = super().__getstate__()
        if isinstance(state.get("choices_"), dict):
            state = {**state, "choices_": {name: [choice.value, choice.why]
                                           for name, choice in state["choices_"].items()}}
        return state

    def __setstate__(self, state):
        """Restore a state, filling what a model saved by an earlier release lacks."""
        state = dict(state)
        if isinstance(state.get("choices_"), dict):
            state["choices_"] = {name: Choice(*pair) for name, pair in state["choices_"].items()}
        elif "regressor_" in state:  # fitted before the choices were recorded
            state["choices_"] = {"log": Choice(bool(state.get("log_", state.get("log"))),
                                               "fitted by a release that did not record its choices")}
        state.setdefault("scale_series", False)
        if "regressor_" in state:  # fitted before log="auto" and scale_series existed
            state.setdefault("log_", bool(state.get("log")))
            state.setdefault("series_", None)
            state.setdefault("series_scale_", None)
            state.setdefault("calibration_residuals_", None)  # fitted before intervals existed
            state.setdefault("calibration_source_", None)
            state.setdefault("calibration_scale_", None)
            state.setdefault("interval_series_", None)
            state.setdefault("interval_series_scale_", None)
            state.setdefault("validation_errors_", None)  # fitted before the baseline comparison existed
            state.setdefault("forecaster_", "model")
            state.setdefault("seasonal_naive_", None)
            state.setdefault("seasonal_difference_", False)  # fitted before seasonal differencing existed
        state.setdefault("seasonal_difference", False)
        state.setdefault("interval_scale_window", 26)
        state.setdefault("seasonal_period", None)
        state.setdefault("fallback", False)
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self._inner_tags()
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.sparse = False
        tags.target_tags.multi_output = True
        tags.non_deterministic = inner.non_deterministic
        # a regressor whose tags predate scikit-learn 1.6 (scikeras' KerasRegressor) reports none
        tags.regressor_tags.poor_score = getattr(inner.regressor_tags, "poor_score", False)
        return tags


def _residual_holder(regressor):
    """The estimator inside ``regressor`` that recorded calibration residuals in ``regressor``'s target space.

    That is ``regressor`` itself or the last step of a pipeline (a pipeline
    passes ``y`` unchanged to it); None if neither records any.
    """
    while isinstance(regressor, Pipeline):
        regressor = regressor.steps[-1][1]
    return regressor if getattr(regressor, "calibration_residuals_", None) is not None else None


def _quantile_holder(regressor):
    """``(steps before it, estimator)`` of the estimator that trained quantiles: ``regressor`` itself (steps None)
    or the last step of a pipeline; ``(None, None)`` if it trained none."""
    steps = None
    if isinstance(regressor, Pipeline):
        steps, regressor = regressor[:-1], regressor.steps[-1][1]
    if getattr(regressor, "quantiles_", None) is None or isinstance(regressor, Pipeline):
        return None, None
    return steps, regressor


__all__ = ["DifferencedTargetRegressor", "flat_recipe_key"]
