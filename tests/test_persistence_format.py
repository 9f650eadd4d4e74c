"""skl_lstm.save / skl_lstm.load (format 2): every trusted type, whole pipelines and networks round-trip."""

import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import TransformedTargetRegressor
from sklearn.dummy import DummyRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge, RidgeCV
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer, MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler

import skl_lstm
from skl_lstm import (
    DifferencedTargetRegressor,
    KnownFutureTransformer,
    NaiveForecaster,
    SeasonalNaiveForecaster,
    WindowTransformer,
)
from skl_lstm.exceptions import UnsafeModelFileError
from skl_lstm.persistence import TRUSTED_NAMES, TRUSTED_TYPES

DATA = os.path.join(os.path.dirname(__file__), "data")


@pytest.fixture(scope="module")
def series():
    """Two positive columns with a pandas index; the target is column ``a`` one step ahead."""
    t = np.arange(80.0)
    X = pd.DataFrame({"a": 10 + np.sin(t / 4) + t / 40, "b": 5 + np.cos(t / 3)})
    y = 10 + np.sin((t + 1) / 4) + (t + 1) / 40
    return X, y


def windowed(model, window=4):
    """``model`` after lag windows whose NaN warm-up rows are imputed (pandas output throughout)."""
    steps = [("window", WindowTransformer(window)), ("impute", SimpleImputer()), ("model", model)]
    return Pipeline(steps).set_output(transform="pandas")


def recipe_like(window=4):
    """The recipe's structure with a ridge in the LSTM's place: log, target change, windows, scaling."""
    inner = Pipeline([("window", WindowTransformer(window, diff=1)), ("impute", SimpleImputer()),
                      ("scale", StandardScaler()), ("ridge", RidgeCV())]).set_output(transform="pandas")
    return TransformedTargetRegressor(
        DifferencedTargetRegressor(TransformedTargetRegressor(inner, transformer=StandardScaler())),
        func=np.log, inverse_func=np.exp, check_inverse=False,
    )


#: A fitted example of every trusted type (the test below checks that none is missing).
EXAMPLES = {
    "sklearn.compose.TransformedTargetRegressor": lambda: TransformedTargetRegressor(Ridge(), func=np.log1p,
                                                                                      inverse_func=np.expm1),
    "sklearn.dummy.DummyRegressor": lambda: DummyRegressor(strategy="median"),
    "sklearn.impute.SimpleImputer": lambda: windowed(LinearRegression()),
    "sklearn.linear_model.ElasticNet": lambda: windowed(ElasticNet(alpha=0.01)),
    "sklearn.linear_model.Lasso": lambda: windowed(Lasso(alpha=0.01)),
    "sklearn.linear_model.LinearRegression": lambda: LinearRegression(),
    "sklearn.linear_model.Ridge": lambda: Ridge(alpha=0.5),
    "sklearn.linear_model.RidgeCV": lambda: RidgeCV(alphas=(0.1, 1.0)),
    "sklearn.pipeline.FeatureUnion": lambda: Pipeline(
        [("union", FeatureUnion([("min", MinMaxScaler()), ("max", MaxAbsScaler())])), ("ridge", Ridge())]),
    "sklearn.pipeline.Pipeline": lambda: windowed(Ridge()),
    "sklearn.preprocessing.FunctionTransformer": lambda: Pipeline(
        [("sqrt", FunctionTransformer(np.sqrt, inverse_func=np.square)), ("ridge", Ridge())]),
    "sklearn.preprocessing.MaxAbsScaler": lambda: Pipeline([("s", MaxAbsScaler()), ("r", Ridge())]),
    "sklearn.preprocessing.MinMaxScaler": lambda: Pipeline([("s", MinMaxScaler((-1, 1))), ("r", Ridge())]),
    "sklearn.preprocessing.RobustScaler": lambda: Pipeline([("s", RobustScaler()), ("r", Ridge())]),
    "sklearn.preprocessing.StandardScaler": lambda: Pipeline([("s", StandardScaler()), ("r", Ridge())]),
    "skl_lstm.baselines.NaiveForecaster": lambda: NaiveForecaster(),
    "skl_lstm.baselines.SeasonalNaiveForecaster": lambda: SeasonalNaiveForecaster(6, horizon=2),
    "skl_lstm.compose.DifferencedTargetRegressor": lambda: DifferencedTargetRegressor(windowed(Ridge())),
    "skl_lstm.preprocessing.KnownFutureTransformer": lambda: Pipeline(
        [("future", KnownFutureTransformer(["b"], horizon=2)), ("ridge", Ridge())]),
    "skl_lstm.preprocessing.WindowTransformer": lambda: windowed(Ridge(), window=3),
}


def assert_same_state(loaded, original, where="estimator"):
    """Every attribute, recursively: the same types and values (arrays exactly, with their dtype)."""
    assert type(loaded) is type(original), where
    if isinstance(original, np.ndarray) and original.dtype == object:
        assert loaded.dtype == object and loaded.shape == original.shape, where
        assert_same_state(loaded.ravel().tolist(), original.ravel().tolist(), where)
    elif isinstance(original, np.ndarray):
        assert loaded.dtype == original.dtype and loaded.shape == original.shape, where
        np.testing.assert_array_equal(loaded, original, err_msg=where)
    elif isinstance(original, (list, tuple)):
        assert len(loaded) == len(original), where
        for i, (a, b) in enumerate(zip(loaded, original, strict=True)):
            assert_same_state(a, b, f"{where}[{i}]")
    elif isinstance(original, dict):
        assert list(loaded) == list(original), where
        for key in original:
            assert_same_state(loaded[key], original[key], f"{where}[{key!r}]")
    elif isinstance(original, BaseEstimator):
        assert_same_state(loaded.__getstate__(), original.__getstate__(), where)
    elif isinstance(original, float) and np.isnan(original):
        assert np.isnan(loaded), where
    else:
        assert loaded == original, where


def round_trip(model, tmp_path, **kwargs):
    path = tmp_path / "model.skl-lstm"
    skl_lstm.save(model, path, **{k: v for k, v in kwargs.items() if k == "trusted"})
    return skl_lstm.load(path, **kwargs)


def test_examples_cover_the_trusted_list():
    needs_keras = {"skl_lstm.LSTMRegressor"}  # round-tripped in test_persistence_lstm.py
    assert sorted(EXAMPLES) == sorted(set(TRUSTED_TYPES) - needs_keras)


@pytest.mark.filterwarnings("ignore:SeasonalNaiveForecaster:UserWarning")
@pytest.mark.filterwarnings("ignore::skl_lstm.exceptions.MissingFutureWarning")
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_trusted_type_round_trips_with_all_its_state(name, series, tmp_path):
    X, y = series
    model = EXAMPLES[name]().fit(X, y)
    loaded = round_trip(model, tmp_path)
    assert_same_state(loaded, model)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_recipe_structure_round_trips_and_keeps_refitting(series, tmp_path):
    X, y = series
    model = recipe_like().fit(X, y)
    loaded = round_trip(model, tmp_path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.func is np.log and loaded.inverse_func is np.exp
    assert list(loaded.feature_names_in_) == ["a", "b"] and loaded.feature_names_in_.dtype == object
    inner = loaded.regressor_.regressor_.regressor_
    assert inner.steps[0][1]._sklearn_output_config == {"transform": "pandas"}
    np.testing.assert_array_equal(loaded.fit(X, y).predict(X), model.predict(X))  # still a working estimator


def test_search_best_estimator_round_trips_and_the_search_is_refused_with_a_pointer(series, tmp_path):
    X, y = series
    search = GridSearchCV(windowed(Ridge()), {"window__window": [3, 5], "model__alpha": [0.1, 1.0]},
                          cv=TimeSeriesSplit(3)).fit(X, y)
    loaded = round_trip(search.best_estimator_, tmp_path)
    np.testing.assert_array_equal(loaded.predict(X), search.predict(X))
    assert loaded.get_params()["window__window"] == search.best_params_["window__window"]
    with pytest.raises(TypeError, match=r"cannot store the sklearn\.model_selection\._search\.GridSearchCV at "
                                        r"estimator: save search\.best_estimator_"):
        skl_lstm.save(search, tmp_path / "search.skl-lstm")


def test_shared_objects_stay_shared_and_special_floats_survive(tmp_path):
    scaler = StandardScaler().fit([[1.0], [3.0]])
    value = {"twice": [scaler, scaler], "floats": (np.nan, np.inf, -np.inf, 0.1), "n": np.int64(3),
             "f32": np.float32(0.1), "dtype": np.dtype("float32"), "type": np.float64, 2: None,
             "labels": np.array([["a", 3], [pd.Timestamp("2020-01-31"), scaler]], dtype=object)}
    loaded = round_trip(value, tmp_path)
    assert loaded["twice"][0] is loaded["twice"][1] is loaded["labels"][1, 1]
    assert_same_state(loaded, value)
    assert type(loaded["n"]) is np.int64 and type(loaded["f32"]) is np.float32 and loaded["type"] is np.float64


def test_file_records_format_versions_and_checksums(series, tmp_path):
    X, y = series
    path = tmp_path / "m.skl-lstm"
    skl_lstm.save(windowed(Ridge()).fit(X, y), path, metadata={"target": "a", "horizon": 1})
    with zipfile.ZipFile(path) as archive:
        meta = json.loads(archive.read("metadata.json"))
        names = archive.namelist()
    import sklearn

    assert meta["format"] == "skl_lstm" and meta["format_version"] == skl_lstm.persistence.FORMAT_VERSION == 2
    assert meta["versions"]["skl_lstm"] == skl_lstm.__version__
    assert meta["versions"]["scikit-learn"] == sklearn.__version__ and meta["versions"]["numpy"] == np.__version__
    assert "keras" in meta["versions"]
    assert names == ["metadata.json", *meta["members"]] and all(n.startswith("arrays/") for n in meta["members"])
    assert meta["estimator"]["type"] == "sklearn.pipeline.Pipeline"
    assert skl_lstm.load(path, return_metadata=True)[1] == {"target": "a", "horizon": 1}


def test_metadata_must_be_json(tmp_path):
    with pytest.raises(TypeError, match=r"metadata=\{'x': array\(\[1\]\)\} cannot be stored: it must be a dict "
                                        r"of JSON values"):
        skl_lstm.save(Ridge(), tmp_path / "m", metadata={"x": np.array([1])})
    assert not os.listdir(tmp_path)


class Clip(TransformerMixin, BaseEstimator):
    """A user's own transformer, trusted explicitly."""

    def __init__(self, high=1.0):
        self.high = high

    def fit(self, X, y=None):
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X):
        return np.minimum(np.asarray(X, dtype=float), self.high)


def halve(x):
    """A user's own function, trusted explicitly."""
    return x / 2


def test_user_types_and_functions_need_trusted_on_save_and_load(series, tmp_path):
    X, y = series
    model = Pipeline([("clip", Clip(11.0)), ("half", FunctionTransformer(halve)), ("ridge", Ridge())]).fit(X, y)
    path = tmp_path / "own.skl-lstm"
    with pytest.raises(TypeError, match=r"cannot store a test_persistence_format\.Clip at "
                                        r"estimator\['steps'\]\[0\]\[1\]: it is not on skl_lstm's trusted list .* "
                                        r"pass trusted=\[Clip\] to both skl_lstm\.save and skl_lstm\.load"):
        skl_lstm.save(model, path)
    with pytest.raises(TypeError, match=r"cannot store the function test_persistence_format\.halve at "
                                        r"estimator\['steps'\]\[1\]\[1\]\['func'\]: .* pass trusted=\[halve\]"):
        skl_lstm.save(model, path, trusted=[Clip])
    skl_lstm.save(model, path, trusted=[Clip, halve])
    with pytest.raises(UnsafeModelFileError, match=r"holds an object of type 'test_persistence_format\.Clip' \(at "
                                                   r"estimator\['steps'\]\[0\]\[1\]\), which is not trusted\. If "
                                                   r"you trust it, pass it in skl_lstm\.load\(path, "
                                                   r"trusted=\[Clip\]\)"):
        skl_lstm.load(path)
    loaded = skl_lstm.load(path, trusted=[Clip, halve])
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_lambdas_and_bad_trusted_entries_are_refused_with_the_fix(tmp_path):
    with pytest.raises(TypeError, match="a lambda or a function defined inside another function cannot be named"):
        skl_lstm.save(FunctionTransformer(lambda x: x), tmp_path / "m")
    with pytest.raises(TypeError, match=r"each entry must be a class or a module-level function, got 'Clip'"):
        skl_lstm.save(Clip(), tmp_path / "m", trusted=["Clip"])
    with pytest.raises(TypeError, match=r"cannot store a builtins\.set at estimator\['x'\]\[1\]: it is not on"):
        skl_lstm.save({"x": np.array(["a", {1}], dtype=object)}, tmp_path / "m")
    with pytest.raises(FileNotFoundError, match="the directory .* does not exist; create it first"):
        skl_lstm.save(Ridge(), tmp_path / "missing" / "m")


def test_trusted_names_resolve_to_the_functions_they_name():
    from skl_lstm.persistence._registry import Registry

    registry = Registry()
    for name in TRUSTED_NAMES:
        value = registry.resolve_value(name)
        assert registry.value_name(value) == name


def test_saving_and_loading_without_a_network_never_imports_keras(tmp_path):
    code = (
        "import sys, numpy as np, skl_lstm\n"
        "from sklearn.linear_model import Ridge\n"
        f"skl_lstm.save(Ridge().fit(np.eye(3), [1.0, 2, 3]), {str(tmp_path / 'r.skl-lstm')!r})\n"
        f"skl_lstm.load({str(tmp_path / 'r.skl-lstm')!r})\n"
        "heavy = {'tensorflow', 'keras', 'scikeras'} & set(sys.modules)\n"
        "assert not heavy, sorted(heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=os.path.dirname(os.path.dirname(__file__)))
    assert result.returncode == 0, result.stderr


def test_format_1_file_loads_through_skl_lstm_load():
    pytest.importorskip("keras")
    with open(os.path.join(DATA, "lstm_format1.json")) as fh:
        expected = json.load(fh)
    model, meta = skl_lstm.load(os.path.join(DATA, "lstm_format1.skl-lstm"), return_metadata=True)
    assert type(model).__name__ == "LSTMRegressor" and meta == {}
    np.testing.assert_allclose(model.predict(np.asarray(expected["X"])), expected["predictions"], rtol=1e-6)


class Holder(BaseEstimator):
    """Holds a Keras network, as an estimator wrapping one does."""

    def predict(self, X):
        return self.model_.predict(np.asarray(X, dtype="float32"), verbose=0)


def test_keras_network_is_its_own_member_and_loads_with_skl_lstm_layers(tmp_path):
    keras = pytest.importorskip("keras")
    from skl_lstm.persistence._keras import custom_objects

    mask = custom_objects()["skl_lstm>MaskMissingSteps"]
    inputs = keras.Input((3, 2))
    outputs = keras.layers.Dense(1)(keras.layers.LSTM(2)(mask()(inputs)))
    holder = Holder()
    holder.model_ = keras.Model(inputs, outputs)
    holder.again_ = holder.model_
    X = np.random.default_rng(0).normal(size=(5, 3, 2))
    X[0, 0, 0] = np.nan
    path = tmp_path / "net.skl-lstm"
    skl_lstm.save(holder, path, trusted=[Holder])
    with zipfile.ZipFile(path) as archive:
        assert archive.namelist() == ["metadata.json", "keras/0.keras"]
        meta = json.loads(archive.read("metadata.json"))
    assert meta["versions"]["keras"] == keras.__version__
    loaded = skl_lstm.load(path, trusted=[Holder])
    assert loaded.again_ is loaded.model_ and isinstance(loaded.model_.layers[1], mask)
    np.testing.assert_array_equal(loaded.predict(X), holder.predict(X))
    bare = round_trip(holder.model_, tmp_path)
    np.testing.assert_array_equal(bare.predict(X, verbose=0), holder.predict(X))
    with pytest.raises(TypeError, match=r"cannot store the Keras object keras\.src\.optimizers\.adam\.Adam at "
                                        r"estimator\['optimizer'\]: of Keras, only whole networks \(keras\.Model\) "
                                        r"are saved\. Give a parameter its string form instead \(e\.g\. "
                                        r"optimizer='adam'"):
        skl_lstm.save({"optimizer": keras.optimizers.Adam()}, tmp_path / "optimizer.skl-lstm")


@pytest.mark.filterwarnings("ignore:LSTMRegressor. 1 of 95 samples:UserWarning")  # the first row: no history
@pytest.mark.parametrize("name", ["pipeline_format2", "recipe_format2"])
def test_committed_format_2_models_still_load_and_predict(name):
    if name == "recipe_format2":  # the recipe with its LSTM
        pytest.importorskip("keras")
    with open(os.path.join(DATA, f"{name}.json")) as fh:
        expected = json.load(fh)
    model = skl_lstm.load(os.path.join(DATA, f"{name}.skl-lstm"))
    X = pd.DataFrame(expected["X"], columns=expected["columns"])
    np.testing.assert_allclose(model.predict(X), expected["predictions"], rtol=1e-6)


def test_reliability_docs_list_every_trusted_name():
    with open(os.path.join(os.path.dirname(DATA), "..", "docs", "reliability.md")) as fh:
        docs = fh.read()
    ranges = {"numpy.int16", "numpy.int32", "numpy.uint16", "numpy.uint32"}  # written as "int8 to int64"
    missing = [name for name in (*TRUSTED_TYPES, *TRUSTED_NAMES) if f"`{name}`" not in docs and name not in ranges]
    assert not missing


@pytest.mark.parametrize(
    "index",
    [
        pd.date_range("2000-01-01", periods=80, freq="MS"),
        pd.date_range("2000-03-20", periods=80, freq="h", tz="Europe/Paris", unit="s"),
        pd.period_range("2000Q1", periods=80, freq="Q"),
        pd.RangeIndex(10, 170, 2),
    ],
    ids=["datetime", "tz-aware seconds", "period", "range"],
)
def test_windows_keep_recognising_the_continued_series_after_loading(series, tmp_path, index):
    X, y = series
    X = X.set_axis(index)
    model = windowed(Ridge()).fit(X.iloc[:60], y[:60])
    loaded = round_trip(model, tmp_path)
    window = loaded.named_steps["window"]
    assert type(window._next_label) is type(model.named_steps["window"]._next_label)
    assert window._next_label == model.named_steps["window"]._next_label == index[60]
    # the rows after the training ones continue the series: the fitted history fills their first windows
    np.testing.assert_array_equal(loaded.predict(X.iloc[60:]), model.predict(X.iloc[60:]))
    np.testing.assert_array_equal(window.transform(X.iloc[60:])[:1], model[0].transform(X.iloc[:61])[-1:])


def test_windows_fitted_on_a_panel_keep_each_series_history(tmp_path):
    rng = np.random.default_rng(0)
    frames = [pd.DataFrame(rng.normal(size=(n, 2)).cumsum(axis=0),
                           index=pd.MultiIndex.from_product([[name], pd.date_range(start, periods=n, freq="MS")]))
              for name, n, start in (("east", 30, "2001-01"), ("north", 12, "2003-05"), ("west", 18, "2002-02"))]
    head = pd.concat([f.iloc[:-5] for f in frames])
    tail = pd.concat([f.iloc[-5:] for f in frames]).sample(frac=1, random_state=0)
    window = WindowTransformer(4, diff=1).fit(head)
    loaded = round_trip(window, tmp_path)
    assert_same_state(loaded, window)
    assert list(loaded.series_) == ["east", "north", "west"] and loaded._next_label[1] == pd.Timestamp("2003-12-01")
    np.testing.assert_array_equal(loaded.transform(tail), window.transform(tail))
    assert not np.isnan(loaded.transform(tail)).any()  # each series continued from its own fitted history
