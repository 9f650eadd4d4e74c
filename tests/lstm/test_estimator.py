import pickle
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_regressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skl_lstm import LSTMRegressor, WindowTransformer
from skl_lstm.exceptions import NotFittedError, TrainingDivergedError

FAST = dict(units=4, epochs=3, random_state=0)


def _windows(n=120, window=6, n_series=1, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n + 1.0)
    series = np.column_stack([np.sin(t / (3 + i)) + rng.normal(0, 0.05, t.size) for i in range(n_series)])
    X = WindowTransformer(window=window).fit_transform(series[:-1])
    return X, series[1:, 0]


@pytest.fixture(scope="module")
def fitted():
    X, y = _windows()
    return LSTMRegressor(units=8, epochs=60, patience=3, learning_rate=0.01, random_state=0).fit(X, y), X, y


def test_is_a_regressor_with_correct_tags():
    model = LSTMRegressor()
    assert is_regressor(model)
    tags = model.__sklearn_tags__()
    assert tags.estimator_type == "regressor" and tags.target_tags.multi_output and tags.input_tags.allow_nan


def test_history_early_stopping_and_best_weights(fitted):
    model, X, y = fitted
    assert set(model.history_) == {"loss", "val_loss"}
    assert len(model.history_["loss"]) == model.n_epochs_ <= 60
    assert model.best_epoch_ == int(np.argmin(model.history_["val_loss"])) + 1
    # early stopping with patience=3 stops exactly 3 epochs after the best one (this fit does stop early)
    assert model.n_epochs_ < 60 and model.n_epochs_ - model.best_epoch_ == 3
    # the kept weights are the best epoch's: validation loss recomputed on the tail equals the best
    n_val = int(np.ceil(0.1 * len(X)))
    X3 = X[-n_val:].reshape(n_val, 6, 1).astype(np.float32)
    val_loss = float(np.mean((np.asarray(model.model_.predict_on_batch(X3))[:, 0] - y[-n_val:]) ** 2))
    assert val_loss == pytest.approx(min(model.history_["val_loss"]), rel=1e-4)


def test_validation_tail_is_the_most_recent_samples(monkeypatch):
    import skl_lstm.lstm._estimator as module

    seen = {}
    real_train = module.train

    def spy(model, chain, X, y, **kwargs):
        seen["train"], seen["val"] = X, kwargs["validation_data"][0]
        return real_train(model, chain, X, y, **kwargs)

    monkeypatch.setattr(module, "train", spy)
    X, y = _windows(n=50, window=3)
    LSTMRegressor(units=2, epochs=1, validation_fraction=0.2, random_state=0).fit(X, y)
    X3 = X.reshape(50, 3, 1).astype(np.float32)
    # row 0 has no observed... it has one observed step; all 50 rows are used
    np.testing.assert_array_equal(seen["val"], X3[-10:])
    np.testing.assert_array_equal(seen["train"], X3[:-10])


def test_same_seed_identical_predictions_and_clone_pickle_round_trips(fitted):
    model, X, y = fitted
    pred = model.predict(X)
    np.testing.assert_array_equal(clone(model).fit(X, y).predict(X), pred)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict(X), pred)
    other = LSTMRegressor(units=8, epochs=60, patience=3, learning_rate=0.01, random_state=1).fit(X, y)
    assert not np.array_equal(other.predict(X), pred)


def test_fit_never_seeds_the_process_wide_generators(monkeypatch):
    # a Dask worker's other threads keep their own random / numpy.random streams while a seeded fit runs
    import random

    def refuse(*args, **kwargs):
        raise AssertionError("a fit seeded or reset a process-wide generator")

    X, y = _windows(n=40, window=3)
    expected = LSTMRegressor(units=2, epochs=2, random_state=0).fit(X, y).predict(X)
    for module, names in ((random, ("seed", "setstate")), (np.random, ("seed", "set_state"))):
        for name in names:
            monkeypatch.setattr(module, name, refuse)
    np.testing.assert_array_equal(LSTMRegressor(units=2, epochs=2, random_state=0).fit(X, y).predict(X), expected)


def test_fit_restores_global_random_state():
    X, y = _windows(n=40, window=3)
    np.random.seed(123)
    expected = np.random.rand()
    np.random.seed(123)
    LSTMRegressor(units=2, epochs=1, random_state=0).fit(X, y)
    assert np.random.rand() == expected


def test_three_d_input_and_multi_output():
    X, y = _windows(n=60, window=5, n_series=2)
    X3 = X.reshape(60, 5, 2)
    Y = np.column_stack([y, y * 2])
    model = LSTMRegressor(**FAST).fit(X3, Y)
    assert model.predict(X3).shape == (60, 2)
    assert model.n_timesteps_ == 5 and model.n_features_per_step_ == 2
    assert model.model_.output_shape == (None, 2)


def _three_series(n=80):
    t = np.arange(n + 1.0)
    frame = pd.DataFrame({"a": np.sin(t / 3), "b": np.cos(t / 5), "c": np.sin(t / 7) * 2})
    return frame.iloc[:-1], frame["a"].to_numpy()[1:]


@pytest.mark.parametrize("scale", [False, True], ids=["windows", "windows-scaler"])
def test_numpy_and_pandas_output_give_the_same_three_series_network(scale):
    # The number of series per step is read from the data (the warm-up rows
    # WindowTransformer writes), not parsed from column names: both outputs
    # give the same network and predictions.
    X, y = _three_series()
    fits = {}
    for output in ("default", "pandas"):
        steps = [("window", WindowTransformer(window=12))] + ([("scale", StandardScaler())] if scale else [])
        pipe = Pipeline([*steps, ("lstm", LSTMRegressor(**FAST))]).set_output(transform=output)
        fits[output] = pipe.fit(X, y)
        lstm = pipe.named_steps["lstm"]
        assert (lstm.n_timesteps_, lstm.n_features_per_step_) == (12, 3)
        assert lstm.model_.input_shape == (None, 12, 3)
    np.testing.assert_array_equal(fits["default"].predict(X), fits["pandas"].predict(X))


def test_n_features_without_warm_up_rows_warns_and_can_be_given():
    X, y = _windows(n=60, window=4, n_series=3)
    full = X[3:]  # the warm-up rows dropped: the layout cannot be read from the data
    with pytest.warns(UserWarning, match=re.escape("assuming 1 series per step. Pass n_features=")):
        assert LSTMRegressor(**FAST).fit(full, y[3:]).n_features_per_step_ == 1
    given = LSTMRegressor(n_features=3, **FAST).fit(full, y[3:])
    assert (given.n_timesteps_, given.n_features_per_step_) == (4, 3)
    assert LSTMRegressor(**FAST).fit(X, y).n_features_per_step_ == 3  # with them, it is read
    with pytest.raises(ValueError, match=re.escape("X has 12 columns, which is not a multiple of n_features=5")):
        LSTMRegressor(n_features=5, **FAST).fit(X, y)


def test_stacked_units_and_loss_optimizer_choices():
    X, y = _windows(n=40, window=3)
    model = LSTMRegressor(loss="huber", optimizer="sgd", l2=1e-3, dropout=0.1, **{**FAST, "units": (6, 3)})
    model.fit(X, y)
    lstm_layers = [layer for layer in model.model_.layers if layer.name.startswith("lstm")]
    assert [layer.units for layer in lstm_layers] == [6, 3]
    assert type(model.model_.loss).__name__ == "Huber"
    assert type(model.model_.optimizer).__name__ == "SGD"


def test_warm_up_rows_are_masked_not_zero():
    X, y = _windows(n=60, window=6)
    model = LSTMRegressor(**FAST).fit(X, y)
    partial = X[2:3].copy()  # 3 missing leading steps
    zeros = np.nan_to_num(partial)
    assert model.predict(partial)[0] != model.predict(zeros)[0]
    # masking leading steps is the same as feeding only the observed steps: the
    # network's own Keras forward pass on the two observed steps alone agrees
    observed = partial[:, 3:].reshape(1, 3, 1).astype(np.float32)
    lstm, dense = model.model_.get_layer("lstm_0"), model.model_.get_layer("forecast")
    only_observed = float(np.asarray(dense(lstm(observed)))[0, 0])
    assert model.predict(partial)[0] == pytest.approx(only_observed, abs=1e-6)
    with pytest.warns(UserWarning, match="1 of 1 samples have no observed time step"):
        model.predict(np.full((1, 6), np.nan))


def test_nan_loss_raises_and_leaves_estimator_unfitted():
    X, y = _windows(n=60, window=3)
    model = LSTMRegressor(units=4, epochs=5, learning_rate=1e4, optimizer="sgd", random_state=0)
    with pytest.raises(TrainingDivergedError, match=r"the training loss became NaN/inf at epoch \d+ \(learning_rate=10000.0, loss='mse'\). Lower learning_rate"):
        model.fit(X * 1e5, y * 1e5)
    assert not hasattr(model, "model_") and not hasattr(model, "history_")
    with pytest.raises(NotFittedError):
        model.predict(X)


@pytest.mark.parametrize(
    "params, error, message",
    [
        ({"units": 0}, ValueError, "The 'units' parameter of LSTMRegressor must be an int in the range [1, inf)"),
        ({"units": (8, 0)}, ValueError, "units=(8, 0) must be a positive int or a non-empty tuple of positive ints"),
        ({"loss": "msle"}, ValueError, "The 'loss' parameter of LSTMRegressor must be a str among"),
        ({"dropout": 1.5}, ValueError, "The 'dropout' parameter of LSTMRegressor must be a float in the range [0.0, 1.0)"),
        ({"unitz": 3}, ValueError, "Invalid parameter 'unitz' for LSTMRegressor. Did you mean 'units'?"),
    ],
)
def test_bad_hyperparameters_raise_at_fit_naming_them(params, error, message):
    X, y = _windows(n=20, window=3)
    model = LSTMRegressor(**params)  # constructing never raises
    with pytest.raises(error, match=re.escape(message)):
        model.fit(X, y)


def test_input_errors(fitted):
    model, X, y = fitted
    with pytest.raises(ValueError, match="X has 5 features, but LSTMRegressor is expecting 6 features as input"):
        model.predict(X[:, :5])
    bad_y = y.copy()
    bad_y[7] = np.nan
    with pytest.raises(ValueError, match=re.escape("LSTMRegressor: y contains NaN at row 7. Targets must be finite")):
        LSTMRegressor(**FAST).fit(X, bad_y)
    with pytest.raises(ValueError, match="Found input variables with inconsistent numbers of samples"):
        LSTMRegressor(**FAST).fit(X, y[:-1])
    with pytest.raises(TypeError, match=re.escape("LSTMRegressor needs numeric columns, but column(s) ['c']")):
        LSTMRegressor(**FAST).fit(pd.DataFrame({"a": [1.0, 2.0], "c": ["x", "y"]}), [1.0, 2.0])
    with pytest.raises(TypeError, match=r"LSTMRegressor.fit got unexpected keyword argument\(s\) \['shuffle'\]"):
        LSTMRegressor(**FAST).fit(X, y, shuffle=False)


def test_importing_skl_lstm_does_not_import_tensorflow():
    code = (
        "import sys, skl_lstm, skl_lstm.metrics, skl_lstm.datasets\n"
        "from skl_lstm import WindowTransformer, NaiveForecaster, DifferencedTargetRegressor\n"
        "skl_lstm.datasets.load_airline()\n"
        "assert not {'tensorflow', 'keras', 'scikeras'} & set(sys.modules), sorted(set(sys.modules) & {'tensorflow', 'keras'})\n"
        "skl_lstm.LSTMRegressor\n"
        "assert 'keras' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ----------------------------------------------------------------------------- continued training
def test_partial_fit_continues_training_one_epoch_at_a_time():
    X, y = _windows(n=80, window=4)
    model = LSTMRegressor(units=4, random_state=0, linear_skip=True)
    losses = []
    for _ in range(4):
        model.partial_fit(X, y)
        losses.append(model.history_["loss"][-1])
    assert model.n_epochs_ == model.best_epoch_ == 4 and len(model.history_["val_loss"]) == 4
    assert losses[-1] < losses[0]  # each call trains on from where the last one stopped
    # the same sequence of calls gives the same model
    again = LSTMRegressor(units=4, random_state=0, linear_skip=True)
    for _ in range(4):
        again.partial_fit(X, y)
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    assert again.history_ == model.history_
    with pytest.raises(ValueError, match=re.escape("y has 2 column(s), but the estimator was fitted on 1")):
        model.partial_fit(X, np.column_stack([y, y]))
    with pytest.raises(ValueError, match=re.escape("X has 5 features, but LSTMRegressor is expecting 4 features as input")):
        model.partial_fit(np.hstack([X, X[:, :1]]), y)


# ----------------------------------------------------------------------------- fitted state
def _fitted_attributes(model):
    return {k: v for k, v in vars(model).items() if k.endswith("_") and not k.startswith("_")}


def _same(a, b):
    if hasattr(a, "get_weights"):  # the network
        return all(np.array_equal(x, z) for x, z in zip(a.get_weights(), b.get_weights()))
    if hasattr(a, "get_params"):  # the encoders: their fitted values
        return a.get_params() == b.get_params()
    if isinstance(a, np.ndarray):
        return np.array_equal(a, b)
    return a == b


@pytest.mark.parametrize("how", ["save", "pickle"])
def test_every_fitted_attribute_survives_save_load_and_pickle(fitted, tmp_path, how):
    model, X, _ = fitted
    frame = pd.DataFrame(X, columns=[f"lag{i}" for i in range(X.shape[1])])
    named = LSTMRegressor(units=3, epochs=2, random_state=0, linear_skip=True).fit(frame, np.sin(np.arange(len(X))))
    for original in (model, named):
        if how == "save":
            original.save(tmp_path / "m.skl-lstm")
            loaded = LSTMRegressor.load(tmp_path / "m.skl-lstm")
        else:
            loaded = pickle.loads(pickle.dumps(original))
        expected = _fitted_attributes(original)
        assert set(_fitted_attributes(loaded)) == set(expected)
        assert "training_kernel_" in expected and "feature_names_in_" in _fitted_attributes(named)
        for name, value in expected.items():
            assert _same(value, getattr(loaded, name)), name
        np.testing.assert_array_equal(loaded.predict(frame if original is named else X), original.predict(
            frame if original is named else X))
        assert loaded.get_params() == original.get_params()


def test_state_holds_plain_values_and_the_network_only(fitted):
    import keras

    model, X, _ = fitted
    state = model.__getstate__()
    assert isinstance(state["model_"], keras.Model)
    assert not {"target_encoder_", "feature_encoder_", "_network", "_inference", "_fit_callbacks"} & set(state)
    plain = (str, int, float, bool, type(None), tuple, dict, list, np.ndarray)  # arrays: data (calibration_residuals_)
    assert all(isinstance(v, plain) for k, v in state.items() if k != "model_"), state


def test_scikeras_is_used_not_patched():
    # LSTMRegressor is a scikeras estimator, and importing it changes nothing in scikeras.
    from scikeras.wrappers import BaseWrapper

    assert isinstance(LSTMRegressor(), BaseWrapper)
    assert "__sklearn_tags__" not in vars(BaseWrapper)


def test_a_panels_validation_tail_is_every_series_latest_rows(monkeypatch):
    import skl_lstm.lstm._estimator as module

    seen = {}
    real_train = module.train

    def spy(model, chain, X, y, **kwargs):
        seen["val"] = kwargs["validation_data"][0]
        return real_train(model, chain, X, y, **kwargs)

    monkeypatch.setattr(module, "train", spy)
    rng = np.random.default_rng(0)
    frames = [
        pd.DataFrame({"y": rng.normal(size=n).cumsum()}, index=pd.MultiIndex.from_product([[name], range(n)]))
        for name, n in (("a", 40), ("b", 20), ("c", 2))
    ]
    panel = pd.concat(frames).sample(frac=1, random_state=1)  # rows in any order
    windows = pd.DataFrame(WindowTransformer(window=3).fit_transform(panel), index=panel.index)
    model = LSTMRegressor(units=2, epochs=1, validation_fraction=0.1, random_state=0).fit(windows, panel["y"])
    expected = [windows.loc[(name, t)].to_numpy(dtype=np.float32) for name, n in (("a", 40), ("b", 20)) for t in range(n - n // 10, n)]
    assert model.n_validation_ == 6  # 4 of a, 2 of b, none of the 2-row c
    got = {tuple(np.nan_to_num(row.ravel(), nan=-9)) for row in seen["val"]}
    assert got == {tuple(np.nan_to_num(row, nan=-9)) for row in expected}


@pytest.mark.parametrize("weights", [None, "ones", "zeros"])
def test_a_panels_targets_stay_with_their_windows(monkeypatch, weights):
    # A panel's rows are reordered (every series' tail last) and its targets taken in that
    # order once, when training takes them (or before, when zero weights drop rows).
    import skl_lstm.lstm._estimator as module

    seen = {}
    real_train = module.train

    def spy(model, chain, X, y, **kwargs):
        val_X, val_y = kwargs["validation_data"][:2]
        seen["pairs"] = list(zip(np.concatenate([X, val_X]), np.concatenate([y, val_y])))
        return real_train(model, chain, X, y, **kwargs)

    monkeypatch.setattr(module, "train", spy)
    rng = np.random.default_rng(0)
    frames = [
        pd.DataFrame({"y": rng.normal(size=n).cumsum()}, index=pd.MultiIndex.from_product([[name], range(n)]))
        for name, n in (("a", 40), ("b", 20))
    ]
    panel = pd.concat(frames).sample(frac=1, random_state=1)  # rows in any order
    windows = pd.DataFrame(WindowTransformer(window=3).fit_transform(panel), index=panel.index)
    target = np.column_stack([panel["y"].to_numpy() * 2 + 1, -panel["y"].to_numpy()])
    sample_weight = {None: None, "ones": np.ones(len(panel)), "zeros": (np.arange(len(panel)) % 5 != 0) * 1.0}[weights]
    LSTMRegressor(units=2, epochs=1, validation_fraction=0.1, random_state=0).fit(
        windows, target, sample_weight=sample_weight
    )
    keep = np.ones(len(panel), bool) if sample_weight is None else sample_weight != 0
    expected = {tuple(np.nan_to_num(w, nan=-9)): t.astype(np.float32).tolist()
                for w, t in zip(windows.to_numpy(np.float32)[keep], target[keep])}
    assert len(seen["pairs"]) == keep.sum()
    for window, y in seen["pairs"]:
        assert expected[tuple(np.nan_to_num(window.ravel(), nan=-9))] == y.tolist()


# ----------------------------------------------------------------------------- the linear start and the tail
@pytest.mark.parametrize("kept", [True, False])
def test_the_validation_tail_scores_a_linear_start_fitted_without_it(monkeypatch, kept):
    """The ridge start never sees the rows that choose the epoch, test it and calibrate the intervals;
    once they have been scored it is refitted on every row, kept as the whole model or under the LSTM part."""
    from sklearn.linear_model import RidgeCV

    from skl_lstm.lstm import _linear

    X, y = _windows(n=165, window=5)
    X, y = X[5:], y[5:]  # complete windows only, as the ridge below reads them
    fits = []
    ridge_start = _linear.ridge_start
    monkeypatch.setattr(_linear, "ridge_start", lambda X_, y_, w, rows=None: (
        fits.append(len(y_)), ridge_start(X_, y_, w, rows))[1])
    monkeypatch.setattr(_linear, "linear_start_is_better", lambda *args: kept)
    model = LSTMRegressor(units=4, epochs=3, linear_skip=True, validation_fraction=0.25, n_features=1,
                          random_state=0).fit(X, y)
    cut = len(y) - model.n_validation_
    # the start on every row is fitted first (before training holds memory) and put in after the tail is scored
    assert model.n_validation_ == 40 and fits == [len(y), cut]

    def ridge(rows):
        return RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(X[rows].reshape(len(X[rows]), -1), y[rows])

    flat = X.reshape(len(X), -1)
    scored = ridge(slice(None, cut)).predict(flat[cut:])
    if kept:  # the tail's residuals are those of the start fitted without it; the model is the refit on all rows
        assert model.best_epoch_ == 0
        np.testing.assert_allclose(model.calibration_residuals_[:, 0], y[cut:] - scored, atol=1e-5)
        np.testing.assert_allclose(model.predict(X), ridge(slice(None)).predict(flat), atol=1e-5)
    else:  # the trained LSTM part is kept, added to the start refitted on every row
        assert model.best_epoch_ >= 1
        lstm_part = model.predict(X) - ridge(slice(None)).predict(flat)
        assert np.abs(lstm_part).max() > 1e-4
        # the tail was scored by the LSTM part on the start fitted without it
        np.testing.assert_allclose(model.calibration_residuals_[:, 0], y[cut:] - scored - lstm_part[cut:], atol=1e-4)
