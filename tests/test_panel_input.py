import numpy as np
import pandas as pd
import pytest

from skl_lstm.utils._panel_input import check_panel, panel_series, rows_from_end


def _ragged(shuffle_seed=0):
    index = pd.MultiIndex.from_tuples(
        [("a", t) for t in range(4)] + [("b", t) for t in range(10, 12)], names=["series", "time"]
    )
    frame = pd.DataFrame({"y": np.arange(6.0)}, index=index)
    return frame.iloc[np.random.default_rng(shuffle_seed).permutation(6)]


def test_rows_from_end_and_series_values_follow_time_not_row_order():
    frame = _ragged()
    from_end = rows_from_end(check_panel(frame, caller="t"))
    expected = {("a", 0): 3, ("a", 1): 2, ("a", 2): 1, ("a", 3): 0, ("b", 10): 1, ("b", 11): 0}
    assert dict(zip(frame.index, from_end.tolist(), strict=True)) == expected
    values = panel_series(frame, caller="t", param="y")
    np.testing.assert_array_equal(values["a"], [0.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(values["b"], [4.0, 5.0])


def test_errors_name_the_problem_and_the_fix():
    frame = _ragged()
    with pytest.raises(
        TypeError,
        match=r"t: y must be a pandas DataFrame or Series indexed by a two-level MultiIndex .* "
        r"got DataFrame with a RangeIndex",
    ):
        check_panel(frame.reset_index(drop=True), caller="t", param="y")
    with pytest.raises(ValueError, match=r"index has 3 levels \['series', 'time', 'y'\]"):
        check_panel(frame.set_index("y", append=True), caller="t")
    nan_series = frame.rename(index={"b": np.nan}, level=0)
    with pytest.raises(ValueError, match=r"rows without a series label \(NaN in level 0"):
        check_panel(nan_series, caller="t")
    with pytest.raises(ValueError, match=r"y has columns \['y', 'z'\]; pass one column"):
        panel_series(frame.assign(z=1.0), caller="t", param="y")
