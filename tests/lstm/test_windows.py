"""Windows gathered inside the training step (LSTMRegressor(window=W)): the same training, rows stored once."""

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
    lazy = LSTMRegressor(window=7, **params).fit(rows, y)
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
    model = LSTMRegressor(units=4, window=6, epochs=3, random_state=0).fit(panel.iloc[head[order]], target[head[order]])
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
    rows, y = _rows(n=20000, features=1)
    window = 64
    tracemalloc.start()
    LSTMRegressor(units=4, window=window, epochs=1, batch_size=512, random_state=0).fit(rows, y)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    windows_bytes = rows.shape[0] * window * 4  # one float32 copy of every window
    assert peak < 0.5 * windows_bytes, (peak, windows_bytes)


def test_rows_with_missing_values_are_windowed_in_memory_and_masked():
    rows, y = _rows()
    rows[50, 1] = np.nan  # a gap: the lazy layout has no gaps, so these rows take the windows path
    params = dict(units=4, epochs=3, random_state=0, n_features=2)
    with pytest.warns(UserWarning, match="have missing values after observed steps"):
        lazy = LSTMRegressor(window=5, **params).fit(rows, y)
    with pytest.warns(UserWarning, match="have missing values after observed steps"):
        dense = LSTMRegressor(**params).fit(WindowTransformer(window=5).fit_transform(rows), y)
    assert lazy.history_ == dense.history_


def test_window_mode_reads_rows_only():
    rows, y = _rows()
    with pytest.raises(ValueError, match=re.escape("LSTMRegressor(window=4) reads rows of observed values, 2-D")):
        LSTMRegressor(window=4, epochs=1).fit(rows.reshape(-1, 2, 1), y)
    with pytest.raises(ValueError, match="The 'window' parameter of LSTMRegressor must be an int in the range"):
        LSTMRegressor(window=0, epochs=1).fit(rows, y)
