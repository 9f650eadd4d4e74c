"""One pass over time-ordered folds: fit clones of the estimator, forecast, and keep the evidence."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.base import clone

from ..baselines import NaiveForecaster, SeasonalNaiveForecaster
from ..exceptions import TrainingDivergedError
from ._data import take
from ._inspect import fitted_lstm, network_data

#: Nominal coverage of the interval drawn around the out-of-fold forecasts (80 %: 4 calibration residuals suffice).
BAND_COVERAGE = 0.8

_LSTM_PARAMS = (
    "units",
    "dropout",
    "recurrent_dropout",
    "l1",
    "l2",
    "loss",
    "optimizer",
    "learning_rate",
    "epochs",
    "batch_size",
    "validation_fraction",
    "early_stopping",
    "patience",
)


@dataclass
class FoldResult:
    """What one fold produced."""

    index: int
    train: np.ndarray
    test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    naive_train: np.ndarray
    naive: np.ndarray
    snaive: np.ndarray | None
    y_pred: np.ndarray | None = None
    y_pred_train: np.ndarray | None = None
    #: the model's ``BAND_COVERAGE`` interval of each test row, ``(n_test, 2[, n_outputs])``, when it gives one
    y_interval: np.ndarray | None = None
    fit_seconds: float = 0.0
    error: str | None = None
    diverged: bool = False
    history: dict | None = None
    lstm: dict = field(default_factory=dict)
    net_train: tuple | None = None
    net_test: tuple | None = None
    warnings: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if the fold was fitted and forecast."""
        return self.y_pred is not None

    def summary(self) -> dict:
        """Sizes, time and training length of the fold, for the report."""
        out = {
            "fold": self.index,
            "n_train": int(self.train.size),
            "n_test": int(self.test.size),
            "fit_seconds": round(self.fit_seconds, 3),
        }
        if self.lstm:
            out.update({k: self.lstm.get(k) for k in ("n_epochs", "best_epoch", "n_params")})
        if self.error:
            out["error"] = self.error
        return out


def _lstm_info(lstm, n_train_windows: int) -> dict:
    info = {name: getattr(lstm, name, None) for name in _LSTM_PARAMS}
    info["n_epochs"] = int(getattr(lstm, "n_epochs_", 0))
    info["best_epoch"] = int(getattr(lstm, "best_epoch_", 0))
    info["n_timesteps"] = getattr(lstm, "n_timesteps_", None)
    info["n_features_per_step"] = getattr(lstm, "n_features_per_step_", None)
    model = getattr(lstm, "model_", None)
    info["n_params"] = int(model.count_params()) if model is not None else None
    n_val = getattr(lstm, "n_validation_", 0)
    info["n_train_windows"] = int(n_train_windows - n_val)
    info["n_validation_windows"] = int(n_val)
    return info


def _baselines(ref_all, y_all, train, test, horizon, seasonal_period):
    """Naive and seasonal-naive forecasts of the test rows, fitted on all rows before the fold.

    The baselines only read the reference column. They are fitted on every
    row before the test fold (training rows and any gap: all observed before
    the first forecast is made), so the seasonal naive has a full season of
    history for the first test rows.
    """
    levels = pd.DataFrame({"level": ref_all})
    start = int(test[0])
    contiguous = np.array_equal(test, np.arange(start, start + test.size))
    y_fit = y_all[:start] if start > 0 else y_all[train]
    hist = levels.iloc[:start] if start > 0 else levels.iloc[train]
    naive = NaiveForecaster().fit(hist, y_fit).predict(levels.iloc[test])
    snaive = None
    if seasonal_period and contiguous and start > 0:
        kwargs = {"horizon": horizon} if y_all.ndim == 1 else {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            snaive = SeasonalNaiveForecaster(seasonal_period, **kwargs).fit(hist, y_fit).predict(levels.iloc[test])
    naive_train = ref_all[train] if y_all.ndim == 1 else np.repeat(ref_all[train][:, None], y_all.shape[1], axis=1)
    return naive_train, naive, snaive


def run_folds(estimator, X, y, splits, *, ref: np.ndarray, horizon: int, seasonal_period, verbose: int = 0,
              started: float | None = None) -> list[FoldResult]:
    """Fit a clone of ``estimator`` per fold and collect forecasts, histories and network data.

    ``ref`` is the reference column of ``X`` (the baselines' input). A fold
    whose training diverges (:class:`~skl_lstm.exceptions.TrainingDivergedError`)
    or whose forecasts are not finite is recorded, not raised. If every fold
    fails for another reason, the first error is raised. With ``verbose >= 1``
    one line per fold reports its fit time, the time elapsed since
    ``started`` (a ``time.perf_counter()`` value; default: the call) and the
    folds to go.
    """
    started = time.perf_counter() if started is None else started
    y_all = np.asarray(y, dtype=np.float64)
    results, other_errors = [], []
    for k, (train, test) in enumerate(splits):
        train, test = np.asarray(train), np.asarray(test)
        X_tr, X_te, y_tr, y_te = take(X, train), take(X, test), take(y, train), take(y, test)
        naive_train, naive, snaive = _baselines(ref, y_all, train, test, horizon, seasonal_period)
        fold = FoldResult(
            index=k,
            train=train,
            test=test,
            y_train=y_all[train],
            y_test=y_all[test],
            naive_train=naive_train,
            naive=naive,
            snaive=snaive,
        )
        model = clone(estimator)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                model.fit(X_tr, y_tr)
            except TrainingDivergedError as exc:
                fold.error, fold.diverged = str(exc), True
            except (ValueError, TypeError, ArithmeticError) as exc:
                fold.error = f"{type(exc).__name__}: {exc}"
                other_errors.append(exc)
            fold.fit_seconds = time.perf_counter() - start
            if fold.error is None:
                try:
                    fold.y_pred = np.asarray(model.predict(X_te), dtype=np.float64)
                except ValueError as exc:  # non-finite forecasts of a network gone wild
                    fold.error, fold.diverged = f"predict failed: {exc}", True
                fold.y_interval = _interval(model, X_te) if fold.error is None else None
        fold.warnings = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
        if fold.error is None:
            # in-sample forecasts, for the train/test gap (the first rows have no history: not a user's concern)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    fold.y_pred_train = np.asarray(model.predict(X_tr), dtype=np.float64)
                except ValueError as exc:
                    fold.error, fold.diverged = f"predict failed: {exc}", True
            if fold.error is None and not (np.all(np.isfinite(fold.y_pred)) and np.all(np.isfinite(fold.y_pred_train))):
                fold.error, fold.diverged = "the forecasts are not finite", True
            if fold.error is not None:
                fold.y_pred = fold.y_pred_train = fold.y_interval = None
        if fold.error is None:
            lstm = fitted_lstm(model)
            fold.net_train = network_data(model, X_tr, y_tr)
            fold.net_test = network_data(model, X_te, y_te)
            if lstm is not None:
                history = getattr(lstm, "history_", {})
                fold.history = {key: [float(v) for v in values] for key, values in history.items()}
                n_windows = fold.net_train[0].shape[0] if fold.net_train is not None else train.size
                fold.lstm = _lstm_info(lstm, n_windows)
        results.append(fold)
        if verbose:
            _report_fold(fold, len(splits), started)
    if other_errors and not any(f.ok or f.diverged for f in results):
        raise other_errors[0]
    return results


def _report_fold(fold: FoldResult, n_folds: int, started: float) -> None:
    """One progress line for a finished fold (scikit-learn's ``verbose=1`` style: what, time, what is left)."""
    left = n_folds - fold.index - 1
    outcome = f"fitted in {fold.fit_seconds:.1f} s" if fold.error is None else f"failed after {fold.fit_seconds:.1f} s"
    print(f"[diagnose] fold {fold.index + 1}/{n_folds} ({fold.train.size} training rows) {outcome}; "
          f"elapsed {time.perf_counter() - started:.1f} s, {left} fold{'' if left == 1 else 's'} to go", flush=True)


def _interval(model, X) -> np.ndarray | None:
    """The model's ``BAND_COVERAGE`` interval of ``X`` (None if it gives none: no predict_interval, or too few
    calibration residuals for that coverage)."""
    if not hasattr(model, "predict_interval"):
        return None
    try:
        return np.asarray(model.predict_interval(X, coverage=BAND_COVERAGE), dtype=np.float64)
    except ValueError:
        return None


__all__ = ["BAND_COVERAGE", "FoldResult", "run_folds"]
