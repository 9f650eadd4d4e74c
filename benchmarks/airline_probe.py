"""Research probe: can an LSTM on airline passengers match SARIMA one step ahead?

Not part of the accuracy protocol: every set-up below is scored on the
held-out 20 % that ``benchmarks/accuracy.py`` keeps for its final table, so
these figures show what a set-up *can* reach, not what a search would pick.
They back the analysis in ``docs/accuracy_airline.md``.

Two families are probed on the accuracy benchmark's split (114 training
rows, 29 held out, logs):

* the linear model that the tuned recipe reduces to on this series (its LSTM
  part keeps no trained weights): ridge on the recipe's differenced windows
  of the log series, for several windows;
* Zhang's (2003) hybrid: SARIMA(1,1,1)(0,1,1)12 fitted on the training logs,
  then a model of its one-step residuals from windows of residuals (and of
  the differenced logs): ridge, the recipe's ``LSTMRegressor`` with its
  linear skip (3 seeds) and a plain ``LSTMRegressor`` without it (3 seeds).

Run: ``python benchmarks/airline_probe.py`` (about 2 minutes on 2 cores).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from accuracy import airline_series, held_out, linear_recipe, sarima_forecasts
from skl_lstm import LSTMRegressor, WindowTransformer
from skl_lstm.datasets import make_supervised

SEEDS = (0, 1, 2)
ALPHAS = np.logspace(-2, 3, 11)


def mape(log_true, log_pred) -> float:
    true, pred = np.exp(log_true), np.exp(log_pred)
    return float(100 * np.mean(np.abs(true - pred) / true))


def windowed(regressor, window, impute):
    steps = [("window", WindowTransformer(window=window))]
    if impute:  # ridge cannot read the warm-up NaN; the LSTM masks them
        steps.append(("fill", SimpleImputer(strategy="constant", fill_value=0.0, keep_empty_features=True)))
    steps += [("scale", StandardScaler()), ("model", TransformedTargetRegressor(regressor, transformer=StandardScaler()))]
    return Pipeline(steps)


def show(label, scores, epochs=None):
    spread = f" +- {np.std(scores):.3f}" if len(scores) > 1 else ""
    kept = f"   best_epoch_ per seed: {epochs}" if epochs is not None else ""
    print(f"  {label:<58} MAPE {np.mean(scores):.3f}{spread}{kept}", flush=True)


def ridge_on_windows(s, n_test):
    """The linear model the tuned recipe reduces to on airline, for other windows."""
    print("ridge on windows of the log series (the recipe with RidgeCV in the LSTM's place)")
    X, y = make_supervised(s.frame, target=s.target)
    X_train, X_test, y_train = X.iloc[:-n_test], X.iloc[-n_test:], y.iloc[:-n_test]
    log_test = np.log(y.iloc[-n_test:].to_numpy())
    for window in (12, 13, 24, 25, 36):
        pred = linear_recipe(s, RidgeCV(alphas=ALPHAS), window=window).fit(X_train, y_train).predict(X_test)
        show(f"window {window}", [mape(log_test, np.log(pred))])


def hybrid(s, n_test):
    """SARIMA, then ridge / LSTM models of its one-step residuals (Zhang 2003)."""
    logs = np.log(s.frame[s.target].to_numpy(dtype=float))
    known = logs.size - n_test
    sarima = np.log(sarima_forecasts(s, known, start=0))  # sarima[t]: forecast of logs[t] from logs[:t]
    print(f"SARIMA(1,1,1)(0,1,1)12 on logs: MAPE {mape(logs[known:], sarima[known:]):.3f}")
    print("SARIMA + a model of its residuals from windows of past residuals (and differenced logs)")
    start = 14  # the filter's first 13 forecasts come from its diffuse start
    frame = pd.DataFrame({"resid": logs - sarima, "dlog": np.r_[np.nan, np.diff(logs)]}).iloc[start:]
    X, y = frame.iloc[:-1], frame["resid"].to_numpy()[1:]  # row t -> residual at t + 1
    n_train = known - start - 1
    for columns in (["resid"], ["resid", "dlog"]):
        for window in (12, 24):
            inputs = X[columns]
            models = {
                "ridge": [windowed(RidgeCV(alphas=ALPHAS), window, impute=True)],
                "LSTM with linear skip": [
                    windowed(LSTMRegressor(units=32, linear_skip=True, random_state=seed), window, False) for seed in SEEDS
                ],
                "LSTM without skip": [
                    windowed(LSTMRegressor(units=32, linear_skip=False, random_state=seed), window, False) for seed in SEEDS
                ],
            }
            for name, fits in models.items():
                scores, epochs = [], []
                for model in fits:
                    model.fit(inputs.iloc[:n_train], y[:n_train])
                    correction = model.predict(inputs.iloc[n_train:])
                    scores.append(mape(logs[known:], sarima[known:] + correction))
                    regressor = model.named_steps["model"].regressor_
                    if isinstance(regressor, LSTMRegressor):
                        epochs.append(regressor.best_epoch_)
                show(f"{name}, inputs {'+'.join(columns)}, window {window}", scores, epochs or None)


def main():
    s = airline_series()
    n_test = held_out(len(s.frame) - 1)  # the accuracy benchmark's split of the supervised rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ridge_on_windows(s, n_test)
        hybrid(s, n_test)


if __name__ == "__main__":
    main()
