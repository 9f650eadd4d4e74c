"""What the recipe decides from the training data: the log scale, seasonal differencing and the window.

:class:`~skl_lstm.DifferencedTargetRegressor` makes these choices in ``fit``
from the rows it is given (a fold's training rows in a search), records each
as a :class:`Choice` in ``choices_`` and applies them:

* **log** (``log="auto"``, one series): Guerrero's (1993) method, as R's
  ``forecast::BoxCox.lambda`` uses it: the Box-Cox ``lambda`` that makes the
  standard deviation of the series' seasons (or pairs of points without a
  season) least dependent on their level. Logs (``lambda = 0``) when the
  chosen ``lambda`` is below 0.5, nearer 0 than 1.
* **seasonal differencing** (``seasonal_difference="auto"``, one series
  with a season): the seasonal strength of Wang, Smith & Hyndman (2006),
  ``F_S = max(0, 1 - Var(R) / Var(S + R))`` of a classical decomposition
  (centred moving-average trend, mean seasonal pattern, remainder ``R``) of
  the (logged) series; the target is the change from the value one season
  before it (the seasonal naive forecast) when ``F_S`` is at least 0.64, the
  rule of R's ``forecast::nsdiffs`` and ``feasts::unitroot_nsdiffs``
  (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd
  ed., section 9.5), else the change from the last value.
* **a window that fits** (any window, in one series): a window longer than
  the training rows before the validation tail leaves no complete training
  window; it is shortened to the longest candidate (two seasons, one, a
  quarter; 12, 24, 6 without a season) that fits, with a warning.
* **window** (a regressor parameter ``lookback="auto"``): a few candidate
  windows (two seasons, one season, a quarter of a season; 12, 24 and 6
  without one) are scored by a ridge regression of the change on the
  windows of past changes, fitted on the training rows before the
  validation tail and scored on that tail (the rows the network's early
  stopping holds out). The default (the first candidate) is kept unless
  another beats it by more than one standard error of their paired
  differences there (the one-standard-error rule). A ridge fit is the
  network's own start (its linear skip branch), so it is a cheap stand-in
  for training the network once per candidate.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: Guerrero's lambda below which the series is modelled in logs (nearer 0, the log, than 1, the level).
LOG_BELOW_LAMBDA = 0.5

#: Fewest complete subseries Guerrero's method needs.
MIN_SUBSERIES = 3

#: Seasonal strength at or above which the target is differenced by the season (R's ``nsdiffs`` rule).
SEASONAL_STRENGTH_AT_LEAST = 0.64

#: Fewest whole seasons the seasonal strength is measured on.
MIN_SEASONS = 3


class Choice(NamedTuple):
    """One decision of ``fit``: its value and why, in words.

    Examples
    --------
    >>> from skl_lstm.compose._choices import Choice
    >>> Choice(True, "Guerrero's lambda 0.05 < 0.5").value
    True
    """

    value: object
    why: str


def guerrero_lambda(values, period: int | None) -> float | None:
    """Guerrero's Box-Cox ``lambda`` of a positive series, searched over [-1, 2]; None if too short.

    The series is cut into consecutive subseries of ``period`` points (2
    without a season); ``lambda`` minimises the coefficient of variation of
    ``std_i / mean_i ** (1 - lambda)`` over them.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> level = np.exp(np.linspace(0, 3, 240))
    >>> multiplicative = level * (1 + 0.05 * rng.standard_normal(240))
    >>> additive = level + 0.5 * rng.standard_normal(240)
    >>> round(guerrero_lambda(multiplicative, 12), 1), round(guerrero_lambda(additive, 12), 1)
    (0.0, 0.8)
    """
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    length = int(period) if period and period >= 2 else 2
    n_sub = len(values) // length
    if n_sub < MIN_SUBSERIES or np.any(values <= 0):
        return None
    blocks = values[len(values) - n_sub * length:].reshape(n_sub, length)  # the most recent whole subseries
    means, stds = blocks.mean(axis=1), blocks.std(axis=1, ddof=1)
    keep = stds > 0
    if keep.sum() < MIN_SUBSERIES:
        return None
    means, stds = means[keep], stds[keep]
    grid = np.linspace(-1.0, 2.0, 301)
    ratios = stds[None, :] / means[None, :] ** (1.0 - grid[:, None])
    cv = ratios.std(axis=1, ddof=1) / ratios.mean(axis=1)
    return float(grid[int(np.argmin(cv))])


def choose_log(values, period: int | None) -> Choice:
    """Whether to model the logs of one positive series (Guerrero's ``lambda`` below 0.5).

    Examples
    --------
    >>> import numpy as np
    >>> choose_log(np.exp(np.linspace(0, 3, 240)) * (1 + 0.05 * np.sin(np.arange(240))), 12).value
    True
    """
    lam = guerrero_lambda(values, period)
    if lam is None:
        return Choice(False, "too few whole seasons for Guerrero's test of a level-dependent spread: kept the "
                             "original scale")
    if lam < LOG_BELOW_LAMBDA:
        return Choice(True, f"Guerrero's Box-Cox lambda is {lam:.2f}, below {LOG_BELOW_LAMBDA}: the spread grows "
                            "with the level, so the model works on logs")
    return Choice(False, f"Guerrero's Box-Cox lambda is {lam:.2f}, not below {LOG_BELOW_LAMBDA}: the spread does "
                         "not grow with the level, so the model works on the original scale")


def seasonal_strength(values, period: int | None) -> float | None:
    """Wang, Smith & Hyndman's (2006) seasonal strength of a series, in [0, 1]; None if too short or no season.

    A classical decomposition: the trend is the centred moving average over
    one season (a 2 x m average for even ``m``), the seasonal pattern the
    mean detrended value of each position in the season (centred on 0), the
    remainder ``R`` what is left. The strength is
    ``max(0, 1 - Var(R) / Var(S + R))``: near 1 when the season explains
    almost all the detrended variation, near 0 when it explains none.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(240)
    >>> seasonal = 10 + 0.05 * t + np.sin(2 * np.pi * t / 12) + 0.1 * rng.standard_normal(240)
    >>> walk = np.cumsum(rng.standard_normal(240))
    >>> round(seasonal_strength(seasonal, 12), 2), round(seasonal_strength(walk, 12), 2)
    (0.98, 0.05)
    """
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if not period or period < 2 or len(values) < MIN_SEASONS * int(period):
        return None
    m = int(period)
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    trend = np.convolve(values, weights, mode="valid")
    start = (len(weights) - 1) // 2
    detrended = values[start : start + len(trend)] - trend
    position = (np.arange(len(detrended)) + start) % m
    pattern = np.bincount(position, weights=detrended, minlength=m) / np.bincount(position, minlength=m)
    remainder = detrended - (pattern - pattern.mean())[position]
    spread = float(np.var(detrended))
    if spread == 0.0:
        return 0.0
    return max(0.0, 1.0 - float(np.var(remainder)) / spread)


def choose_seasonal_difference(values, period: int | None) -> Choice:
    """Whether the target of one series is its change from one season before (seasonal strength >= 0.64).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(120)
    >>> choose_seasonal_difference(50 + np.sin(2 * np.pi * t / 12) + 0.01 * t, 12).value
    True
    """
    strength = seasonal_strength(values, period)
    if strength is None:
        return Choice(False, f"fewer than {MIN_SEASONS} whole seasons to measure the seasonal strength: the change "
                             "from the last value")
    if strength >= SEASONAL_STRENGTH_AT_LEAST:
        return Choice(True, f"the seasonal strength is {strength:.2f}, at least {SEASONAL_STRENGTH_AT_LEAST}: the "
                            "target is the change from the value one season before (the seasonal naive forecast)")
    return Choice(False, f"the seasonal strength is {strength:.2f}, below {SEASONAL_STRENGTH_AT_LEAST}: the target "
                         "is the change from the last value")


def candidate_windows(seasonal_period: int | None) -> list[int]:
    """The windows ``lookback="auto"`` chooses among, the default (two seasons, else 12) first.

    Examples
    --------
    >>> candidate_windows(52), candidate_windows(12), candidate_windows(None)
    ([104, 52, 13], [24, 12, 3], [12, 24, 6])
    """
    from ..utils._timeseries import default_window

    m = int(seasonal_period) if seasonal_period and seasonal_period >= 2 else None
    found = [default_window(m), m, max(2, m // 4)] if m else [default_window(None), 24, 6]
    return list(dict.fromkeys(found))


def fitting_window(seasonal_period: int | None, rows: int) -> int:
    """The longest of :func:`candidate_windows` that is at most ``rows`` (the training rows before the
    validation tail), so that at least one training window is complete; the shortest if none is.

    Examples
    --------
    >>> fitting_window(52, 500), fitting_window(52, 63), fitting_window(52, 10), fitting_window(None, 10)
    (104, 52, 13, 6)
    """
    candidates = sorted(candidate_windows(seasonal_period), reverse=True)
    return next((w for w in candidates if w <= rows), candidates[-1])


def _lag_windows(changes: np.ndarray, window: int, rows: np.ndarray) -> np.ndarray:
    """For each row in ``rows``, the ``window`` changes up to it (oldest first); ``rows >= window - 1``."""
    view = np.lib.stride_tricks.sliding_window_view(changes, window)
    return view[rows - window + 1]


def choose_window(level, target, seasonal_period: int | None, validation_fraction: float) -> Choice:
    """The window whose ridge fit of ``target`` on past changes of ``level`` clearly beats the default on the tail.

    Parameters
    ----------
    level : ndarray of shape (n_samples,)
        The series at each row's time (the reference column as the network
        sees it: logged with ``log``), in time order.
    target : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        What the network learns for each row (the scaled change).
    seasonal_period : int or None
        Season length, for :func:`candidate_windows`.
    validation_fraction : float
        Share of the rows, the latest, that score the candidates.

    Returns
    -------
    Choice
        The window, and the candidates' validation errors.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> changes = np.zeros(600)
    >>> for t in range(1, 600):  # changes that follow the change before them, and no season
    ...     changes[t] = 0.8 * changes[t - 1] + rng.standard_normal()
    >>> level = np.cumsum(changes)
    >>> target = np.append(changes[1:], np.nan)  # each row's next change
    >>> choice = choose_window(level, target, None, 0.15)
    >>> choice.value, choice.why.split("); ")[1]
    (12, 'no window beat the default 12 by more than one standard error')
    """
    from ..utils._ridge import window_ridge

    level = np.asarray(level, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64).reshape(len(level), -1)
    candidates = candidate_windows(seasonal_period)
    n = len(level)
    n_val = max(1, int(round(n * validation_fraction)))
    cut = n - n_val
    # a candidate needs at least three times its length in complete training rows before the tail
    usable = [w for w in candidates if cut - w >= 3 * w]
    if not usable:
        smallest = min(candidates)
        return Choice(smallest, f"too few rows ({n}) to compare windows: the shortest candidate, {smallest}")
    start = max(usable)  # the rows every candidate can window (the first change is undefined)
    changes = np.nan_to_num(np.diff(level, prepend=np.nan), nan=0.0)
    finite = np.isfinite(target).all(axis=1)
    train = np.arange(start, cut)[finite[start:cut]]
    tail = np.arange(cut, n)[finite[cut:]]
    if len(tail) == 0 or len(train) == 0:
        return Choice(usable[0], "no finite targets to compare windows on: the default")
    errors = {}
    for window in usable:
        ridge = window_ridge().fit(_lag_windows(changes, window, train), target[train])
        predicted = ridge.predict(_lag_windows(changes, window, tail)).reshape(len(tail), -1)
        errors[window] = np.mean(np.abs(predicted - target[tail]), axis=1)  # per row, over the outputs
    default = usable[0]
    # the one-standard-error rule: another window replaces the default only when it beats it by more than
    # the standard error of their paired differences on the tail (a few noisy rows decide nothing)
    gains = {w: errors[default] - e for w, e in errors.items() if w != default}
    clear = {w: float(np.mean(g)) for w, g in gains.items()
             if len(g) >= 2 and np.mean(g) > np.std(g, ddof=1) / np.sqrt(len(g))}
    best = max(clear, key=clear.get) if clear else default
    table = ", ".join(f"{w}: {float(np.mean(e)):.4g}" for w, e in errors.items())
    verdict = (f"{best} beat the default {default} by more than one standard error" if best != default else
               f"no window beat the default {default} by more than one standard error")
    return Choice(best, f"a ridge fit on past changes scored each window on the {len(tail)}-row validation tail "
                        f"(mean absolute error of the scaled change; {table}); {verdict}")


__all__ = [
    "Choice", "candidate_windows", "choose_log", "choose_seasonal_difference", "choose_window", "fitting_window",
    "guerrero_lambda", "seasonal_strength",
]
