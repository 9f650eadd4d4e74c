"""Figures of a diagnosis report (matplotlib, imported only when a figure is drawn)."""

from __future__ import annotations

import numpy as np

from ..utils._deps import import_optional
from ._folds import BAND_COVERAGE


def _pyplot():
    import_optional("matplotlib", "Report.plot")
    import matplotlib.pyplot as plt

    return plt


def plot_loss(data: dict, settings: dict):
    """Training and validation loss per epoch, one colour per fold (log scale)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4))
    drawn = False
    for fold in data.get("folds", []):
        history = fold.get("history") or {}
        if not history.get("loss"):
            continue
        color = f"C{fold['fold'] % 10}"
        epochs = np.arange(1, len(history["loss"]) + 1)
        ax.plot(epochs, history["loss"], color=color, lw=1.2, label=f"fold {fold['fold']} train")
        if history.get("val_loss"):
            ax.plot(epochs, history["val_loss"], color=color, lw=1.2, ls="--", label=f"fold {fold['fold']} validation")
        if fold.get("best_epoch"):
            ax.axvline(fold["best_epoch"], color=color, lw=0.6, ls=":")
        drawn = True
    if drawn:
        values = [v for f in data["folds"] for k in ("loss", "val_loss") for v in (f.get("history") or {}).get(k, [])]
        if values and min(values) > 0:
            ax.set_yscale("log")
        ax.legend(fontsize="small", ncol=2)
    else:
        ax.text(0.5, 0.5, "no LSTMRegressor history to show", ha="center", va="center", transform=ax.transAxes)
    ax.set(xlabel="epoch", ylabel="loss", title="Training (solid) and validation (dashed) loss per fold")
    fig.tight_layout()
    return fig


def plot_forecast(data: dict, settings: dict):
    """Out-of-fold forecasts against the actual values, with the naive and seasonal-naive forecasts (and the
    model's interval, when it gives one)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 4))
    series = data.get("series")
    if series is not None:
        ax.plot(series["time"], series["y"], color="black", lw=1, label="actual")
    for i, fold in enumerate(data.get("folds", [])):
        def label(name, first=(i == 0)):  # one legend entry per kind, not per fold
            return name if first else None

        ax.axvline(fold["time"][0], color="grey", lw=0.6, ls=":")
        ax.plot(fold["time"], fold["naive"], color="C7", lw=1, ls="--", label=label("naive"))
        if fold.get("snaive") is not None:
            ax.plot(fold["time"], fold["snaive"], color="C2", lw=1, ls=":", label=label("seasonal naive"))
        if fold.get("pred") is not None:
            ax.plot(fold["time"], fold["pred"], color="C3", lw=1.6, label=label("model"))
        if fold.get("lower") is not None:  # the model's own interval (predict_interval)
            ax.fill_between(fold["time"], fold["lower"], fold["upper"], color="C3", alpha=0.15, lw=0,
                            label=label(f"model, {BAND_COVERAGE:.0%} interval"))
    ax.set(title=f"Out-of-fold forecasts, horizon {settings.get('horizon')}", xlabel=data.get("time_label", "time"))
    ax.legend(fontsize="small")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def plot_residuals(data: dict, settings: dict):
    """Out-of-fold residuals over time and their autocorrelation with the 95 % bound."""
    plt = _pyplot()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [3, 2]})
    res = data.get("residuals")
    if res is None:
        for ax in (ax1, ax2):
            ax.text(0.5, 0.5, "too few out-of-fold forecasts", ha="center", va="center", transform=ax.transAxes)
    else:
        ax1.plot(res["time"], res["values"], color="C0", lw=1)
        ax1.axhline(0, color="black", lw=0.6)
        ax1.set(title="Residuals (actual - forecast)", xlabel=data.get("time_label", "time"))
        acf = np.asarray(res["acf"])
        lags = np.arange(acf.size)
        ax2.vlines(lags[1:], 0, acf[1:], color="C0")
        ax2.plot(lags[1:], acf[1:], "o", color="C0", ms=3)
        bound = 2 / np.sqrt(res["n"])
        ax2.axhspan(-bound, bound, color="C0", alpha=0.15)
        m = settings.get("seasonal_period")
        if m and m < acf.size:
            ax2.axvline(m, color="C3", lw=0.8, ls="--", label=f"season ({m})")
            ax2.legend(fontsize="small")
        ax2.set(title=f"Residual ACF (Ljung-Box p={res['lb_pvalue']:.2g})", xlabel="lag")
    fig.autofmt_xdate()
    fig.tight_layout()
    return fig


def close(fig) -> None:
    """Release a figure."""
    _pyplot().close(fig)


__all__ = ["close", "plot_forecast", "plot_loss", "plot_residuals"]
