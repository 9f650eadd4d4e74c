"""DifferencedTargetRegressor: learn the change from the last value, add it back."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, _fit_context, clone
from sklearn.linear_model import LinearRegression
from sklearn.utils._param_validation import HasMethods
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._validation import check_finite_target, column_position


def _name_nonfinite(value) -> str:
    return "NaN" if np.isnan(value) else ("inf" if value > 0 else "-inf")


def reference_values(X, position: int, caller: str) -> np.ndarray:
    """The reference column of 2-D ``X`` (or last time step of 3-D ``X``) as float64."""
    arr = np.asarray(X)
    if arr.ndim not in (2, 3):
        raise ValueError(
            f"{caller} needs 2-D X (samples, columns) or 3-D X (samples, steps, features), "
            f"got an array with {arr.ndim} dimension(s); reshape a single series with X.reshape(-1, 1)."
        )
    values = np.asarray(arr[:, -1, position] if arr.ndim == 3 else arr[:, position], dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ValueError(
            f"{caller}: the reference column (position {position}) is {_name_nonfinite(values[bad[0]])} "
            f"at row {int(bad[0])}; the last observed level must be finite. Fill gaps first (e.g. "
            "series.interpolate())."
        )
    return values


class DifferencedTargetRegressor(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """Learn ``y - x_last`` and add ``x_last`` back when predicting.

    Networks cannot extrapolate a trend: a series that rises out of the range
    seen in training gets flat forecasts. Learning the *change* from the last
    observed value removes the trend from the target. ``x_last`` is read from a
    column of ``X`` at prediction time, so the inversion is exact, which
    :class:`~sklearn.compose.TransformedTargetRegressor` cannot do (its inverse
    sees only the predictions). Multi-output ``y`` (several horizons) has the
    same reference subtracted from every column.

    For a log transform, log both ``X`` and ``y`` outside this step, e.g.
    ``TransformedTargetRegressor(make_pipeline(FunctionTransformer(np.log),
    DifferencedTargetRegressor(...)), func=np.log, inverse_func=np.exp)``; that
    is what :func:`skl_lstm.recommended_pipeline` builds with ``log=True``.

    Parameters
    ----------
    regressor : estimator or None, default=None
        Regressor (usually a pipeline ending in
        :class:`~skl_lstm.LSTMRegressor`) fitted on ``X`` and ``y - x_last``.
        None means :class:`~sklearn.linear_model.LinearRegression`.
    reference : int or str, default=0
        Column of ``X`` with the target's level at ``t``: a position or a
        DataFrame column name. For 3-D ``X`` the last time step is used.

    Attributes
    ----------
    regressor_ : estimator
        The fitted clone of ``regressor``.
    reference_index_ : int
        Position of the reference column.
    n_features_in_ : int
        Number of columns of ``X``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` has string column names.

    See Also
    --------
    skl_lstm.WindowTransformer : Differences the inputs.

    Examples
    --------
    >>> import numpy as np
    >>> from skl_lstm import DifferencedTargetRegressor
    >>> X = np.arange(10.0).reshape(-1, 1) * 3; y = X[:, 0] + 3
    >>> model = DifferencedTargetRegressor().fit(X[:8], y[:8])
    >>> model.predict(X[8:])  # the trend continues beyond the training range
    array([27., 30.])
    """

    _parameter_constraints: dict = {
        "regressor": [HasMethods(["fit", "predict"]), None],
        "reference": [Integral, str],
    }

    def __init__(self, regressor=None, *, reference=0):
        self.regressor = regressor
        self.reference = reference

    def _check_X(self, X, reset):
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
            self.reference_index_ = column_position(
                X if checked.ndim == 2 else checked[:, -1, :], self.reference, "reference", type(self).__name__
            )
        return reference_values(checked, self.reference_index_, type(self).__name__)

    def _inner_tags(self):
        base = LinearRegression() if self.regressor is None else self.regressor
        return base.__sklearn_tags__()

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit the regressor on the change ``y - x_last``.

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
        if y is None:
            raise ValueError("DifferencedTargetRegressor requires y to be passed, but the target y is None.")
        ref = self._check_X(X, reset=True)
        y_arr = np.asarray(y, dtype=np.float64)
        if y_arr.shape[0] != ref.shape[0]:
            raise ValueError(f"X has {ref.shape[0]} rows but y has {y_arr.shape[0]}; pass one target per row of X.")
        check_finite_target(y_arr, type(self).__name__)
        self._y_ndim = y_arr.ndim
        change = y_arr - (ref[:, None] if y_arr.ndim == 2 else ref)
        base = LinearRegression() if self.regressor is None else self.regressor
        self.regressor_ = clone(base).fit(X, change, **fit_params)
        return self

    def predict(self, X):
        """Predict the change and add back the last observed level.

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
        ref = self._check_X(X, reset=False)
        change = np.asarray(self.regressor_.predict(X), dtype=np.float64)
        if change.ndim == 2 and self._y_ndim == 1:
            change = change[:, 0]
        return change + (ref[:, None] if change.ndim == 2 else ref)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = self._inner_tags()
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.input_tags.sparse = False
        tags.target_tags.multi_output = True
        tags.non_deterministic = inner.non_deterministic
        tags.regressor_tags.poor_score = inner.regressor_tags.poor_score
        return tags


__all__ = ["DifferencedTargetRegressor", "reference_values"]
