"""Make the change a :class:`~skl_lstm.diagnostics.Fix` describes, on a copy of the estimator."""

from __future__ import annotations

from sklearn.base import clone
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .._recipes import on_log_scale
from ..compose import DifferencedTargetRegressor
from ._inspect import inspect_setup, walk


def _replace(estimator, prefix: str, new):
    """``estimator`` with the sub-estimator at ``set_params`` prefix ``prefix`` replaced by ``new``."""
    if not prefix:
        return new
    estimator.set_params(**{prefix[:-2]: new})
    return estimator


def _pandas_output(pipeline) -> bool:
    return any(
        (getattr(step, "_sklearn_output_config", None) or {}).get("transform") == "pandas"
        for _, step in pipeline.steps
        if step is not None and step != "passthrough"
    )


def _scale(estimator, inputs: bool, target: bool):
    setup = inspect_setup(estimator)
    if setup.lstm is None:
        raise ValueError("Fix 'scale' needs an LSTMRegressor inside the estimator; none was found.")
    lstm_layer = setup.chain[-1]
    parent = setup.chain[-2] if len(setup.chain) > 1 else None
    if inputs and setup.x_scaler is None:
        if parent is not None and parent.kind == "pipeline":
            pipe = clone(parent.estimator)
            pandas = _pandas_output(pipe)
            pipe.steps.insert(len(pipe.steps) - 1, ("scale", StandardScaler()))
            if pandas:
                pipe.set_output(transform="pandas")
            estimator = _replace(estimator, parent.prefix, pipe)
        else:
            wrapped = Pipeline([("scale", StandardScaler()), ("lstm", clone(lstm_layer.estimator))])
            estimator = _replace(estimator, lstm_layer.prefix, wrapped)
    if target and setup.y_scaler is None:
        setup = inspect_setup(estimator)
        # wrap the innermost pipeline holding the LSTM (or the LSTM itself)
        inner = setup.chain[-2] if len(setup.chain) > 1 and setup.chain[-2].kind == "pipeline" else setup.chain[-1]
        wrapped = TransformedTargetRegressor(clone(inner.estimator), transformer=StandardScaler())
        estimator = _replace(estimator, inner.prefix, wrapped)
    return estimator


def _difference(estimator, reference):
    chain = walk(estimator)
    # Descend past a log transform of y whose pipeline logs X too: the change must be learned on that scale.
    target = chain[0]
    for i, layer in enumerate(chain[:-1]):
        if layer.kind == "ttr" and layer.estimator.transformer is None and layer.estimator.func is not None:
            nxt = chain[i + 1]
            if nxt.kind == "pipeline" and i + 2 < len(chain):
                target = chain[i + 2]
                continue
        break
    if target.kind == "dtr":
        return estimator
    wrapped = DifferencedTargetRegressor(clone(target.estimator), reference=reference)
    estimator = _replace(estimator, target.prefix, wrapped)
    setup = inspect_setup(estimator)
    if setup.window is not None and not (setup.window.diff or setup.window.seasonal_diff):
        estimator.set_params(**{f"{setup.window_prefix}diff": 1})
    return estimator


def _recipe(estimator, options):
    from .._recipes import recommended_pipeline

    setup = inspect_setup(estimator)
    keep = {}
    if setup.lstm is not None:
        for name in ("units", "dropout", "loss", "learning_rate", "epochs", "random_state", "l2"):
            keep[name] = getattr(setup.lstm, name)
    window = options.get("window") or 12
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
        return _difference(est, fix.options.get("reference", 0))
    if fix.action == "log_target":
        return on_log_scale(est)
    if fix.action == "recipe":
        return _recipe(est, fix.options)
    raise ValueError(
        f"Fix action={fix.action!r} ({fix.parameter}) cannot be made automatically: {fix.note} "
        "Make it by hand, then diagnose again."
    )


__all__ = ["apply_fix"]
