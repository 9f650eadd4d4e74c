"""The types and functions a model file may name: skl_lstm's trusted list plus the caller's additions.

A format-2 file never names code to import. It names entries of this list;
loading looks each name up here, and a name that is not on the list (or in
the caller's ``trusted=[...]``) is refused. The list is written once, here;
``docs/reliability.md`` prints it and a test checks that the two agree.
"""

from __future__ import annotations

import importlib
import types

import numpy as np

#: Estimators whose fitted instances are saved through ``__getstate__`` and
#: restored with ``cls.__new__(cls).__setstate__(state)``. Public import paths,
#: so that a scikit-learn release that moves a class between private modules
#: does not break old files.
TRUSTED_TYPES = (
    "sklearn.compose.TransformedTargetRegressor",
    "sklearn.dummy.DummyRegressor",
    "sklearn.impute.SimpleImputer",
    "sklearn.linear_model.ElasticNet",
    "sklearn.linear_model.Lasso",
    "sklearn.linear_model.LinearRegression",
    "sklearn.linear_model.Ridge",
    "sklearn.linear_model.RidgeCV",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing.FunctionTransformer",
    "sklearn.preprocessing.MaxAbsScaler",
    "sklearn.preprocessing.MinMaxScaler",
    "sklearn.preprocessing.RobustScaler",
    "sklearn.preprocessing.StandardScaler",
    "skl_lstm.LSTMRegressor",
    "skl_lstm.baselines.NaiveForecaster",
    "skl_lstm.baselines.SeasonalNaiveForecaster",
    "skl_lstm.compose.DifferencedTargetRegressor",
    "skl_lstm.preprocessing.KnownFutureTransformer",
    "skl_lstm.preprocessing.WindowTransformer",
)

#: Values stored by name: the functions a recipe may hold (e.g. the ``func`` /
#: ``inverse_func`` of a log transform) and the scalar types a ``dtype``
#: parameter may hold.
TRUSTED_NAMES = (
    "numpy.exp",
    "numpy.expm1",
    "numpy.log",
    "numpy.log1p",
    "numpy.sqrt",
    "numpy.square",
    *(f"numpy.{t}" for t in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                             "float16", "float32", "float64")),
    *(f"builtins.{t}" for t in ("bool", "int", "float", "str")),
)

#: Fitted searches: refused with a pointer to the refitted model, which is what to deploy.
_SEARCHES = ("GridSearchCV", "RandomizedSearchCV", "HalvingGridSearchCV", "HalvingRandomSearchCV")


def qualified_name(obj) -> str:
    """``module.QualName`` of a class or function, as a caller's ``trusted`` entry is recorded."""
    return f"{obj.__module__}.{obj.__qualname__}"


def is_named_value(value) -> bool:
    """True for values saved by name (classes, functions, NumPy ufuncs), not by state."""
    return isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType, np.ufunc))


def _resolve(name: str):
    module, _, attr = name.rpartition(".")
    return getattr(importlib.import_module(module), attr)


class Registry:
    """Trusted types and named values for one save or load.

    Parameters
    ----------
    trusted : sequence of classes and functions, or None
        The caller's additions to the built-in lists. Each is recorded under
        its ``module.QualName``; on load, the object passed here is used, so
        nothing named by the file is ever imported.
    """

    def __init__(self, trusted=None):
        self.extra = {}
        for obj in trusted or ():
            name = getattr(obj, "__qualname__", None)
            if name is None or not callable(obj):
                raise TypeError(
                    f"trusted={trusted!r}: each entry must be a class or a module-level function, got {obj!r}; "
                    "pass the class itself, e.g. trusted=[MyTransformer]."
                )
            if "<locals>" in name or "<lambda>" in name:
                raise TypeError(
                    f"trusted entry {obj!r} is defined inside a function (or is a lambda), so a later process "
                    "cannot name it; define it at module level."
                )
            self.extra[qualified_name(obj)] = obj

    # ----------------------------------------------------------------- saving
    def _built_in_name(self, obj, names) -> str | None:
        short = getattr(obj, "__name__", None)
        if not isinstance(short, str):
            return None
        for name in names:  # only candidates with the same short name are imported
            if name.rpartition(".")[2] == short and _resolve(name) is obj:
                return name
        return None

    def _name_of(self, obj, built_in) -> str | None:
        for name, extra in self.extra.items():
            if extra is obj:
                return name
        return self._built_in_name(obj, built_in)

    def type_name(self, cls) -> str | None:
        """The name under which instances of ``cls`` are saved, or None if it is not trusted."""
        return self._name_of(cls, TRUSTED_TYPES)

    def value_name(self, value) -> str | None:
        """The name under which ``value`` (a function or type) is saved, or None if it is not trusted."""
        return self._name_of(value, TRUSTED_NAMES)

    def untrusted_message(self, value, where: str) -> str:
        """Why ``value`` (found at ``where``) cannot be saved, and how to allow it."""
        named = is_named_value(value)
        cls = value if named else type(value)
        if not named and cls.__name__ in _SEARCHES:
            return (f"skl_lstm.save cannot store the {qualified_name(cls)} at {where}: save search.best_estimator_ "
                    "(the refitted model) instead of the search.")
        name = qualified_name(value) if named else qualified_name(cls)
        if name.startswith("keras."):
            return (
                f"skl_lstm.save cannot store the Keras object {name} at {where}: of Keras, only whole networks "
                "(keras.Model) are saved. Give a parameter its string form instead (e.g. optimizer='adam', "
                "loss='huber' with loss__delta=...), and leave out callbacks."
            )
        if "<lambda>" in name or "<locals>" in name:
            return (
                f"skl_lstm.save cannot store {value!r} at {where}: a lambda or a function defined inside another "
                "function cannot be named by a later process; define it at module level and pass trusted=[it] to "
                "both skl_lstm.save and skl_lstm.load."
            )
        what = f"the {'type' if isinstance(value, type) else 'function'} {name}" if named else f"a {name}"
        return (
            f"skl_lstm.save cannot store {what} at {where}: it is not on skl_lstm's trusted list "
            "(skl_lstm.persistence.TRUSTED_TYPES and TRUSTED_NAMES). If you wrote it or trust it, pass "
            f"trusted=[{name.rpartition('.')[2]}] to both skl_lstm.save and skl_lstm.load."
        )

    # ---------------------------------------------------------------- loading
    def _object_of(self, name: str, built_in):
        if name in self.extra:
            return self.extra[name]
        return _resolve(name) if name in built_in else None

    def resolve_type(self, name: str):
        """The class a file names for an instance, or None if the name is not trusted."""
        return self._object_of(name, TRUSTED_TYPES)

    def resolve_value(self, name: str):
        """The function or type a file names as a value, or None if the name is not trusted."""
        return self._object_of(name, TRUSTED_NAMES)
