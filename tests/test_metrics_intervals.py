"""Interval metrics and the (estimator, X, y) interval scorers."""

import pickle
import re

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_pinball_loss
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate

from skl_lstm import DifferencedTargetRegressor
from skl_lstm.metrics import (
    FORECAST_SCORING,
    INTERVAL_SCORING,
    interval_coverage,
    make_interval_scorer,
    mean_interval_score,
    mean_interval_width,
    mean_scaled_interval_score,
    pinball_loss,
)

Y = np.array([1.0, 2.0, 3.0, 9.0])
LOWER = np.array([0.0, 2.5, 0.0, 0.0])
UPPER = np.array([2.0, 4.0, 3.0, 5.0])


def test_coverage_and_width_exact():
    # inside: 1 in [0, 2], 3 on its upper bound; outside: 2 below 2.5, 9 above 5
    assert interval_coverage(Y, LOWER, UPPER) == 0.5
    assert mean_interval_width(LOWER, UPPER) == (2 + 1.5 + 3 + 5) / 4
    assert interval_coverage(Y.reshape(2, 2), LOWER.reshape(2, 2), UPPER.reshape(2, 2)) == 0.5


def test_interval_score_exact_and_msis_is_it_scaled():
    # widths 2, 1.5, 3, 5; misses 0.5 below and 4 above, times 2 / 0.1 = 20
    expected = (2 + (1.5 + 20 * 0.5) + 3 + (5 + 20 * 4)) / 4
    assert mean_interval_score(Y, LOWER, UPPER, alpha=0.1) == pytest.approx(expected, rel=1e-15)
    y_train = np.array([1.0, 3.0, 4.0, 8.0])  # naive scale: mean |change| = (2 + 1 + 4) / 3
    msis = mean_scaled_interval_score(Y, LOWER, UPPER, y_train=y_train, alpha=0.1)
    assert msis == pytest.approx(expected / (7 / 3), rel=1e-12)


def test_pinball_loss_exact_and_as_scikit_learn_per_quantile():
    # y = 2: q0.1 = 1 loses 0.1 * 1; q0.9 = 4 loses (1 - 0.9) * 2
    assert pinball_loss([2.0], [[1.0, 4.0]], quantiles=[0.1, 0.9]) == pytest.approx(0.15)
    rng = np.random.default_rng(0)
    y = rng.normal(size=(30, 2))
    quantiles = (0.1, 0.5, 0.9)
    forecasts = rng.normal(size=(30, 3, 2))
    expected = np.mean([mean_pinball_loss(y, forecasts[:, k], alpha=q) for k, q in enumerate(quantiles)])
    assert pinball_loss(y, forecasts, quantiles) == pytest.approx(expected, rel=1e-12)


def test_metric_errors_name_the_fix():
    with pytest.raises(ValueError, match=r"lower exceeds upper at position 0"):
        mean_interval_width([2.0], [1.0])
    with pytest.raises(ValueError, match=r"pass non-empty arrays of one shape"):
        interval_coverage([1.0, 2.0], [0.0], [3.0])
    with pytest.raises(ValueError, match=re.escape(
        "pinball_loss: y_quantiles has shape (2, 2); for y_true of shape (2,) and 3 quantiles it must be (2, 3) "
        "(n_samples, n_quantiles[, n_outputs]), as predict_quantiles returns."
    )):
        pinball_loss([1.0, 2.0], np.zeros((2, 2)), (0.1, 0.5, 0.9))
    with pytest.raises(ValueError, match=r"pinball_loss: quantiles=\[0.0, 0.5\] must be a non-empty list"):
        pinball_loss([1.0], [[1.0, 1.0]], [0.0, 0.5])
    with pytest.raises(ValueError, match=r"alpha=0 must be in \(0, 1\)"):
        mean_interval_score(Y, LOWER, UPPER, alpha=0)
    with pytest.raises(ValueError, match=re.escape(
        "make_interval_scorer: metric='msis' must be one of ['interval_score', 'coverage_error', 'width', "
        "'coverage', 'pinball']."
    )):
        make_interval_scorer("msis")
    with pytest.raises(ValueError, match=r"make_interval_scorer: coverage=95 must be a float strictly between 0"):
        make_interval_scorer(coverage=95)


class _Fixed(BaseEstimator):
    """Answers every request with the module's fixed intervals and quantiles."""

    def predict_interval(self, X, coverage=0.9):
        self.asked_ = coverage
        return np.column_stack([LOWER, UPPER])

    def predict_quantiles(self, X, quantiles=(0.1, 0.5, 0.9)):
        return np.column_stack([LOWER, (LOWER + UPPER) / 2, UPPER])


def test_scorers_negate_losses_and_pass_the_coverage():
    model, X = _Fixed(), np.zeros((4, 1))
    assert make_interval_scorer("coverage", coverage=0.8)(model, X, Y) == 0.5 and model.asked_ == 0.8
    assert make_interval_scorer("coverage_error", coverage=0.8)(model, X, Y) == pytest.approx(-0.3)
    assert make_interval_scorer("width")(model, X, Y) == -mean_interval_width(LOWER, UPPER)
    assert make_interval_scorer("interval_score", coverage=0.9)(model, X, Y) == pytest.approx(
        -mean_interval_score(Y, LOWER, UPPER, alpha=0.1), rel=1e-12  # alpha = 1 - 0.9, to rounding
    )
    expected = pinball_loss(Y, model.predict_quantiles(X), (0.1, 0.5, 0.9))
    assert make_interval_scorer("pinball")(model, X, Y) == -expected
    scorer = pickle.loads(pickle.dumps(INTERVAL_SCORING["interval_score"]))  # n_jobs workers get a pickled copy
    assert repr(scorer) == "make_interval_scorer('interval_score', coverage=0.9)" and scorer(model, X, Y) < 0
    with pytest.raises(TypeError, match=r"needs an estimator with predict_interval, .* Ridge has none"):
        scorer(Ridge().fit(X, Y), X, Y)


class _TailRidge(Ridge):
    """A ridge that holds out its last quarter and records its residuals there, as LSTMRegressor does."""

    def fit(self, X, y, sample_weight=None):
        cut = int(0.75 * len(X))
        super().fit(X[:cut], y[:cut])
        self.calibration_residuals_ = (np.asarray(y)[cut:] - self.predict(X[cut:])).reshape(len(X) - cut, -1)
        self.calibration_rows_ = np.arange(cut, len(X))
        self.calibration_source_ = None
        return self


def test_grid_search_and_cross_validate_take_the_scorers():
    rng = np.random.default_rng(0)
    series = 100 + np.cumsum(rng.normal(size=400))
    X, y = series[:-1, None], series[1:]
    model = DifferencedTargetRegressor(_TailRidge())
    search = GridSearchCV(
        model, {"regressor__alpha": [0.1, 10.0]}, cv=TimeSeriesSplit(3),
        scoring={**INTERVAL_SCORING, **FORECAST_SCORING}, refit="interval_score",
    ).fit(X, y)
    for name in ("interval_score", "coverage", "width", "coverage_error", "mape"):
        assert np.isfinite(search.cv_results_[f"mean_test_{name}"]).all(), name
    coverage = search.cv_results_["mean_test_coverage"]
    assert ((coverage > 0.7) & (coverage <= 1.0)).all(), coverage
    scores = cross_validate(model, X, y, cv=TimeSeriesSplit(3), scoring=make_interval_scorer("pinball"))
    assert np.isfinite(scores["test_score"]).all() and (scores["test_score"] < 0).all()
