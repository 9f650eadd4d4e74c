"""Optional-dependency helpers: import heavy packages only when needed."""

import importlib
import importlib.util
from types import ModuleType

_INSTALL_HINT = {
    "keras": 'pip install "skl_lstm[keras]"',
    "tensorflow": 'pip install "skl_lstm[keras]"',
    "scikeras": 'pip install "skl_lstm[keras]"',
    "statsmodels": 'pip install "skl_lstm[diagnose]"',
    "matplotlib": 'pip install "skl_lstm[plot]"',
}


def is_installed(name: str) -> bool:
    """Return True if ``name`` can be imported, without importing it."""
    return importlib.util.find_spec(name) is not None


def import_optional(name: str, purpose: str = "") -> ModuleType:
    """Import ``name`` or raise an ImportError that says what to install."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # pragma: no cover - exercised only without the package
        hint = _INSTALL_HINT.get(name.split(".")[0], f"pip install {name}")
        what = f" for {purpose}" if purpose else ""
        raise ImportError(f"{name} is required{what} but is not installed; run `{hint}`.") from exc
