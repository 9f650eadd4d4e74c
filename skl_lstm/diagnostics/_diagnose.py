"""diagnose(): run the folds once, run every check, rank the findings."""

from __future__ import annotations

import time
from numbers import Integral

import numpy as np
import pandas as pd

from ..utils._deps import import_optional
from ..utils._history import index_freq
from ..utils._timeseries import default_splitter, time_order_problem
from ..utils._validation import check_finite_target
from ._checks import CHECKS, Evidence, link_causes, residual_tests
from ._data import first_output, read_layout, shuffled_without_index, take
from ._folds import run_folds
from ._inspect import inspect_setup
from ._report import Report

_SHUFFLING = ("ShuffleSplit", "StratifiedShuffleSplit", "GroupShuffleSplit")


def _audit_splitter(cv, X, y, horizon: int) -> tuple[list, dict | None]:
    """The user's splits, and what is wrong with them for a time series (None when nothing)."""
    splits = [(np.asarray(tr), np.asarray(te)) for tr, te in (cv.split(X, y) if hasattr(cv, "split") else cv)]
    if not splits:
        raise ValueError(f"cv={cv!r} produced no split; pass a splitter such as TimeSeriesSplit(n_splits=3).")
    on_future = [int(tr.max() > te.min()) for tr, te in splits]
    before = sum(int(np.sum(te < tr.max())) for tr, te in splits)
    n_test = sum(te.size for _, te in splits)
    name = type(cv).__name__ if hasattr(cv, "split") else "the given splits"
    text = repr(cv) if hasattr(cv, "split") else f"{len(splits)} explicit splits"
    shuffle = bool(getattr(cv, "shuffle", False)) or name in _SHUFFLING
    if any(on_future):
        return splits, {
            "splitter": text,
            "trains_on_future": True,
            "shuffle": shuffle,
            "folds_on_future": sum(on_future),
            "n_folds": len(splits),
            "share_test_before_train": before / max(n_test, 1),
        }
    gap = min(int(te.min() - tr.max() - 1) for tr, te in splits)
    if gap < horizon - 1:
        return splits, {"splitter": text, "gap_too_small": True, "gap": gap}
    return splits, None


def _target_times(X, n: int, horizon: int):
    """The time each target refers to: the index of X moved ``horizon`` steps, else positions."""
    index = getattr(X, "index", None)
    if isinstance(index, pd.PeriodIndex):
        return index + horizon, "time"
    if isinstance(index, pd.DatetimeIndex):
        freq = index_freq(index)
        return (index + horizon * pd.tseries.frequencies.to_offset(freq) if freq else index), "time"
    if index is not None and pd.api.types.is_numeric_dtype(index.dtype):
        return index.to_numpy() + horizon, str(index.name or "row")
    return np.arange(n) + horizon, "row"


def diagnose(estimator, X, y, *, cv=None, seasonal_period=None, horizon=None, reference=None, verbose=0):
    """Explain why a forecaster is poor: fit it on time-ordered folds and check for the usual causes.

    One pass over time-ordered folds fits a clone of ``estimator`` per fold
    (the naive and seasonal-naive forecasts run on the same folds), reads the
    training history of the :class:`~skl_lstm.LSTMRegressor` inside any
    ``Pipeline`` / ``TransformedTargetRegressor`` / ``DifferencedTargetRegressor``
    nesting, replays the fitted transforms to see exactly what the network
    trained on, and runs one check per cause:

    ============================  =================================================================
    finding (``code``)            evidence
    ============================  =================================================================
    ``leaky_split``               rows out of time order; a splitter that trains on the future
    ``unstable_training``         NaN loss, or a loss that jumps up and down (learning rate)
    ``nonstationary``             ADF / KPSS on the network's target; test targets outside its range
    ``unscaled``                  size of the windows and target the network sees
    ``underfitting``              loss still falling when the epochs ran out
    ``overfitting``               validation loss rising while training loss falls; train/test gap
    ``outliers``                  robust z-scores of the training targets under an MSE loss
    ``residual_autocorrelation``  Ljung-Box on the out-of-fold residuals; window vs season
    ``worse_than_naive``          MAE against the naive and seasonal-naive forecasts
    ``bias``                      mean error; slope and intercept of actual on forecast
    ``loss_metric_mismatch``      MAPE carried by values near zero; swings growing with the level
    ============================  =================================================================

    Each finding carries a severity, a score, the numbers behind it and a
    concrete fix (step, parameter, value). The report ranks them: severity
    first, then causes before the findings they explain, then score.

    Parameters
    ----------
    estimator : estimator
        The unfitted forecaster to diagnose (any scikit-learn regressor; the
        training-history checks need an :class:`~skl_lstm.LSTMRegressor`
        inside it). It is cloned, never changed.
    X : pandas.DataFrame or array-like of shape (n_samples, n_features)
        Observed values at time ``t``, oldest row first, one column holding
        the target's own current value (the layout of
        :func:`~skl_lstm.datasets.make_supervised`). 3-D windows are accepted.
    y : pandas.Series or array-like of shape (n_samples,) or (n_samples, n_outputs)
        The target at ``t + horizon``; must be finite.
    cv : int, cross-validation splitter, iterable or None, default=None
        None or an int: ``TimeSeriesSplit`` with that many folds (3 by
        default), test folds of a sixth of the data (at least a season) and
        ``gap=horizon - 1``. A splitter that trains on the future (shuffled
        or ``KFold``) is reported as a finding and replaced by that default.
    seasonal_period : int or None, default=None
        Season length; None reads it from the index frequency (12 for
        monthly data) or from the autocorrelation of the series.
    horizon : int or None, default=None
        Steps between ``X`` and ``y``; None reads it from the data
        (``y[t] == X[t + h]``), else from the record
        :func:`~skl_lstm.datasets.make_supervised` leaves on ``X`` and ``y``.
    reference : int, str or None, default=None
        Column of ``X`` with the target's current value (for the baselines
        and fixes). None is the target column make_supervised recorded, else 0.
    verbose : int, default=0
        Progress on standard output, following scikit-learn's convention:
        0 prints nothing; 1 or more prints one line per fold as it finishes
        (its fit time, the elapsed time and the folds to go) and one line
        when the checks are done. Keras' own per-epoch output is set by the
        ``verbose`` of the :class:`~skl_lstm.LSTMRegressor` inside.

    Returns
    -------
    Report
        ``print(report)`` for the ranked findings, ``report.top`` for the
        most important one, ``report.to_json()``, ``report.plot()``,
        ``report.save(directory)``, ``report.apply_fixes()``.

    Raises
    ------
    ImportError
        If statsmodels is not installed (``pip install "skl_lstm[diagnose]"``).

    Notes
    -----
    The cost is one fit per fold on a growing part of the data: with the
    default three folds, about 1.5 to 2 times one fit on the whole series.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> from skl_lstm import diagnose
    >>> from skl_lstm.datasets import make_supervised
    >>> t = np.arange(120)
    >>> noise = np.random.default_rng(0).normal(0, 0.3, 120)
    >>> s = pd.Series(10 + 3 * np.sin(2 * np.pi * t / 12) + noise, name="y",
    ...               index=pd.date_range("2000-01", periods=120, freq="MS"))
    >>> X, y = make_supervised(s)  # X: the value at t, y: the value at t + 1
    >>> report = diagnose(LinearRegression(), X, y)
    >>> report.settings["seasonal_period"], report.settings["n_folds"]
    (12, 3)
    >>> report.top.code, report.top.severity  # a straight line through x(t) misses the season
    ('residual_autocorrelation', 'high')
    >>> symptom = report["worse_than_naive"]
    >>> symptom.explained_by, round(symptom.evidence["mae_over_seasonal_naive"], 1)
    (['residual_autocorrelation'], 2.9)
    """
    import_optional("statsmodels", "skl_lstm.diagnose")
    if not (hasattr(estimator, "fit") and hasattr(estimator, "predict")):
        raise TypeError(f"diagnose needs an estimator with fit and predict, got {type(estimator).__name__}.")
    if isinstance(verbose, bool) or not isinstance(verbose, Integral) or verbose < 0:
        raise ValueError(f"verbose={verbose!r} must be a non-negative integer: 0 for no output, 1 for a line per "
                         "fold; pass verbose=0 or verbose=1.")
    started = time.perf_counter()
    if not hasattr(X, "shape"):
        X = np.asarray(X, dtype=np.float64)
    y_arr = np.asarray(y, dtype=np.float64)
    if len(X) != len(y_arr):
        raise ValueError(f"X has {len(X)} rows but y has {len(y_arr)}; pass one target per row of X.")
    check_finite_target(y_arr, "diagnose")
    notes = []
    order = time_order_problem(X)
    problem, n_bad = (None, 0) if order is None else (order.describe("the index of X"), order.n_rows)
    if problem:
        rows = np.argsort(X.index.to_numpy(), kind="stable")
        X, y = X.iloc[rows], take(y, rows)
        y_arr = np.asarray(y, dtype=np.float64)
        notes.append(f"{problem}; the rows were sorted by the index before the folds were cut.")
    layout, ref = read_layout(X, y, reference=reference, horizon=horizon, seasonal_period=seasonal_period,
                              order=(problem, n_bad))
    shuffled = None if problem or hasattr(X, "index") else shuffled_without_index(ref, y_arr)

    n = len(y_arr)
    if n < 20:
        raise ValueError(f"diagnose needs at least 20 samples to cut time-ordered folds, got {n}; pass a longer "
                         "series.")
    cv_issue = None
    if cv is None or isinstance(cv, Integral):
        splitter = default_splitter(n, layout.horizon, layout.seasonal_period, 3 if cv is None else int(cv))
        splits = list(splitter.split(X))
    else:
        splits, cv_issue = _audit_splitter(cv, X, y, layout.horizon)
        splitter = cv
        if cv_issue and cv_issue.get("trains_on_future"):
            splitter = default_splitter(n, layout.horizon, layout.seasonal_period)
            splits = list(splitter.split(X))
            notes.append(f"{cv_issue['splitter']} trains on the future; the folds below use {splitter!r} instead.")
    splitter_text = repr(splitter) if hasattr(splitter, "split") else f"{len(splits)} explicit splits"

    setup = inspect_setup(estimator)
    if setup.lstm is None:
        notes.append("no LSTMRegressor was found inside the estimator: the checks of the training history were "
                     "skipped.")
    folds = run_folds(estimator, X, y, splits, ref=ref, horizon=layout.horizon,
                      seasonal_period=layout.seasonal_period, verbose=verbose, started=started)
    fit_seconds = sum(f.fit_seconds for f in folds)
    failed = [f for f in folds if not f.ok]
    if failed:
        notes.append(f"{len(failed)} of {len(folds)} folds failed: " + "; ".join(
            f"fold {f.index}: {f.error.splitlines()[0][:200]}" for f in failed))
    caught = sorted({w for f in folds for w in f.warnings})
    if caught:
        notes.append("warnings while fitting: " + " | ".join(w[:240] for w in caught[:4])
                     + (f" (+{len(caught) - 4} more)" if len(caught) > 4 else ""))

    X_num = np.asarray(X, dtype=np.float64)
    positive = bool(np.all(y_arr > 0) and np.nanmin(X_num) > 0)
    ev = Evidence(setup=setup, layout=layout, folds=folds, y=y_arr, ref=ref, positive_inputs=positive,
                  cv_issue=cv_issue, shuffled_share=shuffled, splitter_text=splitter_text)
    ev.extra["residual_tests"] = residual_tests(ev)
    findings = [f for check in CHECKS if (f := check(ev)) is not None]
    link_causes(findings)
    if verbose:
        print(f"[diagnose] {len(CHECKS)} checks done: {len(findings)} finding(s); "
              f"elapsed {time.perf_counter() - started:.1f} s", flush=True)

    times, time_label = _target_times(X, n, layout.horizon)
    data = {
        "time_label": time_label,
        "series": {"time": times, "y": first_output(y_arr)},
        "folds": [
            {
                "fold": f.index,
                "time": times[f.test],
                "actual": first_output(f.y_test),
                "pred": None if f.y_pred is None else first_output(f.y_pred),
                "lower": None if f.y_interval is None else first_output(f.y_interval[:, 0]),
                "upper": None if f.y_interval is None else first_output(f.y_interval[:, 1]),
                "naive": first_output(f.naive),
                "snaive": None if f.snaive is None else first_output(f.snaive),
                "history": f.history,
                "best_epoch": f.lstm.get("best_epoch") if f.lstm else None,
            }
            for f in folds
        ],
    }
    tests = ev.extra["residual_tests"]
    if tests is not None:
        test_rows = np.concatenate([f.test for f in ev.ok_folds])
        data["residuals"] = {"time": times[test_rows], "values": tests["residuals"], "acf": tests["acf"],
                             "lb_pvalue": tests["lb_pvalue"], "n": tests["n"]}
    settings = {
        "n_samples": n,
        "horizon": layout.horizon,
        "horizon_source": layout.horizon_source,
        "seasonal_period": layout.seasonal_period,
        "seasonal_period_source": layout.seasonal_source,
        "reference": layout.reference_name,
        "cv": splitter_text,
        "n_folds": len(folds),
        "fit_seconds": fit_seconds,
        "seconds": time.perf_counter() - started,
    }
    return Report(
        findings,
        scores=ev.scores,
        folds=[f.summary() for f in folds],
        setup=setup.describe(),
        settings=settings,
        notes=notes,
        data=data,
        estimator=estimator,
    )


__all__ = ["diagnose"]
