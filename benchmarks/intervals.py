"""Held-out coverage and MSIS of the recipe's conformal intervals, on the bundled data sets (a few fits).

Run ``python benchmarks/intervals.py`` (``--help`` for the options). It
prints a markdown table; ``docs/intervals.md`` quotes it.

Protocol
--------
* ``m4``: the 20 bundled M4 Weekly series
  (:func:`skl_lstm.datasets.load_m4_weekly_sample`, the competition's
  training part only). The last 13 weeks of every series are held out. The
  panel benchmark's contract is fitted on the rest:
  ``make_supervised(train, horizon=13, all_horizons=True)``,
  ``recommended_pipeline(window=52, seasonal_period=1, random_state=seed)``,
  with no other argument. Each series' last training row gives its 13
  forecasts and their 80 % and 95 % intervals
  (``predict_interval``, calibrated on the validation tail the fit held out).
* ``m4-one-step``: the same 20 series, one step ahead, the last 20 % of each
  series' rows held out (the interval issue's coverage protocol): the
  recipe (``window=52, seasonal_period=1``) is fitted on the first 80 % and
  forecasts every held-out week from the weeks before it (no refit, no
  recalibration), so each series contributes 55 to 76 points.
* ``airline``: :func:`skl_lstm.datasets.load_airline`, one step ahead, the
  last 20 % of the rows held out (as the accuracy benchmark),
  ``recommended_pipeline(seasonal_period=12, log=True, random_state=seed)``.
  Its validation tail is short: a coverage that needs more residuals than it
  holds is reported as such.
* Scores: pooled coverage of each interval over all held-out points, the
  range of per-series coverage, mean width relative to the naive interval's,
  and M4's MSIS of the 95 % interval (:func:`skl_lstm.metrics.mean_scaled_interval_score`,
  seasonal period 1 for M4 Weekly, 12 for airline; averaged over series).
* Naive: the last value, with the random walk's normal interval
  ``± z σ √h`` (σ the root mean square of the one-step changes of the
  training part), as R forecast's ``naive`` and M4's Naive benchmark.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np
import pandas as pd
from scipy.stats import norm

from skl_lstm.datasets import load_airline, load_m4_weekly_sample, make_supervised
from skl_lstm.metrics import mean_scaled_interval_score
from skl_lstm.utils._panel_input import check_panel, rows_from_end

COVERAGES = (0.8, 0.95)


def _naive(train: np.ndarray, horizons: np.ndarray, coverage: float):
    """The last value and the random walk's interval ``± z σ √h``."""
    sigma = np.sqrt(np.mean(np.diff(train) ** 2))
    half = norm.ppf((1 + coverage) / 2) * sigma * np.sqrt(horizons)
    point = np.full(len(horizons), train[-1])
    return point - half, point + half


def _scores(truth, bounds, trains, seasonal_period):
    """Pooled and per-series coverage, width and MSIS of ``bounds[c] = [(lower, upper) per series]``."""
    out = {}
    y_all = np.concatenate(truth)
    for c, pairs in bounds.items():
        if pairs is None:
            continue
        lower = np.concatenate([p[0] for p in pairs])
        upper = np.concatenate([p[1] for p in pairs])
        inside = [(lo <= y) & (y <= up) for y, (lo, up) in zip(truth, pairs, strict=True)]
        out[c] = {
            "coverage": float(np.mean((lower <= y_all) & (y_all <= upper))),
            "series_min": float(min(np.mean(i) for i in inside)),
            "series_max": float(max(np.mean(i) for i in inside)),
            "width": float(np.mean(upper - lower)),
        }
        if c == 0.95:
            out[c]["msis"] = float(np.mean([
                mean_scaled_interval_score(y, lo, up, y_train=tr, seasonal_period=seasonal_period, alpha=0.05)
                for y, (lo, up), tr in zip(truth, pairs, trains, strict=True)
            ]))
    return out


def _result(model, truth, ours, naive, trains, seconds) -> dict:
    """One run's scores of our intervals and the naive ones on the same points, and what the fit used."""
    return {
        "ours": _scores(truth, ours, trains, 1),
        "naive": _scores(truth, naive, trains, 1),
        "n_calibration": int(model.calibration_residuals_.shape[0]),
        "points": int(sum(len(t) for t in truth)),
        "seconds": seconds,
        "best_epoch": int(model.regressor_[-1].best_epoch_),
    }


def m4(seed: int) -> dict:
    from skl_lstm import recommended_pipeline

    panel = load_m4_weekly_sample()
    horizon = 13
    held = rows_from_end(check_panel(panel, caller="m4", param="panel")) < horizon
    train, test = panel[~held], panel[held]
    X, y = make_supervised(train, horizon=horizon, all_horizons=True)
    model = recommended_pipeline(window=52, seasonal_period=1, random_state=seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(X, y)
        last = rows_from_end(check_panel(train, caller="m4", param="train")) == 0
        series = train.index.get_level_values(0)[last]
        intervals = {c: model.predict_interval(train, coverage=c)[last] for c in COVERAGES}
    seconds = time.perf_counter() - start
    truth = [test.loc[s, "y"].to_numpy() for s in series]
    trains = [train.loc[s, "y"].to_numpy() for s in series]
    ours = {c: [(iv[k, 0], iv[k, 1]) for k in range(len(series))] for c, iv in intervals.items()}
    steps = np.arange(1, horizon + 1)
    naive = {c: [_naive(tr, steps, c) for tr in trains] for c in COVERAGES}
    return _result(model, truth, ours, naive, trains, seconds)


def m4_one_step(seed: int) -> dict:
    from skl_lstm import recommended_pipeline

    panel = load_m4_weekly_sample()
    X, y = make_supervised(panel, horizon=1)
    position = X.groupby(level=0).cumcount().to_numpy()
    length = X.groupby(level=0)["y"].transform("size").to_numpy()
    fit = position < np.floor(0.8 * length)
    model = recommended_pipeline(window=52, seasonal_period=1, random_state=seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(X[fit], y[fit])
        intervals = {c: model.predict_interval(X, coverage=c)[~fit] for c in COVERAGES}
    seconds = time.perf_counter() - start
    labels = X.index.get_level_values(0)
    series = labels.unique()
    held = [(labels[~fit] == s) for s in series]
    truth = [y[~fit].to_numpy()[k] for k in held]
    trains = [y[fit & (labels == s)].to_numpy() for s in series]
    last = X["y"].to_numpy()[~fit]
    ours = {c: [(iv[k, 0], iv[k, 1]) for k in held] for c, iv in intervals.items()}
    naive = {}
    for c in COVERAGES:
        z = norm.ppf((1 + c) / 2)
        sigmas = [np.sqrt(np.mean(np.diff(tr) ** 2)) for tr in trains]
        naive[c] = [(last[k] - z * sg, last[k] + z * sg) for k, sg in zip(held, sigmas, strict=True)]
    return _result(model, truth, ours, naive, trains, seconds)


def airline(seed: int) -> dict:
    from skl_lstm import recommended_pipeline

    series = load_airline()
    X, y = make_supervised(series.to_frame("y"), horizon=1)
    cut = int(round(0.8 * len(X)))
    model = recommended_pipeline(seasonal_period=12, log=True, random_state=seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(X.iloc[:cut], y.iloc[:cut])
        intervals, refused = {}, {}
        for c in COVERAGES:
            try:
                intervals[c] = model.predict_interval(X.iloc[cut:], coverage=c)
            except ValueError as exc:
                intervals[c], refused[c] = None, str(exc)
    seconds = time.perf_counter() - start
    truth = [y.iloc[cut:].to_numpy()]
    train = series.to_numpy()[: cut + 1]  # the values the fit saw (X's rows up to the cut)
    ours = {c: None if iv is None else [(iv[:, 0], iv[:, 1])] for c, iv in intervals.items()}
    # one step ahead from each held-out row: the naive interval of that row's last value
    naive = {}
    for c in COVERAGES:
        sigma = np.sqrt(np.mean(np.diff(train) ** 2))
        half = norm.ppf((1 + c) / 2) * sigma
        last = X.iloc[cut:, 0].to_numpy()
        naive[c] = [(last - half, last + half)]
    return {
        "ours": _scores(truth, ours, [train], 12),
        "naive": _scores(truth, naive, [train], 12),
        "refused": refused,
        "n_calibration": int(model.calibration_residuals_.shape[0]),
        "points": int(len(truth[0])),
        "seconds": seconds,
        "best_epoch": int(model.regressor_[-1].best_epoch_),
    }


def _row(name, seed, result):
    cells = []
    for c in COVERAGES:
        s = result["ours"].get(c)
        n = result["naive"][c]
        if s is None:
            cells.append("refused (too few residuals) | | ")
            continue
        spread = "" if s["series_min"] == s["series_max"] else f" ({s['series_min']:.2f} .. {s['series_max']:.2f})"
        cells.append(f"{s['coverage']:.3f}{spread} | {n['coverage']:.3f} | {s['width'] / n['width']:.2f}")
    msis = result["ours"].get(0.95, {}).get("msis")
    naive_msis = result["naive"][0.95]["msis"]
    return (
        f"| {name} | {seed} | {result['points']} | {result['n_calibration']} | " + " | ".join(cells)
        + f" | {'' if msis is None else f'{msis:.2f}'} | {naive_msis:.2f} | {result['seconds']:.0f} |"
    )


HEADER = (
    "| data | seed | held-out points | calibration residuals | 80 %: coverage (per series) | naive | width / naive "
    "| 95 %: coverage (per series) | naive | width / naive | MSIS 95 % | naive MSIS | fit + predict (s) |\n"
    "|---|---:|---:|---:|---|---:|---:|---|---:|---:|---:|---:|---:|"
)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=["airline", "m4", "m4-one-step"],
                        choices=["airline", "m4", "m4-one-step"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args(argv)
    print(HEADER)
    for name in args.data:
        for seed in args.seeds:
            result = {"airline": airline, "m4": m4, "m4-one-step": m4_one_step}[name](seed)
            print(_row(name, seed, result), flush=True)
            for c, why in result.get("refused", {}).items():
                print(f"<!-- {name} seed {seed}, coverage {c}: {why} -->", flush=True)


if __name__ == "__main__":
    main()
