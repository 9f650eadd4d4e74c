import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, cross_val_score

from skl_lstm.model_selection import PanelTimeSeriesSplit


def _panel(lengths, *, ends=None, seed=0, shuffle=True):
    """A lag-feature panel: X = the previous 3 values, y = the next one, per series (never across)."""
    rng = np.random.default_rng(seed)
    frames = []
    for i, n in enumerate(lengths):
        end = (ends or {}).get(i, 100)
        series = 10 * (i + 1) + np.cumsum(rng.normal(size=n + 3))
        lags = np.column_stack([series[k : k + n] for k in range(3)])
        index = pd.MultiIndex.from_product([[f"s{i}"], range(end - n, end)], names=["series", "time"])
        frames.append(pd.DataFrame(lags, index=index, columns=["lag2", "lag1", "lag0"]).assign(y=series[3:]))
    panel = pd.concat(frames)
    if shuffle:
        panel = panel.iloc[rng.permutation(len(panel))]
    return panel.drop(columns="y"), panel["y"]


def _assert_time_ordered(X, folds, gap):
    """Per fold and series: every test row comes more than ``gap`` steps after every training row."""
    series = X.index.get_level_values(0).to_numpy()
    time = X.index.get_level_values(1).to_numpy()
    assert folds, "no folds"
    for train, test in folds:
        assert len(train) and len(test)
        assert not np.intersect1d(train, test).size
        for s in np.unique(series[test]):
            train_s = train[series[train] == s]
            if len(train_s):
                assert time[test][series[test] == s].min() > time[train_s].max() + gap


@pytest.mark.parametrize("align", ["time", "end"])
@pytest.mark.parametrize("gap", [0, 2])
def test_folds_never_test_a_series_before_its_training_rows(align, gap):
    X, _ = _panel([40, 30, 35], ends={1: 90})  # ragged: s1 ends 10 steps before the others
    cv = PanelTimeSeriesSplit(n_splits=3, test_size=4, gap=gap, align=align)
    folds = list(cv.split(X))
    assert len(folds) == cv.get_n_splits() == 3
    _assert_time_ordered(X, folds, gap)


def test_time_alignment_cuts_every_series_at_the_same_times():
    X, _ = _panel([40, 30, 35], ends={1: 90})
    time = X.index.get_level_values(1).to_numpy()
    series = X.index.get_level_values(0).to_numpy()
    folds = list(PanelTimeSeriesSplit(n_splits=3, test_size=4, gap=1).split(X))
    # the last fold tests on the panel's last 4 times: 96 .. 99; s1 (ends at 89) has no test rows there
    assert sorted(set(time[folds[-1][1]])) == [96, 97, 98, 99]
    assert "s1" not in set(series[folds[-1][1]])
    assert time[folds[-1][0]].max() == 94  # one step of gap before 96
    # earlier folds move back by test_size
    assert sorted(set(time[folds[0][1]])) == [88, 89, 90, 91]


def test_end_alignment_holds_out_each_series_own_last_points():
    X, _ = _panel([40, 30, 35], ends={1: 90})
    last = list(PanelTimeSeriesSplit(n_splits=2, test_size=13, align="end").split(X))[-1]
    test = X.iloc[last[1]]
    assert test.groupby(level=0).size().tolist() == [13, 13, 13]
    ends = X.reset_index().groupby("series")["time"].max()
    assert test.reset_index().groupby("series")["time"].max().equals(ends)
    # the training part is everything before, per series
    assert len(last[0]) == len(X) - 3 * 13


def test_positions_follow_the_rows_as_given():
    X, _ = _panel([20, 20], shuffle=False)
    shuffled = X.iloc[np.random.default_rng(1).permutation(len(X))]
    cv = PanelTimeSeriesSplit(n_splits=2, test_size=3, align="end")
    for (train, test), (train_s, test_s) in zip(cv.split(X), cv.split(shuffled), strict=True):
        assert set(X.index[train]) == set(shuffled.index[train_s])
        assert set(X.index[test]) == set(shuffled.index[test_s])


def test_max_train_size_keeps_the_latest_steps():
    X, _ = _panel([30, 30])
    train, test = list(PanelTimeSeriesSplit(n_splits=2, test_size=5, gap=1, max_train_size=4).split(X))[0]
    # test times 90..94; training ends one step before: 85..88
    assert sorted(set(X.index.get_level_values(1)[train])) == [85, 86, 87, 88]
    assert sorted(set(X.index.get_level_values(1)[test])) == [90, 91, 92, 93, 94]


def test_default_test_size_splits_evenly():
    X, _ = _panel([30, 24], ends={1: 94})
    folds_time = list(PanelTimeSeriesSplit(n_splits=2).split(X))  # 30 times // 3 = 10
    assert len(set(X.index.get_level_values(1)[folds_time[0][1]])) == 10
    folds_end = list(PanelTimeSeriesSplit(n_splits=2, align="end").split(X))  # shortest 24 // 3 = 8
    assert X.iloc[folds_end[0][1]].groupby(level=0).size().tolist() == [8, 8]


def test_grid_search_and_cross_val_score_accept_the_splitter():
    X, y = _panel([60, 50, 55], ends={2: 95})
    cv = PanelTimeSeriesSplit(n_splits=3, test_size=5, gap=1)
    scores = cross_val_score(Ridge(), X, y, cv=cv, scoring="neg_mean_absolute_error")
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    search = GridSearchCV(
        Ridge(), {"alpha": [0.1, 10.0]}, cv=PanelTimeSeriesSplit(n_splits=2, test_size=5, align="end")
    )
    search.fit(X, y)
    assert search.best_params_["alpha"] in {0.1, 10.0}
    assert search.n_splits_ == 2


def test_parameter_errors():
    with pytest.raises(ValueError, match=r"n_splits=1 must be an int >= 2 \(the number of folds\)"):
        PanelTimeSeriesSplit(1)
    with pytest.raises(ValueError, match=r"test_size=0 must be an int >= 1 or None"):
        PanelTimeSeriesSplit(test_size=0)
    with pytest.raises(ValueError, match=r"gap=-1 must be an int >= 0"):
        PanelTimeSeriesSplit(gap=-1)
    with pytest.raises(ValueError, match=r"max_train_size=2.5 must be an int >= 1 or None"):
        PanelTimeSeriesSplit(max_train_size=2.5)
    with pytest.raises(ValueError, match=r"align='start' is not one of \('time', 'end'\)"):
        PanelTimeSeriesSplit(align="start")


def test_data_errors():
    X, _ = _panel([20, 8])
    with pytest.raises(
        ValueError,
        match=r"X spans 20 distinct times, too few for n_splits=3 test folds of test_size=6 after gap=2 "
        r"\(needs at least 21\)",
    ):
        next(PanelTimeSeriesSplit(3, test_size=6, gap=2).split(X))
    with pytest.raises(ValueError, match=r"series 's1' has 8 rows, too few .* drop the short series"):
        next(PanelTimeSeriesSplit(3, test_size=3, align="end").split(X))
    with pytest.raises(TypeError, match="X must be a pandas DataFrame or Series indexed by a two-level MultiIndex"):
        next(PanelTimeSeriesSplit().split(X.to_numpy()))
    with pytest.raises(
        ValueError, match=r"PanelTimeSeriesSplit: the panel has the \(series, time\) pair \('s0', 99\) more than once"
    ):
        next(PanelTimeSeriesSplit(2).split(pd.concat([X, X.loc[[("s0", 99)]]])))
    flat = X.reset_index().set_index(["series", "time", "lag0"])
    with pytest.raises(ValueError, match="index has 3 levels"):
        next(PanelTimeSeriesSplit(2).split(flat))


def test_panel_windows_cross_validated_on_the_bundled_panel():
    # the library's panel-aware windows inside a search, folds holding out each series' last 13 weeks
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    from skl_lstm import WindowTransformer
    from skl_lstm.datasets import load_m4_weekly_sample

    panel = load_m4_weekly_sample()
    target = panel["y"].groupby(level=0).shift(-1)
    X, y = panel[target.notna()], target[target.notna()]
    order = np.random.default_rng(0).permutation(len(X))
    X, y = X.iloc[order], y.iloc[order]
    cv = PanelTimeSeriesSplit(n_splits=2, test_size=13, gap=1, align="end")
    _assert_time_ordered(X, list(cv.split(X)), gap=1)
    model = make_pipeline(WindowTransformer(window=4), SimpleImputer(), Ridge())
    search = GridSearchCV(
        model, {"windowtransformer__window": [2, 8]}, cv=cv, scoring="neg_mean_absolute_percentage_error"
    )
    search.fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
    assert search.cv_results_["mean_test_score"].max() > -0.2  # one-step forecasts of weekly levels: MAPE < 20 %


def test_recipe_cross_validated_on_a_supervised_panel():
    # the contract data (make_supervised on a panel) in cross_val_score, with the recipe's
    # windows, differencing and scaling around a ridge in the LSTM's place (fast)
    pytest.importorskip("keras")
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline

    from skl_lstm import recommended_pipeline
    from skl_lstm.datasets import load_m4_weekly_sample, make_supervised
    from skl_lstm.metrics import mape_scorer

    X, y = make_supervised(load_m4_weekly_sample(), horizon=4, all_horizons=True)
    fill = SimpleImputer(strategy="constant", fill_value=0.0, keep_empty_features=True)
    model = recommended_pipeline(window=8, random_state=0)
    model.set_params(regressor__lstm=Pipeline([("fill", fill), ("ridge", Ridge())]))
    cv = PanelTimeSeriesSplit(n_splits=3, test_size=13, gap=4, align="end")
    _assert_time_ordered(X, list(cv.split(X)), gap=4)
    scores = cross_val_score(model, X, y, cv=cv, scoring=mape_scorer)
    assert scores.shape == (3,) and np.all(-scores < 0.1)  # 1-4 weeks ahead: MAPE under 10 %
