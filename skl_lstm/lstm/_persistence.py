"""Read the format-1 files of a bare LSTMRegressor (written by skl_lstm 0.1.0), without pickle.

Format 2 (:mod:`skl_lstm.persistence`) replaced this format for writing; this
reader stays so that files written before keep loading: ``skl_lstm.load`` and
``LSTMRegressor.load`` hand it every file whose metadata says
``"format": "skl_lstm.LSTMRegressor"``.

File layout (a zip archive, suffix ``.skl-lstm`` by convention):

``metadata.json``
    Format name and version, the skl_lstm / Keras versions that wrote it, the
    SHA-256 of ``model.keras``, the estimator's parameters and the rest of its
    state (:meth:`LSTMRegressor.__getstate__`: every fitted attribute), all as JSON.
``model.keras``
    The network in Keras' native format (architecture as JSON, weights as HDF5).

Loading never unpickles anything and never runs code from the file: the
metadata is JSON, the checksum must match, the archive may hold nothing else,
and the network is read as format 2 reads one (layers that carry code are
refused, then Keras deserialises it with ``safe_mode=True``).
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile

import numpy as np

from .._version import __version__
from ..exceptions import UnsafeModelFileError

FORMAT = "skl_lstm.LSTMRegressor"
FORMAT_VERSION = 1
_ENTRIES = {"metadata.json", "model.keras"}


def _from_json_param(value):
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(value["__tuple__"])
    return value


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


def _refuse(path, reason):
    raise UnsafeModelFileError(f"Refusing to load {os.fspath(path)!r}: {reason}")


def load(cls, path):
    """Read an LSTMRegressor written in format 1; refuse anything else."""
    from ..persistence._keras import model_from_bytes

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
    model = model_from_bytes(model_bytes, lambda reason: _refuse(path, reason))  # the checks of format 2
    params = {k: _from_json_param(v) for k, v in metadata["params"].items()}
    fitted = _upgrade_fitted({k: _from_json_fitted(v) for k, v in metadata["fitted"].items()})
    import sklearn

    estimator = cls.__new__(cls)
    # rebuilt from JSON by this sklearn, not unpickled from another one
    estimator.__setstate__({**params, **fitted, "model_": model, "_sklearn_version": sklearn.__version__})
    return estimator


__all__ = ["load", "FORMAT", "FORMAT_VERSION"]
