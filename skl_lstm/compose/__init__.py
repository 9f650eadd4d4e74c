"""Meta-estimators that compose with an LSTM pipeline."""

from ._target import DifferencedTargetRegressor

__all__ = ["DifferencedTargetRegressor"]
