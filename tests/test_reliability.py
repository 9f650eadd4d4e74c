"""Unattended use: diverging candidates in a search, interrupted fits, reproducibility across processes."""

import re
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import keras  # noqa: E402  (a hard dependency: never skip)

from skl_lstm import LSTMRegressor, WindowTransformer  # noqa: E402


def _data(n=80):
    t = np.arange(n + 1.0)
    X = pd.DataFrame({"y": np.sin(t[:-1] / 4)})
    return X, np.sin(t[1:] / 4)


def test_search_with_diverging_candidates_reports_them_and_picks_the_best_of_the_rest():
    X, y = _data()
    pipe = Pipeline(
        [("window", WindowTransformer(4)), ("scale", StandardScaler()), ("lstm", LSTMRegressor(units=3, epochs=3, optimizer="sgd", random_state=0))]
    )
    search = GridSearchCV(
        pipe,
        {"lstm__learning_rate": [1e-2, 1e12]},
        cv=TimeSeriesSplit(n_splits=2),
        scoring="neg_mean_absolute_error",
        error_score=np.nan,
    )
    with pytest.warns(FitFailedWarning, match="the training loss became NaN/inf at epoch"):
        search.fit(X, y * 1e3)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores[0]) and np.isnan(scores[1])
    assert search.best_params_ == {"lstm__learning_rate": 1e-2}
    assert np.isfinite(search.predict(X)).all()


class _Interrupt(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        if epoch == 1:
            raise KeyboardInterrupt


def test_interrupted_fit_leaves_estimator_unfitted():
    X, y = _data()
    Xw = WindowTransformer(4).fit_transform(X)
    model = LSTMRegressor(units=2, epochs=5, callbacks=[_Interrupt()])
    with pytest.raises(KeyboardInterrupt):
        model.fit(Xw, y)
    assert not hasattr(model, "model_") and not hasattr(model, "history_") and not hasattr(model, "n_features_in_")


_SCRIPT = """
import os, hashlib
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
from skl_lstm import LSTMRegressor, WindowTransformer
t = np.arange(60.0)
X = WindowTransformer(window=4).fit_transform(np.sin(t / 4)[:, None])
model = LSTMRegressor(units=4, epochs=3, dropout=0.1, random_state=7).fit(X, np.cos(t / 4))
print(hashlib.sha256(model.predict(X).tobytes()).hexdigest())
"""


def test_same_seed_bit_identical_across_two_fresh_processes():
    digests = [
        subprocess.run([sys.executable, "-c", _SCRIPT], check=True, capture_output=True, text=True).stdout.strip()
        for _ in range(2)
    ]
    assert len(digests[0]) == 64 and digests[0] == digests[1]


def test_input_guards():
    X, y = _data(30)
    Xw = WindowTransformer(3).fit_transform(X)
    with pytest.warns(UserWarning, match="LSTMRegressor: y is constant; there is nothing to learn"):
        LSTMRegressor(units=2, epochs=1).fit(Xw, np.ones(30))
    with pytest.raises(ValueError, match=re.escape("LSTMRegressor: X holds values up to 1e+35, beyond what the network's float32")):
        LSTMRegressor(units=2, epochs=1).fit(np.nan_to_num(Xw) * 0 + 1e35, y)
    with pytest.warns(UserWarning, match="LSTMRegressor: y holds values up to .* Put StandardScaler before it and wrap it in TransformedTargetRegressor"):
        LSTMRegressor(units=2, epochs=1).fit(Xw, y * 1e6 + 2e6)
    with pytest.raises(ValueError, match=re.escape("Found array with 0 sample(s) (shape=(0, 3)) while a minimum of 1 is required by LSTMRegressor")):
        LSTMRegressor().fit(np.empty((0, 3)), np.empty(0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # interior gaps are masked, and said so
        with pytest.raises(UserWarning, match="training windows have missing values after observed steps; those steps are masked"):
            gappy = Xw.copy()
            gappy[10, 1] = np.nan
            LSTMRegressor(units=2, epochs=1).fit(gappy, y)
