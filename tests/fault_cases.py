"""The fault suite of ``diagnose``: series with one planted fault each, and a healthy model.

Each case builds ``(estimator, X, y, diagnose keyword arguments)`` and names
the finding the report's top entry must carry (None for the healthy model,
which must get no high-severity finding). Run this file as a script to print
the confusion table of planted cause against top finding::

    PYTHONPATH=. python tests/fault_cases.py            # full size (slow)
    PYTHONPATH=. python tests/fault_cases.py --fast     # the fast-suite size
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import KFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skl_lstm import DifferencedTargetRegressor, WindowTransformer
from skl_lstm.datasets import load_airline, make_supervised

#: planted fault -> the finding code that names it
EXPECTED = {
    "trend fed raw": "nonstationary",
    "unscaled input": "unscaled",
    "learning rate far too high": "unstable_training",
    "far too few epochs": "underfitting",
    "too big, no regularisation": "overfitting",
    "outliers under MSE": "outliers",
    "window shorter than season": "residual_autocorrelation",
    "shuffled split": "leaky_split",
    "healthy": None,
}


@dataclass
class Case:
    series: str
    fault: str
    make: object  # () -> (estimator, X, y, kwargs)
    expected: str | None = field(init=False)

    def __post_init__(self):
        self.expected = EXPECTED[self.fault]

    @property
    def name(self):
        return f"{self.series}: {self.fault}"


def synthetic(n=180, seed=0, scale=1.0, outliers=0):
    """A monthly series with a trend, two seasonal harmonics and AR(1) noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    noise = np.zeros(n)
    eps = rng.normal(0, 0.8, n)
    for i in range(1, n):
        noise[i] = 0.3 * noise[i - 1] + eps[i]
    values = 50 + 0.25 * t + 5 * np.sin(2 * np.pi * t / 12) + 2 * np.cos(2 * np.pi * t / 6) + noise
    if outliers:
        where = rng.choice(np.arange(24, n - 6, 7), size=outliers, replace=False)
        values[where] += rng.choice([-1, 1], size=outliers) * 30
    index = pd.date_range("2000-01-01", periods=n, freq="MS", name="month")
    return pd.Series(values * scale, index=index, name="sales")


def airline(outliers=0, seed=0):
    s = load_airline()
    if outliers:
        rng = np.random.default_rng(seed)
        s = s.copy()
        where = rng.choice(np.arange(12, len(s) - 12, 5), size=outliers, replace=False)
        s.iloc[where] *= rng.choice([0.4, 2.5], size=outliers)
    return s


def plant_outliers(values, size, *, every=30, seed=0):
    """Add ``size`` robust standard deviations of the changes, with random signs, at about one point in ``every``.

    The size is measured on the first differences (1.4826 times their median
    absolute deviation), so a spike of 8 is 8 typical steps whatever the
    series' scale. The first and last tenth are left alone, so the spikes fall
    in training folds and test folds alike but never in a window's warm-up.
    """
    values = np.asarray(values, dtype=float).copy()
    steps = np.diff(values)
    sigma = 1.4826 * float(np.median(np.abs(steps - np.median(steps)))) or float(np.std(steps)) or 1.0
    rng = np.random.default_rng(seed)
    lo, hi = len(values) // 10, len(values) - len(values) // 10
    count = max(3, (hi - lo) // every)
    where = rng.choice(np.arange(lo, hi), size=count, replace=False)
    values[where] += rng.choice([-1.0, 1.0], size=count) * size * sigma
    return values


def add_trend(values, rise):
    """Add a straight line that climbs ``rise`` robust standard deviations of the series over its length.

    The scale is 1.4826 times the median absolute deviation, so a few spikes
    (common in weekly sales) do not inflate it.
    """
    values = np.asarray(values, dtype=float)
    scale = 1.4826 * float(np.median(np.abs(values - np.median(values)))) or float(np.std(values)) or 1.0
    return values + rise * scale * np.linspace(0.0, 1.0, len(values))


def rescale(values, step_size):
    """Shift and scale the series so its changes have standard deviation ``step_size`` (its level follows)."""
    values = np.asarray(values, dtype=float)
    scale = step_size / max(float(np.std(np.diff(values))), 1e-12)
    return (values - values.min()) * scale + step_size


def shuffled_rows(X, y, *, arrays=False, seed=0):
    """The rows of ``X`` and ``y`` shuffled as train_test_split(shuffle=True) leaves them (bare arrays if asked)."""
    Xs, _, ys, _ = train_test_split(X, y, test_size=0.01, shuffle=True, random_state=seed)
    return (Xs.to_numpy(), ys.to_numpy()) if arrays else (Xs, ys)


def lstm(**params):
    from skl_lstm import LSTMRegressor

    return LSTMRegressor(**params)


def good(log, size, seasonal_period=12, **overrides):
    """The healthy recipe: learn the change, difference and standardise the windows, early stopping."""
    from skl_lstm import recommended_pipeline

    params = dict(units=size["units"], epochs=size["epochs"], patience=size["patience"], random_state=0,
                  learning_rate=size["learning_rate"], batch_size=size["batch_size"])
    params.update(overrides)
    window = overrides.pop("window", None) or size["window"]
    params.pop("window", None)
    return recommended_pipeline(window=window, seasonal_period=seasonal_period, log=log, **params)


def raw_levels(size):
    """Trend fed raw: standardised level windows and target, no differencing."""
    net = Pipeline([("window", WindowTransformer(size["window"])), ("scale", StandardScaler()),
                    ("lstm", lstm(units=size["units"], epochs=size["epochs"], patience=size["patience"],
                                  learning_rate=size["learning_rate"], batch_size=size["batch_size"],
                                  validation_fraction=0.15, random_state=0))])
    return TransformedTargetRegressor(net, transformer=StandardScaler())


def unscaled(size):
    """Differenced, but neither the windows nor the target are standardised."""
    net = Pipeline([("window", WindowTransformer(size["window"], diff=1)),
                    ("lstm", lstm(units=size["units"], epochs=size["epochs"], patience=size["patience"],
                                  learning_rate=size["learning_rate"], batch_size=size["batch_size"],
                                  validation_fraction=0.15, random_state=0))])
    return DifferencedTargetRegressor(net)


#: Sizes of the cases. FULL: the slow suite; FAST: the default test run (smaller series, fewer epochs, 2 folds).
FULL = {"n": 180, "units": 16, "epochs": 150, "patience": 20, "window": 24, "learning_rate": 0.003, "batch_size": 32,
        "big_n": 96, "big_units": 64, "big_epochs": 250, "cv": None}
FAST = {"n": 120, "units": 8, "epochs": 40, "patience": 8, "window": 12, "learning_rate": 0.01, "batch_size": 64,
        "big_n": 72, "big_units": 48, "big_epochs": 150, "cv": 2}


def series_cases(label, size):
    """The nine cases of one series (``"synthetic"`` or ``"airline"``)."""
    n = size["n"]
    if label == "synthetic":
        data, log = synthetic(n), False
        data_big, data_outliers = synthetic(n=size["big_n"], seed=1), synthetic(n, outliers=max(3, n // 30))
        data_scaled = synthetic(n, scale=1000.0)
    else:
        data, log = airline(), True
        data_big, data_outliers, data_scaled = airline(), airline(outliers=5), airline()
    X, y = make_supervised(data)
    Xb, yb = make_supervised(data_big)
    Xo, yo = make_supervised(data_outliers)
    Xs, ys = make_supervised(data_scaled)
    Xsh, _, ysh, _ = train_test_split(X, y, test_size=0.01, shuffle=True, random_state=0)
    big = dict(units=size["big_units"], epochs=size["big_epochs"], early_stopping=False, dropout=0.0,
               validation_fraction=0.2, window=12)

    def case(fault, make_estimator, X=X, y=y, **kwargs):
        kwargs = {"cv": size["cv"], **kwargs}
        return Case(label, fault, lambda: (make_estimator(), X, y, kwargs))

    # full size, synthetic: a shuffling splitter; otherwise rows shuffled by train_test_split
    if label == "synthetic" and size["cv"] is None:
        shuffled = case("shuffled split", lambda: good(log, size), cv=KFold(5, shuffle=True, random_state=0))
    else:
        shuffled = case("shuffled split", lambda: good(log, size), X=Xsh, y=ysh)
    return [
        case("healthy", lambda: good(log, size)),
        case("trend fed raw", lambda: raw_levels(size)),
        case("unscaled input", lambda: unscaled(size), X=Xs, y=ys),
        case("learning rate far too high", lambda: good(log, size, learning_rate=2.0)),
        # A plain LSTM: with the recipe's linear branch, two epochs leave the
        # model at the ridge fit, which is not underfitting.
        case("far too few epochs", lambda: good(log, size, epochs=2, linear_skip=False)),
        case("too big, no regularisation", lambda: good(log, size, **big), X=Xb, y=yb),
        case("outliers under MSE", lambda: good(log, size), X=Xo, y=yo),
        case("window shorter than season", lambda: good(log, size, window=3)),
        shuffled,
    ]


def build_cases(size=FULL, series=("synthetic", "airline")):
    """Every case of every series, healthy first within each series."""
    return [c for label in series for c in series_cases(label, size)]


def run_case(case, verbose=False):
    from skl_lstm import diagnose

    estimator, X, y, kwargs = case.make()
    start = time.perf_counter()
    report = diagnose(estimator, X, y, **kwargs)
    seconds = time.perf_counter() - start
    if verbose:
        print(f"\n===== {case.name} ({seconds:.1f} s)\n{report}", flush=True)
    return report, seconds


def confusion(results):
    """Confusion table (planted cause x top finding) as a DataFrame, and the top-finding accuracy over faults."""
    rows = []
    for case, report in results:
        top = report.top.code if report.top is not None and report.top.severity == "high" else "none (no high finding)"
        planted = case.expected or "none (healthy)"
        rows.append((planted, top))
    table = pd.crosstab(pd.Series([r[0] for r in rows], name="planted"), pd.Series([r[1] for r in rows], name="top"))
    faults = [(case, report) for case, report in results if case.expected]
    hits = sum(report.top is not None and report.top.code == case.expected for case, report in faults)
    return table, hits / len(faults) if faults else float("nan")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    size = FAST if "--fast" in argv else FULL
    series = [a for a in argv if a in ("synthetic", "airline")] or ("synthetic", "airline")
    only = [a.split("=", 1)[1] for a in argv if a.startswith("--only=")]
    results = []
    for case in build_cases(size, series):
        if only and not any(o in case.fault for o in only):
            continue
        report, seconds = run_case(case, verbose="-v" in argv)
        top = report.top
        print(f"{case.name:<48} top={top.code if top else None!s:<26} "
              f"{top.severity if top else '':<7} {seconds:5.1f} s", flush=True)
        results.append((case, report))
    table, accuracy = confusion(results)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(table)
    print(f"top-finding accuracy over planted faults: {accuracy:.0%}")


if __name__ == "__main__":
    main()
