import numpy as np
import pytest
from sklearn.metrics import get_scorer

from skl_lstm import metrics
from skl_lstm.baselines import NaiveForecaster


def test_smape_hand_computed():
    # |100-110|*2/(210) = 0.095238..., |200-180|*2/380 = 0.105263...
    expected = (20 / 210 + 40 / 380) / 2
    assert metrics.symmetric_mean_absolute_percentage_error([100, 200], [110, 180]) == pytest.approx(expected)
    assert metrics.symmetric_mean_absolute_percentage_error([0, 2], [0, 2]) == 0.0


def test_mase_hand_computed_with_training_scale():
    # scale: mean(|2-1|, |4-2|, |3-4|) = 4/3; MAE = (1 + 0) / 2 = 0.5 -> 0.375
    assert metrics.mean_absolute_scaled_error([3, 5], [4, 5], y_train=[1, 2, 4, 3]) == pytest.approx(0.375)
    # seasonal scale m=2: mean(|4-1|, |3-2|) = 2 -> 0.25
    assert metrics.mean_absolute_scaled_error([3, 5], [4, 5], y_train=[1, 2, 4, 3], seasonal_period=2) == pytest.approx(0.25)


def test_mase_of_naive_forecast_on_its_own_segment_is_one():
    y = np.array([1.0, 3.0, 2.0, 5.0, 4.0])
    assert metrics.mean_absolute_scaled_error(y[1:], y[:-1], y_train=y) == pytest.approx(1.0)


def test_mase_errors():
    with pytest.raises(ValueError, match="the naive forecast of the scale series is perfect"):
        metrics.mean_absolute_scaled_error([1, 1], [1, 2], y_train=[3, 3, 3])
    with pytest.raises(ValueError, match=r"needs more than seasonal_period=12 points"):
        metrics.mean_absolute_scaled_error([1, 2], [1, 2], y_train=[1, 2, 3], seasonal_period=12)
    with pytest.raises(ValueError, match="seasonal_period=0 must be a positive int"):
        metrics.mean_absolute_scaled_error([1, 2], [1, 2], y_train=[1, 2, 3], seasonal_period=0)


def test_scorers_match_sklearn_names():
    X = np.arange(20.0)[:, None] + 1
    y = X[:, 0] * 1.1
    model = NaiveForecaster().fit(X, y)
    assert metrics.mape_scorer(model, X, y) == get_scorer("neg_mean_absolute_percentage_error")(model, X, y)
    assert metrics.r2_scorer(model, X, y) == get_scorer("r2")(model, X, y)
    assert metrics.mape_scorer(model, X, y) == pytest.approx(-np.mean(np.abs(y - X[:, 0]) / y))
    assert set(metrics.FORECAST_SCORING) == {"mape", "r2"}


def test_metric_input_errors():
    with pytest.raises(ValueError, match="y_pred contains NaN or infinite values"):
        metrics.symmetric_mean_absolute_percentage_error([1, 2], [1, np.nan])
    with pytest.raises(ValueError, match=r"y_true has shape \(2,\) but y_pred has shape \(2, 1\)"):
        metrics.symmetric_mean_absolute_percentage_error([1, 2], [[1], [2]])
