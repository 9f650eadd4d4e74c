import importlib.util
import os
import sys

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


BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks")


@pytest.fixture(scope="session")
def benchmark_module():
    """``load(name)``: the script ``benchmarks/<name>.py`` as a module (the benchmarks are scripts, not a package)."""
    loaded = {}

    def load(name):
        if name not in loaded:
            spec = importlib.util.spec_from_file_location(f"{name.strip('_')}_bench", os.path.join(BENCHMARKS, f"{name}.py"))
            module = importlib.util.module_from_spec(spec)
            sys.modules[spec.name] = module  # dataclasses look their module up there
            spec.loader.exec_module(module)
            loaded[name] = module
        return loaded[name]

    return load
