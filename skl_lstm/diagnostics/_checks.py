"""The checks of ``diagnose``: one function per cause, each returning a Finding or None.

Every check reads the :class:`Evidence` gathered over the time-ordered folds
(forecasts, baselines, loss histories, the windows and targets the network
saw) and returns at most one :class:`~skl_lstm.diagnostics.Finding` with its
severity, a score in [0, 1], the numbers behind it and a concrete fix.
Thresholds are module constants so they are documented in one place.

The module is long because it holds every check (one cause each, with its
evidence, wording and fix) and the ``CHECKS``/``EXPLAINS`` registry that
ranks them; splitting the checks across files would split that registry.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy.stats import spearmanr

from ..metrics import mean_absolute_percentage_error
from ..utils._deps import import_optional
from ..utils._timeseries import default_window
from ._data import Layout, first_output
from ._folds import FoldResult
from ._inspect import Setup
from ._report import _RANK, SEVERITIES, Finding, Fix

# --------------------------------------------------------------------------- thresholds
#: Share of test targets (as the network sees them) outside the training range that signals extrapolation.
EXTRAPOLATION_SHARE = 0.25
#: 90th percentile of |value| above which network inputs / targets count as unscaled (medium, high).
INPUT_SCALE = (5.0, 20.0)
TARGET_SCALE = (5.0, 20.0)
#: Robust z-score beyond which a training target is an outlier.
OUTLIER_Z = 5.0
#: Share of the squared deviations outliers must carry to matter (medium) and to dominate an MSE loss (higher score).
OUTLIER_SHARE = (0.15, 0.3)
#: Relative epoch-to-epoch rise of the training loss that counts as a jump.
LOSS_JUMP = 1.25
#: Final training loss / the loss of a forecast that learned nothing (constant or zero) above which nothing was learned.
UNLEARNED_LOSS = 0.9
#: An epoch budget this small (or no larger than the early-stopping patience) cannot reach convergence.
FEW_EPOCHS = 10
#: Training loss / a constant forecast's loss below which a jumping loss has not overshot.
BOUNDED_LOSS = 2.0
#: Share of a constant forecast's loss below which loss changes are measured against it, not the previous epoch.
LOSS_FLOOR = 0.05
#: Weights per training window beyond which a network is far too big for its data (the recipe: 17 to 70).
BIG_PARAMS_PER_WINDOW = 200
#: Validation loss at the end / at its minimum that signals overfitting.
VAL_RISE = 1.3
#: Model MAE / naive MAE above which the model loses to the baseline.
BASELINE_MARGIN = 1.0
#: MAE ratio to the seasonal-naive forecast above which losing to it is high severity (when significant).
SEASONAL_MARGIN = 1.2
#: Significance level of the statistical tests.
ALPHA = 0.05


@dataclass
class Evidence:
    """Everything the checks read, gathered once by :func:`~skl_lstm.diagnose`."""

    setup: Setup
    layout: Layout
    folds: list[FoldResult]
    y: np.ndarray
    ref: np.ndarray
    positive_inputs: bool = False
    cv_issue: dict | None = None
    shuffled_share: float | None = None
    splitter_text: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def ok_folds(self) -> list[FoldResult]:
        """Folds that were fitted and forecast."""
        return [f for f in self.folds if f.ok]

    def oof(self, attr: str) -> np.ndarray:
        """Out-of-fold values of ``attr`` (``"y_test"``, ``"y_pred"``, ``"naive"``, ``"snaive"``), first output."""
        parts = [getattr(f, attr) for f in self.ok_folds]
        if not parts or any(p is None for p in parts):
            return np.array([])
        return first_output(np.concatenate(parts))

    def oof_all(self, attr: str) -> np.ndarray:
        """Out-of-fold values of ``attr``, every output flattened."""
        parts = [getattr(f, attr) for f in self.ok_folds]
        if not parts or any(p is None for p in parts):
            return np.array([])
        return np.concatenate([np.ravel(p) for p in parts])

    @cached_property
    def scores(self) -> dict:
        """Out-of-fold MAE (and MAPE for a positive target) of the model and the baselines, overall and per fold."""
        positive = bool(np.all(self.y > 0))

        def row(y, p):
            out = {"mae": _mae(y, p)}
            if positive:
                out["mape"] = float(mean_absolute_percentage_error(y, p))
            return out

        y = self.oof_all("y_test")
        if not y.size:
            return {"overall": {}, "per_fold": []}
        overall = {"model": row(y, self.oof_all("y_pred")), "naive": row(y, self.oof_all("naive"))}
        snaive = self.oof_all("snaive")
        if snaive.size == y.size:
            overall["seasonal naive"] = row(y, snaive)
        per_fold = []
        for f in self.ok_folds:
            y_test = np.ravel(f.y_test)
            entry = {"fold": f.index, "model": row(y_test, np.ravel(f.y_pred)), "naive": row(y_test, np.ravel(f.naive))}
            if f.snaive is not None:
                entry["seasonal naive"] = row(y_test, np.ravel(f.snaive))
            per_fold.append(entry)
        return {"overall": overall, "per_fold": per_fold}

    @property
    def lstm_folds(self) -> list[FoldResult]:
        """Fitted folds whose estimator holds an LSTMRegressor with a history."""
        return [f for f in self.ok_folds if f.history and f.lstm]

    def lstm_value(self, name, default=None):
        """An LSTMRegressor parameter as set (same on every fold)."""
        for f in self.folds:
            if f.lstm:
                return f.lstm.get(name, default)
        if self.setup.lstm is not None:
            return getattr(self.setup.lstm, name, default)
        return default

    @property
    def lstm_step(self) -> str:
        """How the report names the LSTM step."""
        prefix = (self.setup.lstm_prefix or "").rstrip("_")
        return f"LSTMRegressor ({prefix})" if prefix else "LSTMRegressor"


def _mae(a, b) -> float:
    return float(np.mean(np.abs(np.asarray(a) - np.asarray(b)))) if len(a) else float("nan")


def _nice(value: float) -> float:
    """Round to one significant digit (0.0347 -> 0.03)."""
    if value <= 0 or not math.isfinite(value):
        return value
    exp = math.floor(math.log10(value))
    return float(round(value / 10**exp) * 10**exp)


def _set(ev: Evidence, note: str, **params) -> Fix:
    """A set_params fix on the LSTM (or the window when the name says so)."""
    full = {}
    for name, value in params.items():
        if name.startswith("window__"):
            full[ev.setup.window_param(name.split("__", 1)[1])] = value
        else:
            full[ev.setup.lstm_param(name)] = value
    names = ", ".join(params)
    values = params[next(iter(params))] if len(params) == 1 else dict(params)
    code = f"estimator.set_params({', '.join(f'{k}={v!r}' for k, v in full.items())})"
    step = ev.lstm_step
    if all(key.startswith(ev.setup.window_prefix or "\0") for key in full):
        step = f"WindowTransformer ({(ev.setup.window_prefix or '').rstrip('_')})"
        names = ", ".join(n.split("__", 1)[1] for n in params)
    return Fix(step=step, parameter=names, value=values, action="set_params", params=full, note=note, code=code)


# --------------------------------------------------------------------------- checks
def check_time_order(ev: Evidence) -> Finding | None:
    """Leakage-prone setups: rows out of time order, a splitter that trains on the future, too small a gap."""
    h = ev.layout.horizon
    fix = Fix(
        step="the train/test split (cv)",
        parameter="cv",
        value=f"TimeSeriesSplit(n_splits=3, gap={h - 1})",
        action="time_ordered_cv",
        note="keep rows in time order: never shuffle, split with TimeSeriesSplit and hold out the most recent data "
        "(train_test_split(..., shuffle=False)).",
        code=f"from sklearn.model_selection import TimeSeriesSplit; cv = TimeSeriesSplit(n_splits=3, gap={h - 1})",
    )
    if ev.layout.order_problem:
        n = ev.layout.n_rows_out_of_order
        share = n / max(len(ev.y) - 1, 1)
        return Finding(
            code="leaky_split",
            title="Rows are not in time order: a shuffled split",
            severity="high",
            score=1.0,
            message=f"{ev.layout.order_problem}, the fingerprint of a shuffled split (train_test_split(shuffle=True), "
            "ShuffleSplit, KFold(shuffle=True)). Windows then join steps that are not adjacent and the model trains on "
            "the future of its test rows, so its scores are optimistic. diagnose sorted the rows by the index for the "
            "checks below.",
            evidence={"rows_out_of_order": n, "share_out_of_order": share},
            fix=fix,
        )
    if ev.shuffled_share is not None:
        return Finding(
            code="leaky_split",
            title="Rows look shuffled: y is not the reference column shifted in time",
            severity="high",
            score=0.95,
            message=f"{ev.shuffled_share:.0%} of the values of y are values of the reference column, but no shift "
            "y[t] == X[t + h] aligns them: the rows were shuffled (arrays carry no index to check). Windows then join "
            "steps that are not adjacent and the scores are optimistic.",
            evidence={"share_of_y_in_reference": ev.shuffled_share},
            fix=fix,
        )
    issue = ev.cv_issue
    if issue and issue.get("trains_on_future"):
        return Finding(
            code="leaky_split",
            title=f"The splitter {issue['splitter']} trains on the future",
            severity="high",
            score=1.0 if issue.get("shuffle") else 0.95,
            message=f"In {issue['folds_on_future']} of {issue['n_folds']} folds of {issue['splitter']} the training "
            f"rows include rows after the test rows ({issue['share_test_before_train']:.0%} of the test rows have "
            "training rows after them). A model scored this way has seen the future: its scores are optimistic and "
            "do not carry over to forecasting. diagnose used a time-ordered split instead: "
            f"{ev.splitter_text}.",
            evidence={k: v for k, v in issue.items() if k not in ("splitter", "trains_on_future")},
            fix=fix,
        )
    if issue and issue.get("gap_too_small"):
        return Finding(
            code="leaky_split",
            title="The time-ordered split has too small a gap for the horizon",
            severity="medium",
            score=0.6,
            message=f"The horizon is {h} steps but the splitter's gap is {issue['gap']}: the last "
            f"{h - 1 - issue['gap']} training targets lie in the test period.",
            evidence={"gap": issue["gap"], "horizon": h},
            fix=Fix(
                step="the train/test split (cv)",
                parameter="gap",
                value=h - 1,
                action="time_ordered_cv",
                note="a gap of horizon - 1 rows keeps every training target before the first forecast.",
                code=f"TimeSeriesSplit(n_splits=3, gap={h - 1})",
            ),
        )
    return None


def _loss_jumps(loss: np.ndarray, floor: float = 0.0) -> tuple[float, float]:
    """Share of epochs whose loss jumped by more than LOSS_JUMP, and the largest climb above the running best.

    Both are relative to at least ``floor`` (a small share of a constant
    forecast's loss): a network that has driven its training loss near zero
    shows large relative wiggles that are no instability at all.
    """
    loss = np.asarray(loss, dtype=float)
    if loss.size < 3:
        return 0.0, 1.0
    ratios = loss[1:] / np.maximum(loss[:-1], max(floor, 1e-12))
    running_best = np.minimum.accumulate(loss)[:-1]
    climb = float(np.max(loss[1:] / np.maximum(running_best, max(floor, 1e-12))))
    return float(np.mean(ratios > LOSS_JUMP)), climb


def _constant_loss(y: np.ndarray, loss) -> float:
    """The larger training loss of two forecasts that learned nothing: the best constant, and zero.

    An untrained network outputs about zero, so its first loss is the zero
    forecast's; a loss far above both means the optimizer made things worse.
    """
    y = np.ravel(y)
    y = y[np.isfinite(y)]
    if y.size == 0:
        return float("nan")
    if loss == "mae":
        return float(max(np.mean(np.abs(y - np.median(y))), np.mean(np.abs(y))))
    if loss == "huber":
        def huber(r):
            r = np.abs(r)
            return float(np.mean(np.where(r <= 1.0, 0.5 * r**2, r - 0.5)))

        return max(huber(y - np.mean(y)), huber(y))
    return float(max(np.var(y), np.mean(y**2))) if loss == "mse" else float("nan")


def check_unstable_training(ev: Evidence) -> Finding | None:
    """Divergence (NaN loss), a loss exploding above a constant forecast's, or jumping up and down: learning rate."""
    lr = ev.lstm_value("learning_rate")
    optimizer = ev.lstm_value("optimizer")
    n_div = sum(f.diverged for f in ev.folds)
    if ev.setup.lstm is None and not n_div:
        return None
    new_lr = _nice(lr / 10) if isinstance(lr, int | float) else 1e-3
    note = "a smaller step keeps the loss falling; with a scaled input and target, Adam works well at 1e-3 to 3e-3."
    if n_div:
        messages = [f.error for f in ev.folds if f.diverged]
        return Finding(
            code="unstable_training",
            title="Training diverged (NaN or infinite loss)",
            severity="high",
            score=0.9 + 0.1 * n_div / len(ev.folds),
            message=f"Training diverged in {n_div} of {len(ev.folds)} folds: {messages[0].splitlines()[0]}",
            evidence={"folds_diverged": n_div, "n_folds": len(ev.folds), "learning_rate": lr, "optimizer": optimizer,
                      "cause_in_settings": True},
            fix=_set(ev, note, learning_rate=new_lr),
        )
    folds = ev.lstm_folds
    if not folds:
        return None
    jumps, climbs, explosions = [], [], []
    loss_name = ev.lstm_value("loss")
    for f in folds:
        curve = np.asarray(f.history["loss"])
        base = (_constant_loss(f.net_train[1], loss_name if isinstance(loss_name, str) else None)
                if f.net_train is not None else float("nan"))
        usable = base > 0 and math.isfinite(base)
        jump, climb = _loss_jumps(curve, floor=LOSS_FLOOR * base if usable else 0.0)
        jumps.append(jump)
        climbs.append(climb)
        if usable:
            explosions.append(float(np.max(curve)) / base)
    jump, climb = float(np.median(jumps)), float(np.median(climbs))
    explosion = float(np.median(explosions)) if explosions else float("nan")
    # a loss that never reaches twice a constant forecast's has not overshot: its wiggles (a large network fitting
    # minibatch noise) are at most medium, and an overfitting finding explains them
    bounded = math.isfinite(explosion) and explosion < BOUNDED_LOSS
    evidence = {
        "share_of_epochs_loss_jumped": jump,
        "loss_climb_above_best": climb,
        "max_loss_over_constant_forecast_loss": explosion,
        "learning_rate": lr,
        "optimizer": optimizer,
        "cause_in_settings": not bounded,  # an overshooting loss: the learning rate set on the estimator
    }
    exploded = math.isfinite(explosion) and explosion >= 5.0
    if exploded or (not bounded and ((jump >= 0.2 and climb >= 2.0) or climb >= 10.0)):
        severity = "high"
    elif jump >= 0.15 or climb >= 3.0 or (math.isfinite(explosion) and explosion >= BOUNDED_LOSS):
        severity = "medium"
    else:
        return None
    score = min(1.0, 0.6 + jump + 0.15 * math.log10(max(climb, explosion if math.isfinite(explosion) else 1.0)))
    exploded_text = (
        f" reached {explosion:.1f} times the loss of a constant forecast" if math.isfinite(explosion) else ""
    )
    return Finding(
        code="unstable_training",
        title="Unstable training: the loss jumps instead of falling",
        severity=severity,
        score=score,
        message=f"With learning_rate={lr!r} the training loss{exploded_text}, rose by more than "
        f"{LOSS_JUMP - 1:.0%} from one epoch to the next in {jump:.0%} of the epochs and climbed to {climb:.1f} times "
        "its best value (medians over folds): the optimizer overshoots.",
        evidence=evidence,
        fix=_set(ev, note, learning_rate=new_lr),
    )


def _stationarity_pvalues(values: np.ndarray) -> tuple[float, float]:
    stattools = import_optional("statsmodels.tsa.stattools", "skl_lstm.diagnose")
    values = values[np.isfinite(values)]
    if values.size < 12 or np.ptp(values) == 0:
        return float("nan"), float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        adf_p = float(stattools.adfuller(values, autolag="AIC")[1])
        kpss_p = float(stattools.kpss(values, regression="c", nlags="auto")[1])
    return adf_p, kpss_p


def _difference_fix(ev: Evidence) -> Fix:
    ref = ev.layout.reference
    diff_note = " and feed the windows as changes (WindowTransformer(diff=1))" if ev.setup.window is not None else ""
    return Fix(
        step="the target (outer estimator)",
        parameter="learn the change y - x_last",
        value=f"DifferencedTargetRegressor(reference={ref})",
        action="difference_target",
        options={"reference": ref},
        note=f"learn the change from the last value{diff_note}, so forecasts move with the trend; for a growing, "
        "positive series also model the log (recommended_pipeline(..., log=True)).",
        code=f"DifferencedTargetRegressor(estimator, reference={ref})"
        + ("  # and set WindowTransformer(diff=1)" if ev.setup.window is not None else ""),
    )


def check_nonstationary(ev: Evidence) -> Finding | None:
    """A trend or unit root in the target the network learns, and test targets outside its training range."""
    folds = [f for f in ev.ok_folds if f.net_train is not None and f.net_test is not None]
    if not folds:
        return None
    shares, excesses = [], []
    for f in folds:
        y_tr = np.ravel(f.net_train[1])
        y_te = np.ravel(f.net_test[1])
        lo, hi = float(np.min(y_tr)), float(np.max(y_tr))
        width = max(hi - lo, 1e-12)
        shares.append(float(np.mean((y_te < lo) | (y_te > hi))))
        excesses.append(max(float(np.max(y_te)) - hi, lo - float(np.min(y_te)), 0.0) / width)
    last = folds[-1]
    adf_p, kpss_p = _stationarity_pvalues(first_output(last.net_train[1]))
    share, excess = float(np.mean(shares)), float(np.max(excesses))
    nonstat_both = adf_p > ALPHA and kpss_p < ALPHA
    nonstat_any = adf_p > ALPHA or kpss_p < ALPHA
    extrapolates = share >= EXTRAPOLATION_SHARE or (share >= 0.1 and excess >= 0.25)
    differenced = ev.setup.differenced_target
    if differenced:
        # The network already learns the change. Changes that outgrow their training range are a level-dependent
        # spread (model the log) unless both tests still find a trend in the change (difference once more).
        if extrapolates and nonstat_both:
            severity = "high"
        elif extrapolates or nonstat_both:
            severity = "medium"
        else:
            return None
    elif extrapolates and (nonstat_any or share >= 0.4):
        severity = "high"
    elif nonstat_any or extrapolates:
        # a network fed the level needs the level to stay put: KPSS rejecting level-stationarity is enough, even
        # when ADF rejects a unit root (a trend-stationary series still drifts out of the training range)
        severity = "medium"
    else:
        return None
    score = min(1.0, 0.6 + 0.5 * min(share, 0.8) + (0.1 if nonstat_both else 0.0))
    if differenced:  # a change that drifts is a weaker, slower cause than a level the network cannot reach
        score = min(score, 0.5)
    what = "the level itself" if not differenced else "the change from the last value"
    tests = (
        f"ADF p={adf_p:.3f} ({'a unit root is not rejected' if adf_p > ALPHA else 'a unit root is rejected'}), "
        f"KPSS p={kpss_p:.3f} ({'stationarity is rejected' if kpss_p < ALPHA else 'stationarity is not rejected'})"
    )
    if differenced:
        fix = _log_fix(ev) if ev.positive_inputs and not ev.setup.log_target and not nonstat_both else Fix(
            step="the windows and target",
            parameter="seasonal or second differencing",
            value=f"WindowTransformer(seasonal_period={ev.layout.seasonal_period}, seasonal_diff=1)",
            action="manual",
            note="the change itself still trends: difference once more, or remove the season before the network.",
        )
    else:
        fix = _difference_fix(ev)
    return Finding(
        code="nonstationary",
        title="Non-stationary target: the network would have to extrapolate",
        severity=severity,
        score=score,
        message=f"The network learns {what}; {tests}. {share:.0%} of the test targets lie "
        f"outside the range seen in training (up to {excess:.0%} of that range beyond it); a tanh network cannot "
        "forecast values it never saw, so it flattens at the edge of the training range.",
        evidence={
            "adf_pvalue": adf_p,
            "kpss_pvalue": kpss_p,
            "share_test_outside_train_range": share,
            "max_excess_over_train_range": excess,
            "target_differenced": ev.setup.differenced_target,
            "windows_differenced": ev.setup.input_differenced,
            "cause_in_settings": not differenced,  # the estimator feeds the network the level
        },
        fix=fix,
    )


def _scale_stats(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return 0.0, 0.0
    return float(np.percentile(np.abs(finite), 90)), float(np.std(finite))


def check_unscaled(ev: Evidence) -> Finding | None:
    """Inputs or target fed to the network on their raw scale (or on scales far apart)."""
    folds = [f for f in ev.lstm_folds if f.net_train is not None]
    if not folds:
        return None
    f = folds[-1]
    X_net, y_net = f.net_train[0], np.asarray(f.net_train[1])
    k = f.lstm.get("n_features_per_step") or 1
    X3 = X_net if X_net.ndim == 3 else X_net.reshape(X_net.shape[0], -1, k)
    per_feature = [_scale_stats(X3[:, :, j]) for j in range(X3.shape[2])]
    x_p90 = max(p for p, _ in per_feature)
    stds = [s for _, s in per_feature if s > 0]
    x_ratio = max(stds) / min(stds) if len(stds) > 1 else 1.0
    y_p90, y_std = _scale_stats(np.ravel(y_net))
    x_level = 2 if x_p90 > INPUT_SCALE[1] else (1 if x_p90 > INPUT_SCALE[0] or x_ratio > 100 else 0)
    y_level = 2 if y_p90 > TARGET_SCALE[1] else (1 if y_p90 > TARGET_SCALE[0] or 0 < y_std < 1e-3 else 0)
    if not (x_level or y_level):
        return None
    severity = "high" if max(x_level, y_level) == 2 else "medium"
    worst = max(x_p90 / INPUT_SCALE[0], y_p90 / TARGET_SCALE[0], 1.0)
    score = min(1.0, 0.7 + 0.15 * math.log10(worst))
    parts = []
    if x_level:
        parts.append(
            f"the windows reach {x_p90:.3g} (90th percentile of |x|)"
            + (f" and feature scales differ {x_ratio:.0f}-fold" if x_ratio > 100 else "")
        )
    if y_level:
        parts.append(f"the target reaches {y_p90:.3g} (std {y_std:.3g})")
    has_window = ev.setup.window is not None
    step = []
    if x_level:
        step.append("StandardScaler before LSTMRegressor")
    if y_level:
        step.append("DifferencedTargetRegressor(transformer=StandardScaler())" if ev.setup.differenced_target
                    else "TransformedTargetRegressor(transformer=StandardScaler())")
    fix = Fix(
        step="Pipeline (after WindowTransformer)" if has_window else "Pipeline",
        parameter="scaling",
        value=" and ".join(step),
        action="scale",
        options={"inputs": bool(x_level), "target": bool(y_level)},
        note="an LSTM's gates saturate on inputs far from [-3, 3], and a linear output layer needs thousands of "
        "steps to reach a target in the hundreds; standardise both (fitted on the training fold only).",
        code="Pipeline([..., ('scale', StandardScaler()), ('lstm', LSTMRegressor(...))]); "
        "TransformedTargetRegressor(pipeline, transformer=StandardScaler())",
    )
    return Finding(
        code="unscaled",
        title="Unscaled " + " and ".join(n for n, lvl in (("inputs", x_level), ("target", y_level)) if lvl),
        severity=severity,
        score=score,
        message="The network sees data on its raw scale: " + "; ".join(parts) + ".",
        evidence={
            "input_p90_abs": x_p90,
            "input_scale_ratio": x_ratio,
            "target_p90_abs": y_p90,
            "target_std": y_std,
            "input_scaler": ev.setup.x_scaler,
            "target_scaler": ev.setup.y_scaler,
            "cause_in_settings": not (ev.setup.x_scaler and ev.setup.y_scaler),  # a scaler missing from the steps
        },
        fix=fix,
    )


def _recent_drop(curve: np.ndarray) -> float:
    """Relative improvement per epoch over the last few epochs (positive = still falling)."""
    curve = np.asarray(curve, dtype=float)
    if curve.size < 2:
        return 0.0
    k = max(1, min(5, curve.size // 4))
    start, end = curve[-k - 1], curve[-1]
    return float((start - end) / max(abs(start), 1e-12) / k)


def _skill(ev: Evidence) -> float:
    overall = ev.scores["overall"]
    return overall["model"]["mae"] / max(overall["naive"]["mae"], 1e-12) if overall else float("nan")


def check_underfitting(ev: Evidence) -> Finding | None:
    """Training stopped by its epoch budget while the loss was still falling, or before it learned anything."""
    folds = ev.lstm_folds
    if not folds:
        return None
    loss_name = ev.lstm_value("loss")
    still, drops, learned, shorts = 0, [], [], 0
    for f in folds:
        monitored = np.asarray(f.history.get("val_loss", f.history["loss"]))
        train_loss = np.asarray(f.history["loss"], dtype=float)
        epochs = f.lstm.get("epochs") or f.lstm["n_epochs"]
        ran_all = f.lstm["n_epochs"] >= epochs
        best = int(np.argmin(monitored)) + 1
        best_late = best >= monitored.size - max(1, int(0.1 * monitored.size))
        drop = max(_recent_drop(monitored), _recent_drop(train_loss) if not best_late else 0.0)
        drops.append(drop)
        # A curve too short to show a fall (one or two epochs) can still show that nothing was learned: the final
        # training loss is that of a forecast which learned nothing (a constant, or zero).
        base = _constant_loss(f.net_train[1], loss_name) if f.net_train is not None and isinstance(
            loss_name, str) else float("nan")
        ratio = float(train_loss[-1] / base) if base > 0 and math.isfinite(base) else float("nan")
        learned.append(ratio)
        nothing = math.isfinite(ratio) and ratio >= UNLEARNED_LOSS
        # a curve of one or two epochs cannot show a fall: the budget ended at the best epoch, before any sign
        # of convergence; counted when the errors show structure the model missed (below)
        short = train_loss.size < 3
        shorts += bool(ran_all and short)
        if ran_all and best_late and (drop > 0.002 or nothing or short):
            still += 1
    tests = ev.extra.get("residual_tests")
    missed = (tests is not None and tests["lb_pvalue"] < ALPHA) or _skill(ev) > 1.0
    if shorts and not missed:  # too short to show a fall, and the errors show nothing the model missed
        still -= shorts
    share = still / len(folds)
    if share < 0.5:
        return None
    drop = float(np.median(drops))
    finite = [r for r in learned if math.isfinite(r)]
    loss_ratio = float(np.median(finite)) if finite else float("nan")
    nothing = math.isfinite(loss_ratio) and loss_ratio >= UNLEARNED_LOSS
    skill = _skill(ev)
    epochs = ev.lstm_value("epochs")
    lr = ev.lstm_value("learning_rate")
    patience = ev.lstm_value("patience") if ev.lstm_value("early_stopping") else None
    # the budget ended before early stopping could have judged convergence: the setting that explains the curve
    few_epochs = (epochs or 0) <= max(FEW_EPOCHS, patience or 0)
    everywhere = share == 1.0 and (drop >= 0.02 or few_epochs or nothing or (skill > 0.95 and drop >= 0.01))
    if everywhere or (few_epochs and drop > 0.01):
        severity = "high"
    elif drop >= 0.005 or nothing:
        severity = "medium"
    else:
        severity = "low"
    score = min(1.0, (0.55 + 0.45 * min(1.0, max(drop / 0.05, 0.6 if nothing else 0.0))) * (0.5 + 0.5 * share)
                + (0.1 if few_epochs else 0.0))
    evidence = {
        "folds_still_improving": still,
        "n_folds": len(folds),
        "loss_drop_per_epoch_at_end": drop,
        "final_loss_over_constant_forecast_loss": loss_ratio,
        "epochs": epochs,
        "patience": patience,
        "learning_rate": lr,
        "mae_over_naive_mae": skill,
        "cause_in_settings": bool(few_epochs),
    }
    if isinstance(lr, int | float) and lr < 1e-4:
        fix = _set(ev, "the step is so small that training barely moves; Adam works well at 1e-3.", learning_rate=1e-3)
    else:
        new_epochs = int(min(max(10 * (epochs or 10), 100), 1000))
        params = {"epochs": new_epochs}
        if ev.lstm_value("early_stopping") is False:
            params["early_stopping"] = True
        fix = _set(ev, "give training room to converge; early stopping on the validation tail ends it when it stops "
                   "improving.", **params)
    return Finding(
        code="underfitting",
        title="Underfitting: training stopped while the loss was still falling",
        severity=severity,
        score=score,
        message=f"In {still} of {len(folds)} folds every one of the {epochs} epochs ran and the best epoch was among "
        f"the last, with the monitored loss still falling {drop:.1%} per epoch"
        + (f" and the final training loss {loss_ratio:.2f} times that of a forecast that learned nothing"
           if math.isfinite(loss_ratio) else "")
        + f": the network has not converged (its MAE is {skill:.2f} times the naive forecast's).",
        evidence=evidence,
        fix=fix,
    )


def check_overfitting(ev: Evidence) -> Finding | None:
    """Training loss falls while validation loss rises, or a large gap between train and test error."""
    folds = ev.lstm_folds
    if not folds:
        return None
    rises, after, kept = [], [], []
    for f in folds:
        if "val_loss" not in f.history or len(f.history["val_loss"]) < 3:
            continue
        val, loss = np.asarray(f.history["val_loss"]), np.asarray(f.history["loss"])
        b = int(np.argmin(val))
        rises.append(float(val[-1] / max(val[b], 1e-12)))
        after.append(float(loss[b] / max(loss[-1], 1e-12)))
        best = f.lstm["best_epoch"]  # 0: linear_skip kept its linear start, which no epoch beat
        kept.append(1.0 if best == 0 else float(val[best - 1] / max(val[b], 1e-12)))
    gaps, train_skill = [], []
    for f in folds:
        mae_tr = _mae(f.y_train, f.y_pred_train) / max(_mae(f.y_train, f.naive_train), 1e-12)
        mae_te = _mae(f.y_test, f.y_pred) / max(_mae(f.y_test, f.naive), 1e-12)
        gaps.append(mae_te / max(mae_tr, 1e-12))
        train_skill.append(mae_tr)
    rise = float(np.median(rises)) if rises else 1.0
    fell_after = float(np.median(after)) if after else 1.0
    kept_rise = float(np.median(kept)) if kept else 1.0
    gap = float(np.median(gaps))
    tr_skill = float(np.median(train_skill))
    n_params = ev.folds[-1].lstm.get("n_params") if ev.folds[-1].lstm else folds[-1].lstm.get("n_params")
    n_windows = folds[-1].lstm.get("n_train_windows") or 1
    per_window = (n_params or 0) / max(n_windows, 1)
    curves = rise >= VAL_RISE and fell_after >= VAL_RISE
    # early stopping cut the run (the validation loss rose after an early best epoch) in a network with far more
    # weights than training windows: the stop caught the overfitting, the size is still the cause
    stopped = sum(f.lstm["n_epochs"] < (f.lstm.get("epochs") or 0) for f in folds)
    caught = (per_window >= BIG_PARAMS_PER_WINDOW and stopped * 2 >= len(folds) and rise >= 1.05)
    if (curves and kept_rise >= VAL_RISE) or (gap >= 2.5 and tr_skill < 0.5):
        severity = "high"
    elif gap >= 1.8 or (curves and kept_rise >= 1.1) or caught:
        # early stopping that restored the best weights is doing its job: the rise after the best epoch is expected
        severity = "medium"
    else:
        return None
    score = min(1.0, 0.55 + 0.25 * min(2.0, kept_rise - 1) + 0.1 * min(2.0, gap - 1)
                + (0.05 if per_window >= BIG_PARAMS_PER_WINDOW else 0.0))
    params = {}
    if not ev.lstm_value("early_stopping"):
        params.update(early_stopping=True, patience=10)
    if not ev.lstm_value("dropout"):
        params["dropout"] = 0.2
    units = ev.lstm_value("units")
    if per_window > 20 and units:
        smaller = tuple(max(4, int(u) // 4) for u in (units if isinstance(units, tuple | list) else (units,)))
        params["units"] = smaller[0] if len(smaller) == 1 else smaller
    if not params:
        params["l2"] = 1e-4
    return Finding(
        code="overfitting",
        title="Overfitting: the network learns the noise of the training windows",
        severity=severity,
        score=score,
        message=f"After the best validation epoch the training loss fell a further {fell_after:.2f}-fold while the "
        f"validation loss rose {rise:.2f}-fold (the kept weights are {kept_rise:.2f} times the best); the test error "
        f"relative to the naive forecast is {gap:.2f} times the training error. The network has {n_params} weights "
        f"for {n_windows} training windows ({per_window:.0f} per window).",
        evidence={
            "val_loss_rise_after_best": rise,
            "train_loss_fall_after_best": fell_after,
            "kept_weights_val_over_best": kept_rise,
            "test_over_train_error": gap,
            "train_mae_over_naive": tr_skill,
            "n_params": n_params,
            "n_train_windows": n_windows,
            "params_per_window": per_window,
            "folds_stopped_early": stopped,
            "cause_in_settings": per_window >= BIG_PARAMS_PER_WINDOW,
            "early_stopping": ev.lstm_value("early_stopping"),
            "dropout": ev.lstm_value("dropout"),
        },
        fix=_set(ev, "stop at the best validation epoch, drop inputs during training and use fewer weights; more "
                 "data helps most.", **params),
    )


def check_outliers(ev: Evidence) -> Finding | None:
    """A few extreme training targets that dominate a squared-error loss: Huber loss."""
    folds = [f for f in ev.lstm_folds if f.net_train is not None]
    if not folds:
        return None
    y = np.ravel(folds[-1].net_train[1])
    y = y[np.isfinite(y)]
    if y.size < 10:
        return None
    med = float(np.median(y))
    mad = 1.4826 * float(np.median(np.abs(y - med)))
    if mad == 0:
        return None
    z = np.abs(y - med) / mad
    out = z > OUTLIER_Z
    if not out.any():
        return None
    share = float(np.sum((y[out] - med) ** 2) / np.sum((y - med) ** 2))
    loss = ev.lstm_value("loss")
    robust = loss in ("huber", "mae") or not isinstance(loss, str)
    evidence = {"n_outliers": int(out.sum()), "n_targets": int(y.size), "max_robust_z": float(z.max()),
                "share_of_squared_error": share, "loss": loss if isinstance(loss, str) else type(loss).__name__}
    if robust:
        return Finding(
            code="outliers",
            title="Outliers in the training targets (a robust loss is in use)",
            severity="info",
            score=0.2,
            message=f"{int(out.sum())} training targets lie more than {OUTLIER_Z:g} robust standard deviations from "
            f"the median; loss={loss!r} limits their pull.",
            evidence=evidence,
        )
    # The evidence here is the data alone, so the finding is at most medium; link_causes raises it to high when a
    # symptom it explains in the fits (losing to the naive forecast, a jumping loss, overfitting) is high.
    dominant = share >= OUTLIER_SHARE[1] and out.mean() <= 0.1
    severity = "medium" if dominant or share >= OUTLIER_SHARE[0] else "low"
    params = {"loss": "huber"}
    delta_note = " (loss__delta is the threshold in units of the standardised target)" if ev.setup.y_scaler else ""
    return Finding(
        code="outliers",
        title="Outliers dominate the squared-error loss",
        severity=severity,
        score=min(1.0, 0.6 + 0.5 * share + (0.05 if dominant else 0.0)),
        message=f"{int(out.sum())} of {y.size} training targets (as the network sees them) lie more than "
        f"{OUTLIER_Z:g} robust standard deviations from the median (up to {z.max():.0f}) and carry {share:.0%} of the "
        f"squared deviations: with loss={loss!r} the fit bends towards them.",
        evidence=evidence,
        fix=_set(ev, "the Huber loss is quadratic for small errors and linear for large ones, so a few wild values "
                 f"cannot dominate the gradient{delta_note}; or correct the data.", **params),
    )


def _acf(values: np.ndarray, nlags: int) -> np.ndarray:
    stattools = import_optional("statsmodels.tsa.stattools", "skl_lstm.diagnose")
    return np.asarray(stattools.acf(values, nlags=nlags, fft=True))


def residual_tests(ev: Evidence) -> dict | None:
    """Ljung-Box p-value and autocorrelations of the out-of-fold residuals (None if too few)."""
    y, pred = ev.oof("y_test"), ev.oof("y_pred")
    r = y - pred
    n = r.size
    if n < 12 or np.std(r) == 0:
        return None
    diagnostic = import_optional("statsmodels.stats.diagnostic", "skl_lstm.diagnose")
    m = ev.layout.seasonal_period
    lags = min(2 * m, n // 2 - 1) if m else min(10, n // 3)
    lags = max(lags, 1)
    acf = _acf(r, lags)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lb = diagnostic.acorr_ljungbox(r, lags=[lags], return_df=True)
    return {"residuals": r, "acf": acf, "lags": lags, "lb_pvalue": float(lb["lb_pvalue"].iloc[0]), "n": n}


def check_residual_autocorrelation(ev: Evidence) -> Finding | None:
    """Structure left in the residuals (Ljung-Box): a window shorter than the season, or seasonal differencing."""
    tests = ev.extra.get("residual_tests")
    if tests is None:
        return None
    n, acf, p = tests["n"], tests["acf"], tests["lb_pvalue"]
    m = ev.layout.seasonal_period
    bound = 2 / math.sqrt(n)
    acf_m = float(acf[m]) if m and m < acf.size else float("nan")
    acf_1 = float(acf[1]) if acf.size > 1 else float("nan")
    window = ev.setup.window_length or ev.lstm_value("n_timesteps")
    seasonal_diff = bool(ev.setup.window is not None and ev.setup.window.seasonal_diff)
    short_window = bool(m and window and window < m and not seasonal_diff)
    evidence = {"ljung_box_pvalue": p, "lags": tests["lags"], "acf_lag1": acf_1, "acf_seasonal_lag": acf_m,
                "significance_bound": bound, "window": window, "seasonal_period": m,
                "window_shorter_than_season": short_window, "cause_in_settings": short_window}
    if p >= ALPHA:
        return None
    if short_window and abs(acf_m) > 1.25 * bound and p < 0.01:
        severity, score = "high", min(1.0, 0.6 + 0.6 * abs(acf_m))
        title = f"The window ({window}) is shorter than the season ({m}): seasonal structure is left in the residuals"
        fix = (
            _set(ev, f"a window of two seasons lets the network see the same month last year; or add seasonal "
                 f"differencing (WindowTransformer(seasonal_period={m}, seasonal_diff=1)).",
                 window__window=default_window(m))
            if ev.setup.window_prefix
            else Fix(step="the windows", parameter="window", value=default_window(m), action="manual",
                     note="pass windows of at least one season", code=f"WindowTransformer(window={default_window(m)})")
        )
    else:
        strongest = float(np.max(np.abs(acf[1:]))) if acf.size > 1 else 0.0
        severity = "medium" if p < 0.001 and strongest >= 0.3 else "low"
        score = min(1.0, 0.4 + 0.5 * strongest)
        title = "Autocorrelation left in the residuals"
        if ev.setup.window_prefix and window:
            params = {"window__window": int(2 * window)} if not m or window < default_window(m) else {
                "window__seasonal_period": m, "window__seasonal_diff": 1}
            fix = _set(ev, "the forecasts miss structure the residuals still carry: give the network more history "
                       "or remove the season before it.", **params)
        else:
            lags = default_window(m)
            fix = Fix(step="the inputs", parameter="lag window", value=lags, action="manual",
                      note=f"give the model the last {lags} values (WindowTransformer(window={lags}) as the first "
                      "step) or remove the season before it (seasonal differencing).",
                      code=f"Pipeline([('window', WindowTransformer(window={lags})), ..., ('model', estimator)])")
    return Finding(
        code="residual_autocorrelation",
        title=title,
        severity=severity,
        score=score,
        message=f"The out-of-fold residuals are autocorrelated (Ljung-Box p={p:.2g} over {tests['lags']} lags; "
        f"ACF at lag 1 {acf_1:.2f}"
        + (f", at the seasonal lag {m} {acf_m:.2f}" if math.isfinite(acf_m) else "")
        + f", significance bound ±{bound:.2f}): the forecasts leave predictable structure behind.",
        evidence=evidence,
        fix=fix,
    )


def _recipe_fix(ev: Evidence) -> Fix:
    m = ev.layout.seasonal_period
    window = ev.setup.window_length or default_window(m)
    log = bool(ev.positive_inputs)
    return Fix(
        step="the whole estimator",
        parameter="recipe",
        value=f"recommended_pipeline(window={window}, seasonal_period={m}, log={log})",
        action="recipe",
        options={"window": window, "seasonal_period": m, "log": log},
        note="the library's leak-free recipe: learn the change, difference and standardise the windows, early "
        "stopping.",
        code=f"from skl_lstm import recommended_pipeline; recommended_pipeline(window={window}, seasonal_period={m}, "
        f"log={log})",
    )


def _worse_pvalue(y: np.ndarray, pred: np.ndarray, base: np.ndarray) -> float:
    """One-sided Diebold-Mariano p-value that the model's absolute errors exceed the baseline's.

    The mean of the loss differences ``|y - pred| - |y - base|`` is tested
    with a Newey-West (Bartlett) standard error up to lag ``n ** (1/3)``
    (statsmodels' HAC covariance of a regression on a constant), since
    neighbouring forecast errors are correlated, against Student's t on
    ``n - 1`` degrees of freedom. NaN when there are too few points or the
    baseline is missing.
    """
    import statsmodels.api as sm
    from scipy.stats import t as student

    if base.size != y.size or y.size < 8:
        return float("nan")
    d = np.abs(y - pred) - np.abs(y - base)
    n = d.size
    fit = sm.OLS(d, np.ones(n)).fit(cov_type="HAC", cov_kwds={"maxlags": int(n ** (1 / 3))})
    se = float(fit.bse[0])
    if not se > 0:
        return 0.0 if d.mean() > 0 else 1.0
    return float(student.sf(d.mean() / se, df=n - 1))


def check_worse_than_naive(ev: Evidence) -> Finding | None:
    """The model loses to the naive or seasonal-naive forecast on the same folds (high when significantly so)."""
    overall = ev.scores["overall"]
    if not overall:
        return None
    mae, mae_naive = overall["model"]["mae"], overall["naive"]["mae"]
    mae_snaive = overall.get("seasonal naive", {}).get("mae", float("nan"))
    r_naive = mae / max(mae_naive, 1e-12)
    r_snaive = mae / max(mae_snaive, 1e-12) if math.isfinite(mae_snaive) else float("nan")
    worst = max(r_naive, r_snaive) if math.isfinite(r_snaive) else r_naive
    wins = sum(
        fold["model"]["mae"] < min(fold["naive"]["mae"], fold.get("seasonal naive", {}).get("mae", float("inf")))
        for fold in ev.scores["per_fold"]
    )
    if worst <= BASELINE_MARGIN:
        return None
    y, pred = ev.oof_all("y_test"), ev.oof_all("y_pred")
    p_naive = _worse_pvalue(y, pred, ev.oof_all("naive"))
    p_snaive = _worse_pvalue(y, pred, ev.oof_all("snaive")) if math.isfinite(r_snaive) else float("nan")
    # A loss within the noise of the folds (the model no better than repeating the last value on a random walk)
    # is medium; high needs the loss to be significant (one-sided Diebold-Mariano), NaN (too few points) counts.
    significant_naive = r_naive > BASELINE_MARGIN and not p_naive >= ALPHA
    significant_snaive = math.isfinite(r_snaive) and r_snaive > SEASONAL_MARGIN and not p_snaive >= ALPHA
    severity = "high" if significant_naive or significant_snaive else "medium"
    which = "naive" if r_naive >= (r_snaive if math.isfinite(r_snaive) else 0) else "seasonal-naive"
    return Finding(
        code="worse_than_naive",
        title=f"Worse than the {which} forecast",
        severity=severity,
        score=min(0.9, 0.4 + 0.5 * min(1.0, (worst - 1) / 0.5)),
        message=f"Out of fold, the model's MAE is {mae:.4g}: {r_naive:.2f} times the naive forecast's"
        + (f" and {r_snaive:.2f} times the seasonal-naive's" if math.isfinite(r_snaive) else "")
        + f"; it beats the best baseline in {wins} of {len(ev.ok_folds)} folds. A forecaster that loses to "
        + ("'repeat the last value'" if which == "naive" else "'repeat the value one season ago'")
        + " should not be used.",
        evidence={"mae": mae, "mae_naive": mae_naive, "mae_seasonal_naive": mae_snaive, "mae_over_naive": r_naive,
                  "mae_over_seasonal_naive": r_snaive, "folds_beating_baselines": wins,
                  "worse_than_naive_pvalue": p_naive, "worse_than_seasonal_naive_pvalue": p_snaive},
        fix=_recipe_fix(ev),
    )


def check_bias(ev: Evidence) -> Finding | None:
    """Systematic bias or a constant factor: slope and intercept of actual against predicted."""
    y, pred = ev.oof("y_test"), ev.oof("y_pred")
    n = y.size
    if n < 8 or np.std(pred) == 0:
        return None
    e = y - pred
    bias, mae = float(np.mean(e)), float(np.mean(np.abs(e)))
    t = bias / max(float(np.std(e, ddof=1)) / math.sqrt(n), 1e-12)
    rel = abs(bias) / max(mae, 1e-12)
    slope, intercept = np.polyfit(pred, y, 1)
    r2 = float(np.corrcoef(pred, y)[0, 1] ** 2)
    factor = float(np.mean(pred) / np.mean(y)) if np.mean(y) != 0 else float("nan")
    evidence = {"mean_error": bias, "mean_error_over_mae": rel, "t_statistic": t, "slope_actual_on_pred": float(slope),
                "intercept": float(intercept), "r2_actual_pred": r2, "mean_pred_over_mean_actual": factor}
    scaled = abs(slope - 1) > 0.3 and r2 >= 0.5
    if rel >= 0.75 and abs(t) >= 5:
        severity = "high"
    elif (rel >= 0.5 and abs(t) >= 3) or scaled:
        severity = "medium"
    else:
        return None
    direction = "below" if bias > 0 else "above"
    if not ev.setup.differenced_target:
        fix = _difference_fix(ev)
    elif ev.positive_inputs and not ev.setup.log_target:
        fix = _log_fix(ev)
    else:
        fix = _set(ev, "the absolute-error loss fits the median, which is less pulled by skewed errors.", loss="mae")
    message = (
        f"The forecasts are {direction} the actual values on average by {abs(bias):.4g} ({rel:.0%} of the MAE, "
        f"t={t:.1f}); regressing actual on forecast gives slope {slope:.2f} and intercept {intercept:.3g} "
        f"(1 and 0 when unbiased), mean forecast / mean actual {factor:.3f}."
    )
    title = f"Systematic bias: forecasts sit {direction} the actual values"
    return Finding(code="bias", title=title, severity=severity, score=min(0.85, 0.35 + 0.5 * rel), message=message,
                   evidence=evidence, fix=fix)


def _log_fix(ev: Evidence) -> Fix:
    note = ("model log(y): a multiplicative series becomes additive and relative errors (MAPE) are what the "
            "squared loss then minimises; recommended_pipeline(..., log=True) does this.")
    prefix = ev.setup.target_prefix
    if prefix is not None:  # the target wrapper logs X and y itself
        return Fix(step=f"DifferencedTargetRegressor{f' ({prefix[:-2]})' if prefix else ''}", parameter="log",
                   value=True, action="log_target", note=note, code=f"estimator.set_params({prefix}log=True)")
    return Fix(step="the target (outer estimator)", parameter="log transform",
               value="TransformedTargetRegressor(func=np.log, inverse_func=np.exp)", action="log_target", note=note,
               code="TransformedTargetRegressor(estimator, func=np.log, inverse_func=np.exp)")


def check_loss_metric(ev: Evidence) -> Finding | None:
    """Loss / metric mismatch: MAPE carried by values near zero, or swings that grow with the level."""
    y, pred = ev.oof("y_test"), ev.oof("y_pred")
    if y.size < 8:
        return None
    scale = float(np.median(np.abs(y)))
    near_zero = np.abs(y) < 0.1 * scale
    if scale > 0 and near_zero.any() and np.all(y != 0):
        ape = np.abs(y - pred) / np.abs(y)
        share = float(ape[near_zero].sum() / max(ape.sum(), 1e-12))
        if share >= 0.5:
            return Finding(
                code="loss_metric_mismatch",
                title="MAPE is dominated by values near zero",
                severity="medium",
                score=0.5,
                message=f"{int(near_zero.sum())} of {y.size} test values are below a tenth of the typical size and "
                f"carry {share:.0%} of the MAPE, while the squared loss gives them almost no weight: a low MSE and a "
                "poor MAPE. Judge the model with MAE, sMAPE or MASE, or train with loss='mae'.",
                evidence={"share_of_mape_near_zero": share, "n_near_zero": int(near_zero.sum())},
                fix=_set(ev, "an absolute loss weighs small values relatively more than a squared one.", loss="mae"),
            )
    if not ev.positive_inputs or ev.setup.log_target:
        return None
    m = ev.layout.seasonal_period or 12
    series = first_output(ev.y)
    n_blocks = series.size // m
    if n_blocks < 4:
        return None
    blocks = series[: n_blocks * m].reshape(n_blocks, m)
    level = blocks.mean(axis=1)
    swing = np.abs(np.diff(blocks, axis=1)).mean(axis=1)
    with warnings.catch_warnings():  # constant swings: no correlation (NaN), nothing to flag
        warnings.simplefilter("ignore")
        rho = float(spearmanr(level, swing)[0])
    growth = float(swing[-2:].mean() / max(swing[:2].mean(), 1e-12))
    level_growth = float(level[-2:].mean() / max(level[:2].mean(), 1e-12))
    if rho >= 0.7 and growth >= 1.5 and level_growth >= 1.3:
        return Finding(
            code="loss_metric_mismatch",
            title="The swings grow with the level: model the log",
            severity="medium",
            score=0.45,
            message=f"Changes grow with the level (rank correlation {rho:.2f} between a season's level and its mean "
            f"absolute change; {growth:.1f} times larger at the end than at the start): the series is multiplicative. "
            "A squared loss on the original scale fits the recent, large values and relative errors (MAPE) suffer.",
            evidence={"level_swing_rank_correlation": rho, "swing_growth": growth, "level_growth": level_growth},
            fix=_log_fix(ev),
        )
    return None


#: The checks, in the order they run.
CHECKS = (
    check_time_order,
    check_unstable_training,
    check_nonstationary,
    check_unscaled,
    check_underfitting,
    check_overfitting,
    check_outliers,
    check_residual_autocorrelation,
    check_worse_than_naive,
    check_bias,
    check_loss_metric,
)

#: cause -> findings it commonly produces (a consequence ranks after its cause at equal severity).
EXPLAINS = {
    "leaky_split": set(),
    "nonstationary": {"worse_than_naive", "bias", "residual_autocorrelation", "underfitting", "overfitting",
                      "loss_metric_mismatch"},
    "unscaled": {"underfitting", "unstable_training", "overfitting", "worse_than_naive", "bias",
                 "residual_autocorrelation"},
    "unstable_training": {"underfitting", "overfitting", "worse_than_naive", "bias", "residual_autocorrelation"},
    "outliers": {"unstable_training", "overfitting", "worse_than_naive", "bias", "residual_autocorrelation"},
    "underfitting": {"worse_than_naive", "bias", "residual_autocorrelation"},
    "overfitting": {"worse_than_naive", "bias", "residual_autocorrelation"},
    "residual_autocorrelation": {"worse_than_naive", "bias"},
}


#: Causes seen in the data alone: they do not explain a finding whose cause the estimator's settings show.
_DATA_CAUSES = {"outliers", "nonstationary"}
#: Findings about the training run itself: a non-stationary *change* does not explain them.
_TRAINING = {"underfitting", "overfitting", "unstable_training"}


def _structural(finding: Finding) -> bool:
    """A finding whose own evidence names a cause no other finding explains (a window shorter than the season)."""
    return finding.code == "residual_autocorrelation" and bool(finding.evidence.get("window_shorter_than_season"))


def _overshot(unstable: Finding) -> bool:
    """True when an unstable_training finding saw a NaN loss or a loss above twice a constant forecast's."""
    if unstable.evidence.get("folds_diverged"):
        return True
    return not unstable.evidence.get("max_loss_over_constant_forecast_loss", float("nan")) < BOUNDED_LOSS


def _explains(cause: Finding, consequence: Finding) -> bool:
    """True when ``cause`` (present with its own evidence) is a likely cause of ``consequence``."""
    if {cause.code, consequence.code} == {"overfitting", "unstable_training"}:
        unstable = cause if cause.code == "unstable_training" else consequence
        # an overshooting optimizer explains a poor fit; bounded wiggles are the overfitting network's own
        return (cause is unstable) == _overshot(unstable) and _RANK[cause.severity] <= _RANK["medium"]
    if consequence.code not in EXPLAINS.get(cause.code, ()) or cause.code in EXPLAINS.get(consequence.code, ()):
        return False  # not a cause of it, or each could cause the other: neither is ranked under the other
    if _RANK[cause.severity] > _RANK["medium"] or _structural(consequence):
        return False  # a low / info finding is too weak to explain anything away
    if cause.code == "outliers" and consequence.code == "unstable_training" and _overshot(consequence):
        return False  # a constant forecast's loss already holds the outliers: a loss far above it is the optimizer's
    if consequence.evidence.get("cause_in_settings") and cause.code in _DATA_CAUSES:
        return False  # the estimator's own setting (two epochs, a huge network), confirmed by its fits, is the cause
    # a network that learns the change of a series does not under- or overfit because the level trends
    return not (cause.code == "nonstationary" and cause.evidence.get("target_differenced")
                and consequence.code in _TRAINING)


def link_causes(findings: list[Finding]) -> None:
    """Mark each finding that a present cause explains, and rank each cause with its worst consequence (in place).

    A cause found at medium severity that explains a high-severity symptom
    (two epochs behind "worse than the seasonal-naive forecast") is raised to
    the symptom's severity, so it ranks above the symptom it explains; its
    own evidence (loss curves, errors) is what made it a finding at all.
    """
    for f in findings:
        f.explained_by = [c.code for c in findings if c is not f and _explains(c, f)]
    for cause in findings:
        if cause.explained_by:  # raise root causes only; a link in a chain stays a symptom
            continue
        worst = min((_RANK[f.severity] for f in findings if f is not cause and _explains(cause, f)), default=None)
        if worst is not None and worst < _RANK[cause.severity]:
            cause.evidence["severity_raised_from"] = cause.severity
            cause.severity = SEVERITIES[worst]


__all__ = ["CHECKS", "EXPLAINS", "Evidence", "link_causes", "residual_tests"]
