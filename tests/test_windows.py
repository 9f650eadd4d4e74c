import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import TimeSeriesSplit

from skl_lstm import WindowTransformer
from skl_lstm.preprocessing import difference, window_layout


def test_rows_hold_last_window_oldest_first_time_major():
    X = np.column_stack([np.arange(5.0), 10 + np.arange(5.0)])
    out = WindowTransformer(window=3).fit_transform(X)
    assert out.shape == (5, 6)  # same rows, window * n_features columns
    # row 4: steps 2, 3, 4 of both columns, time-major
    np.testing.assert_array_equal(out[4], [2, 12, 3, 13, 4, 14])
    np.testing.assert_array_equal(out[2], [0, 10, 1, 11, 2, 12])
    # warm-up rows are marked NaN, never zero
    assert np.isnan(out[0, :4]).all() and np.array_equal(out[0, 4:], [0, 10])
    assert np.isnan(out[1, :2]).all()
    # reshape to (samples, window, features) without a copy gives the sequence
    np.testing.assert_array_equal(out.reshape(5, 3, 2)[4, :, 1], [12, 13, 14])


def test_differencing_regular_and_seasonal():
    x = np.array([1.0, 4, 9, 16, 25, 36, 49])[:, None]
    np.testing.assert_array_equal(difference(x, diff=2)[2:, 0], [2, 2, 2, 2, 2])
    seasonal = difference(x, seasonal_period=3, seasonal_diff=1)
    np.testing.assert_array_equal(seasonal[3:, 0], [15, 21, 27, 33])
    assert np.isnan(seasonal[:3]).all()
    out = WindowTransformer(window=2, diff=1, seasonal_period=3, seasonal_diff=1).fit_transform(x)
    # diffs of the seasonal diff: 6, 6, 6 starting at row 4
    np.testing.assert_array_equal(out[5], [6, 6])
    assert np.isnan(out[4, 0]) and out[4, 1] == 6


def test_pandas_in_pandas_out_with_feature_names():
    idx = pd.date_range("2020-01-01", periods=6, freq="D")
    X = pd.DataFrame({"a": np.arange(6.0), "b": np.arange(6.0) * 2}, index=idx)
    wt = WindowTransformer(window=2, diff=1).set_output(transform="pandas")
    out = wt.fit_transform(X)
    assert list(out.columns) == ["a_d1_lag1", "b_d1_lag1", "a_d1_lag0", "b_d1_lag0"]
    assert out.index.equals(idx)
    np.testing.assert_array_equal(wt.get_feature_names_out(), out.columns)


def test_carry_over_gives_test_fold_full_history_from_the_past_only():
    s = pd.Series(np.arange(20.0) ** 2, name="y").to_frame()
    wt = WindowTransformer(window=4, diff=1).fit(s.iloc[:12])
    test = wt.transform(s.iloc[12:])
    full = WindowTransformer(window=4, diff=1).fit_transform(s)
    np.testing.assert_array_equal(test, full[12:])
    assert not np.isnan(test).any()
    # not continuing (a gap, or numpy input) -> no carried history
    assert np.isnan(wt.transform(s.iloc[13:])[0]).any()
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        assert np.isnan(wt.transform(s.iloc[12:].to_numpy())[0]).any()


def test_carry_over_with_monthly_datetime_index():
    s = pd.Series(np.arange(30.0), index=pd.date_range("2001-01-01", periods=30, freq="MS")).to_frame()
    train = s.iloc[:20].copy()
    train.index = pd.DatetimeIndex(list(train.index))  # frequency lost, as after indexing
    wt = WindowTransformer(window=3).fit(train)
    np.testing.assert_array_equal(wt.transform(s.iloc[20:22])[0], [18, 19, 20])


def test_transformed_test_fold_depends_on_nothing_after_it():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"y": rng.normal(size=60).cumsum()})
    for train, test in TimeSeriesSplit(n_splits=3).split(X):
        wt = WindowTransformer(window=5, diff=1).fit(X.iloc[train])
        before = wt.transform(X.iloc[test])
        changed = X.copy()
        changed.iloc[test[10]:] += 1000.0  # alter the future of row test[9]
        after = wt.transform(changed.iloc[test])
        np.testing.assert_array_equal(before[:10], after[:10])
        # and the windows never read the test fold itself beyond the row they belong to
        assert not np.array_equal(before[10:], after[10:])


def test_nan_in_input_stays_nan_never_zero():
    X = np.array([1.0, 2.0, np.nan, 4.0, 5.0])[:, None]
    out = WindowTransformer(window=2).fit_transform(X)
    assert np.isnan(out[2, 1]) and np.isnan(out[3, 0]) and out[4].tolist() == [4.0, 5.0]


def test_float32_preserved():
    X = np.arange(6, dtype=np.float32)[:, None]
    assert WindowTransformer(window=2).fit_transform(X).dtype == np.float32


@pytest.mark.parametrize(
    "params, message",
    [
        ({"window": 0}, "The 'window' parameter of WindowTransformer must be an int in the range [1, inf). Got 0 instead."),
        ({"window": 2.5}, "The 'window' parameter of WindowTransformer must be an int in the range [1, inf). Got 2.5 instead."),
        ({"diff": -1}, "The 'diff' parameter of WindowTransformer must be an int in the range [0, inf). Got -1 instead."),
        (
            {"seasonal_diff": 1},
            "seasonal_diff=1 needs a seasonal_period; set seasonal_period (e.g. 12 for monthly data) or seasonal_diff=0.",
        ),
    ],
)
def test_bad_parameters_name_the_parameter(params, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        WindowTransformer(**params).fit(np.arange(30.0)[:, None])


def test_series_shorter_than_window():
    with pytest.raises(ValueError, match=re.escape("WindowTransformer needs at least 13 samples for window=12 after 1 differenced step(s), got 10 samples; use a smaller window or diff, or pass a longer series.")):
        WindowTransformer(window=12, diff=1).fit(np.arange(10.0)[:, None])


def test_non_numeric_columns_are_named():
    X = pd.DataFrame({"sales": [1.0, 2, 3, 4], "region": list("abcd")})
    with pytest.raises(TypeError, match=re.escape("WindowTransformer needs numeric columns, but column(s) ['region'] are not numeric")):
        WindowTransformer(window=2).fit(X)


def test_one_dimensional_input_is_refused_with_a_fix():
    with pytest.raises(ValueError, match="Reshape your data"):
        WindowTransformer(window=2).fit(np.arange(10.0))


def test_feature_count_must_match_fit():
    wt = WindowTransformer(window=2).fit(np.ones((5, 2)))
    with pytest.raises(ValueError, match="X has 3 features, but WindowTransformer is expecting 2 features"):
        wt.transform(np.ones((5, 3)))


def test_shuffled_split_is_flagged_by_the_index():
    from sklearn.model_selection import KFold, train_test_split

    from skl_lstm.exceptions import TimeOrderWarning

    X = pd.DataFrame({"y": np.arange(40.0)})
    X_train, _ = train_test_split(X, shuffle=True, random_state=0)
    with pytest.warns(TimeOrderWarning, match=r"the rows of X are not consecutive time steps: its index decreases at row"):
        WindowTransformer(3).fit(X_train)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        WindowTransformer(3).fit_transform(X_train)
    assert [type(w.message) for w in caught] == [TimeOrderWarning]  # once, not once per fit and transform
    train, _ = next(KFold(5, shuffle=True, random_state=0).split(X))
    with pytest.warns(TimeOrderWarning, match="its integer index skips labels at row"):
        WindowTransformer(3).fit(X.iloc[train])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for tr, te in TimeSeriesSplit(3).split(X):  # time-ordered folds: silent
            WindowTransformer(3).fit(X.iloc[tr]).transform(X.iloc[te])


def test_warnings_point_at_the_callers_line_on_every_path():
    # One check, reached at different depths (fit, fit_transform under
    # scikit-learn's decorators, transform under set_output, a Pipeline
    # through joblib.Memory, LSTMRegressor through scikeras): the warning
    # names this file every time, not a line inside a library.
    from sklearn.pipeline import make_pipeline

    from skl_lstm import LSTMRegressor
    from skl_lstm.exceptions import TimeOrderWarning

    backwards = pd.DataFrame({"y": np.arange(12.0)}, index=np.arange(12)[::-1])
    fitted = WindowTransformer(2).fit(backwards.iloc[::-1])
    calls = {
        "fit": lambda: WindowTransformer(2).fit(backwards),
        "fit_transform": lambda: WindowTransformer(2).fit_transform(backwards),
        "transform": lambda: fitted.transform(backwards),
        "pipeline": lambda: make_pipeline(WindowTransformer(2), LSTMRegressor(units=2, epochs=1)).fit(
            backwards * 1e5, np.arange(12.0)
        ),
    }
    for name, call in calls.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        kinds = {type(w.message) for w in caught}
        assert TimeOrderWarning in kinds, name
        if name == "pipeline":
            assert UserWarning in kinds  # LSTMRegressor's unscaled-data warning
        assert {w.filename for w in caught} == {__file__}, (name, [(w.filename, w.lineno) for w in caught])


# ----------------------------------------------------------------------------- panels
def _panel(seed=0, lengths=(30, 7, 18), n_features=2, start=(0, 5, 100)):
    """A ragged panel of random walks, rows shuffled, and its series one by one."""
    rng = np.random.default_rng(seed)
    frames = {}
    for k, (n, t0) in enumerate(zip(lengths, start)):
        index = pd.MultiIndex.from_product([[f"s{k}"], range(t0, t0 + n)], names=["id", "t"])
        frames[f"s{k}"] = pd.DataFrame(rng.normal(size=(n, n_features)).cumsum(axis=0) * (k + 1) * 10, index=index)
    panel = pd.concat(frames.values())
    return panel.iloc[rng.permutation(len(panel))], frames


@pytest.mark.parametrize(
    "params",
    [{"window": 4}, {"window": 3, "diff": 1}, {"window": 2, "diff": 1, "seasonal_period": 3, "seasonal_diff": 1}],
)
def test_panel_windows_never_cross_series_and_keep_the_given_row_order(params):
    panel, frames = _panel()
    out = WindowTransformer(**params).fit_transform(panel)
    assert out.shape == (len(panel), params["window"] * 2)
    for name, frame in frames.items():
        alone = WindowTransformer(**params).fit_transform(frame.to_numpy())  # the series on its own
        rows = np.flatnonzero(panel.index.get_level_values("id") == name)
        order = np.argsort(panel.index.get_level_values("t")[rows])
        np.testing.assert_array_equal(out[rows[order]], alone)


def test_panel_carry_over_is_per_series():
    panel, frames = _panel(lengths=(30, 12, 18))
    cut = {name: len(frame) - 5 for name, frame in frames.items()}
    head = pd.concat([frame.iloc[: cut[name]] for name, frame in frames.items()])
    tail = pd.concat([frame.iloc[cut[name] :] for name, frame in frames.items()]).sample(frac=1, random_state=0)
    transformer = WindowTransformer(window=4, diff=1).fit(head)
    out = transformer.transform(tail)
    whole = WindowTransformer(window=4, diff=1).fit_transform(pd.concat(frames.values()))
    position = pd.concat(frames.values()).index.get_indexer(tail.index)
    np.testing.assert_array_equal(out, whole[position])  # full windows from each series' own past
    assert transformer.last_window_.shape == (3, 4, 2) and list(transformer.series_) == ["s0", "s1", "s2"]
    skipped = tail.copy()
    skipped.index = skipped.index.set_levels(skipped.index.levels[1] + 1, level=1)  # a step later: no carry
    assert np.isnan(transformer.transform(skipped)[:, :2]).all(axis=1).sum() >= 3


def test_panel_errors_name_the_problem():
    panel, _ = _panel()
    twice = pd.concat([panel, panel.iloc[:1]])
    with pytest.raises(ValueError, match=r"the panel has the \(series, time\) pair \('s\d', \d+\) more than once"):
        WindowTransformer(window=2).fit(twice)
    with pytest.raises(ValueError, match="WindowTransformer needs at least 31 samples for window=31, got 30 samples"):
        WindowTransformer(window=31).fit(panel)


def test_window_layout_reads_panels_in_any_row_order():
    panel, _ = _panel(n_features=3)
    assert window_layout(WindowTransformer(window=5, diff=1).fit_transform(panel)) == 3
