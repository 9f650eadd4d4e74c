"""
==================================================
Spotting and fixing overfitting with ``history_``
==================================================

A network with far more weights than training windows learns the noise of a
short series: its training loss keeps falling while the loss on the most
recent, held-back windows rises. :class:`~skl_lstm.LSTMRegressor` records both
curves in ``history_``, so the problem is easy to see, and three settings fix
it: early stopping with a ``patience``, ``dropout`` and fewer ``units``.

To keep the example fast on a CPU the series is short (150 months) and the
networks train for at most 300 epochs.
"""

# %%
# A short, noisy seasonal series
# ------------------------------
# A yearly cycle around a level of 10 plus noise with a standard deviation of
# 0.8. The noise cannot be predicted, so a model that fits it is overfitting.
# :func:`~skl_lstm.datasets.make_supervised` turns the series into ``X`` (the
# value at ``t``) and ``y`` (the value at ``t + 1``). The last 20 % is held out
# for the final check; it is never seen while training or validating.
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

rng = np.random.default_rng(0)
t = np.arange(150)
series = pd.Series(
    10 + 3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.8, t.size),
    index=pd.date_range("2000-01-01", periods=t.size, freq="MS"),
    name="y",
)
X, y = make_supervised(series)
cut = int(len(X) * 0.8)
X_train, y_train, X_test, y_test = X.iloc[:cut], y.iloc[:cut], X.iloc[cut:], y.iloc[cut:]
print(f"train windows: {len(X_train)}, held-out: {len(X_test)}")


# %%
# The same pipeline, two sets of network settings
# -----------------------------------------------
# Windows of 12 months are standardised and fed to the LSTM; the target is
# standardised too. ``validation_fraction=0.25`` keeps the most recent quarter
# of the training windows out of the gradient steps and reports their loss
# after every epoch as ``val_loss``.
def make_model(**lstm_params):
    network = Pipeline(
        [
            ("window", WindowTransformer(window=12)),
            ("scale", StandardScaler()),
            ("lstm", LSTMRegressor(validation_fraction=0.25, learning_rate=0.003, random_state=0, **lstm_params)),
        ]
    )
    return TransformedTargetRegressor(network, transformer=StandardScaler())


# %%
# Too large and never stopped
# ---------------------------
# Two stacked layers of 128 units (about 200,000 weights) for about 90
# training windows, no dropout, and ``early_stopping=False``, so all 300
# epochs run and the weights of the last one are kept.
start = time.perf_counter()
overfit = make_model(units=(128, 128), epochs=300, early_stopping=False).fit(X_train, y_train)
overfit_seconds = time.perf_counter() - start
overfit_lstm = overfit.regressor_.named_steps["lstm"]
overfit_history = overfit_lstm.history_
best = int(np.argmin(overfit_history["val_loss"]))
print(
    f"over-large: {overfit_lstm.n_epochs_} epochs in {overfit_seconds:.1f} s; "
    f"training loss {overfit_history['loss'][0]:.3f} -> {overfit_history['loss'][-1]:.3f}; "
    f"validation loss lowest {overfit_history['val_loss'][best]:.3f} at epoch {best + 1}, "
    f"final {overfit_history['val_loss'][-1]:.3f}"
)

# %%
# Regularised and stopped early
# -----------------------------
# 16 units, 20 % dropout on the inputs of each step, and early stopping:
# training stops once the validation loss has not improved for 20 epochs and
# the weights of the best epoch (``best_epoch_``) are restored.
start = time.perf_counter()
regular = make_model(units=16, dropout=0.2, epochs=300, early_stopping=True, patience=20).fit(X_train, y_train)
regular_seconds = time.perf_counter() - start
regular_lstm = regular.regressor_.named_steps["lstm"]
regular_history = regular_lstm.history_
print(
    f"regularised: {regular_lstm.n_epochs_} epochs in {regular_seconds:.1f} s; "
    f"best epoch {regular_lstm.best_epoch_} with validation loss "
    f"{regular_history['val_loss'][regular_lstm.best_epoch_ - 1]:.3f}"
)

# %%
# Training versus validation curves
# ---------------------------------
# On the left the gap opens: the training loss heads towards zero (the network
# memorises the noise) while the validation loss climbs after its first
# minimum. On the right both curves flatten and training stops ``patience``
# epochs after the best validation loss (dotted line). The training loss sits
# above the validation loss there because it is measured with dropout switched
# on, which is normal and not a sign of trouble.
fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, history, title in [
    (axes[0], overfit_history, "units=(128, 128), no early stopping"),
    (axes[1], regular_history, "units=16, dropout=0.2, early stopping"),
]:
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax.plot(epochs, history["loss"], label="training loss")
    ax.plot(epochs, history["val_loss"], label="validation loss")
    ax.set_title(title)
    ax.set_xlabel("epoch")
    ax.set_yscale("log")
axes[1].axvline(regular_lstm.best_epoch_, color="grey", linestyle=":", label="best epoch")
axes[0].set_ylabel("MSE on the standardised target")
axes[1].legend()
fig.tight_layout()
fig.savefig(os.path.join(output_dir, "overfitting_curves.png"), dpi=100)

# %%
# The held-out check
# ------------------
# The held-out rows continue the training index, so the windows of the first
# held-out rows are filled with the last training months (no NaN warm-up).
# MAPE is computed on the original scale. The noise sets a floor: the noise-free
# cycle itself, used as a forecast, is roughly the best any model can do.
t_target = t[1:][cut:]  # the time of each held-out target
noise_free = 10 + 3 * np.sin(2 * np.pi * t_target / 12)
mape_floor = mean_absolute_percentage_error(y_test, noise_free)
mape_overfit = mean_absolute_percentage_error(y_test, overfit.predict(X_test))
mape_regular = mean_absolute_percentage_error(y_test, regular.predict(X_test))
print(f"held-out MAPE, noise-free cycle (the floor): {mape_floor:.2%}")
print(f"held-out MAPE, over-large network: {mape_overfit:.2%}")
print(f"held-out MAPE, regularised network: {mape_regular:.2%}")

# %%
# The regularised network is the better forecaster although it trained for about a
# tenth of the epochs. In practice, keep ``early_stopping=True`` (the default)
# and compare the two curves in ``history_`` whenever you change the size of
# the network.
