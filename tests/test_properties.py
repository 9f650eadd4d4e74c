"""Property-based tests: every call succeeds with finite, well-shaped output or raises ValueError/TypeError.

``make test`` runs a bounded number of examples (profile "default");
``make test-long`` runs the "long" profile: at least 2000 examples per property.
"""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skl_lstm import DifferencedTargetRegressor, WindowTransformer
from skl_lstm.metrics import mean_absolute_scaled_error, symmetric_mean_absolute_percentage_error
from skl_lstm.preprocessing import difference

settings.register_profile("default", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, width=64)


@st.composite
def series(draw, max_rows=40, max_cols=3, allow_nan=True):
    n = draw(st.integers(0, max_rows))
    k = draw(st.integers(1, max_cols))
    elements = st.one_of(finite, st.just(np.nan)) if allow_nan else finite
    return draw(arrays(np.float64, (n, k), elements=elements))


def _reference_windows(X, window, diff):
    """The definition, with explicit loops: row t = differenced rows t-window+1..t, time-major."""
    Z = X.copy()
    for _ in range(diff):
        Z = np.vstack([np.full((1, X.shape[1]), np.nan), Z[1:] - Z[:-1]])
    out = np.full((X.shape[0], window * X.shape[1]), np.nan)
    for t in range(X.shape[0]):
        for j, s in enumerate(range(t - window + 1, t + 1)):
            if s >= 0:
                out[t, j * X.shape[1] : (j + 1) * X.shape[1]] = Z[s]
    return out


@given(X=series(), window=st.integers(-1, 8), diff=st.integers(-1, 2))
def test_window_transformer_matches_definition_or_raises(X, window, diff):
    try:
        out = WindowTransformer(window=window, diff=diff).fit_transform(X)
    except (ValueError, TypeError) as exc:
        assert str(exc)
        return
    assert out.shape == (X.shape[0], window * X.shape[1])
    np.testing.assert_array_equal(out, _reference_windows(X, window, diff))


@given(x=arrays(np.int64, st.integers(2, 50), elements=st.integers(-(10**6), 10**6)), order=st.integers(1, 3))
def test_differencing_inverts_exactly(x, order):
    assume(order < len(x))
    z = x.astype(np.float64)[:, None]
    levels = [z]
    for _ in range(order):
        levels.append(difference(levels[-1], diff=1))
    np.testing.assert_array_equal(difference(z, diff=order), levels[order])
    # undo with cumulative sums from each level's first known value
    rebuilt = levels[order]
    for k in range(order, 0, -1):
        previous = np.full_like(z, np.nan)
        previous[k - 1] = levels[k - 1][k - 1]
        previous[k:] = previous[k - 1] + np.cumsum(rebuilt[k:], axis=0)
        rebuilt = previous
    np.testing.assert_array_equal(rebuilt, z)


@given(
    X=arrays(np.float64, st.tuples(st.integers(1, 30), st.integers(1, 3)), elements=st.integers(-1000, 1000).map(float)),
    data=st.data(),
)
def test_differenced_target_inversion_is_exact(X, data):
    y = data.draw(arrays(np.float64, X.shape[0], elements=st.integers(-1000, 1000).map(float)))

    class Identity:
        """Predicts back exactly the change it was fitted on (on the same rows)."""

        def fit(self, X, y):
            self.y_ = np.asarray(y)
            return self

        def predict(self, X):
            return self.y_

        def get_params(self, deep=True):
            return {}

        def __sklearn_tags__(self):
            from sklearn.linear_model import LinearRegression

            return LinearRegression().__sklearn_tags__()

    model = DifferencedTargetRegressor(Identity()).fit(X, y)
    np.testing.assert_array_equal(model.predict(X), y)  # (y - x) + x == y for integers


@given(y=arrays(np.float64, st.integers(0, 20), elements=finite), data=st.data())
def test_metrics_are_finite_and_bounded_or_raise(y, data):
    p = data.draw(arrays(np.float64, y.shape, elements=st.one_of(finite, st.just(np.nan))))
    try:
        smape = symmetric_mean_absolute_percentage_error(y, p)
    except ValueError as exc:
        assert str(exc)
    else:
        assert 0.0 <= smape <= 2.0
    try:
        mase = mean_absolute_scaled_error(y, p, y_train=y, seasonal_period=data.draw(st.integers(-1, 3)))
    except ValueError as exc:
        assert str(exc)
    else:
        assert np.isfinite(mase) and mase >= 0


import keras  # noqa: E402  (a hard dependency: never skip)


@settings(max_examples=2000 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 10)
@given(
    X=series(max_rows=12, max_cols=2),
    window=st.integers(1, 4),
    y_scale=st.sampled_from([0.0, 1.0, 1e3]),
    data=st.data(),
)
def test_lstm_regressor_fits_and_predicts_finite_or_raises(X, window, y_scale, data):
    from skl_lstm import LSTMRegressor

    y = data.draw(arrays(np.float64, X.shape[0], elements=st.one_of(st.floats(-1, 1), st.just(np.nan))))
    try:
        Xw = WindowTransformer(window=window).fit_transform(X) / 1e6
        model = LSTMRegressor(units=2, epochs=1, batch_size=8, n_features=X.shape[1], random_state=0)
        model.fit(Xw, y * y_scale)
        pred = model.predict(Xw)
    except (ValueError, TypeError) as exc:
        assert str(exc)
        return
    assert pred.shape == (X.shape[0],) and np.isfinite(pred).all()
