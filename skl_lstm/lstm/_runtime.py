"""TensorFlow runtime settings for training: thread budget, seeding, log noise, a registry leak.

Nothing here runs at import time. :func:`configure` applies the process-wide
settings once, the first time a network is built; :func:`seeded` and
:func:`release_traced_gradients` scope their changes to one fit.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import sys

_configured = False


class _RetracingNoise(logging.Filter):
    """Drop TensorFlow's warning that many functions were traced.

    Every fit builds a new network, so a search traces one training and one
    predict function per fit by design; TensorFlow's heuristic reads that as
    an accidental loop and warns.
    """

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


def configure() -> None:
    """Apply the process-wide settings once: quiet retracing warnings, share cores in joblib and Dask workers."""
    global _configured
    if _configured:
        return
    _configured = True
    logging.getLogger("tensorflow").addFilter(_RetracingNoise())
    share_cores_in_joblib_workers()
    share_cores_in_dask_workers()


def _size_thread_pools(n_threads: int) -> None:
    """Size TensorFlow's intra- and inter-op pools to ``n_threads``, unless set otherwise or too late.

    An explicit ``TF_NUM_INTRAOP_THREADS`` / ``TF_NUM_INTEROP_THREADS`` wins;
    once TensorFlow has started its pools nothing changes (it refuses, and
    the pools stay as they are). Only on the TensorFlow backend of Keras.
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        return
    import tensorflow as tf

    try:
        if "TF_NUM_INTRAOP_THREADS" not in os.environ:
            tf.config.threading.set_intra_op_parallelism_threads(n_threads)
        if "TF_NUM_INTEROP_THREADS" not in os.environ:
            tf.config.threading.set_inter_op_parallelism_threads(n_threads)
    except RuntimeError:  # TensorFlow already initialised its thread pools
        pass


def share_cores_in_joblib_workers() -> None:
    """In a joblib (loky) worker, give TensorFlow the thread budget joblib gave the worker.

    ``GridSearchCV(n_jobs=k)`` runs fits in ``k`` loky processes and sets
    ``OMP_NUM_THREADS`` (and the BLAS equivalents) to ``cpu_count // k`` in
    each, but TensorFlow ignores those and starts thread pools as wide as
    the machine in every worker, so ``k`` workers oversubscribe the cores.
    This sizes TensorFlow's intra- and inter-op pools to the same budget.
    It does nothing outside loky workers, when ``TF_NUM_INTRAOP_THREADS`` /
    ``TF_NUM_INTEROP_THREADS`` are set, or once TensorFlow has started.
    """
    if not multiprocessing.current_process().name.startswith("LokyProcess"):
        return
    budget = os.environ.get("OMP_NUM_THREADS", "")
    if not budget.isdigit() or int(budget) < 1:
        return
    _size_thread_pools(int(budget))


def dask_worker_threads() -> int | None:
    """The number of task threads of the Dask worker running this code, or None outside one.

    Never imports ``distributed``: a process that has not imported it runs
    no Dask worker, and a process without it installed never has.
    """
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return None
    try:
        worker = distributed.get_worker()
    except ValueError:  # not in a task: perhaps a nanny's worker process reading a task's inputs
        worker = _nanny_worker(distributed)
    except AttributeError:  # a distributed without get_worker
        return None
    n_threads = getattr(getattr(worker, "state", None), "nthreads", None)
    return n_threads if isinstance(n_threads, int) and n_threads >= 1 else None


def _nanny_worker(distributed):
    """The worker of a process a Dask nanny started, from any of its threads; else None.

    ``get_worker`` answers only in a task's thread, but a worker unpickles
    what it receives (a scattered model, a task's arguments) in its event
    loop's thread, and unpickling a fitted network starts TensorFlow.
    """
    if multiprocessing.current_process().name != "Dask Worker process (from Nanny)":
        return None
    workers = list(getattr(getattr(distributed, "Worker", None), "_instances", ()))
    return workers[0] if len(workers) == 1 else None


def share_cores_in_dask_workers() -> None:
    """In a Dask worker process, give TensorFlow as many threads as the worker has task threads.

    A ``distributed`` worker started with ``nthreads=k`` (``LocalCluster(
    threads_per_worker=k)``, ``dask worker --nthreads k``) runs ``k`` tasks
    at a time and expects each process to use ``k`` cores; its nanny sets
    ``OMP_NUM_THREADS=1`` whatever ``k`` is, and TensorFlow ignores it
    anyway and starts pools as wide as the machine in every worker process,
    so several workers on one machine oversubscribe its cores. This sizes
    TensorFlow's intra- and inter-op pools (shared by the worker's tasks) to
    ``k``. It does nothing outside a Dask worker's task, when
    ``TF_NUM_INTRAOP_THREADS`` / ``TF_NUM_INTEROP_THREADS`` are set, or once
    TensorFlow has started its pools. :func:`configure` runs before the
    first network is built and before a fitted network is unpickled, so the
    first fit, or the first model the worker receives, comes in time.
    """
    n_threads = dask_worker_threads()
    if n_threads is not None:
        _size_thread_pools(n_threads)


@contextlib.contextmanager
def seeded(seed):
    """Seed TensorFlow (with op determinism) for one fit, then restore it.

    The same TensorFlow seeding as scikeras' ``tensorflow_random_state``,
    which leaves op determinism switched on for the rest of the process when
    its first fit is the first thing to ask TensorFlow about it (it sets
    ``TF_DETERMINISTIC_OPS=1`` before asking whether determinism was on, and
    TensorFlow answers from that variable), after which every unseeded Keras
    ``fit`` in the process fails with "Random ops require a seed". Here the
    state is read before anything changes. ``seed=None`` changes nothing.

    Python's and NumPy's process-wide generators are neither read nor
    seeded: the network's seeds and the epochs' sample order come from
    generators the fit owns (``build_network(seed=...)``,
    ``train(shuffle=...)``), so another thread drawing meanwhile (a Dask
    worker's event loop) neither changes the fit nor has its own stream
    reseeded by it.
    """
    if seed is None:
        yield
        return
    import tensorflow as tf
    from tensorflow.python.eager import context
    from tensorflow.python.framework import config

    was_deterministic = config.is_op_determinism_enabled()
    env = os.environ.get("TF_DETERMINISTIC_OPS")
    tf_seed = context.global_seed()
    try:
        os.environ["TF_DETERMINISTIC_OPS"] = "1"
        tf.random.set_seed(seed)
        config.enable_op_determinism()
        yield
    finally:
        if env is None:
            os.environ.pop("TF_DETERMINISTIC_OPS", None)
        else:
            os.environ["TF_DETERMINISTIC_OPS"] = env
        tf.random.set_seed(tf_seed)
        if not was_deterministic:
            config.disable_op_determinism()


def _is_all_reduce_gradient(fn) -> bool:
    """True for the gradient function ``tf.distribute``'s ``all_reduce`` registers.

    It is the identity gradient of ``grad_wrapper`` in ``distribute_lib.py``;
    the registered function closes over ``tape_grad_fn``, which closes over
    the ``grad_fn`` lambda defined there.
    """
    pending, seen = [fn], set()
    while pending:
        f = pending.pop()
        if id(f) in seen or len(seen) > 8:
            continue
        seen.add(id(f))
        if getattr(getattr(f, "__code__", None), "co_filename", "").endswith("distribute_lib.py"):
            return True
        for cell in getattr(f, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:  # empty cell
                continue
            if callable(value):
                pending.append(value)
    return False


@contextlib.contextmanager
def release_traced_gradients():
    """Let compiled training functions be freed once their model is gone.

    Keras' TensorFlow optimizer sums gradients with ``tf.distribute``'s
    ``all_reduce`` on every traced ``apply``; under the default strategy that
    wraps the gradients in a ``tf.custom_gradient``, which registers its
    gradient function in TensorFlow's process-wide gradient registry under a
    fresh name and never removes it. That function holds tensors of the
    traced graph, so every traced training function -- ours and
    ``keras.Model.fit``'s -- stayed alive with its graph, its while-loop
    bodies and their runtime state: 3.6 MB (fused kernel), 7 MB (Keras
    kernel) and 15 MB (``Model.fit``) per fit of a small model. The
    registered function is only the gradient *of* the gradient sum, which
    training never takes, so this drops the entries registered while the
    block ran, and only those.
    """
    try:
        from tensorflow.python.framework import ops

        registry = ops._gradient_registry._registry
        before = set(registry)
    except (ImportError, AttributeError):  # another TensorFlow layout: nothing to do
        yield
        return
    try:
        yield
    finally:
        if len(registry) != len(before):
            for name in set(registry) - before:
                entry = registry.get(name)
                if isinstance(entry, dict) and _is_all_reduce_gradient(entry.get("type")):
                    del registry[name]
