"""Save and load a fitted LSTMRegressor without pickle.

File layout (a zip archive, suffix ``.skl-lstm`` by convention):

``metadata.json``
    Format name and version, the skl_lstm / Keras versions that wrote it, the
    SHA-256 of ``model.keras``, the estimator's parameters and its fitted
    attributes, all as JSON.
``model.keras``
    The network in Keras' native format (architecture as JSON, weights as HDF5).

Loading never unpickles anything and never runs code from the file: the
metadata is JSON, the checksum must match, the archive may hold nothing else,
and Keras deserialises the network with ``safe_mode=True`` (which refuses
``Lambda`` layers and other embedded Python code).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile

import numpy as np

from ._version import __version__
from .exceptions import UnsafeModelFileError

FORMAT = "skl_lstm.LSTMRegressor"
FORMAT_VERSION = 1
_ENTRIES = {"metadata.json", "model.keras"}
_JSON_SCALARS = (str, int, float, bool, type(None))


def _json_param(name, value):
    if isinstance(value, _JSON_SCALARS):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float)) for v in value):
        return {"__tuple__": list(value)} if isinstance(value, tuple) else list(value)
    raise TypeError(
        f"LSTMRegressor.save cannot store {name}={value!r}: only strings, numbers, booleans, None "
        "and tuples of numbers are saved safely. Use the string form (e.g. optimizer='adam', "
        "loss='huber' with loss__delta=...) or persist with joblib/pickle from a trusted source."
    )


def _from_json_param(value):
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(value["__tuple__"])
    return value


def save(estimator, path) -> None:
    """Write a fitted LSTMRegressor to ``path`` (see module docstring)."""
    import keras

    from .exceptions import NotFittedError

    if not hasattr(estimator, "model_"):
        raise NotFittedError("This LSTMRegressor instance is not fitted yet; fit it before calling save.")
    params = {name: _json_param(name, value) for name, value in estimator.get_params(deep=False).items()}
    if params.get("callbacks"):
        raise TypeError("LSTMRegressor.save cannot store callbacks; set callbacks=None before saving.")
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "model.keras")
        keras.saving.save_model(estimator.model_, model_path)
        with open(model_path, "rb") as fh:
            model_bytes = fh.read()
    encoder = estimator.target_encoder_
    fitted = {
        "n_features_in_": int(estimator.n_features_in_),
        "feature_names_in_": None
        if getattr(estimator, "feature_names_in_", None) is None
        else [str(n) for n in estimator.feature_names_in_],
        "X_shape_": list(estimator.X_shape_),
        "n_timesteps_": int(estimator.n_timesteps_),
        "n_features_per_step_": int(estimator.n_features_per_step_),
        "n_outputs_": int(estimator.n_outputs_),
        "y_shape": list(encoder._y_shape),
        "y_dtype": str(encoder._y_dtype),
        "history_": {k: [float(v) for v in vals] for k, vals in estimator.history_.items()},
        "best_epoch_": int(estimator.best_epoch_),
        "n_epochs_": int(estimator.n_epochs_),
        "n_validation_": int(estimator.n_validation_),
    }
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "skl_lstm_version": __version__,
        "keras_version": keras.__version__,
        "backend": keras.backend.backend(),
        "model_sha256": hashlib.sha256(model_bytes).hexdigest(),
        "params": params,
        "fitted": fitted,
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("metadata.json", json.dumps(metadata, indent=1))
        archive.writestr("model.keras", model_bytes)


def _refuse(path, reason):
    raise UnsafeModelFileError(f"Refusing to load {os.fspath(path)!r}: {reason}")


def load(cls, path):
    """Read an LSTMRegressor written by :func:`save`; refuse anything else."""
    import keras
    from scikeras.utils.transformers import RegressorTargetEncoder

    from ._network import MaskMissingSteps
    from ._regressor import _SequenceEncoder

    with open(path, "rb") as fh:
        starts_as_zip = fh.read(4) == b"PK\x03\x04"  # a pickle may embed a zip at its end
    if not starts_as_zip or not zipfile.is_zipfile(path):
        _refuse(path, "it is not an skl_lstm model archive (pickle and other files are never loaded).")
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        if names != _ENTRIES:
            _refuse(path, f"it holds {sorted(names)}, expected exactly {sorted(_ENTRIES)}.")
        try:
            metadata = json.loads(archive.read("metadata.json").decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            _refuse(path, f"metadata.json is not valid JSON ({exc}).")
        model_bytes = archive.read("model.keras")
    if not isinstance(metadata, dict) or metadata.get("format") != FORMAT:
        _refuse(path, f"metadata.json does not describe an {FORMAT} model.")
    if int(metadata.get("format_version", 0)) > FORMAT_VERSION:
        _refuse(
            path,
            f"it was written by skl_lstm {metadata.get('skl_lstm_version')} in format version "
            f"{metadata.get('format_version')}; this skl_lstm ({__version__}) reads up to "
            f"{FORMAT_VERSION}. Upgrade skl_lstm.",
        )
    if hashlib.sha256(model_bytes).hexdigest() != metadata.get("model_sha256"):
        _refuse(path, "model.keras does not match the checksum in metadata.json; the file was altered.")
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "model.keras")
        with open(model_path, "wb") as fh:
            fh.write(model_bytes)
        try:
            model = keras.saving.load_model(
                model_path, safe_mode=True, custom_objects={"skl_lstm>MaskMissingSteps": MaskMissingSteps}
            )
        except Exception as exc:  # Keras raises several types for unsafe or foreign content
            _refuse(path, f"Keras refused the network in safe mode: {exc}")
    params = {k: _from_json_param(v) for k, v in metadata["params"].items()}
    estimator = cls(**params)
    fitted = metadata["fitted"]
    estimator.model_ = model
    estimator.n_features_in_ = fitted["n_features_in_"]
    if fitted["feature_names_in_"] is not None:
        estimator.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
    estimator.X_shape_ = tuple(fitted["X_shape_"])
    estimator.n_timesteps_ = fitted["n_timesteps_"]
    estimator.n_features_per_step_ = fitted["n_features_per_step_"]
    estimator.n_outputs_ = fitted["n_outputs_"]
    estimator.history_ = fitted["history_"]
    estimator.best_epoch_ = fitted["best_epoch_"]
    estimator.n_epochs_ = fitted["n_epochs_"]
    if "n_validation_" in fitted:  # absent from files saved before the attribute existed
        estimator.n_validation_ = fitted["n_validation_"]
    encoder = RegressorTargetEncoder()
    encoder._y_shape = tuple(fitted["y_shape"])
    encoder._y_dtype = np.dtype(fitted["y_dtype"])
    encoder.n_outputs_ = fitted["n_outputs_"]
    encoder.n_outputs_expected_ = 1
    estimator.target_encoder_ = encoder
    estimator.n_outputs_expected_ = 1
    features = _SequenceEncoder(n_features=fitted["n_features_per_step_"])
    features.n_timesteps_, features.n_features_per_step_ = fitted["n_timesteps_"], fitted["n_features_per_step_"]
    estimator.feature_encoder_ = features
    estimator._n_features_guess = fitted["n_features_per_step_"]
    estimator._initialize_callbacks()
    return estimator


__all__ = ["save", "load", "FORMAT", "FORMAT_VERSION"]
