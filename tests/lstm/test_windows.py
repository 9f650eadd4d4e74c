"""Windows gathered inside the training step (LSTMRegressor(lookback=W)): the same training, rows stored once."""

import re
import tracemalloc

import numpy as np
import pandas as pd
import pytest

from skl_lstm import LSTMRegressor, WindowTransformer
from skl_lstm.lstm._windows import RowWindows


def _rows(n=160, features=2, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n + 1.0)
    rows = np.column_stack([np.sin(t / (4 + k)) for k in range(features)]) + rng.normal(0, 0.05, (n + 1, features))
    return rows[:-1], rows[1:, 0]


@pytest.mark.parametrize("kernel", ["fused", "keras"])
@pytest.mark.parametrize("linear_skip", [False, True])
def test_rows_give_the_same_training_as_materialised_windows(kernel, linear_skip):
    rows, y = _rows()
    params = dict(units=5, epochs=6, random_state=0, linear_skip=linear_skip, training_kernel=kernel, n_features=2)
    lazy = LSTMRegressor(lookback=7, **params).fit(rows, y)
    windows = WindowTransformer(window=7).fit_transform(rows)
    dense = LSTMRegressor(**params).fit(windows, y)
    assert isinstance(lazy._validate_data(rows)[0], RowWindows)
    assert lazy.history_ == dense.history_  # bit for bit
    np.testing.assert_array_equal(lazy.predict(rows), dense.predict(windows))


def test_panel_rows_are_windowed_within_their_series_and_carried_over():
    rows, y = _rows(n=90)
    frames = [pd.DataFrame(rows * (k + 1), index=pd.MultiIndex.from_product([[f"s{k}"], range(90)])) for k in range(3)]
    panel, target = pd.concat(frames), np.concatenate([y * (k + 1) for k in range(3)])
    head = np.concatenate([np.arange(k * 90, k * 90 + 70) for k in range(3)])
    order = np.random.default_rng(1).permutation(len(head))  # rows in any order
    model = LSTMRegressor(units=4, lookback=6, epochs=3, random_state=0).fit(panel.iloc[head[order]], target[head[order]])
    full = model.predict(panel)
    tail = np.setdiff1d(np.arange(len(panel)), head)
    np.testing.assert_array_equal(model.predict(panel.iloc[tail]), full[tail])  # each series' fitted rows as history
    # the same as windows cut per series by WindowTransformer
    windows = WindowTransformer(window=6).fit_transform(panel)
    expected = LSTMRegressor(units=4, epochs=3, random_state=0, n_features=2)
    windows_model = expected.fit(pd.DataFrame(windows, index=panel.index).iloc[head[order]], target[head[order]])
    np.testing.assert_allclose(full, windows_model.predict(windows), rtol=1e-6, atol=1e-6)
    assert model.last_rows_.shape == (3, 5, 2) and list(model.series_) == ["s0", "s1", "s2"]


def test_rows_are_stored_once_not_as_windows():
    window, n = 64, 20000
    rows, y = _rows(n=2 * n, features=1)
    # training only: the validation tail's forward passes (early stopping, calibration residuals) materialise
    # windows in chunks of at most CHUNK samples, a constant that these sizes stay below
    params = dict(units=4, lookback=window, epochs=1, batch_size=512, random_state=0, validation_fraction=0.0)
    LSTMRegressor(**params).fit(rows[:2000], y[:2000])  # traces the compiled step (a constant, not data)
    peaks = []
    for size in (n, 2 * n):
        tracemalloc.start()
        LSTMRegressor(**params).fit(rows[:size], y[:size])
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    windows_bytes = n * window * 4  # one float32 copy of the added samples' windows
    # what grows is per-row bookkeeping (rows, targets, sample ends, orders: ~16 values a row), not 64-step windows
    assert peaks[1] - peaks[0] < 0.5 * windows_bytes, (peaks, windows_bytes)
    assert peaks[1] < 0.5 * 2 * windows_bytes, (peaks, windows_bytes)


def test_rows_with_missing_values_are_windowed_in_memory_and_masked():
    rows, y = _rows()
    rows[50, 1] = np.nan  # a gap: the lazy layout has no gaps, so these rows take the windows path
    params = dict(units=4, epochs=3, random_state=0, n_features=2)
    with pytest.warns(UserWarning, match="have missing values after observed steps"):
        lazy = LSTMRegressor(lookback=5, **params).fit(rows, y)
    with pytest.warns(UserWarning, match="have missing values after observed steps"):
        dense = LSTMRegressor(**params).fit(WindowTransformer(window=5).fit_transform(rows), y)
    assert lazy.history_ == dense.history_


def test_window_mode_reads_rows_only():
    rows, y = _rows()
    with pytest.raises(ValueError, match=re.escape("LSTMRegressor(lookback=4) reads rows of observed values, 2-D")):
        LSTMRegressor(lookback=4, epochs=1).fit(rows.reshape(-1, 2, 1), y)
    with pytest.raises(ValueError, match="The 'lookback' parameter of LSTMRegressor must be an int in the range"):
        LSTMRegressor(lookback=0, epochs=1).fit(rows, y)


@pytest.mark.parametrize("kernel", ["fused", "keras"])
def test_differenced_rows_give_the_same_training_as_differenced_windows(kernel):
    # WindowTransformer(1, diff=1) leaves each series' first row NaN: missing history, skipped (rows stay stored once)
    rows, y = _rows()
    params = dict(units=5, epochs=4, random_state=0, linear_skip=True, training_kernel=kernel, n_features=2)
    changes = WindowTransformer(window=1, diff=1).fit_transform(rows)
    lazy = LSTMRegressor(lookback=7, **params).fit(changes, y)
    assert isinstance(lazy._validate_data(changes)[0], RowWindows)
    dense = LSTMRegressor(**params).fit(WindowTransformer(window=7, diff=1).fit_transform(rows), y)
    assert lazy.history_ == dense.history_
    with pytest.warns(UserWarning, match="1 of 160 samples have no observed time step"):
        np.testing.assert_array_equal(
            lazy.predict(changes), dense.predict(WindowTransformer(window=7, diff=1).fit_transform(rows))
        )


def test_differenced_panel_rows_skip_each_series_first_rows():
    rows, y = _rows(n=60, features=1)
    index = pd.MultiIndex.from_product([["a", "b"], range(60)])
    panel, target = pd.DataFrame(np.r_[rows, 3 * rows], index=index), np.r_[y, 3 * y]
    changes = pd.DataFrame(WindowTransformer(window=1, diff=2).fit_transform(panel), index=index)
    model = LSTMRegressor(units=3, lookback=5, epochs=2, random_state=0)
    windows = model.fit(changes, target)._validate_data(changes)[0]
    assert isinstance(windows, RowWindows)
    lengths = windows.lengths()
    np.testing.assert_array_equal(lengths[[0, 1, 2, 3, 60, 61, 62, 63]], [0, 0, 1, 2, 0, 0, 1, 2])
    assert not np.isnan(windows.rows).any()  # the skipped rows are never read


def test_steps_per_epoch_budgets_each_epoch_and_sees_every_sample_before_repeating():
    from skl_lstm.lstm._loop import epoch_orders

    orders = epoch_orders(10, 3, 2, np.random.RandomState(0))
    drawn = np.concatenate([next(orders) for _ in range(5)])  # 5 epochs of 2 batches of 3
    assert drawn.size == 30
    np.testing.assert_array_equal(np.sort(drawn[:30]), np.repeat(np.arange(10), 3))
    for start in (0, 10, 20):  # each pass is a permutation
        np.testing.assert_array_equal(np.sort(drawn[start : start + 10]), np.arange(10))
    rows, y = _rows()
    full = LSTMRegressor(units=4, lookback=5, epochs=3, random_state=0).fit(rows, y)
    capped = LSTMRegressor(units=4, lookback=5, epochs=3, steps_per_epoch=1000, random_state=0).fit(rows, y)
    assert capped.history_ == full.history_  # a cap above one pass changes nothing
    short = LSTMRegressor(units=4, lookback=5, epochs=3, steps_per_epoch=1, batch_size=8, random_state=0)
    again = LSTMRegressor(units=4, lookback=5, epochs=3, steps_per_epoch=1, batch_size=8, random_state=0)
    assert short.fit(rows, y).history_ == again.fit(rows, y).history_ != full.history_
    with pytest.raises(ValueError, match="The 'steps_per_epoch' parameter of LSTMRegressor must be an int"):
        LSTMRegressor(steps_per_epoch=0).fit(rows, y)


def test_auto_batch_size_is_32_for_a_series_and_grows_with_a_panel():
    from skl_lstm.lstm._estimator import auto_batch_size

    rows, y = _rows()
    auto = LSTMRegressor(units=4, lookback=5, epochs=2, batch_size="auto", random_state=0).fit(rows, y)
    fixed = LSTMRegressor(units=4, lookback=5, epochs=2, batch_size=32, random_state=0).fit(rows, y)
    assert auto.batch_size_ == fixed.batch_size_ == 32 and auto.history_ == fixed.history_
    assert [auto_batch_size(n) for n in (32_768, 32_769, 65_537, 10**6)] == [32, 64, 128, 256]
    with pytest.raises(ValueError, match="The 'batch_size' parameter of LSTMRegressor must be"):
        LSTMRegressor(batch_size="large").fit(rows, y)


def test_rows_after_a_gap_carry_the_fitted_history_with_the_gap_missing():
    # TimeSeriesSplit(gap=g) / PanelTimeSeriesSplit(gap=g): the test fold starts g steps after the fitted end
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    rows, y = _rows(n=120, features=1)
    frame = pd.DataFrame(rows, columns=["x"])
    network = Pipeline([("difference", WindowTransformer(1, diff=1)), ("scale", StandardScaler()),
                        ("lstm", LSTMRegressor(units=3, lookback=8, epochs=2, random_state=0))])
    network.set_output(transform="pandas").fit(frame.iloc[:80], y[:80])
    after_gap = network.predict(frame.iloc[85:])  # steps 80 .. 84 left out
    hidden = frame.copy()
    hidden.iloc[80:85] = np.nan  # the same history, the gap unknown
    with pytest.warns(UserWarning, match="no observed time step"):  # the rows inside the gap (not compared)
        expected = network.predict(hidden)[85:]
    np.testing.assert_allclose(after_gap, expected, rtol=1e-6, atol=1e-6)
    # a panel's series each continue across their own gap; a series that starts before its fitted end does not
    index = pd.MultiIndex.from_product([["a", "b"], range(120)], names=["series", "time"])
    panel = pd.DataFrame(np.r_[rows, 2 * rows], index=index, columns=["x"])
    target = np.r_[y, 2 * y]
    early = panel.index.get_level_values("time") < 80
    network.fit(panel[early], target[early])
    later = panel.index.get_level_values("time") >= 85
    hidden = panel.copy()
    hidden[(~early) & (~later)] = np.nan
    with pytest.warns(UserWarning, match="no observed time step"):
        expected = network.predict(hidden)[later]
    np.testing.assert_allclose(network.predict(panel[later]), expected, rtol=1e-6, atol=1e-6)
