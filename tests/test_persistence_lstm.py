"""skl_lstm.save / load with the LSTM: the bare estimator, the plain pipeline, the recipe, a search's best model."""

import zipfile

import numpy as np
import pandas as pd
import pytest

keras = pytest.importorskip("keras")

from sklearn.model_selection import GridSearchCV, TimeSeriesSplit  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from test_persistence_format import assert_same_state  # noqa: E402

import skl_lstm  # noqa: E402
from skl_lstm import LSTMRegressor, WindowTransformer  # noqa: E402

TINY = {"units": 4, "epochs": 2, "random_state": 0}


@pytest.fixture(scope="module")
def series():
    t = np.arange(72.0)
    X = pd.DataFrame({"a": 10 + np.sin(t / 4) + t / 40, "b": 5 + np.cos(t / 3), "c": 2 + np.sin(t / 7)})
    return X, 10 + np.sin((t + 1) / 4) + (t + 1) / 40


def assert_same_network(loaded, original):
    assert loaded.to_json() == original.to_json()
    for a, b in zip(loaded.get_weights(), original.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def assert_same_lstm(loaded, original):
    """Every fitted attribute of the LSTMRegressor survives; the network has the same graph and weights."""
    state, expected = loaded.__getstate__(), original.__getstate__()
    assert_same_network(state.pop("model_"), expected.pop("model_"))
    assert_same_state(state, expected)


def test_plain_pipeline_with_the_lstm_round_trips(series, tmp_path):
    X, y = series
    model = Pipeline([("window", WindowTransformer(6)), ("scale", StandardScaler()),
                      ("lstm", LSTMRegressor(**TINY))]).fit(X, y)
    path = tmp_path / "plain.skl-lstm"
    skl_lstm.save(model, path)
    loaded = skl_lstm.load(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert_same_lstm(loaded[-1], model[-1])
    assert loaded[-1].n_features_per_step_ == 3
    with zipfile.ZipFile(path) as archive:
        assert sum(name.startswith("keras/") for name in archive.namelist()) == 1  # the one network


def test_recommended_pipeline_round_trips(series, tmp_path):
    X, y = series
    model = skl_lstm.recommended_pipeline(window=6, log=True, **TINY).fit(X, y)
    path = tmp_path / "recipe.skl-lstm"
    skl_lstm.save(model, path)
    np.testing.assert_array_equal(skl_lstm.load(path).predict(X), model.predict(X))


def test_search_best_estimator_with_the_lstm_round_trips(series, tmp_path):
    X, y = series
    pipe = Pipeline([("window", WindowTransformer(4)), ("scale", StandardScaler()), ("lstm", LSTMRegressor(**TINY))])
    search = GridSearchCV(pipe, {"lstm__units": [2, 4]}, cv=TimeSeriesSplit(2)).fit(X, y)
    path = tmp_path / "best.skl-lstm"
    skl_lstm.save(search.best_estimator_, path)
    np.testing.assert_array_equal(skl_lstm.load(path).predict(X), search.predict(X))


def test_lstm_save_and_load_are_the_same_machinery(series, tmp_path):
    X, y = series
    lstm = LSTMRegressor(**TINY).fit(WindowTransformer(4).fit_transform(X), y)
    path = tmp_path / "lstm.skl-lstm"
    lstm.save(path)
    assert type(skl_lstm.load(path)) is LSTMRegressor
    assert_same_lstm(LSTMRegressor.load(path), lstm)
    skl_lstm.save(Pipeline([("lstm", lstm)]), path)
    with pytest.raises(TypeError, match="holds a Pipeline, not an LSTMRegressor; load it with skl_lstm.load"):
        LSTMRegressor.load(path)
