"""
=========================================
Huber loss against outliers in training
=========================================

A few wild values in the training data (a sensor glitch, a strike, a typing
error) pull a squared-error fit towards them: an error of 10 costs 100 times
as much as an error of 1. The Huber loss is quadratic for small errors and
linear beyond a threshold ``delta``, so a handful of outliers cannot dominate
the gradient. In :class:`~skl_lstm.LSTMRegressor` it is one parameter,
``loss="huber"`` (threshold ``loss__delta``, default 1.0, in the units of the
target the network sees).

Both models below are the same pipeline with the same seed; only ``loss``
differs. They train for at most 200 epochs with early stopping, so the
example runs in well under a minute on a CPU.
"""

# %%
# A seasonal series with outliers in its training part
# ----------------------------------------------------
# Two yearly harmonics around a level of 20, small noise, and five shocks of
# plus or minus 15 placed in the first two thirds of the series. The last 20 %
# is clean and held out.
import os
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skl_lstm import LSTMRegressor, WindowTransformer
from skl_lstm.datasets import make_supervised
from skl_lstm.metrics import mean_absolute_percentage_error

plt.switch_backend("Agg")  # write files, open no window
output_dir = os.environ.get("SKL_LSTM_EXAMPLE_OUTPUT", "demo_output/")
os.makedirs(output_dir, exist_ok=True)

rng = np.random.default_rng(1)
n = 180
t = np.arange(n)
clean = 20 + 4 * np.sin(2 * np.pi * t / 12) + 2 * np.cos(2 * np.pi * t / 6) + rng.normal(0, 0.4, n)
series = pd.Series(clean, index=pd.date_range("2000-01-01", periods=n, freq="MS"), name="sales")
cut = int(n * 0.8)
outliers = rng.choice(np.arange(12, int(cut * 0.8)), size=5, replace=False)
series.iloc[outliers] += 15 * rng.choice([-1, 1], size=5)
print("outliers at months:", sorted(series.index[outliers].strftime("%Y-%m")))

X, y = make_supervised(series)
X_train, y_train, X_test, y_test = X.iloc[:cut], y.iloc[:cut], X.iloc[cut:], y.iloc[cut:]
print(f"train windows: {len(X_train)}, held-out: {len(X_test)}")


# %%
# One pipeline, two losses
# ------------------------
# The outliers reach the model twice: as targets and inside the input windows.
# Everything except ``loss`` is identical.
def make_model(loss):
    network = Pipeline(
        [
            ("window", WindowTransformer(window=12)),
            ("scale", StandardScaler()),
            (
                "lstm",
                LSTMRegressor(
                    units=16,
                    loss=loss,
                    epochs=200,
                    patience=20,
                    learning_rate=0.003,
                    validation_fraction=0.2,
                    random_state=0,
                ),
            ),
        ]
    )
    return TransformedTargetRegressor(network, transformer=StandardScaler())


forecasts, scores = {}, {}
for loss in ["mse", "huber"]:
    start = time.perf_counter()
    model = make_model(loss).fit(X_train, y_train)
    lstm = model.regressor_.named_steps["lstm"]
    forecasts[loss] = model.predict(X_test)
    scores[loss] = mean_absolute_percentage_error(y_test, forecasts[loss])
    print(
        f"loss={loss!r}: {lstm.n_epochs_} epochs (best {lstm.best_epoch_}) "
        f"in {time.perf_counter() - start:.1f} s"
    )

# %%
# Held-out accuracy
# -----------------
# The held-out tail is clean, so it measures how well each model learned the
# seasonal pattern rather than the shocks.
for loss, score in scores.items():
    print(f"held-out MAPE, loss={loss!r}: {score:.2%}")

# %%
# Plot the training series and the two forecasts
# -----------------------------------------------
fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 6))
top.plot(series.index[:cut], series.iloc[:cut], color="grey", label="training series")
top.scatter(series.index[outliers], series.iloc[outliers], color="red", zorder=3, label="injected outliers")
top.set_title("Training part of the series")
top.legend(loc="upper left")
bottom.plot(y_test.index, y_test, color="black", label="actual (clean)")
for loss, style in [("mse", "--"), ("huber", "-")]:
    bottom.plot(y_test.index, forecasts[loss], style, label=f"loss={loss!r}  MAPE {scores[loss]:.1%}")
bottom.set_title("One-step forecasts of the held-out 20 %")
bottom.legend(loc="upper left")
fig.tight_layout()
fig.savefig(os.path.join(output_dir, "huber_vs_mse.png"), dpi=100)

# %%
# With squared error the shocks dominate the gradient; the Huber loss only
# grows linearly with them, so the network spends its capacity on the
# repeating pattern. For errors smaller than ``delta`` the Huber loss is half
# the squared error, so it only departs from ``"mse"`` on the large errors.
# Here the target is standardised before the network sees it, so the default
# ``delta=1.0`` means one standard deviation of the training target. Tune it
# with ``loss__delta`` (for example in a grid search next to ``units``).
