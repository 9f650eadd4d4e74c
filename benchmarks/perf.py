"""Speed and memory of skl_lstm against raw Keras, measured in one run (``make bench-perf``).

Every figure is a ratio of two timings taken in the same process, back to
back, with the median over ``--repeats`` runs, so a noisy shared machine moves
both sides alike. The table is printed and written to ``docs/performance.md``
(``--output``).

Cases
-----
short-fit     120 windows x 24 steps x 1 feature, LSTM(32), batch 32, 200 epochs:
              ``LSTMRegressor`` (no validation tail, no early stopping, so the
              same epochs) vs ``keras.Model.fit`` with its defaults.
long-fit      20 000 windows x 32 steps x 4 features, LSTM(64), batch 256: samples/s.
predict-1     one-row predict: ``LSTMRegressor.predict`` vs ``keras.Model.predict``.
predict-batch 10 000 rows.
window        ``WindowTransformer.transform`` of a 1 000 000-step series vs a plain
              copy of an array of the output's size, and vs a Python-loop windowing.
grid          ``GridSearchCV``, 12 candidates x 3 ``TimeSeriesSplit`` folds on
              airline, on ``LSTMRegressor`` vs the same search on scikeras'
              ``KerasRegressor``; and ``n_jobs=2``.
memory        resident memory growth over 100 consecutive fits in one process.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

RESULTS: list[tuple[str, str, str, str, str]] = []


def median_time(fn, repeats):
    times = []
    out = None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def record(case, ours, reference, ratio, note=""):
    RESULTS.append((case, ours, reference, ratio, note))
    print(f"{case:<32} {ours:>16} {reference:>16} {ratio:>8}  {note}", flush=True)


def rss_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def raw_lstm(timesteps, features, units, seed=0):
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((timesteps, features))
    outputs = keras.layers.Dense(1)(keras.layers.LSTM(units)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse")
    return model


def ours(units, epochs, batch_size, seed=0):
    from skl_lstm import LSTMRegressor

    return LSTMRegressor(
        units=units,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=1e-3,
        validation_fraction=0.0,
        early_stopping=False,
        random_state=seed,
    )


def bench_short_fit(repeats):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 24, 1)).astype("float32")
    y = (X[:, -3:, 0].mean(axis=1) + 0.1 * rng.normal(size=120)).astype("float32")

    def run_raw():
        model = raw_lstm(24, 1, 32)
        return model.fit(X, y, epochs=200, batch_size=32, verbose=0).history["loss"][-1]

    def run_ours():
        return ours(32, 200, 32).fit(X, y).history_["loss"][-1]

    t_raw, loss_raw = median_time(run_raw, repeats)
    t_ours, loss_ours = median_time(run_ours, repeats)
    record(
        "short-fit 200 epochs (s)",
        f"{t_ours:.2f}",
        f"{t_raw:.2f}",
        f"{t_raw / t_ours:.2f}x",
        f"final loss {loss_ours:.4f} vs {loss_raw:.4f}",
    )


def bench_long_fit(repeats, n=20000):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 32, 4)).astype("float32")
    y = X[:, -1, :].sum(axis=1).astype("float32")

    def run_raw():
        model = raw_lstm(32, 4, 64)
        model.fit(X[:512], y[:512], epochs=1, batch_size=256, verbose=0)  # build + trace
        start = time.perf_counter()
        model.fit(X, y, epochs=1, batch_size=256, verbose=0)
        return n / (time.perf_counter() - start)

    def run_ours():
        model = ours(64, 1, 256).fit(X[:512], y[:512])
        model.set_params(warm_start=True)
        start = time.perf_counter()
        model.fit(X, y)
        return n / (time.perf_counter() - start)

    raw = statistics.median(run_raw() for _ in range(repeats))
    mine = statistics.median(run_ours() for _ in range(repeats))
    record("long-fit throughput (samples/s)", f"{mine:,.0f}", f"{raw:,.0f}", f"{mine / raw:.2f}x")


def bench_predict(repeats):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10000, 24, 1)).astype("float32")
    y = X[:, -1, 0]
    model = ours(32, 2, 32).fit(X[:256], y[:256])
    raw = model.model_
    model.predict(X[:1]), raw.predict(X[:1], verbose=0)
    one_ours, _ = median_time(lambda: model.predict(X[:1]), 50 * repeats)
    one_raw, _ = median_time(lambda: raw.predict(X[:1], verbose=0), 10 * repeats)
    record("predict 1 row (ms)", f"{one_ours * 1e3:.2f}", f"{one_raw * 1e3:.2f}", f"{one_raw / one_ours:.1f}x", "vs model.predict")
    many_ours, _ = median_time(lambda: model.predict(X), repeats)
    many_raw, _ = median_time(lambda: raw.predict(X, verbose=0), repeats)
    record("predict 10k rows (ms)", f"{many_ours * 1e3:.1f}", f"{many_raw * 1e3:.1f}", f"{many_raw / many_ours:.2f}x")


def bench_window(repeats):
    from skl_lstm import WindowTransformer

    series = np.random.default_rng(0).normal(size=(1_000_000, 1))
    wt = WindowTransformer(window=24).fit(series)
    out = wt.transform(series)
    t_ours, _ = median_time(lambda: wt.transform(series), repeats)
    t_copy, _ = median_time(lambda: out.copy(), repeats)

    def python_loop():
        return np.array([series[i - 24 + 1 : i + 1, 0] for i in range(23, len(series))])

    t_loop, _ = median_time(python_loop, 1)
    record("window 1M x 24 (ms)", f"{t_ours * 1e3:.1f}", f"{t_copy * 1e3:.1f}", f"{t_ours / t_copy:.2f}x", f"of a plain copy; Python loop {t_loop * 1e3:.0f} ms")


def _airline_search(estimator, grid, n_jobs):
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

    return GridSearchCV(
        estimator, grid, cv=TimeSeriesSplit(n_splits=3, test_size=12), scoring="neg_mean_absolute_percentage_error", n_jobs=n_jobs
    )


def bench_grid(repeats, epochs=60):
    from scikeras.wrappers import KerasRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    from skl_lstm import WindowTransformer
    from skl_lstm.datasets import load_airline, make_supervised

    X, y = make_supervised(load_airline())
    y = (y - X["passengers"]).to_numpy() / 50.0  # learn the change, roughly unit scale
    grid_ours = {"window__window": [6, 12, 24], "lstm__units": [8, 16], "lstm__learning_rate": [1e-3, 3e-3]}

    def ours_search(n_jobs):
        model = Pipeline(
            [
                ("window", WindowTransformer(12, diff=1)),
                ("scale", StandardScaler()),
                ("lstm", ours(16, epochs, 32)),
            ]
        )
        return _airline_search(model, grid_ours, n_jobs).fit(X, y)

    def scikeras_search():
        model = Pipeline(
            [
                ("window", WindowTransformer(12, diff=1)),
                ("scale", StandardScaler()),
                ("nan", FunctionTransformer(np.nan_to_num)),  # scikeras cannot mask warm-up steps
                ("lstm", KerasRegressor(_scikeras_model, units=16, learning_rate=1e-3, epochs=epochs, batch_size=32, verbose=0, random_state=0, loss="mse", optimizer="adam")),
            ]
        )
        grid = {"window__window": [6, 12, 24], "lstm__units": [8, 16], "lstm__optimizer__learning_rate": [1e-3, 3e-3]}
        return _airline_search(model, grid, 1).fit(X, y)

    t_ours, search = median_time(lambda: ours_search(1), repeats)
    t_ref, _ = median_time(scikeras_search, 1)
    record("GridSearchCV 12x3 airline (s)", f"{t_ours:.1f}", f"{t_ref:.1f}", f"{t_ref / t_ours:.2f}x", f"vs scikeras KerasRegressor, {epochs} epochs")
    t_par, search_par = median_time(lambda: ours_search(2), repeats)
    same = search_par.best_params_ == search.best_params_
    record("GridSearchCV n_jobs=2 (s)", f"{t_par:.1f}", f"{t_ours:.1f}", f"{t_ours / t_par:.2f}x", f"identical best_params_: {same}")


def _scikeras_model(meta, units, learning_rate=1e-3):
    import keras

    steps = meta["n_features_in_"]
    inputs = keras.Input((steps,))
    x = keras.layers.Reshape((steps, 1))(inputs)
    outputs = keras.layers.Dense(1)(keras.layers.LSTM(units)(x))
    return keras.Model(inputs, outputs)


def bench_memory(n_fits=100):
    from skl_lstm import LSTMRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 12)).astype("float32")
    y = X[:, -1]
    LSTMRegressor(units=8, epochs=2).fit(X, y)
    gc.collect()
    start = rss_mb()
    for i in range(n_fits):
        LSTMRegressor(units=8, epochs=2, random_state=i).fit(X, y).predict(X)
        if i == 9:
            after_10 = rss_mb()
    gc.collect()
    end = rss_mb()
    record(f"RSS growth over {n_fits} fits (MB)", f"{end - start:.0f}", "-", "-", f"after first 10 fits: {after_10 - start:.0f} MB")


def write_table(path):
    import platform

    import keras
    import tensorflow as tf

    lines = [
        "# Performance",
        "",
        f"Measured by `benchmarks/perf.py` on {platform.machine()} with {os.cpu_count()} CPU cores, "
        f"Keras {keras.__version__}, TensorFlow {tf.__version__}, backend {keras.backend.backend()}. "
        "Ratios compare two timings taken back to back in the same run (medians over repeats); "
        "higher is better for skl_lstm except in the window row, where it is the cost relative to a plain copy.",
        "",
        "| case | skl_lstm | reference | ratio | note |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    lines += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in RESULTS]
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--cases", default="short,long,predict,window,grid,memory", help="comma-separated subset of the cases"
    )
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "..", "docs", "performance.md"))
    args = parser.parse_args(argv)
    cases = set(args.cases.split(","))
    print(f"{'case':<32} {'skl_lstm':>16} {'reference':>16} {'ratio':>8}  note")
    if "short" in cases:
        bench_short_fit(args.repeats)
    if "long" in cases:
        bench_long_fit(args.repeats)
    if "predict" in cases:
        bench_predict(args.repeats)
    if "window" in cases:
        bench_window(args.repeats)
    if "grid" in cases:
        bench_grid(1)
    if "memory" in cases:
        bench_memory()
    write_table(args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    sys.exit(main())
