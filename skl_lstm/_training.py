"""Training loop for LSTMRegressor.

On the TensorFlow backend, ``keras.Model.fit`` rebuilds a ``tf.data`` pipeline
and iterator every epoch; for the short series typical of forecasting this
per-epoch overhead, not arithmetic, dominates. :func:`train` runs each epoch
as one compiled ``tf.function`` that loops over the shuffled batches in the
graph (a ``tf.while_loop``) and evaluates the validation tail in the same
call, and drives the ordinary Keras callbacks (early stopping, history, user
callbacks) once per epoch. Loss (with regularisation), optimizer update and
per-epoch shuffling are the same as before.

Two kernels run the forward and backward pass of that loop:

``"fused"``
    TensorFlow's fused ``BlockLSTM`` op (one op per layer and batch instead
    of a loop of small ops per time step), reading the variables of the
    model's own ``keras.layers.LSTM`` layers, so the trained weights live in
    the Keras model as usual. Windows with missing (NaN) steps are compacted
    once per fit -- observed steps moved to the front in order, zeros after --
    and each window's state is read at its last observed step, which is
    exactly what Keras' masking computes (a masked step carries the state
    over, i.e. it is skipped).
``"keras"``
    ``keras.layers.LSTM`` itself. Used whenever the fused kernel does not
    apply (see :func:`select_kernel`) or is not faster (many units, large
    batches). When the data hold no NaN, the masking layer is bypassed (it
    would mask nothing, but costs a select per step).

On other backends, or when a callback needs per-batch hooks (which the
compiled loop does not call), it defers to ``keras.Model.fit``.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import threading

import keras
import numpy as np

#: The fused kernel's matmuls are slower than oneDNN's for large problems;
#: above these sizes the Keras kernel trains faster (docs/performance.md).
FUSED_MAX_UNITS = 64
FUSED_MAX_BATCH_UNITS = 4096

#: Callback hooks the compiled loop never calls; a callback that overrides one
#: is trained with ``keras.Model.fit``, which does.
_BATCH_HOOKS = (
    "on_batch_begin",
    "on_batch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_begin",
    "on_test_end",
    "on_test_batch_begin",
    "on_test_batch_end",
)

KERNELS = ("auto", "fused", "keras")


class _RetracingNoise(logging.Filter):
    """Drop TensorFlow's warning that many functions were traced.

    Every fit builds a new network, so a search traces one training and one
    predict function per fit by design; TensorFlow's heuristic reads that as
    an accidental loop and warns.
    """

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


logging.getLogger("tensorflow").addFilter(_RetracingNoise())


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
    import multiprocessing
    import os

    if not multiprocessing.current_process().name.startswith("LokyProcess"):
        return
    budget = os.environ.get("OMP_NUM_THREADS", "")
    if not budget.isdigit() or int(budget) < 1:
        return
    if keras.backend.backend() != "tensorflow":
        return
    import tensorflow as tf

    try:
        if "TF_NUM_INTRAOP_THREADS" not in os.environ:
            tf.config.threading.set_intra_op_parallelism_threads(int(budget))
        if "TF_NUM_INTEROP_THREADS" not in os.environ:
            tf.config.threading.set_inter_op_parallelism_threads(int(budget))
    except RuntimeError:  # TensorFlow already initialised its thread pools
        pass


share_cores_in_joblib_workers()


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


# --------------------------------------------------------------------------- kernel choice
def _chain(model):
    """``(mask_layer, lstm_layers, dense)`` when ``model`` is the plain chain
    ``Input -> [MaskMissingSteps] -> LSTM ... -> Dense`` that
    :func:`~skl_lstm._network.build_lstm` builds, else None."""
    from ._network import MaskMissingSteps

    layers = list(getattr(model, "layers", ()))
    if len(getattr(model, "inputs", ()) or ()) != 1 or len(getattr(model, "outputs", ()) or ()) != 1:
        return None
    if not layers or not isinstance(layers[0], keras.layers.InputLayer):
        return None
    body = layers[1:]
    mask = body.pop(0) if body and type(body[0]) is MaskMissingSteps else None
    if len(body) < 2 or type(body[-1]) is not keras.layers.Dense:
        return None
    lstms, dense = body[:-1], body[-1]
    if not all(type(layer) is keras.layers.LSTM for layer in lstms):
        return None
    previous = layers[0] if mask is None else mask
    try:
        for layer in [*lstms, dense]:
            source = layer.input
            if isinstance(source, (list, tuple)):  # (tensor, mask) after MaskMissingSteps
                source = source[0]
            if source is not previous.output:
                return None
            previous = layer
        if model.outputs[0] is not dense.output:
            return None
    except (AttributeError, ValueError):  # a layer used at several places has no single input
        return None
    return mask, lstms, dense


def _fused_obstacle(model, chain):
    """Why the fused kernel cannot reproduce this model's training, or None."""
    if keras.backend.backend() != "tensorflow":
        return f"the Keras backend is {keras.backend.backend()!r}, not 'tensorflow'"
    if chain is None:
        return "the network is not the plain [MaskMissingSteps ->] LSTM ... -> Dense chain"
    mask, lstms, dense = chain
    for i, layer in enumerate(lstms):
        cell = layer.cell
        checks = [
            (cell.activation is not keras.activations.tanh, "activation is not 'tanh'"),
            (cell.recurrent_activation is not keras.activations.sigmoid, "recurrent_activation is not 'sigmoid'"),
            (not cell.use_bias, "use_bias=False"),
            (cell.recurrent_dropout > 0, f"recurrent_dropout={cell.recurrent_dropout!r} > 0"),
            (not 0 <= cell.dropout < 1, f"dropout={cell.dropout!r}"),
            (layer.go_backwards, "go_backwards=True"),
            (layer.stateful, "stateful=True"),
            (layer.return_state, "return_state=True"),
            (layer.return_sequences != (i < len(lstms) - 1), "an unexpected return_sequences"),
            (layer.activity_regularizer is not None, "an activity_regularizer"),
            (layer.compute_dtype != "float32" or layer.variable_dtype != "float32", "a non-float32 dtype policy"),
        ]
        for failed, what in checks:
            if failed:
                return f"LSTM layer {layer.name!r} has {what}"
    if dense.activity_regularizer is not None:
        return f"layer {dense.name!r} has an activity_regularizer"
    if dense.compute_dtype != "float32":
        return f"layer {dense.name!r} has a non-float32 dtype policy"
    return None


def _needs_batch_hooks(callbacks):
    base = keras.callbacks.Callback
    for cb in callbacks:
        for hook in _BATCH_HOOKS:
            if getattr(type(cb), hook, None) is not getattr(base, hook):
                return f"callback {type(cb).__name__} overrides {hook}"
    return None


def select_kernel(model, *, batch_size, callbacks=(), requested="auto"):
    """Choose how :func:`train` runs: ``("fused" | "keras" | "fit", reason)``.

    Parameters
    ----------
    model : keras.Model
        The compiled network.
    batch_size : int
        Samples per gradient step.
    callbacks : sequence of keras.callbacks.Callback, default=()
        Callbacks of the fit; one with per-batch hooks needs ``"fit"``.
    requested : {"auto", "fused", "keras"}, default="auto"
        ``"auto"`` picks the fused kernel where it applies and is faster;
        ``"fused"`` insists on it (raises if it cannot reproduce the model);
        ``"keras"`` always uses ``keras.layers.LSTM``.

    Returns
    -------
    kernel : {"fused", "keras", "fit"}
        ``"fit"`` means ``keras.Model.fit`` (other backends, batch hooks).
    reason : str
        Why, in words (empty for the fused kernel).
    """
    if requested not in KERNELS:
        raise ValueError(f"training_kernel={requested!r} is not one of {list(KERNELS)}.")
    obstacle = _fused_obstacle(model, _chain(model))
    hooks = _needs_batch_hooks(callbacks)
    if requested == "fused":
        problem = obstacle or hooks
        if problem:
            raise ValueError(
                f"training_kernel='fused' cannot train this model: {problem}. Use training_kernel='auto' "
                "to fall back to the Keras LSTM automatically."
            )
        return "fused", ""
    if keras.backend.backend() != "tensorflow":
        return "fit", f"the Keras backend is {keras.backend.backend()!r}"
    if hooks:
        return "fit", hooks
    if requested == "keras":
        return "keras", "training_kernel='keras'"
    if obstacle:
        return "keras", obstacle
    units = max(layer.units for layer in _chain(model)[1])
    if units > FUSED_MAX_UNITS:
        return "keras", f"{units} units > {FUSED_MAX_UNITS}: the Keras kernel is faster"
    if units * batch_size > FUSED_MAX_BATCH_UNITS:
        return "keras", (
            f"batch_size * units = {batch_size * units} > {FUSED_MAX_BATCH_UNITS}: the Keras kernel is faster"
        )
    return "fused", ""


# --------------------------------------------------------------------------- data
def compact_missing(X):
    """Move each window's observed steps to the front, in order, zero-fill the rest.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        Windows; a step with a NaN in any feature is missing.

    Returns
    -------
    X_time_major : ndarray of shape (n_timesteps, n_samples, n_features), float32
        The compacted windows, time-major (the fused kernel's layout). No NaN
        remains (0 * NaN would poison gradients even in unused tail steps).
    lengths : ndarray of shape (n_samples,), int32
        Observed steps per window.
    """
    X = np.asarray(X, dtype=np.float32)
    observed = ~np.isnan(X).any(axis=-1)
    lengths = observed.sum(axis=1).astype(np.int32)
    if observed.all():
        return np.ascontiguousarray(X.transpose(1, 0, 2)), lengths
    order = np.argsort(~observed, axis=1, kind="stable")
    compact = np.take_along_axis(np.nan_to_num(X, nan=0.0), order[..., None], axis=1)
    compact[np.arange(X.shape[1])[None, :] >= lengths[:, None]] = 0.0
    return np.ascontiguousarray(compact.transpose(1, 0, 2)), lengths


def _fit_with_keras(model, X, y, sample_weight, validation_data, epochs, initial_epoch, batch_size, callbacks, verbose):
    hist = model.fit(
        X,
        y,
        sample_weight=sample_weight,
        validation_data=validation_data,
        batch_size=batch_size,
        epochs=initial_epoch + epochs,
        initial_epoch=initial_epoch,
        shuffle=True,
        verbose=verbose,
        callbacks=list(callbacks) + [keras.callbacks.TerminateOnNaN()],
    )
    return hist.history


# --------------------------------------------------------------------------- forward passes
def _ifco_to_icfo(m):
    """Keras' gate order (input, forget, cell, output) -> BlockLSTM's (i, c, f, o)."""
    import tensorflow as tf

    i, f, c, o = tf.split(m, 4, axis=-1)
    return tf.concat([i, c, f, o], axis=-1)


def _block_lstm(xt, kernel, recurrent_kernel, bias):
    """All hidden states ``(T, B, U)`` of an LSTM for time-major ``xt`` ``(T, B, F)``.

    Uses ``BlockLSTM`` (V1) on purpose: TensorFlow 2.21 registers the V1
    gradient kernel, with its (i, c, f, o) layout, for ``BlockLSTMV2`` too,
    which gives wrong gradients for V2. ``forget_bias=0``: Keras'
    ``unit_forget_bias`` is already in the bias variable.
    """
    import tensorflow as tf
    from tensorflow.python.ops import gen_rnn_ops

    units = recurrent_kernel.shape[0]
    zeros = tf.zeros(tf.stack([tf.shape(xt)[1], units]), xt.dtype)
    no_peephole = tf.zeros([units], xt.dtype)
    return gen_rnn_ops.block_lstm(
        seq_len_max=tf.cast(tf.shape(xt)[0], tf.int64),
        x=xt,
        cs_prev=zeros,
        h_prev=zeros,
        w=_ifco_to_icfo(tf.concat([kernel, recurrent_kernel], axis=0)),
        wci=no_peephole,
        wcf=no_peephole,
        wco=no_peephole,
        b=_ifco_to_icfo(bias),
        forget_bias=0.0,
        cell_clip=0.0,
        use_peephole=False,
    )[-1]


def _last_observed(h, lengths):
    """``h[lengths - 1]`` per sample from ``(T, B, U)`` states; zeros (Keras' h0) where nothing was observed."""
    import tensorflow as tf

    rows = tf.range(tf.shape(lengths)[0])
    last = tf.gather_nd(h, tf.stack([tf.maximum(lengths - 1, 0), rows], axis=1))
    return tf.where((lengths > 0)[:, None], last, tf.zeros_like(last))


def _stack_state(h, lengths, layers, gaps, before_layer=None):
    """The last (observed) hidden state of stacked LSTM layers on time-major ``h``.

    ``layers`` holds ``(kernel, recurrent_kernel, bias)`` per layer;
    ``before_layer(k, h)``, if given, transforms the input of layer ``k``
    (input dropout in training).
    """
    for k, weights in enumerate(layers):
        if before_layer is not None:
            h = before_layer(k, h)
        h = _block_lstm(h, *weights)
    return _last_observed(h, lengths) if gaps else h[-1]


def _fused_forward(chain, gaps):
    """Training forward pass on ``(time-major compacted X, lengths)`` through the fused kernel,
    reading the Keras layers' own variables."""
    import tensorflow as tf

    _, lstms, dense = chain
    cells = [layer.cell for layer in lstms]
    layers = [(cell.kernel, cell.recurrent_kernel, cell.bias) for cell in cells]

    def forward(inputs, training):
        def input_dropout(k, h):
            cell = cells[k]
            if training and cell.dropout > 0:
                # Keras draws one input-dropout mask per sequence (B, F), from
                # the cell's own seed generator, and applies it at every step.
                mask = keras.random.dropout(tf.ones(tf.shape(h)[1:]), rate=cell.dropout, seed=cell.seed_generator)
                return h * mask[None]
            if cell.dropout > 0:
                # Keras' RNN.call draws (and ignores) that mask in inference
                # too; drawing the seed keeps both kernels on one random stream.
                cell.seed_generator.next()
            return h

        h, lengths = inputs
        return dense(_stack_state(h, lengths, layers, gaps, input_dropout), training=training)

    return forward


def _keras_forward(model, chain, bypass_mask):
    """Forward pass through the Keras layers; skips the masking layer when told
    (exact when the data hold no NaN: it would mask nothing)."""
    if bypass_mask and chain is not None and chain[0] is not None:
        layers = [*chain[1], chain[2]]

        def forward(inputs, training):
            h = inputs[0]
            for layer in layers:
                h = layer(h, training=training)
            return h

        return forward
    return lambda inputs, training: model(inputs[0], training=training)


# --------------------------------------------------------------------------- compiled loop
def _spec(t, batch_axis):
    import tensorflow as tf

    shape = list(t.shape)
    shape[batch_axis] = None
    return tf.TensorSpec(shape, t.dtype)


def _compiled(model, kernel, batch_size, gaps, signature):
    """The compiled epoch function for this kernel and data layout, cached on the model.

    ``signature`` holds ``TensorSpec``s with a free sample axis (and, for the
    fused kernel, a free time axis), so folds, validation tails and windows of
    any size reuse one trace.
    """
    key = (kernel, int(batch_size), bool(gaps), repr(signature))
    cache = model.__dict__.setdefault("_skl_lstm_train_fns", {})
    if key in cache:
        return cache[key]
    import tensorflow as tf

    chain = _chain(model)
    if kernel == "fused":
        forward, axes = _fused_forward(chain, gaps), (1, 0)
    else:
        forward, axes = _keras_forward(model, chain, bypass_mask=not gaps), (0,)
    optimizer = model.optimizer
    variables = model.trainable_variables
    if not optimizer.built:  # create slot variables now, or tf.function traces twice
        optimizer.build(variables)

    def loss_of(inputs, y, w, training):
        y_pred = forward(inputs, training)
        return tf.cast(model.compute_loss(y=y, y_pred=y_pred, sample_weight=w, training=training), tf.float32)

    def run_epoch(inputs, y, w, perm, validation=None):
        n = tf.shape(perm)[0]
        n_batches = (n + batch_size - 1) // batch_size
        total = tf.constant(0.0, dtype=tf.float32)
        for i in tf.range(n_batches):
            idx = perm[i * batch_size : tf.minimum((i + 1) * batch_size, n)]
            batch = tuple(tf.gather(t, idx, axis=axis) for t, axis in zip(inputs, axes))
            with tf.GradientTape() as tape:
                loss = loss_of(batch, tf.gather(y, idx), tf.gather(w, idx), True)
            optimizer.apply(tape.gradient(loss, variables), variables)
            total += loss
        loss = total / tf.cast(n_batches, tf.float32)
        if validation is None:
            return loss, tf.constant(float("nan"))
        return loss, loss_of(*validation, False)

    cache[key] = tf.function(run_epoch, input_signature=signature)
    return cache[key]


def _inputs(kernel, X, chain):
    """The training tensors for ``kernel``, their specs, and whether they hold missing steps."""
    import tensorflow as tf

    masked = chain is not None and chain[0] is not None
    if kernel == "fused":
        if masked:
            Xt, lengths = compact_missing(X)
            gaps = _has_gaps(lengths, X)
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


def _has_gaps(lengths, X):
    """Whether :func:`compact_missing` found a missing step (spares a second NaN scan of ``X``)."""
    return bool((lengths < X.shape[1]).any())


# --------------------------------------------------------------------------- reuse across fits
#: Network configurations whose compiled training functions are kept.
TEMPLATE_SLOTS = 8
_templates: collections.OrderedDict = collections.OrderedDict()
_templates_lock = threading.Lock()
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
    layers = [(type(layer).__module__, type(layer).__name__, layer.get_config()) for layer in model.layers]
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


def _state(model):
    return list(model.variables) + list(model.optimizer.variables)


def _copy_state(source, target):
    for src, dst in zip(_state(source), _state(target)):
        dst.assign(src.value)


class _Template:
    """A private copy of a network whose compiled training functions serve every
    fit of the same configuration: a fit copies its model's weights, seed and
    optimizer state in, trains the copy, and copies the result back."""

    def __init__(self, model):
        clone = keras.models.clone_model(model)
        optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
        clone.compile(optimizer=optimizer, loss=model.loss)  # the same (stateless) loss object
        optimizer.build(clone.trainable_variables)
        self.model = clone
        self.lock = threading.Lock()
        self.layout = [(tuple(v.shape), str(v.dtype)) for v in _state(clone)]

    def fits(self, model):
        return self.layout == [(tuple(v.shape), str(v.dtype)) for v in _state(model)]


def _checkout(model, callbacks, kernel):
    """A template for ``model``, locked for this fit, or None."""
    key = _template_key(model, callbacks, kernel)
    if key is None or TEMPLATE_SLOTS <= 0:
        return None
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    with _templates_lock:
        template = _templates.get(key)
        if template is None:
            template = _templates[key] = _Template(model)
            while len(_templates) > TEMPLATE_SLOTS:
                _templates.popitem(last=False)
        else:
            _templates.move_to_end(key)
    if not template.lock.acquire(blocking=False):  # another thread is training with it
        return None
    if not template.fits(model):
        template.lock.release()
        return None
    return template


@contextlib.contextmanager
def _trainee(model, callbacks, kernel):
    """The network to train in place of ``model``: a checked-out template, whose
    state goes back to ``model`` when training succeeds, or ``model`` itself."""
    template = _checkout(model, callbacks, kernel)
    if template is None:
        yield model
        return
    try:
        _copy_state(model, template.model)
        yield template.model
        _copy_state(template.model, model)  # after on_train_end: best weights restored
    finally:
        template.lock.release()


def clear_compiled_cache():
    """Forget the compiled training functions kept for reuse across fits."""
    with _templates_lock:
        _templates.clear()


# --------------------------------------------------------------------------- training
def train(
    model,
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
) -> dict:
    """Train a compiled Keras model; return its per-epoch history.

    The compiled training function of an earlier fit of the same configuration
    (same layers, loss, optimizer settings except the learning rate, batch size
    and kernel) is reused when ``callbacks`` holds only ``EarlyStopping``; the
    result is the same as without reuse. ``TEMPLATE_SLOTS = 0`` turns reuse off.

    Parameters
    ----------
    model : keras.Model
        A compiled model.
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
        Which LSTM kernel trains; see :func:`select_kernel`.

    Returns
    -------
    dict of list of float
        ``"loss"`` and, with validation data, ``"val_loss"``; stops at the
        first non-finite loss, which is recorded.
    """
    kernel, _ = select_kernel(model, batch_size=batch_size, callbacks=callbacks, requested=kernel)
    with release_traced_gradients():
        if kernel == "fit":
            return _fit_with_keras(
                model, X, y, sample_weight, validation_data, epochs, initial_epoch, batch_size, callbacks, verbose
            )
        with _trainee(model, callbacks, kernel) as trainee:
            return _train_compiled(
                trainee, X, y, sample_weight, validation_data, epochs, initial_epoch, batch_size, callbacks, verbose,
                kernel,
            )


def _train_compiled(
    model, X, y, sample_weight, validation_data, epochs, initial_epoch, batch_size, callbacks, verbose, kernel
):
    import tensorflow as tf

    chain = _chain(model)
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
        val_inputs, val_specs, val_gaps = _inputs(kernel, Xv, chain)
        gaps = gaps or val_gaps
        yv_t, wv_t = tf.constant(yv, dtype=tf.float32), tf.constant(np.asarray(wv, dtype=np.float32))
        args = ((val_inputs, yv_t, wv_t),)
        signature.append((val_specs, _spec(yv_t, 0), _spec(wv_t, 0)))
    run_epoch = _compiled(model, kernel, batch_size, gaps, tuple(signature))
    n_batches = -(-n // int(batch_size))

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
        perm = tf.constant(np.random.permutation(n).astype(np.int32))
        loss, val_loss = run_epoch(inputs, y_t, w_t, perm, *args)
        logs = {"loss": float(loss)}
        if args:
            logs["val_loss"] = float(val_loss) if np.isfinite(logs["loss"]) else float("nan")
        cb.on_epoch_end(epoch, logs)
        if not np.isfinite(logs["loss"]) or model.stop_training:
            break
    cb.on_train_end()
    return history.history


# --------------------------------------------------------------------------- prediction
#: Network shapes whose compiled inference functions are kept (they take the
#: weights as arguments, so every model of one shape shares one trace).
INFERENCE_SLOTS = 16
_inference_fns: collections.OrderedDict = collections.OrderedDict()
_inference_lock = threading.Lock()


def _fused_inference(chain, n_features, gaps, skip=False):
    """The shared compiled fused forward pass for networks shaped like ``chain``.

    It takes the weights as (flat) arguments and windows of any length, so
    every model of one size uses one trace. With ``skip`` it also takes the
    flattened windows and, after the chain's weights, a linear skip's kernel
    and bias, and adds that branch to the output.
    """
    import tensorflow as tf

    _, lstms, dense = chain
    activation = keras.activations.serialize(dense.activation)
    units = tuple(layer.units for layer in lstms)
    key = (n_features, units, dense.units, dense.use_bias, str(activation), gaps, skip)
    with _inference_lock:
        fn = _inference_fns.get(key)
        if fn is not None:
            _inference_fns.move_to_end(key)
            return fn
    dense_activation = dense.activation
    n_layers = len(lstms)

    n_dense = 2 if dense.use_bias else 1

    def chain_output(xt, lengths, weights):
        layers = [weights[3 * k : 3 * k + 3] for k in range(n_layers)]
        out = tf.matmul(_stack_state(xt, lengths, layers, gaps), weights[3 * n_layers])
        if n_dense == 2:
            out = out + weights[3 * n_layers + 1]
        return dense_activation(out)

    specs = [tf.TensorSpec([None, None, n_features], tf.float32), tf.TensorSpec([None], tf.int32)]
    if skip:

        def run(xt, lengths, flat, *weights):
            kernel, bias = weights[-2:]
            return chain_output(xt, lengths, weights[:-2]) + tf.matmul(flat, kernel) + bias

        specs.append(tf.TensorSpec([None, None], tf.float32))
        skip_specs = [tf.TensorSpec([None, dense.units], tf.float32), tf.TensorSpec([dense.units], tf.float32)]
        weight_specs = [*_weights(chain), *skip_specs]
    else:

        def run(xt, lengths, *weights):
            return chain_output(xt, lengths, weights)

        weight_specs = _weights(chain)
    fn = tf.function(run).get_concrete_function(*specs, *weight_specs)
    with _inference_lock:
        _inference_fns[key] = fn
        while len(_inference_fns) > INFERENCE_SLOTS:
            _inference_fns.popitem(last=False)
    return fn


def _weights(chain):
    _, lstms, dense = chain
    weights = []
    for layer in lstms:
        weights += [layer.cell.kernel.value, layer.cell.recurrent_kernel.value, layer.cell.bias.value]
    weights += [dense.kernel.value, dense.bias.value] if dense.use_bias else [dense.kernel.value]
    return weights


def _keras_inference(model, chain, gaps):
    """A compiled Keras forward pass for ``model`` (masking bypassed when there is nothing to mask).

    Not cached here: :class:`_InferencePlan` keeps it, per model and ``gaps``.
    """
    import tensorflow as tf

    forward = _keras_forward(model, chain, bypass_mask=not gaps)
    spec = tf.TensorSpec([None, *model.inputs[0].shape[1:]], tf.float32)
    return tf.function(lambda x: forward((x,), False)).get_concrete_function(spec)


class _InferencePlan:
    """How :func:`predict` runs a given model; computed once per model.

    A network with a linear skip runs as its recurrent part on the fused
    kernel plus the skip's matrix product, in one shared compiled function,
    instead of tracing a Keras forward pass of its own.
    """

    def __init__(self, model):
        from ._network import linear_skip_layers

        self.model, self.skip = model, None
        branches = linear_skip_layers(model)
        if branches is not None:
            head, skip = branches
            part = keras.Model(model.inputs, head.output, name="skl_lstm_recurrent_inference")
            if self._fused_applies(part):  # else the whole network through Keras
                model, self.skip = part, skip
        self.chain = _chain(model)
        self.masked = self.chain is not None and self.chain[0] is not None
        self.fused = self._fused_applies(model)
        self.weights = _weights(self.chain) if self.fused else None
        if self.skip is not None:
            self.weights += [self.skip.kernel.value, self.skip.bias.value]
        self.functions = {}

    @staticmethod
    def _fused_applies(model):
        """The fused op where training would pick it for one-sample batches (a masked chain)."""
        chain = _chain(model)
        return chain is not None and chain[0] is not None and select_kernel(model, batch_size=1)[0] == "fused"

    def __call__(self, X):
        if self.fused:
            xt, lengths = compact_missing(X)
            gaps = _has_gaps(lengths, X)
        else:
            gaps = bool(self.masked and np.isnan(X).any())
        fn = self.functions.get(gaps)
        if fn is None:
            if self.fused:
                fn = _fused_inference(self.chain, X.shape[2], gaps, skip=self.skip is not None)
            else:
                fn = _keras_inference(self.model, self.chain, gaps)
            self.functions[gaps] = fn
        if self.skip is not None:  # the skip reads the window flattened, NaN as 0
            flat = np.nan_to_num(X.reshape(X.shape[0], -1), nan=0.0)
            return fn(xt, lengths, flat, *self.weights).numpy()
        if self.fused:
            return fn(xt, lengths, *self.weights).numpy()
        return fn(X).numpy()


def predict(model, X, chunk: int = 8192) -> np.ndarray:
    """Forward pass in inference mode, in chunks, through a cached compiled function.

    ``keras.Model.predict`` builds a data pipeline per call (tens of
    milliseconds for one row) and ``predict_on_batch`` retraces for every new
    model. Where the fused kernel applies (see :func:`select_kernel`; at most
    ``FUSED_MAX_UNITS`` units) this runs it on windows compacted as in
    training, through one compiled function per network shape that takes the
    weights as arguments; otherwise the Keras layers, skipping the masking
    layer when ``X`` holds no NaN. Either way the result equals
    ``model.predict`` to float32 rounding (about 1e-7).
    """
    X = np.asarray(X, dtype=np.float32)
    if keras.backend.backend() != "tensorflow":
        return np.concatenate([np.asarray(model.predict_on_batch(X[i : i + chunk])) for i in range(0, len(X), chunk)])
    plan = model.__dict__.get("_skl_lstm_inference")
    if plan is None:
        plan = model.__dict__["_skl_lstm_inference"] = _InferencePlan(model)
    if len(X) <= chunk:
        return plan(X)
    return np.concatenate([plan(X[i : i + chunk]) for i in range(0, len(X), chunk)])
