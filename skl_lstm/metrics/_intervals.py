"""Interval and quantile forecast metrics, and scorers that call ``predict_interval``.

scikit-learn's ``make_scorer`` calls ``predict`` (or ``predict_proba``), never
``predict_interval``, so the scorers here are plain ``(estimator, X, y)``
callables, which ``GridSearchCV(scoring=...)``, ``cross_validate`` and
``cross_val_score`` accept as they are (alone or in a dict with other
scorers). Like every scikit-learn scorer, higher is better: losses are
negated.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..utils._conformal import check_coverage, check_quantiles
from ._m4 import _check_alpha, _coverage, _interval_arrays, interval_score_terms

__all__ = [
    "INTERVAL_SCORING",
    "interval_coverage",
    "make_interval_scorer",
    "mean_interval_score",
    "mean_interval_width",
    "pinball_loss",
]


def interval_coverage(y_true, lower, upper) -> float:
    """Share of observations inside their interval (empirical coverage); a point on a bound is inside.

    Parameters
    ----------
    y_true : array-like
        Observed values.
    lower, upper : array-like of the same shape
        The intervals' bounds, e.g. ``predict_interval(X)[:, 0]`` and ``[:, 1]``.

    Returns
    -------
    float
        Between 0 and 1; compare it with the nominal coverage.

    See Also
    --------
    absolute_coverage_difference : Its distance from the nominal coverage (M4's ACD).

    Examples
    --------
    >>> from skl_lstm.metrics import interval_coverage
    >>> interval_coverage([1.0, 2.0, 3.0, 9.0], [0.0, 2.0, 0.0, 0.0], [5.0, 5.0, 2.5, 5.0])
    0.5
    """
    y_true, lower, upper = _interval_arrays(y_true, lower, upper)
    return _coverage(y_true, lower, upper)


def mean_interval_width(lower, upper) -> float:
    """Mean width ``upper - lower`` of the intervals (sharpness: smaller is sharper, at equal coverage).

    Parameters
    ----------
    lower, upper : array-like of the same shape
        The intervals' bounds.

    Returns
    -------
    float
        In the units of ``y``.

    Examples
    --------
    >>> from skl_lstm.metrics import mean_interval_width
    >>> mean_interval_width([0.0, 1.0], [2.0, 4.0])
    2.5
    """
    lower, upper = (np.asarray(a, dtype=np.float64) for a in (lower, upper))
    # the interval checks (one shape, finite, lower <= upper), with upper standing in for the observations
    _interval_arrays(upper, lower, upper)
    return float(np.mean(upper - lower))


def mean_interval_score(y_true, lower, upper, *, alpha=0.05) -> float:
    r"""Mean interval score of ``1 − alpha`` intervals: width plus ``2 / alpha`` times each miss.

    .. math::
        \frac{1}{n}\sum_t (u_t - l_t) + \frac{2}{\alpha}(l_t - y_t)[y_t < l_t]
        + \frac{2}{\alpha}(y_t - u_t)[y_t > u_t]

    A proper scoring rule for central intervals (Gneiting & Raftery, "Strictly
    proper scoring rules, prediction, and estimation", JASA 2007): it rewards
    narrow intervals and penalises misses, so wide intervals that cover
    everything do not win. It is the numerator of M4's MSIS
    (:func:`mean_scaled_interval_score`), in the units of ``y``, without the
    in-sample scale; use it to choose among models of one series.

    Parameters
    ----------
    y_true : array-like
        Observed values.
    lower, upper : array-like of the same shape
        The intervals' bounds.
    alpha : float, default=0.05
        One minus the nominal coverage (0.05 for 95 % intervals).

    Returns
    -------
    float
        Lower is better.

    Examples
    --------
    >>> from skl_lstm.metrics import mean_interval_score
    >>> # widths 2 and 2; the second point is 1 above its upper bound: (2 + 2 + 40 * 1) / 2
    >>> mean_interval_score([1.0, 4.0], [0.0, 1.0], [2.0, 3.0], alpha=0.05)
    22.0
    """
    y_true, lower, upper = _interval_arrays(y_true, lower, upper)
    return float(np.mean(interval_score_terms(y_true, lower, upper, _check_alpha(alpha))))


def pinball_loss(y_true, y_quantiles, quantiles) -> float:
    r"""Pinball (quantile) loss of quantile forecasts, averaged over rows, quantiles and outputs.

    For quantile :math:`\tau` and forecast :math:`q`, the loss of an
    observation :math:`y` is :math:`\tau (y - q)` if :math:`y \ge q`, else
    :math:`(1 - \tau)(q - y)`: scikit-learn's
    :func:`~sklearn.metrics.mean_pinball_loss` with ``alpha=tau`` for each
    level, averaged over the levels.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Observed values.
    y_quantiles : array-like of shape (n_samples, n_quantiles) or (n_samples, n_quantiles, n_outputs)
        Quantile forecasts, as ``predict_quantiles`` returns them.
    quantiles : sequence of float
        The levels of ``y_quantiles``' columns, strictly between 0 and 1.

    Returns
    -------
    float
        Lower is better.

    Examples
    --------
    >>> from skl_lstm.metrics import pinball_loss
    >>> # y = 2: quantile 0.1 at 1 loses 0.1 * 1; quantile 0.9 at 4 loses 0.1 * 2
    >>> round(pinball_loss([2.0], [[1.0, 4.0]], quantiles=[0.1, 0.9]), 6)
    0.15
    """
    levels = check_quantiles(quantiles, "pinball_loss")
    y_true = np.asarray(y_true, dtype=np.float64)
    y_quantiles = np.asarray(y_quantiles, dtype=np.float64)
    expected = (y_true.shape[0], len(levels), *y_true.shape[1:])
    if y_true.ndim not in (1, 2) or y_quantiles.shape != expected or y_true.size == 0:
        raise ValueError(
            f"pinball_loss: y_quantiles has shape {y_quantiles.shape}; for y_true of shape {y_true.shape} and "
            f"{len(levels)} quantiles it must be {expected} (n_samples, n_quantiles[, n_outputs]), as "
            "predict_quantiles returns."
        )
    for name, arr in (("y_true", y_true), ("y_quantiles", y_quantiles)):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"pinball_loss: {name} contains NaN or infinite values; pass finite values.")
    from sklearn.metrics import mean_pinball_loss

    # scikit-learn's loss per level (averaged over outputs); every level has as many terms
    return float(np.mean([mean_pinball_loss(y_true, y_quantiles[:, k], alpha=tau) for k, tau in enumerate(levels)]))


class _IntervalScorer:
    """A ``(estimator, X, y)`` scorer from ``predict_interval`` or ``predict_quantiles`` (higher is better)."""

    _METRICS = ("interval_score", "coverage_error", "width", "coverage", "pinball")

    def __init__(self, metric: str, coverage: float, quantiles: Sequence[float] | None):
        self.metric = metric
        self.coverage = coverage
        self.quantiles = quantiles

    def __call__(self, estimator, X, y, sample_weight=None):
        name = "predict_quantiles" if self.metric == "pinball" else "predict_interval"
        if not hasattr(estimator, name):
            raise TypeError(
                f"the {self.metric!r} interval scorer needs an estimator with {name}, such as the recipe's "
                f"DifferencedTargetRegressor or LSTMRegressor; {type(estimator).__name__} has none."
            )
        y = np.asarray(y, dtype=np.float64)
        if self.metric == "pinball":
            return -pinball_loss(y, estimator.predict_quantiles(X, quantiles=self.quantiles), self.quantiles)
        bounds = estimator.predict_interval(X, coverage=self.coverage)
        lower, upper = bounds[:, 0], bounds[:, 1]
        y = y.reshape(lower.shape)
        if self.metric == "interval_score":
            return -mean_interval_score(y, lower, upper, alpha=1 - self.coverage)
        if self.metric == "width":
            return -mean_interval_width(lower, upper)
        covered = interval_coverage(y, lower, upper)
        return covered if self.metric == "coverage" else -abs(covered - self.coverage)

    def __repr__(self):
        extra = f"quantiles={list(self.quantiles)}" if self.metric == "pinball" else f"coverage={self.coverage}"
        return f"make_interval_scorer({self.metric!r}, {extra})"


def make_interval_scorer(metric="interval_score", *, coverage=0.9, quantiles=(0.1, 0.5, 0.9)):
    """A scorer ``(estimator, X, y)`` of forecast intervals or quantiles, for ``GridSearchCV(scoring=...)``.

    The scorer calls the estimator's ``predict_interval(X, coverage)`` (or
    ``predict_quantiles(X, quantiles)``) and scores it against ``y``. Higher
    is better, as for every scikit-learn scorer, so losses come negated.

    Parameters
    ----------
    metric : {"interval_score", "coverage_error", "width", "coverage", "pinball"}, default="interval_score"
        ``"interval_score"``: minus :func:`mean_interval_score` (the one to
        select models by: it weighs sharpness against misses).
        ``"coverage_error"``: minus the absolute difference between
        :func:`interval_coverage` and ``coverage``. ``"width"``: minus
        :func:`mean_interval_width`. ``"coverage"``: the empirical coverage
        itself, to report (in ``cross_validate``), not to maximise.
        ``"pinball"``: minus :func:`pinball_loss` of ``predict_quantiles``.
    coverage : float, default=0.9
        Nominal coverage of the intervals, strictly between 0 and 1.
    quantiles : sequence of float, default=(0.1, 0.5, 0.9)
        Levels for ``"pinball"``.

    Returns
    -------
    callable
        ``scorer(estimator, X, y) -> float``; it can be pickled (for ``n_jobs``).

    Examples
    --------
    >>> import numpy as np
    >>> from skl_lstm import DifferencedTargetRegressor
    >>> from skl_lstm.metrics import make_interval_scorer
    >>> rng = np.random.default_rng(0)
    >>> series = np.cumsum(rng.normal(size=120))
    >>> X, y = series[:-1, None], series[1:]
    >>> model = DifferencedTargetRegressor().fit(X[:60], y[:60]).calibrate(X[60:90], y[60:90])
    >>> scorer = make_interval_scorer("coverage", coverage=0.8)
    >>> scorer
    make_interval_scorer('coverage', coverage=0.8)
    >>> round(scorer(model, X[90:], y[90:]), 3)
    0.931
    """
    if metric not in _IntervalScorer._METRICS:
        raise ValueError(f"make_interval_scorer: metric={metric!r} must be one of {list(_IntervalScorer._METRICS)}.")
    coverage = check_coverage(coverage, "make_interval_scorer")
    levels = tuple(float(q) for q in check_quantiles(quantiles, "make_interval_scorer"))
    return _IntervalScorer(metric, coverage, levels)


#: Scorers of 90 % intervals, for ``GridSearchCV(..., scoring=INTERVAL_SCORING, refit="interval_score")``
#: or ``cross_validate`` (merge with :data:`FORECAST_SCORING` to see point accuracy beside them).
INTERVAL_SCORING = {
    "interval_score": make_interval_scorer("interval_score"),
    "coverage_error": make_interval_scorer("coverage_error"),
    "width": make_interval_scorer("width"),
    "coverage": make_interval_scorer("coverage"),
}
