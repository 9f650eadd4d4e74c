"""The network factory: plain Keras layers for LSTMRegressor (no scikit-learn here).

:func:`build_network` builds the network and returns a :class:`Network`, the
handles of the layers it built, so the training loop, inference and the
linear-skip start read the parts they need instead of searching the graph.
A network read back from a file gets the same handles from
:meth:`Network.of`, which looks the layers up by the names the factory gave
them.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

import keras
from keras import ops

from ._quantile import PinballLoss

#: Names the factory gives its layers (the saved format relies on them).
MASK, HEAD, SKIP_FILL, SKIP_FLATTEN, SKIP, TOTAL = (
    "mask_missing",
    "forecast",
    "skip_fill",
    "skip_flatten",
    "linear_skip",
    "forecast_plus_skip",
)


@keras.saving.register_keras_serializable(package="skl_lstm")
class MaskMissingSteps(keras.layers.Layer):
    """Replace NaN by 0 and mask every time step that had a NaN.

    Recurrent layers skip masked steps (they carry their state over them), so
    the warm-up steps of :class:`~skl_lstm.WindowTransformer` are treated as
    absent history, never as real zeros. With ``mask=False`` the layer only
    fills (for branches, such as the linear skip, that read every step).

    Parameters
    ----------
    mask : bool, default=True
        Mask the time steps that had a NaN (False: only replace NaN by 0).
    **kwargs : dict
        Passed to ``keras.layers.Layer`` (``name``, ``dtype``, ...).
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


#: Custom objects a saved network needs to load (safe mode); a quantile network is compiled with the pinball loss.
CUSTOM_OBJECTS = {"skl_lstm>MaskMissingSteps": MaskMissingSteps, "skl_lstm>PinballLoss": PinballLoss}


@dataclass(frozen=True)
class Chain:
    """The recurrent chain ``[mask ->] LSTM ... -> Dense``: what the LSTM kernels compute."""

    mask: MaskMissingSteps | None
    lstms: tuple
    dense: keras.layers.Dense


@dataclass(frozen=True)
class Network:
    """Handles of a network built by :func:`build_network`.

    Parameters
    ----------
    model : keras.Model
        The whole network: what predicts, is trained and is saved.
    chain : Chain
        Its recurrent chain, ending in the LSTM head (``"forecast"``).
    skip : keras.layers.Dense or None
        The linear branch (``"linear_skip"``) of a ``linear_skip=True`` network.
    recurrent : keras.Model
        The network without its linear branch (sharing its layers); ``model``
        itself when there is no linear branch.
    """

    model: keras.Model
    chain: Chain
    skip: keras.layers.Dense | None
    recurrent: keras.Model

    @classmethod
    def of(cls, model: keras.Model) -> Network:
        """The handles of ``model``, a network :func:`build_network` built (or a clone or loaded copy).

        Parameters
        ----------
        model : keras.Model
            The network; its layers are found by the names ``build_network`` gives them.

        Returns
        -------
        Network
        """
        names = {layer.name for layer in model.layers}
        lstms = []
        while f"lstm_{len(lstms)}" in names:
            lstms.append(model.get_layer(f"lstm_{len(lstms)}"))
        mask = model.get_layer(MASK) if MASK in names else None
        chain = Chain(mask, tuple(lstms), model.get_layer(HEAD))
        if SKIP not in names:
            return cls(model, chain, None, model)
        recurrent = keras.Model(model.inputs, chain.dense.output, name="skl_lstm_recurrent_part")
        return cls(model, chain, model.get_layer(SKIP), recurrent)


class _Seeds:
    """The seeds of one network, from a generator of its own (Keras' defaults when ``seed`` is None)."""

    def __init__(self, seed):
        self._random = None if seed is None else random.Random(seed)

    def next(self):
        # the draw of keras.random.make_default_seed, on this generator
        return None if self._random is None else self._random.randint(1, int(1e9))

    def initializer(self, name):
        seed = self.next()
        default = {"GlorotUniform": "glorot_uniform", "Orthogonal": "orthogonal"}[name]
        return default if seed is None else getattr(keras.initializers, name)(seed=seed)


def _as_units(units) -> tuple[int, ...]:
    return tuple(int(u) for u in units) if isinstance(units, Sequence) else (int(units),)


def build_network(
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
    seed: int | None = None,
) -> Network:
    """Build an (uncompiled) stacked-LSTM regression network and return its handles.

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
        with the recurrence (LSTNet's highway). It is not trainable by
        gradient steps: :class:`~skl_lstm.LSTMRegressor` sets it in closed form.
    seed : int or None, default=None
        Seed of every initializer and of the LSTM cells' dropout: the
        network's randomness then comes from a generator of its own, never
        from Python's global ``random`` (which another thread, such as a Dask
        worker's event loop, may draw from meanwhile). The seeds are drawn in
        the order Keras draws its defaults after ``random.seed(seed)``, so a
        seed gives the weights that seeding Python's generator gave before.
        None leaves Keras' defaults.

    Returns
    -------
    Network
        The model mapping ``(batch, n_timesteps, n_features)`` to
        ``(batch, n_outputs)`` and the handles of its layers.

    Examples
    --------
    >>> net = build_network(12, 3, 2, units=(8, 4), linear_skip=True)
    >>> [layer.units for layer in net.chain.lstms], net.skip.units, net.model.output_shape
    ([8, 4], 2, (None, 2))
    """
    regularizer = keras.regularizers.L1L2(l1=l1, l2=l2) if (l1 or l2) else None
    seeds = _Seeds(seed)
    inputs = keras.Input(shape=(n_timesteps, n_features), name="window")
    mask = MaskMissingSteps(name=MASK) if mask_missing else None
    x = mask(inputs) if mask is not None else inputs
    layer_units = _as_units(units)
    lstms = []
    for i, n_units in enumerate(layer_units):
        lstms.append(
            keras.layers.LSTM(
                n_units,
                activation=activation,
                dropout=dropout,
                recurrent_dropout=recurrent_dropout,
                kernel_regularizer=regularizer,
                return_sequences=i < len(layer_units) - 1,
                unroll=unroll,
                name=f"lstm_{i}",
                # Keras' LSTM cell draws these three in this order
                kernel_initializer=seeds.initializer("GlorotUniform"),
                recurrent_initializer=seeds.initializer("Orthogonal"),
                seed=seeds.next(),
            )
        )
        x = lstms[-1](x)
    head = keras.layers.Dense(
        n_outputs, kernel_regularizer=regularizer, kernel_initializer=seeds.initializer("GlorotUniform"), name=HEAD
    )
    outputs = head(x)
    chain = Chain(mask, tuple(lstms), head)
    if not linear_skip:
        model = keras.Model(inputs, outputs, name="skl_lstm")
        return Network(model, chain, None, model)
    steps = MaskMissingSteps(mask=False, name=SKIP_FILL)(inputs)
    flat = keras.layers.Flatten(name=SKIP_FLATTEN)(steps)
    skip = keras.layers.Dense(
        n_outputs, trainable=False, kernel_initializer=seeds.initializer("GlorotUniform"), name=SKIP
    )
    total = keras.layers.Add(name=TOTAL)([outputs, skip(flat)])
    model = keras.Model(inputs, total, name="skl_lstm")
    recurrent = keras.Model(inputs, outputs, name="skl_lstm_recurrent_part")
    return Network(model, chain, skip, recurrent)
