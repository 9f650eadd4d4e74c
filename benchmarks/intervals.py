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
* ``accuracy``: every series of the accuracy benchmark
  (:func:`benchmarks.accuracy.load_series`), under its protocol
  (:func:`benchmarks.accuracy.one_step_split`: one step ahead, the last 20 %
  of the rows held out, the test rows continuing the training index, no
  refit). The untuned recipe is the accuracy benchmark's "LSTM default",
  :func:`benchmarks.accuracy.recipe`:
  ``recommended_pipeline(seasonal_period=m, reference=target, log=s.log,
  random_state=seed)``, fitted on the training 80 %; its 80 % and 95 %
  ``predict_interval`` on the held-out rows. Against it, the series' SARIMA
  of the accuracy benchmark (:func:`benchmarks.accuracy.sarima_one_step`:
  the same specification, fitted on the same observations, on logs where
  the benchmark models logs), one-step predictive intervals with the fitted
  parameters (``apply``, no refit), mapped back by ``exp`` where logged.
  Scores on the observed held-out targets: coverage pooled over all points
  and per series, M4's MSIS of the 95 % interval scaled as the benchmark's
  MASE (the seasonal naive error of the training part, naive for
  non-seasonal series), the geometric mean over series of the MSIS ratio
  and of the mean-width ratio (recipe / SARIMA), the median over seeds and
  the range; the issue's goals are checked on them. A series whose
  validation tail holds too few residuals for a coverage is counted as
  refused. :func:`accuracy_case` takes any collection of
  ``(name, frame, seasonal_period, flags)`` (or accuracy ``Series``), so
  another collection is one more call.
* ``generalise``: the same case (:func:`accuracy_case`) on the generalise
  benchmark's held-out part (``--part dev`` for the other;
  :func:`generalise_collection`: :mod:`benchmarks.generalise`'s series,
  seasonal periods and hash split, imported; its too-short series skipped;
  ``--sample N --seed S`` a seeded random subset). The recipe is untuned:
  ``recommended_pipeline(seasonal_period=m, reference="y",
  random_state=seed)`` with its default ``log="auto"`` (Guerrero's test per
  series); SARIMA on levels. SARIMA: ``(1, 1, 1)(0, 1, 1)m`` for ``m`` 4 and 12,
  ``(1, 1, 1)`` without a season and, a stated cheaper stand-in, for weekly
  ``m = 52`` (:func:`generalise_sarima`: the seasonal fit takes about 27 s
  per median-length M4 Weekly series). MSIS is scaled by the seasonal naive
  error at ``m`` as in the accuracy case; the MSIS and width ratios to
  SARIMA do not depend on the scale. The section adds the per-series
  coverage distribution and the series whose interval was the Student-t
  stand-in (too few calibration residuals for split conformal), pooled
  apart (:func:`student_t_lines`). ``--n-jobs`` runs the series in worker
  processes, one TensorFlow thread each; ``--markdown`` writes the section
  with its per-series table.
* Scores (``m4``, ``m4-one-step``, ``airline``): pooled coverage of each interval over all held-out points, the
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

from benchmarks.accuracy import OneStep, Series, load_series, one_step_split, recipe, sarima_one_step

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


# ------------------------------------------------------------ accuracy case
def default_sarima(seasonal_period: int | None) -> dict:
    """SARIMAX arguments for a series given without a specification.

    The accuracy benchmark's usual one: ``(1, 1, 1)`` with a seasonal
    ``(0, 1, 1)`` where there is a season (``m > 1``), else ``(1, 1, 1)``.
    """
    if seasonal_period and seasonal_period > 1:
        return {"order": (1, 1, 1), "seasonal_order": (0, 1, 1, seasonal_period)}
    return {"order": (1, 1, 1)}


def as_series(entry) -> Series:
    """An accuracy ``Series`` from ``(name, frame, seasonal_period, flags)`` (a ``Series`` passes through).

    ``frame`` is a time-indexed DataFrame (or Series) of the observed
    columns; ``flags`` (a dict, may be empty) holds ``target`` (default: the
    first column), ``log`` (default False: the recipe's ``log=`` and SARIMA
    on logs), ``recipe_log`` (the recipe's ``log=`` instead, e.g.
    ``"auto"``; SARIMA keeps ``log``), ``sarima`` (SARIMAX arguments, default :func:`default_sarima`)
    and ``description``.
    """
    if isinstance(entry, Series):
        return entry
    name, frame, seasonal_period, flags = entry
    flags = dict(flags or {})
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(frame.name if frame.name is not None else "y")
    target = flags.pop("target", frame.columns[0])
    logged = bool(flags.pop("log", False))
    recipe_log = flags.pop("recipe_log", None)
    sarima = flags.pop("sarima", None) or default_sarima(seasonal_period)
    description = flags.pop("description", name)
    if flags:
        raise ValueError(
            f"{name}: unknown flags {sorted(flags)!r}; the flags are 'target', 'log', 'recipe_log', 'sarima' and "
            "'description'."
        )
    return Series(name, description, frame, target, seasonal_period, logged, sarima, recipe_log)


def _is_refusal(exc: ValueError) -> bool:
    """The recipe's answer when its validation tail holds too few residuals for a coverage."""
    return "calibration residuals" in str(exc)


def _recipe_run(s: Series, split: OneStep, seed: int, quick: bool) -> dict:
    """The untuned recipe fitted on the training rows: its forecasts and intervals on the scored rows."""
    from skl_lstm.diagnostics._inspect import fitted_lstm

    model = recipe(s, seed, quick)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(split.X_train, split.y_train)
        point = model.predict(split.X_test)[split.observed]
        bounds, refused = {}, {}
        for c in COVERAGES:
            try:
                iv = model.predict_interval(split.X_test, coverage=c)
            except ValueError as exc:
                if not _is_refusal(exc):
                    raise
                refused[c] = str(exc)
                continue
            bounds[c] = (iv[split.observed, 0], iv[split.observed, 1])
    return {
        "point": point,
        "bounds": bounds,
        "refused": refused,
        "n_calibration": int(model.calibration_residuals_.shape[0]),
        "best_epoch": int(fitted_lstm(model).best_epoch_),
        "seconds": time.perf_counter() - start,
    }


def _sarima_run(s: Series, split: OneStep) -> dict:
    """SARIMA's one-step forecasts and predictive intervals on the scored rows (fitted on the training part)."""
    known = len(s.frame) - len(split.X_test)  # observations up to the last training target
    pred = sarima_one_step(s, known)
    back = np.exp if s.log else np.asarray
    bounds = {}
    for c in COVERAGES:
        ci = np.asarray(pred.conf_int(alpha=1 - c))
        bounds[c] = (back(ci[split.observed, 0]), back(ci[split.observed, 1]))
    return {"point": back(np.asarray(pred.predicted_mean))[split.observed], "bounds": bounds}


def _interval_scores(y, bounds, point, y_scale, seasonal_period) -> dict:
    """Coverage, width, MSIS (95 %) and the widening the held-out points needed, per coverage."""
    out = {}
    for c, (lo, up) in bounds.items():
        inside = (lo <= y) & (y <= up)
        # how many times wider (on its own side of the forecast) each point needed the interval to be
        side = np.where(y >= point, (y - point) / np.maximum(up - point, 1e-300),
                        (point - y) / np.maximum(point - lo, 1e-300))
        out[c] = {
            "inside": int(inside.sum()),
            "points": int(len(y)),
            "coverage": float(inside.mean()),
            "width": float(np.mean(up - lo)),
            "needed": float(np.quantile(side, c)),  # > 1: the held-out errors outgrew the calibration
        }
        if c == 0.95:
            out[c]["msis"] = float(mean_scaled_interval_score(
                y, lo, up, y_train=y_scale, seasonal_period=seasonal_period or 1, alpha=0.05))
    return out


def _recorded_default(name: str) -> dict | None:
    """The accuracy benchmark's recorded "LSTM default" entry for ``name`` (docs/accuracy.json), if any."""
    import json

    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "accuracy.json")
    if not os.path.exists(path):
        return None
    with open(path) as fh:
        recorded = json.load(fh)
    entry = recorded.get("series", {}).get(name)
    return None if entry is None else entry["methods"].get("LSTM default")


def _case_series(entry, seeds, quick: bool, label: str) -> tuple[str, dict]:
    """One series of :func:`accuracy_case`: SARIMA once, the recipe per seed, scored on the held-out rows."""
    from benchmarks.accuracy import score

    s = as_series(entry)
    split = one_step_split(s)
    y, m = split.y_eval, s.seasonal_period
    sarima = _sarima_run(s, split)
    runs = []
    for seed in seeds:
        run = _recipe_run(s, split, seed, quick)
        runs.append({
            "seed": seed,
            "scores": _interval_scores(y, run["bounds"], run["point"], split.y_scale, m),
            "refused": run["refused"],
            "MASE": score(y, run["point"], split.y_scale, m)["MASE"],
            **{k: run[k] for k in ("n_calibration", "best_epoch", "seconds")},
        })
        print(f"<!-- {label} {s.name} seed {seed}: {runs[-1]['n_calibration']} residuals, "
              f"{run['seconds']:.0f} s, refused {sorted(run['refused'])} -->", flush=True)
    return s.name, {
        "seasonal_period": m,
        "log": s.log,
        "sarima_spec": s.sarima,
        "points": int(len(y)),
        "sarima": _interval_scores(y, sarima["bounds"], sarima["point"], split.y_scale, m),
        "sarima_MASE": score(y, sarima["point"], split.y_scale, m)["MASE"],
        # the recorded run trained fully: a quick run is not compared with it
        "recorded_default": _recorded_default(s.name) if label == "accuracy" and not quick else None,
        "runs": runs,
    }


def accuracy_case(collection, seeds, *, quick: bool = False, label: str = "accuracy", n_jobs: int = 1) -> dict:
    """Recipe and SARIMA intervals on each series of ``collection`` under the one-step protocol.

    ``collection``: accuracy ``Series`` or ``(name, frame, seasonal_period,
    flags)`` tuples (:func:`as_series`). ``n_jobs > 1`` runs the series in
    that many worker processes (one TensorFlow thread each; the series are
    independent, so the scores do not depend on it). Returns the per-series,
    per-seed scores in the collection's order; :func:`accuracy_goals` pools
    them and checks the goals.
    """
    collection = list(collection)
    if n_jobs == 1:
        done = dict(_case_series(entry, seeds, quick, label) for entry in collection)
    else:
        from joblib import Parallel, delayed

        from benchmarks.generalise import _configure_workers

        _configure_workers()  # before the workers start: they inherit the environment
        done, start = {}, time.perf_counter()
        jobs = (delayed(_case_series)(entry, seeds, quick, label) for entry in collection)
        for name, record in Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs):
            done[name] = record
            print(f"<!-- [{time.perf_counter() - start:6.0f} s] {len(done)}/{len(collection)} {name} -->", flush=True)
    order = [entry.name if isinstance(entry, Series) else entry[0] for entry in collection]
    return {"label": label, "seeds": list(seeds), "quick": quick, "series": {n: done[n] for n in order}}


# ---------------------------------------------------------- generalise case
#: Seasons above this get a non-seasonal SARIMA (a seasonal SARIMAX at m = 52 takes tens of seconds per series).
MAX_SARIMA_SEASON = 24


def generalise_sarima(seasonal_period: int | None) -> dict:
    """SARIMAX arguments for a generalise series: :func:`default_sarima`, non-seasonal ``(1, 1, 1)`` for ``m > 24``.

    The seasonal ``(1, 1, 1)(0, 1, 1)52`` took 27 s on a median-length M4
    Weekly series (947 weeks) and 3 s on the shortest (93), against well
    under a second without the season. The generalise benchmark's ETS draws
    the same line (``MAX_ETS_SEASON``, R's ``ets`` rule): no seasonal term
    for a 52-week season.
    """
    return default_sarima(None if seasonal_period and seasonal_period > MAX_SARIMA_SEASON else seasonal_period)


def generalise_collection(part: str = "heldout", sample: int = 0, seed: int = 0) -> tuple[list, str, list[str]]:
    """The generalise benchmark's ``part`` as ``(name, frame, seasonal_period, flags)`` for :func:`accuracy_case`.

    The series, their seasonal periods (52 for M4 Weekly and weekly CO2, 12
    monthly, 4 quarterly, None yearly) and the dev / held-out split are
    :mod:`benchmarks.generalise`'s (``collection``, ``select``: ``sample``
    draws a seeded random subset of the part). A series that benchmark skips
    as too short (``horizon_for``: statsmodels' longley, 16 points) is
    skipped here too. The untuned recipe keeps its default ``log="auto"``
    (Guerrero's test per series, ``recipe_log``); SARIMA models levels
    (``log`` False). SARIMA: :func:`generalise_sarima`. Returns the
    entries, a note on the subset ('' for the whole part) and the skipped
    series with the reason.
    """
    from benchmarks.generalise import collection, horizon_for, select

    chosen, note = select(collection(), argparse.Namespace(part=part, only=None, sample=sample, seed=seed, limit=0))
    entries, skipped = [], []
    for s in chosen:
        why = horizon_for(len(s.values))[1]
        if why:
            skipped.append(f"{s.name} ({why})")
            continue
        flags = {"sarima": generalise_sarima(s.season), "description": s.description, "recipe_log": "auto"}
        entries.append((s.name, pd.DataFrame({"y": s.values}), s.season, flags))
    return entries, note, skipped


def student_t_lines(result: dict) -> list[str]:
    """Per-series coverage distribution, and the series whose interval was the Student-t stand-in, pooled apart.

    Split conformal needs ``c / (1 - c)`` calibration residuals (4 for
    80 %, 19 for 95 %); with fewer the recipe answers with a Student-t
    interval (``FewCalibrationResidualsWarning``). Figures are for the first seed.
    """
    from skl_lstm.utils._conformal import conformal_quantile

    lines = ["| coverage | series | per-series min | 10 % | 25 % | median | 75 % | 90 % | max "
             "| series more than 3 points under nominal | Student-t stand-in: series, pooled (points) "
             "| conformal: series, pooled (points) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for c in COVERAGES:
        per, groups = [], {True: [0, 0, 0], False: [0, 0, 0]}  # series, inside, points
        for r in result["series"].values():
            run = r["runs"][0]
            sc = run["scores"].get(c)
            if sc is None:
                continue
            per.append(sc["coverage"])
            # the library's own rule: no finite conformal quantile from that many residuals
            g = groups[not np.isfinite(conformal_quantile(np.ones(run["n_calibration"]), c))]
            g[0], g[1], g[2] = g[0] + 1, g[1] + sc["inside"], g[2] + sc["points"]
        q = np.quantile(per, [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1])

        def pooled(g):
            return f"{g[0]}, {g[1] / g[2]:.3f} ({g[2]})" if g[2] else f"{g[0]}, —"

        under = sum(p < c - 0.03 for p in per)
        lines.append(f"| {c * 100:.0f} % | {len(per)} | " + " | ".join(f"{v:.3f}" for v in q)
                     + f" | {under} | {pooled(groups[True])} | {pooled(groups[False])} |")
    return lines


def _gmean(values) -> float:
    values = np.asarray(list(values), dtype=float)
    return float(np.exp(np.mean(np.log(values)))) if len(values) else float("nan")


def _per_seed(result: dict) -> list[dict]:
    """Each seed's pooled coverage, refusals and geometric-mean ratios to SARIMA."""
    out = []
    for k, seed in enumerate(result["seeds"]):
        row = {"seed": seed, "refused": {c: [] for c in COVERAGES}}
        for c in COVERAGES:
            inside = points = 0
            for name, r in result["series"].items():
                sc = r["runs"][k]["scores"].get(c)
                if sc is None:
                    row["refused"][c].append(name)
                    continue
                inside, points = inside + sc["inside"], points + sc["points"]
            row[c] = inside / points if points else float("nan")
            row[f"points_{c}"] = points
        answered = {n: r for n, r in result["series"].items() if 0.95 in r["runs"][k]["scores"]}
        row["msis_ratio"] = _gmean(r["runs"][k]["scores"][0.95]["msis"] / r["sarima"][0.95]["msis"]
                                   for r in answered.values())
        row["width_ratio"] = _gmean(r["runs"][k]["scores"][0.95]["width"] / r["sarima"][0.95]["width"]
                                    for r in answered.values())
        row["n_ratio_series"] = len(answered)
        out.append(row)
    return out


def _spread(values, digits=3) -> str:
    values = np.asarray(values, dtype=float)
    if not len(values):
        return "—"
    text = f"{np.median(values):.{digits}f}"
    if len(values) > 1 and values.min() != values.max():
        text += f" ({values.min():.{digits}f} .. {values.max():.{digits}f})"
    return text


def accuracy_goals(result: dict) -> list[tuple[str, bool, str]]:
    """The interval issue's goals on ``result``, each (goal, met, figures); figures are medians over seeds (range)."""
    seeds = _per_seed(result)
    n_series = len(result["series"])
    goals = []
    sarima_pooled = {}
    for c in COVERAGES:
        inside = sum(r["sarima"][c]["inside"] for r in result["series"].values())
        sarima_pooled[c] = inside / sum(r["sarima"][c]["points"] for r in result["series"].values())
    for c in COVERAGES:
        pooled = [s[c] for s in seeds]
        refused = sorted({n for s in seeds for n in s["refused"][c]})
        met = abs(np.median(pooled) - c) <= 0.03 and not refused
        per_series = [r["runs"][k]["scores"][c]["coverage"] for r in result["series"].values()
                      for k in range(len(seeds)) if c in r["runs"][k]["scores"]]
        goals.append((
            f"pooled coverage of the {c * 100:.0f} % interval within 3 points of nominal",
            met,
            f"{_spread(pooled)} over {seeds[0][f'points_{c}']} points; per series "
            f"{min(per_series, default=float('nan')):.2f} .. {max(per_series, default=float('nan')):.2f}; "
            f"SARIMA {sarima_pooled[c]:.3f}"
            + (f"; refused on {len(refused)} of {n_series} series ({', '.join(refused)}), not in the pool"
               if refused else ""),
        ))
    msis = [s["msis_ratio"] for s in seeds]
    width = [s["width_ratio"] for s in seeds]
    pooled95 = np.median([s[0.95] for s in seeds])
    # intervals wide enough to cover everything do not count: the 95 % pool must not overcover by > 3 points
    goals.append((
        "95 % MSIS no worse than SARIMA's (geometric mean over series of recipe / SARIMA), without overcovering",
        np.median(msis) <= 1.0 and pooled95 <= 0.98,
        f"MSIS ratio {_spread(msis)}; mean-width ratio {_spread(width)} "
        f"(geometric means over the {seeds[0]['n_ratio_series']} series with a 95 % interval); "
        f"pooled 95 % coverage {pooled95:.3f}",
    ))
    worse, compared = [], 0
    for name, r in result["series"].items():
        rec = r.get("recorded_default")
        if not rec:
            continue
        compared += 1
        now = [run["MASE"] for run in r["runs"]]
        allowed = max(rec["MASE_std"], float(np.std(now)), 0.01 * rec["MASE"])
        if np.mean(now) - rec["MASE"] > allowed:
            worse.append(f"{name} {np.mean(now):.3f} vs {rec['MASE']:.3f} ± {rec['MASE_std']:.3f}")
    if compared:
        goals.append((
            "untuned recipe's point accuracy not worse than recorded in docs/accuracy.json "
            "(mean MASE over seeds within the larger seed std, or 1 %)",
            not worse,
            ", ".join(worse) or f"all {compared} series within",
        ))
    refusals = sorted({f"{n} ({c * 100:.0f} %)" for s in seeds for c in COVERAGES for n in s["refused"][c]})
    goals.append((
        "predict_interval answers for 80 % and 95 % on every series, untuned",
        not refusals,
        ", ".join(f"refused: {x}" for x in refusals) or f"all {n_series} series",
    ))
    return goals


def accuracy_markdown(result: dict, seconds: float, command: str) -> str:
    """The case's section: goals, per-seed pooled figures and the per-series table."""
    seeds = _per_seed(result)
    lines = [
        f"`{command}` ({len(result['seeds'])} seed(s): median over seeds, range in brackets; "
        f"wall time {seconds / 60:.1f} min)",
        "",
        "| goal | met | figures |",
        "| --- | :---: | --- |",
    ]
    for text, ok, detail in accuracy_goals(result):
        lines.append(f"| {text} | {'PASS' if ok else '**FAIL**'} | {detail} |")
    lines += [
        "",
        "| seed | pooled 80 % | pooled 95 % | MSIS ratio to SARIMA (g. mean) | width ratio 95 % (g. mean) | refused |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    for s in seeds:
        refused = "; ".join(f"{c * 100:.0f} %: {', '.join(n)}" for c, n in s["refused"].items() if n) or "none"
        lines.append(
            f"| {s['seed']} | {s[0.8]:.3f} | {s[0.95]:.3f} | {s['msis_ratio']:.3f} | {s['width_ratio']:.3f} | {refused} |"
        )
    lines += [
        "",
        "| series | m | log | held-out points | calibration residuals | 80 %: recipe | SARIMA | widening needed "
        "| 95 %: recipe | SARIMA | widening needed | MSIS recipe | MSIS SARIMA | MSIS ratio | width ratio 95 % "
        "| MASE recipe | recorded | SARIMA | fit + predict (s) |",
        "|---|---:|:---:|---:|---:|---|---:|---|---|---:|---|---|---:|---|---|---|---:|---:|---:|",
    ]

    def cells(r, c):
        got = [run["scores"][c] for run in r["runs"] if c in run["scores"]]
        if not got:
            return f"refused | {r['sarima'][c]['coverage']:.3f} | "
        n = len(r["runs"]) - len(got)
        return (f"{_spread([g['coverage'] for g in got])}{f' ({n} refused)' if n else ''} | "
                f"{r['sarima'][c]['coverage']:.3f} | {_spread([g['needed'] for g in got], 2)}")

    for name, r in result["series"].items():
        got = [run["scores"][0.95] for run in r["runs"] if 0.95 in run["scores"]]
        sar = r["sarima"][0.95]
        msis = _spread([g["msis"] for g in got], 2) if got else "—"
        ratio = _spread([g["msis"] / sar["msis"] for g in got], 2) if got else "—"
        width = _spread([g["width"] / sar["width"] for g in got], 2) if got else "—"
        rec = r.get("recorded_default")
        mase = [run["MASE"] for run in r["runs"]]
        lines.append(
            f"| {name} | {r['seasonal_period'] or '—'} | {'yes' if r['log'] else ''} | {r['points']} "
            f"| {_spread([run['n_calibration'] for run in r['runs']], 0)} | {cells(r, 0.8)} | {cells(r, 0.95)} "
            f"| {msis} | {sar['msis']:.2f} | {ratio} | {width} "
            f"| {np.mean(mase):.3f} ± {np.std(mase):.3f} | "
            + (f"{rec['MASE']:.3f} ± {rec['MASE_std']:.3f}" if rec else "—")
            + f" | {r['sarima_MASE']:.3f} | {_spread([run['seconds'] for run in r['runs']], 0)} |"
        )
    return "\n".join(lines)


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
                        choices=["accuracy", "airline", "generalise", "m4", "m4-one-step"])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--series", nargs="+", help="accuracy case: only these series (default: all)")
    parser.add_argument("--quick", action="store_true", help="accuracy case: smoke run (20 epochs)")
    parser.add_argument("--json", help="accuracy / generalise case: also write the per-series, per-seed scores here")
    parser.add_argument("--part", choices=["dev", "heldout"], default="heldout",
                        help="generalise case: the collection's part (default heldout)")
    parser.add_argument("--sample", type=int, default=0,
                        help="generalise case: a seeded random sample of N of the part's series (default: all)")
    parser.add_argument("--seed", type=int, default=0, help="generalise case: seed of --sample (default 0)")
    parser.add_argument("--n-jobs", type=int, default=1,
                        help="accuracy / generalise case: worker processes, one TensorFlow thread each (default 1)")
    parser.add_argument("--markdown", help="generalise case: also write its section (with the per-series table) here")
    args = parser.parse_args(argv)
    command = "python benchmarks/intervals.py " + " ".join(argv if argv is not None else sys.argv[1:])
    for case in ("accuracy", "generalise"):
        if case not in args.data:
            continue
        lead = []
        if case == "accuracy":
            collection = load_series()
            if args.series:
                unknown = sorted(set(args.series) - {s.name for s in collection})
                if unknown:
                    parser.error(f"unknown series {unknown}; choose from {sorted(s.name for s in collection)}")
                collection = [s for s in collection if s.name in args.series]
        else:
            collection, note, skipped = generalise_collection(args.part, args.sample, args.seed)
            lead = [f"The generalise collection's {args.part} part: {len(collection)} series{note}"
                    + (f"; skipped: {', '.join(skipped)}" if skipped else "") + ".", ""]
        started_case = time.perf_counter()
        result = accuracy_case(collection, args.seeds, quick=args.quick, label=case, n_jobs=args.n_jobs)
        text = accuracy_markdown(result, time.perf_counter() - started_case, command.strip())
        if case == "generalise":
            text = "\n".join(lead) + text + "\n\n" + "\n".join(student_t_lines(result))
        print(text, flush=True)
        if args.markdown and case == "generalise":
            with open(args.markdown, "w") as fh:
                fh.write(text + "\n")
        if args.json:
            import json

            both = "accuracy" in args.data and "generalise" in args.data
            path = args.json.replace(".json", "_generalise.json") if both and case == "generalise" else args.json
            with open(path, "w") as fh:
                json.dump(result, fh, indent=1, default=float)
    others = [name for name in args.data if name not in ("accuracy", "generalise")]
    if others:
        print(HEADER)
    for name in others:
        for seed in args.seeds:
            result = {"airline": airline, "m4": m4, "m4-one-step": m4_one_step}[name](seed)
            print(_row(name, seed, result), flush=True)
            for c, why in result.get("refused", {}).items():
                print(f"<!-- {name} seed {seed}, coverage {c}: {why} -->", flush=True)


if __name__ == "__main__":
    main()
