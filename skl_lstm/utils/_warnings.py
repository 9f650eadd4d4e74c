"""Where a warning points: at the user's line, not at library internals."""

from __future__ import annotations

import importlib.util
import os
import sys


def _package_dir(name: str) -> str | None:
    """A package's folder, found without importing it (scikeras would import Keras)."""
    spec = importlib.util.find_spec(name)
    origin = getattr(spec, "origin", None)
    return os.path.dirname(os.path.abspath(origin)) + os.sep if origin else None


_INTERNAL = tuple(
    path
    for path in (
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,  # skl_lstm
        _package_dir("sklearn"),
        _package_dir("scikeras"),  # LSTMRegressor.fit runs through scikeras' BaseWrapper
        _package_dir("joblib"),  # Pipeline fits its steps through joblib.Memory
    )
    if path
)


def user_stacklevel() -> int:
    """The ``stacklevel`` for ``warnings.warn`` that names the first caller outside
    skl_lstm, scikit-learn, scikeras and joblib.

    Call it in the function that calls ``warnings.warn``. A fixed stacklevel
    is right for one call path only: the same check runs under ``fit``,
    ``fit_transform`` (wrapped by scikit-learn's decorators), ``transform``
    (wrapped by ``set_output``) and a ``Pipeline``, at different depths.
    """
    frame = sys._getframe(1)  # the function that warns: stacklevel 1
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_INTERNAL):
        frame = frame.f_back
        level += 1
    return level
