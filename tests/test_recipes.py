"""The linear skip branch, the flat recipe and its deprecation paths."""

import warnings

import numpy as np
import pytest
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skl_lstm import DifferencedTargetRegressor, LSTMRegressor, WindowTransformer, recipe_grid, recommended_pipeline
from skl_lstm._recipes import RECIPE_DEFAULTS
from skl_lstm.datasets import load_airline, make_supervised


def _ar_windows(n=160, window=6, seed=0):
    rng = np.random.default_rng(seed)
    series = np.zeros(n + window + 1)
    for t in range(2, series.size):
        series[t] = 0.6 * series[t - 1] - 0.3 * series[t - 2] + rng.normal()
    X = np.lib.stride_tricks.sliding_window_view(series[:-1], window)[: n]
    y = series[window : window + n]
    return X.astype(np.float32), y


def test_linear_skip_starts_from_the_ridge_fit():
    X, y = _ar_windows()
    # A learning rate of ~0 keeps the starting weights: the network must then
    # predict exactly what the ridge fit of the training windows predicts.
    model = LSTMRegressor(
        linear_skip=True, epochs=1, learning_rate=1e-12, validation_fraction=0.0, early_stopping=False, random_state=0
    ).fit(X, y)
    ridge = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(X, y)
    np.testing.assert_allclose(model.predict(X), ridge.predict(X), atol=1e-4)
    plain = LSTMRegressor(epochs=1, learning_rate=1e-12, validation_fraction=0.0, early_stopping=False, random_state=0)
    assert not np.allclose(plain.fit(X, y).predict(X), ridge.predict(X), atol=1e-2)


def test_linear_skip_learns_a_nonlinear_residual():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 4)).astype(np.float32)
    y = X[:, -1] + np.sin(3 * X[:, -2])  # linear part + a part no linear model captures
    ridge_mse = np.mean((RidgeCV().fit(X[:300], y[:300]).predict(X[300:]) - y[300:]) ** 2)
    # The LSTM starts with zero output weights, so it needs a few epochs to
    # leave the linear solution: a patience of 30 gives it room.
    model = LSTMRegressor(16, linear_skip=True, epochs=150, learning_rate=1e-2, patience=30, random_state=0)
    model.fit(X[:300], y[:300])
    lstm_mse = np.mean((model.predict(X[300:]) - y[300:]) ** 2)
    assert lstm_mse < 0.5 * ridge_mse, (lstm_mse, ridge_mse)
    # where it helps, the trained LSTM part is kept (not the linear start)
    assert model.best_epoch_ >= 1
    assert np.any(model.model_.get_layer("forecast").kernel.numpy())


def test_linear_skip_keeps_the_linear_start_when_no_epoch_beats_it():
    X, y = _ar_windows()
    # An AR(2) process: the ridge start is already the best model, and a
    # learning rate far too high only makes the LSTM part worse on the tail
    # (at 5.0 one epoch of one seed came out below the start on one CPU; 50 diverges on every seed and CPU tried).
    model = LSTMRegressor(8, linear_skip=True, epochs=5, learning_rate=50.0, patience=2, random_state=0).fit(X, y)
    assert model.best_epoch_ == 0
    assert len(model.history_["val_loss"]) >= 1
    # the start the tail tested was fitted without it; the start kept is refitted on every row
    ridge = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(X, y)
    np.testing.assert_allclose(model.predict(X), ridge.predict(X), atol=1e-4)
    head = model.model_.get_layer("forecast")
    assert not np.any(head.kernel.numpy()) and not np.any(head.bias.numpy())


def test_linear_skip_handles_missing_steps_and_round_trips(tmp_path):
    X, y = _ar_windows(n=80)
    X[:5, :3] = np.nan  # warm-up steps
    model = LSTMRegressor(8, linear_skip=True, epochs=3, random_state=0).fit(X, y)
    pred = model.predict(X)
    assert np.isfinite(pred).all()
    path = tmp_path / "skip.skl-lstm"
    model.save(path)
    np.testing.assert_array_equal(LSTMRegressor.load(path).predict(X), pred)


def test_recipe_uses_the_linear_skip():
    assert recommended_pipeline(window=12).get_params()["regressor__lstm__linear_skip"] is True


# --------------------------------------------------------------------------- the flat recipe
def _windowing_recipe(log, **params):
    """The recipe written with a windowing step: the scaled changes cut into windows before the LSTM."""
    network = Pipeline(
        [
            ("difference", WindowTransformer(1, diff=1)),
            ("scale", StandardScaler()),
            ("window", WindowTransformer(12)),
            ("lstm", LSTMRegressor(**{**RECIPE_DEFAULTS, **params})),
        ]
    ).set_output(transform="pandas")
    return DifferencedTargetRegressor(network, transformer=StandardScaler(), log=log)


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("all_horizons", [False, True], ids=["one horizon", "two horizons"])
def test_recipe_gathers_the_windows_a_windowing_step_would_cut(log, all_horizons):
    # the recipe's LSTM cuts its windows itself (lookback) from the scaled changes: the same model, rows stored once
    X, y = make_supervised(load_airline(), horizon=2 if all_horizons else 1, all_horizons=all_horizons)
    params = dict(units=4, epochs=3, random_state=0)
    cut = _windowing_recipe(log, **params).fit(X.iloc[:100], y.iloc[:100]).predict(X.iloc[100:])
    model = recommended_pipeline(window=12, log=log, **params).fit(X.iloc[:100], y.iloc[:100])
    new = model.predict(X.iloc[100:])
    assert model.regressor_.named_steps["lstm"].lookback_ == 12
    assert new.shape == cut.shape == ((len(X) - 100, 2) if all_horizons else (len(X) - 100,))
    np.testing.assert_array_equal(new, cut)


def test_every_recipe_setting_is_one_step_deep():
    model = recommended_pipeline(seasonal_period=12, log=True)
    assert isinstance(model, DifferencedTargetRegressor) and isinstance(model.regressor, Pipeline)
    assert list(model.regressor.named_steps) == ["difference", "scale", "lstm"]
    params = model.get_params()
    assert params["log"] is True and params["reference"] == "auto"
    assert params["regressor__lstm__lookback"] == 24 and params["regressor__difference__diff"] == 1
    assert params["regressor__difference__window"] == 1
    assert params["regressor__lstm__units"] == 32 and isinstance(params["transformer"], StandardScaler)
    # no parameter is more than <wrapper>__<step>__<param> deep (LSTMRegressor's own routed names aside)
    assert max(k.count("__") for k in params if not k.startswith("regressor__lstm__")) == 2
    model.set_params(regressor__lstm__units=8, regressor__lstm__lookback=6, log=False)
    assert (model.regressor.named_steps["lstm"].units, model.regressor.named_steps["lstm"].lookback) == (8, 6)


def test_hand_written_grid_with_time_series_split():
    X, y = make_supervised(load_airline())
    model = recommended_pipeline(log=True, epochs=2, random_state=0)
    grid = {"regressor__lstm__lookback": [6, 12], "regressor__lstm__units": [2, 4], "log": [True]}
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)  # flat names: no deprecation path involved
        search = GridSearchCV(model, grid, cv=TimeSeriesSplit(2), scoring="neg_mean_absolute_percentage_error")
        search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4 and np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_estimator_
    assert best.regressor_.named_steps["lstm"].lookback_ == search.best_params_["regressor__lstm__lookback"]
    assert best.regressor_.named_steps["lstm"].units == search.best_params_["regressor__lstm__units"]


# --------------------------------------------------------------------------- deprecation paths
@pytest.mark.parametrize(
    "old, new",
    [
        ("regressor__regressor__lstm__units", "regressor__lstm__units"),
        ("regressor__model__regressor__regressor__lstm__units", "regressor__lstm__units"),
        ("regressor__model__regressor__regressor__window__window", "regressor__lstm__lookback"),
        ("regressor__transformer__with_mean", "transformer__with_mean"),
        ("regressor__model__reference", "reference"),
    ],
)
def test_nested_names_are_translated_with_a_future_warning(old, new):
    model = recommended_pipeline(window=12, log=True)
    value = model.get_params()[new]
    value = 7 if isinstance(value, int) and not isinstance(value, bool) else (not value if isinstance(value, bool)
                                                                                else "passengers")
    with pytest.warns(FutureWarning, match=f"^{old!r} is the name in the nested recipe .* write {new!r}"):
        model.set_params(**{old: value})
    assert model.get_params()[new] == value


@pytest.mark.parametrize(
    "old, new",
    [
        ("regressor__window__window", "regressor__lstm__lookback"),
        ("regressor__window__diff", "regressor__difference__diff"),
        ("regressor__window__carry_over", "regressor__difference__carry_over"),
    ],
)
def test_window_step_names_of_the_previous_release_are_translated(old, new):
    model = recommended_pipeline(window=12)
    value = False if new.endswith("carry_over") else 2
    with pytest.warns(FutureWarning) as record:
        model.set_params(**{old: value})
    assert str(record[0].message) == (
        f"{old!r} is the name in the recipe of skl_lstm 0.2; the LSTM now cuts its own windows (lookback) from the "
        f"rows the 'difference' step differences: write {new!r}. The old name stops working in the next release."
    )
    assert model.get_params()[new] == value


def test_window_step_names_in_a_grid_search_still_work_for_one_release():
    X, y = make_supervised(load_airline())
    model = recommended_pipeline(window=6, epochs=1, random_state=0)
    grid = {"regressor__window__window": [4, 6]}
    with pytest.warns(FutureWarning, match="write 'regressor__lstm__lookback'"):
        search = GridSearchCV(model, grid, cv=TimeSeriesSplit(2), error_score="raise").fit(X, y)
    assert search.best_estimator_.regressor_.named_steps["lstm"].lookback_ in (4, 6)


def test_nested_names_in_a_grid_search_still_work_for_one_release():
    X, y = make_supervised(load_airline())
    model = recommended_pipeline(window=6, epochs=1, random_state=0)
    grid = {"regressor__model__regressor__regressor__lstm__units": [2, 3]}
    with pytest.warns(FutureWarning, match="write 'regressor__lstm__units'"):
        search = GridSearchCV(model, grid, cv=TimeSeriesSplit(2), error_score="raise").fit(X, y)
    assert search.best_estimator_.regressor_.named_steps["lstm"].units in (2, 3)


def test_a_name_that_is_neither_old_nor_new_is_refused():
    model = recommended_pipeline(window=12)
    with pytest.raises(ValueError, match="Invalid parameter 'unit'"):
        model.set_params(regressor__lstm__unit=4)
    with pytest.raises(ValueError, match="Invalid parameter 'log'"):  # the old outer log wrapper has no equivalent
        model.set_params(regressor__log__func=np.log)


def test_recipe_grid_is_deprecated_but_expands_short_and_old_names():
    model = recommended_pipeline(seasonal_period=12, log=True)
    with pytest.warns(FutureWarning, match="recipe_grid is deprecated .* write the names directly, e.g. "
                                           r"\{'regressor__lstm__units'"):
        expanded = recipe_grid(model, [{"units": [16], "window": [12]},
                                       {"regressor__model__regressor__regressor__lstm__dropout": [0.2]}])
    assert expanded == [
        {"regressor__lstm__units": [16], "regressor__lstm__lookback": [12]},
        {"regressor__lstm__dropout": [0.2]},
    ]


def test_recipe_grid_refuses_unknown_and_ambiguous_names():
    model = recommended_pipeline(window=12)
    with pytest.warns(FutureWarning), pytest.raises(ValueError) as err:
        recipe_grid(model, {"unit": [16]})
    assert str(err.value) == (
        "recipe_grid: 'unit' matches no parameter of DifferencedTargetRegressor; "
        "write the full nested name (see estimator.get_params().keys())."
    )
    # Both the target scaler and the input scaler have ``with_mean``.
    with pytest.warns(FutureWarning), pytest.raises(
        ValueError, match=r"'with_mean' matches 2 parameters \(regressor__scale__with_mean, transformer__with_mean\)"
    ):
        recipe_grid(model, {"with_mean": [True]})


def test_the_recipe_draws_as_a_readable_html_diagram():
    # what a notebook shows for the unfitted recipe: scikit-learn's estimator diagram
    from sklearn.utils import estimator_html_repr

    html = estimator_html_repr(recommended_pipeline(window=12, seasonal_period=12, log=True))
    for label in ("DifferencedTargetRegressor", "regressor: Pipeline", "transformer: StandardScaler",
                  "WindowTransformer", "LSTMRegressor"):
        assert label in html, label
    assert html.index("WindowTransformer") < html.index("LSTMRegressor")  # the steps in their order
    # the parameters the recipe sets are in the diagram's details
    assert "lookback" in html and "linear_skip" in html
