import numpy as np
import pandas as pd
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.linear_model import Ridge
from sklearn.model_selection import TimeSeriesSplit, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skl_lstm import DifferencedTargetRegressor
from skl_lstm.datasets import load_airline, make_supervised


class _Recorder(Ridge):
    """Ridge that remembers the target it was fitted on."""

    def fit(self, X, y, sample_weight=None):
        self.seen_y_ = np.asarray(y).copy()
        return super().fit(X, y, sample_weight)


def test_learns_change_and_inverts_exactly():
    X, y = make_supervised(load_airline())
    model = DifferencedTargetRegressor(_Recorder(alpha=1e9)).fit(X, y)
    np.testing.assert_array_equal(model.regressor_.seen_y_, y.to_numpy() - X["passengers"].to_numpy())
    # inversion: predicted change + last level, exactly (integer-valued data)
    change = model.regressor_.predict(X)
    np.testing.assert_array_equal(model.predict(X), change + X["passengers"].to_numpy())


def test_multi_output_subtracts_reference_from_each_horizon():
    X, Y = make_supervised(load_airline(), horizon=3, all_horizons=True)
    model = DifferencedTargetRegressor(_Recorder(), reference="passengers").fit(X, Y)
    np.testing.assert_array_equal(model.regressor_.seen_y_, Y.to_numpy() - X[["passengers"]].to_numpy())
    assert model.predict(X).shape == (len(X), 3)


def test_extrapolates_a_trend_a_plain_model_cannot():
    t = np.arange(100.0)
    X, y = t[:, None] * 2.0, t * 2.0 + 2.0
    from sklearn.tree import DecisionTreeRegressor

    tree = DecisionTreeRegressor().fit(X[:80], y[:80])
    diffed = DifferencedTargetRegressor(DecisionTreeRegressor()).fit(X[:80], y[:80])
    assert tree.predict(X[80:]).max() <= y[:80].max()  # stuck in the training range
    np.testing.assert_allclose(diffed.predict(X[80:]), y[80:])


def test_composes_with_log_transform_and_cross_val_score():
    X, y = make_supervised(load_airline())
    model = TransformedTargetRegressor(
        make_pipeline(FunctionTransformer(np.log), DifferencedTargetRegressor(Ridge())),
        func=np.log,
        inverse_func=np.exp,
    )
    scores = cross_val_score(model, X, y, cv=TimeSeriesSplit(3), scoring="neg_mean_absolute_percentage_error")
    assert scores.shape == (3,) and (scores > -0.2).all()


def test_errors_name_the_problem():
    from sklearn.ensemble import HistGradientBoostingRegressor

    X = pd.DataFrame({"a": [1.0, np.nan, 3.0]})
    with pytest.raises(ValueError, match=r"the reference column \(position 0\) is NaN at row 1"):
        DifferencedTargetRegressor(HistGradientBoostingRegressor()).fit(X, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Input X contains NaN"):  # the inner model's own NaN policy
        DifferencedTargetRegressor(Ridge(), reference=1).fit(X.assign(b=1.0), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="y contains NaN at row 2"):
        DifferencedTargetRegressor(Ridge()).fit(np.ones((3, 1)), [1.0, 2.0, np.nan])
    with pytest.raises(ValueError, match="requires y to be passed, but the target y is None"):
        DifferencedTargetRegressor().fit(np.ones((3, 1)), None)


def test_log_and_transformer_invert_exactly():
    X, Y = make_supervised(load_airline(), horizon=2, all_horizons=True)
    model = DifferencedTargetRegressor(_Recorder(alpha=1e9), transformer=StandardScaler(), log=True).fit(X, Y)
    change = np.log(Y.to_numpy()) - np.log(X[["passengers"]].to_numpy())
    np.testing.assert_allclose(model.regressor_.seen_y_, (change - change.mean(0)) / change.std(0), rtol=1e-12)
    assert model.transformer_ is not model.transformer and model.transformer_.mean_.shape == (2,)
    # the regressor gets log(X) as a DataFrame with X's index and columns (WindowTransformer reads the index)
    expected = model.transformer_.inverse_transform(model.regressor_.predict(np.log(X)))
    np.testing.assert_allclose(model.predict(X), np.exp(expected + np.log(X[["passengers"]].to_numpy())), rtol=1e-12)


def test_log_passes_a_dataframe_with_its_index_to_the_regressor():
    seen = {}

    class _Spy(Ridge):
        def fit(self, X, y, sample_weight=None):
            seen["X"] = X
            return super().fit(X, y, sample_weight)

    X, y = make_supervised(load_airline())
    DifferencedTargetRegressor(_Spy(), log=True).fit(X, y)
    assert isinstance(seen["X"], pd.DataFrame) and seen["X"].index.equals(X.index)
    np.testing.assert_allclose(seen["X"].to_numpy(), np.log(X.to_numpy()))


def test_log_refuses_values_that_are_not_positive():
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 0.0, 2.0]})
    with pytest.raises(ValueError, match=r"log=True needs positive X, but X holds 0\.0 at row 1, column 1\. "
                                         "Pass log=False, or drop or shift"):
        DifferencedTargetRegressor(log=True).fit(X, [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"log=True needs a positive y, but y holds -2\.0 at row 1\. Pass log=False"):
        DifferencedTargetRegressor(log=True).fit(X[["a"]], [1.0, -2.0, 3.0])
    model = DifferencedTargetRegressor(log=True).fit(X[["a"]], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="log=True needs positive X, but X holds -1.0 at row 0"):
        model.predict(pd.DataFrame({"a": [-1.0]}))


def test_reference_auto_reads_make_supervised_record():
    df = pd.DataFrame({"a": np.arange(1.0, 21.0) * 100, "b": np.arange(1.0, 21.0)})
    X, y = make_supervised(df, target="b")
    model = DifferencedTargetRegressor(_Recorder()).fit(X, y)
    assert model.reference_index_ == 1
    np.testing.assert_array_equal(model.regressor_.seen_y_, y.to_numpy() - X["b"].to_numpy())
    # without the record (arrays, or a frame built by hand) "auto" is column 0
    assert DifferencedTargetRegressor().fit(X.to_numpy(), y.to_numpy()).reference_index_ == 0


def test_reference_auto_survives_cross_validation():
    df = pd.DataFrame({"a": np.arange(1.0, 41.0) * 100, "b": np.sin(np.arange(40.0)) + 5})
    X, y = make_supervised(df, target="b")
    for train, test in TimeSeriesSplit(3).split(X):
        model = DifferencedTargetRegressor(_Recorder()).fit(X.iloc[train], y.iloc[train])
        assert model.reference_index_ == 1


def test_wraps_a_regressor_whose_tags_predate_scikit_learn_1_6():
    # scikeras' KerasRegressor (0.13) defines only the old _more_tags: its regressor_tags are None
    from sklearn.base import BaseEstimator
    from sklearn.utils import get_tags

    class OldStyle(BaseEstimator):
        def fit(self, X, y):
            self.mean_ = np.mean(y)
            return self

        def predict(self, X):
            return np.full(len(X), self.mean_)

    assert get_tags(OldStyle()).regressor_tags is None
    model = DifferencedTargetRegressor(OldStyle())
    assert get_tags(model).regressor_tags.poor_score is False
    X = np.arange(10.0).reshape(-1, 1)
    np.testing.assert_allclose(model.fit(X, X[:, 0] + 1).predict(X), X[:, 0] + 1)


# --------------------------------------------------------------------------- series of different scales (panels)
def _wave_panel(scales, n=60, offset=0.0):
    """Series ``k`` is ``scales[k]`` times one shared wave (around ``offset``), indexed by (series, time)."""
    t = np.arange(n + 1.0)
    wave = offset + np.sin(t / 3) + 0.3 * np.cos(t / 7)
    frames = [pd.DataFrame({"y": s * wave[:-1]}, index=pd.MultiIndex.from_product([[f"s{k}"], range(n)]))
              for k, s in enumerate(scales)]
    targets = [s * wave[1:] for s in scales]
    return pd.concat(frames), pd.Series(np.concatenate(targets), name="y_t+1")


def test_log_auto_is_log_for_a_positive_panel_and_guerreros_choice_for_one_series():
    positive, y = _wave_panel([1.0, 50.0], offset=3.0)
    assert DifferencedTargetRegressor(Ridge(), log="auto").fit(positive, y).log_ is True
    model = DifferencedTargetRegressor(Ridge(), log="auto").fit(positive.droplevel(0).reset_index(drop=True), y)
    # one series (here a jump from scale 1 to 50, whose spread grows with the level): Guerrero's method decides
    assert model.log_ is True and model.choices_["log"].why.startswith("Guerrero's Box-Cox lambda is ")
    assert model.series_scale_ is None  # one series: its own scale is the only one
    signed, y = _wave_panel([1.0, 50.0])  # crosses zero: no log, each series on its own scale instead
    model = DifferencedTargetRegressor(Ridge(), log="auto", scale_series="auto").fit(signed, y)
    assert model.log_ is False and list(model.series_) == ["s0", "s1"]
    np.testing.assert_allclose(model.series_scale_[1] / model.series_scale_[0], 50.0)


def test_scale_series_makes_a_large_series_share_the_model_and_inverts_exactly():
    X, y = _wave_panel([1.0, 1000.0])
    scaled = DifferencedTargetRegressor(Ridge(alpha=1.0), scale_series=True).fit(X, y)
    pred = scaled.predict(X)
    small, large = pred[:60], pred[60:]
    np.testing.assert_allclose(large, 1000.0 * small, rtol=1e-9)  # one model of both, scaled back exactly
    # without it, Ridge's penalty is negligible for the large series and decisive for the small one
    plain = DifferencedTargetRegressor(Ridge(alpha=1.0)).fit(X, y).predict(X)
    assert not np.allclose(plain[60:], 1000.0 * plain[:60], rtol=1e-3)
    # a series not seen in fit is scaled by its own rows
    new, _ = _wave_panel([7.0])
    np.testing.assert_allclose(scaled.predict(new.rename(index={"s0": "new"}, level=0)), 7.0 * small, rtol=1e-9)


def test_series_scales_come_from_the_rows_fit_sees_only():
    X, y = _wave_panel([1.0, 20.0], n=80)
    head = X.index.get_level_values(1) < 60
    model = DifferencedTargetRegressor(Ridge(), scale_series=True).fit(X[head], y[head])
    before = model.predict(X[head])
    later = X.copy()
    later.loc[~head, "y"] *= 100.0  # the future changes wildly: the fitted scales and earlier forecasts do not
    np.testing.assert_array_equal(model.predict(later)[head], before)
    assert not np.allclose(model.predict(later)[~head], model.predict(X)[~head])
    with pytest.raises(ValueError, match="The 'scale_series' parameter of DifferencedTargetRegressor must be"):
        DifferencedTargetRegressor(scale_series="yes").fit(X, y)
    with pytest.raises(ValueError, match="The 'log' parameter of DifferencedTargetRegressor must be"):
        DifferencedTargetRegressor(log="always").fit(X, y)


class _Cached(Ridge):
    """Ridge whose predict returns the same stored array each time (as a cache would)."""

    def predict(self, X):
        if not hasattr(self, "cached_"):
            self.cached_ = super().predict(X)
        return self.cached_


@pytest.mark.parametrize("transformer", [None, FunctionTransformer(), StandardScaler()])
def test_inversion_never_writes_into_the_regressors_predictions(transformer):
    # The level is built in place only in an array the inversion made itself.
    X, Y = make_supervised(load_airline(), horizon=2, all_horizons=True)
    model = DifferencedTargetRegressor(_Cached(), transformer=transformer, log=True).fit(X, Y)
    first = model.predict(X)
    cached = model.regressor_.cached_.copy()
    np.testing.assert_array_equal(model.predict(X), first)
    np.testing.assert_array_equal(model.regressor_.cached_, cached)


# ------------------------------------------------------------------ the comparison with naive forecasts
def _seasonal_series(n=240, period=12, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 10 + np.sin(2 * np.pi * t / period) + 0.01 * rng.normal(size=n)


def _untrained_lstm():
    from skl_lstm import LSTMRegressor

    # one epoch at a tiny learning rate: its random start, which a seasonal naive forecast beats
    return LSTMRegressor(units=2, epochs=1, linear_skip=False, learning_rate=1e-6, random_state=0)


@pytest.mark.parametrize("fallback", [False, True])
def test_a_model_that_loses_to_seasonal_naive_on_its_validation_tail_is_named(fallback):
    import re

    from skl_lstm.exceptions import WorseThanBaselineWarning

    series = _seasonal_series()
    X, y = make_supervised(pd.DataFrame({"y": series}), horizon=1)
    model = DifferencedTargetRegressor(
        _untrained_lstm(), transformer=StandardScaler(), seasonal_period=12, fallback=fallback
    )
    action = (
        "fallback=True: it forecasts with the seasonal naive forecast instead (forecaster_)." if fallback else
        "Look at skl_lstm.diagnose, give the model more data, or pass fallback=True (recommended_pipeline(..., "
        "fallback=True)) to forecast with the seasonal naive forecast then."
    )
    with pytest.warns(WorseThanBaselineWarning, match=r"^DifferencedTargetRegressor: on the validation tail the fit "
                      r"held out \(20 rows\), the model's mean absolute error \([0-9.]+, standardised\) is above the "
                      r"seasonal naive forecast's \([0-9.e-]+\); its forecasts are likely worse than the seasonal "
                      r"naive forecast's\. " + re.escape(action) + "$"):
        model.fit(X[:200], y[:200])
    errors = model.validation_errors_
    assert set(errors) == {"model", "naive", "seasonal_naive"}
    assert errors["seasonal_naive"] < errors["naive"] and errors["seasonal_naive"] < errors["model"]
    predicted = model.predict(X[200:])
    if not fallback:
        assert model.forecaster_ == "model"
        assert not np.allclose(predicted, series[189:228], rtol=1e-3)  # still the model's own forecasts
        return
    # the seasonal naive forecast: row t forecasts y[t + 1] by the value 12 steps before it, x[t - 11]
    assert model.forecaster_ == "seasonal_naive"
    np.testing.assert_allclose(predicted, series[189:228], rtol=1e-12)
    # its interval is calibrated on its own residuals on the tail (20 of them): as narrow as the noise
    # (sd 0.01 on a swing of 2), not the untrained model's errors, and holding most held-out values
    lower, upper = model.predict_interval(X[200:], coverage=0.9).T
    inside = (lower <= y[200:].to_numpy()) & (y[200:].to_numpy() <= upper)
    assert inside.mean() >= 0.6 and np.all(upper - lower < 0.2)


def test_the_seasonal_naive_fallback_reads_each_series_own_season_and_carries_it_over():
    # a panel of two seasonal series; predicted rows that continue the fitted index read the fitted season
    from skl_lstm.exceptions import WorseThanBaselineWarning

    series = [_seasonal_series(seed=0), 50 + _seasonal_series(seed=1)]
    index = pd.MultiIndex.from_product([["a", "b"], range(240)], names=["series", "time"])
    panel = pd.DataFrame({"y": np.concatenate(series)}, index=index)
    X, y = make_supervised(panel, horizon=2, all_horizons=True)
    fit = X.index.get_level_values(1) < 200
    model = DifferencedTargetRegressor(
        _untrained_lstm(), transformer=StandardScaler(), seasonal_period=12, fallback=True
    )
    with pytest.warns(WorseThanBaselineWarning):
        model.fit(X[fit], y[fit])
    assert model.forecaster_ == "seasonal_naive"
    predicted = model.predict(X[~fit])  # times 200 .. 237 of each series
    for k, values in enumerate(series):
        rows = np.flatnonzero(X[~fit].index.get_level_values(0) == "ab"[k])
        t = np.arange(200, 238)
        # h = 1 reads x[t - 11], h = 2 reads x[t - 10]: from the fitted rows for the first ones
        np.testing.assert_allclose(predicted[rows], np.column_stack([values[t - 11], values[t - 10]]), rtol=1e-10)
