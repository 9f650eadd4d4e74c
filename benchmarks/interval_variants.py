"""Other ways to size the recipe's intervals, scored from one fit per series (the sharpness evidence).

Run ``python benchmarks/interval_variants.py --data dev`` (``--help`` for
the options). ``docs/intervals.md`` quotes it.

The interval issue's sharpness goal (the 95 % MSIS no worse than SARIMA's,
geometric mean over series) is not met on the accuracy benchmark's eight
series. This script asks whether another sizing of the same split-conformal
intervals would meet it, without fitting once per variant: each series'
recipe is fitted once, and every variant re-sizes the intervals of that fit.

Variants
--------
* ``scale=W``: the recipe's ``interval_scale_window`` (each calibration
  residual divided by its row's mean absolute one-step change over the last
  ``W`` rows; ``none``: plain split conformal, one width for every row). The
  default is 26.
* ``+t<N``: below ``N`` calibration residuals, the Student-t prediction
  interval (``skl_lstm.utils._conformal.student_t_quantile``) for every
  coverage instead of the conformal quantile (which is the largest residual
  at 95 % on tails of 19 to 38 rows). The default uses it only where the
  conformal quantile does not exist (fewer than 19 residuals at 95 %).

Protocol
--------
``benchmarks.intervals``' accuracy case (one step ahead, the last 20 % of
the rows held out, no refit, no recalibration), seed 0:

* ``--data dev``: the generalise collection's dev part, the statsmodels and
  skl_lstm series and a seeded sample of ``--sample`` M4 Weekly series
  (the variants are chosen here);
* ``--data accuracy``: the accuracy benchmark's eight series, with its
  hand-specified SARIMA (the report);
* ``--data heldout``: the generalise collection's held-out part.

SARIMA is ``benchmarks.intervals``' for each collection. Re-sizing uses the
fitted estimator's private hooks (``_inputs``, ``_interval_scales``) and
patches ``conformal_quantile`` for the ``+t`` variants; it changes no
forecast, only the width of the intervals.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np

#: name -> (interval_scale_window, Student-t below this many residuals or None)
VARIANTS = {
    "scale=26 (default)": (26, None),
    "scale=none": (None, None),
    "scale=52": (52, None),
    "scale=104": (104, None),
    "scale=26 +t<40": (26, 40),
    "scale=none +t<40": (None, 40),
    "scale=26 +t<60": (26, 60),
    "scale=none +t<60": (None, 60),
}


def _student_t_below(limit, conformal):
    def quantile(scores, level):
        return math.inf if len(scores) < limit else conformal(scores, level)

    return quantile


def score_series(entry, seed: int = 0) -> dict:
    """Fit the recipe once on ``entry``'s training rows; score SARIMA and every variant's intervals."""
    import skl_lstm.utils._conformal as conformal
    from benchmarks.accuracy import one_step_split, recipe
    from benchmarks.intervals import _interval_scores, _sarima_run, as_series
    from skl_lstm.compose._target import _residual_holder

    s = as_series(entry)
    split = one_step_split(s)
    y = split.y_eval
    sarima = _sarima_run(s, split)
    model = recipe(s, seed, False)
    original = conformal.conformal_quantile
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(split.X_train, split.y_train)
        point = model.predict(split.X_test)[split.observed]
        rows = _residual_holder(model.regressor_).calibration_rows_
        ref = model._inputs(split.X_train, reset=False)[1]
        for name, (window, below) in VARIANTS.items():
            model.interval_scale_window = window
            scales = model._interval_scales(split.X_train, ref, reset=True)
            model.calibration_scale_ = None if scales is None else scales[rows]
            conformal.conformal_quantile = original if below is None else _student_t_below(below, original)
            try:
                bounds = {}
                for c in (0.8, 0.95):
                    iv = model.predict_interval(split.X_test, coverage=c)
                    bounds[c] = (iv[split.observed, 0], iv[split.observed, 1])
            finally:
                conformal.conformal_quantile = original
            out[name] = _interval_scores(y, bounds, point, split.y_scale, s.seasonal_period)
    return {"name": s.name, "calibration": int(len(model.calibration_residuals_)), "points": int(len(y)),
            "sarima": _interval_scores(y, sarima["bounds"], sarima["point"], split.y_scale, s.seasonal_period),
            "variants": out}


def summary(records: list[dict]) -> list[dict]:
    """Per variant: pooled coverage at 80 % and 95 %, and geometric means of the 95 % MSIS and width ratios."""
    rows = []
    for name in VARIANTS:
        inside = {0.8: 0, 0.95: 0}
        points = {0.8: 0, 0.95: 0}
        msis, width = [], []
        for r in records:
            scores, sarima = r["variants"][name], r["sarima"]
            for c in (0.8, 0.95):
                inside[c] += scores[c]["inside"]
                points[c] += scores[c]["points"]
            msis.append(scores[0.95]["msis"] / sarima[0.95]["msis"])
            width.append(scores[0.95]["width"] / sarima[0.95]["width"])
        rows.append({"variant": name, "coverage_80": inside[0.8] / points[0.8],
                     "coverage_95": inside[0.95] / points[0.95],
                     "msis_ratio": float(np.exp(np.mean(np.log(msis)))),
                     "width_ratio": float(np.exp(np.mean(np.log(width))))})
    return rows


def collection(data: str, sample: int):
    from benchmarks.intervals import generalise_collection, load_series

    if data == "accuracy":
        return load_series()
    if data == "heldout":
        return generalise_collection("heldout", 0, 0)[0]
    every = generalise_collection("dev", 0, 0)[0]
    others = [e for e in every if not e[0].startswith("m4/")]
    m4 = generalise_collection("dev", sample, 0)[0] if sample else []
    return others + [e for e in m4 if e[0].startswith("m4/")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=["dev", "accuracy", "heldout"], default="dev")
    parser.add_argument("--sample", type=int, default=40, help="dev: M4 Weekly series sampled (seed 0; default 40)")
    parser.add_argument("--n-jobs", type=int, default=2, help="worker processes, one TensorFlow thread each")
    parser.add_argument("--json", help="also write the per-series scores here")
    args = parser.parse_args(argv)
    from joblib import Parallel, delayed

    from benchmarks.generalise import _configure_workers

    entries = collection(args.data, args.sample)
    _configure_workers()
    start = time.perf_counter()
    records = Parallel(n_jobs=args.n_jobs)(delayed(score_series)(e) for e in entries)
    seconds = time.perf_counter() - start
    print(f"{args.data}: {len(records)} series, one fit each, {seconds / 60:.1f} min\n")
    print("| variant | pooled 80 % | pooled 95 % | 95 % MSIS / SARIMA (g. mean) | 95 % width / SARIMA (g. mean) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for row in summary(records):
        print(f"| {row['variant']} | {row['coverage_80']:.3f} | {row['coverage_95']:.3f} | {row['msis_ratio']:.3f} | "
              f"{row['width_ratio']:.3f} |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(records, fh, indent=1, default=float)


if __name__ == "__main__":
    main()
