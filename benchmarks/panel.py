"""Many-series benchmark: M4 Weekly (359 series, 13 weeks ahead), scored by M4's official rules.

Run ``make bench-panel`` (or ``python benchmarks/panel.py --help``).

Protocol
--------
* Data: M4 Weekly, shipped in ``benchmarks/data/m4_weekly/`` (source, paper
  and terms in its README). ``--split test`` trains on Weekly-train and scores
  Weekly-test (the competition's table; final figures only).
  ``--split validation`` holds out the last 13 points of every Weekly-train
  series instead (for choosing defaults).
* Every method gets the training panel (a DataFrame indexed by
  (series, time), one column ``"y"``) and the horizon 13, and returns a
  forecast panel for the 13 weeks after each series' end.
* Scoring: :func:`skl_lstm.metrics.m4_score`. sMAPE (in %) and MASE are taken
  per series over the 13 steps, with MASE's seasonal period 1 (M4's
  frequency for weekly data, whatever a model is given), then averaged over
  series. OWA compares them with Naive2 on the same series. The run stops if
  Naive2 does not reproduce the published test scores (sMAPE 9.161, MASE 2.777).
* Time: wall-clock seconds for fit plus forecast, in a fresh process per
  method and seed. Memory: that process's peak resident set
  (``resource.getrusage(RUSAGE_SELF).ru_maxrss``), including Python, the
  libraries the method imports and the data. The baseline column is the
  peak before fitting starts.
* ``--memory-scaling`` also fits each whole-panel method on a seeded random
  half of the series and reports how the peak grows from half to all,
  beside the size of the added series' raw data (the many-series issue's
  memory rule).
* Stochastic methods run once per seed (``--seeds``). The table gives the
  scores of the seed with the median OWA (the lower median for an even
  count), the worst seed's OWA beside it, and the median time and memory.

Methods (configurations)
------------------------
* ``naive2``: M4's Naive2, :func:`skl_lstm.metrics.naive2_forecast` with
  seasonal period 1. For weekly data this is the plain naive forecast. Its
  95 % interval is the random walk's, as R forecast's ``naive`` gives it
  (``± 1.96 σ √h``, σ the root mean square of the one-step changes); the run
  checks it against the published MSIS and ACD of Naive.
* An entry may return ``"lower"`` and ``"upper"`` columns (a 95 % interval)
  beside ``"y"``; the table then gives its MSIS and ACD (M4's definitions).
* ``seasonal-naive``: the value of the same week one year (52 weeks) earlier.
  M4's own sNaive uses period 1 for weekly data and so equals Naive2; see the
  anchors.
* ``theta``: statsmodels ``ThetaModel(y, period=1).fit()`` per series on its
  training data, with its automatic settings (``method="auto"``,
  ``use_test=True``). With period 1 there is no seasonal adjustment.
* ``global-ridge``: one ``RidgeCV(alphas=10**[-2..4])`` fitted on the lag
  windows of all series together. Input: the last 52 values; output: the 13
  next values (direct multi-output). Each window is normalised by its own last
  value (``x / x_last - 1``, inputs and targets), so that series of every
  scale share one model; the forecast is scaled back. The window of 52 was
  chosen on the validation split from {13, 26, 52}.
* ``lstm-global``: the many-series issue's contract, exactly:
  ``X, y = make_supervised(panel, horizon=13, all_horizons=True)``,
  ``recommended_pipeline(window=52, seasonal_period=1, random_state=seed).fit(X, y)``,
  ``model.predict(panel)``, keeping each series' last row: the recipe's
  defaults, untuned (for M4 Weekly they resolve to ``log=True``, 256
  windows per step, epochs of 100 steps, up to 200 with early stopping on
  each series' latest 15 %). The panel defaults were chosen on
  ``--split validation`` (the test split was not looked at): with them,
  seeds 0, 1, 2 gave OWA 0.739, 0.784, 0.733; 32 windows per step gave
  0.794 (seed 0), 128 per step at learning rate 1e-3 0.792, epochs of 200
  steps 0.763, and each series over its own scale instead of logs 1.002
  (measured with the Keras LSTM kernel, before the fused kernel took over
  masked batches of 256: the same model, summed in another order).
  Its 95 % interval is the fitted recipe's own, untuned:
  ``model.predict_interval(panel, coverage=0.95)`` on the same rows (split
  conformal on the residuals of each series' validation tail, per horizon,
  see ``docs/intervals.md``), scored by M4's MSIS and ACD.
  It is skipped, with the reason, while the library cannot take panels.
* ``recipe-without-lstm``: the same contract with the recurrent part
  switched off: ``regressor__lstm`` replaced by ``RidgeCV`` (same alphas as
  above) on the same differenced, scaled windows (missing warm-up steps read
  as 0, the scaled mean), so the table shows what the LSTM adds. Skipped
  like ``lstm-global`` while panels are not supported.
* ``lstm-local``: the same recipe fitted to each series alone, on a seeded
  random sample of ``--sample`` series (OWA against Naive2 on those series).

Outputs: a table on stdout and ``docs/panel.md``, ``docs/panel.json`` and
``docs/panel.png`` (``docs/panel_validation.*`` for the validation split).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import multiprocessing
import os
import platform
import resource
import sys
import time
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import Pipeline

from benchmarks._m4 import SEASONAL_PERIOD, load_anchors, load_m4_weekly
from benchmarks._progress import Progress
from skl_lstm.metrics import m4_score, naive2_forecast
from skl_lstm.utils._panel_input import check_panel, panel_series, rows_from_end

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
#: Seasonal period of the 52-week seasonal naive forecast.
YEAR = 52
#: Lag window of the global ridge (chosen on the validation split from 13, 26, 52).
RIDGE_WINDOW = 52
RIDGE_ALPHAS = np.logspace(-2, 4, 7)
#: Two-sided 95 % normal quantile, for the naive interval.
Z_95 = 1.959964
#: Coverage of the intervals M4 scored (MSIS and ACD are defined for 95 %).
M4_COVERAGE = 0.95
#: The contract's ``window`` and ``seasonal_period`` (M4's frequency) for the LSTM entries.
LSTM_WINDOW = 52
LSTM_SEASONAL_PERIOD = SEASONAL_PERIOD


class Pending(Exception):
    """The library cannot run this entry yet; the message says why."""


# ------------------------------------------------------------ forecast panels
def forecast_panel(train: pd.DataFrame, forecasts: dict, columns=("y",)) -> pd.DataFrame:
    """Forecasts ``{series: array (h,) or (h, len(columns))}`` as a panel at integer times ``last + 1 .. last + h``.

    The columns are ``"y"`` (the point forecast) and, for an entry that gives a
    95 % interval, ``"lower"`` and ``"upper"``.
    """
    last = train.reset_index(level=1).iloc[:, 0].groupby(level=0).max()
    tuples = [(s, last[s] + 1 + k) for s, values in forecasts.items() for k in range(len(values))]
    index = pd.MultiIndex.from_tuples(tuples, names=train.index.names)
    values = np.concatenate(list(forecasts.values())).reshape(len(tuples), len(columns))
    return pd.DataFrame(values, index=index, columns=list(columns))


def per_series(train: pd.DataFrame, horizon: int, forecast: Callable, columns=("y",)) -> pd.DataFrame:
    """Apply a one-series forecaster ``forecast(values, horizon)`` to every series of the panel."""
    series = panel_series(train, caller="per_series", param="train")
    return forecast_panel(train, {s: np.asarray(forecast(v, horizon), dtype=float) for s, v in series.items()}, columns)


# ------------------------------------------------------------------ methods
def _naive2_with_interval(values: np.ndarray, horizon: int) -> np.ndarray:
    """Naive2 and the random walk's 95 % interval (R forecast's ``naive``): ± 1.96 σ √h, σ the RMS one-step change."""
    point = naive2_forecast(values, horizon, seasonal_period=SEASONAL_PERIOD)
    half_width = Z_95 * np.sqrt(np.mean(np.diff(values) ** 2)) * np.sqrt(np.arange(1, horizon + 1))
    return np.column_stack((point, point - half_width, point + half_width))


def naive2(train, horizon, *, seed=0):
    """M4's Naive2 (M4's seasonal period of weekly data, 1), with the random walk's 95 % interval."""
    return per_series(train, horizon, _naive2_with_interval, columns=("y", "lower", "upper"))


def seasonal_naive(train, horizon, *, seed=0):
    """The same week one year (52 weeks) earlier."""
    return per_series(train, horizon, lambda v, h: v[len(v) - YEAR + np.arange(h) % YEAR])


def _theta_one(values: np.ndarray, horizon: int) -> np.ndarray:
    from statsmodels.tsa.forecasting.theta import ThetaModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(ThetaModel(values, period=SEASONAL_PERIOD).fit().forecast(horizon))


def theta(train, horizon, *, seed=0):
    """statsmodels' ThetaModel per series, automatic settings, period 1."""
    return per_series(train, horizon, _theta_one)


def _last_window(values: np.ndarray, window: int) -> np.ndarray:
    """The last ``window`` values, left-padded with the first value for a shorter series."""
    return np.concatenate((np.full(max(window - len(values), 0), values[0]), values[-window:]))


def global_ridge(train, horizon, *, seed=0, window=RIDGE_WINDOW):
    """One RidgeCV on the lag windows of all series, each window divided by its last value."""
    series = panel_series(train, caller="global_ridge", param="train")
    inputs, targets = [], []
    for values in series.values():
        if len(values) < window + horizon:
            continue  # too short for a complete training window; still forecast below
        windows = np.lib.stride_tricks.sliding_window_view(values, window + horizon)
        scale = windows[:, window - 1 : window]
        inputs.append(windows[:, :window] / scale - 1)
        targets.append(windows[:, window:] / scale - 1)
    model = RidgeCV(alphas=RIDGE_ALPHAS).fit(np.concatenate(inputs), np.concatenate(targets))
    last = np.stack([_last_window(v, window) for v in series.values()])
    scale = last[:, -1:]
    predicted = (model.predict(last / scale - 1) + 1) * scale
    return forecast_panel(train, dict(zip(series, predicted, strict=True)))


def _contract_obstacle() -> str | None:
    """Why the issue's panel contract cannot run yet (None when it can), probed on a toy panel."""
    from skl_lstm.datasets import make_supervised

    index = pd.MultiIndex.from_product([["a", "b"], range(6)], names=["series", "time"])
    toy = pd.DataFrame({"y": np.r_[np.arange(6.0), 100 + np.arange(6.0)]}, index=index)
    try:
        X, y = make_supervised(toy, horizon=2, all_horizons=True)
    except (NotImplementedError, TypeError, ValueError) as exc:
        return f"make_supervised does not take panels yet ({type(exc).__name__}: {exc})"
    series_of_rows = X.index.get_level_values(0) if isinstance(X.index, pd.MultiIndex) else None
    targets_of_a = np.asarray(y)[np.asarray(series_of_rows) == "a"] if series_of_rows is not None else np.asarray(y)
    if series_of_rows is None or np.any(targets_of_a >= 100):
        return (
            "make_supervised builds targets across series boundaries (series 'a' reads 'b'): "
            "panels are not supported yet (many-series issue 13)"
        )
    return None


def _contract_forecast(train, horizon, seed, *, recurrent=True):
    """The many-series issue's contract, exactly, keeping each series' last row.

    ``recurrent=False`` puts a ridge regression of the same windows in the
    LSTM's place (as ``benchmarks/accuracy.py``'s ``linear_recipe`` does), so
    the table shows what the recurrent part adds.
    """
    obstacle = _contract_obstacle()
    if obstacle:
        raise Pending(obstacle)
    from skl_lstm import WindowTransformer, recommended_pipeline
    from skl_lstm.datasets import make_supervised

    try:
        X, y = make_supervised(train, horizon=horizon, all_horizons=True)
        model = recommended_pipeline(window=LSTM_WINDOW, seasonal_period=LSTM_SEASONAL_PERIOD, random_state=seed)
        if not recurrent:
            # warm-up steps of the first windows are missing: read them as the mean (0 after scaling)
            fill = SimpleImputer(strategy="constant", fill_value=0.0, keep_empty_features=True)
            window = WindowTransformer(model.get_params()["regressor__lstm__lookback"])  # the LSTM's windows
            model.set_params(
                regressor__lstm=Pipeline([("window", window), ("fill", fill), ("ridge", RidgeCV(alphas=RIDGE_ALPHAS))])
            )
        model.fit(X, y)
        P = np.asarray(model.predict(train))
        # the recipe's 95 % interval (lower, upper) per row and horizon; not for the ridge variant
        bounds = np.asarray(model.predict_interval(train, coverage=M4_COVERAGE)) if recurrent else None
    except (NotImplementedError, TypeError) as exc:
        raise Pending(f"the recipe does not take panels yet ({type(exc).__name__}: {exc})") from exc
    last_rows = rows_from_end(check_panel(train, caller="lstm_global", param="train")) == 0
    labels = train.index.get_level_values(0)[last_rows]
    if bounds is None:
        return forecast_panel(train, dict(zip(labels, P[last_rows], strict=True)))
    rows = np.stack([P[last_rows], bounds[last_rows, 0], bounds[last_rows, 1]], axis=-1)  # (series, h, 3)
    return forecast_panel(train, dict(zip(labels, rows, strict=True)), columns=("y", "lower", "upper"))


def lstm_global(train, horizon, *, seed=0):
    """The many-series issue's contract: one recipe fitted to the whole panel."""
    return _contract_forecast(train, horizon, seed)


def recipe_without_lstm(train, horizon, *, seed=0):
    """The same global recipe with a ridge regression in the LSTM's place."""
    return _contract_forecast(train, horizon, seed, recurrent=False)


def lstm_local(train, horizon, *, seed=0):
    """The same recipe fitted to each series alone (one fit per series)."""
    from skl_lstm import recommended_pipeline
    from skl_lstm.datasets import make_supervised

    def one(values, h):
        frame = pd.DataFrame({"y": values})
        X, y = make_supervised(frame, horizon=h, all_horizons=True)
        model = recommended_pipeline(window=LSTM_WINDOW, seasonal_period=LSTM_SEASONAL_PERIOD, random_state=seed)
        with warnings.catch_warnings():
            # the first row has no differenced history; only the last row's forecast is kept
            warnings.filterwarnings("ignore", message=".*no observed time step.*", category=UserWarning)
            return np.asarray(model.fit(X, y).predict(frame))[-1]

    return per_series(train, horizon, one)


@dataclass(frozen=True)
class Method:
    """A benchmark entry: ``forecast(train_panel, horizon, seed=...)`` returns a forecast panel."""

    label: str
    forecast: Callable
    stochastic: bool = False
    sampled: bool = False  # fitted per series on the --sample subset only
    lstm: bool = False


METHODS = {
    "naive2": Method("Naive2", naive2),
    "seasonal-naive": Method("Seasonal naive (52 weeks)", seasonal_naive),
    "theta": Method("Theta (statsmodels, period 1)", theta),
    "global-ridge": Method(f"Global RidgeCV (window {RIDGE_WINDOW}, last-value scaling)", global_ridge),
    "lstm-global": Method("LSTM global recipe (issue 13 contract)", lstm_global, stochastic=True, lstm=True),
    "recipe-without-lstm": Method("Global recipe, ridge in the LSTM's place", recipe_without_lstm),
    "lstm-local": Method("LSTM recipe per series", lstm_local, stochastic=True, sampled=True, lstm=True),
}


# -------------------------------------------------------------------- runner
def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def run_in_child(name: str, split: str, series: list | None, seed: int) -> dict:
    """Load the split, fit and forecast one method; runs in a fresh process so its peak memory is its own."""
    data = load_m4_weekly(split)
    train = data.train if series is None else data.train.loc[series]
    baseline = _peak_mb()
    start = time.perf_counter()
    try:
        forecast = METHODS[name].forecast(train, data.horizon, seed=seed)
    except Pending as exc:
        return {"status": "pending", "reason": str(exc)}
    except Exception:  # reported, the other methods still run
        return {"status": "error", "reason": traceback.format_exc(limit=4)}
    return {
        "status": "ok",
        "forecast": forecast,
        "seconds": time.perf_counter() - start,
        "peak_mb": _peak_mb(),
        "baseline_mb": baseline,
    }


def _fresh_process(function, *args):
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def evaluate(name: str, data, seeds: int, sample: list) -> dict:
    """Run one method (per seed when stochastic) and score it by M4's rules."""
    method = METHODS[name]
    series = sample if method.sampled else None
    truth = data.test if series is None else data.test.loc[series]
    train = data.train if series is None else data.train.loc[series]
    runs, forecasts = [], []
    for seed in range(seeds if method.stochastic else 1):
        outcome = _fresh_process(run_in_child, name, data.name, series, seed)
        if outcome["status"] != "ok":
            return {"label": method.label, "status": outcome["status"], "reason": outcome["reason"]}
        forecasts.append(outcome.pop("forecast"))
        bounds = {k: forecasts[-1][k] for k in ("lower", "upper") if k in forecasts[-1]}  # a 95 % interval, if any
        score = m4_score(truth, forecasts[-1]["y"], train, seasonal_period=data.seasonal_period, **bounds)
        runs.append({"seed": seed, **score, **{k: outcome[k] for k in ("seconds", "peak_mb", "baseline_mb")}})
    owa = [r["OWA"] for r in runs]
    median = int(np.argsort(owa)[(len(owa) - 1) // 2])  # the lower median for an even count
    median_run = runs[median]
    return {
        "label": method.label,
        "status": "ok",
        "sampled": method.sampled,
        "forecast": forecasts[median],  # kept in memory for same-series comparisons, not written out
        "n_series": median_run["n_series"],
        # scores of the run with the median OWA (so sMAPE, MASE and OWA belong together); cost: medians
        "median": {
            **{
                k: median_run[k]
                for k in ("sMAPE", "MASE", "OWA", "sMAPE_Naive2", "MASE_Naive2", "MSIS", "ACD")
                if k in median_run
            },
            **{k: float(np.median([r[k] for r in runs])) for k in ("seconds", "peak_mb")},
        },
        "worst_owa": float(max(owa)),
        "baseline_mb": median_run["baseline_mb"],
        "runs": runs,
    }


def memory_scaling(name: str, data, result: dict) -> dict:
    """Peak memory on a seeded random half of the series against all of them (seed 0 each).

    The many-series issue asks that doubling the series grows the peak by at
    most the added raw data plus a constant; ``added_raw_mb`` is the size of
    the added series' training rows as a panel (values and index).
    """
    all_series = list(data.train.index.unique(level=0))
    half = sorted(np.random.default_rng(0).choice(all_series, size=len(all_series) // 2, replace=False))
    outcome = _fresh_process(run_in_child, name, data.name, half, 0)
    if outcome["status"] != "ok":
        return {"status": outcome["status"], "reason": outcome["reason"]}
    added = data.train.drop(index=half, level=0)
    peak_all = result["runs"][0]["peak_mb"]
    return {
        "status": "ok",
        "series": [len(half), len(all_series)],
        "peak_mb": [outcome["peak_mb"], peak_all],
        "growth_mb": peak_all - outcome["peak_mb"],
        "added_raw_mb": added.memory_usage(deep=True).sum() / 2**20,
    }


def same_series_owa(results: dict, forecasts: dict, data, sample: list) -> dict:
    """OWA of every whole-panel method on the sampled series, to set beside the per-series fits."""
    truth, train = data.test.loc[sample], data.train.loc[sample]
    return {
        results[name]["label"]: m4_score(truth, forecast["y"].loc[sample], train, seasonal_period=data.seasonal_period)[
            "OWA"
        ]
        for name, forecast in forecasts.items()
        if not results[name]["sampled"] and name != "naive2"
    }


def check_naive2(result: dict, anchors: pd.DataFrame) -> str:
    """Naive2 must reproduce the published test scores to the third decimal, its interval those of Naive's."""
    published = [anchors.loc["Naive2", k] for k in ("sMAPE", "MASE")] + [
        anchors.loc["Naive", k] for k in ("MSIS_95", "ACD_95")
    ]
    ours = [round(result["median"][k], 3) for k in ("sMAPE", "MASE", "MSIS", "ACD")]
    if ours != [round(float(v), 3) for v in published]:
        raise SystemExit(f"Naive2 gives sMAPE/MASE/MSIS/ACD {ours}, published {published}: the scoring is wrong.")
    return (
        f"Naive2 reproduces the published Weekly scores: sMAPE {ours[0]:.3f}, MASE {ours[1]:.3f}; its random-walk "
        f"95 % interval those of Naive: MSIS {ours[2]:.3f}, ACD {ours[3]:.3f}."
    )


# ------------------------------------------------------------------- outputs
def markdown(results: dict, anchors: pd.DataFrame, args, note: str) -> str:
    lines = [
        f"# Many series: M4 Weekly ({args.split} split)",
        "",
        f"Generated by `python benchmarks/panel.py {' '.join(sys.argv[1:])}` on {time.strftime('%Y-%m-%d')}, "
        f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}. "
        "Protocol and each method's configuration: the docstring of `benchmarks/panel.py`. "
        "Scoring by M4's rules (`skl_lstm.metrics.m4_score`): sMAPE (%) and MASE (seasonal period 1) per "
        "series over the 13 weeks, averaged over series; OWA against Naive2 on the same series. "
        "Time: fit + forecast, in a fresh process per run. Memory: that process's peak resident set "
        "(`ru_maxrss`); before the fit, loading Python, the libraries and the data. Times are wall-clock "
        "on this machine, which other jobs may share: rerun on a quiet machine before quoting them.",
        "",
        note,
        "",
        "| method | series | sMAPE | MASE | OWA | worst seed OWA | MSIS (95 %) | ACD (95 %) | fit + forecast (s) "
        "| peak memory (MB) | before fit (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    pending = []
    for result in results.values():
        if result["status"] != "ok":
            pending.append(f"- **{result['label']}**: {result['status']}: {result['reason'].strip()}")
            continue
        m = result["median"]
        worst = f"{result['worst_owa']:.3f}" if len(result["runs"]) > 1 else ""
        interval = " | ".join(f"{m[k]:.3f}" if k in m else "" for k in ("MSIS", "ACD"))
        lines.append(
            f"| {result['label']} | {result['n_series']} | {m['sMAPE']:.3f} | {m['MASE']:.3f} | {m['OWA']:.3f} | "
            f"{worst} | {interval} | {m['seconds']:.1f} | {m['peak_mb']:.0f} | {result['baseline_mb']:.0f} |"
        )
    for result in results.values():
        if result["status"] == "ok" and result["sampled"]:
            m = result["median"]
            others = ", ".join(f"{label} {owa:.3f}" for label, owa in result["same_series_owa"].items())
            lines.append(
                f"\n{result['label']}: scored on a seeded random sample of {result['n_series']} series (listed in "
                f"the JSON), where Naive2 scores sMAPE {m['sMAPE_Naive2']:.3f} and MASE {m['MASE_Naive2']:.3f}; "
                f"its OWA is against those. OWA of the other methods on the same series: {others or 'none run'}."
            )
    scaled = {n: r for n, r in results.items() if r.get("memory_scaling", {}).get("status") == "ok"}
    if scaled:
        lines += [
            "",
            "Memory when the number of series doubles (`--memory-scaling`: a seeded random half of the series, "
            "then all; seed 0; peak resident set of a fresh process each):",
            "",
            "| method | series | peak memory (MB) | growth (MB) | added raw data (MB) |",
            "|---|---:|---:|---:|---:|",
        ]
        for r in scaled.values():
            m = r["memory_scaling"]
            lines.append(
                f"| {r['label']} | {m['series'][0]} → {m['series'][1]} "
                f"| {m['peak_mb'][0]:.0f} → {m['peak_mb'][1]:.0f} | "
                f"{m['growth_mb']:.0f} | {m['added_raw_mb']:.1f} |"
            )
    not_run = [METHODS[n].label for n in METHODS if n not in results]
    if not_run:
        pending.append(f"- not run in this table (select them with `--models`): {', '.join(not_run)}")
    if pending:
        lines += ["", "Pending entries:", "", *pending]
    lines += [
        "",
        "Published M4 Weekly test scores (the competition's evaluation; `benchmarks/data/m4_weekly/anchors.csv`):",
        "",
        "| method | kind | sMAPE | MASE | OWA | MSIS (95 %) | ACD (95 %) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for label, row in anchors.iterrows():
        cells = ["" if pd.isna(row[c]) else f"{row[c]:.3f}" for c in ("sMAPE", "MASE", "OWA", "MSIS_95", "ACD_95")]
        lines.append(f"| {label} | {row['kind']} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Covariates (known-future columns with `recommended_pipeline(..., known_future=[...])` and",
        "`forecast(..., future=)`, static columns): [covariates.md](covariates.md).",
    ]
    return "\n".join(lines) + "\n"


def figure(results: dict, anchors: pd.DataFrame, split: str, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ours = [(r["label"], r["median"]["OWA"]) for r in results.values() if r["status"] == "ok"]
    published = [] if split != "test" else [(f"{k} (published)", v) for k, v in anchors["OWA"].dropna().items()]
    rows = sorted(ours + published, key=lambda item: item[1], reverse=True)
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(rows) + 1.4))
    colors = ["#bbbbbb" if label.endswith("(published)") else "#1f77b4" for label, _ in rows]
    bars = ax.barh([label for label, _ in rows], [v for _, v in rows], color=colors)
    ax.bar_label(bars, fmt="%.3f", padding=3, fontsize=8)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xlim(0, max(v for _, v in rows) * 1.15)
    ax.set_xlabel("OWA (lower is better; Naive2 = 1)")
    ax.set_title(f"M4 Weekly, {split} split\nthis run (blue), published scores (grey)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["validation", "test"], default="test")
    parser.add_argument("--models", nargs="+", choices=list(METHODS), default=list(METHODS))
    parser.add_argument("--seeds", type=int, default=3, help="seeds per stochastic method (default 3)")
    parser.add_argument("--sample", type=int, default=50, help="series for the per-series LSTM fits (default 50)")
    parser.add_argument(
        "--memory-scaling",
        action="store_true",
        help="also fit each whole-panel method on a random half of the series and report the peak memory's growth",
    )
    parser.add_argument("--output", default=os.path.join(ROOT, "docs"), help="folder for panel.{md,json,png}")
    args = parser.parse_args(argv)
    data = load_m4_weekly(args.split)
    anchors = load_anchors()
    all_series = list(data.train.index.unique(level=0))
    sample = sorted(np.random.default_rng(0).choice(all_series, size=min(args.sample, len(all_series)), replace=False))
    names = ["naive2"] + [n for n in args.models if n != "naive2"]  # Naive2 first: it checks the scoring
    results = {}
    progress = Progress(len(names))
    for name in names:
        results[name] = evaluate(name, data, args.seeds, sample)
        r = results[name]
        shown = (
            f"OWA {r['median']['OWA']:.3f}, {r['median']['seconds']:.1f} s, {r['median']['peak_mb']:.0f} MB"
            if r["status"] == "ok"
            else f"{r['status']}: {r['reason'].strip().splitlines()[-1]}"
        )
        progress.done(f"{r['label']}: {shown}")
        if args.memory_scaling and r["status"] == "ok" and not METHODS[name].sampled:
            r["memory_scaling"] = memory_scaling(name, data, r)
            m = r["memory_scaling"]
            if m["status"] == "ok":
                print(f"  memory, half -> all series: {m['peak_mb'][0]:.0f} -> {m['peak_mb'][1]:.0f} MB", flush=True)
    forecasts = {name: r.pop("forecast") for name, r in results.items() if r["status"] == "ok"}
    for r in results.values():
        if r["status"] == "ok" and r["sampled"]:
            r["same_series_owa"] = same_series_owa(results, forecasts, data, sample)
    note = (
        check_naive2(results["naive2"], anchors)
        if args.split == "test"
        else "Validation split: the last 13 points of each Weekly-train series held out; "
        "published scores are for the test split."
    )
    stem = "panel" if args.split == "test" else "panel_validation"
    os.makedirs(args.output, exist_ok=True)
    text = markdown(results, anchors, args, note)
    with open(os.path.join(args.output, f"{stem}.md"), "w") as fh:
        fh.write(text)
    with open(os.path.join(args.output, f"{stem}.json"), "w") as fh:
        json.dump({"split": args.split, "sample": sample, "results": results}, fh, indent=1, default=str)
    figure(results, anchors, args.split, os.path.join(args.output, f"{stem}.png"))
    print(text)
    return results


if __name__ == "__main__":
    main()
