"""Generalisation benchmark: the untuned recipe on a large collection of single series, split in two.

Run ``make bench-generalise`` (or ``python benchmarks/generalise.py --help``).

Defaults and thresholds are to be tuned on one part of the collection
(``--part dev``) and reported on the other (``--part heldout``, the default),
so that a report never scores a choice on the series it was chosen on.

Collection
----------
* Every series of M4 Weekly (359; ``benchmarks/data/m4_weekly``, train and
  test files joined into one series each), seasonal period ``m = 52``.
* Offline real series: statsmodels' bundled data (co2, weekly, ``m = 52``,
  its missing weeks linearly interpolated; sunspots and nile, yearly, no
  season; elnino, monthly, ``m = 12``; elec_equip, monthly, ``m = 12``; the
  twelve columns of macrodata, the five of danish_data and the two of
  interest_inflation, quarterly, ``m = 4``; copper's world consumption and
  longley's employment, yearly, which the length rule below skips) and
  :func:`skl_lstm.datasets.load_airline` (monthly, ``m = 12``). Not taken:
  statsmodels' ``fertility`` (219 smooth yearly curves of one indicator: they
  would outnumber every other source but M4) and ``strikes`` (events, not a
  regular time grid).
* Split: :func:`part_of` hashes the series name (SHA-256 of e.g.
  ``"m4/W17"`` or ``"statsmodels/macrodata/realgdp"``; the lowest bit of the
  first byte: 0 dev, 1 held-out). It depends on the name only, so it never
  changes when series are added.

Protocol, per series of ``n`` points
------------------------------------
* Horizon ``H = min(13, n // 5)``: M4's weekly horizon, shorter where a
  series has fewer than 65 points (stated per series in the JSON). A series
  with fewer than 20 points before its validation tail (``n - 2H < 20``) is
  skipped and counted, with the reason.
* Test: the last ``H`` points; training: everything before. Validation: the
  last ``H`` training points, scored from fits on what precedes them (the same
  procedures as for the test, one level down). The validation tail chooses
  between ridge and ETS per series and decides "clear structure"; it never
  sees a test point.
* Two scores per method: ``H`` steps ahead (one forecast from the training
  end) and one step ahead (each test point forecast from the true history up
  to the point before it, the model not refitted).
* MASE: each MAE divided by the in-sample naive MAE of the part fitted on
  (lag 1 for weekly and yearly series, as M4 scales weekly data; lag ``m`` for
  monthly and quarterly series). Ratios are per series; across series they
  are summarised by the geometric mean, win rates (strictly lower MASE; ties
  are reported) and quantiles.

Methods (configurations)
------------------------
* ``lstm``: ``X, y = make_supervised(frame, horizon=H, all_horizons=True)``
  on the training part, ``recommended_pipeline(seasonal_period=m,
  random_state=0)`` (``m = None`` for yearly series: its default window 12)
  fitted on it; the ``H``-step forecast is ``predict`` on the training frame's
  last row; the one-step forecasts are column 0 of ``predict`` on the full
  series at the rows before each test point. ``lstm_window2m``: the same with
  ``window=2*m`` given explicitly (run where ``m`` is given; the default
  window with a season is ``2*m`` too, so the two calls build the same
  estimator, which the run checks; a series without a season keeps the
  default's result in this row, so both rows cover the same series). The
  recipe decides ``log`` per series (Guerrero's test) and, with
  ``fallback="auto"``, forecasts with a naive forecast whose win on its
  validation tail is significant (``choices_``, recorded per series in the
  JSON). On a series whose training rows before the validation tail are
  fewer than the window (the 93-week M4 series: two seasons are 104 weeks),
  the recipe shortens the window to one that fits (one season), with a
  warning; ``window=2*m`` given explicitly is shortened alike.
  *Network used*: the fitted ``LSTMRegressor``'s ``best_epoch_ > 0`` and
  ``forecaster_ == "model"``; at 0 the trained LSTM part did not beat the
  ridge start of its linear skip branch on the fit's own validation tail,
  and the forecast is that linear branch's. ``lstm_fallback`` and
  ``lstm_nofallback`` (``--variants fallback nofallback``, not in the
  default run): the default call with ``fallback=True`` and ``False``.
  ``lstm_firstdiff`` (``--variants firstdiff``, not in the default run): the
  default call with ``seasonal_difference=False``, the change from the last
  value on every series (the default decides per series from the seasonal
  strength).
* ``naive``: the last value. ``snaive``: the value ``m`` steps earlier
  (series with a season only).
* ``ets``: statsmodels ``ETSModel`` fitted by maximum likelihood, chosen by
  AIC among error {additive, multiplicative (positive series)} x trend
  {none, additive, additive damped} x season {none; additive and
  multiplicative (positive series) when ``2 <= m <= 24`` and the fit sees at
  least two full seasons}. Weekly ``m = 52`` gets no seasonal component, as
  R's ``ets`` refuses ``m > 24``. Candidates that fail to fit are dropped. One
  step ahead: the chosen model's fitted parameters run over the full series
  (``ETSModel.smooth``), no refit.
* ``theta``: statsmodels ``ThetaModel(y, period=p).fit()`` with its automatic
  settings (``method="auto"``, ``deseasonalize=True``, ``use_test=True``),
  ``p`` the MASE lag (1 for weekly data, as M4's and ``benchmarks/panel.py``'s
  Theta). One step ahead: refitted at each origin (ThetaModel has no
  ``append``; each fit is a closed-form SES plus drift).
* ``ridge``: the recipe with ``RidgeCV(alphas=10**[-2..4])`` in the LSTM's
  place on the same windows (``benchmarks/panel.py``'s
  ``recipe-without-lstm``, ``benchmarks/accuracy.py``'s ``linear_recipe``):
  the same target change, first differences of the inputs, scaling and window
  (``2m``, or 12 without a season, whatever ``window`` the recipe is given;
  the original scale, ``log=False``; capped at the number of training rows,
  which ``WindowTransformer`` requires, for short M4 series, where the LSTM
  masks the missing steps instead), direct ``H``-output regression, missing
  warm-up steps read as 0 (the scaled mean).
* ``best_ridge_ets``: per series and per horizon, whichever of ridge and ETS
  has the lower MASE on the validation tail.

Outputs: ``docs/generalise.md`` and ``docs/generalise.json``
(``generalise_dev.*`` for ``--part dev``; nothing with ``--output ''``). Per
series results are cached in a JSON-lines file (``--cache``), so an
interrupted run resumes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import numpy as np
import pandas as pd

#: M4's forecast horizon for weekly data; shorter series get ``n // 5``.
HORIZON = 13
#: Fewest points before the validation tail for a series to be scored.
MIN_FIT_POINTS = 20
#: Season length given to the recipe for weekly data (a year of weeks).
WEEKLY_SEASON = 52
#: Seasons above this get no seasonal ETS component (R's ets rule).
MAX_ETS_SEASON = 24
RIDGE_ALPHAS = np.logspace(-2, 4, 7)
QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
PARTS = ("dev", "heldout")
#: Goal thresholds of issue 14.
GOAL_RATIO = 1.05
GOAL_NAIVE_MARGIN = 1.10
GOAL_NAIVE_SHARE = 0.05
GOAL_STRUCTURE = 0.90  # ETS at most 90 % of naive's validation MASE
GOAL_STRUCTURE_SHARE = 0.95
#: Bumped when the per-series protocol changes, so a cache from before is not reused.
PROTOCOL = 1


# --------------------------------------------------------------------- series
@dataclass
class Series:
    """One series of the collection and the period choices a forecaster would make for it."""

    name: str
    values: np.ndarray
    season: int | None  # recipe's seasonal_period, seasonal naive and seasonal ETS; None: no season
    mase_lag: int  # MASE's scaling lag and Theta's period
    description: str


def part_of(name: str) -> str:
    """``"dev"`` or ``"heldout"``: the lowest bit of the first byte of the name's SHA-256."""
    return PARTS[hashlib.sha256(name.encode()).digest()[0] & 1]


def horizon_for(n: int) -> tuple[int, str | None]:
    """The horizon of a series of ``n`` points, and why it is skipped (None: scored)."""
    h = min(HORIZON, n // 5)
    if h < 1 or n - 2 * h < MIN_FIT_POINTS:
        return h, f"{n} points: fewer than {MIN_FIT_POINTS} before the validation tail of {h}"
    return h, None


def m4_series() -> list[Series]:
    from benchmarks._m4 import load_m4_weekly

    data = load_m4_weekly("test")
    full = pd.concat([data.train, data.test]).sort_index(level=[0, 1])
    out = []
    for sid, values in full.groupby(level=0, sort=False)["y"]:
        out.append(Series(f"m4/{sid}", values.to_numpy(float), WEEKLY_SEASON, 1, "M4 Weekly"))
    return sorted(out, key=lambda s: int(s.name.split("/W")[1]))


def other_series() -> list[Series]:
    """statsmodels' bundled series and the package's airline data (all offline)."""
    from statsmodels import datasets as smd
    from statsmodels.datasets import elec_equip

    from skl_lstm.datasets import load_airline

    out = [Series("skl_lstm/airline", load_airline().to_numpy(float), 12, 12, "monthly air passengers 1949-1960")]
    co2 = smd.co2.load_pandas().data["co2"].interpolate(limit_direction="both")
    out.append(Series("statsmodels/co2", co2.to_numpy(float), WEEKLY_SEASON, 1, "Mauna Loa CO2, weekly 1958-2001"))
    out.append(Series("statsmodels/sunspots", smd.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(float), None, 1,
                      "yearly sunspot numbers 1700-2008"))
    out.append(Series("statsmodels/nile", smd.nile.load_pandas().data["volume"].to_numpy(float), None, 1,
                      "Nile flow at Aswan, yearly 1871-1970"))
    nino = smd.elnino.load_pandas().data.drop(columns="YEAR").to_numpy(float).ravel()
    out.append(Series("statsmodels/elnino", nino, 12, 12, "Pacific sea-surface temperature, monthly 1950-2010"))
    out.append(Series("statsmodels/elec_equip", elec_equip.load().data.iloc[:, 0].to_numpy(float), 12, 12,
                      "euro-area electrical equipment orders, monthly 1995-2016"))
    macro = smd.macrodata.load_pandas().data
    for column in macro.columns.drop(["year", "quarter"]):
        out.append(Series(f"statsmodels/macrodata/{column}", macro[column].to_numpy(float), 4, 4,
                          "US macroeconomic data, quarterly 1959-2009"))
    danish = smd.danish_data.load_pandas().data
    for column in danish.columns:
        out.append(Series(f"statsmodels/danish_data/{column}", danish[column].to_numpy(float), 4, 4,
                          "Danish money demand data, quarterly 1974-1987"))
    rates = smd.interest_inflation.load_pandas().data
    for column in ("Dp", "R"):
        out.append(Series(f"statsmodels/interest_inflation/{column}", rates[column].to_numpy(float), 4, 4,
                          "German inflation and interest rate, quarterly 1972-1998"))
    out.append(Series("statsmodels/copper", smd.copper.load_pandas().data["WORLDCONSUMPTION"].to_numpy(float), None, 1,
                      "world copper consumption, yearly 1951-1975"))
    out.append(Series("statsmodels/longley", smd.longley.load_pandas().data["TOTEMP"].to_numpy(float), None, 1,
                      "US total employment, yearly 1947-1962"))
    return out


def collection() -> list[Series]:
    """Every series of the benchmark, M4 Weekly first, in a fixed order."""
    return m4_series() + other_series()


# ------------------------------------------------------------------ forecasts
@dataclass
class Forecasts:
    """A method's forecasts of the ``h`` points after ``values[:n_fit]``: ``h`` steps ahead and one step ahead."""

    multi: np.ndarray
    one: np.ndarray
    info: dict


def naive(values: np.ndarray, n_fit: int, h: int, season: int | None) -> Forecasts:
    return Forecasts(np.full(h, values[n_fit - 1]), values[n_fit - 1 : n_fit + h - 1].copy(), {})


def seasonal_naive(values: np.ndarray, n_fit: int, h: int, season: int) -> Forecasts:
    multi = values[n_fit - season + np.arange(h) % season]
    return Forecasts(multi, values[n_fit - season : n_fit - season + h].copy(), {})


def _ets_candidates(fit_values: np.ndarray, season: int | None) -> list[dict]:
    positive = bool(np.all(fit_values > 0))
    errors = ["add", "mul"] if positive else ["add"]
    trends = [(None, False), ("add", False), ("add", True)]
    seasons = [None]
    if season and 2 <= season <= MAX_ETS_SEASON and fit_values.size >= 2 * season:
        seasons += ["add", "mul"] if positive else ["add"]
    return [
        dict(error=e, trend=t, damped_trend=d, seasonal=s, seasonal_periods=season if s else None)
        for e in errors for t, d in trends for s in seasons
    ]


def ets(values: np.ndarray, n_fit: int, h: int, season: int | None) -> Forecasts:
    """ETSModel chosen by AIC on ``values[:n_fit]``; one step ahead with its parameters over the whole series."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    fit_values = values[:n_fit]
    best, best_spec = None, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for spec in _ets_candidates(fit_values, season):
            try:
                result = ETSModel(fit_values, **spec).fit(disp=False)
            except Exception:  # a candidate that cannot be fitted is dropped
                continue
            if np.isfinite(result.aic) and (best is None or result.aic < best.aic):
                best, best_spec = result, spec
        multi = np.asarray(best.forecast(h))
        smoothed = ETSModel(values[: n_fit + h], **best_spec).smooth(best.params)
        one = np.asarray(smoothed.fittedvalues)[n_fit : n_fit + h]
    name = "ETS({},{}{},{})".format(
        best_spec["error"][0].upper(),
        (best_spec["trend"] or "n")[0].upper(),
        "d" if best_spec["damped_trend"] else "",
        (best_spec["seasonal"] or "n")[0].upper(),
    )
    return Forecasts(multi, one, {"spec": name, "candidates": len(_ets_candidates(fit_values, season))})


def _theta_forecast(values: np.ndarray, steps: int, period: int) -> np.ndarray:
    from statsmodels.tsa.forecasting.theta import ThetaModel

    return np.asarray(ThetaModel(values, period=period).fit().forecast(steps))


def theta(values: np.ndarray, n_fit: int, h: int, period: int) -> Forecasts:
    """ThetaModel with automatic settings; one step ahead refitted at each origin."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        multi = _theta_forecast(values[:n_fit], h, period)
        one = np.array([_theta_forecast(values[: n_fit + k], 1, period)[0] for k in range(h)])
    return Forecasts(multi, one, {})


def _recipe(season: int | None, **overrides):
    from skl_lstm import recommended_pipeline

    return recommended_pipeline(seasonal_period=season, random_state=0, **overrides)


def ridge_recipe(season: int | None, rows: int):
    """The recipe with RidgeCV in the LSTM's place, on the same windows (at most ``rows`` long)."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import Pipeline

    from skl_lstm import WindowTransformer

    from skl_lstm.utils import default_window

    # the baseline stays what it was: the original scale and the default window, whatever the recipe decides
    model = _recipe(season, log=False)
    # WindowTransformer refuses a window longer than the rows; the LSTM masks the missing steps instead
    window = WindowTransformer(min(default_window(season), rows))
    fill = SimpleImputer(strategy="constant", fill_value=0.0, keep_empty_features=True)
    linear = Pipeline([("window", window), ("fill", fill), ("ridge", RidgeCV(alphas=RIDGE_ALPHAS))])
    return model.set_params(regressor__lstm=linear)


def fit_predict(model, values: np.ndarray, n_fit: int, h: int) -> Forecasts:
    """Fit ``model`` on ``make_supervised`` of ``values[:n_fit]``; forecast ``h`` ahead and one step ahead."""
    from skl_lstm.datasets import make_supervised
    from skl_lstm.exceptions import WorseThanBaselineWarning

    frame = pd.DataFrame({"y": values[: n_fit + h]})
    X, y = make_supervised(frame.iloc[:n_fit], horizon=h, all_horizons=True)
    with warnings.catch_warnings():
        # the first row has no differenced history; its forecast is not used
        warnings.filterwarnings("ignore", message=".*no observed time step.*", category=UserWarning)
        warnings.filterwarnings("ignore", category=WorseThanBaselineWarning)  # read from forecaster_ instead
        model.fit(X, y)
        multi = np.asarray(model.predict(frame.iloc[:n_fit]))[-1]
        one = np.asarray(model.predict(frame)).reshape(n_fit + h, -1)[n_fit - 1 : n_fit + h - 1, 0]
    return Forecasts(multi, one, {})


def ridge(values: np.ndarray, n_fit: int, h: int, season: int | None) -> Forecasts:
    return fit_predict(ridge_recipe(season, rows=n_fit - h), values, n_fit, h)


def lstm(values: np.ndarray, n_fit: int, h: int, season: int | None, **overrides) -> Forecasts:
    from skl_lstm.diagnostics._inspect import fitted_lstm

    model = _recipe(season, **overrides)
    start = time.perf_counter()
    result = fit_predict(model, values, n_fit, h)
    fitted = fitted_lstm(model)
    result.info = {
        "best_epoch": int(fitted.best_epoch_),
        "n_epochs": int(fitted.n_epochs_),
        # the network forecasts: trained weights kept (not the ridge start) and no naive fallback
        "network_used": bool(fitted.best_epoch_ > 0 and model.forecaster_ == "model"),
        "forecaster": model.forecaster_,
        "window": int(fitted.lookback_),
        "log": bool(model.log_),
        "choices": {name: choice.why for name, choice in model.choices_.items()},
        "seconds": round(time.perf_counter() - start, 2),
    }
    return result


# -------------------------------------------------------------------- scoring
def score_series(s: Series, variants: dict) -> dict:
    """Every method's MASE on the test and on the validation tail of one series (runs in a worker)."""
    import keras

    keras.config.disable_interactive_logging()
    started = time.perf_counter()
    values = s.values
    n = values.size
    h, skipped = horizon_for(n)
    record = {"name": s.name, "n": n, "horizon": h, "season": s.season, "mase_lag": s.mase_lag,
              "description": s.description, "protocol": PROTOCOL}
    if skipped:
        return {**record, "skipped": skipped}
    n_train, n_val = n - h, n - 2 * h
    test, val = values[n_train:], values[n_val:n_train]
    from skl_lstm.metrics import mean_absolute_scaled_error

    # MASE scaled by the in-sample lag-``mase_lag`` naive error of what precedes the scored points
    scale_test, scale_val = values[:n_train], values[:n_val]

    def mase(f, truth, scale):
        return {
            k: mean_absolute_scaled_error(truth, getattr(f, k), y_train=scale, seasonal_period=s.mase_lag)
            for k in ("multi", "one")
        }

    baselines = {"naive": naive, "ets": ets, "ridge": ridge}
    if s.season:
        baselines["snaive"] = seasonal_naive
    record["test"], record["validation"], record["info"] = {}, {}, {}
    for method, function in baselines.items():
        record["validation"][method] = mase(function(values[: n_train], n_val, h, s.season), val, scale_val)
        f = function(values, n_train, h, s.season)
        record["test"][method] = mase(f, test, scale_test)
        if f.info:
            record["info"][method] = f.info
    record["test"]["theta"] = mase(theta(values, n_train, h, s.mase_lag), test, scale_test)
    forecasts = {}
    for variant, overrides in variants.items():
        if "2m" in overrides.values() and not s.season:
            # 2m is not defined without a season: the default window stands in, so every variant has the same series
            if "default" in forecasts:
                record["test"][variant] = record["test"]["default"]
                record["info"][variant] = {**record["info"]["default"], "same_as": "default"}
            continue
        resolved = {k: (2 * s.season if v == "2m" else v) for k, v in overrides.items()}
        f = lstm(values, n_train, h, s.season, **resolved)
        forecasts[variant] = f
        record["test"][variant] = mase(f, test, scale_test)
        record["info"][variant] = f.info
    if len(forecasts) > 1:
        first, *others = forecasts.values()
        record["identical_forecasts"] = all(
            np.array_equal(first.multi, o.multi) and np.array_equal(first.one, o.one) for o in others
        )
    record["seconds"] = round(time.perf_counter() - started, 2)
    return record


# ---------------------------------------------------------------- summaries
def _gmean(x) -> float:
    from scipy.stats import gmean

    return float(gmean(x)) if len(x) else float("nan")


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b, with 0 / 0 read as 1 (both exact) and a floor so a perfect baseline gives a large finite ratio."""
    tiny = 1e-12
    return np.where((a <= tiny) & (b <= tiny), 1.0, np.maximum(a, tiny) / np.maximum(b, tiny))


def summarise(records: list[dict], variant: str, horizon_kind: str) -> dict:
    """The issue's figures for one LSTM variant at one horizon kind ("one" or "multi")."""
    rows = [r for r in records if "skipped" not in r and variant in r["test"]]
    if not rows:
        return {"n_series": 0}

    def test_of(method):
        return np.array([r["test"][method][horizon_kind] for r in rows])

    def val_of(method):
        return np.array([r["validation"][method][horizon_kind] for r in rows])

    model = test_of(variant)
    chosen_ets = val_of("ets") <= val_of("ridge")
    best = np.where(chosen_ets, test_of("ets"), test_of("ridge"))
    ratio_best = _ratio(model, best)
    seasonal = np.array([r["season"] is not None for r in rows])
    snaive = np.array([r["test"]["snaive"][horizon_kind] if r["season"] else np.nan for r in rows])
    best_naive = np.fmin(test_of("naive"), snaive)  # naive alone where there is no season
    ratio_naive = _ratio(model, best_naive)
    structure = val_of("ets") <= GOAL_STRUCTURE * val_of("naive")
    beats_both = (model < test_of("naive")) & ~(model >= snaive)  # NaN seasonal naive: naive only
    theta = test_of("theta")
    wins = {}
    for base in ("naive", "snaive", "ets", "theta", "ridge"):
        keep = seasonal if base == "snaive" else np.ones(len(rows), bool)
        other = snaive if base == "snaive" else test_of(base)
        wins[base] = {
            "n": int(keep.sum()),
            "wins": float(np.mean(model[keep] < other[keep])) if keep.any() else float("nan"),
            "ties": int(np.sum(model[keep] == other[keep])),
            "gmean_ratio": _gmean(_ratio(model[keep], other[keep])),
        }
    wins["best of ridge / ETS"] = {
        "n": len(rows),
        "wins": float(np.mean(model < best)),
        "ties": int(np.sum(model == best)),
        "gmean_ratio": _gmean(ratio_best),
    }
    used = [r["info"][variant]["network_used"] for r in rows]
    return {
        "n_series": len(rows),
        "n_m4": int(sum(r["name"].startswith("m4/") for r in rows)),
        "gmean_mase": {"model": _gmean(model), "theta": _gmean(theta), "naive": _gmean(test_of("naive")),
                       "ets": _gmean(test_of("ets")), "ridge": _gmean(test_of("ridge")),
                       "best_ridge_ets": _gmean(best)},
        "ratio_to_best_ridge_ets": {
            "gmean": _gmean(ratio_best),
            "quantiles": {f"{int(q * 100)}%": float(np.quantile(ratio_best, q)) for q in QUANTILES},
            "share_ets_chosen": float(np.mean(chosen_ets)),
        },
        "ratio_to_best_naive": {
            "gmean": _gmean(ratio_naive),
            "quantiles": {f"{int(q * 100)}%": float(np.quantile(ratio_naive, q)) for q in QUANTILES},
            "share_worse_by_10pct": float(np.mean(ratio_naive > GOAL_NAIVE_MARGIN)),
            "worse_by_10pct": [r["name"] for r, q in zip(rows, ratio_naive, strict=True) if q > GOAL_NAIVE_MARGIN],
        },
        "clear_structure": {
            "n": int(structure.sum()),
            "share_beating_both_naive": float(np.mean(beats_both[structure])) if structure.any() else float("nan"),
            "not_beating": [r["name"] for r, s, b in zip(rows, structure, beats_both, strict=True) if s and not b],
        },
        "wins": wins,
        "network_used": float(np.mean(used)),
        "by_source": {
            source: _gmean(ratio_best[mask]) for source, mask in (
                ("m4", np.array([r["name"].startswith("m4/") for r in rows])),
                ("other", np.array([not r["name"].startswith("m4/") for r in rows])),
            ) if mask.any()
        },
    }


def goals(summary: dict) -> list[tuple[str, bool, str]]:
    """Issue 14's goals, checked on one summary."""
    if not summary.get("n_series"):
        return []
    r = summary["ratio_to_best_ridge_ets"]["gmean"]
    worse = summary["ratio_to_best_naive"]["share_worse_by_10pct"]
    cs = summary["clear_structure"]
    g = summary["gmean_mase"]
    return [
        (f"geometric-mean MASE ratio to the better of ridge and ETS (chosen on validation) <= {GOAL_RATIO}",
         r <= GOAL_RATIO, f"{r:.3f}"),
        (f"worse than the better of naive and seasonal naive by > 10 % on <= {GOAL_NAIVE_SHARE:.0%} of series",
         worse <= GOAL_NAIVE_SHARE, f"{worse:.1%} ({len(summary['ratio_to_best_naive']['worse_by_10pct'])} series)"),
        (f"clear structure (ETS <= {GOAL_STRUCTURE} x naive on validation): beats both naive forecasts on >= "
         f"{GOAL_STRUCTURE_SHARE:.0%}", cs["share_beating_both_naive"] >= GOAL_STRUCTURE_SHARE,
         f"{cs['share_beating_both_naive']:.1%} of {cs['n']}"),
        ("geometric-mean MASE below Theta's on the same series", g["model"] < g["theta"],
         f"{g['model']:.3f} vs {g['theta']:.3f}"),
    ]


# ------------------------------------------------------------------- runner
def _configure_workers() -> None:
    """One TensorFlow thread per worker process: the workers share the cores."""
    for key in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
        os.environ.setdefault(key, "1")


def load_cache(path: str) -> dict:
    done = {}
    if path and os.path.exists(path):
        with open(path) as fh:
            for line in fh:
                if line.strip():
                    r = json.loads(line)
                    if r.get("protocol") == PROTOCOL:
                        done[(r["name"], tuple(r.get("variants", ())))] = r
    return done


def run(series: list[Series], variants: dict, n_jobs: int, cache: str) -> list[dict]:
    from joblib import Parallel, delayed

    key_variants = tuple(sorted(variants))
    done = load_cache(cache)
    results = [done[(s.name, key_variants)] for s in series if (s.name, key_variants) in done]
    todo = [s for s in series if (s.name, key_variants) not in done]
    from_cache = len(results)
    print(f"{from_cache} series from the cache, {len(todo)} to run", flush=True)
    if cache:
        os.makedirs(os.path.dirname(os.path.abspath(cache)), exist_ok=True)
    start = time.perf_counter()
    jobs = (delayed(score_series)(s, variants) for s in todo)
    outputs = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs) if n_jobs != 1 else map(
        lambda s: score_series(s, variants), todo)
    for i, record in enumerate(outputs, 1):
        record["variants"] = list(key_variants)
        results.append(record)
        if cache:
            with open(cache, "a") as fh:
                fh.write(json.dumps(record) + "\n")
        status = record.get("skipped") or f"{record['seconds']:.1f} s"
        print(f"[{time.perf_counter() - start:7.1f}s] {i}/{len(todo)} {record['name']}: {status}", flush=True)
    order = {s.name: i for i, s in enumerate(series)}
    return sorted(results, key=lambda r: order[r["name"]]), from_cache


# ------------------------------------------------------------------ outputs
VARIANTS = {"default": {}, "window2m": {"window": "2m"}, "fallback": {"fallback": True},
            "nofallback": {"fallback": False}, "firstdiff": {"seasonal_difference": False}}
LABELS = {"default": "`recommended_pipeline(seasonal_period=m, random_state=0)`",
          "window2m": "the same with `window=2*m`",
          "fallback": "the same with `fallback=True` (a naive forecast that beat it on its validation tail forecasts)",
          "nofallback": "the same with `fallback=False` (the model forecasts even where a naive forecast beat it on "
                        "its validation tail)",
          "firstdiff": "the same with `seasonal_difference=False` (the change from the last value, whatever the "
                       "seasonal strength)"}
KINDS = {"one": "one step ahead", "multi": "H steps ahead"}


def _q(quantiles: dict) -> str:
    return " / ".join(f"{v:.3f}" for v in quantiles.values())


def markdown(report: dict) -> str:
    part = report["part"]
    lines = [
        f"# Generalisation: the untuned recipe on a large collection ({part} part)",
        "",
        f"Generated by `{' '.join(['python benchmarks/generalise.py', *report['argv']])}` on {report['date']}, "
        f"{report['machine']}; wall time {report['seconds'] / 60:.1f} min ({report['counts']['from_cache']} series "
        f"read from the cache; the series' own times, each in one single-threaded worker, sum to "
        f"{report['series_seconds'] / 60:.1f} min). "
        "Protocol and every baseline's "
        "configuration: the docstring of `benchmarks/generalise.py` (`make bench-generalise`).",
        "",
        f"Series: {report['counts']['collection']} in the collection (359 M4 Weekly + "
        f"{report['counts']['collection'] - 359} statsmodels / skl_lstm series), "
        f"{report['counts']['part']} in the {part} part (SHA-256 of the name), "
        f"{report['counts']['run']} run{report['subset_note']}, {report['counts']['skipped']} skipped as too short "
        f"({', '.join(report['skipped']) or 'none'}). Horizon H = 13 (M4 Weekly), or n // 5 for a series of under "
        f"65 points ({report['counts']['short_horizon']} series). M4 Weekly's season for the recipe, seasonal naive "
        "and the ridge window: m = 52 (window 104); MASE scaled by the lag-1 naive for weekly and yearly data "
        "(M4's rule), by the lag-m seasonal naive for monthly and quarterly data.",
        "",
        "Do not edit by hand. Defaults and thresholds are tuned on the dev part only (`--part dev`, "
        "`docs/generalise_dev.*`); this page reports the part named in its title.",
        "",
        "Ratios are the model's MASE over a baseline's on the same series (below 1: the model is better); "
        "*best of ridge / ETS* is chosen per series on its validation tail (the last H training points), never on "
        "the test points. *Network used*: the share of series whose fitted `LSTMRegressor` kept trained LSTM "
        "weights (`best_epoch_ > 0`); on the others no epoch beat the ridge start of its linear skip branch on "
        "the fit's validation tail, so that linear branch forecasts (with `fallback=True`, a naive forecast "
        "that beat the model on that tail forecasts instead, and those series count as not used too).",
    ]
    if report.get("identical"):
        lines += ["", report["identical"]]
    for variant, by_kind in report["summaries"].items():
        for kind, s in by_kind.items():
            if not s.get("n_series"):
                continue
            lines += [
                "",
                f"## {LABELS[variant]}, {KINDS[kind]}",
                "",
                f"{s['n_series']} series ({s['n_m4']} M4 Weekly). Network used on {s['network_used']:.0%}.",
                "",
                "| goal | status | figure |",
                "| --- | :---: | --- |",
            ]
            for text, ok, detail in goals(s):
                lines.append(f"| {text} | {'PASS' if ok else '**FAIL**'} | {detail} |")
            rb, rn = s["ratio_to_best_ridge_ets"], s["ratio_to_best_naive"]
            lines += [
                "",
                "| ratio of the model's MASE to | geometric mean | quantiles 10 / 25 / 50 / 75 / 90 % |",
                "| --- | ---: | --- |",
                f"| best of ridge / ETS (ETS chosen on {rb['share_ets_chosen']:.0%}) | {rb['gmean']:.3f} | "
                f"{_q(rb['quantiles'])} |",
                f"| better of naive / seasonal naive | {rn['gmean']:.3f} | {_q(rn['quantiles'])} |",
                "",
                "| against | series | model wins | ties | geometric-mean MASE ratio |",
                "| --- | ---: | ---: | ---: | ---: |",
            ]
            for base, w in s["wins"].items():
                lines.append(f"| {base} | {w['n']} | {w['wins']:.1%} | {w['ties']} | {w['gmean_ratio']:.3f} |")
            g = s["gmean_mase"]
            lines += [
                "",
                "Geometric-mean MASE: " + ", ".join(f"{k.replace('_', ' ')} {v:.3f}" for k, v in g.items())
                + ". Ratio to best of ridge / ETS by source: "
                + ", ".join(f"{k} {v:.3f}" for k, v in s["by_source"].items()) + ".",
            ]
            if rn["worse_by_10pct"]:
                lines.append(f"\nMore than 10 % worse than the better naive: {', '.join(rn['worse_by_10pct'])}.")
            if s["clear_structure"]["not_beating"]:
                lines.append("\nClear structure, not beating both naive forecasts: "
                             f"{', '.join(s['clear_structure']['not_beating'])}.")
    lines += ["", "Per-series MASE, validation scores and ETS specifications: `docs/generalise"
              f"{'' if part == 'heldout' else '_dev'}.json`.", ""]
    return "\n".join(lines)


def _rounded(value, digits: int = 4):
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v, digits) for v in value]
    return value


def _json(report: dict) -> str:
    """The report as JSON: summaries indented, one line per series, figures to 4 decimals."""
    head = json.dumps(_rounded({k: v for k, v in report.items() if k != "series"}), indent=1)
    dropped = ("description", "protocol", "variants")  # the docstring's and the run's, the same on every row
    rows = ",\n".join("  " + json.dumps(_rounded({k: v for k, v in r.items() if k not in dropped}))
                      for r in report["series"])
    return head[:-2] + ',\n "series": [\n' + rows + "\n ]\n}\n"


def select(series: list[Series], args) -> tuple[list[Series], str]:
    """The part's series, then ``--sample`` (seeded, random) or ``--limit`` (the first ones)."""
    chosen = [s for s in series if part_of(s.name) == args.part]
    if args.only:
        chosen = [s for s in chosen if s.name in set(args.only)]
    note = ""
    if args.sample and args.sample < len(chosen):
        picked = np.random.default_rng(args.seed).choice(len(chosen), size=args.sample, replace=False)
        chosen = [chosen[i] for i in sorted(picked)]
        note = f" (a seeded random sample, --sample {args.sample} --seed {args.seed})"
    if args.limit and args.limit < len(chosen):
        chosen = chosen[: args.limit]
        note = f" (the first {args.limit}, --limit)"
    return chosen, note


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=PARTS, default="heldout",
                        help="'dev' for tuning, 'heldout' (default) for reports")
    parser.add_argument("--limit", type=int, default=0, help="run only the part's first N series")
    parser.add_argument("--sample", type=int, default=0, help="run a seeded random sample of N of the part's series")
    parser.add_argument("--seed", type=int, default=0, help="seed of --sample (default 0)")
    parser.add_argument("--only", nargs="*", help="run only these series names (e.g. m4/W17)")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=["default", "window2m"],
                        help="recipe calls to score (default: the issue's two, default and window2m)")
    parser.add_argument("--n-jobs", type=int, default=2,
                        help="worker processes, one TensorFlow thread each (default 2)")
    parser.add_argument("--cache", default=None,
                        help="JSON-lines file of per-series results, resumed from (default "
                             "benchmarks/cache/generalise-<part>.jsonl; '' for none)")
    parser.add_argument("--output", default=os.path.join(ROOT, "docs"),
                        help="folder for generalise.{md,json} ('' to skip)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    _configure_workers()
    cache = (os.path.join(ROOT, "benchmarks", "cache", f"generalise-{args.part}.jsonl")
             if args.cache is None else args.cache)
    everything = collection()
    in_part = [s for s in everything if part_of(s.name) == args.part]
    chosen, note = select(everything, args)
    variants = {v: VARIANTS[v] for v in args.variants}
    records, from_cache = run(chosen, variants, args.n_jobs, cache)
    skipped = [f"{r['name']} ({r['skipped']})" for r in records if "skipped" in r]
    scored = [r for r in records if "skipped" not in r]
    report = {
        "part": args.part,
        "argv": list(sys.argv[1:] if argv is None else argv),
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}, "
                   f"{args.n_jobs} worker process(es)",
        "counts": {"collection": len(everything), "part": len(in_part), "run": len(chosen), "skipped": len(skipped),
                   "from_cache": from_cache,
                   "short_horizon": sum(r["horizon"] < HORIZON for r in scored)},
        "subset_note": note,
        "skipped": skipped,
        "summaries": {v: {k: summarise(records, v, k) for k in KINDS} for v in variants},
        "series_seconds": float(sum(r.get("seconds", 0.0) for r in records)),
    }
    pairs = [r["identical_forecasts"] for r in scored if "identical_forecasts" in r]
    if pairs:
        report["identical"] = (
            f"`window=2*m` and the default window gave bit-identical forecasts on {sum(pairs)} of the {len(pairs)} "
            "series with a season (the default window with a season is `2*m`: the same estimator); on the series "
            "without a season (yearly) `2*m` is not defined and the `window=2*m` rows repeat the default's results."
        )
    report["seconds"] = time.perf_counter() - start
    report["series"] = records
    text = markdown(report)
    print(text)
    if args.output:
        stem = "generalise" if args.part == "heldout" else "generalise_dev"
        os.makedirs(args.output, exist_ok=True)
        with open(os.path.join(args.output, f"{stem}.md"), "w") as fh:
            fh.write(text)
        with open(os.path.join(args.output, f"{stem}.json"), "w") as fh:
            fh.write(_json(report))
        print(f"wrote {args.output}/{stem}.md and {stem}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
