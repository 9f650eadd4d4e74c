"""Panels (many series indexed by (series, time)) through make_supervised, the baselines and the recipe."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from skl_lstm import DifferencedTargetRegressor, NaiveForecaster, SeasonalNaiveForecaster, recommended_pipeline
from skl_lstm.datasets import make_supervised
from skl_lstm.utils import supervised_record


def _panel(seed=0, lengths=(40, 25, 33), scale=(1.0, 100.0, 1e4), shuffle=True):
    rng = np.random.default_rng(seed)
    frames = []
    for k, (n, level) in enumerate(zip(lengths, scale)):
        t = np.arange(n)
        values = level * (2 + np.sin(2 * np.pi * t / 4 + k) + 0.02 * t) * np.exp(rng.normal(0, 0.02, n))
        index = pd.MultiIndex.from_product([[f"s{k}"], range(3 * k, 3 * k + n)], names=["series", "time"])
        frames.append(pd.DataFrame({"y": values, "x": rng.normal(size=n)}, index=index))
    panel = pd.concat(frames)
    return panel.sample(frac=1, random_state=seed) if shuffle else panel


def test_make_supervised_shifts_each_series_within_itself():
    panel = _panel()
    X, y = make_supervised(panel, horizon=3, target="y", all_horizons=True)
    assert len(X) == len(panel) - 3 * 3 and X.index.equals(y.index)
    # rows keep the order they were given in
    given = panel.index.get_indexer(X.index)
    assert np.all(np.diff(given) > 0)
    for (series, time), row in y.iterrows():
        for h in (1, 2, 3):
            assert row[f"y_t+{h}"] == panel.loc[(series, time + h), "y"]
    assert supervised_record(X, y) == {"target": "y", "horizons": [1, 2, 3]}


def test_make_supervised_names_series_too_short_for_a_target():
    panel = pd.concat([_panel(), _panel(lengths=(2,), scale=(5.0,)).rename(index={"s0": "short"}, level=0)])
    with pytest.warns(UserWarning, match=re.escape("1 series have at most horizon=2 rows and so no complete training "
                                                   "target: 'short'")):
        X, _ = make_supervised(panel[["y"]], horizon=2)
    assert "short" not in X.index.get_level_values(0)
    with pytest.raises(ValueError, match=re.escape("no series of the panel has more than horizon=50 rows")):
        make_supervised(panel[["y"]], horizon=50)


def test_seasonal_naive_reads_each_series_own_season_and_history():
    panel = _panel(shuffle=False)
    X, y = make_supervised(panel, horizon=1, target="y")
    start = X.index.get_level_values("series").map({"s0": 0, "s1": 3, "s2": 6}).to_numpy()
    cut = X.index.get_level_values("time").to_numpy() < start + 15  # each series' first 15 steps
    train, test = X[cut], X[~cut]
    model = SeasonalNaiveForecaster(seasonal_period=4).fit(train, y[cut])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every test row has a season of history (carried over per series)
        pred = model.predict(test.sample(frac=1, random_state=1))
    shuffled = test.sample(frac=1, random_state=1)
    for (series, time), value in zip(shuffled.index, pred):
        assert value == panel.loc[(series, time + 1 - 4), "y"]
    assert list(model.series_) == ["s0", "s1", "s2"] and model.last_values_.shape == (3, 3)
    np.testing.assert_array_equal(NaiveForecaster().fit(train, y[cut]).predict(test), test["y"].to_numpy())


def test_differenced_target_regressor_inverts_exactly_on_a_panel():
    panel = _panel()
    X, y = make_supervised(panel[["y"]], horizon=2, all_horizons=True)
    model = DifferencedTargetRegressor(log=True).fit(X, y)
    from sklearn.linear_model import LinearRegression

    change = np.log(y.to_numpy()) - np.log(X[["y"]].to_numpy())
    expected = np.exp(LinearRegression().fit(np.log(X), change).predict(np.log(X)) + np.log(X[["y"]].to_numpy()))
    np.testing.assert_allclose(model.predict(X), expected, rtol=1e-10)


def test_the_contract_on_a_small_panel():
    # The many-series issue's contract, as written, on a ragged panel in any row order.
    panel = pd.concat([_panel(), _panel(lengths=(3,), scale=(7.0,)).rename(index={"s0": "tiny"}, level=0)])
    panel = panel[["y"]].sample(frac=1, random_state=3)
    H, W, m = 3, 8, 4
    with pytest.warns(UserWarning, match="'tiny'"):
        X, y = make_supervised(panel, horizon=H, all_horizons=True)
    model = recommended_pipeline(window=W, seasonal_period=m, random_state=0, epochs=5).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # each series' first row has no history
        P = model.predict(panel)
        assert P.shape == (len(panel), H) and np.isfinite(P).all()
        # rows are windowed in (series, time) order whatever order they come in
        reordered = panel.sample(frac=1, random_state=4)
        np.testing.assert_allclose(model.predict(reordered), P[panel.index.get_indexer(reordered.index)], rtol=1e-12)
        # windows never cross series: changing one series changes no other series' forecast
        changed = panel.copy()
        changed.loc["s1", "y"] = changed.loc["s1", "y"].to_numpy() * 3.0
        other = panel.index.get_level_values(0) != "s1"
        np.testing.assert_allclose(model.predict(changed)[other], P[other], rtol=1e-12)
    validation = model.regressor_.named_steps["lstm"].n_validation_
    assert validation == sum(int(np.ceil(0.15 * (n - H))) for n in (40, 25, 33))  # every series' own tail
