"""Split-conformal forecast intervals: the arithmetic, and the methods estimators share.

An estimator that records *calibration residuals* ``r = y - y_hat`` on rows
its fit did not train on (``calibration_residuals_``, one column per output)
gets :meth:`ConformalIntervalMixin.predict_interval` and
:meth:`~ConformalIntervalMixin.predict_quantiles` from the mixin. The
interval of coverage ``c`` around a forecast is ``y_hat ± q``, where ``q`` is
the ``ceil((n + 1) c)``-th smallest of the ``n`` absolute residuals of that
output (split conformal prediction with the absolute residual as the
nonconformity score: Vovk, Gammerman & Shafer 2005; Lei et al., "Distribution-
free predictive inference for regression", JASA 2018). If the calibration
rows and the new row are exchangeable, the interval holds the new
observation with probability at least ``c``.

With fewer residuals than a coverage needs (``c / (1 - c)``: 19 for 95 %),
the interval is a Student-t prediction interval from the same scores
instead (:func:`student_t_quantile`), with a
:class:`~skl_lstm.exceptions.FewCalibrationResidualsWarning`; with fewer
than two it is refused.

The estimator says in which space the residuals live and how to map that
space to ``y``'s (``_interval_center``): a monotone increasing map, applied
to each bound, keeps the coverage exactly (quantiles commute with monotone
increasing transforms), which is how
:class:`~skl_lstm.DifferencedTargetRegressor` puts the network's interval on
the scale of ``y``.
"""

from __future__ import annotations

import math
from numbers import Real

import warnings

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..exceptions import FewCalibrationResidualsWarning
from ._warnings import user_stacklevel

#: Guard against float rounding in ``ceil((n + 1) * level)`` (e.g. 20 * 0.95 = 19.000000000000004).
_ROUNDING = 1e-9


def needed_residuals(level: float) -> int:
    """Fewest calibration residuals for which the conformal quantile at ``level`` is finite.

    The ``ceil((n + 1) level)``-th smallest of ``n`` residuals exists when it
    is at most ``n``, that is ``n >= level / (1 - level)``.

    Examples
    --------
    >>> [needed_residuals(c) for c in (0.5, 0.8, 0.9, 0.95, 0.99)]
    [1, 4, 9, 19, 99]
    """
    n = max(0, math.ceil(level / (1 - level) - _ROUNDING))
    while _rank(n, level) > n:  # pragma: no cover - float safety
        n += 1
    return max(n, 1) if level > 0 else 0


def _rank(n: int, level: float) -> int:
    """1-based rank of the conformal quantile at ``level`` among ``n`` sorted scores (0 for level 0)."""
    return max(0, math.ceil((n + 1) * level - _ROUNDING))


def conformal_quantile(scores: np.ndarray, level: float) -> float:
    """The ``ceil((n + 1) level)``-th smallest of ``scores`` (0 for ``level`` 0; inf if there are too few).

    Examples
    --------
    >>> scores = np.arange(1.0, 20.0)  # 19 scores: 1 .. 19
    >>> conformal_quantile(scores, 0.9), conformal_quantile(scores, 0.95), conformal_quantile(scores, 0.99)
    (18.0, 19.0, inf)
    """
    n = len(scores)
    k = _rank(n, level)
    if k == 0:
        return 0.0
    if k > n:
        return math.inf
    return float(np.partition(np.asarray(scores, dtype=np.float64), k - 1)[k - 1])


def student_t_quantile(scores: np.ndarray, level: float) -> float:
    """The half-width at ``level`` of a normal prediction interval estimated from ``n >= 2`` absolute scores.

    ``t_{n-1}((1 + level) / 2) * sigma * sqrt(1 + 1 / n)``, ``sigma`` the
    root mean square of the scores (residuals centred on 0): the classical
    prediction interval for one more draw of a normal sample of ``n``
    (inf for fewer than two scores).

    Examples
    --------
    >>> round(student_t_quantile(np.array([1.0, -1.0, 1.0, -1.0]), 0.95), 3)  # t_3(0.975) * 1 * sqrt(1.25)
    3.558
    """
    from scipy.stats import t

    n = len(scores)
    if n < 2:
        return math.inf
    sigma = float(np.sqrt(np.mean(np.square(scores, dtype=np.float64))))
    return float(t.ppf((1 + level) / 2, n - 1) * sigma * math.sqrt(1 + 1 / n))


def check_coverage(coverage, owner: str) -> float:
    """``coverage`` as a float in (0, 1), or a ValueError that says what is allowed."""
    if isinstance(coverage, bool) or not isinstance(coverage, Real) or not 0 < coverage < 1:
        raise ValueError(
            f"{owner}: coverage={coverage!r} must be a float strictly between 0 and 1, the share of "
            "observations the interval should hold (e.g. 0.9 for a 90 % interval)."
        )
    return float(coverage)


def check_quantiles(quantiles, owner: str) -> np.ndarray:
    """``quantiles`` as a 1-D float array of values in (0, 1), or a ValueError."""
    values = np.atleast_1d(np.asarray(quantiles, dtype=object))
    if values.ndim != 1 or values.size == 0 or not all(
        isinstance(q, Real) and not isinstance(q, bool) and 0 < q < 1 for q in values
    ):
        raise ValueError(
            f"{owner}: quantiles={quantiles!r} must be a non-empty list of floats strictly between 0 and 1 "
            "(e.g. (0.1, 0.5, 0.9))."
        )
    return values.astype(np.float64)


def interval_offsets(
    residuals: np.ndarray, quantiles: np.ndarray, *, owner: str, asked: str, source: str
) -> np.ndarray:
    """The offset of each quantile from the point forecast, per output: shape (n_quantiles, n_outputs).

    Quantile ``tau`` sits ``q`` above the forecast for ``tau > 0.5`` and
    ``q`` below it for ``tau < 0.5``, ``q`` being the conformal quantile of
    the absolute residuals at ``|2 tau - 1|``; 0.5 is the forecast itself.
    ``asked`` (e.g. ``"coverage=0.95"``) and ``source`` (where the residuals
    came from) go into the error raised when there are too few residuals.
    """
    residuals = np.asarray(residuals, dtype=np.float64)
    residuals = residuals[:, None] if residuals.ndim == 1 else residuals
    levels = np.abs(2 * quantiles - 1)
    need = needed_residuals(float(levels.max()))
    offsets = np.zeros((len(quantiles), residuals.shape[1]))
    approximated = {}  # output -> its number of residuals, where the Student-t interval stands in
    for j in range(residuals.shape[1]):
        scores = np.abs(residuals[:, j])
        scores = scores[np.isfinite(scores)]
        output = "" if residuals.shape[1] == 1 else f" for output {j}"
        for i, (tau, level) in enumerate(zip(quantiles, levels, strict=True)):
            q = conformal_quantile(scores, level)
            if not math.isfinite(q):
                q = student_t_quantile(scores, level)
                approximated.setdefault(output, len(scores))
            if not math.isfinite(q):
                raise ValueError(
                    f"{owner}: {asked} needs at least {need} calibration residuals per output (2 for any "
                    f"interval), but there are {len(scores)}{output} ({source}). Call calibrate(X_cal, y_cal) "
                    f"with at least {need} rows the model was not fitted on (or fit on a longer series, or with "
                    "a larger validation_fraction)."
                )
            offsets[i, j] = np.sign(tau - 0.5) * q
    if approximated:
        output, n = next(iter(approximated.items()))
        warnings.warn(
            f"{owner}: {asked} needs {need} calibration residuals per output for a split-conformal interval, "
            f"but there are {n}{output} ({source}); the interval is a Student-t prediction interval from those "
            "residuals instead, which assumes they are roughly normal. For the conformal guarantee, call "
            f"calibrate(X_cal, y_cal) with at least {need} rows the model was not fitted on (or fit on a longer "
            "series, or with a larger validation_fraction).",
            FewCalibrationResidualsWarning,
            stacklevel=user_stacklevel(),
        )
    return offsets


class ConformalIntervalMixin:
    """``predict_interval`` and ``predict_quantiles`` from recorded calibration residuals.

    The estimator provides ``calibration_residuals_`` (``(n_cal, n_outputs)``
    array, or None when it has none) and ``_interval_center(X)``, which
    returns the point forecast in the residuals' space, shape
    ``(n_samples, n_outputs)``; a monotone increasing function that maps an
    array of that shape to ``y``'s scale and shape (as ``predict`` returns);
    and each row's scale (``(n_samples,)``, or None for 1). With scales, the
    score of a calibration row is its absolute residual divided by
    ``calibration_scale_`` (normalised conformal prediction: Papadopoulos et
    al. 2008; Lei et al. 2018, section 5.2), and a new row's interval is the
    forecast plus and minus the scores' quantile times that row's scale.
    """

    def _calibration_source(self) -> str:
        return getattr(self, "calibration_source_", None) or "the validation tail of fit"

    def _offsets(self, quantiles, asked):
        name = type(self).__name__
        check_is_fitted(self)
        residuals = getattr(self, "calibration_residuals_", None)
        if residuals is None:
            raise ValueError(
                f"{name}: this model holds no calibration residuals (its regressor records none when fitted; "
                "LSTMRegressor does, from its validation tail). Call calibrate(X_cal, y_cal) with rows the model "
                "was not fitted on first."
            )
        residuals = np.asarray(residuals, dtype=np.float64)
        residuals = residuals[:, None] if residuals.ndim == 1 else residuals
        scale = getattr(self, "calibration_scale_", None)
        if scale is not None:
            residuals = residuals / np.asarray(scale, dtype=np.float64)[:, None]
        return interval_offsets(residuals, quantiles, owner=name, asked=asked, source=self._calibration_source())

    def _trained_quantiles(self, X, quantiles, asked):
        """The estimator's own (trained) ``quantiles`` of ``X`` and the map to ``y``; None: use the residuals.

        An estimator trained on the pinball loss returns ``(bands, to_target)``:
        ``bands`` of shape ``(n_samples, n_quantiles, n_outputs)`` in its target
        space, and the monotone increasing map of one band to ``y``'s scale.
        """
        return None

    def _bands(self, X, quantiles, asked):
        trained = self._trained_quantiles(X, quantiles, asked)
        if trained is not None:
            bands, to_target = trained
            return np.stack([np.asarray(to_target(bands[:, i]), dtype=np.float64) for i in range(len(quantiles))], axis=1)
        offsets = self._offsets(quantiles, asked)
        center, to_target, scale = self._interval_center(X)
        center = np.asarray(center, dtype=np.float64).reshape(len(center), -1)
        scale = np.ones((len(center), 1)) if scale is None else np.asarray(scale, dtype=np.float64)[:, None]
        bands = [np.asarray(to_target(center + offsets[i] * scale), dtype=np.float64) for i in range(len(offsets))]
        return np.stack(bands, axis=1)

    def predict_interval(self, X, coverage=0.9):
        """Forecast intervals that hold the observation with probability ``coverage``.

        Split conformal: the forecast plus and minus the
        ``ceil((n + 1) coverage)``-th smallest absolute residual of the ``n``
        calibration rows (``calibration_residuals_``: the validation tail
        the fit held out, or the rows passed to :meth:`calibrate`), per
        output, mapped to the scale of ``y``. The coverage holds on average
        over rows if the calibration rows and the new rows are exchangeable
        (see ``docs/intervals.md``). A model trained with ``quantiles`` that
        hold the pair ``((1 - coverage) / 2, (1 + coverage) / 2)`` returns
        that pair instead, conformalised on the same rows
        (``interval_method_``).

        Parameters
        ----------
        X : array-like
            Inputs, as for ``predict``.
        coverage : float, default=0.9
            Nominal coverage, strictly between 0 and 1.

        Returns
        -------
        ndarray of shape (n_samples, 2) or (n_samples, 2, n_outputs)
            Lower and upper bounds (``[:, 0]`` and ``[:, 1]``) for each row
            (and output, when ``predict`` returns several).

        Raises
        ------
        ValueError
            If ``coverage`` is not in (0, 1), or there are fewer than two
            calibration residuals.

        Warns
        -----
        FewCalibrationResidualsWarning
            With fewer calibration residuals than split conformal needs for
            ``coverage`` (``coverage / (1 - coverage)``, 19 for 95 %): the
            interval is then a Student-t prediction interval from them.
        """
        coverage = check_coverage(coverage, f"{type(self).__name__}.predict_interval")
        half = (1 - coverage) / 2
        return self._bands(X, np.array([half, 1 - half]), f"coverage={coverage!r}")

    def _predict_with_interval(self, X, coverage):
        """``(predict(X), predict_interval(X, coverage))`` from one forward pass (the 0.5 band is ``predict``)."""
        coverage = check_coverage(coverage, f"{type(self).__name__}.predict_interval")
        half = (1 - coverage) / 2
        bands = self._bands(X, np.array([half, 0.5, 1 - half]), f"coverage={coverage!r}")
        return bands[:, 1], bands[:, [0, 2]]

    def predict_quantiles(self, X, quantiles=(0.1, 0.5, 0.9)):
        """Forecast quantiles: the point forecast shifted by conformal quantiles of the absolute residuals.

        Quantile ``tau`` is the forecast plus (``tau > 0.5``) or minus
        (``tau < 0.5``) the conformal quantile of the absolute calibration
        residuals at ``|2 tau - 1|``, mapped to the scale of ``y``; 0.5 is
        the point forecast. The pair ``((1 - c) / 2, (1 + c) / 2)`` is
        exactly :meth:`predict_interval` with ``coverage=c``; the quantiles
        never cross. A model trained with ``quantiles`` that include every
        level asked for returns its own quantiles, conformalised on the
        calibration rows (``interval_method_``).

        Parameters
        ----------
        X : array-like
            Inputs, as for ``predict``.
        quantiles : sequence of float, default=(0.1, 0.5, 0.9)
            Levels strictly between 0 and 1.

        Returns
        -------
        ndarray of shape (n_samples, n_quantiles) or (n_samples, n_quantiles, n_outputs)
            One column per quantile, in the order given.
        """
        quantiles = check_quantiles(quantiles, f"{type(self).__name__}.predict_quantiles")
        return self._bands(X, quantiles, f"quantiles={[float(q) for q in quantiles]!r}")


__all__ = [
    "ConformalIntervalMixin",
    "check_coverage",
    "check_quantiles",
    "conformal_quantile",
    "interval_offsets",
    "needed_residuals",
    "student_t_quantile",
]
