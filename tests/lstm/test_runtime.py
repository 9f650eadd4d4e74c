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
