"""The ridge regression of lag windows: the LSTM's linear start, and the stand-in that chooses a window."""

from __future__ import annotations

import numpy as np

#: The penalties the ridge regression chooses among (efficient leave-one-out cross-validation).
RIDGE_ALPHAS = np.logspace(-3, 3, 13)


def window_ridge():
    """An unfitted :class:`~sklearn.linear_model.RidgeCV` over :data:`RIDGE_ALPHAS`.

    :class:`~skl_lstm.LSTMRegressor`'s linear skip branch starts at its fit
    of the flattened windows, and ``lookback="auto"`` scores candidate
    windows with it, so the stand-in is the start it stands in for.

    Examples
    --------
    >>> from skl_lstm.utils._ridge import window_ridge
    >>> window_ridge().alphas.shape
    (13,)
    """
    from sklearn.linear_model import RidgeCV

    return RidgeCV(alphas=RIDGE_ALPHAS)
