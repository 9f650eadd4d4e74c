"""
Tune and evaluate an LSTM on the airline series (``make demo``)
================================================================

The complete leak-free workflow on the bundled Box & Jenkins airline
passengers series: hold out the last 20 % of months, tune the recommended
pipeline (window length, differencing, LSTM size, dropout) with
``GridSearchCV(cv=TimeSeriesSplit)`` scored by MAPE and R² on the training
part only, then compare one-step-ahead forecasts on the held-out months with
the naive and seasonal-naive forecasts and the untuned default model.
"""

import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.metrics import mean_absolute_percentage_error, r2_score
from sklearn.model_selection import GridSearchCV, ParameterGrid, TimeSeriesSplit

from skl_lstm import NaiveForecaster, SeasonalNaiveForecaster, recommended_pipeline
from skl_lstm.datasets import load_airline, make_supervised
from skl_lstm.metrics import FORECAST_SCORING

OUTPUT = os.environ.get("SKL_LSTM_EXAMPLE_OUTPUT", "demo_output")
start = time.perf_counter()


def step(message):
    print(f"[{time.perf_counter() - start:6.1f}s] {message}", flush=True)


# %%
# Data: X holds the passengers at month t, y the passengers at t + 1.
X, y = make_supervised(load_airline(), horizon=1)
n_test = round(0.2 * len(X))
X_train, X_test, y_train, y_test = X.iloc[:-n_test], X.iloc[-n_test:], y.iloc[:-n_test], y.iloc[-n_test:]
step(f"airline: {len(X_train)} training months, forecasts of {n_test} held-out months ({y_test.index[0] + pd.offsets.MonthBegin(1):%Y-%m} .. {y_test.index[-1] + pd.offsets.MonthBegin(1):%Y-%m})")

# %%
# Tune on the training part only. Every fold refits the windows, the scalers
# and the network on its own past: nothing from a test fold leaks into training.
grid = {
    "regressor__lstm__lookback": [12, 24],
    "regressor__difference__diff": [1],
    "regressor__lstm__units": [16, 32],
    "regressor__lstm__dropout": [0.0, 0.2],
}
search = GridSearchCV(
    recommended_pipeline(seasonal_period=12, log=True, random_state=0),
    grid,
    cv=TimeSeriesSplit(n_splits=3, test_size=12),
    scoring=FORECAST_SCORING,
    refit="mape",
    verbose=1,
)
n_candidates = len(ParameterGrid(grid))
step(f"GridSearchCV: {n_candidates} candidates x 3 TimeSeriesSplit folds, scoring MAPE and R2 ...")
search.fit(X_train, y_train)
short = {k.rsplit("__", 2)[-2] + "." + k.rsplit("__", 1)[-1]: v for k, v in search.best_params_.items()}
step(f"best parameters: {short} (CV MAPE {-search.best_score_:.2%})")

# %%
# Untuned default model and the baselines, on the same split.
default = recommended_pipeline(seasonal_period=12, log=True, random_state=0)
step("fitting the untuned default pipeline ...")
default.fit(X_train, y_train)
models = {
    "naive (last value)": NaiveForecaster().fit(X_train, y_train),
    "seasonal naive (12)": SeasonalNaiveForecaster(12).fit(X_train, y_train),
    "LSTM, default recipe": default,
    "LSTM, tuned": search.best_estimator_,
}

# X_test continues X_train's monthly index, so every window reads the true
# history: the months before the split come from the training part.
predictions = {name: model.predict(X_test) for name, model in models.items()}
table = pd.DataFrame(
    {
        "MAPE": {n: mean_absolute_percentage_error(y_test, p) for n, p in predictions.items()},
        "R2": {n: r2_score(y_test, p) for n, p in predictions.items()},
    }
)
step("held-out one-step-ahead forecasts, last 20 % of months:")
print(table.to_string(formatters={"MAPE": "{:.2%}".format, "R2": "{:.3f}".format}))

# %%
# Forecast versus actual.
os.makedirs(OUTPUT, exist_ok=True)
# y is indexed by the month t it is forecast from; plot each value at its own month t + 1.
target_month = y.index + pd.offsets.MonthBegin(1)
test_month = target_month[-n_test:]
fig, ax = plt.subplots(figsize=(9, 4))
ax.plot(target_month, y.to_numpy(), color="black", lw=1, label="actual")
for name in ("seasonal naive (12)", "LSTM, tuned"):
    ax.plot(test_month, predictions[name], lw=1.5, label=f"{name} (MAPE {table.loc[name, 'MAPE']:.1%})")
ax.axvline(test_month[0], color="grey", ls="--", lw=0.8)
ax.set(title="Airline passengers: one-step-ahead forecasts on held-out months", ylabel="passengers (thousands)")
ax.legend(loc="upper left")
fig.tight_layout()
path = os.path.join(OUTPUT, "airline_forecast.png")
fig.savefig(path, dpi=120)
table.to_csv(os.path.join(OUTPUT, "airline_table.csv"))
step(f"saved {path}")
