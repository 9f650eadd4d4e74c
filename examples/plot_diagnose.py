"""
=======================================================
Diagnosing the classic failing recipe, and fixing it
=======================================================

The LSTM tutorial recipe feeds raw airline passenger counts (100 to 600) into
a network: no scaling, no differencing. Its training loss falls, yet its
forecasts are worse than "repeat last month". :func:`skl_lstm.diagnose` says
why: it fits the model on time-ordered folds next to the naive and
seasonal-naive forecasts, checks the usual causes and ranks what it finds,
each finding with its evidence and a fix. ``report.apply_fixes()`` makes the
fixes of the root causes, and a second diagnosis checks the result.

Each diagnosis fits three small networks (at most 150 epochs, early
stopping), so the example runs in about a minute on a CPU.
"""

# %%
# The tutorial recipe
# -------------------
# One-step-ahead forecasts: ``X`` holds the passengers in month ``t``,
# ``y`` those in month ``t + 1``. The model windows the last 12 months and
# trains an LSTM on them, on the original scale.
import os
import time

import matplotlib.pyplot as plt
from sklearn.pipeline import Pipeline

from skl_lstm import LSTMRegressor, WindowTransformer, diagnose
from skl_lstm.datasets import load_airline, make_supervised

plt.switch_backend("Agg")  # write files, open no window
output_dir = os.environ.get("SKL_LSTM_EXAMPLE_OUTPUT", "demo_output/")
os.makedirs(output_dir, exist_ok=True)

X, y = make_supervised(load_airline())
tutorial = Pipeline(
    [
        ("window", WindowTransformer(window=12)),
        ("lstm", LSTMRegressor(units=16, epochs=150, patience=20, learning_rate=0.003, validation_fraction=0.15,
                               random_state=0)),
    ]
)

# %%
# Diagnose it
# -----------
# ``diagnose`` uses ``TimeSeriesSplit`` with three test folds of two years
# (a sixth of the data) and reads the season length (12) from the monthly
# index. The report lists the out-of-fold scores of the model and the two
# baselines, then the findings, most important first.
start = time.perf_counter()
report = diagnose(tutorial, X, y)
print(report)
print(f"\ndiagnosis took {time.perf_counter() - start:.0f} s")
report.save(os.path.join(output_dir, "diagnose_before"))

# %%
# The top findings name the causes: the network learns the *level* of a
# trending series, so the most recent test months lie above anything it saw
# in training (ADF and KPSS agree the target is not stationary), and it sees
# raw values in the hundreds. Worse-than-naive and the bias of the forecasts
# are listed as their consequences. The figures show it: the forecasts
# flatten at the top of the training range.
print("\nhigh-severity findings:", [f.code for f in report.filter("high")])
print("top finding:", report.top.title)
print("its fix:", report.top.fix)

# %%
# Apply the fixes and diagnose again
# ----------------------------------
# ``apply_fixes`` makes the automatic fixes of the high-severity root causes
# on a copy of the estimator: here it learns the change from the last value
# (``DifferencedTargetRegressor``, with differenced windows) and standardises
# the windows and the target. The second diagnosis uses the same folds;
# ``verbose=1`` prints a line per fold as it finishes (its fit time, the
# elapsed time and the folds to go).
fixed = report.apply_fixes()
after = diagnose(fixed, X, y, verbose=1)
print(after)
after.save(os.path.join(output_dir, "diagnose_after"))

# %%
# In a notebook
# -------------
# A report displayed in Jupyter (or here, as the last expression of a cell)
# is an HTML table: the out-of-fold scores, then each finding with its
# severity, message, evidence and fix.
after

# %%
# Before and after, on the same folds
# -----------------------------------
before_mape = report.scores["overall"]["model"]["mape"]
after_mape = after.scores["overall"]["model"]["mape"]
naive_mape = after.scores["overall"]["naive"]["mape"]
print(f"\nout-of-fold MAPE: tutorial recipe {before_mape:.1%}, fixed {after_mape:.1%}, naive {naive_mape:.1%}")

fig, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
for ax, rep, title in ((axes[0], report, "tutorial recipe"), (axes[1], after, "after apply_fixes()")):
    forecasts = rep.forecasts  # out-of-fold forecasts, one row per test target
    ax.plot(forecasts["time"], forecasts["actual"], color="black", lw=1, label="actual")
    for i, (_, fold) in enumerate(forecasts.groupby("fold")):
        ax.plot(fold["time"], fold["naive"], color="C7", ls="--", lw=1, label="naive" if i == 0 else None)
        ax.plot(fold["time"], fold["model"], color="C3", lw=1.5, label="model" if i == 0 else None)
    ax.set(title=f"{title}: MAPE {rep.scores['overall']['model']['mape']:.1%}", xlabel="month")
    ax.legend(loc="upper left")
axes[0].set_ylabel("passengers (thousands)")
fig.tight_layout()
path = os.path.join(output_dir, "diagnose_before_after.png")
fig.savefig(path, dpi=110)
print(f"saved {path}")
