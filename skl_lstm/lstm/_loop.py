"""The training loop: each epoch one compiled function, one cache of those functions.

On the TensorFlow backend, ``keras.Model.fit`` rebuilds a ``tf.data`` pipeline
and iterator every epoch; for the short series typical of forecasting this
per-epoch overhead, not arithmetic, dominates. :func:`train` runs each epoch
as one compiled ``tf.function`` that loops over the shuffled batches in the
graph (a ``tf.while_loop``) and evaluates the validation tail in the same
call, and drives the ordinary Keras callbacks (early stopping, history, user
callbacks) once per epoch. Loss (with regularisation), optimizer update and
per-epoch shuffling are Keras' own. The forward pass is one of the kernels of
:mod:`._kernels`.

Compiled functions are reused across fits through one cache of
:class:`Trainer` objects (:data:`TRAINERS`): a trainer is a private copy of a
network with its compiled epoch functions; a fit copies its weights and
optimizer state in, trains the copy and copies the result back. On other
backends, or when a callback needs per-batch hooks (which the compiled loop
does not call), training defers to ``keras.Model.fit``.
"""

from __future__ import annotations

import contextlib
import json
import threading

import keras
import numpy as np

from ._cache import LRUCache
from ._kernels import compact_missing, fused_forward, has_gaps, has_missing_steps, keras_forward, select_kernel
from ._network import Chain
from ._runtime import release_traced_gradients
from ._windows import RowWindows, gather_batch_major, gather_time_major

#: Network configurations whose trainers (and compiled functions) are kept.
TEMPLATE_SLOTS = 8
TRAINERS = LRUCache(TEMPLATE_SLOTS)
#: Validation samples evaluated at once: a large panel's tail is evaluated in chunks
#: (the loss is the same mean), so memory does not grow with the number of series.
VALIDATION_CHUNK = 8192

_REUSABLE_LOSSES = ("MeanSquaredError", "MeanAbsoluteError", "Huber")
_REUSABLE_OPTIMIZERS = ("Adam", "AdamW", "RMSprop", "SGD")
_DEFAULT_COMPILE = {
    "loss_weights": None,
    "metrics": None,
    "weighted_metrics": None,
    "steps_per_execution": 1,
    "jit_compile": False,
    "run_eagerly": False,
}


def _state(model):
    return list(model.variables) + list(model.optimizer.variables)


def _spec(t, batch_axis):
    import tensorflow as tf

    shape = list(t.shape)
    shape[batch_axis] = None
    return tf.TensorSpec(shape, t.dtype)


class Trainer:
    """A compiled network and its compiled epoch functions, one per data layout.

    Parameters
    ----------
    model : keras.Model
        The compiled network this trainer trains.
    chain : Chain
        Its recurrent chain (handles of its layers).
    """

    def __init__(self, model, chain):
        self.model, self.chain = model, chain
        self.lock = threading.Lock()
        self._functions = {}
        if not model.optimizer.built:  # create slot variables now, or tf.function traces twice
            model.optimizer.build(model.trainable_variables)
        self.layout = [(tuple(v.shape), str(v.dtype)) for v in _state(model)]

    @classmethod
    def copy_of(cls, model, chain):
        """A trainer holding a private clone of ``model`` (same layers, loss and optimizer settings)."""
        clone = keras.models.clone_model(model)
        optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
        clone.compile(optimizer=optimizer, loss=model.loss)  # the same (stateless) loss object
        by_name = {layer.name: layer for layer in clone.layers}
        twin = Chain(
            None if chain.mask is None else by_name[chain.mask.name],
            tuple(by_name[layer.name] for layer in chain.lstms),
            by_name[chain.dense.name],
        )
        return cls(clone, twin)

    def fits(self, model):
        """Whether ``model``'s weights and optimizer state have this trainer's layout."""
        return self.layout == [(tuple(v.shape), str(v.dtype)) for v in _state(model)]

    def epoch_function(self, kernel, batch_size, gaps, signature, window=None):
        """The compiled epoch function for this kernel and data layout.

        ``signature`` holds ``TensorSpec``s with a free sample axis (and, for the
        fused kernel, a free time axis), so folds, validation tails and windows of
        any size reuse one trace. With ``window``, the inputs are stored rows
        and each batch's windows are gathered in the step (:class:`RowWindows`).
        """
        key = (kernel, int(batch_size), bool(gaps), window, repr(signature))
        if key not in self._functions:
            self._functions[key] = self._compile(kernel, int(batch_size), gaps, signature, window)
        return self._functions[key]

    def _compile(self, kernel, batch_size, gaps, signature, window=None):
        import tensorflow as tf

        model = self.model
        if kernel == "fused":
            forward, axes = fused_forward(self.chain, gaps), (1, 0)
        else:
            forward, axes = keras_forward(model, self.chain, bypass_mask=not gaps), (0,)
        optimizer = model.optimizer
        variables = model.trainable_variables
        if window is None:

            def take(inputs, idx=None):
                return inputs if idx is None else tuple(tf.gather(t, idx, axis=a) for t, a in zip(inputs, axes))

        else:  # stored rows: gather the windows of the batch (or of every sample)
            gather = gather_time_major if kernel == "fused" else gather_batch_major

            def take(inputs, idx=None):
                rows, ends, firsts = inputs
                if idx is not None:
                    ends, firsts = tf.gather(ends, idx), tf.gather(firsts, idx)
                batch = gather(rows, ends, firsts, window)
                return batch if kernel == "fused" else (batch,)

        def loss_of(inputs, y, w, training):
            y_pred = forward(inputs, training)
            return tf.cast(model.compute_loss(y=y, y_pred=y_pred, sample_weight=w, training=training), tf.float32)

        def run_epoch(inputs, y, w, perm, validation=None):
            n = tf.shape(perm)[0]
            n_batches = (n + batch_size - 1) // batch_size
            total = tf.constant(0.0, dtype=tf.float32)
            for i in tf.range(n_batches):
                idx = perm[i * batch_size : tf.minimum((i + 1) * batch_size, n)]
                batch = take(inputs, idx)
                with tf.GradientTape() as tape:
                    loss = loss_of(batch, tf.gather(y, idx), tf.gather(w, idx), True)
                optimizer.apply(tape.gradient(loss, variables), variables)
                total += loss
            loss = total / tf.cast(n_batches, tf.float32)
            if validation is None:
                return loss, tf.constant(float("nan"))
            return loss, validation_loss(*validation)

        def validation_loss(val_inputs, val_y, val_w):
            """The loss of the validation samples; a long tail (a large panel's) a chunk at a time."""
            n = tf.shape(val_y)[0]

            def chunked():
                total = tf.constant(0.0, dtype=tf.float32)
                for start in tf.range(0, n, VALIDATION_CHUNK):
                    # one chunk at a time: a while loop would otherwise run independent chunks at once
                    tf.autograph.experimental.set_loop_options(parallel_iterations=1)
                    idx = tf.range(start, tf.minimum(start + VALIDATION_CHUNK, n))
                    part = loss_of(take(val_inputs, idx), tf.gather(val_y, idx), tf.gather(val_w, idx), False)
                    total += part * tf.cast(tf.shape(idx)[0], tf.float32)
                return total / tf.cast(n, tf.float32)

            return tf.cond(n <= VALIDATION_CHUNK, lambda: loss_of(take(val_inputs), val_y, val_w, False), chunked)

        return tf.function(run_epoch, input_signature=signature)


def _template_key(model, callbacks, kernel="keras"):
    """Everything a compiled training function bakes in, as a string; None when
    it cannot safely be shared with other models.

    The learning rate is a variable of the optimizer, not a constant of the
    graph, so models that differ only in it share one compiled function. The
    fused kernel reads the layers' weights, never the input layer, and its
    function takes windows of any length, so for it the window length is left
    out too: a search over windows traces once per network size, not once per
    window (which every fresh joblib worker would pay again).
    """
    if any(type(cb) is not keras.callbacks.EarlyStopping for cb in callbacks):
        return None  # user callbacks may read or change the model mid-fit
    optimizer, loss = model.optimizer, model.loss
    if type(optimizer).__module__.split(".")[0] != "keras" or type(optimizer).__name__ not in _REUSABLE_OPTIMIZERS:
        return None
    if type(loss).__module__.split(".")[0] != "keras" or type(loss).__name__ not in _REUSABLE_LOSSES:
        return None
    opt_config = optimizer.get_config()
    if not isinstance(opt_config.get("learning_rate"), float):
        return None  # a schedule is traced into the graph
    opt_config = {k: v for k, v in opt_config.items() if k not in ("learning_rate", "name")}
    compile_config = {k: v for k, v in model.get_compile_config().items() if k not in ("optimizer", "loss")}
    if any(compile_config.get(k, v) != v for k, v in _DEFAULT_COMPILE.items()):
        return None
    # seeds only set initial weights and dropout streams, which the fit copies in
    layers = [
        (type(layer).__module__, type(layer).__name__, _without_seeds(layer.get_config())) for layer in model.layers
    ]
    if kernel == "fused":
        for _, name, config in layers:
            if name == "InputLayer" and len(config.get("batch_shape") or ()) == 3:
                config["batch_shape"] = (None, None, config["batch_shape"][2])
    # Huber's get_config omits delta; the wrapped function's kwargs hold it.
    loss_key = (type(loss).__name__, loss.get_config(), getattr(loss, "_fn_kwargs", None))
    return json.dumps(
        [layers, type(optimizer).__name__, opt_config, loss_key, keras.config.dtype_policy().name],
        sort_keys=True,
        default=repr,
    )


def _without_seeds(config):
    """A layer config without its ``seed`` entries (nested initializer configs included)."""
    if isinstance(config, dict):
        return {k: _without_seeds(v) for k, v in config.items() if k != "seed"}
    if isinstance(config, (list, tuple)):
        return type(config)(_without_seeds(v) for v in config)
    return config


def _copy_state(source, target):
    for src, dst in zip(_state(source), _state(target)):
        dst.assign(src.value)


@contextlib.contextmanager
def _trainer_for(model, chain, callbacks, kernel):
    """A trainer for ``model``: a shared one from :data:`TRAINERS`, locked for this
    fit, whose state goes back to ``model`` when training succeeds; else one of
    its own (not kept)."""
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    key = _template_key(model, callbacks, kernel)
    shared = None
    if key is not None and TRAINERS.maxsize > 0:
        shared = TRAINERS.get_or_create(key, lambda: Trainer.copy_of(model, chain))
        if not shared.lock.acquire(blocking=False):  # another thread is training with it
            shared = None
        elif not shared.fits(model):
            shared.lock.release()
            shared = None
    if shared is None:
        yield Trainer(model, chain)
        return
    try:
        _copy_state(model, shared.model)
        yield shared
        _copy_state(shared.model, model)  # after on_train_end: best weights restored
    finally:
        shared.lock.release()


def clear_compiled_cache():
    """Forget the compiled training functions kept for reuse across fits."""
    TRAINERS.clear()


def _fit_with_keras(
    model, X, y, sample_weight, validation_data, epochs, initial_epoch, batch_size, callbacks, verbose, steps_per_epoch,
):
    if isinstance(X, RowWindows):  # keras.Model.fit reads whole windows
        X = X.dense()
        validation_data = None if validation_data is None else (validation_data[0].dense(), *validation_data[1:])
    hist = model.fit(
        X,
        y,
        sample_weight=sample_weight,
        validation_data=validation_data,
        batch_size=batch_size,
        epochs=initial_epoch + epochs,
        initial_epoch=initial_epoch,
        shuffle=True,
        steps_per_epoch=None if steps_per_epoch is None or steps_per_epoch * batch_size >= len(X) else steps_per_epoch,
        verbose=verbose,
        callbacks=list(callbacks) + [keras.callbacks.TerminateOnNaN()],
    )
    return hist.history


def train(
    model,
    chain,
    X,
    y,
    *,
    sample_weight=None,
    validation_data=None,
    epochs,
    initial_epoch=0,
    batch_size=32,
    callbacks=(),
    verbose=0,
    kernel="auto",
    shuffle=None,
    steps_per_epoch=None,
    masked=None,
) -> dict:
    """Train a compiled Keras model; return its per-epoch history.

    The compiled training function of an earlier fit of the same configuration
    (same layers, loss, optimizer settings except the learning rate, batch size
    and kernel) is reused when ``callbacks`` holds only ``EarlyStopping``; the
    result is the same as without reuse. ``TRAINERS.maxsize = 0`` turns reuse off.

    Parameters
    ----------
    model : keras.Model
        A compiled model whose output is ``chain``'s.
    chain : Chain
        The handles of ``model``'s recurrent chain.
    X, y : ndarray
        Training inputs ``(n_samples, n_timesteps, n_features)`` and targets (float32).
    sample_weight : ndarray or None
        Per-sample loss weights.
    validation_data : tuple or None
        ``(X_val, y_val)`` or ``(X_val, y_val, w_val)``; adds ``"val_loss"``.
    epochs : int
        Number of epochs to run (from ``initial_epoch``).
    initial_epoch : int, default=0
        Index of the first epoch (for warm starts).
    batch_size : int, default=32
        Samples per gradient step.
    callbacks : sequence of keras.callbacks.Callback
        Driven at train and epoch boundaries (a callback with per-batch
        hooks sends the fit to ``keras.Model.fit``).
    verbose : int, default=0
        0 silent, otherwise one line per epoch.
    kernel : {"auto", "fused", "keras"}, default="auto"
        Which LSTM kernel trains; see :func:`~._kernels.select_kernel`.
    shuffle : numpy.random.RandomState or None, default=None
        The generator of each epoch's sample order (anything with ``permutation``; NumPy's global one when None).
    steps_per_epoch : int or None, default=None
        Gradient steps per epoch. None (or at least a full pass) is one pass
        over the shuffled samples; fewer takes the next ``steps_per_epoch``
        batches of a stream of shuffled passes (:func:`epoch_orders`), so every
        sample is seen once before any is seen twice.
    masked : bool or None, default=None
        Whether ``X`` has steps to mask (:func:`~._kernels.has_missing_steps`),
        when the caller knows it already; None reads it from ``X``.

    Returns
    -------
    dict of list of float
        ``"loss"`` and, with validation data, ``"val_loss"``; stops at the
        first non-finite loss, which is recorded.
    """
    kernel, _ = select_kernel(
        chain, batch_size=batch_size, callbacks=callbacks, requested=kernel,
        masked=has_missing_steps(X) if masked is None else masked,
    )
    with release_traced_gradients():
        if kernel == "fit":
            return _fit_with_keras(
                model, X, y, sample_weight, validation_data, epochs, initial_epoch, batch_size, callbacks, verbose,
                steps_per_epoch,
            )
        orders = epoch_orders(X.shape[0], batch_size, steps_per_epoch, np.random if shuffle is None else shuffle)
        with _trainer_for(model, chain, callbacks, kernel) as trainer:
            return _train_compiled(
                trainer, X, y, sample_weight, validation_data, epochs, initial_epoch, batch_size, callbacks, verbose,
                kernel, orders,
            )


def epoch_orders(n, batch_size, steps_per_epoch, shuffle):
    """Each epoch's sample order, endlessly: the positions of the samples its batches take, in turn.

    With ``steps_per_epoch`` None, or at least a full pass, every epoch is one
    ``shuffle.permutation(n)``. With fewer steps, an epoch is the next
    ``steps_per_epoch * batch_size`` positions of a stream of permutations, so
    training on a large panel can be budgeted in gradient steps while every
    sample is still seen once before any is seen twice.

    Examples
    --------
    >>> orders = epoch_orders(5, 2, 1, np.random.RandomState(0))
    >>> sorted(np.concatenate([next(orders) for _ in range(5)]).tolist()) == sorted(list(range(5)) * 2)
    True
    """
    size = None if steps_per_epoch is None else int(steps_per_epoch) * int(batch_size)
    if size is None or size >= n:
        while True:
            yield shuffle.permutation(n)
    pending = np.empty(0, dtype=np.int64)
    while True:
        while len(pending) < size:
            pending = np.concatenate([pending, shuffle.permutation(n)])
        yield pending[:size]
        pending = pending[size:]


def _inputs(kernel, X, chain, shared=None):
    """The training tensors for ``kernel``, their specs, and whether they hold missing steps.

    Stored rows are one tensor for the training and the validation samples:
    ``shared`` (the training inputs) lends its rows to the validation ones.
    """
    import tensorflow as tf

    masked = chain.mask is not None
    if isinstance(X, RowWindows):  # stored rows, the samples' ends and their series' first rows
        rows = shared[0] if shared is not None and len(shared) == 3 else tf.constant(X.rows)
        tensors = (rows, tf.constant(X.ends), tf.constant(X.firsts))
        specs = (tf.TensorSpec([None, X.rows.shape[1]], tf.float32), _spec(tensors[1], 0), _spec(tensors[2], 0))
        return tensors, specs, X.has_warm_up()
    if kernel == "fused":
        if masked:
            Xt, lengths = compact_missing(X)
            gaps = has_gaps(lengths, X)
        else:  # no masking layer: NaN reach the LSTM, as in Keras
            Xt = np.ascontiguousarray(np.asarray(X, dtype=np.float32).transpose(1, 0, 2))
            lengths = np.full(X.shape[0], X.shape[1], dtype=np.int32)
            gaps = False
        tensors = (tf.constant(Xt), tf.constant(lengths))
        # free time and sample axes: one trace serves every window length and fold size
        time_major = tf.TensorSpec([None, None, Xt.shape[2]], tf.float32)
        return tensors, (time_major, _spec(tensors[1], 0)), gaps
    tensors = (tf.constant(np.asarray(X, dtype=np.float32)),)
    return tensors, (_spec(tensors[0], 0),), bool(masked and np.isnan(X).any())


def _train_compiled(
    trainer, X, y, sample_weight, validation_data, epochs, initial_epoch, batch_size, callbacks, verbose, kernel,
    orders,
):
    import tensorflow as tf

    model, chain = trainer.model, trainer.chain
    n = X.shape[0]
    w = np.ones(n, dtype=np.float32) if sample_weight is None else np.asarray(sample_weight, dtype=np.float32)
    inputs, specs, gaps = _inputs(kernel, X, chain)
    y_t, w_t = tf.constant(y, dtype=tf.float32), tf.constant(w)
    perm_spec = tf.TensorSpec([None], tf.int32)
    signature = [specs, _spec(y_t, 0), _spec(w_t, 0), perm_spec]
    args = ()
    if validation_data is not None:
        Xv, yv = validation_data[0], validation_data[1]
        wv = validation_data[2] if len(validation_data) > 2 else np.ones(Xv.shape[0], dtype=np.float32)
        val_inputs, val_specs, val_gaps = _inputs(kernel, Xv, chain, shared=inputs)
        gaps = gaps or val_gaps
        yv_t, wv_t = tf.constant(yv, dtype=tf.float32), tf.constant(np.asarray(wv, dtype=np.float32))
        args = ((val_inputs, yv_t, wv_t),)
        signature.append((val_specs, _spec(yv_t, 0), _spec(wv_t, 0)))
    window = X.window if isinstance(X, RowWindows) else None
    run_epoch = trainer.epoch_function(kernel, batch_size, gaps, tuple(signature), window)
    first = next(orders)
    n_batches = -(-len(first) // int(batch_size))

    history = keras.callbacks.History()
    cb = keras.callbacks.CallbackList(
        list(callbacks) + [history],
        add_history=False,
        add_progbar=bool(verbose),
        model=model,
        verbose=2 if verbose else 0,
        epochs=initial_epoch + epochs,
        steps=n_batches,
    )
    model.stop_training = False
    cb.on_train_begin()
    for epoch in range(initial_epoch, initial_epoch + epochs):
        cb.on_epoch_begin(epoch)
        order = first if epoch == initial_epoch else next(orders)
        perm = tf.constant(order.astype(np.int32))
        loss, val_loss = run_epoch(inputs, y_t, w_t, perm, *args)
        logs = {"loss": float(loss)}
        if args:
            logs["val_loss"] = float(val_loss) if np.isfinite(logs["loss"]) else float("nan")
        cb.on_epoch_end(epoch, logs)
        if not np.isfinite(logs["loss"]) or model.stop_training:
            break
    cb.on_train_end()
    return history.history
