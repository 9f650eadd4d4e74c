"""``skl_lstm.save`` and ``skl_lstm.load``: whole fitted models, no pickle, atomic writes."""

from __future__ import annotations

import json
import os

from ..exceptions import UnsafeModelFileError
from . import _archive, _atomic, _keras
from ._encoding import Decoder, Encoder, MalformedTreeError
from ._registry import Registry


def _versions() -> dict:
    import numpy
    import sklearn

    from .._version import __version__

    return {"skl_lstm": __version__, "scikit-learn": sklearn.__version__, "numpy": numpy.__version__,
            "keras": _keras.keras_version()}


def _check_user_metadata(metadata) -> dict:
    if metadata is None:
        return {}
    try:
        if not isinstance(metadata, dict):
            raise TypeError(f"it is a {type(metadata).__name__}")
        json.dumps(metadata, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"metadata={metadata!r} cannot be stored: it must be a dict of JSON values (str, finite numbers, "
            f"bool, None, lists and dicts with str keys) ({exc})."
        ) from None
    return metadata


def save(estimator, path, *, trusted=None, metadata=None) -> None:
    """Save a fitted estimator (a whole pipeline, with any Keras network) to one file, atomically.

    The file is a zip archive (format 2): ``metadata.json`` holds the
    estimator's structure and parameters as JSON, the library versions and a
    SHA-256 per member; arrays are ``.npy`` members and Keras networks
    ``.keras`` members. Nothing is pickled. Only types on the trusted list
    (``skl_lstm.persistence.TRUSTED_TYPES``) and functions trusted by name
    (``TRUSTED_NAMES``, e.g. ``numpy.log`` / ``numpy.exp``) can be saved;
    see ``docs/reliability.md``.

    The file is written beside ``path`` under a temporary name and renamed
    over ``path`` once complete and flushed to disk, so ``path`` always holds
    either the previous file or the whole new one.

    Parameters
    ----------
    estimator : estimator
        Typically fitted: a ``Pipeline``, a ``TransformedTargetRegressor``, a
        search's ``best_estimator_``, an ``LSTMRegressor``, ...
    path : str or path-like
        The file to write (suffix ``.skl-lstm`` by convention). Its directory
        must exist. An existing file is replaced.
    trusted : list of classes and functions, default=None
        Your own types (and module-level functions) to store besides the
        built-in trusted list. Pass the same list to :func:`load`.
    metadata : dict, default=None
        JSON values to store with the model (e.g. the columns it was fitted
        on); :func:`load` returns them with ``return_metadata=True``.

    Raises
    ------
    TypeError
        If the estimator holds a type or function that is not trusted (the
        message names it, where it is, and how to allow it), or ``metadata``
        is not JSON.
    FileNotFoundError
        If the directory of ``path`` does not exist.

    See Also
    --------
    load : Read the file back.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> import skl_lstm
    >>> X = np.arange(12.0).reshape(6, 2)
    >>> model = make_pipeline(StandardScaler(), Ridge()).fit(X, X.sum(axis=1))
    >>> path = os.path.join(tempfile.mkdtemp(), "ridge.skl-lstm")
    >>> skl_lstm.save(model, path, metadata={"target": "sales"})
    >>> loaded, meta = skl_lstm.load(path, return_metadata=True)
    >>> bool(np.array_equal(loaded.predict(X), model.predict(X))), meta
    (True, {'target': 'sales'})
    """
    user_metadata = _check_user_metadata(metadata)
    encoder = Encoder(Registry(trusted))
    tree = encoder.encode(estimator)
    header = {"format": _archive.FORMAT, "format_version": _archive.FORMAT_VERSION, "versions": _versions(),
              "estimator": tree, "metadata": user_metadata}
    directory = os.path.dirname(os.path.abspath(os.fspath(path)))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save to {os.fspath(path)!r}: the directory {directory!r} does not exist; "
                                "create it first.")
    _atomic.write_atomically(path, lambda fh: _archive.write_archive(fh, header, encoder.members))


def _load_format_1(path):
    """A format-1 file (a bare LSTMRegressor), read by its own reader; the class is found as any trusted type."""
    from ..lstm._persistence import load as load_format_1

    return load_format_1(Registry().resolve_type("skl_lstm.LSTMRegressor"), path)


def load(path, *, trusted=None, return_metadata=False):
    """Load an estimator written by :func:`save` (or by ``LSTMRegressor.save`` in format 1).

    Loading never unpickles anything and never imports a name the file
    chooses: it reads JSON and ``.npy`` arrays (``allow_pickle=False``),
    rebuilds only trusted types (``obj = cls.__new__(cls)`` then
    ``obj.__setstate__(state)``), and reads Keras networks with
    ``safe_mode=True`` after refusing any layer that carries code.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.
    trusted : list of classes and functions, default=None
        Your own types and functions the file may hold (as passed to
        :func:`save`). Only add what you would import yourself.
    return_metadata : bool, default=False
        Also return the ``metadata`` dict given to :func:`save`.

    Returns
    -------
    estimator : estimator
        The saved estimator; it predicts exactly as the saved one did.
    metadata : dict
        Only with ``return_metadata=True`` (empty for format-1 files).

    Raises
    ------
    UnsafeModelFileError
        If the file is not an intact archive written by :func:`save` (a
        pickle, extra or missing members, corrupt zip, metadata that fails
        its schema, a checksum mismatch), names a type or function that is not
        trusted, holds a Keras layer that carries code, or was written in a
        newer format version. The message says which.

    See Also
    --------
    save : Write such a file.

    Examples
    --------
    A function such as ``np.log`` is stored by its trusted name; a pickle is
    refused without being read:

    >>> import os, pickle, tempfile
    >>> import numpy as np
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> import skl_lstm
    >>> folder = tempfile.mkdtemp()
    >>> skl_lstm.save(FunctionTransformer(np.log), os.path.join(folder, "log.skl-lstm"))
    >>> skl_lstm.load(os.path.join(folder, "log.skl-lstm")).func is np.log
    True
    >>> with open(os.path.join(folder, "evil.skl-lstm"), "wb") as fh:
    ...     _ = fh.write(pickle.dumps([1, 2]))
    >>> skl_lstm.load(os.path.join(folder, "evil.skl-lstm"))
    Traceback (most recent call last):
    ...
    skl_lstm.exceptions.UnsafeModelFileError: Refusing to load '...evil.skl-lstm': it is not an skl_lstm model ...
    """

    def refuse(reason):
        raise UnsafeModelFileError(f"Refusing to load {os.fspath(path)!r}: {reason}")

    try:
        metadata, members = _archive.read_archive(path)
    except _archive.Format1File:
        estimator = _load_format_1(path)
        return (estimator, {}) if return_metadata else estimator
    except _archive.ArchiveError as exc:
        refuse(str(exc))
    decoder = Decoder(Registry(trusted), members, refuse)
    try:
        estimator = decoder.decode(metadata["estimator"])
    except UnsafeModelFileError:
        raise
    except MalformedTreeError as exc:
        refuse(f"metadata.json fails its schema: {exc}.")
    except RecursionError:
        refuse("metadata.json nests its values too deeply.")
    except Exception as exc:  # a trusted type's __setstate__ may raise anything on state it does not expect
        refuse(f"the saved state could not be restored ({type(exc).__name__}: {exc}).")
    unused = sorted(set(members) - decoder.used)
    if unused:
        refuse(f"it holds members the model does not use: {unused}.")
    return (estimator, metadata["metadata"]) if return_metadata else estimator
