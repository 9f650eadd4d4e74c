"""Searches, fits and batch forecasts on a Dask cluster of worker processes (``skl_lstm[dask]``).

One module-scoped ``LocalCluster`` of 2 worker processes x 1 thread serves
every test here: the same seed must give the same model on any worker, cold
or warm, and after a worker is lost mid-search.
"""

import logging
import os
import signal
import sys
import threading
import time

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

import joblib  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit  # noqa: E402

import skl_lstm  # noqa: E402
from skl_lstm.datasets import load_airline, make_supervised  # noqa: E402

pytestmark = pytest.mark.xdist_group("dask-cluster")  # one cluster at a time (make test: --dist loadgroup)

#: The recipe, tiny: 3 epochs, no validation tail, so the whole module stays well under a minute of fits.
RECIPE = dict(
    window=12, seasonal_period=12, log=True, units=4, epochs=3, validation_fraction=0.0, early_stopping=False,
    random_state=0,
)
GRID = {"regressor__lstm__units": [4, 8], "regressor__lstm__learning_rate": [1e-3, 3e-3]}  # 4 candidates
SCORES = ["mean_test_score", "split0_test_score", "split1_test_score"]


def _search():
    return GridSearchCV(
        skl_lstm.recommended_pipeline(**RECIPE),
        GRID,
        cv=TimeSeriesSplit(n_splits=2, test_size=12),  # x 2 folds: 8 fits
        scoring="neg_mean_absolute_percentage_error",
    )


@pytest.fixture(scope="module")
def airline():
    return make_supervised(load_airline())


@pytest.fixture(scope="module")
def serial(airline):
    """The search in this process, without Dask."""
    return _search().fit(*airline)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
    )
    with cluster, distributed.Client(cluster) as client:
        yield client


def _on_dask(client, airline):
    with joblib.parallel_backend("dask"):
        return _search().fit(*airline)


def _assert_same_search(search, serial):
    for name in SCORES:
        np.testing.assert_array_equal(search.cv_results_[name], serial.cv_results_[name], err_msg=name)
    assert search.best_params_ == serial.best_params_


def _tensorflow_loaded(client):
    return client.run(lambda: "tensorflow" in sys.modules)


def test_cold_and_warm_cluster_searches_equal_the_serial_search(client, airline, serial):
    if any(_tensorflow_loaded(client).values()):  # another test ran first: start from fresh worker processes
        client.restart()
    assert not any(_tensorflow_loaded(client).values())
    _assert_same_search(_on_dask(client, airline), serial)  # cold: each worker imports TensorFlow first
    assert all(_tensorflow_loaded(client).values())  # both workers fitted
    threads = client.run(lambda: __import__("tensorflow").config.threading.get_intra_op_parallelism_threads())
    assert set(threads.values()) == {1}  # TensorFlow sized to each worker's one thread
    _assert_same_search(_on_dask(client, airline), serial)  # warm: imports, traced functions and caches kept


def _completed_and_busy(dask_scheduler):
    """On the scheduler: tasks computed so far, and the tasks each worker is processing now."""
    done = sum(1 for t in dask_scheduler.transition_log if t.start == "processing" and t.finish == "memory")
    return done, {address: len(ws.processing) for address, ws in dask_scheduler.workers.items()}


def test_a_search_survives_a_killed_worker_process(client, airline, serial):
    client.wait_for_workers(2)
    pids = client.run(os.getpid)  # the worker processes themselves, not their nannies
    before, _ = client.run_on_scheduler(_completed_and_busy)
    killed = {}

    def kill_once_under_way():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            done, busy = client.run_on_scheduler(_completed_and_busy)
            victims = [address for address, n in busy.items() if n and address in pids]
            if done > before and victims:  # a fit has finished, and this worker is running another
                os.kill(pids[victims[0]], signal.SIGKILL)
                killed.update(address=victims[0], after=done - before)
                return
            time.sleep(0.05)

    killer = threading.Thread(target=kill_once_under_way, daemon=True)
    killer.start()
    try:
        search = _on_dask(client, airline)
    finally:
        killer.join()
    assert killed, "no worker was killed: the search ended before a second fit started"
    _assert_same_search(search, serial)
    client.wait_for_workers(2, timeout=60)  # the nanny started a new worker process
    assert pids[killed["address"]] not in client.run(os.getpid).values()


def test_models_cross_process_boundaries(client, airline):
    X, y = airline
    model = skl_lstm.recommended_pipeline(**RECIPE)
    here = clone(model).fit(X, y)
    there = client.submit(clone(model).fit, X, y).result()  # fitted in a worker, unpickled here
    X = X.iloc[12:]  # rows with a full window of history
    np.testing.assert_array_equal(there.predict(X), here.predict(X))
    # ... and a model fitted here predicts in a worker as it does here
    np.testing.assert_array_equal(client.submit(here.predict, X).result(), here.predict(X))


def test_batch_forecasts_on_the_cluster_equal_the_serial_ones(client):
    pytest.importorskip("dask.dataframe")
    from skl_lstm.dask import forecast_dask, to_dask_panel
    from skl_lstm.datasets import load_m4_weekly_sample

    panel = load_m4_weekly_sample()
    X, y = make_supervised(panel, horizon=3, all_horizons=True)
    model = skl_lstm.recommended_pipeline(window=8, units=4, epochs=1, random_state=0).fit(X, y)
    ddf = to_dask_panel(panel, npartitions=4)
    on_cluster = forecast_dask(model, ddf).compute()  # the module's client is the default scheduler
    keys = ["series", "horizon"]
    # bit for bit where the same series are predicted together: each partition, forecast here
    here = pd.concat(
        [skl_lstm.forecast(model, ddf.get_partition(k).compute().set_index(["series", "time"])) for k in range(4)]
    )
    pd.testing.assert_frame_equal(on_cluster, here, check_exact=True)
    # and bit for bit against the whole panel forecast at once (other series share the batches there)
    serial = skl_lstm.forecast(model, panel)
    pd.testing.assert_frame_equal(
        on_cluster.sort_values(keys, ignore_index=True), serial.sort_values(keys, ignore_index=True), check_exact=True
    )
