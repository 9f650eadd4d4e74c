"""Prediction: a forward pass in inference mode through a compiled function.

``keras.Model.predict`` builds a data pipeline per call (tens of milliseconds
for one row) and ``predict_on_batch`` retraces for every new model. Here a
fitted estimator holds one :class:`InferencePlan` for its network. Where the
fused kernel applies, the plan runs one compiled function per network *shape*
that takes the weights as arguments (:data:`FUNCTIONS`, shared by every model
of that shape); otherwise a compiled Keras forward pass of its own.
"""

from __future__ import annotations

import keras
import numpy as np

from ._cache import LRUCache
from ._kernels import compact_missing, has_gaps, keras_forward, select_kernel, stack_state
from ._windows import RowWindows

#: Network shapes whose compiled inference functions are kept (they take the
#: weights as arguments, so every model of one shape shares one trace).
INFERENCE_SLOTS = 16
FUNCTIONS = LRUCache(INFERENCE_SLOTS)

#: A forecast must not depend on which rows share its batch (a series forecast
#: alone, in a Dask partition or in the whole panel gives the same bits), but
#: TensorFlow's CPU kernels are exact per row only within limits, so every call
#: of the compiled forward pass is shaped to stay inside them:
#:
#: * a call's rows are padded to a multiple of ``ROW_MULTIPLE``: ``sigmoid``
#:   and ``exp`` run in SIMD packets of up to 16 float32, but elements at the
#:   end of a tensor that do not fill a packet take a scalar formula that
#:   rounds differently, and calls of a few rows take other matrix kernels
#:   (one row alone differs from the same row among 16, even for 32 units).
#:   With a multiple of 16 rows every activation ``(rows, k)`` fills whole
#:   packets. It costs a one-row predict about 0.2 ms;
#: * a call holds at most ``CALL_ROWS`` rows: above about 1 500 rows the LSTM
#:   kernel splits a batch into blocks whose edge rows round differently
#:   (measured on M4 Weekly windows: calls of 2 048 rows changed 3-6 rows of
#:   7 114 against 16-row calls; calls of 16 to 1 024 rows, at any offset,
#:   none).
#:
#: ``tests/lstm/test_inference.py`` checks both.
ROW_MULTIPLE = 16
CALL_ROWS = 1024


def _weights(chain):
    weights = []
    for layer in chain.lstms:
        weights += [layer.cell.kernel.value, layer.cell.recurrent_kernel.value, layer.cell.bias.value]
    dense = chain.dense
    weights += [dense.kernel.value, dense.bias.value] if dense.use_bias else [dense.kernel.value]
    return weights


def _fused_inference(chain, n_features, gaps, skip=False):
    """The shared compiled fused forward pass for networks shaped like ``chain``.

    It takes the weights as (flat) arguments and windows of any length, so
    every model of one size uses one trace. With ``skip`` it also takes the
    flattened windows and, after the chain's weights, a linear skip's kernel
    and bias, and adds that branch to the output.
    """
    dense = chain.dense
    units = tuple(layer.units for layer in chain.lstms)
    activation = str(keras.activations.serialize(dense.activation))
    key = (n_features, units, dense.units, dense.use_bias, activation, gaps, skip)
    return FUNCTIONS.get_or_create(key, lambda: _trace_fused(chain, n_features, gaps, skip))


def _trace_fused(chain, n_features, gaps, skip):
    import tensorflow as tf

    dense = chain.dense
    dense_activation, n_layers = dense.activation, len(chain.lstms)
    with_bias = dense.use_bias

    def chain_output(xt, lengths, weights):
        layers = [weights[3 * k : 3 * k + 3] for k in range(n_layers)]
        out = tf.matmul(stack_state(xt, lengths, layers, gaps), weights[3 * n_layers])
        if with_bias:
            out = out + weights[3 * n_layers + 1]
        return dense_activation(out)

    specs = [tf.TensorSpec([None, None, n_features], tf.float32), tf.TensorSpec([None], tf.int32)]
    # the weights are passed as variables (VariableSpec): no read and cast per call
    weight_specs = _weights(chain)
    if skip:

        def run(xt, lengths, flat, *weights):
            kernel, bias = weights[-2:]
            return chain_output(xt, lengths, weights[:-2]) + tf.matmul(flat, kernel) + bias

        specs.append(tf.TensorSpec([None, None], tf.float32))
        weight_specs += [tf.TensorSpec([None, dense.units], tf.float32), tf.TensorSpec([dense.units], tf.float32)]
    else:

        def run(xt, lengths, *weights):
            return chain_output(xt, lengths, weights)

    return tf.function(run).get_concrete_function(*specs, *weight_specs)


class InferencePlan:
    """How a fitted network predicts; built once per network and owned by its estimator.

    A network with a linear skip runs as its recurrent part on the fused
    kernel plus the skip's matrix product, in one shared compiled function,
    instead of tracing a Keras forward pass of its own.

    Parameters
    ----------
    network : Network
        The handles of the fitted network.
    """

    def __init__(self, network):
        self.network = network
        chain = network.chain
        self.masked = chain.mask is not None
        # The fused op where training would pick it for one-sample batches (a masked chain).
        self.fused = self.masked and select_kernel(chain, batch_size=1)[0] == "fused"
        self.skip = network.skip if self.fused else None
        self.weights = None
        if self.fused:
            self.weights = _weights(chain)
            if self.skip is not None:
                self.weights += [self.skip.kernel.value, self.skip.bias.value]
        self.functions = {}

    def _keras_function(self, gaps):
        """A compiled Keras forward pass (masking bypassed when there is nothing to mask)."""
        import tensorflow as tf

        network = self.network
        if network.skip is None:
            forward = keras_forward(network.model, network.chain, bypass_mask=not gaps)
        else:  # two branches: the whole network
            forward = keras_forward(network.model, network.chain, bypass_mask=False)
        spec = tf.TensorSpec([None, *network.model.inputs[0].shape[1:]], tf.float32)
        return tf.function(lambda x: forward((x,), False)).get_concrete_function(spec)

    def __call__(self, X):
        n = len(X)
        pad = -n % ROW_MULTIPLE
        if pad:  # copies of the last row: the same kernel path as the real rows, dropped after
            return self(np.concatenate([X, np.repeat(X[-1:], pad, axis=0)]))[:n]
        if self.fused:
            xt, lengths = compact_missing(X)
            gaps = has_gaps(lengths, X)
        else:
            gaps = bool(self.masked and np.isnan(X).any())
        fn = self.functions.get(gaps)
        if fn is None:
            if self.fused:
                fn = _fused_inference(self.network.chain, X.shape[2], gaps, skip=self.skip is not None)
            else:
                fn = self._keras_function(gaps)
            self.functions[gaps] = fn
        if not self.fused:
            return fn(X).numpy()
        if self.skip is not None:  # the skip reads the window flattened, NaN as 0
            flat = np.nan_to_num(X.reshape(X.shape[0], -1), nan=0.0)
            return fn(xt, lengths, flat, *self.weights).numpy()
        return fn(xt, lengths, *self.weights).numpy()


def predict(plan, X, chunk: int = CALL_ROWS, dtype=np.float32) -> np.ndarray:
    """Forward pass of ``plan``'s network on 3-D windows ``X``, in chunks of ``chunk`` rows, as ``dtype``.

    Equals ``model.predict`` to float32 rounding (about 1e-7); each row's
    output is the same whatever rows share its call (see :data:`CALL_ROWS`).
    Each chunk's output is written into one array of ``dtype`` (float64 for
    an estimator's predictions: exactly the float32 values), so a large
    prediction holds no list of chunks and no second full-size copy.
    """
    if isinstance(X, RowWindows):  # stored rows: materialise a chunk of windows at a time
        pieces = X.chunks(chunk)
    else:
        X = np.asarray(X, dtype=np.float32)
        pieces = ((slice(i, i + chunk), X[i : i + chunk]) for i in range(0, len(X), chunk))
    if keras.backend.backend() != "tensorflow":
        model = plan.network.model

        def forward(windows):
            return np.asarray(model.predict_on_batch(windows))
    else:
        forward = plan
    out = None
    for select, windows in pieces:
        part = forward(windows)
        if out is None:
            out = np.empty((len(X), *part.shape[1:]), dtype=dtype)
        out[select] = part
    if out is None:  # no rows: the output's shape from one padded call
        dense = X.dense(slice(0, 0)) if isinstance(X, RowWindows) else X
        out = np.asarray(forward(dense), dtype=dtype)
    return out
