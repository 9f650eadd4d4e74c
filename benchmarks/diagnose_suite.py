"""The diagnose fault suite over many real series: planted faults, tuned on one part, reported on the other.

Run ``make bench-diagnose`` (or ``python benchmarks/diagnose_suite.py --help``).

Every fault is planted, in several strengths and shapes, on real base series
from :func:`benchmarks.generalise.collection`, and :func:`skl_lstm.diagnose`
is run on each case. The report is the confusion table of the planted cause
against diagnose's top finding, per part, and the issue's two goal figures:

* **accuracy**: the top finding names the planted cause, at severity medium
  or high (a low or info top finding does not count), in at least 90 % of
  the fault cases;
* **healthy**: the documented recipe, ``recommended_pipeline(seasonal_period=m,
  random_state=0)``, gets no high-severity finding on at least 95 % of the
  base series. It runs on every base series before any fault is planted on it.

Split
-----
The two parts are :func:`benchmarks.generalise.part_of` (SHA-256 of the
series name): thresholds and the ranking in
``skl_lstm/diagnostics/_checks.py`` are chosen on the ``tune`` part (the
collection's ``dev`` half) and the confusion table is reported on the
``report`` part (its ``heldout`` half). The split is by base series, never by
case, and the report part plants every graded fault at strengths outside the
tune part's (``STRENGTHS``).

Base series (deterministic)
---------------------------
In each half: every statsmodels/bundled series with a season (``m`` = 4, 12 or
52) and at least 100 points, then the first ``--m4`` (default 4) M4 Weekly
series by number with at least 300 points. Series longer than 400 points are
cut to their last 364 (seven years of weeks) to keep fits short. Tune part:
airline, co2, elec_equip, macrodata realcons/realgovt/m1/pop/infl and four M4
Weekly series (W1, W7, W8, W9); report part: elnino, macrodata realgdp/
realinv/realdpi/cpi/tbilrate/unemp/realint, interest_inflation Dp/R and four
M4 Weekly series (W2 to W5). 12 base series and 150 fault cases in the tune
part, 14 and 216 in the report part.

Faults (``EXPECTED`` in ``tests/fault_cases.py`` names the finding each must produce)
-------------------------------------------------------------------------------------
All but the first three are the recipe with one thing changed.

* raw trend: a straight line rising ``rise`` standard deviations of the series
  is added, and the levels are fed to a standardised window pipeline without
  differencing (``fault_cases.raw_levels``);
* unscaled input: the series is rescaled so its changes have standard
  deviation ``step``, and fed differenced but unstandardised
  (``fault_cases.unscaled``);
* outliers under MSE: spikes of ``size`` robust standard deviations of the
  changes at one point in 30 (``fault_cases.plant_outliers``);
* learning rate far too high: ``learning_rate``;
* far too few epochs: ``epochs``, with ``linear_skip=False`` (a plain LSTM).
  The recipe's linear branch starts at the ridge fit of the windows, so a
  few epochs leave it at that fit, which forecasts as well as the healthy
  recipe on these series (measured: airline MAE 10.3 with one epoch, 11.1
  healthy): no evidence of a fault that the fits could show, so it is not
  planted that way;
* too big: ``units`` (two layers or one), no dropout, ``early_stopping`` on
  (recipe patience) or off, on the series' last 150 points (window ``2m``,
  52 for weekly series); ``steps_per_epoch=None`` (one pass per epoch) keeps
  the cost bounded;
* window shorter than the season: ``window = m // k``; planted only where the
  changes of the series have a partial autocorrelation at lag ``m`` beyond
  ``3/sqrt(n)`` (lag ``m`` carries information the shorter lags do not; a
  window shorter than a season that is not there, or that a few steps
  predict, is no fault);
* shuffled rows (a DataFrame shuffled by ``train_test_split``, or bare arrays)
  and shuffling splitters (``KFold(shuffle=True)``, ``ShuffleSplit``).

Cost
----
``diagnose`` runs with its defaults (three time-ordered folds). Results go to
a resumable cache (``benchmarks/cache/diagnose_suite-<part>.jsonl``, one line
per case); the evidence of each case is also pickled next to it so
``--recheck`` can rerun the checks (not the fits) after a threshold changes —
that is how the tune part is iterated on. ``--n-jobs`` workers share the cores.
Measured (2 cores shared with other jobs): the tune part took 12 min of
diagnose time summed over its cases, the report part 108 min, 72 of them the
(256, 256) networks with 300 epochs (1.6 to 12 min each), which run last.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import time

import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for _path in (ROOT, os.path.join(ROOT, "tests")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import fault_cases  # noqa: E402  tests/fault_cases.py: the fault builders, one home for both suites

#: Bumped when a case's construction changes, so a cache from before is not reused.
PROTOCOL = 1
PARTS = {"tune": "dev", "report": "heldout"}
CUT = 364  # points kept of a series longer than CUT_ABOVE
CUT_ABOVE = 400
MIN_POINTS = 100
M4_MIN_POINTS = 300
BIG_POINTS = 150
SEASON_ACF = 3.0  # |ACF of the changes at lag m| beyond SEASON_ACF / sqrt(n): the season is there

#: Fault strengths per part; the report part's lie outside the tune part's.
STRENGTHS = {
    "tune": {
        "raw trend": [{"rise": 3.0}],
        "unscaled input": [{"step": 50.0}, {"step": 500.0}],
        "outliers under MSE": [{"size": 5.0}],
        "learning rate far too high": [{"learning_rate": 1.0}, {"learning_rate": 10.0}],
        "far too few epochs": [{"epochs": 1, "linear_skip": False}, {"epochs": 3, "linear_skip": False}],
        "too big, no regularisation": [{"units": (64, 64), "early_stopping": False, "epochs": 150},
                                       {"units": (96,), "early_stopping": True, "epochs": 150}],
        "window shorter than season": [{"divisor": 2}],
        "shuffled rows": [{"arrays": False}],
        "shuffling splitter": [{"splitter": "KFold(5, shuffle=True)"}],
    },
    "report": {
        "raw trend": [{"rise": 6.0}],
        "unscaled input": [{"step": 20.0}, {"step": 5000.0}],
        "outliers under MSE": [{"size": 8.0}, {"size": 15.0}],
        "learning rate far too high": [{"learning_rate": 3.0}, {"learning_rate": 30.0}, {"learning_rate": 100.0}],
        "far too few epochs": [{"epochs": 2, "linear_skip": False}, {"epochs": 4, "linear_skip": False},
                               {"epochs": 5, "linear_skip": False}],
        "too big, no regularisation": [{"units": (256, 256), "early_stopping": False, "epochs": 300},
                                       {"units": (128, 128), "early_stopping": True, "epochs": 300}],
        "window shorter than season": [{"divisor": 3}, {"divisor": 4}],
        "shuffled rows": [{"arrays": True}],
        "shuffling splitter": [{"splitter": "ShuffleSplit(3, test_size=0.25)"}],
    },
}
BIG = "too big, no regularisation"
FAULT_OF = {"raw trend": "trend fed raw", "shuffled rows": "shuffled split", "shuffling splitter": "shuffled split"}


# --------------------------------------------------------------------- series
def base_series(part: str, n_m4: int = 4) -> list:
    """The part's base series as ``(name, values, m)``, in a fixed order (see the module docstring)."""
    from benchmarks.generalise import collection, part_of

    half = PARTS[part]
    chosen, m4 = [], []
    for s in collection():
        if part_of(s.name) != half or not s.season:
            continue
        values = s.values[-CUT:] if len(s.values) > CUT_ABOVE else s.values
        if s.name.startswith("m4/"):
            if len(s.values) >= M4_MIN_POINTS and len(m4) < n_m4:
                m4.append((s.name, values, s.season))
        elif len(values) >= MIN_POINTS:
            chosen.append((s.name, values, s.season))
    return chosen + m4


def has_season(values: np.ndarray, m: int) -> bool:
    """True when the changes' partial autocorrelation at lag ``m`` lies beyond ``SEASON_ACF / sqrt(n)``.

    The partial autocorrelation is what lag ``m`` adds to the shorter lags a
    short window already holds: a smooth season (co2's sinusoid) is predicted
    from a few recent steps, so a window shorter than it loses nothing.
    """
    from statsmodels.tsa.stattools import pacf

    changes = np.diff(values)
    if changes.size < 3 * m + 2:
        return False
    return bool(abs(pacf(changes, nlags=m, method="ols")[m]) > SEASON_ACF / np.sqrt(changes.size))


def _frame(values) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=float), name="y")


# --------------------------------------------------------------------- cases
def _recipe(m, **overrides):
    from skl_lstm import recommended_pipeline

    return recommended_pipeline(seasonal_period=m, random_state=0, **overrides)


def _recipe_size(m):
    """The recipe's settings as a fault_cases size dict (for the raw-trend and unscaled pipelines)."""
    from skl_lstm._recipes import RECIPE_DEFAULTS

    return {"units": RECIPE_DEFAULTS["units"], "epochs": RECIPE_DEFAULTS["epochs"],
            "patience": RECIPE_DEFAULTS["patience"], "learning_rate": RECIPE_DEFAULTS["learning_rate"],
            "batch_size": 32, "window": min(2 * m, 104)}


def cases(part: str, n_m4: int = 4) -> list[dict]:
    """Every case of the part: ``{"id", "base", "m", "fault", "strength", "expected"}``, healthy first per base."""
    out = []
    for name, values, m in base_series(part, n_m4):
        seasonal = has_season(values, m)
        out.append({"id": f"{name} | healthy", "base": name, "m": m, "fault": "healthy", "strength": {},
                    "expected": None})
        for fault, strengths in STRENGTHS[part].items():
            if fault == "window shorter than season" and not seasonal:
                continue
            for strength in strengths:
                text = ", ".join(f"{k}={v}" for k, v in strength.items())
                out.append({"id": f"{name} | {fault} | {text}", "base": name, "m": m, "fault": fault,
                            "strength": strength, "expected": fault_cases.EXPECTED[FAULT_OF.get(fault, fault)]})
    return out


def build(case: dict, values: np.ndarray):
    """``(estimator, X, y, diagnose keyword arguments)`` of one case."""
    from sklearn.model_selection import KFold, ShuffleSplit

    from skl_lstm.datasets import make_supervised

    m, fault, st = case["m"], case["fault"], case["strength"]
    kwargs = {"seasonal_period": m}
    series = values
    if fault == "raw trend":
        series = fault_cases.add_trend(values, st["rise"])
        estimator = fault_cases.raw_levels(_recipe_size(m))
    elif fault == "unscaled input":
        series = fault_cases.rescale(values, st["step"])
        estimator = fault_cases.unscaled(_recipe_size(m))
    elif fault == "outliers under MSE":
        series = fault_cases.plant_outliers(values, st["size"])
        estimator = _recipe(m)
    elif fault == "learning rate far too high":
        estimator = _recipe(m, learning_rate=st["learning_rate"])
    elif fault == "far too few epochs":
        estimator = _recipe(m, epochs=st["epochs"], linear_skip=st["linear_skip"])
    elif fault == "too big, no regularisation":
        series = values[-BIG_POINTS:]
        estimator = _recipe(m, window=2 * m if m <= 12 else 52, units=st["units"], epochs=st["epochs"],
                            early_stopping=st["early_stopping"], dropout=0.0, steps_per_epoch=None)
    elif fault == "window shorter than season":
        estimator = _recipe(m, window=max(1, m // st["divisor"]))
    else:
        estimator = _recipe(m)
    X, y = make_supervised(_frame(series))
    if fault == "shuffled rows":
        X, y = fault_cases.shuffled_rows(X, y, arrays=st["arrays"])
    elif fault == "shuffling splitter":
        kwargs["cv"] = (KFold(5, shuffle=True, random_state=0) if st["splitter"].startswith("KFold")
                        else ShuffleSplit(3, test_size=0.25, random_state=0))
    return estimator, X, y, kwargs


# --------------------------------------------------------------------- running
def _evidence_path(cache: str, case_id: str) -> str:
    import hashlib

    return os.path.join(cache + ".evidence", hashlib.sha1(case_id.encode()).hexdigest()[:16] + ".pkl")


def run_case(case: dict, values: np.ndarray, cache: str) -> dict:
    """Diagnose one case; return its record and pickle its evidence beside the cache."""
    from skl_lstm import diagnose
    from skl_lstm.diagnostics import _diagnose

    captured = {}
    original = _diagnose.residual_tests

    def capture(ev):  # the Evidence object diagnose builds, kept for --recheck
        captured["ev"] = ev
        return original(ev)

    estimator, X, y, kwargs = build(case, values)
    start = time.perf_counter()
    _diagnose.residual_tests = capture
    try:
        report = diagnose(estimator, X, y, **kwargs)
    finally:
        _diagnose.residual_tests = original
    seconds = time.perf_counter() - start
    if cache and "ev" in captured:
        path = _evidence_path(cache, case["id"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as fh:
            pickle.dump(captured["ev"], fh)
    return {**case, **summarise_findings(report.findings), "seconds": round(seconds, 2), "protocol": PROTOCOL}


def summarise_findings(findings) -> dict:
    ranked = sorted(findings, key=lambda f: f.sort_key)
    top = ranked[0] if ranked else None
    return {
        "top": top.code if top else None,
        "top_severity": top.severity if top else None,
        "findings": [[f.code, f.severity, round(float(f.score), 3), list(f.explained_by)] for f in ranked],
    }


def recheck(record: dict, cache: str) -> dict:
    """The record with its findings recomputed from the pickled evidence by the current checks."""
    from skl_lstm.diagnostics._checks import CHECKS, link_causes

    path = _evidence_path(cache, record["id"])
    if not os.path.exists(path):
        return record
    with open(path, "rb") as fh:
        ev = pickle.load(fh)
    findings = [f for check in CHECKS if (f := check(ev)) is not None]
    link_causes(findings)
    return {**record, **summarise_findings(findings)}


def _worker(case, values, cache):
    for key in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
        os.environ.setdefault(key, "1")
    import warnings

    warnings.filterwarnings("ignore")
    return run_case(case, values, cache)


def load_cache(path: str) -> dict:
    done = {}
    if os.path.exists(path):
        with open(path) as fh:
            for line in fh:
                if line.strip():
                    r = json.loads(line)
                    if r.get("protocol") == PROTOCOL:
                        done[r["id"]] = r
    return done


def run(part: str, n_jobs: int, cache: str, n_m4: int, limit: int = 0, fit: bool = True) -> list[dict]:
    from joblib import Parallel, delayed

    todo_cases = cases(part, n_m4)
    if limit:
        todo_cases = todo_cases[:limit]
    values = {name: v for name, v, _ in base_series(part, n_m4)}
    done = load_cache(cache)
    # the big networks last, the biggest at the very end: they take most of the time, and every other case is
    # done if a run is cut short
    todo = sorted((c for c in todo_cases if c["id"] not in done),
                  key=lambda c: (c["fault"] == BIG, sum(c["strength"].get("units", ()))))
    print(f"{part}: {len(todo_cases)} cases, {len(todo_cases) - len(todo)} from the cache, {len(todo)} to run",
          flush=True)
    if not fit:
        todo = []
    os.makedirs(os.path.dirname(os.path.abspath(cache)), exist_ok=True)
    start = time.perf_counter()
    jobs = (delayed(_worker)(c, values[c["base"]], cache) for c in todo)
    outputs = (Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs) if n_jobs != 1
               else (_worker(c, values[c["base"]], cache) for c in todo))
    for i, record in enumerate(outputs, 1):
        done[record["id"]] = record
        with open(cache, "a") as fh:
            fh.write(json.dumps(record) + "\n")
        print(f"[{time.perf_counter() - start:7.1f}s] {i}/{len(todo)} {record['id']}: top={record['top']} "
              f"({record['top_severity']}) {record['seconds']:.1f}s", flush=True)
    return [done[c["id"]] for c in todo_cases if c["id"] in done]


# --------------------------------------------------------------------- scoring
def hit(record: dict) -> bool:
    """The top finding names the planted cause at severity medium or high."""
    return record["top"] == record["expected"] and record["top_severity"] in ("high", "medium")


def healthy_clean(record: dict) -> bool:
    return not any(sev == "high" for _, sev, _, _ in record["findings"])


def table(records: list[dict]) -> pd.DataFrame:
    """Confusion table: planted cause (rows) x top finding (columns; 'none' when it is only low/info or absent)."""
    planted = [r["expected"] or "none (healthy)" for r in records]
    top = [r["top"] if r["top_severity"] in ("high", "medium") else "none" for r in records]
    return pd.crosstab(pd.Series(planted, name="planted"), pd.Series(top, name="top finding"))


def figures(records: list[dict]) -> dict:
    faults = [r for r in records if r["expected"]]
    healthy = [r for r in records if r["expected"] is None]
    by_fault = {}
    for r in faults:
        key = r["fault"]
        n, k = by_fault.get(key, (0, 0))
        by_fault[key] = (n + 1, k + hit(r))
    return {
        "n_cases": len(records),
        "n_fault_cases": len(faults),
        "top_finding_accuracy": sum(map(hit, faults)) / max(len(faults), 1),
        "n_healthy": len(healthy),
        "healthy_clean_share": sum(map(healthy_clean, healthy)) / max(len(healthy), 1),
        "by_fault": {k: {"cases": n, "hits": h} for k, (n, h) in by_fault.items()},
        "seconds": round(sum(r["seconds"] for r in records), 1),
    }


def markdown(results: dict, argv: list[str], missing: dict | None = None) -> str:
    lines = ["# diagnose: the fault suite over real series", "",
             "Generated by `benchmarks/diagnose_suite.py` (`make bench-diagnose`); see its docstring for the base "
             "series, the faults and their strengths. Thresholds and the ranking were chosen on the **tune** part; "
             "the **report** part (other base series, strengths outside the tuned ranges) is the measurement.", "",
             f"Command: `python benchmarks/diagnose_suite.py {' '.join(argv)}`", "",
             "Goals: the top finding (severity medium or high) names the planted cause in at least 90 % of fault "
             "cases; the healthy recipe gets no high-severity finding in at least 95 % of base series.", ""]
    lines += ["How the parts were used: the tune part was run, its misses read and the checks changed, then "
              "rechecked from the cached evidence (`--recheck`) until the ranking settled; the report part was run "
              "once, after the last change to the checks, and its figures below are what that run gave (findings "
              "recomputed from its cached evidence by the same checks).", ""]
    for part, records in results.items():
        fig = figures(records)
        lines += [f"## {part} part", "",
                  f"- base series: {fig['n_healthy']}; fault cases: {fig['n_fault_cases']}; diagnose time (sum over "
                  f"cases): {fig['seconds'] / 60:.1f} min",
                  f"- **top finding = planted cause: {fig['top_finding_accuracy']:.1%}** "
                  f"({sum(map(hit, [r for r in records if r['expected']]))} of {fig['n_fault_cases']})",
                  f"- **healthy recipe without a high finding: {fig['healthy_clean_share']:.1%}** "
                  f"({sum(map(healthy_clean, [r for r in records if r['expected'] is None]))} of {fig['n_healthy']})",
                  *([f"- not run (the run was cut short; not counted above): {', '.join(missing[part])}"]
                    if missing and missing.get(part) else []),
                  "", "| fault | cases | top finding right |", "|---|---|---|"]
        for fault, v in fig["by_fault"].items():
            lines.append(f"| {fault} | {v['cases']} | {v['hits']} |")
        lines += ["", "Confusion table (rows: the planted cause, as the finding that names it; columns: the top "
                  "finding when it is medium or high, else 'none'). A healthy row's top finding counts against the "
                  "goal only when it is high (see the case list).", "", "```",
                  table(records).to_string(), "```", "", "<details><summary>Every case</summary>", "",
                  "| case | expected | top (severity) | findings | s |", "|---|---|---|---|---|"]
        for r in records:
            mark = "" if (hit(r) if r["expected"] else healthy_clean(r)) else " **✗**"
            found = ", ".join(f"{c} ({s[0]})" for c, s, _, _ in r["findings"])
            lines.append(f"| {r['id'].replace(' | ', ' · ')} | {r['expected'] or 'no high'} | {r['top']} ({r['top_severity']}){mark} | "
                         f"{found} | {r['seconds']:.0f} |")
        lines += ["", "</details>", ""]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=[*PARTS, "both"], default="report")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--m4", type=int, default=4, help="M4 Weekly base series per part (default 4)")
    parser.add_argument("--limit", type=int, default=0, help="run only the first N cases (smoke test)")
    parser.add_argument("--cache-dir", default=os.path.join(ROOT, "benchmarks", "cache"))
    parser.add_argument("--recheck", action="store_true",
                        help="recompute findings from the cached evidence with the current checks (no fits)")
    parser.add_argument("--output", default=os.path.join(ROOT, "docs"), help="folder for diagnose_suite.{md,json}")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--no-run", action="store_true",
                        help="report the cached cases only; the cases not yet run are counted as missing")
    args = parser.parse_args(argv)
    parts = list(PARTS) if args.part == "both" else [args.part]
    results, missing = {}, {}
    for part in parts:
        cache = os.path.join(args.cache_dir, f"diagnose_suite-{part}.jsonl")
        records = run(part, args.n_jobs, cache, args.m4, args.limit, fit=not args.no_run)
        missing[part] = [c["id"] for c in cases(part, args.m4) if c["id"] not in {r["id"] for r in records}]
        if args.recheck:
            records = [recheck(r, cache) for r in records]
        results[part] = records
        fig = figures(records)
        with pd.option_context("display.width", 250, "display.max_columns", 30):
            print(f"\n== {part}\n{table(records)}")
        print(f"top finding = planted cause: {fig['top_finding_accuracy']:.1%} of {fig['n_fault_cases']}; healthy "
              f"without a high finding: {fig['healthy_clean_share']:.1%} of {fig['n_healthy']}")
        for fault, v in fig["by_fault"].items():
            print(f"  {fault:<32} {v['hits']}/{v['cases']}")
    if not args.no_write:
        with open(os.path.join(args.output, "diagnose_suite.md"), "w") as fh:
            fh.write(markdown(results, argv, missing))
        with open(os.path.join(args.output, "diagnose_suite.json"), "w") as fh:
            json.dump({part: {"figures": figures(r), "missing": missing.get(part, []), "cases": r}
                       for part, r in results.items()}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
