"""recommended_pipeline: the leak-free forecasting recipe as one estimator."""

from __future__ import annotations

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from .compose import DifferencedTargetRegressor
from .preprocessing import WindowTransformer

#: LSTMRegressor settings of the recipe (chosen on the airline demo; see README).
RECIPE_DEFAULTS = {
    "units": 32,
    "epochs": 200,
    "batch_size": 32,
    "learning_rate": 0.003,
    "validation_fraction": 0.15,
    "patience": 25,
    "linear_skip": True,
}


def recommended_pipeline(window=None, seasonal_period=None, *, reference=0, diff=1, log=False, **overrides):
    """Build the recommended leak-free LSTM forecasting pipeline (unfitted).

    For ``X`` = the observed columns at time ``t`` and ``y`` = the target at
    ``t + h`` (see :func:`skl_lstm.datasets.make_supervised`), it:

    1. learns the *change* ``y - x_last`` (:class:`~skl_lstm.DifferencedTargetRegressor`),
       so a trend never leaves the range the network was trained on;
    2. standardises that change (:class:`~sklearn.compose.TransformedTargetRegressor`);
    3. cuts differenced lag windows (:class:`~skl_lstm.WindowTransformer`) and
       standardises them (:class:`~sklearn.preprocessing.StandardScaler`), fitted
       on the training fold only;
    4. trains :class:`~skl_lstm.LSTMRegressor` with early stopping on the most
       recent 15 % of the training windows.

    With ``log=True`` the whole model works on ``log(X)`` and ``log(y)`` (a
    multiplicative series such as airline passengers) and predicts on the
    original scale.

    Parameters
    ----------
    window : int or None, default=None
        Lag window length. None means ``2 * seasonal_period`` when a season
        is given, else 12.
    seasonal_period : int or None, default=None
        Season length (12 for monthly data). Only sets the default window.
    reference : int or str, default=0
        Column of ``X`` holding the target's current value.
    diff : int, default=1
        Differencing order of the input windows.
    log : bool, default=False
        Model ``log(X)`` and ``log(y)``; needs positive data.
    **overrides : dict
        :class:`~skl_lstm.LSTMRegressor` parameters replacing the recipe's
        (e.g. ``units=64``, ``random_state=0``).

    Returns
    -------
    estimator : sklearn estimator
        The composed, unfitted estimator.

    Notes
    -----
    The defaults (:data:`RECIPE_DEFAULTS`) come from ``benchmarks/accuracy.py``
    (table in ``docs/accuracy.md``): on every benchmark series the untuned
    recipe beats the naive forecast. The linear skip branch (``linear_skip``,
    started at the ridge fit of the windows) is what makes it at least as
    good as a linear autoregression on short series; the target change, the
    input differencing and the scaling keep trends inside the range the
    network was trained on.

    The grid worth searching, with ``GridSearchCV(model, grid,
    cv=TimeSeriesSplit(3), scoring=FORECAST_SCORING, refit="mape")``, written
    with short names and expanded by :func:`recipe_grid` (``m`` is the
    seasonal period, or 6 for a series without one)::

        grid = recipe_grid(model, {
            "window": [m, 2 * m],
            "diff": [0, 1],                # input differencing; 0 suits stationary series
            "units": [32, 64],
            "learning_rate": [1e-3, 3e-3],
        })

    Examples
    --------
    >>> from skl_lstm import recommended_pipeline
    >>> model = recommended_pipeline(window=24, seasonal_period=12, random_state=0)
    >>> sorted(model.regressor.regressor.named_steps)
    ['lstm', 'scale', 'window']
    """
    from .lstm import LSTMRegressor

    if window is None:
        window = 2 * seasonal_period if seasonal_period else 12
    params = {**RECIPE_DEFAULTS, **overrides}
    # pandas output carries the lag column names, from which LSTMRegressor
    # reads how many series each time step holds (one or many input columns).
    network = Pipeline(
        [
            ("window", WindowTransformer(window, diff=diff)),
            ("scale", StandardScaler()),
            ("lstm", LSTMRegressor(**params)),
        ]
    ).set_output(transform="pandas")
    model = DifferencedTargetRegressor(
        TransformedTargetRegressor(network, transformer=StandardScaler()),
        reference=reference,
    )
    return on_log_scale(model) if log else model


def on_log_scale(estimator):
    """Wrap ``estimator`` so it is fitted on ``log(X)`` and ``log(y)`` and predicts on the original scale.

    This is what :func:`recommended_pipeline` does with ``log=True``: a
    ``FunctionTransformer(np.log)`` before the model and a
    :class:`~sklearn.compose.TransformedTargetRegressor` around it. Inputs
    and target must be positive.

    Parameters
    ----------
    estimator : sklearn regressor
        The model of the log-scaled data.

    Returns
    -------
    TransformedTargetRegressor
        ``estimator`` behind the log of its inputs and target (unfitted).

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> from skl_lstm._recipes import on_log_scale
    >>> on_log_scale(LinearRegression()).regressor.named_steps["model"]
    LinearRegression()
    """
    log_inputs = FunctionTransformer(np.log, inverse_func=np.exp, feature_names_out="one-to-one")
    return TransformedTargetRegressor(
        Pipeline([("log", log_inputs), ("model", estimator)]), func=np.log, inverse_func=np.exp, check_inverse=False
    )


def recipe_grid(estimator, grid):
    """Expand short parameter names into an estimator's full nested names.

    The recipe nests its steps, so the LSTM's ``units`` is called
    ``regressor__regressor__lstm__units`` (and longer with ``log=True``).
    This maps each short name to the one nested parameter whose last part it
    is, so a grid can be written once and used with any composition.

    Parameters
    ----------
    estimator : sklearn estimator
        The (unfitted) composed estimator, e.g. from :func:`recommended_pipeline`.
    grid : dict or list of dict
        Parameter grid with short names (``"window"``, ``"units"``, ...) or
        full names, which are kept as they are.

    Returns
    -------
    dict or list of dict
        The same grid with full names, for
        :class:`~sklearn.model_selection.GridSearchCV`.

    Raises
    ------
    ValueError
        If a short name matches no parameter or several.

    Examples
    --------
    >>> from skl_lstm import recipe_grid, recommended_pipeline
    >>> model = recommended_pipeline(seasonal_period=12, log=True)
    >>> recipe_grid(model, {"window": [12, 24], "units": [16, 32]})
    {'regressor__model__regressor__regressor__window__window': [12, 24], \
'regressor__model__regressor__regressor__lstm__units': [16, 32]}
    """
    if isinstance(grid, list):
        return [recipe_grid(estimator, g) for g in grid]
    params = estimator.get_params(deep=True)
    # Leaf hyperparameters only: a step named like a parameter ("window") is not one.
    names = [name for name, value in params.items() if not hasattr(value, "get_params")]
    expanded = {}
    for short, values in grid.items():
        if short in names:
            expanded[short] = values
            continue
        matches = [name for name in names if name.endswith("__" + short)]
        if len(matches) != 1:
            found = "no parameter" if not matches else f"{len(matches)} parameters ({', '.join(matches)})"
            raise ValueError(
                f"recipe_grid: {short!r} matches {found} of {type(estimator).__name__}; "
                "write the full nested name (see estimator.get_params().keys())."
            )
        expanded[matches[0]] = values
    return expanded


__all__ = ["recommended_pipeline", "recipe_grid", "RECIPE_DEFAULTS"]
