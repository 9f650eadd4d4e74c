"""Training loop for LSTMRegressor.

On the TensorFlow backend, ``keras.Model.fit`` rebuilds a ``tf.data`` pipeline
and iterator every epoch; for the short series typical of forecasting this
per-epoch overhead, not arithmetic, dominates (about 80 ms an epoch on a
2-core CPU against about 6 ms per gradient step). :func:`train` runs each
epoch as one compiled ``tf.function`` that loops over the shuffled batches in
the graph, and drives the ordinary Keras callbacks (early stopping, history,
user callbacks) once per epoch. The numerics are the same as ``fit``: same
loss (with regularisation), optimizer update and shuffling per epoch.

On other backends it defers to ``keras.Model.fit``.
"""

from __future__ import annotations

import logging

import keras
import numpy as np


class _RetracingNoise(logging.Filter):
    """Drop TensorFlow's warning that many functions were traced.

    Every fit builds a new network, so a search traces one training and one
    predict function per fit by design; TensorFlow's heuristic reads that as
    an accidental loop and warns.
    """

    def filter(self, record):
        return "triggered tf.function retracing" not in record.getMessage()


logging.getLogger("tensorflow").addFilter(_RetracingNoise())


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


def _tf_functions(model):
    """Compiled epoch and evaluation functions, cached on the model."""
    cached = getattr(model, "_skl_lstm_fns", None)
    if cached is not None:
        return cached
    import tensorflow as tf

    optimizer = model.optimizer
    variables = model.trainable_variables
    if not optimizer.built:  # create slot variables now, or tf.function traces twice
        optimizer.build(variables)

    def batch_loss(xb, yb, wb, training):
        y_pred = model(xb, training=training)
        return model.compute_loss(x=xb, y=yb, y_pred=y_pred, sample_weight=wb, training=training)

    @tf.function(reduce_retracing=True)
    def run_epoch(X, y, w, perm, batch_size):
        n = tf.shape(perm)[0]
        n_batches = (n + batch_size - 1) // batch_size
        total = tf.constant(0.0, dtype=tf.float32)
        for i in tf.range(n_batches):
            idx = perm[i * batch_size : tf.minimum((i + 1) * batch_size, n)]
            xb, yb, wb = tf.gather(X, idx), tf.gather(y, idx), tf.gather(w, idx)
            with tf.GradientTape() as tape:
                loss = batch_loss(xb, yb, wb, True)
            grads = tape.gradient(loss, variables)
            optimizer.apply(grads, variables)
            total += tf.cast(loss, tf.float32)
        return total / tf.cast(n_batches, tf.float32)

    @tf.function(reduce_retracing=True)
    def evaluate(X, y, w):
        return tf.cast(batch_loss(X, y, w, False), tf.float32)

    model._skl_lstm_fns = (run_epoch, evaluate)
    return model._skl_lstm_fns


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
) -> dict:
    """Train a compiled Keras model; return its per-epoch history.

    Parameters
    ----------
    model : keras.Model
        A compiled model.
    X, y : ndarray
        Training inputs and targets (float32).
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
        Driven at train and epoch boundaries (not per batch).
    verbose : int, default=0
        0 silent, otherwise one line per epoch.

    Returns
    -------
    dict of list of float
        ``"loss"`` and, with validation data, ``"val_loss"``; stops at the
        first non-finite loss, which is recorded.
    """
    if keras.backend.backend() != "tensorflow":
        return _fit_with_keras(
            model, X, y, sample_weight, validation_data, epochs, initial_epoch, batch_size, callbacks, verbose
        )
    import tensorflow as tf

    run_epoch, evaluate = _tf_functions(model)
    n = X.shape[0]
    w = np.ones(n, dtype=np.float32) if sample_weight is None else np.asarray(sample_weight, dtype=np.float32)
    X_t, y_t, w_t = tf.constant(X), tf.constant(y, dtype=tf.float32), tf.constant(w)
    if validation_data is not None:
        Xv, yv = validation_data[0], validation_data[1]
        wv = validation_data[2] if len(validation_data) > 2 else np.ones(Xv.shape[0], dtype=np.float32)
        val = (tf.constant(Xv), tf.constant(yv, dtype=tf.float32), tf.constant(np.asarray(wv, dtype=np.float32)))
    batch = tf.constant(int(batch_size), dtype=tf.int32)
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
        logs = {"loss": float(run_epoch(X_t, y_t, w_t, perm, batch))}
        if validation_data is not None:
            logs["val_loss"] = float(evaluate(*val)) if np.isfinite(logs["loss"]) else float("nan")
        cb.on_epoch_end(epoch, logs)
        if not np.isfinite(logs["loss"]) or model.stop_training:
            break
    cb.on_train_end()
    return history.history


def predict(model, X, chunk: int = 8192) -> np.ndarray:
    """Forward pass in inference mode, in chunks, through one cached compiled function.

    ``keras.Model.predict`` builds a data pipeline per call (tens of
    milliseconds for one row) and ``predict_on_batch`` retraces for every new
    model; this traces once per model and accepts any batch size.
    """
    if keras.backend.backend() != "tensorflow":
        return np.concatenate([np.asarray(model.predict_on_batch(X[i : i + chunk])) for i in range(0, len(X), chunk)])
    fn = getattr(model, "_skl_lstm_predict", None)
    if fn is None:
        import tensorflow as tf

        fn = tf.function(lambda x: model(x, training=False), reduce_retracing=True)
        model._skl_lstm_predict = fn
    return np.concatenate([fn(X[i : i + chunk]).numpy() for i in range(0, len(X), chunk)])
