"""Exceptions and warnings raised by skl_lstm.

Every error the library raises on bad input is a ``ValueError`` or
``TypeError`` (or a subclass of one), so that ``GridSearchCV(error_score=...)``
and ordinary ``except ValueError`` blocks handle them.
"""

from sklearn.exceptions import NotFittedError as _SklearnNotFittedError

__all__ = [
    "FewCalibrationResidualsWarning",
    "MissingFutureWarning",
    "NotFittedError",
    "TimeOrderWarning",
    "TrainingDivergedError",
    "UnsafeModelFileError",
    "WorseThanBaselineWarning",
]


class NotFittedError(_SklearnNotFittedError):
    """Raised when an estimator is used before ``fit``.

    Subclass of :class:`sklearn.exceptions.NotFittedError`, so scikit-learn's
    tools recognise it.
    """


class TrainingDivergedError(ValueError):
    """Raised when the training loss becomes NaN or infinite.

    The estimator is left unfitted. Inside a search, scikit-learn records the
    fit as failed with this message (see ``error_score``).
    """


class UnsafeModelFileError(ValueError):
    """Raised when a file passed to ``LSTMRegressor.load`` is not a model skl_lstm wrote.

    For example a pickle, an archive with extra entries, a model whose checksum
    does not match (it was altered), or a network Keras refuses in safe mode.
    """


class TimeOrderWarning(UserWarning):
    """Warned when the rows of a series are not in time order, or skip rows.

    That is what a shuffled split (``train_test_split(shuffle=True)``,
    ``ShuffleSplit``, ``KFold(shuffle=True)``) hands to a fold: windows then
    join time steps that are not adjacent, and the model trains on the future.
    Silence it with
    ``warnings.filterwarnings("ignore", category=TimeOrderWarning)``.
    """


class MissingFutureWarning(UserWarning):
    """Warned when known-future covariates are needed after a series' last row and were filled.

    :class:`~skl_lstm.KnownFutureTransformer` leads the columns
    whose future is known; the rows near a series' end need values after it,
    which the data do not hold, so the series' last value is carried forward.
    Pass the true values with ``skl_lstm.forecast(model, data, future=...)``,
    or silence it with
    ``warnings.filterwarnings("ignore", category=MissingFutureWarning)``.
    """


class FewCalibrationResidualsWarning(UserWarning):
    """Warned when a forecast interval has too few calibration residuals for split conformal.

    A split-conformal interval of coverage ``c`` needs at least
    ``c / (1 - c)`` calibration residuals (19 for 95 %); a short series'
    validation tail may hold fewer. The interval is then a Student-t
    prediction interval from the same (scaled) residuals, which assumes they
    are roughly normal, instead of a refusal. Call ``calibrate(X_cal, y_cal)``
    with enough rows the model was not fitted on for the conformal
    guarantee, or silence it with
    ``warnings.filterwarnings("ignore", category=FewCalibrationResidualsWarning)``.
    """


class WorseThanBaselineWarning(UserWarning):
    """Warned when a fitted model forecasts its own validation tail worse than a naive forecast.

    :class:`~skl_lstm.DifferencedTargetRegressor` scores its regressor on
    the validation tail the fit held out against the naive forecast (the
    last value) and, given ``seasonal_period``, the seasonal naive forecast
    (``validation_errors_``). When a baseline wins, the model's forecasts
    are likely worse than that baseline's: look at ``diagnose``, give the
    model more data, or pass ``fallback=True`` to forecast with the winning
    baseline in that case (``forecaster_`` says which forecasts). Silence it
    with ``warnings.filterwarnings("ignore", category=WorseThanBaselineWarning)``.
    """
