"""Optional-dependency helper: import a package only when a feature needs it."""

from __future__ import annotations

import importlib
from types import ModuleType

#: The extra that installs each optional package.
_EXTRAS = {
    "statsmodels": "diagnose",
    "matplotlib": "diagnose",
    "dask": "dask",
    "distributed": "dask",
    "pyarrow": "dask",  # dask.dataframe needs it
}


def import_optional(name: str, purpose: str) -> ModuleType:
    """Import ``name`` or raise an ImportError that says what to install.

    Parameters
    ----------
    name : str
        Module to import, e.g. ``"statsmodels.tsa.stattools"``.
    purpose : str
        What needs it, for the message (e.g. ``"skl_lstm.diagnose"``).

    Returns
    -------
    module
        The imported module.

    Examples
    --------
    >>> import_optional("json", "a doctest").__name__
    'json'
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        package = (exc.name or name).split(".")[0]  # the package that is missing, perhaps a dependency of name
        extra = _EXTRAS.get(package)
        hint = f'pip install "skl_lstm[{extra}]"' if extra else f"pip install {package}"
        raise ImportError(f"{purpose} needs {package}, which is not installed; run `{hint}`.") from exc


__all__ = ["import_optional"]
