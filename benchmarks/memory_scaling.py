"""Peak memory of the M4 Weekly contract fit as the number of series grows.

The many-series issue asks that the peak memory grow, when the number of
series doubles, by at most the added raw data plus a constant. This script
measures that beyond the 359 series of M4 Weekly: it fits the issue's
contract (``make_supervised(panel, horizon=13, all_horizons=True)``,
``recommended_pipeline(window=52, seasonal_period=52, random_state=0)``, two
epochs: memory, not accuracy, is measured) and forecasts every row, on

* ``0.5``: a seeded random half of the series;
* ``1``: all 359 series;
* ``2``: the 359 series twice, the copy under new ids and scaled by 1.1 (so
  the panel holds 718 distinct series of the same lengths).

Each size runs in a fresh process. Printed per size: the raw panel (the
values and their index), the fit's inputs ``X`` and ``y`` (``y`` holds the
13 future values of every row, so it is 13 times the panel's values), the
resident set before ``fit`` and its peak during ``fit`` and ``predict``
(sampled every 5 ms), and the growth between sizes. Memory does not depend
on the machine's load, so the figures hold on a shared machine.

Run: ``python benchmarks/memory_scaling.py`` (about 5 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure(multiple: float) -> dict:
    """Fit and forecast the contract on ``multiple`` times M4 Weekly; sizes and peak resident set (MB)."""
    import numpy as np
    import pandas as pd

    sys.path.insert(0, HERE)
    from panel import load_m4_weekly

    train = load_m4_weekly("test").train
    copies = []
    for c in range(int(np.ceil(multiple))):
        copy = train * (1 + 0.1 * c)
        copy.index = copy.index.set_levels([f"{s}_{c}" for s in copy.index.levels[0]], level=0)
        copies.append(copy)
    panel = pd.concat(copies)
    if multiple < 1:
        ids = list(train.index.unique(level=0))
        keep = sorted(np.random.default_rng(0).choice(ids, size=int(len(ids) * multiple), replace=False))
        panel = panel.loc[[f"{s}_0" for s in keep]]

    from skl_lstm import recommended_pipeline
    from skl_lstm.datasets import make_supervised

    X, y = make_supervised(panel, horizon=13, all_horizons=True)
    model = recommended_pipeline(window=52, seasonal_period=52, random_state=0).set_params(regressor__lstm__epochs=2)
    peak, running = [0.0], [True]

    def watch():
        while running[0]:
            peak[0] = max(peak[0], _rss_mb())
            time.sleep(0.005)

    before = _rss_mb()
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    model.fit(X, y)
    model.predict(panel)
    running[0] = False
    watcher.join()
    mb = 2.0**20
    return {
        "multiple": multiple,
        "series": int(panel.index.get_level_values(0).nunique()),
        "rows": len(panel),
        "raw_mb": panel.memory_usage(deep=True).sum() / mb,  # the values and their (series, time) index
        "xy_mb": (X.memory_usage(deep=True).sum() + y.memory_usage(deep=True).sum()) / mb,
        "before_fit_mb": before,
        "peak_mb": max(peak[0], before),
    }


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--multiples", type=float, nargs="+", default=[0.5, 1.0, 2.0])
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)  # the child process: one size
    args = parser.parse_args(argv)
    if args.one is not None:
        print(json.dumps(measure(args.one)))
        return []
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    results = []
    for multiple in args.multiples:
        out = subprocess.run([sys.executable, __file__, "--one", str(multiple)], env=env, check=True,
                             capture_output=True, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
        print(f"measured {multiple:g} x M4 Weekly", file=sys.stderr, flush=True)
    print("| series | rows | raw panel (MB) | X + y (MB) | before fit (MB) | peak (MB) | peak growth (MB) "
          "| added raw (MB) | added X + y (MB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for previous, r in zip([None] + results[:-1], results):
        growth = "" if previous is None else (
            f"{r['peak_mb'] - previous['peak_mb']:.0f} | {r['raw_mb'] - previous['raw_mb']:.1f} | "
            f"{r['xy_mb'] - previous['xy_mb']:.1f}")
        print(f"| {r['series']} | {r['rows']} | {r['raw_mb']:.1f} | {r['xy_mb']:.1f} | {r['before_fit_mb']:.0f} | "
              f"{r['peak_mb']:.0f} | {growth or ' | | '} |")
    return results


if __name__ == "__main__":
    main()
