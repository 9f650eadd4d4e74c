"""recommended_pipeline: the leak-free forecasting recipe as one estimator."""

from __future__ import annotations

import warnings

from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .compose import DifferencedTargetRegressor
from .compose._target import flat_recipe_key
from .preprocessing import KnownFutureTransformer, WindowTransformer
from .utils._timeseries import default_window
from .utils._warnings import user_stacklevel

#: LSTMRegressor settings of the recipe: chosen on the airline demo and the accuracy benchmark's series
#: (docs/accuracy.md), and for panels on the validation split of M4 Weekly (docs/panel.md): a batch that grows
#: with a large panel's windows and epochs of at most 100 steps, so 200 epochs bound the work whatever the
#: number of series. A series of up to 3 200 windows trains on 32 per step, one pass per epoch.
RECIPE_DEFAULTS = {
    "units": 32,
    "epochs": 200,
    "batch_size": "auto",
    "steps_per_epoch": 100,
    "learning_rate": 0.003,
    "validation_fraction": 0.15,
    "patience": 25,
    "linear_skip": True,
}


def recommended_pipeline(
    window=None,
    seasonal_period=None,
    *,
    reference="auto",
    diff=1,
    log="auto",
    known_future=None,
    static=None,
    fallback="auto",
    seasonal_difference=False,
    **overrides,
):
    """Build the recommended leak-free LSTM forecasting pipeline (unfitted).

    For ``X`` = the observed columns at time ``t`` and ``y`` = the target at
    ``t + h`` (see :func:`skl_lstm.datasets.make_supervised`), it:

    1. learns the *change* ``y - x_last`` (:class:`~skl_lstm.DifferencedTargetRegressor`),
       so a trend never leaves the range the network was trained on, and
       standardises that change (its ``transformer``);
    2. differences the inputs within each series
       (:class:`~skl_lstm.WindowTransformer` with ``window=1``) and standardises
       them (:class:`~sklearn.preprocessing.StandardScaler`), fitted on the
       training fold only;
    3. trains :class:`~skl_lstm.LSTMRegressor` on the last ``window`` of those
       rows before each time step (``lookback``: the windows are gathered
       inside the training step, so memory grows with the rows, not with
       rows x window), with early stopping on the most recent 15 % of each
       series' windows.

    With ``log=True`` the whole model works on ``log(X)`` and ``log(y)`` (a
    multiplicative series such as airline passengers) and predicts on the
    original scale.

    The result is one wrapper around one pipeline, so every setting is one
    ``set_params`` name away: ``log``, ``reference``, ``transformer__<param>``
    and ``regressor__<step>__<param>`` for the steps ``difference``, ``scale``
    and ``lstm`` (``regressor__lstm__units``, ``regressor__lstm__lookback``
    for the window, ``regressor__difference__diff``). The names of the
    previous release's ``window`` step (``regressor__window__window``,
    ``regressor__window__diff``) still work, with a ``FutureWarning``.

    Parameters
    ----------
    window : int, "auto" or None, default=None
        Lag window length. None means two seasons when a season is given,
        else 12 (:func:`skl_lstm.utils.default_window`). On one series whose
        training rows before the validation tail are fewer than the window
        (so no training window would be complete), ``fit`` shortens it to
        the longest of two seasons, one season or a quarter of one (12, 24
        or 6 without a season) that fits, with a warning
        (``choices_["window"]``). ``"auto"``: chosen
        in ``fit`` from the training rows (``lookback="auto"``): for one
        series, a shorter candidate (one season, a quarter of a season; 24
        or 6 without a season) replaces the default only when a ridge fit of
        the change on past changes does better with it on the validation
        tail by more than one standard error; for a panel, the default. The
        fitted model's ``choices_["window"]`` says which and why. It is not
        the default because on the generalise benchmark's dev part it
        forecast worse than two seasons (``docs/recipe.md``).
    seasonal_period : int or None, default=None
        Season length (12 for monthly data). Sets the default window and the
        seasonal naive forecast the fitted model is compared with.
    reference : "auto", int or str, default="auto"
        Column of ``X`` holding the target's current value; ``"auto"`` is the
        target recorded by :func:`~skl_lstm.datasets.make_supervised`, else 0.
    diff : int, default=1
        Differencing order of the input windows.
    log : bool or "auto", default="auto"
        Model ``log(X)`` and ``log(y)``; needs positive data. ``"auto"``: True
        for a panel of positive series, so that series of every scale share
        one network in relative changes; a panel with zero or negative values
        has each series divided by its own scale instead
        (:class:`~skl_lstm.DifferencedTargetRegressor`'s ``scale_series``);
        for one positive series, True when Guerrero's method says its spread
        grows with its level (``choices_["log"]``).
    known_future : list of str or None, default=None
        Columns of ``X`` whose future is known (calendar, planned
        promotions, prices fixed ahead). A first step
        (:class:`~skl_lstm.KnownFutureTransformer`, named
        ``known_future``) appends their values at ``t + 1 .. t + H`` to
        row ``t``, within each series; every other column stays a past
        covariate. Pass the values after the data's end with
        :func:`skl_lstm.forecast` ``(..., future=)``. None leaves the recipe
        as it is. With ``log``, these columns are logged too, so a 0/1 column
        makes ``log="auto"`` choose False (see ``docs/covariates.md``).
    static : list of str or None, default=None
        Columns of ``X`` constant within each series (a region or category,
        one-hot encoded; ``panel.join(frame_indexed_by_series)`` broadcasts
        them). They are checked constant and reach the network as they are,
        not differenced (``WindowTransformer(undifferenced=static)``), so the
        network can tell the series apart. None: no static columns.
    fallback : bool or "auto", default="auto"
        After fitting, the model is scored on its validation tail against the
        naive forecast and, with ``seasonal_period``, the seasonal naive one
        (``validation_errors_``); a
        :class:`~skl_lstm.exceptions.WorseThanBaselineWarning` says when a
        baseline wins. ``True``: the model then forecasts with that baseline
        (``forecaster_``), so it does no worse than it on data like its
        latest. ``"auto"``: for one series, switch only when the baseline's
        win is significant (a one-sided paired t-test at 5 %); a panel keeps
        its network.
    seasonal_difference : bool or "auto", default=False
        Learn the change from the value one season before the target (the
        seasonal naive forecast) rather than from the last value.
        ``"auto"``: for one series with ``seasonal_period``, when its
        seasonal strength (Wang, Smith & Hyndman 2006) is at least 0.64, the
        rule of R's ``nsdiffs``; a panel keeps first differences
        (``choices_["seasonal_difference"]``). Not the default: on the
        generalise benchmark's dev part it made the one-step forecasts of
        three of the four strongly seasonal statsmodels series worse
        (``docs/recipe.md``); the two seasons of differenced inputs let the
        linear start learn the seasonal difference itself.
    **overrides : dict
        :class:`~skl_lstm.LSTMRegressor` parameters replacing the recipe's
        (e.g. ``units=64``, ``random_state=0``).

    Returns
    -------
    DifferencedTargetRegressor
        The composed, unfitted estimator.

    Notes
    -----
    The defaults (``skl_lstm._recipes.RECIPE_DEFAULTS``) come from ``benchmarks/accuracy.py``
    (table in ``docs/accuracy.md``): on every benchmark series the untuned
    recipe beats the naive forecast. The linear skip branch (``linear_skip``,
    started at the ridge fit of the windows) is what makes it at least as
    good as a linear autoregression on short series; the target change, the
    input differencing and the scaling keep trends inside the range the
    network was trained on.

    The grid worth searching, with ``GridSearchCV(model, grid,
    cv=TimeSeriesSplit(3), scoring=FORECAST_SCORING, refit="mape")`` (``m`` is
    the seasonal period, or 6 for a series without one)::

        grid = {
            "regressor__lstm__lookback": [m, 2 * m],
            "regressor__difference__diff": [0, 1],   # 0 suits stationary series
            "regressor__lstm__units": [32, 64],
            "regressor__lstm__learning_rate": [1e-3, 3e-3],
        }

    Examples
    --------
    >>> from skl_lstm import recommended_pipeline
    >>> model = recommended_pipeline(seasonal_period=12, log=True, random_state=0)
    >>> sorted(model.regressor.named_steps), model.log
    (['difference', 'lstm', 'scale'], True)
    >>> model.get_params()["regressor__lstm__lookback"], model.get_params()["regressor__lstm__units"]
    (24, 32)
    """
    from .lstm import LSTMRegressor

    if window is None:
        window = default_window(seasonal_period)
    params = {**RECIPE_DEFAULTS, "lookback": window, **overrides}
    network = Pipeline(
        [
            ("difference", WindowTransformer(1, diff=diff, undifferenced=static)),
            ("scale", StandardScaler()),
            ("lstm", LSTMRegressor(**params)),
        ]
    )
    if known_future is not None or static is not None:  # before any step looks back, as ordinary columns
        network.steps.insert(0, ("known_future", KnownFutureTransformer(known_future, static=static)))
    # pandas output carries X's index to the network: for a panel, its (series,
    # time) rows decide each series' validation tail (column names play no part)
    network.set_output(transform="pandas")
    return DifferencedTargetRegressor(
        network, reference=reference, transformer=StandardScaler(), log=log, scale_series="auto",
        seasonal_period=seasonal_period, fallback=fallback, seasonal_difference=seasonal_difference,
    )


def recipe_grid(estimator, grid):
    """Expand short parameter names into an estimator's full nested names (deprecated).

    .. deprecated:: 0.2
        The recipe is flat now: write ``regressor__lstm__units`` and
        ``regressor__lstm__lookback`` (the window) directly. ``recipe_grid`` warns
        (``FutureWarning``) and is removed in the next release.

    This maps each short name to the one nested parameter whose last part it
    is.

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
    >>> import warnings
    >>> from skl_lstm import recipe_grid, recommended_pipeline
    >>> model = recommended_pipeline(seasonal_period=12, log=True)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", FutureWarning)
    ...     recipe_grid(model, {"window": [12, 24], "units": [16, 32]})
    {'regressor__lstm__lookback': [12, 24], 'regressor__lstm__units': [16, 32]}
    """
    warnings.warn(
        "recipe_grid is deprecated and will be removed in the next release: the recipe is flat, so write the "
        "names directly, e.g. {'regressor__lstm__units': [16, 32], 'regressor__lstm__lookback': [12, 24]}.",
        FutureWarning,
        stacklevel=user_stacklevel(),
    )
    return _expand(estimator, grid)


def _expand(estimator, grid):
    if isinstance(grid, list):
        return [_expand(estimator, g) for g in grid]
    params = estimator.get_params(deep=True)
    # Leaf hyperparameters only: a step named like a parameter ("window") is not one.
    names = [name for name, value in params.items() if not hasattr(value, "get_params")]
    expanded = {}
    for short, values in grid.items():
        if short == "window" and "regressor__lstm__lookback" in params:  # the recipe's window is the LSTM's lookback
            short = "regressor__lstm__lookback"
        if short in names:
            expanded[short] = values
            continue
        flat = flat_recipe_key(short, params)
        if flat != short:  # a name of the nested recipe
            expanded[flat] = values
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
