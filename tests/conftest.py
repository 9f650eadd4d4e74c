import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def sine_series():
    """Noisy sine of 160 points with a monthly index."""
    rng = np.random.default_rng(0)
    t = np.arange(160.0)
    values = 10 + np.sin(2 * np.pi * t / 12) * 3 + rng.normal(0, 0.2, t.size)
    return pd.Series(values, index=pd.date_range("2000-01-01", periods=t.size, freq="MS"), name="y")


@pytest.fixture(autouse=True)
def _reset_keras_state():
    """Each test starts with a fresh Keras session, if Keras was loaded."""
    yield
    import sys

    if "keras" in sys.modules:
        sys.modules["keras"].backend.clear_session()
