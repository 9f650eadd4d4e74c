"""Plain Keras model factory for LSTMRegressor (no scikit-learn here).

Keeping the network apart from the estimator lets each be tested alone: the
estimator does the scikit-learn plumbing, :func:`build_lstm` builds layers.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="skl_lstm")
class MaskMissingSteps(keras.layers.Layer):
    """Replace NaN by 0 and mask every time step that had a NaN.

    Recurrent layers skip masked steps (they carry their state over them), so
    the warm-up steps of :class:`~skl_lstm.WindowTransformer` are treated as
    absent history, never as real zeros. With ``mask=False`` the layer only
    fills (for branches, such as the linear skip, that read every step).
    """

    def __init__(self, mask=True, **kwargs):
        super().__init__(**kwargs)
        self.mask = bool(mask)
        self.supports_masking = True

    def call(self, inputs):
        return ops.where(ops.isnan(inputs), ops.zeros_like(inputs), inputs)

    def compute_mask(self, inputs, mask=None):
        if not self.mask:
            return None
        return ops.logical_not(ops.any(ops.isnan(inputs), axis=-1))

    def get_config(self):
        return {**super().get_config(), "mask": self.mask}

    def compute_output_shape(self, input_shape):
        return input_shape


def _as_units(units) -> tuple[int, ...]:
    return tuple(int(u) for u in units) if isinstance(units, Sequence) else (int(units),)


def build_lstm(
    n_timesteps: int,
    n_features: int,
    n_outputs: int,
    *,
    units=32,
    activation: str = "tanh",
    dropout: float = 0.0,
    recurrent_dropout: float = 0.0,
    l1: float = 0.0,
    l2: float = 0.0,
    mask_missing: bool = True,
    unroll: bool = False,
    linear_skip: bool = False,
) -> keras.Model:
    """Build an (uncompiled) stacked-LSTM regression network.

    Parameters
    ----------
    n_timesteps, n_features : int
        Input shape ``(n_timesteps, n_features)`` of one sample.
    n_outputs : int
        Width of the linear output layer (one unit per target / horizon).
    units : int or sequence of int, default=32
        Units of each LSTM layer; a sequence stacks layers, first to last.
    activation : str, default="tanh"
        Activation of the LSTM cell output.
    dropout, recurrent_dropout : float, default=0.0
        Dropout of the inputs / recurrent state of every LSTM layer.
    l1, l2 : float, default=0.0
        L1/L2 penalties on the LSTM kernels and the output weights.
    mask_missing : bool, default=True
        Put a :class:`MaskMissingSteps` layer first so NaN steps are skipped.
    unroll : bool, default=False
        Unroll the recurrence (faster for short sequences, more memory).
    linear_skip : bool, default=False
        Add ``Dense(n_outputs)`` of the flattened window (NaN read as 0) to
        the LSTM head's output: a linear autoregressive branch in parallel
        with the recurrence (LSTNet's highway). Its layer is named
        ``"linear_skip"``; the LSTM head is ``"forecast"``.

    Returns
    -------
    keras.Model
        Functional model mapping ``(batch, n_timesteps, n_features)`` to
        ``(batch, n_outputs)``.
    """
    regularizer = keras.regularizers.L1L2(l1=l1, l2=l2) if (l1 or l2) else None
    inputs = keras.Input(shape=(n_timesteps, n_features), name="window")
    x = MaskMissingSteps(name="mask_missing")(inputs) if mask_missing else inputs
    layer_units = _as_units(units)
    for i, n_units in enumerate(layer_units):
        x = keras.layers.LSTM(
            n_units,
            activation=activation,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            kernel_regularizer=regularizer,
            return_sequences=i < len(layer_units) - 1,
            unroll=unroll,
            name=f"lstm_{i}",
        )(x)
    outputs = keras.layers.Dense(n_outputs, kernel_regularizer=regularizer, name="forecast")(x)
    if linear_skip:
        steps = MaskMissingSteps(mask=False, name="skip_fill")(inputs)
        flat = keras.layers.Flatten(name="skip_flatten")(steps)
        # Fitted in closed form by LSTMRegressor, never by gradient steps.
        skip = keras.layers.Dense(n_outputs, trainable=False, name="linear_skip")(flat)
        outputs = keras.layers.Add(name="forecast_plus_skip")([outputs, skip])
    return keras.Model(inputs, outputs, name="skl_lstm")


def linear_skip_layers(model):
    """``(head, skip)``: the LSTM head (``"forecast"``) and the linear branch
    (``"linear_skip"``) of a network :func:`build_lstm` built with
    ``linear_skip=True``; None for any other network.

    The layers are checked to be wired as :func:`build_lstm` wires them, so
    a user's network that happens to reuse the names is not mistaken for one.
    """
    try:
        total, head, skip = (model.get_layer(n) for n in ("forecast_plus_skip", "forecast", "linear_skip"))
        flatten, fill = model.get_layer("skip_flatten"), model.get_layer("skip_fill")
    except ValueError:
        return None
    wired = (
        len(model.outputs) == 1
        and model.outputs[0] is total.output
        and total.input[0] is head.output
        and total.input[1] is skip.output
        and skip.input is flatten.output
        and flatten.input is fill.output
        and fill.input is model.inputs[0]
    )
    return (head, skip) if wired and skip.activation is keras.activations.linear and skip.use_bias else None
