import numpy as np
import pandas as pd
import pytest

from skl_lstm.datasets import load_airline, make_supervised
from skl_lstm.utils import supervised_record


def test_airline_is_the_box_jenkins_series():
    y = load_airline()
    assert y.shape == (144,) and y.name == "passengers"
    assert y.sum() == 40363 and y.iloc[0] == 112 and y.iloc[-1] == 432 and y.max() == 622
    assert y.index[0] == pd.Timestamp("1949-01-01") and y.index.freqstr == "MS"


def test_make_supervised_one_step_and_all_horizons():
    s = pd.Series(np.arange(6.0), name="s")
    X, y = make_supervised(s, horizon=2)
    assert X["s"].tolist() == [0, 1, 2, 3] and y.tolist() == [2, 3, 4, 5] and y.name == "s_t+2"
    X, Y = make_supervised(s, horizon=2, all_horizons=True)
    assert list(Y.columns) == ["s_t+1", "s_t+2"] and Y.iloc[0].tolist() == [1, 2] and len(X) == 4


def test_make_supervised_dataframe_keeps_all_columns():
    df = pd.DataFrame({"a": np.arange(5.0), "b": -np.arange(5.0)})
    X, y = make_supervised(df, target="b")
    assert list(X.columns) == ["a", "b"] and y.tolist() == [-1, -2, -3, -4]


@pytest.mark.parametrize(
    "data, kwargs, error, message",
    [
        (pd.DataFrame({"a": [1.0, 2], "b": [1.0, 2]}), {}, ValueError, "target=None is ambiguous"),
        (pd.DataFrame({"a": [1.0, 2]}), {"target": "z"}, ValueError, r"target='z' is not a column of data; columns are \['a'\]"),
        (pd.Series([1.0, 2]), {"horizon": 0}, ValueError, "horizon=0 must be a positive int"),
        (pd.Series([1.0, 2]), {"horizon": 2}, ValueError, "data has 2 rows, too few for horizon=2"),
        (np.arange(3.0), {}, TypeError, "make_supervised needs a pandas Series or DataFrame, got ndarray"),
    ],
)
def test_make_supervised_errors(data, kwargs, error, message):
    with pytest.raises(error, match=message):
        make_supervised(data, **kwargs)


def test_make_supervised_records_target_and_horizons_on_x_and_y():
    df = pd.DataFrame({"a": np.arange(1.0, 41.0), "b": np.arange(40.0) % 5})
    X, y = make_supervised(df, horizon=3, target="b")
    assert supervised_record(X) == supervised_record(y) == {"target": "b", "horizons": [3]}
    assert y.name == "b_t+3"  # the names stay, for people; nothing parses them
    _, Y = make_supervised(df, horizon=3, target="b", all_horizons=True)
    assert supervised_record(Y) == {"target": "b", "horizons": [1, 2, 3]}
    assert supervised_record(X.to_numpy(), None) is None
    assert df.attrs == {}  # the caller's frame is left alone
