"""skl_lstm: scikit-learn compatible LSTM forecasting, leak-free by construction.

Importing the package does not import TensorFlow or Keras: the transformers,
baselines, metrics and datasets work without them. ``LSTMRegressor`` and
``recommended_pipeline`` load Keras the first time they are used, and
``diagnose`` loads its optional dependencies (statsmodels, matplotlib) only
when it runs. ``save`` / ``load`` persist whole fitted models without pickle
(Keras is imported only for a model that holds a network).
"""

from . import datasets, metrics, utils
from ._forecast import forecast
from ._version import __version__
from .baselines import NaiveForecaster, SeasonalNaiveForecaster
from .compose import DifferencedTargetRegressor
from .preprocessing import KnownFutureTransformer, WindowTransformer

__all__ = [
    "DifferencedTargetRegressor",
    "KnownFutureTransformer",
    "LSTMRegressor",
    "NaiveForecaster",
    "SeasonalNaiveForecaster",
    "WindowTransformer",
    "__version__",
    "datasets",
    "diagnose",
    "forecast",
    "load",
    "metrics",
    "recipe_grid",
    "recommended_pipeline",
    "save",
    "utils",
]

_LAZY = {
    "diagnose": (".diagnostics", "diagnose"),
    "LSTMRegressor": (".lstm", "LSTMRegressor"),
    "recommended_pipeline": ("._recipes", "recommended_pipeline"),
    "recipe_grid": ("._recipes", "recipe_grid"),
    "save": (".persistence", "save"),
    "load": (".persistence", "load"),
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module, __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'skl_lstm' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
