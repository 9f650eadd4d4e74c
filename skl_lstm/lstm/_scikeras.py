"""The scikeras adapter: every hook of scikeras' ``BaseWrapper`` that LSTMRegressor implements.

:class:`~skl_lstm.LSTMRegressor` is a scikeras estimator (it derives from
``scikeras.wrappers.BaseWrapper``), and this is the only module that knows
scikeras' internals. scikeras drives ``fit`` (``_fit``: initialise, encode,
train) and routes parameters (``optimizer__*``, ``loss__*``, ``compile__*``,
``model__*``, ``callbacks``); these hooks plug the network factory, the
encoders and the parameter checks into that flow. Nothing here patches
scikeras or writes its private state.

scikeras 0.13 (the latest release) defines the pre-1.6 ``_more_tags`` and no
``__sklearn_tags__``; tags still resolve through ``BaseEstimator`` (so
``is_regressor`` is True), but scikit-learn's ``check_estimator_tags_renamed``
rejects any class with it in its MRO. That one check is an expected failure
in ``tests/test_common.py``, with this reason.
"""

from __future__ import annotations

import difflib
import inspect
import warnings
from numbers import Integral

import keras
import numpy as np
from scikeras.wrappers import BaseWrapper
from sklearn.base import BaseEstimator, TransformerMixin

from ..preprocessing._windows import window_layout
from ..utils._warnings import user_stacklevel
from ._network import build_network
from ._quantile import PinballLoss
from ._windows import RowWindows

_OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "rmsprop": keras.optimizers.RMSprop,
    "sgd": keras.optimizers.SGD,
}
_LOSSES = {
    "mse": keras.losses.MeanSquaredError,
    "mae": keras.losses.MeanAbsoluteError,
    "huber": keras.losses.Huber,
}
ROUTING_PREFIXES = ("model", "optimizer", "loss", "compile")


class TargetEncoder(TransformerMixin, BaseEstimator):
    """Give the network 2-D float32 targets; give the user predictions in ``y``'s shape.

    Parameters
    ----------
    ndim : int, default=1
        Dimensions of the ``y`` passed to ``fit`` (1 or 2).
    n_outputs : int, default=1
        Columns of that ``y``.
    """

    def __init__(self, ndim=1, n_outputs=1):
        self.ndim = ndim
        self.n_outputs = n_outputs

    def fit(self, y):
        y = np.asarray(y)
        self.ndim, self.n_outputs = y.ndim, 1 if y.ndim == 1 else y.shape[1]
        return self

    def transform(self, y):
        y = np.asarray(y)  # float32 only on the way into the network: residuals are taken in y's precision
        if y.dtype.kind != "f":
            y = y.astype(np.float64)
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if n_outputs != self.n_outputs:
            raise ValueError(
                f"y has {n_outputs} column(s), but the estimator was fitted on {self.n_outputs}; "
                "pass the same targets (horizons) as in the first fit, or set warm_start=False."
            )
        return y.reshape(len(y), self.n_outputs)

    def inverse_transform(self, y):
        y = np.asarray(y)
        return y.reshape(len(y)) if self.ndim == 1 else y.reshape(len(y), self.n_outputs)

    def get_metadata(self):
        return {"n_outputs_": self.n_outputs, "n_outputs_expected_": 1, "_y_ndim": self.ndim}


class SequenceEncoder(TransformerMixin, BaseEstimator):
    """Reshape 2-D windows to ``(samples, timesteps, features)`` as float32.

    Parameters
    ----------
    n_features : int or None, default=None
        Series per time step of 2-D ``X``. None reads it from the warm-up
        rows of the windows (:func:`~skl_lstm.preprocessing.window_layout`),
        and assumes 1, with a warning, when ``X`` has none.
    n_timesteps : int or None, default=None
        Time steps per sample; set by ``fit``.
    """

    def __init__(self, n_features=None, n_timesteps=None):
        self.n_features = n_features
        self.n_timesteps = n_timesteps

    def fit(self, X, y=None):
        if X.ndim == 3:  # windows, or stored rows with their window (RowWindows)
            self.n_timesteps, self.n_features = X.shape[1], X.shape[2]
            return self
        k = self.n_features if self.n_features is not None else window_layout(X)
        if k is None:
            k = 1
            if X.shape[1] > 1:
                warnings.warn(
                    f"LSTMRegressor: could not read how many series each time step holds from X "
                    f"({X.shape[1]} columns and no warm-up rows, as WindowTransformer writes at the start "
                    "of a series); assuming 1 series per step. Pass n_features=<number of input columns> "
                    "to the LSTMRegressor to say it.",
                    UserWarning,
                    stacklevel=user_stacklevel(),
                )
        if X.shape[1] % k:
            raise ValueError(
                f"X has {X.shape[1]} columns, which is not a multiple of n_features={k}; "
                "2-D X must hold windows of n_features series in time-major order (as "
                "WindowTransformer outputs). Set n_features to the number of series."
            )
        self.n_timesteps, self.n_features = X.shape[1] // k, int(k)
        return self

    def transform(self, X):
        if isinstance(X, RowWindows):
            return X
        X = np.asarray(X, dtype=np.float32)
        if X.ndim == 2:
            X = X.reshape(X.shape[0], self.n_timesteps, self.n_features)
        return X

    def get_metadata(self):
        return {"n_timesteps_": self.n_timesteps, "n_features_per_step_": self.n_features}


class ScikerasAdapter(BaseWrapper):
    """``BaseWrapper`` with the hooks LSTMRegressor needs; not an estimator on its own."""

    # scikeras reads these; LSTMRegressor always builds its own network.
    model = None
    build_fn = None
    _routing_prefixes = set(ROUTING_PREFIXES)

    __repr__ = BaseEstimator.__repr__

    # ------------------------------------------------------------- parameters
    @classmethod
    def _constructor_params(cls):
        return {
            name
            for name, p in inspect.signature(cls.__init__).parameters.items()
            if name != "self" and p.kind != p.VAR_KEYWORD
        }

    def _routed(self, prefix):
        """The routed parameters ``<prefix>__<name>``, as ``{name: value}``."""
        return {k.split("__", 1)[1]: v for k, v in vars(self).items() if k.startswith(prefix + "__")}

    def _check_param_names(self, names):
        valid = self._constructor_params()
        for name in names:
            if name in valid or ("__" in name and name.split("__", 1)[0] in self._routing_prefixes):
                continue
            choices = sorted(valid | {p + "__" for p in self._routing_prefixes})
            close = difflib.get_close_matches(name, choices, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"Invalid parameter {name!r} for {type(self).__name__}.{hint} Valid parameters are "
                f"{sorted(valid)}, plus routed ones starting with "
                f"{sorted(p + '__' for p in self._routing_prefixes)}."
            )

    def set_params(self, **params):
        """Set parameters, including routed ``optimizer__*``-style ones.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : estimator
            This estimator.
        """
        known = set(self.get_params(deep=False))
        self._check_param_names([name for name in params if name not in known])
        return super().set_params(**params)

    # ------------------------------------------------------------ scikeras hooks
    @property
    def target_encoder(self):
        """Transformer that records the target's shape."""
        return TargetEncoder()

    @property
    def feature_encoder(self):
        """Transformer that turns ``X`` into the network's 3-D input."""
        return SequenceEncoder(n_features=self.n_features)

    def _get_compile_kwargs(self):
        if isinstance(self.optimizer, str):
            optimizer = _OPTIMIZERS[self.optimizer](learning_rate=self.learning_rate, **self._routed("optimizer"))
        else:
            optimizer = self.optimizer.__class__.from_config(self.optimizer.get_config())
        loss = _LOSSES[self.loss](**self._routed("loss")) if isinstance(self.loss, str) else self.loss
        if getattr(self, "quantiles_", None) is not None:
            loss = PinballLoss(self.quantiles_)
        return {"optimizer": optimizer, "loss": loss, **self._routed("compile")}

    def _build_keras_model(self):
        """Build and compile the network; keep the handles of its layers in ``self._network``."""
        self._network = build_network(
            self.n_timesteps_,
            self.n_features_per_step_,
            self.n_outputs_ * (1 if getattr(self, "quantiles_", None) is None else len(self.quantiles_)),
            units=self.units,
            activation=self.activation,
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            l1=self.l1,
            l2=self.l2,
            linear_skip=self.linear_skip,
            seed=self._run.seed if getattr(self, "_run", None) is not None else None,
            **self._routed("model"),
        )
        self._network.model.compile(**self._get_compile_kwargs())
        return self._network.model

    def _initialize(self, X, y=None):
        # scikeras' _initialize reads metadata from fresh, unfitted encoders and
        # seeds each step on its own; here the fitted encoders are read, and
        # LSTMRegressor seeds once around the whole fit.
        X, y = self._validate_data(X, y, reset=True)
        self.target_encoder_ = self.target_encoder.fit(y)
        vars(self).update(self.target_encoder_.get_metadata())
        self.feature_encoder_ = self.feature_encoder.fit(X)
        vars(self).update(self.feature_encoder_.get_metadata())
        self.model_ = self._build_keras_model()
        self._initialize_callbacks()
        return X, y

    def _check_model_compatibility(self, y):
        """Nothing to check: the network is built from this estimator's own parameters.

        scikeras checks a user-supplied model's outputs and loss against the
        target and ``loss``; LSTMRegressor never takes a user's model.
        """

    def _restore_encoders(self):
        """Rebuild the fitted encoders from the fitted attributes (after loading)."""
        self.target_encoder_ = TargetEncoder(ndim=self._y_ndim, n_outputs=self.n_outputs_)
        self.feature_encoder_ = SequenceEncoder(n_features=self.n_features_per_step_, n_timesteps=self.n_timesteps_)
        self._initialize_callbacks()


def check_units(units):
    """Raise a ValueError unless ``units`` is a positive int or a non-empty tuple of them."""
    values = units if isinstance(units, (tuple, list)) else (units,)
    if not values or not all(isinstance(u, Integral) and not isinstance(u, bool) and u >= 1 for u in values):
        raise ValueError(
            f"units={units!r} must be a positive int or a non-empty tuple of positive "
            "ints (one per stacked LSTM layer), e.g. units=32 or units=(64, 32)."
        )
