"""Find the LSTMRegressor inside an estimator and describe the setup around it.

The recipe is one ``DifferencedTargetRegressor`` around one ``Pipeline``; a
user's estimator may also be a plain ``Pipeline``, a
``TransformedTargetRegressor`` or a search around either. :func:`walk`
follows ``regressor`` / last step / ``estimator`` down to the final regressor
(never importing Keras) with the ``set_params`` prefix of each level, and
:func:`network_data` asks each fitted level for what it hands the next one, to
recover exactly the windows and targets the network trained on.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    MaxAbsScaler,
    MinMaxScaler,
    PowerTransformer,
    QuantileTransformer,
    RobustScaler,
    StandardScaler,
)

from ..compose import DifferencedTargetRegressor
from ..preprocessing import WindowTransformer

_SCALERS = (StandardScaler, MinMaxScaler, RobustScaler, MaxAbsScaler, PowerTransformer, QuantileTransformer)
_LOG_FUNCS = (np.log, np.log1p, np.log10, np.log2)


#: Modules that define LSTMRegressor (before and after the LSTM became a subpackage).


def is_lstm(estimator) -> bool:
    """True for an :class:`~skl_lstm.LSTMRegressor`, without importing Keras."""
    module = sys.modules.get("skl_lstm.lstm._estimator")
    return module is not None and isinstance(estimator, module.LSTMRegressor)


def _is_search(estimator) -> bool:
    from sklearn.model_selection._search import BaseSearchCV

    return isinstance(estimator, BaseSearchCV)


def kind_of(estimator) -> str:
    """One of ``"ttr"``, ``"dtr"``, ``"pipeline"``, ``"search"``, ``"lstm"``, ``"other"``."""
    if isinstance(estimator, TransformedTargetRegressor):
        return "ttr"
    if isinstance(estimator, DifferencedTargetRegressor):
        return "dtr"
    if isinstance(estimator, Pipeline):
        return "pipeline"
    if _is_search(estimator):
        return "search"
    if is_lstm(estimator):
        return "lstm"
    return "other"


@dataclass
class Layer:
    """One level of the nesting: its kind, ``set_params`` prefix and estimator."""

    kind: str
    prefix: str
    estimator: object


def walk(estimator, *, fitted: bool = False) -> list[Layer]:
    """The nesting from the outer estimator down to the final regressor.

    Parameters
    ----------
    estimator : estimator
        The (unfitted or fitted) estimator.
    fitted : bool, default=False
        Follow the fitted attributes (``regressor_``, ``best_estimator_``)
        instead of the parameters.

    Returns
    -------
    list of Layer
        Outer first; ``prefix`` is the ``set_params`` prefix of each level
        (``""`` for the outer one, ``"regressor__lstm__"`` for a step).
    """
    chain: list[Layer] = []
    est, prefix = estimator, ""
    while est is not None and len(chain) < 32:
        kind = kind_of(est)
        chain.append(Layer(kind, prefix, est))
        if kind in ("ttr", "dtr"):
            est = getattr(est, "regressor_", None) if fitted else est.regressor
            prefix += "regressor__"
        elif kind == "pipeline":
            name, est = est.steps[-1]
            prefix += f"{name}__"
        elif kind == "search":
            est = getattr(est, "best_estimator_", None) if fitted else est.estimator
            prefix += "estimator__"
        else:
            break
    return chain


def _is_log(func) -> bool:
    return any(func is f for f in _LOG_FUNCS)


@dataclass
class Setup:
    """What the estimator does around its network (read from its parameters)."""

    chain: list[Layer]
    lstm: object = None
    lstm_prefix: str | None = None
    window: object = None
    window_prefix: str | None = None
    pipeline_prefix: str | None = None
    x_scaler: str | None = None
    y_scaler: str | None = None
    differenced_target: bool = False
    target_prefix: str | None = None
    log_target: bool = False
    steps: list[str] = field(default_factory=list)

    @property
    def window_length(self) -> int | None:
        """Steps each forecast reads: the LSTM's ``lookback`` when it cuts its own windows, else the WindowTransformer's."""
        lookback = None if self.lstm is None else getattr(self.lstm, "lookback", None)
        if lookback is not None:
            return int(lookback)
        return None if self.window is None else int(self.window.window)

    def window_param(self, name: str) -> str:
        """``set_params`` name of a WindowTransformer parameter; the window length is the LSTM's ``lookback`` when set."""
        if name == "window" and self.lstm is not None and getattr(self.lstm, "lookback", None) is not None:
            return self.lstm_param("lookback")
        return f"{self.window_prefix}{name}"

    @property
    def input_differenced(self) -> bool:
        """True if the windows are differenced (ordinary or seasonal)."""
        return self.window is not None and bool(self.window.diff or self.window.seasonal_diff)

    def lstm_param(self, name: str) -> str:
        """``set_params`` name of an LSTMRegressor parameter (e.g. ``regressor__lstm__units``)."""
        return f"{self.lstm_prefix or ''}{name}"

    def describe(self) -> str:
        """One line: the nesting, outer first."""
        return " > ".join(self.steps) if self.steps else "unknown"


def inspect_setup(estimator) -> Setup:
    """Describe ``estimator``: where the LSTM and the window are, what scales and transforms the data.

    Parameters
    ----------
    estimator : estimator
        An unfitted estimator, possibly composed.

    Returns
    -------
    Setup
        The description.

    Examples
    --------
    >>> from sklearn.pipeline import Pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skl_lstm import WindowTransformer
    >>> from sklearn.linear_model import Ridge
    >>> setup = inspect_setup(Pipeline([("w", WindowTransformer(3)), ("s", StandardScaler()), ("m", Ridge())]))
    >>> setup.window_prefix, setup.x_scaler, setup.describe()
    ('w__', 'StandardScaler', 'Pipeline(w=WindowTransformer, s=StandardScaler, m) > Ridge')
    """
    chain = walk(estimator)
    setup = Setup(chain=chain)
    for layer in chain:
        est = layer.estimator
        if layer.kind == "ttr":
            transformer = est.transformer
            if transformer is not None:
                if isinstance(transformer, _SCALERS):
                    setup.y_scaler = type(transformer).__name__
                elif _is_log(getattr(transformer, "func", None)):
                    setup.log_target = True
            elif est.func is not None and _is_log(est.func):
                setup.log_target = True
            setup.steps.append("TransformedTargetRegressor(" + _ttr_label(est) + ")")
        elif layer.kind == "dtr":
            setup.differenced_target, setup.target_prefix = True, layer.prefix
            setup.log_target = setup.log_target or est.log is True or bool(getattr(est, "log_", False))
            if isinstance(est.transformer, _SCALERS):
                setup.y_scaler = type(est.transformer).__name__
            setup.steps.append("DifferencedTargetRegressor(" + _dtr_label(est) + ")")
        elif layer.kind == "pipeline":
            labels = []
            for name, step in est.steps[:-1]:
                labels.append(f"{name}={type(step).__name__}")
                if isinstance(step, WindowTransformer):
                    setup.window, setup.window_prefix = step, f"{layer.prefix}{name}__"
                elif isinstance(step, _SCALERS):
                    setup.x_scaler = type(step).__name__
            setup.pipeline_prefix = layer.prefix
            setup.steps.append(f"Pipeline({', '.join(labels + [est.steps[-1][0]])})")
        elif layer.kind == "search":
            setup.steps.append(type(est).__name__)
        elif layer.kind == "lstm":
            setup.lstm, setup.lstm_prefix = est, layer.prefix
            setup.steps.append("LSTMRegressor")
        else:
            setup.steps.append(type(est).__name__)
    return setup


def _dtr_label(est) -> str:
    parts = [f"reference={est.reference!r}"]
    if est.transformer is not None:
        parts.append(f"transformer={type(est.transformer).__name__}")
    if est.log is not False:
        parts.append(f"log={est.log!r}")
    return ", ".join(parts)


def _ttr_label(est) -> str:
    if est.transformer is not None:
        return type(est.transformer).__name__
    return getattr(est.func, "__name__", "func") if est.func is not None else "identity"


def _ttr_transform(est, y: np.ndarray) -> np.ndarray:
    y2 = y.reshape(-1, 1) if y.ndim == 1 else y
    out = np.asarray(est.transformer_.transform(y2), dtype=np.float64)
    return out[:, 0] if y.ndim == 1 and out.ndim == 2 else out


def network_data(fitted, X, y):
    """Replay a fitted nesting on ``(X, y)``: the windows and targets its LSTM sees.

    Parameters
    ----------
    fitted : estimator
        A fitted (possibly composed) estimator.
    X : array-like
        Inputs as passed to the outer estimator.
    y : array-like
        Targets on the original scale.

    Returns
    -------
    tuple or None
        ``(X_net, y_net, lstm)``: the LSTM's inputs (2-D windows or 3-D), its
        targets after every target transform, and the fitted LSTMRegressor;
        None if no LSTMRegressor is found or a level cannot be replayed.
    """
    est, Xc, yc = fitted, X, np.asarray(y, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(32):
            kind = kind_of(est)
            try:
                if kind == "ttr":
                    yc, est = _ttr_transform(est, yc), est.regressor_
                elif kind == "dtr":
                    Xc, yc = est._regressor_data(Xc, yc, reset=False)
                    est = est.regressor_
                elif kind == "pipeline":
                    if len(est.steps) > 1:
                        Xc = est[:-1].transform(Xc)
                    est = est.steps[-1][1]
                elif kind == "search":
                    est = est.best_estimator_
                elif kind == "lstm":
                    if getattr(est, "lookback_", None) is not None:  # rows: the windows it gathers from them
                        Xc = est._validate_data(Xc)[0]
                        Xc = Xc.dense() if hasattr(Xc, "dense") else Xc  # RowWindows (no Keras import here)
                    return np.asarray(Xc, dtype=np.float64), yc, est
                else:
                    return None
            except (AttributeError, ValueError, TypeError):
                return None
    return None


def fitted_lstm(fitted):
    """The fitted LSTMRegressor inside ``fitted``, or None."""
    chain = walk(fitted, fitted=True)
    last = chain[-1].estimator if chain else None
    return last if is_lstm(last) else None


__all__ = ["Layer", "Setup", "fitted_lstm", "inspect_setup", "is_lstm", "kind_of", "network_data", "walk"]
