"""Small data and networks shared by the tests of the LSTM subpackage."""

import keras
import numpy as np

from skl_lstm.lstm import build_network


def data(n=64, steps=8, features=2, gaps=False, seed=0):
    """Random windows ``(n, steps, features)`` and a target that depends on their last steps."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, steps, features)).astype(np.float32)
    y = (X[:, -2:, 0].mean(axis=1) + 0.1 * rng.normal(size=n)).astype(np.float32)
    if gaps:
        for i in range(steps):  # warm-up rows: 0 .. steps-1 missing leading steps
            X[i, :i] = np.nan
        X[20, 3:5] = np.nan  # an interior gap
        X[21, 2, 1] = np.nan  # one feature missing masks the whole step
        X[-3, :4] = np.nan  # a gap in the validation tail
    return X, y


def network(units=8, features=2, steps=8, **kwargs):
    """A compiled network from the factory (its handles)."""
    net = build_network(steps, features, 1, units=units, **kwargs)
    net.model.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.MeanSquaredError())
    return net
