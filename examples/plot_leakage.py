"""
==========================================================
Leakage: the tutorial recipe against the leak-free recipe
==========================================================

Many LSTM forecasting tutorials follow the same recipe on the airline
passengers series: scale the whole series, cut windows in a Python loop,
split the windows with a shuffled ``train_test_split`` and report the error on
the shuffled test rows. Each step lets information from the test period reach
the model, and the last one measures interpolation between known months
instead of forecasting. The number it gives says little about how the model
forecasts the future.

This example runs that recipe, then the same network evaluated honestly, and
then the skl_lstm way: every fitted step inside one estimator, evaluated with
:class:`~sklearn.model_selection.TimeSeriesSplit` and on the last 20 % of the
series, next to the naive forecast. Every network here has 32 units and
trains for at most 200 epochs with early stopping, so the example runs in
about a minute on a CPU.
"""

# %%
# The data
# --------
# 144 monthly totals (thousands of passengers), 1949-1960: a strong upward
# trend and a yearly cycle whose size grows with the level.
import os
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import TimeSeriesSplit, cross_val_score, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skl_lstm import DifferencedTargetRegressor, LSTMRegressor, NaiveForecaster, WindowTransformer
from skl_lstm.datasets import load_airline, make_supervised
from skl_lstm.metrics import mape_scorer, mean_absolute_percentage_error

plt.switch_backend("Agg")  # write files, open no window
output_dir = os.environ.get("SKL_LSTM_EXAMPLE_OUTPUT", "demo_output/")
os.makedirs(output_dir, exist_ok=True)
start_all = time.perf_counter()

passengers = load_airline()
values = passengers.to_numpy()
print(f"{len(passengers)} months, {passengers.index[0]:%Y-%m} to {passengers.index[-1]:%Y-%m}")

# The same network settings everywhere: only the data handling differs.
LSTM_PARAMS = dict(
    units=32, epochs=200, learning_rate=0.003, validation_fraction=0.15, patience=25, random_state=0
)

# %%
# The tutorial way
# ----------------
# 1. A scaler fitted on *all* 144 months: its mean and spread already know the
#    test period's higher level.
# 2. Windows of 12 months cut in a Python loop, on the raw levels.
# 3. ``train_test_split`` with its default ``shuffle=True``: the test windows
#    are scattered through the 12 years, each with training windows from the
#    months right before *and after* it.
scaler = StandardScaler().fit(values.reshape(-1, 1))
z = scaler.transform(values.reshape(-1, 1)).ravel()
window = 12
windows, targets = [], []
for i in range(len(z) - window):
    windows.append(z[i : i + window])
    targets.append(z[i + window])
windows = np.array(windows)[:, :, np.newaxis]  # (samples, timesteps, features)
targets = np.array(targets)


def to_passengers(scaled):
    return scaler.inverse_transform(np.asarray(scaled).reshape(-1, 1)).ravel()


X_a, X_b, y_a, y_b = train_test_split(windows, targets, test_size=0.2, random_state=0)
tutorial = LSTMRegressor(**LSTM_PARAMS).fit(X_a, y_a)
mape_tutorial = mean_absolute_percentage_error(to_passengers(y_b), to_passengers(tutorial.predict(X_b)))
# the naive forecast (last value of each window) on the same shuffled rows
mape_naive_shuffled = mean_absolute_percentage_error(to_passengers(y_b), to_passengers(X_b[:, -1, 0]))
print(f"tutorial recipe, shuffled test rows: MAPE {mape_tutorial:.2%}")
print(f"naive forecast, same shuffled rows:   MAPE {mape_naive_shuffled:.2%}")

# %%
# Why that number is misleading
# -----------------------------
# Each shuffled test month sits between training months, so the model only
# has to interpolate, and it has seen the level of every year it is tested on.
# A forecast is never made that way: at forecast time only the past is known.
# Train the *same* network on the same windows, but only on those whose
# target comes before the last 20 % of the months, and test on the rest.
#
# Row ``t`` of ``make_supervised`` predicts month ``t + 1``; holding out its
# last 20 % of rows leaves the last 29 months as test targets. The tutorial's
# windows are aligned to the same months so that every number below is
# measured on the same 29 months.
X, y = make_supervised(passengers)
cut = int(len(X) * 0.8)
X_train, y_train, X_test, y_test = X.iloc[:cut], y.iloc[:cut], X.iloc[cut:], y.iloc[cut:]
target_position = np.arange(window, len(z))  # month index of each tutorial target
in_test = target_position >= cut + 1
assert in_test.sum() == len(y_test)
target_months = y_test.index.shift(1)  # row t forecasts month t + 1
print(f"held-out target months: {target_months[0]:%Y-%m} to {target_months[-1]:%Y-%m} ({len(y_test)})")

chronological = LSTMRegressor(**LSTM_PARAMS).fit(windows[~in_test], targets[~in_test])
forecast_chronological = to_passengers(chronological.predict(windows[in_test]))
mape_chronological = mean_absolute_percentage_error(y_test, forecast_chronological)
print(f"tutorial recipe, last 20 % (time order kept): MAPE {mape_chronological:.2%}")

# %%
# Trained on raw levels, the network has never seen passenger numbers as high
# as those of the test years, and its forecasts flatten out below the summer
# peaks (see the plot at the end). The
# shuffled split hid that completely.
#
# The skl_lstm way
# ----------------
# Every step that learns from data is inside one estimator, so
# cross-validation refits it on each training fold and nothing is computed
# from the test fold:
#
# * :class:`~skl_lstm.DifferencedTargetRegressor` learns the *change* from the
#   current month and adds the current month back, so the trend never leaves
#   the range seen in training;
# * :class:`~sklearn.compose.TransformedTargetRegressor` standardises that
#   change with statistics of the training fold only;
# * :class:`~skl_lstm.WindowTransformer` (``diff=1``) cuts windows of monthly
#   changes without dropping rows, and :class:`~sklearn.preprocessing.StandardScaler`
#   scales them, again on the training fold only.
#
# :func:`skl_lstm.recommended_pipeline` builds this same estimator in one line
# (with ``log=True`` it also models the logarithm of the series).
network = Pipeline(
    [
        ("window", WindowTransformer(window=12, diff=1)),
        ("scale", StandardScaler()),
        ("lstm", LSTMRegressor(**LSTM_PARAMS)),
    ]
)
model = DifferencedTargetRegressor(TransformedTargetRegressor(network, transformer=StandardScaler()))

# %%
# Cross-validation in time order on the first 80 %: each fold trains on the
# past and tests on the next block of months. With ``horizon=1`` no training
# target lies after a test month, so no ``gap`` is needed. Each test fold
# continues the index of its training fold, so its first windows are filled
# with real history (carry-over).
cv = TimeSeriesSplit(n_splits=3)
start = time.perf_counter()
cv_lstm = -cross_val_score(model, X_train, y_train, cv=cv, scoring=mape_scorer)
cv_naive = -cross_val_score(NaiveForecaster(), X_train, y_train, cv=cv, scoring=mape_scorer)
print(f"TimeSeriesSplit MAPE per fold, skl_lstm: {np.round(cv_lstm, 4)} mean {cv_lstm.mean():.2%}")
print(f"TimeSeriesSplit MAPE per fold, naive:    {np.round(cv_naive, 4)} mean {cv_naive.mean():.2%}")
print(f"(cross-validation took {time.perf_counter() - start:.1f} s)")

# %%
# Then fit on the whole first 80 % and forecast the held-out 20 %, one month
# ahead at a time.
model.fit(X_train, y_train)
forecast_lstm = model.predict(X_test)
forecast_naive = NaiveForecaster().fit(X_train, y_train).predict(X_test)
mape_lstm = mean_absolute_percentage_error(y_test, forecast_lstm)
mape_naive = mean_absolute_percentage_error(y_test, forecast_naive)

print()
print("MAPE                                   value")
print(f"tutorial, shuffled test rows (leaky)   {mape_tutorial:.2%}")
print(f"tutorial, last 20 %                    {mape_chronological:.2%}")
print(f"skl_lstm pipeline, last 20 %           {mape_lstm:.2%}")
print(f"naive forecast, last 20 %              {mape_naive:.2%}")

# %%
# Plot the held-out months
# ------------------------
fig, ax = plt.subplots(figsize=(10, 4.5))
ax.plot(passengers.index[-48:], passengers.iloc[-48:], color="black", label="passengers")
ax.plot(target_months, forecast_lstm, label=f"skl_lstm pipeline (MAPE {mape_lstm:.1%})")
ax.plot(target_months, forecast_naive, ":", label=f"naive (MAPE {mape_naive:.1%})")
ax.plot(target_months, forecast_chronological, "--", label=f"tutorial recipe (MAPE {mape_chronological:.1%})")
ax.axvline(target_months[0], color="grey", linewidth=0.8)
ax.set_ylabel("thousands of passengers")
ax.set_title(f"One-month-ahead forecasts of the last {len(y_test)} months")
ax.legend(loc="upper left")
fig.tight_layout()
fig.savefig(os.path.join(output_dir, "leakage.png"), dpi=100)
print(f"total time {time.perf_counter() - start_all:.0f} s")

# %%
# What to take away
# -----------------
# The shuffled-split number rewards a model for filling gaps between months
# it has already seen around them, with a scaler that has seen the whole
# series. Here it even made the tutorial model look better than the naive
# forecast; on the future the same recipe does far worse, and worse than
# repeating the last value. Compare every forecaster with the naive forecast
# on a time-ordered split; that comparison is only fair when the scaler, the
# differencing and the windows are refitted inside each training fold, which
# a single scikit-learn estimator does for you.
