"""scikit-learn's estimator checks on every public estimator."""

import pytest
from sklearn.linear_model import Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from skl_lstm import (
    DifferencedTargetRegressor,
    KnownFutureTransformer,
    LSTMRegressor,
    NaiveForecaster,
    SeasonalNaiveForecaster,
    WindowTransformer,
)

# Reasons are part of the contract: each expected failure says why a stochastic
# network cannot meet it. Structural checks (tags, mixin order, n_features_in_,
# sparse input, pickling, cloning) are not listed: they all pass.
_WINDOWS_USE_NEIGHBOURS = (
    "by design: row t's window holds rows t-window+1..t, so reordering or "
    "subsetting the rows changes the windows"
)
EXPECTED_FAILURES = {
    "WindowTransformer": {
        "check_methods_sample_order_invariance": _WINDOWS_USE_NEIGHBOURS,
        "check_methods_subset_invariance": _WINDOWS_USE_NEIGHBOURS,
    },
    "KnownFutureTransformer": {
        "check_methods_sample_order_invariance": (
            "by design: row t's leads are the rows t+1..t+horizon, so reordering the rows changes them"
        ),
        "check_methods_subset_invariance": (
            "by design: row t's leads are the rows t+1..t+horizon, so subsetting the rows changes them"
        ),
        "check_estimators_pickle": (
            "the check puts NaN anywhere (allow_nan: gaps pass through the past columns) and so in the "
            "known-future column, whose values must be known; pickling is tested in test_covariates.py"
        ),
    },
    "SeasonalNaiveForecaster": {
        "check_methods_sample_order_invariance": "by design: a row's forecast is the value one season (rows) earlier",
        "check_methods_subset_invariance": "by design: a row's forecast is the value one season (rows) earlier",
    },
    "LSTMRegressor": {
        "check_estimator_tags_renamed": (
            "scikeras 0.13's BaseWrapper, our base class, defines _more_tags without __sklearn_tags__; "
            "LSTMRegressor's tags still resolve through BaseEstimator (is_regressor holds, tested), and "
            "patching scikeras for the whole process to pass this check is what we no longer do"
        ),
        "check_sample_weight_equivalence_on_dense_data": (
            "weight 2 versus a duplicated sample changes the mini-batches and so the "
            "stochastic gradient path; predictions agree only approximately"
        ),
    },
}


def _instances():
    return [
        WindowTransformer(window=2),
        WindowTransformer(window=3, diff=1),
        KnownFutureTransformer([-1], horizon=2),  # the last column: the NaN checks put theirs in the first
        NaiveForecaster(),
        SeasonalNaiveForecaster(seasonal_period=2),
        DifferencedTargetRegressor(Ridge()),
        LSTMRegressor(units=4, epochs=2, batch_size=64, random_state=0),
        LSTMRegressor(units=4, epochs=2, batch_size=64, quantiles=(0.1, 0.9), random_state=0),
    ]


@parametrize_with_checks(
    _instances(),
    expected_failed_checks=lambda est: EXPECTED_FAILURES.get(type(est).__name__, {}),
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
