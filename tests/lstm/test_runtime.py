"""TensorFlow runtime settings: thread budgets in joblib workers, seeding that restores the process."""

import tensorflow as tf

from skl_lstm.lstm import _runtime

def test_joblib_workers_get_their_thread_budget(monkeypatch):
    import multiprocessing

    calls = {}
    monkeypatch.setattr(tf.config.threading, "set_intra_op_parallelism_threads", lambda n: calls.setdefault("intra", n))
    monkeypatch.setattr(tf.config.threading, "set_inter_op_parallelism_threads", lambda n: calls.setdefault("inter", n))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.delenv("TF_NUM_INTRAOP_THREADS", raising=False)
    monkeypatch.delenv("TF_NUM_INTEROP_THREADS", raising=False)
    _runtime.share_cores_in_joblib_workers()
    assert calls == {}  # not in a worker
    monkeypatch.setattr(multiprocessing.current_process(), "name", "LokyProcess-3")
    monkeypatch.setenv("TF_NUM_INTEROP_THREADS", "2")
    _runtime.share_cores_in_joblib_workers()
    assert calls == {"intra": 1}  # an explicit TF setting wins



def _fake_distributed(worker):
    """A stand-in ``distributed`` module whose get_worker answers ``worker`` (or raises, outside a worker)."""
    import types

    def get_worker():
        if worker is None:
            raise ValueError("No worker found")
        return worker

    return types.SimpleNamespace(get_worker=get_worker)


def test_dask_workers_get_their_thread_budget(monkeypatch):
    import sys
    import types

    calls = {}
    monkeypatch.setattr(tf.config.threading, "set_intra_op_parallelism_threads", lambda n: calls.setdefault("intra", n))
    monkeypatch.setattr(tf.config.threading, "set_inter_op_parallelism_threads", lambda n: calls.setdefault("inter", n))
    monkeypatch.delenv("TF_NUM_INTRAOP_THREADS", raising=False)
    monkeypatch.delenv("TF_NUM_INTEROP_THREADS", raising=False)
    monkeypatch.delitem(sys.modules, "distributed", raising=False)
    _runtime.share_cores_in_dask_workers()
    assert calls == {} and "distributed" not in sys.modules  # distributed never imported: no worker here
    monkeypatch.setitem(sys.modules, "distributed", _fake_distributed(None))
    _runtime.share_cores_in_dask_workers()
    assert calls == {}  # imported, but this is not a worker's task
    worker = types.SimpleNamespace(state=types.SimpleNamespace(nthreads=3))
    monkeypatch.setitem(sys.modules, "distributed", _fake_distributed(worker))
    assert _runtime.dask_worker_threads() == 3
    _runtime.share_cores_in_dask_workers()
    assert calls == {"intra": 3, "inter": 3}
    calls.clear()
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "2")
    _runtime.share_cores_in_dask_workers()
    assert calls == {"inter": 3}  # an explicit TF setting wins


def test_a_nanny_worker_process_is_found_outside_its_tasks(monkeypatch):
    # a worker unpickles a scattered model in its event loop's thread, where get_worker() fails
    import multiprocessing
    import sys
    import types

    worker = types.SimpleNamespace(state=types.SimpleNamespace(nthreads=2))
    fake = _fake_distributed(None)
    fake.Worker = types.SimpleNamespace(_instances=[worker])
    monkeypatch.setitem(sys.modules, "distributed", fake)
    assert _runtime.dask_worker_threads() is None  # the client's process: not a nanny's worker
    monkeypatch.setattr(multiprocessing.current_process(), "name", "Dask Worker process (from Nanny)")
    assert _runtime.dask_worker_threads() == 2
    fake.Worker._instances = []
    assert _runtime.dask_worker_threads() is None


def test_thread_sizing_is_too_late_once_tensorflow_started(monkeypatch):
    def refuse(n):
        raise RuntimeError("Intra op parallelism cannot be modified after initialization.")

    monkeypatch.setattr(tf.config.threading, "set_intra_op_parallelism_threads", refuse)
    monkeypatch.delenv("TF_NUM_INTRAOP_THREADS", raising=False)
    _runtime._size_thread_pools(1)  # no error: the pools stay as they are


_SEEDED_THEN_UNSEEDED = """
import os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
from skl_lstm import LSTMRegressor
X = np.random.default_rng(0).normal(size=(30, 4)).astype("float32")
LSTMRegressor(units=2, epochs=1, random_state=0).fit(X, X[:, -1])
from tensorflow.python.framework import config
assert not config.is_op_determinism_enabled() and "TF_DETERMINISTIC_OPS" not in os.environ
import keras
model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])
model.compile(loss="mse")
model.fit(X, X[:, -1], epochs=1, verbose=0)  # an unseeded Keras fit still works
"""


def test_a_seeded_fit_restores_tensorflows_determinism_setting():
    import subprocess
    import sys

    subprocess.run([sys.executable, "-c", _SEEDED_THEN_UNSEEDED], check=True)


def test_a_fit_draws_nothing_from_the_process_wide_generators():
    # A Dask worker's event loop runs beside the task thread; a fit must give
    # the same model whatever other threads draw from random / numpy.random.
    import random
    import threading
    import time

    import numpy as np

    from skl_lstm import LSTMRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 6, 2)).astype("float32")
    y = X[:, -1, 0] + 0.1 * rng.normal(size=120)

    def fit():
        params = dict(units=5, epochs=6, dropout=0.2, linear_skip=True, random_state=7, validation_fraction=0.2)
        return LSTMRegressor(**params).fit(X, y).predict(X)

    alone = fit()
    stop = threading.Event()

    def draw():
        while not stop.is_set():
            random.random()
            np.random.rand()
            time.sleep(0.0002)

    thread = threading.Thread(target=draw, daemon=True)
    thread.start()
    try:
        busy = [fit() for _ in range(2)]
    finally:
        stop.set()
        thread.join()
    for pred in busy:
        np.testing.assert_array_equal(pred, alone)


def test_unpickling_a_fitted_model_applies_the_runtime_settings_before_its_network(monkeypatch):
    # a Dask worker sizes TensorFlow's threads when it receives a model, before the network starts TensorFlow
    import pickle

    import numpy as np
    from scikeras import _saving_utils

    from skl_lstm import LSTMRegressor

    X = np.random.default_rng(0).normal(size=(30, 4)).astype("float32")
    fitted = LSTMRegressor(units=2, epochs=1, random_state=0, n_features=1).fit(X, X[:, -1])
    payload, unfitted = pickle.dumps(fitted), pickle.dumps(LSTMRegressor(units=2))
    calls = []
    unpack = _saving_utils.unpack_keras_model
    monkeypatch.setattr(_runtime, "configure", lambda: calls.append("configure"))
    monkeypatch.setattr(_saving_utils, "unpack_keras_model", lambda *a: calls.append("network") or unpack(*a))
    restored = pickle.loads(payload)
    assert calls == ["configure", "network"]
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))
    calls.clear()
    pickle.loads(unfitted)
    assert calls == []  # an unfitted estimator starts nothing
