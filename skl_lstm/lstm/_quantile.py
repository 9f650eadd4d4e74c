"""Quantile training: the pinball loss, the trained levels, and their conformal adjustment.

With ``quantiles`` set, :class:`~skl_lstm.LSTMRegressor`'s head outputs one
value per (quantile, output), laid out quantile-major
(``(n_quantiles, n_outputs)`` flattened), and trains on the mean pinball loss
(Koenker & Bassett 1978) over them. Keras 3 ships no pinball loss, hence
:class:`PinballLoss`. Quantiles never cross: each row's values are sorted
along the quantile axis at prediction (monotone rearrangement, Chernozhukov,
Fernandez-Val & Galichon 2010, which never increases the pinball loss).

On the validation tail the fit held out, the scores ``y - q_tau(x)`` of each
trained level calibrate it (asymmetric conformalized quantile regression,
Romano, Patterson & Candes 2019, Theorem 2): an upper level ``tau`` moves by
the conformal quantile at ``tau`` of the scores, so that
``P(y <= q) >= tau``; a lower level by that of ``q - y`` at ``1 - tau``, so
that ``P(y >= q) >= 1 - tau``; 0.5, the point forecast, does not move. An
interval from a pair ``((1 - c) / 2, (1 + c) / 2)`` then misses at most
``1 - c`` of the observations.
"""

from __future__ import annotations

import math
import warnings

import keras
import numpy as np
from keras import ops

from ..exceptions import FewCalibrationResidualsWarning
from ..utils._conformal import check_quantiles, conformal_quantile, needed_residuals
from ..utils._warnings import user_stacklevel


@keras.saving.register_keras_serializable(package="skl_lstm")
class PinballLoss(keras.losses.Loss):
    """Mean pinball loss of quantile-major predictions ``(batch, n_quantiles * n_outputs)`` of ``(batch, n_outputs)``.

    Parameters
    ----------
    quantiles : sequence of float
        The levels, in the order of the prediction's quantile axis.

    Examples
    --------
    >>> loss = PinballLoss((0.1, 0.9))
    >>> # y = 2: the 0.1 quantile at 1 loses 0.1 * 1, the 0.9 quantile at 4 loses 0.1 * 2
    >>> round(float(loss(np.array([[2.0]]), np.array([[1.0, 4.0]]))), 6)
    0.15
    """

    def __init__(self, quantiles=(0.5,), name="pinball", reduction="sum_over_batch_size", dtype=None):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.quantiles = tuple(float(q) for q in quantiles)

    def call(self, y_true, y_pred):
        levels = ops.convert_to_tensor(np.asarray(self.quantiles)[:, None], dtype=y_pred.dtype)
        y_true = ops.cast(y_true, y_pred.dtype)
        y_pred = ops.reshape(y_pred, (-1, len(self.quantiles), y_true.shape[-1]))
        error = ops.expand_dims(y_true, 1) - y_pred
        return ops.mean(ops.maximum(levels * error, (levels - 1) * error), axis=(1, 2))

    def get_config(self):
        return {**super().get_config(), "quantiles": list(self.quantiles)}


def trained_levels(quantiles):
    """The levels a ``quantiles`` parameter trains: sorted, distinct, with 0.5 (None for None).

    Examples
    --------
    >>> trained_levels((0.95, 0.05)).tolist(), trained_levels(None)
    ([0.05, 0.5, 0.95], None)
    """
    if quantiles is None:
        return None
    levels = check_quantiles(quantiles, "LSTMRegressor")
    return np.unique(np.append(levels, 0.5))


def positions(trained, levels):
    """The position of each of ``levels`` among the ``trained`` ones, or None if one was not trained."""
    if trained is None:
        return None
    found = np.abs(np.asarray(trained)[None, :] - np.asarray(levels)[:, None]) < 1e-9
    return np.argmax(found, axis=1) if found.any(axis=1).all() else None


def rearranged(values, n_quantiles, n_outputs):
    """The network's output ``(n, n_quantiles * n_outputs)`` as ``(n, n_quantiles, n_outputs)``, sorted per row."""
    return np.sort(values.reshape(len(values), n_quantiles, n_outputs), axis=1)


def adjustments(scores, levels, *, owner, asked, source):
    """How far each trained level moves, per output: shape (n_levels, n_outputs).

    ``scores`` is ``(n_calibration, n_levels, n_outputs)``: ``y - q_tau(x)``
    on the calibration rows. A level with too few scores for its conformal
    quantile stays as the network gives it, with a
    :class:`~skl_lstm.exceptions.FewCalibrationResidualsWarning`.
    """
    moves = np.zeros((len(levels), scores.shape[2]))
    short = []
    for i, tau in enumerate(levels):
        for j in range(scores.shape[2]):
            s = scores[:, i, j][np.isfinite(scores[:, i, j])]
            if tau > 0.5:
                moves[i, j] = conformal_quantile(s, tau)
            elif tau < 0.5:
                moves[i, j] = -conformal_quantile(-s, 1 - tau)
            if not math.isfinite(moves[i, j]):
                moves[i, j] = 0.0
                short.append((tau, len(s)))
    if short:
        need = needed_residuals(max(max(tau, 1 - tau) for tau, _ in short))
        warnings.warn(
            f"{owner}: {asked} needs {need} calibration rows to conformalise the trained quantiles, but there are "
            f"{short[0][1]} ({source}); the network's own quantiles are returned for "
            f"{sorted({float(tau) for tau, _ in short})}, without the conformal guarantee. Fit with a larger "
            f"validation_fraction or call calibrate(X_cal, y_cal) with at least {need} rows the model was not "
            "fitted on.",
            FewCalibrationResidualsWarning,
            stacklevel=user_stacklevel(),
        )
    return moves


__all__ = ["PinballLoss", "adjustments", "positions", "rearranged", "trained_levels"]
