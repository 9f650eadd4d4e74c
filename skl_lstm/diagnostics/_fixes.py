"""Make the change a :class:`~skl_lstm.diagnostics.Fix` describes, on a copy of the estimator.

On the recipe (a ``DifferencedTargetRegressor`` around a ``Pipeline``) every
fix is a parameter or a step of that one pipeline. Estimators without that
wrapper get one: a ``DifferencedTargetRegressor`` to learn the change (which
also scales and logs the target), or a ``TransformedTargetRegressor`` to
scale or log the target alone.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from ..compose import DifferencedTargetRegressor
from ..utils._timeseries import default_window
from ._inspect import inspect_setup


def _replace(estimator, prefix: str, new):
    """``estimator`` with the sub-estimator at ``set_params`` prefix ``prefix`` replaced by ``new``."""
    if not prefix:
        return new
    estimator.set_params(**{prefix[:-2]: new})
    return estimator


def _scale(estimator, inputs: bool, target: bool):
    setup = inspect_setup(estimator)
    if setup.lstm is None:
        raise ValueError("Fix 'scale' needs an LSTMRegressor inside the estimator; none was found.")
    lstm_layer = setup.chain[-1]
    parent = setup.chain[-2] if len(setup.chain) > 1 else None
    if inputs and setup.x_scaler is None:
        if parent is not None and parent.kind == "pipeline":
            pipe = clone(parent.estimator)
            pipe.steps.insert(len(pipe.steps) - 1, ("scale", StandardScaler()))
            estimator = _replace(estimator, parent.prefix, pipe)
        else:
            wrapped = Pipeline([("scale", StandardScaler()), ("lstm", clone(lstm_layer.estimator))])
            estimator = _replace(estimator, lstm_layer.prefix, wrapped)
    if target and setup.y_scaler is None:
        if setup.target_prefix is not None:  # the target wrapper scales the change it already learns
            return estimator.set_params(**{f"{setup.target_prefix}transformer": StandardScaler()})
        setup = inspect_setup(estimator)
        # wrap the innermost pipeline holding the LSTM (or the LSTM itself)
        inner = setup.chain[-2] if len(setup.chain) > 1 and setup.chain[-2].kind == "pipeline" else setup.chain[-1]
        wrapped = TransformedTargetRegressor(clone(inner.estimator), transformer=StandardScaler())
        estimator = _replace(estimator, inner.prefix, wrapped)
    return estimator


def _difference(estimator, reference):
    setup = inspect_setup(estimator)
    if setup.differenced_target:
        return estimator
    outer = next(layer for layer in setup.chain if layer.kind != "search")
    est = outer.estimator
    if outer.kind == "ttr" and (est.func is None or setup.log_target):
        # the target transform moves into the one wrapper, DTR(regressor, transformer=..., log=...): the change
        # is learned on the log scale, and the keys stay one step deep
        transformer = None if est.transformer is None or setup.log_target else clone(est.transformer)
        inner = _unlogged(est.regressor) if setup.log_target else est.regressor
        wrapped = DifferencedTargetRegressor(clone(inner), reference=reference, transformer=transformer,
                                             log=setup.log_target)
    else:
        wrapped = DifferencedTargetRegressor(clone(est), reference=reference)
    estimator = _replace(estimator, outer.prefix, wrapped)
    setup = inspect_setup(estimator)
    if setup.window is not None and not (setup.window.diff or setup.window.seasonal_diff):
        estimator.set_params(**{setup.window_param("diff"): 1})
    return estimator


def _log(estimator):
    setup = inspect_setup(estimator)
    if setup.target_prefix is not None:
        return estimator.set_params(**{f"{setup.target_prefix}log": True})
    # no target wrapper: log the inputs in front of the model and the target around it
    outer = next(layer for layer in setup.chain if layer.kind != "search")
    log_inputs = FunctionTransformer(np.log, inverse_func=np.exp, feature_names_out="one-to-one")
    wrapped = TransformedTargetRegressor(Pipeline([("log", log_inputs), ("model", clone(outer.estimator))]),
                                         func=np.log, inverse_func=np.exp, check_inverse=False)
    return _replace(estimator, outer.prefix, wrapped)


def _unlogged(model):
    """``model`` without the log of the inputs :func:`_log` put in front of it (DTR(log=True) logs them)."""
    first = model.steps[0][1] if isinstance(model, Pipeline) else None
    if isinstance(first, FunctionTransformer) and first.func is np.log:
        rest = model.steps[1:]
        return rest[0][1] if len(rest) == 1 else Pipeline(rest)
    return model


def _recipe(estimator, options):
    from .._recipes import recommended_pipeline

    setup = inspect_setup(estimator)
    keep = {}
    if setup.lstm is not None:
        for name in ("units", "dropout", "loss", "learning_rate", "epochs", "random_state", "l2"):
            keep[name] = getattr(setup.lstm, name)
    window = options.get("window") or default_window(None)
    return recommended_pipeline(window=window, seasonal_period=options.get("seasonal_period"), log=options.get("log"),
                                **keep)


def apply_fix(fix, estimator):
    """Return an unfitted copy of ``estimator`` with ``fix`` made.

    Parameters
    ----------
    fix : Fix
        The fix to make.
    estimator : estimator
        The estimator that was diagnosed (it is not modified).

    Returns
    -------
    estimator
        The changed, unfitted copy.
    """
    est = clone(estimator)
    if fix.action == "set_params":
        return est.set_params(**fix.params)
    if fix.action == "scale":
        return _scale(est, fix.options.get("inputs", True), fix.options.get("target", True))
    if fix.action == "difference_target":
        return _difference(est, fix.options.get("reference", "auto"))
    if fix.action == "log_target":
        return _log(est)
    if fix.action == "recipe":
        return _recipe(est, fix.options)
    raise ValueError(
        f"Fix action={fix.action!r} ({fix.parameter}) cannot be made automatically: {fix.note} "
        "Make it by hand, then diagnose again."
    )


__all__ = ["apply_fix"]
