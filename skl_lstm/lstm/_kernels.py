"""The two LSTM kernels of training and inference, and when the fused one applies.

``"fused"``
    TensorFlow's fused ``BlockLSTM`` op (one op per layer and batch instead
    of a loop of small ops per time step), reading the variables of the
    network's own ``keras.layers.LSTM`` layers, so the trained weights live in
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

Both read a :class:`~._network.Chain`, the handles the network factory
returned; nothing here searches a graph.
"""

from __future__ import annotations

import keras
import numpy as np

#: The fused kernel's matmuls are slower than oneDNN's for large problems;
#: above these sizes the Keras kernel trains faster on complete windows
#: (docs/performance.md). With missing steps to mask, the Keras layer pays for
#: its mask at every step and the fused kernel stays faster up to
#: FUSED_MAX_UNITS (panel case: 2x at batch 256 x 32 units).
FUSED_MAX_UNITS = 64
FUSED_MAX_BATCH_UNITS = 4096

KERNELS = ("auto", "fused", "keras")

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


# --------------------------------------------------------------------------- choice
def _fused_obstacle(chain):
    """Why the fused kernel cannot reproduce this chain's computation, or None."""
    if keras.backend.backend() != "tensorflow":
        return f"the Keras backend is {keras.backend.backend()!r}, not 'tensorflow'"
    for i, layer in enumerate(chain.lstms):
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
            (layer.return_sequences != (i < len(chain.lstms) - 1), "an unexpected return_sequences"),
            (layer.activity_regularizer is not None, "an activity_regularizer"),
            (layer.compute_dtype != "float32" or layer.variable_dtype != "float32", "a non-float32 dtype policy"),
        ]
        for failed, what in checks:
            if failed:
                return f"LSTM layer {layer.name!r} has {what}"
    dense = chain.dense
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


def select_kernel(chain, *, batch_size, callbacks=(), requested="auto", masked=False):
    """Choose how training runs: ``("fused" | "keras" | "fit", reason)``.

    Parameters
    ----------
    chain : Chain
        The recurrent chain of the network to train.
    batch_size : int
        Samples per gradient step.
    callbacks : sequence of keras.callbacks.Callback, default=()
        Callbacks of the fit; one with per-batch hooks needs ``"fit"``.
    requested : {"auto", "fused", "keras"}, default="auto"
        ``"auto"`` picks the fused kernel where it applies and is faster;
        ``"fused"`` insists on it (raises if it cannot reproduce the model);
        ``"keras"`` always uses ``keras.layers.LSTM``.
    masked : bool, default=False
        Whether the training samples have missing steps to mask (see
        :func:`has_missing_steps`); the batch-size limit of the fused kernel
        then does not apply.

    Returns
    -------
    kernel : {"fused", "keras", "fit"}
        ``"fit"`` means ``keras.Model.fit`` (other backends, batch hooks).
    reason : str
        Why, in words (empty for the fused kernel).
    """
    if requested not in KERNELS:
        raise ValueError(f"training_kernel={requested!r} is not one of {list(KERNELS)}.")
    obstacle = _fused_obstacle(chain)
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
    units = max(layer.units for layer in chain.lstms)
    if units > FUSED_MAX_UNITS:
        return "keras", f"{units} units > {FUSED_MAX_UNITS}: the Keras kernel is faster"
    if units * batch_size > FUSED_MAX_BATCH_UNITS and not (masked and chain.mask is not None):
        return "keras", (
            f"batch_size * units = {batch_size * units} > {FUSED_MAX_BATCH_UNITS}: the Keras kernel is faster"
        )
    return "fused", ""


def has_missing_steps(X) -> bool:
    """Whether training samples ``X`` (windows, or :class:`~._windows.RowWindows`) have steps to mask."""
    if hasattr(X, "has_warm_up"):
        return bool(X.has_warm_up())
    return bool(np.isnan(X).any())


# --------------------------------------------------------------------------- data layout
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

    Examples
    --------
    >>> xt, lengths = compact_missing(np.array([[[np.nan], [1.0], [2.0]]]))
    >>> xt[:, 0, 0].tolist(), lengths.tolist()
    ([1.0, 2.0, 0.0], [2])
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


def has_gaps(lengths, X) -> bool:
    """Whether :func:`compact_missing` found a missing step (spares a second NaN scan of ``X``)."""
    return bool((lengths < X.shape[1]).any())


# --------------------------------------------------------------------------- fused kernel
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


def stack_state(h, lengths, layers, gaps, before_layer=None):
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


def fused_forward(chain, gaps):
    """Training forward pass on ``(time-major compacted X, lengths)`` through the fused kernel,
    reading the Keras layers' own variables."""
    import tensorflow as tf

    cells = [layer.cell for layer in chain.lstms]
    layers = [(cell.kernel, cell.recurrent_kernel, cell.bias) for cell in cells]
    dense = chain.dense

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
        return dense(stack_state(h, lengths, layers, gaps, input_dropout), training=training)

    return forward


# --------------------------------------------------------------------------- Keras kernel
def keras_forward(model, chain, bypass_mask):
    """Forward pass through the Keras layers; skips the masking layer when told
    (exact when the data hold no NaN: it would mask nothing)."""
    if bypass_mask and chain.mask is not None:
        layers = [*chain.lstms, chain.dense]

        def forward(inputs, training):
            h = inputs[0]
            for layer in layers:
                h = layer(h, training=training)
            return h

        return forward
    return lambda inputs, training: model(inputs[0], training=training)
