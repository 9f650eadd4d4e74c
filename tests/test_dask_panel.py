"""skl_lstm.dask without a cluster: the Dask panel format, its conversions, forecast_dask's checks and errors.

The forecasts on a cluster of worker processes are in tests/test_dask.py.
"""

import re
import sys

import pandas as pd
import pytest
from sklearn.linear_model import Ridge

from skl_lstm import DifferencedTargetRegressor, forecast
from skl_lstm.dask import forecast_dask, from_dask_panel, to_dask_panel
from skl_lstm.datasets import load_m4_weekly_sample, make_supervised

dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def panel():
    return load_m4_weekly_sample()


@pytest.fixture(scope="module")
def ridge(panel):
    return DifferencedTargetRegressor(Ridge()).fit(*make_supervised(panel, horizon=3, all_horizons=True))


def _series_per_partition(ddf):
    return [ddf.get_partition(k)["series"].unique().compute(scheduler="sync").tolist() for k in range(ddf.npartitions)]


def test_a_panel_round_trips_exactly_with_each_series_whole_in_one_partition(panel):
    ddf = to_dask_panel(panel, npartitions=4)
    assert list(ddf.columns) == ["series", "time", "y"] and ddf.known_divisions
    parts = _series_per_partition(ddf)
    assert len(parts) == 4 and sorted(sum(parts, [])) == sorted(panel.index.unique(level=0))  # each series once
    sizes = [len(ddf.get_partition(k).compute(scheduler="sync")) for k in range(4)]
    assert max(sizes) - min(sizes) < 400  # about equal rows (a series has 275 to 379)
    pd.testing.assert_frame_equal(from_dask_panel(ddf), panel, check_exact=True)  # order, dtypes, values


def test_series_stay_whole_and_in_their_given_order_when_rows_are_interleaved():
    index = pd.MultiIndex.from_tuples([("b", 1), ("a", 0), ("b", 0), ("a", 1), ("c", 5)], names=["series", "time"])
    panel = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=index, name="y")
    ddf = to_dask_panel(panel, npartitions=5)
    assert _series_per_partition(ddf) == [["b"], ["a"], ["c"]]  # no more partitions than series
    back = from_dask_panel(ddf)
    assert list(back.index) == [("b", 1), ("b", 0), ("a", 0), ("a", 1), ("c", 5)]  # each series' rows as given
    pd.testing.assert_frame_equal(back.sort_index(), panel.to_frame().sort_index())


def test_forecast_dask_equals_the_in_memory_forecast(panel, ridge):
    out = forecast_dask(ridge, to_dask_panel(panel, npartitions=3)).compute(scheduler="sync")
    expected = forecast(ridge, panel)
    keys = ["series", "horizon"]
    pd.testing.assert_frame_equal(
        out.sort_values(keys, ignore_index=True), expected.sort_values(keys, ignore_index=True), check_exact=True
    )


def test_the_model_enters_the_graph_once(panel, ridge):
    forecasts = forecast_dask(ridge, to_dask_panel(panel, npartitions=4))
    models = [key for key in dict(forecasts.__dask_graph__()) if str(key).startswith("skl_lstm-model-")]
    assert len(models) == 1


def test_a_series_split_across_partitions_is_refused_at_compute(panel, ridge):
    flat = panel.reset_index()
    split = dd.from_pandas(flat, npartitions=3, sort=False)  # cuts rows, not series
    forecasts = forecast_dask(ridge, split)  # lazy: nothing read yet
    with pytest.raises(ValueError, match=r"forecast_dask: series '\w+' has rows in partitions 0 and 1; every series "
                                         r"must lie whole in one partition.*ddf.shuffle\(on='series'\)"):
        forecasts.compute(scheduler="sync")
    # the fix the message gives works
    fixed = forecast_dask(ridge, split.shuffle(on="series")).compute(scheduler="sync")
    keys = ["series", "horizon"]
    pd.testing.assert_frame_equal(
        fixed.sort_values(keys, ignore_index=True), forecast(ridge, panel).sort_values(keys, ignore_index=True)
    )


def test_conversion_errors_name_the_fix(panel, ridge):
    with pytest.raises(TypeError, match=re.escape("to_dask_panel: panel must be a pandas DataFrame or Series indexed "
                                                  "by (series, time), got DataFrame with a RangeIndex; index it by")):
        to_dask_panel(panel.reset_index(), 2)
    with pytest.raises(ValueError, match=re.escape("to_dask_panel: npartitions=0 must be a positive integer.")):
        to_dask_panel(panel, 0)
    with pytest.raises(ValueError, match=re.escape("to_dask_panel: the panel has a column named 'time'")):
        to_dask_panel(panel.assign(time=1.0), 2)
    with pytest.raises(ValueError, match=re.escape("to_dask_panel: the panel has the (series, time) pair ('W57', 0)")):
        to_dask_panel(pd.concat([panel.iloc[:1], panel]), 2)
    renamed = to_dask_panel(panel, 2).rename(columns={"series": "id"})
    with pytest.raises(ValueError, match=re.escape("forecast_dask: the Dask panel has no 'series' column (its "
                                                   "columns: ['id', 'time', 'y']); a Dask panel holds")):
        forecast_dask(ridge, renamed)
    with pytest.raises(ValueError, match=re.escape("from_dask_panel: the Dask panel has no 'series' column")):
        from_dask_panel(renamed)
    with pytest.raises(TypeError, match=re.escape("forecast_dask: expected a Dask DataFrame in the Dask panel format, "
                                                  "got DataFrame; convert an in-memory panel with")):
        forecast_dask(ridge, panel)


def test_an_unfitted_model_is_refused_before_anything_runs(panel):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        forecast_dask(DifferencedTargetRegressor(Ridge()), to_dask_panel(panel, 2))


def test_without_dask_the_error_says_what_to_install(monkeypatch, panel):
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    with pytest.raises(ImportError, match=re.escape('skl_lstm.dask.to_dask_panel needs dask, which is not installed; '
                                                    'run `pip install "skl_lstm[dask]"`.')):
        to_dask_panel(panel, 2)


def test_the_package_imports_without_dask():
    import subprocess

    code = (
        "import sys; sys.modules['dask'] = None; import skl_lstm, skl_lstm.dask; "
        "assert 'distributed' not in sys.modules and 'tensorflow' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_empty_partitions_give_no_rows(panel, ridge):
    one = panel.loc[["W57"]]
    ddf = dd.from_pandas(one.reset_index(), npartitions=1).shuffle(on="series", npartitions=3)  # 2 empty
    out = forecast_dask(ridge, ddf).compute(scheduler="sync")
    pd.testing.assert_frame_equal(out.reset_index(drop=True), forecast(ridge, one))
