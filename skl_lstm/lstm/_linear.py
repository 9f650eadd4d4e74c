"""The linear skip branch: its closed-form start, and whether training beat it.

With ``linear_skip=True`` the network starts as the best linear model of its
windows (a ridge fit of the flattened windows, in the frozen ``linear_skip``
layer) with the LSTM head silenced, so the recurrent part learns only what
the linear model misses; when no epoch beats that start on the validation
tail, the start is kept.
"""

from __future__ import annotations

import numpy as np

from ..utils._ridge import window_ridge
from ._windows import CHUNK, RowWindows

#: Windows the ridge start is fitted on at most (evenly spaced over the samples): a
#: bound on the memory of materialised windows for stored rows.
MAX_LINEAR_SAMPLES = 200_000


def flat_windows(X):
    """The windows as the linear branch reads them (``skip_fill`` then ``skip_flatten``)."""
    return np.nan_to_num(X.reshape(X.shape[0], -1), nan=0.0)


def _flat(X, select=slice(None)):
    """Flat windows of the samples ``select`` of windows or :class:`~._windows.RowWindows`."""
    return flat_windows(X.dense(select) if isinstance(X, RowWindows) else X[select])


def linear_output(network, X):
    """The linear branch's output on every window, a bounded chunk at a time."""
    return np.concatenate(
        [_chunk_output(network, X, i) for i in range(0, len(X), CHUNK)]
    ) if len(X) else np.zeros((0, network.skip.units), dtype=np.float32)


def _chunk_output(network, X, start):
    """The linear branch's output on the windows ``start:start + CHUNK`` (the chunks of :func:`linear_output`)."""
    return np.asarray(network.skip(_flat(X, slice(start, start + CHUNK))))


def training_targets(y, rows=None, network=None, X=None, n_outputs=None):
    """The float32 targets the network trains on, built :data:`~._windows.CHUNK` samples at a time.

    Sample ``i``'s target is ``y[rows[i]]`` (``y[i]`` with ``rows`` None).
    With ``network`` (one with a linear branch), the branch's output on the
    windows ``X`` (its first ``n_outputs`` columns) is taken off first, in
    ``y``'s precision, so the values are those of ``(y[rows] -
    linear_output(network, X)).astype(np.float32)``; the float32 result is
    the only target-sized array made (no copy of the targets in training
    order, no residuals in ``y``'s precision).
    """
    if network is None and rows is None:
        return y.astype(np.float32, copy=False)
    n = len(y) if rows is None else len(rows)
    out = np.empty((n,) + y.shape[1:], dtype=np.float32)
    for i in range(0, n, CHUNK):
        part = y[i : i + CHUNK] if rows is None else y[rows[i : i + CHUNK]]
        if network is not None:
            linear = _chunk_output(network, X, i)[:, :n_outputs].reshape(part.shape)
            part = part - linear.astype(part.dtype, copy=False)
        out[i : i + CHUNK] = part  # the cast of astype(np.float32)
    return out


def fit_linear_start(network, X, y, sample_weight, y_rows=None, silence=True):
    """Set the linear branch to the ridge fit of the windows (:func:`ridge_start`) and the LSTM head to zero.

    ``silence=False`` leaves the LSTM head as it is.
    """
    set_linear_start(network, ridge_start(X, y, sample_weight, y_rows), silence=silence)


def ridge_start(X, y, sample_weight, y_rows=None):
    """The ridge fit of the windows: the linear branch's ``(kernel, bias)``, one column per output.

    Stored rows (:class:`~._windows.RowWindows`) with more than
    :data:`MAX_LINEAR_SAMPLES` windows are fitted on that many, evenly spaced.
    ``y_rows`` is the position in ``y`` of each window's target (None: ``y``
    is aligned with ``X``); only the targets fitted on are copied out of it.
    """
    select = slice(None)
    if isinstance(X, RowWindows) and len(X) > MAX_LINEAR_SAMPLES:
        select = np.linspace(0, len(X) - 1, MAX_LINEAR_SAMPLES).astype(int)
        y = y[select] if y_rows is None else y
        sample_weight = None if sample_weight is None else sample_weight[select]
    if y_rows is not None:
        y = y[y_rows[select]]
    flat = _flat(X, select)
    target = y.reshape(y.shape[0], -1)
    ridge = window_ridge().fit(flat, target, sample_weight=sample_weight)
    kernel = np.asarray(ridge.coef_, dtype="float32").reshape(target.shape[1], -1).T
    return kernel, np.asarray(ridge.intercept_, dtype="float32").reshape(-1)


def set_linear_start(network, start, silence=True):
    """Put a :func:`ridge_start` in the linear branch (every quantile of a quantile network starts at it);
    with ``silence``, zero the LSTM head too, so the network outputs the linear branch alone."""
    kernel, bias = start
    skip = network.skip
    copies = skip.units // kernel.shape[1]
    skip.kernel.assign(np.tile(kernel, (1, copies)))
    skip.bias.assign(np.tile(bias, copies))
    if silence:
        silence_head(network)


def silence_head(network):
    """Zero the LSTM head: the network then outputs its linear branch alone."""
    head = network.chain.dense
    head.kernel.assign(np.zeros(head.kernel.shape, dtype="float32"))
    head.bias.assign(np.zeros(head.bias.shape, dtype="float32"))


def linear_start_is_better(part, validation_data, val_losses) -> bool:
    """Whether the linear branch alone beats the trained LSTM part on the validation tail.

    ``part`` predicts the linear fit's residuals, so the linear start is the
    prediction 0. The trained part's loss is the best of ``val_losses`` (the
    weights early stopping restored), less the weight penalties that Keras
    adds to it, so both sides are the plain loss of predictions. (A stricter
    rule, keeping the trained part only when it beats the start by more than
    one standard error of their paired per-sample losses, was measured: no
    better on the generalise benchmark's dev sample, and 10 % worse on the
    accuracy benchmark's co2; see ``docs/recipe.md``.)
    """
    import keras

    X_val, y_val, *weights = validation_data
    weight = weights[0] if weights else None
    y_val = y_val.reshape(len(y_val), -1)  # one loss value per sample, as sample_weight expects
    zeros = np.zeros((len(y_val), part.outputs[0].shape[-1]), dtype=y_val.dtype)  # wider for a quantile network
    start = float(part.loss(y_val, zeros, sample_weight=weight))
    penalty = float(sum(keras.ops.convert_to_numpy(term) for term in part.losses))
    return start <= float(np.min(val_losses)) - penalty
