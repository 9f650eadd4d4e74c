"""Covariates: known-future columns (KnownFutureTransformer, the recipe's known_future, forecast's future=)
and static columns, on panels and single series."""

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline

import skl_lstm
from skl_lstm import DifferencedTargetRegressor, KnownFutureTransformer, WindowTransformer, forecast
from skl_lstm.datasets import make_supervised
from skl_lstm.exceptions import MissingFutureWarning

H = 3
TRAIN_END = 60  # rows (origins) before this time train the models; later ones are held out


def promo_panel(n_series=6, n=80, seed=0, shuffle=True):
    """Series whose level jumps by 6 on promotion days: the promo at t+h decides y at t+h."""
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(n_series):
        t = np.arange(n)
        promo = (rng.random(n) < 0.25).astype(float)
        y = 20 + 3 * k + 2 * np.sin(2 * np.pi * t / 7 + k) + 6 * promo + rng.normal(0, 0.3, n)
        index = pd.MultiIndex.from_product([[f"s{k}"], t], names=["series", "time"])
        frames.append(pd.DataFrame({"y": y, "promo": promo, "noise": rng.normal(size=n)}, index=index))
    panel = pd.concat(frames)
    return panel.sample(frac=1, random_state=seed) if shuffle else panel


def ridge_model(known_future=("promo",), window=7):
    """The recipe's structure with a ridge in the LSTM's place: fast and deterministic."""
    steps = [("window", WindowTransformer(window, diff=1)), ("impute", SimpleImputer(keep_empty_features=True)),
             ("ridge", Ridge(1e-3))]
    if known_future:
        steps.insert(0, ("known_future", KnownFutureTransformer(list(known_future))))
    return DifferencedTargetRegressor(Pipeline(steps).set_output(transform="pandas"))


def quiet(fn, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # filled leads, first rows without history
        return fn(*args)


@pytest.fixture(scope="module")
def data():
    panel = promo_panel()
    X, y = make_supervised(panel, horizon=H, target="y", all_horizons=True)
    train = X.index.get_level_values("time") < TRAIN_END
    return panel, X, y, train


@pytest.fixture(scope="module")
def lstm_model(data):
    """The recipe with the promo as known future: tiny, few epochs (the ridge start does most of the work)."""
    pytest.importorskip("keras")
    from skl_lstm import recommended_pipeline

    _, X, y, train = data
    model = recommended_pipeline(window=14, seasonal_period=7, known_future=["promo"], random_state=0, epochs=5,
                                 units=4)
    return model.fit(X[train], y[train])


# --------------------------------------------------------------------------- the transformer
def test_leads_come_from_the_same_series_and_stop_at_its_end():
    panel = promo_panel(n_series=3, n=12)
    step = KnownFutureTransformer(["promo"], horizon=H).set_output(transform="pandas")
    out = step.fit_transform(panel)
    assert out.index.equals(panel.index)  # the rows' given order
    assert list(out.columns) == ["y", "promo", "noise", "promo_lead1", "promo_lead2", "promo_lead3"]
    pd.testing.assert_frame_equal(out[["y", "promo", "noise"]], panel)
    for (series, time), row in out.iterrows():
        for h in range(1, H + 1):
            # the value h steps later in this series, or its last value beyond its end (time 11)
            assert row[f"promo_lead{h}"] == panel.loc[(series, min(time + h, 11)), "promo"]


def test_fit_transform_fills_silently_and_transform_warns_naming_rows_and_series():
    panel = promo_panel(n_series=3, n=12)
    step = KnownFutureTransformer(["promo"], horizon=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted = step.fit_transform(panel)
    message = (
        "KnownFutureTransformer: 6 row(s) of 3 series need values of ['promo'] after their series' last row "
        "(leads up to horizon=2), which X does not hold; they were filled with the series' last value. To forecast "
        "with the true future values, pass them to skl_lstm.forecast(model, data, future=...). Silence this with "
        "warnings.filterwarnings('ignore', category=skl_lstm.exceptions.MissingFutureWarning)."
    )
    with pytest.warns(MissingFutureWarning, match=re.escape(message)):
        np.testing.assert_array_equal(step.transform(panel), fitted)


def test_a_single_series_and_arrays_take_positions():
    values = np.column_stack([np.arange(5.0), [0.0, 1, 0, 1, 1]])
    step = KnownFutureTransformer([1], horizon=2).fit(values)
    with pytest.warns(MissingFutureWarning, match=re.escape("2 row(s) of 1 series")):
        out = step.transform(values)
    np.testing.assert_array_equal(out[:, 2:], [[1, 0], [0, 1], [1, 1], [1, 1], [1, 1]])
    assert list(step.get_feature_names_out()) == ["x0", "x1", "x1_lead1", "x1_lead2"]
    assert quiet(step.transform, values.astype(np.float32)).dtype == np.float32


def test_horizon_auto_reads_make_supervised():
    X, _ = make_supervised(promo_panel(n_series=2, n=10), horizon=4, target="y")  # one output, 4 steps ahead
    assert KnownFutureTransformer(["promo"]).fit(X).horizon_ == 4
    with pytest.raises(ValueError, match=re.escape(
        "KnownFutureTransformer: horizon='auto' reads the horizon make_supervised records on X, but this X "
        "(ndarray) carries no record; pass horizon=<steps ahead> (the largest horizon of y).")):
        KnownFutureTransformer([1]).fit(X.to_numpy())


@pytest.mark.parametrize(
    "params, message",
    [
        ({}, "KnownFutureTransformer: columns=None and static=None name no covariate; pass the known-future "
             "columns (e.g. columns=['promo']) and/or the static ones (static=['region'])."),
        ({"columns": "promo"}, "KnownFutureTransformer: columns='promo' must be a list of column names or "
                               "positions; write columns=['promo']."),
        ({"columns": ["promo", "promo"]}, "KnownFutureTransformer: columns=['promo', 'promo'] names column 'promo' "
                                          "more than once; list each column once."),
        ({"columns": ["price"]}, "KnownFutureTransformer: columns='price' is not one of the columns of X: "
                                 "['y', 'promo', 'noise']."),
        ({"columns": ["y"]}, "KnownFutureTransformer: columns names the target 'y'; its future is what the model "
                             "forecasts, so it cannot be a covariate. Remove it from columns."),
        ({"columns": ["promo"], "static": ["promo"]}, "KnownFutureTransformer: column 'promo' is in both columns "
                                                      "and static; a static column is constant within each series, "
                                                      "so it needs no leads: list it in static only."),
        ({"columns": ["promo"], "horizon": 0}, "The 'horizon' parameter of KnownFutureTransformer must be"),
    ],
)
def test_parameter_errors_name_the_fix(params, message):
    X, _ = make_supervised(promo_panel(n_series=2, n=10), horizon=2, target="y")
    with pytest.raises((ValueError, TypeError), match=re.escape(message)):
        KnownFutureTransformer(**params).fit(X)


def test_known_future_values_must_be_finite():
    panel = promo_panel(n_series=2, n=10, shuffle=False)
    panel.iloc[3, 1] = np.nan
    with pytest.raises(ValueError, match=re.escape(
        "KnownFutureTransformer: covariate 'promo' is NaN at row 3; known-future and static columns must be "
        "known. Fill the value")):
        KnownFutureTransformer(["promo"], horizon=1).fit(panel)
    panel.iloc[3, 1] = 0.0
    panel.iloc[3, 2] = np.nan  # a gap in a past covariate passes through
    assert np.isnan(KnownFutureTransformer(["promo"], horizon=1).fit_transform(panel)[3, 2])


def test_static_columns_pass_through_and_must_not_vary_within_a_series():
    panel = promo_panel(n_series=3, n=8)
    region = {"s0": 1.0, "s1": 0.0, "s2": 1.0}
    panel["north"] = panel.index.get_level_values("series").map(region).astype(float)
    step = KnownFutureTransformer(["promo"], horizon=2, static=["north"])
    with pytest.warns(MissingFutureWarning):
        out = step.fit(panel).transform(panel)
    assert list(step.get_feature_names_out()) == ["y", "promo", "noise", "north", "promo_lead1", "promo_lead2"]
    np.testing.assert_array_equal(out[:, 3], panel["north"].to_numpy())
    assert KnownFutureTransformer(static=["north"]).fit(panel).transform(panel).shape == (24, 4)  # no leads
    changed = panel.copy()
    changed.loc[("s1", 5), "north"] = 1.0
    message = (
        "KnownFutureTransformer: static column 'north' varies within series 's1' (0.0 at time 0, 1.0 at time 5); "
        "a static covariate holds one value per series. Pass a column that varies over time in columns (if its "
        "future is known) or leave it as an ordinary past column."
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        step.fit(changed)
    with pytest.raises(ValueError, match=re.escape(message)):
        KnownFutureTransformer(static=["north"]).fit(panel).transform(changed)


def test_clone_pickle_and_set_output():
    panel = promo_panel(n_series=2, n=6)
    step = KnownFutureTransformer(["promo"], horizon=2, static=None).fit(panel)
    assert clone(step).get_params() == step.get_params()
    again = pickle.loads(pickle.dumps(step))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingFutureWarning)
        np.testing.assert_array_equal(again.transform(panel), step.transform(panel))
        frame = clone(step).set_output(transform="pandas").fit(panel).transform(panel)
    assert list(frame.columns) == list(step.get_feature_names_out()) and frame.index.equals(panel.index)


# --------------------------------------------------------------------------- no leaks
def _perturbed_after(panel, column, cut, scale=10.0):
    """``panel`` with ``column`` changed at every time after ``cut``."""
    changed = panel.copy()
    later = changed.index.get_level_values("time") > cut
    changed.loc[later, column] = changed.loc[later, column] * scale + 1.0
    return changed


@pytest.mark.parametrize("which", ["ridge", "lstm"])
def test_no_future_target_or_unnamed_column_reaches_row_t(which, data, request):
    panel, X, y, train = data
    model = ridge_model().fit(X[train], y[train]) if which == "ridge" else request.getfixturevalue("lstm_model")
    cut = 65
    base = quiet(model.predict, panel)
    upto = panel.index.get_level_values("time") <= cut
    for column in ("y", "noise"):
        changed = quiet(model.predict, _perturbed_after(panel, column, cut))
        np.testing.assert_array_equal(changed[upto], base[upto])  # rows up to t: unchanged
        assert not np.allclose(changed[~upto], base[~upto])  # the change is seen where it is the past
    # the known-future column reaches back exactly H steps, no further
    changed = quiet(model.predict, _perturbed_after(panel, "promo", cut))
    times = panel.index.get_level_values("time")
    np.testing.assert_array_equal(changed[times <= cut - H], base[times <= cut - H])
    assert not np.allclose(changed[times == cut], base[times == cut])


# --------------------------------------------------------------------------- accuracy
def test_the_known_future_promo_makes_the_forecast_clearly_better(data, lstm_model):
    from skl_lstm import recommended_pipeline

    panel, X, y, train = data
    without = recommended_pipeline(window=14, seasonal_period=7, random_state=0, epochs=5, units=4)
    without.fit(X[train], y[train])
    # held-out origins, predicted from the whole panel: history up to t, the promo's known future after t
    rows = panel.index.get_indexer(X.index[~train])

    def error(model):
        return np.abs(quiet(model.predict, panel)[rows] - y[~train].to_numpy()).mean()

    with_promo, without_promo = error(lstm_model), error(without)
    assert with_promo < 0.5 * without_promo, (with_promo, without_promo)


def test_cross_validation_reads_the_horizon_in_every_fold(data):
    from sklearn.model_selection import cross_val_score

    from skl_lstm.model_selection import PanelTimeSeriesSplit

    _, X, y, _ = data
    cv = PanelTimeSeriesSplit(n_splits=3, test_size=10, gap=H - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingFutureWarning)  # each test fold's last rows
        with_promo = cross_val_score(ridge_model(), X, y, cv=cv, scoring="neg_mean_absolute_error")
        without = cross_val_score(ridge_model(known_future=()), X, y, cv=cv, scoring="neg_mean_absolute_error")
    assert np.all(with_promo > without)


# --------------------------------------------------------------------------- forecast(future=)
def _split_end(panel, end):
    times = panel.index.get_level_values("time")
    return panel[times <= end], panel[times > end]


def test_forecast_with_future_equals_predicting_with_the_true_rows(data):
    panel, X, y, train = data
    model = ridge_model().fit(X, y)
    history, ahead = _split_end(panel, 70)
    truth = ahead[ahead.index.get_level_values("time") <= 70 + H]
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissingFutureWarning)  # the future covers every lead that is read
        out = forecast(model, history, future=truth[["promo"]].sample(frac=1, random_state=1))
    assert list(out.columns) == ["series", "time", "horizon", "forecast"] and len(out) == 6 * H
    assert list(out.loc[out["series"] == "s2", "time"]) == [71, 72, 73]
    known = quiet(model.predict, pd.concat([history, truth]))  # the real rows, target and all
    ends = pd.concat([history, truth]).index.get_indexer([(f"s{k}", 70) for k in range(6)])
    np.testing.assert_allclose(out["forecast"].to_numpy().reshape(6, H), known[ends], rtol=1e-12)
    # without future=, the promo is carried forward from each series' last row, with a warning
    with pytest.warns(MissingFutureWarning, match="pass them to skl_lstm.forecast"):
        blind = forecast(model, history)
    assert not np.allclose(blind["forecast"], out["forecast"])
    # more future rows than needed are fine
    longer = ahead[ahead.index.get_level_values("time") <= 75][["promo"]]
    pd.testing.assert_frame_equal(forecast(model, history, future=longer), out)


def test_forecast_with_future_on_the_lstm_recipe(data, lstm_model):
    panel, *_ = data
    history, ahead = _split_end(panel, 76)
    with warnings.catch_warnings():
        warnings.simplefilter("error", MissingFutureWarning)
        out = forecast(lstm_model, history, future=ahead[["promo"]])
    known = quiet(lstm_model.predict, panel)[panel.index.get_indexer([(f"s{k}", 76) for k in range(6)])]
    np.testing.assert_allclose(out["forecast"].to_numpy().reshape(6, H), known, rtol=1e-5)


def test_forecast_with_future_on_a_single_series():
    panel = promo_panel(n_series=1, n=60, shuffle=False).droplevel("series")
    panel.index = pd.date_range("2020-01-01", periods=60, freq="D", name="day")
    X, y = make_supervised(panel, horizon=2, target="y", all_horizons=True)
    model = ridge_model().fit(X, y)
    history, ahead = panel.iloc[:50], panel.iloc[50:52]
    out = forecast(model, history, future=ahead[["promo"]])
    assert list(out["time"]) == list(pd.date_range("2020-02-20", periods=2, freq="D"))
    known = quiet(model.predict, panel.iloc[:52])[49]
    np.testing.assert_allclose(out["forecast"], known, rtol=1e-12)


def test_forecast_future_errors_name_the_fix(data):
    panel, X, y, _ = data
    model = ridge_model().fit(X, y)
    history, longer = _split_end(panel, 70)
    longer = longer[longer.index.get_level_values("time") <= 75]
    ahead = longer[longer.index.get_level_values("time") <= 70 + H]
    cases = [
        (ahead[["promo"]].drop(("s3", 73)), ValueError,
         "forecast: future has 2 row(s) of series 's3'; the model leads its known-future columns 3 steps, so it "
         "needs the 3 steps after the end: [71, 72, 73]."),
        (longer[["promo"]].drop(("s3", 71)), ValueError,
         "forecast: future's times of series 's3' must be the steps right after its end, [71, 72, 73, 74]; got "
         "[72, 73, 74, 75]."),
        (ahead[["promo"]].drop("s4", level=0), ValueError,
         "forecast: future has 0 row(s) of series 's4'; the model leads its known-future columns 3 steps"),
        (ahead[["noise"]], ValueError,
         "forecast: future lacks ['promo'] and has ['noise'], whose future the model does not take as known; pass "
         "exactly the known-future columns ['promo'] (e.g. future[['promo']])."),
        (ahead[["promo", "y"]], ValueError,
         "forecast: future has ['y'], whose future the model does not take as known; pass exactly the "
         "known-future columns ['promo']"),
        (ahead[["promo"]].rename(index={"s0": "s9"}, level=0), ValueError,
         "forecast: future has rows for series ['s9'] that data does not hold; drop them."),
        (ahead[["promo"]].droplevel(0), ValueError,
         "forecast: future must be a panel indexed by (series, time), as data is; got a Index."),
        (ahead["promo"], TypeError,
         "forecast: future must be a pandas DataFrame of the known-future columns ['promo'] indexed like data, "
         "got Series."),
    ]
    for future, error, message in cases:
        with pytest.raises(error, match=re.escape(message)):
            forecast(model, history, future=future)
    nan = ahead[["promo"]].copy()
    nan.iloc[0, 0] = np.nan
    where = (nan.index[0][0], int(nan.index[0][1]))
    with pytest.raises(ValueError, match=re.escape(f"forecast: future['promo'] is nan at {where!r}; known-future "
                                                   "values must be finite. Fill them.")):
        forecast(model, history, future=nan)
    plain = ridge_model(known_future=()).fit(X[["y", "promo"]], y)
    with pytest.raises(ValueError, match=re.escape(
        "forecast: future= holds known-future covariates, but the model has no known-future step")):
        forecast(plain, history[["y", "promo"]], future=ahead[["promo"]])


# --------------------------------------------------------------------------- the recipe and persistence
def test_the_recipe_without_known_future_is_unchanged():
    pytest.importorskip("keras")
    from skl_lstm import recommended_pipeline

    default, explicit = recommended_pipeline(window=6), recommended_pipeline(window=6, known_future=None)
    assert [name for name, _ in default.regressor.steps] == ["difference", "scale", "lstm"]
    assert repr(default.get_params(deep=True)) == repr(explicit.get_params(deep=True))
    with_future = recommended_pipeline(window=6, known_future=["promo"])
    assert [name for name, _ in with_future.regressor.steps] == ["known_future", "difference", "scale", "lstm"]
    assert with_future.get_params()["regressor__known_future__columns"] == ["promo"]


def test_the_fitted_recipe_clones_pickles_saves_and_loads(data, lstm_model, tmp_path):
    panel, X, y, train = data
    expected = quiet(lstm_model.predict, panel)
    path = tmp_path / "covariates.skl-lstm"
    skl_lstm.save(lstm_model, path)
    np.testing.assert_array_equal(quiet(skl_lstm.load(path).predict, panel), expected)
    np.testing.assert_array_equal(quiet(pickle.loads(pickle.dumps(lstm_model)).predict, panel), expected)
    assert clone(lstm_model).get_params()["regressor__known_future__columns"] == ["promo"]


# --------------------------------------------------------------------------- static columns reach the network
def test_undifferenced_columns_keep_their_values_within_each_series():
    panel = promo_panel(n_series=3, n=8, shuffle=False)
    panel["north"] = panel.index.get_level_values("series").map({"s0": 1.0, "s1": 0.0, "s2": 1.0}).astype(float)
    step = WindowTransformer(2, diff=1, undifferenced=["north"])
    out = step.fit_transform(panel)
    names = list(step.get_feature_names_out())
    assert names == ["y_d1_lag1", "promo_d1_lag1", "noise_d1_lag1", "north_lag1",
                     "y_d1_lag0", "promo_d1_lag0", "noise_d1_lag0", "north_lag0"]
    np.testing.assert_array_equal(out[:, 7], panel["north"].to_numpy())  # every row, a series' first one too
    assert np.isnan(out[[0, 8, 16], 4]).all()  # the target's change still starts missing in each series
    differenced = WindowTransformer(2, diff=1).fit_transform(panel)
    np.testing.assert_array_equal(np.delete(out, [3, 7], axis=1), np.delete(differenced, [3, 7], axis=1))
    positions = WindowTransformer(2, diff=1, undifferenced=[3]).fit_transform(panel.to_numpy())  # one series
    np.testing.assert_array_equal(positions[:, 7], panel["north"].to_numpy())
    np.testing.assert_array_equal(positions[1:, 3], panel["north"].to_numpy()[:-1])
    with pytest.raises(ValueError, match=re.escape(
            "WindowTransformer: undifferenced='south' is not one of the columns of X: "
            "['y', 'promo', 'noise', 'north'].")):
        WindowTransformer(2, diff=1, undifferenced=["south"]).fit(panel)
    with pytest.raises(ValueError, match=re.escape(
            "WindowTransformer: undifferenced=9 is out of range for X with 4 column(s); use a position in [0, 3] "
            "or a column name.")):
        WindowTransformer(2, diff=1, undifferenced=[9]).fit(panel)


def test_the_recipe_passes_static_columns_to_the_network_as_they_are(data):
    pytest.importorskip("keras")
    from skl_lstm import recommended_pipeline
    from skl_lstm.diagnostics._inspect import network_data

    panel, X, y, train = data
    group = {f"s{k}": float(k % 2) for k in range(6)}
    X = X.assign(odd=X.index.get_level_values("series").map(group).astype(float))
    model = recommended_pipeline(window=7, static=["odd"], random_state=0, epochs=2, units=3)
    quiet(model.fit, X[train], y[train])
    assert model.regressor_.named_steps["difference"].undifferenced_.tolist() == [3]
    X_net, _, _ = quiet(network_data, model, X[train], y[train])
    odd = X[train]["odd"].to_numpy()
    newest = X_net[:, -1, 3]  # the static column at each window's last step, standardised: two values, by group
    seen = ~np.isnan(newest)  # a series' first row has no change of y yet: its window is empty
    assert seen.sum() == len(newest) - 6 and np.unique(np.round(newest[seen], 6)).size == 2
    assert (newest[seen & (odd == 1)] > newest[seen & (odd == 0)].max()).all()
