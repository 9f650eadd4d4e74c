import json
import os
import pickle
import re
import zipfile

import joblib
import numpy as np
import pytest


from skl_lstm import LSTMRegressor, WindowTransformer  # noqa: E402
from skl_lstm.exceptions import UnsafeModelFileError  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "data")


@pytest.fixture(scope="module")
def fitted():
    t = np.arange(60.0)
    X = WindowTransformer(window=4).fit_transform(np.sin(t / 4)[:, None])
    y = np.column_stack([np.sin((t + 1) / 4), np.sin((t + 2) / 4)])
    return LSTMRegressor(units=4, epochs=2, random_state=0, loss="huber", loss__delta=0.5).fit(X, y), X


def test_save_load_round_trip_is_exact(fitted, tmp_path):
    model, X = fitted
    path = tmp_path / "model.skl-lstm"
    model.save(path)
    loaded = LSTMRegressor.load(path)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.get_params() == model.get_params()
    assert loaded.history_ == model.history_ and loaded.best_epoch_ == model.best_epoch_
    with zipfile.ZipFile(path) as archive:
        meta = json.loads(archive.read("metadata.json"))
    assert (meta["format"], meta["format_version"]) == ("skl_lstm", 2)
    assert meta["estimator"]["type"] == "skl_lstm.LSTMRegressor"
    assert [name for name in meta["members"] if name.startswith("keras/")] == ["keras/0.keras"]


def test_pickle_and_joblib_round_trips(fitted, tmp_path):
    model, X = fitted
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(model)).predict(X), model.predict(X))
    joblib.dump(model, tmp_path / "m.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "m.joblib").predict(X), model.predict(X))


def test_committed_model_from_format_1_still_loads_and_predicts():
    with open(os.path.join(DATA, "lstm_format1.json")) as fh:
        expected = json.load(fh)
    model = LSTMRegressor.load(os.path.join(DATA, "lstm_format1.skl-lstm"))
    np.testing.assert_allclose(model.predict(np.asarray(expected["X"])), expected["predictions"], rtol=1e-6)


@pytest.fixture
def saved(tmp_path):
    """A copy of the committed format-1 file and its metadata: the format-1 reader's refusals below use it."""
    path = tmp_path / "good.skl-lstm"
    path.write_bytes(open(os.path.join(DATA, "lstm_format1.skl-lstm"), "rb").read())
    with zipfile.ZipFile(path) as archive:
        return path, json.loads(archive.read("metadata.json"))


def _rewrite(src, dst, **replace):
    with zipfile.ZipFile(src) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries.update(replace)
    with zipfile.ZipFile(dst, "w") as archive:
        for name, data in entries.items():
            if data is not None:
                archive.writestr(name, data)


def test_pickle_file_is_refused(fitted, tmp_path):
    model, _ = fitted
    path = tmp_path / "evil.skl-lstm"
    path.write_bytes(pickle.dumps(model))
    with pytest.raises(UnsafeModelFileError, match="it is not an skl_lstm model archive \\(pickle and other files are never loaded\\)"):
        LSTMRegressor.load(path)


def test_extra_entries_and_tampering_are_refused(saved, tmp_path):
    good, _ = saved
    extra = tmp_path / "extra.skl-lstm"
    _rewrite(good, extra, **{"payload.pkl": pickle.dumps([1, 2])})
    with pytest.raises(UnsafeModelFileError, match=re.escape("it holds ['metadata.json', 'model.keras', 'payload.pkl']")):
        LSTMRegressor.load(extra)
    with zipfile.ZipFile(good) as archive:
        keras_bytes = bytearray(archive.read("model.keras"))
    keras_bytes[len(keras_bytes) // 2] ^= 0xFF
    tampered = tmp_path / "tampered.skl-lstm"
    _rewrite(good, tampered, **{"model.keras": bytes(keras_bytes)})
    with pytest.raises(UnsafeModelFileError, match="model.keras does not match the checksum in metadata.json; the file was altered"):
        LSTMRegressor.load(tampered)


def test_network_with_code_is_refused_even_with_a_matching_checksum(saved, tmp_path):
    import hashlib

    import keras

    good, meta = saved
    inputs = keras.Input((4, 1))
    outputs = keras.layers.Dense(2)(keras.layers.Lambda(lambda x: x[:, -1, :] * 2)(inputs))
    keras.saving.save_model(keras.Model(inputs, outputs), tmp_path / "lambda.keras")
    code_bytes = (tmp_path / "lambda.keras").read_bytes()
    meta["model_sha256"] = hashlib.sha256(code_bytes).hexdigest()  # a forger can fix the checksum
    forged = tmp_path / "forged.skl-lstm"
    _rewrite(good, forged, **{"model.keras": code_bytes, "metadata.json": json.dumps(meta).encode()})
    with pytest.raises(UnsafeModelFileError, match="its network holds a Lambda layer, which carries Python code"):
        LSTMRegressor.load(forged)


def test_newer_format_and_bad_metadata_are_refused(saved, tmp_path):
    good, meta = saved
    newer = tmp_path / "newer.skl-lstm"
    _rewrite(good, newer, **{"metadata.json": json.dumps({**meta, "format_version": 99}).encode()})
    with pytest.raises(UnsafeModelFileError, match="reads up to 1. Upgrade skl_lstm"):
        LSTMRegressor.load(newer)
    broken = tmp_path / "broken.skl-lstm"
    _rewrite(good, broken, **{"metadata.json": b"{not json"})
    with pytest.raises(UnsafeModelFileError, match="metadata.json is not valid JSON"):
        LSTMRegressor.load(broken)


def test_save_refuses_unsafe_parameters_and_unfitted(tmp_path):
    import keras

    from skl_lstm.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="fit it before calling save"):
        LSTMRegressor().save(tmp_path / "x")
    t = np.arange(30.0)
    X = WindowTransformer(window=3).fit_transform(t[:, None] / 30)
    model = LSTMRegressor(units=2, epochs=1, optimizer=keras.optimizers.Adam()).fit(X, t / 30)
    with pytest.raises(TypeError, match=r"skl_lstm.save cannot store the Keras object keras\.src\.optimizers\."
                                        r"adam\.Adam at estimator\['optimizer'\]: .* string form instead \(e\.g\. "
                                        r"optimizer='adam'"):
        model.save(tmp_path / "x")
    assert not os.listdir(tmp_path)


