"""The LSTM: estimator, network factory, kernels, training loop, inference, persistence.

One module per job:

``_estimator``
    :class:`LSTMRegressor`, the scikit-learn plumbing (parameters, validation,
    the order of a fit, prediction, fitted state).
``_scikeras``
    The scikeras ``BaseWrapper`` hooks, encoders and parameter routing.
``_network``
    :func:`build_network`, which builds the Keras layers and returns their handles.
``_kernels``
    The fused ``BlockLSTM`` and Keras forward passes, and when the fused one applies.
``_loop``
    The compiled training loop and its cache of compiled functions.
``_linear``
    The linear skip branch's closed-form start.
``_inference``
    Prediction through compiled forward passes.
``_runtime``
    TensorFlow settings: threads, seeding, log noise, a gradient-registry leak.
``_persistence``
    The ``.skl-lstm`` file of a bare estimator.
``_cache``
    The one cache style used by ``_loop`` and ``_inference``.

Importing this subpackage imports Keras; ``import skl_lstm`` does not.
"""

from ._estimator import LSTMRegressor
from ._network import MaskMissingSteps, Network, build_network

__all__ = ["LSTMRegressor", "MaskMissingSteps", "Network", "build_network"]
