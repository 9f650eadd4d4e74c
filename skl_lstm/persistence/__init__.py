"""Save and load whole fitted models safely: no pickle, trusted types only, atomic writes.

:func:`save` writes a fitted estimator (a ``Pipeline``, target wrappers,
scalers, windows, baselines, the LSTM network) to one zip archive, format 2;
:func:`load` reads it back, and also reads format-1 files (a bare
``LSTMRegressor``). ``docs/reliability.md`` describes what is saved, what is
refused and what "atomic" guarantees.

Modules, one job each: ``_archive`` (the zip, its metadata schema and
checksums), ``_encoding`` (values to a JSON tree and back), ``_registry``
(the trusted types and functions), ``_keras`` (networks as members, read in
safe mode), ``_atomic`` (replace a file atomically), ``_api`` (save / load).
"""

from ._api import load, save
from ._archive import FORMAT_VERSION
from ._atomic import TEMP_SUFFIX, stray_temporary_files
from ._registry import TRUSTED_NAMES, TRUSTED_TYPES

__all__ = ["FORMAT_VERSION", "TEMP_SUFFIX", "TRUSTED_NAMES", "TRUSTED_TYPES", "load", "save", "stray_temporary_files"]
