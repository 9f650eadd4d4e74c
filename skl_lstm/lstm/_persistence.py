"""Save and load a fitted LSTMRegressor without pickle (format 1).

File layout (a zip archive, suffix ``.skl-lstm`` by convention):

``metadata.json``
    Format name and version, the skl_lstm / Keras versions that wrote it, the
    SHA-256 of ``model.keras``, the estimator's parameters and the rest of its
    state (:meth:`LSTMRegressor.__getstate__`: every fitted attribute), all as JSON.
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

from .._version import __version__
from ..exceptions import UnsafeModelFileError

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


def _json_fitted(name, value):
    if isinstance(value, np.ndarray):
        return {"__array__": value.tolist(), "dtype": "str" if value.dtype == object else str(value.dtype)}
    if isinstance(value, tuple):
        return {"__tuple__": [_json_fitted(name, v) for v in value]}
    if isinstance(value, (np.integer, np.floating, np.bool_)):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _json_fitted(name, v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_fitted(name, v) for v in value]
    if isinstance(value, _JSON_SCALARS):
        return value
    raise TypeError(f"LSTMRegressor.save cannot store the fitted attribute {name}={value!r} as JSON.")


def _from_json_fitted(value):
    if isinstance(value, dict) and "__array__" in value:
        return np.asarray(value["__array__"], dtype=object if value["dtype"] == "str" else value["dtype"])
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(_from_json_fitted(v) for v in value["__tuple__"])
    if isinstance(value, dict):
        return {k: _from_json_fitted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json_fitted(v) for v in value]
    return value


def _upgrade_fitted(fitted):
    """Fitted attributes of a file written before the estimator saved its whole state."""
    if "y_shape" in fitted:  # the first writer stored the target encoder's private fields
        fitted["_y_ndim"] = len(fitted.pop("y_shape"))
        fitted.pop("y_dtype", None)
        fitted["n_outputs_expected_"] = 1
        fitted["X_shape_"] = tuple(fitted["X_shape_"])
    return fitted


def save(estimator, path) -> None:
    """Write a fitted LSTMRegressor to ``path`` (see module docstring)."""
    import keras

    from ..exceptions import NotFittedError

    if not hasattr(estimator, "model_"):
        raise NotFittedError("This LSTMRegressor instance is not fitted yet; fit it before calling save.")
    params = {name: _json_param(name, value) for name, value in estimator.get_params(deep=False).items()}
    if params.get("callbacks"):
        raise TypeError("LSTMRegressor.save cannot store callbacks; set callbacks=None before saving.")
    state = estimator.__getstate__()
    fitted = {
        name: _json_fitted(name, value)
        for name, value in state.items()
        if name not in params and name not in ("model_", "_sklearn_version")
    }
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "model.keras")
        keras.saving.save_model(estimator.model_, model_path)
        with open(model_path, "rb") as fh:
            model_bytes = fh.read()
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

    from ._network import CUSTOM_OBJECTS

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
            model = keras.saving.load_model(model_path, safe_mode=True, custom_objects=CUSTOM_OBJECTS)
        except Exception as exc:  # Keras raises several types for unsafe or foreign content
            _refuse(path, f"Keras refused the network in safe mode: {exc}")
    params = {k: _from_json_param(v) for k, v in metadata["params"].items()}
    fitted = _upgrade_fitted({k: _from_json_fitted(v) for k, v in metadata["fitted"].items()})
    import sklearn

    estimator = cls.__new__(cls)
    # rebuilt from JSON by this sklearn, not unpickled from another one
    estimator.__setstate__({**params, **fitted, "model_": model, "_sklearn_version": sklearn.__version__})
    return estimator


__all__ = ["save", "load", "FORMAT", "FORMAT_VERSION"]
