"""Speed and memory of skl_lstm against raw Keras, measured in one run (``make bench-perf``).

Every figure is a ratio of two timings taken in the same process, with the
two sides interleaved (A, B, A, B, ...) and the median over ``--repeats``
runs each, so a noisy shared machine moves both sides alike. The table is
printed and written between the ``perf-table`` markers of
``docs/performance.md`` (``--output``); the rest of that page is left alone.

Cases
-----
short    120 windows x 24 steps x 1 feature, LSTM(32), batch 32, 200 epochs:
         ``LSTMRegressor`` (no validation tail, no early stopping, so the same
         epochs) vs ``keras.Model.fit`` with its defaults on the same network
         without the masking layer. Our side starts from an empty cache of
         compiled functions each time (so it pays its tracing, as ``fit``
         does); the note gives the time when a fit reuses them, as the folds
         of a search do. Final training losses: median and range over the
         seeds ``0 .. repeats-1`` of each side.
long     20 000 windows x 32 steps x 4 features, LSTM(64), batch 256: samples/s
         of a second, warm fit epoch on each side.
predict  one-row and 10 000-row predict: ``LSTMRegressor.predict`` vs
         ``keras.Model.predict`` and ``predict_on_batch`` on the fitted network.
window   ``WindowTransformer.transform`` of a 1 000 000-step series vs a plain
         copy of an array of the output's size, and a Python-loop windowing;
         in a fresh subprocess (no TensorFlow threads or heap around).
grid     ``GridSearchCV``, 12 candidates x 3 ``TimeSeriesSplit`` folds on airline:
         :func:`skl_lstm.recommended_pipeline` vs the same recipe around
         scikeras' plain ``KerasRegressor`` (an equivalent Keras network, the same
         epochs; NaN warm-up steps set to 0, as it cannot mask); then ours with
         ``n_jobs=2`` against ``n_jobs=1``, which must pick identical
         ``best_params_``; every parallel run starts its worker processes
         afresh (it pays their TensorFlow import and tracing).
parallel the same grid and ``n_jobs=2`` against ``n_jobs=1`` on the recipe as
         users run it (its defaults: up to 200 epochs with early stopping),
         fresh workers for every parallel search.
warm     ``n_jobs=2`` against ``n_jobs=1`` on the grid case's search as a
         session's later search meets it: joblib's workers (TensorFlow
         imported, compiled functions cached) kept from an earlier search.
dask     the grid case's 12 x 3 airline search on the recipe as users run it
         (its defaults, ``n_jobs=None``) under ``joblib.parallel_backend("dask")``
         on a warm 2-worker ``LocalCluster`` (2 processes x 1 thread, TensorFlow
         imported and traced by an earlier search) against the same search
         serially; every run must give the serial ``best_params_`` and
         bit-identical ``cv_results_`` scores (the note says whether they did).
dask-forecast
         batch-forecast throughput (series per second) on a panel of 2 000
         series x 200 steps: ``skl_lstm.dask.forecast_dask`` on the same warm
         2-worker cluster (the panel already on the workers, as a
         ``read_parquet`` would leave it; 8 partitions; forecasts gathered to
         the client) against ``skl_lstm.forecast`` in this process, with the
         recipe (window 24, LSTM(32), 13 horizons) fitted beforehand on 200 of
         the series. The note gives the largest relative difference.
memory   resident memory growth over 100 consecutive fits in one process.
panel    training on a panel, per gradient step at equal batch size: 300 series
         x 400 steps, windows of 52 steps, 13 outputs, LSTM(32), batch 32
         (2 000 steps) and batch 256 (400 steps; what ``batch_size="auto"``
         picks for M4 Weekly), an epoch budget (``steps_per_epoch``): ``LSTMRegressor(
         lookback=52)`` on the rows (windows gathered inside the step, every
         series' first rows as missing history) vs ``keras.Model.fit`` on the
         same windows materialised (warm-up steps 0, as it cannot mask), the
         same network without the masking layer, ``steps_per_epoch=2000``.
         Both sides warm (traced by an earlier fit); the reference is given
         every window, ours only the rows.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

RESULTS: list[tuple[str, str, str, str, str]] = []
START, END = "<!-- perf-table:start -->", "<!-- perf-table:end -->"


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def paired(ours, reference, repeats, **others):
    """Run the sides in turn, rotating their order each round; ``{side: (walls, cpus, outputs)}``.

    ``ours`` and ``reference`` are called with the round number; ``others``
    (extra named sides) likewise.
    """
    sides = {"ours": ours, "ref": reference, **others}
    runs = {name: ([], [], []) for name in sides}
    names = list(sides)
    for i in range(repeats):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            wall, cpu, out = timed(lambda fn=sides[name]: fn(i))
            for store, value in zip(runs[name], (wall, cpu, out)):
                store.append(value)
    return runs


def record(case, ours, reference, ratio, note=""):
    RESULTS.append((case, ours, reference, ratio, note))
    print(f"{case:<34} {ours:>12} {reference:>12} {ratio:>8}  {note}", flush=True)


def rss_mb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("the memory case reads VmRSS from /proc/self/status (Linux only)")


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
        n_features=1,  # one series per step (some cases pass 2-D windows without warm-up rows)
    )


def _spread(values):
    return f"{statistics.median(values):.4f} [{min(values):.4f}, {max(values):.4f}]"


def _warm_up():
    """Start TensorFlow and both wrappers before anything is timed."""
    from scikeras.wrappers import KerasRegressor

    X = np.random.default_rng(0).normal(size=(40, 4)).astype("float32")
    ours(2, 1, 8).fit(X, X[:, -1]).predict(X)
    reference = KerasRegressor(_scikeras_model, units=2, epochs=1, verbose=0, loss="mse", random_state=0)
    reference.fit(X, X[:, -1]).predict(X)


def bench_short_fit(repeats):
    from skl_lstm.lstm._loop import clear_compiled_cache

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 24, 1)).astype("float32")
    y = (X[:, -3:, 0].mean(axis=1) + 0.1 * rng.normal(size=120)).astype("float32")
    _warm_up()

    def run_raw(seed):
        model = raw_lstm(24, 1, 32, seed)
        return model.fit(X, y, epochs=200, batch_size=32, verbose=0).history["loss"][-1]

    def run_ours(seed):
        clear_compiled_cache()
        model = ours(32, 200, 32, seed).fit(X, y)
        return model.history_["loss"][-1], model.training_kernel_

    def run_reuse(seed):
        return ours(32, 200, 32, seed).fit(X, y)

    runs = paired(run_ours, run_raw, repeats, reuse=run_reuse)
    t_ours, t_raw = statistics.median(runs["ours"][0]), statistics.median(runs["ref"][0])
    cpu_ratio = statistics.median(runs["ref"][1]) / statistics.median(runs["ours"][1])
    t_reuse = statistics.median(runs["reuse"][0])
    kernel = runs["ours"][2][0][1]
    record(
        "short fit, 200 epochs (s)",
        f"{t_ours:.2f}",
        f"{t_raw:.2f}",
        f"{t_raw / t_ours:.2f}x",
        f"{kernel} kernel; CPU-time ratio {cpu_ratio:.2f}x; {t_reuse:.2f} s reusing compiled functions "
        f"({t_raw / t_reuse:.2f}x); final loss {_spread([r[0] for r in runs['ours'][2]])} vs "
        f"{_spread(runs['ref'][2])} (median [range], seeds 0-{repeats - 1})",
    )


def bench_long_fit(repeats, n=20000):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 32, 4)).astype("float32")
    y = X[:, -1, :].sum(axis=1).astype("float32")
    raw = raw_lstm(32, 4, 64)
    raw.fit(X[:512], y[:512], epochs=1, batch_size=256, verbose=0)  # build + trace
    mine = ours(64, 1, 256).fit(X[:512], y[:512])
    mine.set_params(warm_start=True)

    def run_raw(_):
        return raw.fit(X, y, epochs=1, batch_size=256, verbose=0)

    def run_ours(_):
        return mine.fit(X, y)

    runs = paired(run_ours, run_raw, repeats)
    rate_ours, rate_raw = n / statistics.median(runs["ours"][0]), n / statistics.median(runs["ref"][0])
    record(
        "long fit throughput (samples/s)",
        f"{rate_ours:,.0f}",
        f"{rate_raw:,.0f}",
        f"{rate_ours / rate_raw:.2f}x",
        f"{mine.training_kernel_} kernel; one epoch of 20000 x 32 x 4, LSTM(64), batch 256",
    )


def bench_predict(repeats):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(10000, 24, 1)).astype("float32")
    y = X[:, -1, 0]
    model = ours(32, 2, 32).fit(X[:256], y[:256])
    raw = model.model_
    one = X[:1]
    model.predict(one), raw.predict(one, verbose=0), raw.predict_on_batch(one)
    # interleaved like every other case: ours, model.predict, predict_on_batch, ... (10 calls each per round)
    rounds = paired(
        lambda _: [timed(lambda: model.predict(one))[0] for _ in range(10)],
        lambda _: [timed(lambda: raw.predict(one, verbose=0))[0] for _ in range(10)],
        5 * repeats,
        batch=lambda _: [timed(lambda: raw.predict_on_batch(one))[0] for _ in range(10)],
    )
    t_ours, t_fit, t_batch = (
        statistics.median(t for calls in rounds[side][2] for t in calls) for side in ("ours", "ref", "batch")
    )
    record(
        "predict 1 row (ms)", f"{t_ours * 1e3:.2f}", f"{t_fit * 1e3:.2f}", f"{t_fit / t_ours:.1f}x", "vs model.predict"
    )
    record(
        "predict 1 row (ms)",
        f"{t_ours * 1e3:.2f}",
        f"{t_batch * 1e3:.2f}",
        f"{t_batch / t_ours:.1f}x",
        "vs model.predict_on_batch",
    )
    diff = float(np.max(np.abs(model.predict(X) - raw.predict(X, verbose=0)[:, 0])))
    runs = paired(lambda _: model.predict(X), lambda _: raw.predict(X, verbose=0), repeats)
    many_ours, many_raw = statistics.median(runs["ours"][0]), statistics.median(runs["ref"][0])
    record(
        "predict 10k rows (ms)",
        f"{many_ours * 1e3:.1f}",
        f"{many_raw * 1e3:.1f}",
        f"{many_raw / many_ours:.2f}x",
        f"vs model.predict; max abs. difference {diff:.1e}",
    )


def bench_panel_steps(repeats, n_series=300, length=400, window=52, horizon=13):
    """Per gradient step, at batch 32 and at 256 (what ``batch_size="auto"`` picks for M4 Weekly's windows)."""
    import keras
    import pandas as pd

    rng = np.random.default_rng(0)
    series = np.cumsum(rng.normal(size=(n_series, length + horizon)), axis=1).astype("float32")
    rows = series[:, :length].reshape(-1, 1)
    targets = np.stack([series[:, h : length + h] for h in range(1, horizon + 1)], axis=-1).reshape(-1, horizon)
    index = pd.MultiIndex.from_product([range(n_series), range(length)], names=["series", "time"])
    panel = pd.DataFrame(rows, index=index, columns=["y"])
    padded = np.concatenate([np.zeros((n_series, window - 1), "float32"), series[:, :length]], axis=1)
    windows = np.lib.stride_tricks.sliding_window_view(padded, window, axis=1).reshape(-1, window, 1).copy()
    for batch_size, steps in ((32, 2000), (256, 400)):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((window, 1))
        raw = keras.Model(inputs, keras.layers.Dense(horizon)(keras.layers.LSTM(32)(inputs)))
        raw.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse")
        raw.fit(windows, targets, epochs=1, batch_size=batch_size, steps_per_epoch=20, verbose=0)  # build + trace
        mine = ours(32, 1, batch_size).set_params(lookback=window, steps_per_epoch=20)
        mine.fit(panel, targets)  # trace
        mine.set_params(warm_start=True, steps_per_epoch=steps)

        def run_raw(_, raw=raw, batch_size=batch_size, steps=steps):
            return raw.fit(windows, targets, epochs=1, batch_size=batch_size, steps_per_epoch=steps, verbose=0)

        def run_ours(_, mine=mine):
            return mine.fit(panel, targets)

        runs = paired(run_ours, run_raw, repeats)
        ms_ours, ms_raw = (1e3 * statistics.median(runs[side][0]) / steps for side in ("ours", "ref"))
        record(
            f"panel training, per step, batch {batch_size} (ms)",
            f"{ms_ours:.2f}",
            f"{ms_raw:.2f}",
            f"{ms_raw / ms_ours:.2f}x",
            f"{mine.training_kernel_} kernel; {n_series} series x {length} steps, window {window}, {horizon} "
            f"outputs, LSTM(32), {steps} steps; rows {panel.values.nbytes / 1e6:.1f} MB vs windows "
            f"{windows.nbytes / 1e6:.1f} MB",
        )


def _window_child(repeats):
    """Runs in a fresh interpreter: numpy and skl_lstm's transformers only."""
    from skl_lstm import WindowTransformer

    series = np.random.default_rng(0).normal(size=(1_000_000, 1))
    wt = WindowTransformer(window=24).fit(series)
    out = wt.transform(series)
    runs = paired(lambda _: wt.transform(series), lambda _: out.copy(), repeats)
    t_ours, t_copy = statistics.median(runs["ours"][0]), statistics.median(runs["ref"][0])
    t_loop = timed(lambda: np.array([series[i - 23 : i + 1, 0] for i in range(23, len(series))]))[0]  # once: slow
    print(json.dumps({"ours": t_ours, "copy": t_copy, "loop": t_loop, "tf_loaded": "tensorflow" in sys.modules}))


def bench_window(repeats):
    proc = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--window-child", "--repeats", str(repeats)],
        check=True,
        capture_output=True,
        text=True,
    )
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    assert not res["tf_loaded"], "the window case must run without TensorFlow in the process"
    record(
        "window 1M x 24 (ms)",
        f"{res['ours'] * 1e3:.1f}",
        f"{res['copy'] * 1e3:.1f}",
        f"{res['ours'] / res['copy']:.2f}x",
        f"of a plain copy (lower is better); Python loop {res['loop'] * 1e3:.0f} ms; fresh subprocess",
    )


def _scikeras_model(meta, units):
    import keras

    steps = meta["n_features_in_"]
    inputs = keras.Input((steps,))
    x = keras.layers.Reshape((steps, 1))(inputs)
    outputs = keras.layers.Dense(1)(keras.layers.LSTM(units)(x))
    return keras.Model(inputs, outputs)


def _scikeras_recipe(epochs):
    """recommended_pipeline's structure with scikeras' KerasRegressor as the network."""
    from scikeras.wrappers import KerasRegressor
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    from skl_lstm import DifferencedTargetRegressor, WindowTransformer

    network = Pipeline(
        [
            ("window", WindowTransformer(12, diff=1)),
            ("scale", StandardScaler()),
            ("nan", FunctionTransformer(np.nan_to_num, feature_names_out="one-to-one")),  # no masking in scikeras
            (
                "lstm",
                KerasRegressor(
                    _scikeras_model,
                    units=16,
                    epochs=epochs,
                    batch_size=32,
                    loss="mse",
                    optimizer="adam",
                    optimizer__learning_rate=1e-3,
                    random_state=0,
                    verbose=0,
                ),
            ),
        ]
    )
    return DifferencedTargetRegressor(network, transformer=StandardScaler())


GRID = {"regressor__lstm__lookback": [6, 12, 24], "regressor__lstm__units": [8, 16]}  # x 2 learning rates: 12
RATES = ("regressor__lstm__learning_rate", [1e-3, 3e-3])


@functools.lru_cache(maxsize=1)
def _airline_xy():
    from skl_lstm.datasets import load_airline, make_supervised

    return make_supervised(load_airline())


def _grid_model(epochs):
    """The recipe the grid and parallel cases search: fixed epochs, no early stopping."""
    from skl_lstm import recommended_pipeline

    return recommended_pipeline(
        window=12, units=16, epochs=epochs, validation_fraction=0.0, early_stopping=False, random_state=0
    )


def _airline_search(estimator, learning_rates, n_jobs):
    """The benchmark's GridSearchCV (12 candidates x 3 folds on airline), fitted."""
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

    X, y = _airline_xy()
    return GridSearchCV(
        estimator,
        {**GRID, learning_rates[0]: learning_rates[1]},
        cv=TimeSeriesSplit(n_splits=3, test_size=12),
        scoring="neg_mean_absolute_percentage_error",
        n_jobs=n_jobs,
    ).fit(X, y)


def _fresh_search(model, n_jobs):
    """Our search as a new session runs it: empty caches, and fresh workers when parallel."""
    from joblib.externals.loky import get_reusable_executor

    from skl_lstm.lstm._loop import clear_compiled_cache

    clear_compiled_cache()  # every search pays its own tracing
    # ... and a parallel one its worker processes too (TensorFlow import,
    # thread pools, empty caches)
    get_reusable_executor().shutdown(wait=True)
    return _airline_search(model, RATES, n_jobs)


def _record_parallel(case, par, best, note):
    t_par, t_seq = statistics.median(par["ours"][0]), statistics.median(par["ref"][0])
    same = all(s.best_params_ == best for s in par["ours"][2] + par["ref"][2])
    short = {k.rsplit("__", 1)[-1]: v for k, v in best.items()}
    record(case, f"{t_par:.1f}", f"{t_seq:.1f}", f"{t_seq / t_par:.2f}x",
           f"vs n_jobs=1, {note}; identical best_params_: {same} {short}")


def bench_grid(repeats, epochs=60):
    _warm_up()

    def run_ours(n_jobs):
        return _fresh_search(_grid_model(epochs), n_jobs)

    def run_scikeras(_):
        return _airline_search(_scikeras_recipe(epochs), ("regressor__lstm__optimizer__learning_rate", RATES[1]), 1)

    runs = paired(lambda _: run_ours(1), run_scikeras, repeats)
    t_ours, t_ref = statistics.median(runs["ours"][0]), statistics.median(runs["ref"][0])
    record(
        "GridSearchCV 12x3 airline (s)",
        f"{t_ours:.1f}",
        f"{t_ref:.1f}",
        f"{t_ref / t_ours:.2f}x",
        f"vs scikeras KerasRegressor, {epochs} epochs, n_jobs=1",
    )
    best = runs["ours"][2][0].best_params_
    par = paired(lambda _: run_ours(2), lambda _: run_ours(1), repeats)
    _record_parallel("GridSearchCV n_jobs=2 (s)", par, best, f"{epochs} epochs, fresh workers")


def bench_parallel_warm(repeats, epochs=60):
    """n_jobs=2 as a session's next search meets it: joblib keeps its worker
    processes (TensorFlow imported, compiled functions cached) between
    searches, and the serial side keeps its caches likewise."""
    from joblib.externals.loky import get_reusable_executor

    _warm_up()
    model = _grid_model(epochs)
    get_reusable_executor().shutdown(wait=True)
    first = [_airline_search(model, RATES, n_jobs) for n_jobs in (1, 2)]  # the session's first searches (untimed)
    par = paired(lambda _: _airline_search(model, RATES, 2), lambda _: _airline_search(model, RATES, 1), repeats)
    _record_parallel("GridSearchCV n_jobs=2, warm (s)", par, first[0].best_params_, f"{epochs} epochs, warm workers")


def bench_parallel_recipe(repeats):
    """The same grid on the recipe as users run it: its defaults (up to 200 epochs, early stopping)."""
    from skl_lstm import recommended_pipeline

    _warm_up()
    model = recommended_pipeline(window=12, units=16, random_state=0)
    par = paired(lambda _: _fresh_search(model, 2), lambda _: _fresh_search(model, 1), repeats)
    best = par["ref"][2][0].best_params_
    _record_parallel("GridSearchCV n_jobs=2, defaults (s)", par, best, "recipe defaults, fresh workers")


def _local_cluster():
    """A 2-worker LocalCluster (processes x 1 thread) and its client, for the dask cases."""
    import logging

    from skl_lstm.utils._deps import import_optional

    distributed = import_optional("distributed", "benchmarks/perf.py's dask cases")
    Client, LocalCluster = distributed.Client, distributed.LocalCluster

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
    )
    return cluster, Client(cluster)


def _same_scores(searches, reference):
    names = [k for k in reference.cv_results_ if k.startswith("split") and k.endswith("_test_score")]
    return all(
        np.array_equal(s.cv_results_[name], reference.cv_results_[name]) for s in searches for name in names
    ) and all(s.best_params_ == reference.best_params_ for s in searches)


def bench_dask(repeats, epochs=None):
    """The airline search on a warm 2-worker Dask cluster against the same search serially.

    ``epochs=None`` is the recipe as users run it (up to 200 epochs, early
    stopping); an integer fixes the epochs without early stopping (a quick run).
    """
    import joblib

    from skl_lstm import recommended_pipeline

    _warm_up()
    if epochs is None:
        model, setting = recommended_pipeline(window=12, units=16, random_state=0), "recipe defaults"
    else:
        model, setting = _grid_model(epochs), f"{epochs} epochs"
    cluster, client = _local_cluster()
    with cluster, client:

        def on_dask(_):
            with joblib.parallel_backend("dask"):
                return _airline_search(model, RATES, None)

        def serial(_):
            return _airline_search(model, RATES, None)

        first = [serial(0), on_dask(0)]  # the session's first searches (untimed): workers import TensorFlow, trace
        par = paired(on_dask, serial, repeats)
    reference = first[0]
    same = _same_scores(first[1:] + par["ours"][2] + par["ref"][2], reference)
    t_dask, t_serial = statistics.median(par["ours"][0]), statistics.median(par["ref"][0])
    short = {k.rsplit("__", 1)[-1]: v for k, v in reference.best_params_.items()}
    record(
        "GridSearchCV on Dask, 2 warm workers (s)",
        f"{t_dask:.1f}",
        f"{t_serial:.1f}",
        f"{t_serial / t_dask:.2f}x",
        f"vs serial (n_jobs=None), {setting}, LocalCluster 2 processes x 1 thread; identical best_params_ and "
        f"bit-identical CV scores (incl. the cold run): {same} {short}",
    )


def _synthetic_panel(n_series, length, seed=0):
    import pandas as pd

    rng = np.random.default_rng(seed)
    t = np.arange(length)
    level = rng.uniform(50, 500, size=(n_series, 1))
    season = 1 + 0.1 * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 6, size=(n_series, 1)))
    values = level * season * np.exp(np.cumsum(rng.normal(0, 0.02, size=(n_series, length)), axis=1))
    index = pd.MultiIndex.from_product([[f"s{k}" for k in range(n_series)], t], names=["series", "time"])
    return pd.DataFrame({"y": values.ravel()}, index=index)


def bench_dask_forecast(repeats, n_series=2000, length=200, npartitions=8, fit_series=200, epochs=5):
    """Batch forecasts of a panel: forecast_dask on a warm 2-worker cluster vs skl_lstm.forecast here."""
    from skl_lstm import forecast, recommended_pipeline
    from skl_lstm.dask import forecast_dask, to_dask_panel
    from skl_lstm.datasets import make_supervised

    _warm_up()
    panel = _synthetic_panel(n_series, length)
    X, y = make_supervised(panel.loc[[f"s{k}" for k in range(fit_series)]], horizon=13, all_horizons=True)
    model = recommended_pipeline(window=24, units=32, epochs=epochs, random_state=0).fit(X, y)
    keys = ["series", "horizon"]
    cluster, client = _local_cluster()
    with cluster, client:
        ddf = client.persist(to_dask_panel(panel, npartitions))  # on the workers, as read_parquet leaves it

        def on_dask(_):
            return forecast_dask(model, ddf).compute()

        def serial(_):
            return forecast(model, panel)

        first = [serial(0), on_dask(0)]  # untimed: workers receive the model, import TensorFlow, trace
        runs = paired(on_dask, serial, repeats)
    expected = first[0].sort_values(keys, ignore_index=True)["forecast"].to_numpy()
    worst, exact = 0.0, True
    for out in first[1:] + runs["ours"][2] + runs["ref"][2]:
        got = out.sort_values(keys, ignore_index=True)["forecast"].to_numpy()
        exact &= np.array_equal(got, expected)
        worst = max(worst, float(np.max(np.abs(got - expected) / np.abs(expected))))
    t_dask, t_serial = statistics.median(runs["ours"][0]), statistics.median(runs["ref"][0])
    record(
        "batch forecast on Dask, 2 warm workers (series/s)",
        f"{n_series / t_dask:.0f}",
        f"{n_series / t_serial:.0f}",
        f"{t_serial / t_dask:.2f}x",
        f"vs skl_lstm.forecast in-process; {n_series} series x {length} steps, {npartitions} partitions, window "
        f"24, LSTM(32), 13 horizons; {t_dask:.2f} s vs {t_serial:.2f} s; bit-identical: {exact}, largest "
        f"relative difference {worst:.1e}",
    )


def bench_memory(n_fits=100):
    from skl_lstm import LSTMRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 12)).astype("float32")
    y = X[:, -1]
    LSTMRegressor(units=8, epochs=2, n_features=1).fit(X, y)
    gc.collect()
    start = rss_mb()
    for i in range(n_fits):
        LSTMRegressor(units=8, epochs=2, random_state=i, n_features=1).fit(X, y).predict(X)
        if i == 9:
            after_10 = rss_mb()
    gc.collect()
    end = rss_mb()
    record(
        f"RSS growth over {n_fits} fits (MB)",
        f"{end - start:.0f}",
        "-",
        "-",
        f"after the first 10 fits: {after_10 - start:.0f} MB",
    )


def write_table(path, repeats, grid_repeats, cases=None):
    import platform

    import keras
    import tensorflow as tf

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        START,
        f"Measured by `benchmarks/perf.py{' --cases ' + ','.join(cases) if cases else ''} --repeats {repeats} "
        f"--grid-repeats {grid_repeats}` on "
        f"{platform.machine()} with {os.cpu_count()} CPU "
        f"cores (load average {load:.1f} at the end), Keras {keras.__version__}, TensorFlow {tf.__version__}, "
        f"backend {keras.backend.backend()}. Ratios compare two timings taken in the same run, interleaved "
        "(medians over the repeats); higher is better for skl_lstm except in the window row.",
        "",
        "| case | skl_lstm | reference | ratio | note |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    text = open(path).read() if os.path.exists(path) else "# Performance\n\n"
    new_rows = [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in RESULTS]
    if cases and START in text and END in text:
        # a subset of the cases: their rows replace the same rows of the earlier table, the others stay
        old_table = text.split(START, 1)[1].split(END, 1)[0]
        measured = {row[0] for row in RESULTS}
        kept = [line for line in old_table.splitlines()
                if line.startswith("| ") and not line.startswith(("| case ", "| --- "))
                and line[2:].split(" | ", 1)[0] not in measured]
        # where each row comes from: this run's line first, then the earlier lines of rows still kept
        earlier = [line for line in old_table.splitlines() if line.strip() and not line.startswith("|")]
        # ... dropping an earlier "Rows ...: measured by" line once none of its rows is kept
        names = [line[2:].split(" | ", 1)[0] for line in kept]
        earlier = [line for line in earlier
                   if not line.startswith("Rows ") or any(n in line.split(": measured by", 1)[0] for n in names)]
        if kept and earlier:
            lines[1] = lines[1].replace("Measured by", f"Rows {', '.join(sorted(measured))}: measured by", 1)
            lines[2:2] = [line for old in earlier for line in ("", old)]
        new_rows = kept + new_rows
    lines += new_rows
    lines.append(END)
    table = "\n".join(lines)
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + table + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + table + "\n"
    with open(path, "w") as fh:
        fh.write(text)


CASES = ("short", "long", "predict", "window", "grid", "parallel", "warm", "dask", "dask-forecast", "memory", "panel")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--grid-repeats", type=int, default=None, help="repeats of the (long) grid case; default: max(1, repeats // 3)"
    )
    parser.add_argument(
        "--cases", default=",".join(CASES), help="comma-separated subset of the cases"
    )
    parser.add_argument("--output", default=os.path.join(os.path.dirname(__file__), "..", "docs", "performance.md"))
    parser.add_argument("--window-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.window_child:
        return _window_child(args.repeats)
    grid_repeats = args.grid_repeats or max(1, args.repeats // 3)
    runners = {
        "short": lambda: bench_short_fit(args.repeats),
        "long": lambda: bench_long_fit(args.repeats),
        "predict": lambda: bench_predict(args.repeats),
        "window": lambda: bench_window(args.repeats),
        "grid": lambda: bench_grid(grid_repeats),
        "parallel": lambda: bench_parallel_recipe(grid_repeats),
        "warm": lambda: bench_parallel_warm(grid_repeats),
        "dask": lambda: bench_dask(grid_repeats),
        "dask-forecast": lambda: bench_dask_forecast(args.repeats),
        "memory": bench_memory,
        "panel": lambda: bench_panel_steps(args.repeats),
    }
    cases = args.cases.split(",")
    unknown = set(cases) - set(runners)
    if unknown:
        parser.error(f"unknown case(s) {sorted(unknown)}")
    print(f"{'case':<34} {'skl_lstm':>12} {'reference':>12} {'ratio':>8}  note")
    for case, run in runners.items():  # always in the table's order
        if case in cases:
            run()
    write_table(args.output, args.repeats, grid_repeats, None if set(cases) == set(CASES) else cases)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    sys.exit(main())
