"""Report, Finding and Fix: what ``diagnose`` found, in forms people and programs can read.

Long because one report renders as text, HTML, JSON and a figure folder; each
rendering reads the same three dataclasses.
"""

from __future__ import annotations

import html
import json
import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Severities, most serious first.
SEVERITIES = ("high", "medium", "low", "info")
_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def _plain(value):
    """A JSON-safe copy of ``value`` (numpy scalars and arrays, NaN -> None)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer | int):
        return int(value)
    if isinstance(value, np.floating | float):
        value = float(value)
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    return repr(value)


def _fmt(value) -> str:
    """Short human form of an evidence value."""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        value = float(value)
        if not math.isfinite(value):
            return "nan"
        if value != 0 and (abs(value) >= 1e5 or abs(value) < 1e-3):
            return f"{value:.3g}"
        return f"{value:.4g}"
    if isinstance(value, list | tuple):
        items = [_fmt(v) for v in value[:8]]
        return "[" + ", ".join(items) + (", ..." if len(value) > 8 else "") + "]"
    return str(value)


@dataclass
class Fix:
    """A concrete change: which step, which parameter, which value to try.

    Parameters
    ----------
    step : str
        The step to change, with its ``set_params`` prefix when it has one
        (e.g. ``"LSTMRegressor (regressor__lstm)"``).
    parameter : str
        The parameter (or structural change) to make.
    value : object
        The value to try.
    action : str
        How :meth:`apply` makes the change: ``"set_params"``, ``"scale"``,
        ``"difference_target"``, ``"log_target"`` or ``"recipe"``;
        ``"time_ordered_cv"`` and ``"manual"`` are made by hand.
    params : dict
        For ``"set_params"``: the nested parameters to set.
    note : str
        One sentence: why this change helps.
    code : str
        A Python snippet that makes the change.
    options : dict
        Extra settings of structural actions (e.g. ``{"reference": 0}``).

    Examples
    --------
    >>> from sklearn.pipeline import Pipeline
    >>> from sklearn.linear_model import Ridge
    >>> fix = Fix("Ridge (ridge)", "alpha", 10.0, action="set_params", params={"ridge__alpha": 10.0})
    >>> print(fix)
    Ridge (ridge): alpha -> 10
    >>> fix.apply(Pipeline([("ridge", Ridge())])).named_steps["ridge"].alpha
    10.0
    """

    step: str
    parameter: str
    value: Any
    action: str = "manual"
    params: dict = field(default_factory=dict)
    note: str = ""
    code: str = ""
    options: dict = field(default_factory=dict)

    @property
    def automatic(self) -> bool:
        """True if :meth:`apply` can make the change."""
        return self.action not in ("manual", "time_ordered_cv")

    def apply(self, estimator):
        """Return an unfitted copy of ``estimator`` with this fix made.

        Parameters
        ----------
        estimator : estimator
            The estimator that was diagnosed.

        Returns
        -------
        estimator
            A new, unfitted estimator.
        """
        from ._fixes import apply_fix

        return apply_fix(self, estimator)

    def to_dict(self) -> dict:
        """JSON-safe dict of the fix."""
        return _plain(
            {
                "step": self.step,
                "parameter": self.parameter,
                "value": self.value,
                "action": self.action,
                "params": self.params,
                "note": self.note,
                "code": self.code,
            }
        )

    def __str__(self) -> str:
        return f"{self.step}: {self.parameter} -> {_fmt(self.value)}" + (f". {self.note}" if self.note else "")


@dataclass
class Finding:
    """One problem found by :func:`~skl_lstm.diagnose`, with its evidence and fix.

    Parameters
    ----------
    code : str
        Stable identifier (``"overfitting"``, ``"nonstationary"``, ...).
    title : str
        One line for people.
    severity : {"high", "medium", "low", "info"}
        ``"high"``: the model is broken by it; ``"medium"``: it costs accuracy;
        ``"low"``/``"info"``: worth knowing.
    score : float
        Strength of the evidence in [0, 1]; ranks findings of equal severity.
    message : str
        What was measured and what it means.
    evidence : dict
        The numbers behind the finding.
    fix : Fix or None
        What to change.
    explained_by : list of str
        Codes of other findings that are a likely cause of this one.

    Examples
    --------
    >>> finding = Finding("underfitting", "Underfitting", "high", 0.8, "The loss was still falling.",
    ...                   evidence={"epochs": 2})
    >>> print(finding)
    [HIGH] Underfitting (underfitting, score 0.80)
      The loss was still falling.
      evidence: epochs=2
    """

    code: str
    title: str
    severity: str
    score: float
    message: str
    evidence: dict = field(default_factory=dict)
    fix: Fix | None = None
    explained_by: list = field(default_factory=list)

    def __post_init__(self):
        if self.severity not in _RANK:
            raise ValueError(f"severity={self.severity!r} must be one of {list(SEVERITIES)}.")
        self.score = float(min(1.0, max(0.0, self.score)))

    @property
    def sort_key(self):
        """Severity first, then root causes before their consequences, causes seen in the settings first, then score."""
        return (_RANK[self.severity], bool(self.explained_by), not self.evidence.get("cause_in_settings"), -self.score,
                self.code)

    def to_dict(self) -> dict:
        """JSON-safe dict of the finding."""
        return {
            "code": self.code,
            "title": self.title,
            "severity": self.severity,
            "score": round(self.score, 4),
            "message": self.message,
            "evidence": _plain(self.evidence),
            "fix": None if self.fix is None else self.fix.to_dict(),
            "explained_by": list(self.explained_by),
        }

    def __str__(self) -> str:
        lines = [f"[{self.severity.upper()}] {self.title} ({self.code}, score {self.score:.2f})", f"  {self.message}"]
        if self.evidence:
            lines.append("  evidence: " + ", ".join(f"{k}={_fmt(v)}" for k, v in self.evidence.items()))
        if self.explained_by:
            lines.append("  likely a consequence of: " + ", ".join(self.explained_by))
        if self.fix is not None:
            lines.append(f"  fix: {self.fix}")
            if self.fix.code:
                lines.append(f"       {self.fix.code}")
        return "\n".join(lines)


class Report:
    """The result of :func:`~skl_lstm.diagnose`: ranked findings, scores and the data behind the figures.

    ``print(report)`` shows the findings, most important first;
    :meth:`to_dict` / :meth:`to_json` give the same for programs; in a
    notebook the report renders as HTML; :meth:`plot` and :meth:`save` draw
    the loss curves, the forecasts against the actual values and the naive
    forecast over the folds, and the residuals with their autocorrelation.

    Parameters
    ----------
    findings : list of Finding
        The findings, in any order; the report ranks them.
    scores : dict
        Out-of-fold scores: ``{"overall": {name: {"mae": ..., "mape": ...}}}``
        for ``"model"``, ``"naive"`` and ``"seasonal_naive"``, and per fold.
    folds : list of dict
        Per fold: train and test sizes, fit seconds, epochs run, best epoch.
    setup : str
        The nesting of the diagnosed estimator, outer first.
    settings : dict
        Horizon, seasonal period, reference column, splitter, timings.
    notes : sequence of str, default=()
        Things the diagnosis did that a user should know.
    data : dict or None, default=None
        The series, the folds' forecasts and the residuals the figures draw
        (None: a report without figures).
    estimator : estimator or None, default=None
        The diagnosed (unfitted) estimator, which :meth:`apply_fixes` starts
        from when it is given none.

    Attributes
    ----------
    findings : list of Finding
        Ranked: severity, then root causes before their consequences, then score.
    scores : dict
        Out-of-fold MAE (and MAPE for positive targets) of the model and the
        baselines, overall and per fold.
    folds : list of dict
        Per fold: train and test sizes, fit seconds, epochs run, best epoch.
    setup : str
        The nesting of the diagnosed estimator, outer first.
    settings : dict
        Horizon, seasonal period, reference column, splitter, timings.
    notes : list of str
        Things the diagnosis did that a user should know (e.g. it replaced a
        shuffling splitter).
    forecasts : pandas.DataFrame
        The out-of-fold forecasts the plots draw, one row per test target:
        ``fold``, ``time``, ``actual``, ``model``, ``naive`` and
        ``seasonal_naive`` (NaN without a seasonal period); and ``lower``
        and ``upper``, the model's 80 % interval, when it gives intervals
        (``predict_interval``, e.g. the recipe).

    Examples
    --------
    Reports come from :func:`~skl_lstm.diagnose`; built by hand they rank the
    same way:

    >>> report = Report([Finding("worse_than_naive", "Worse than naive", "high", 0.9, "",
    ...                          explained_by=["underfitting"]),
    ...                  Finding("underfitting", "Underfitting", "high", 0.6, "")],
    ...                 scores={}, folds=[], setup="LSTMRegressor", settings={})
    >>> [f.code for f in report.findings], report.top.code, report.healthy
    (['underfitting', 'worse_than_naive'], 'underfitting', False)
    >>> report.to_dict()["top"]
    'underfitting'
    """

    def __init__(self, findings, *, scores, folds, setup, settings, notes=(), data=None, estimator=None):
        self.findings = sorted(findings, key=lambda f: f.sort_key)
        self.scores = scores
        self.folds = folds
        self.setup = setup
        self.settings = settings
        self.notes = list(notes)
        self._data = data or {}
        self._estimator = estimator

    # ------------------------------------------------------------------ access
    @property
    def forecasts(self):
        import pandas as pd

        frames = []
        folds = self._data.get("folds", [])
        bands = any(fold.get("lower") is not None for fold in folds)
        for fold in folds:
            n = len(fold["time"])

            def column(values):
                return np.full(n, np.nan) if values is None else np.asarray(values, dtype=float)

            frame = {
                "fold": fold["fold"],
                "time": fold["time"],
                "actual": column(fold["actual"]),
                "model": column(fold["pred"]),
                "naive": column(fold["naive"]),
                "seasonal_naive": column(fold["snaive"]),
            }
            if bands:
                frame |= {"lower": column(fold.get("lower")), "upper": column(fold.get("upper"))}
            frames.append(pd.DataFrame(frame))
        columns = ["fold", "time", "actual", "model", "naive", "seasonal_naive"] + (["lower", "upper"] if bands else [])
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

    @property
    def top(self) -> Finding | None:
        """The most important finding, or None when nothing was found."""
        return self.findings[0] if self.findings else None

    def filter(self, severity="high") -> list[Finding]:
        """Findings of ``severity`` or worse.

        Parameters
        ----------
        severity : {"high", "medium", "low", "info"}, default="high"
            The least serious severity to keep.

        Returns
        -------
        list of Finding
        """
        if severity not in _RANK:
            raise ValueError(f"severity={severity!r} must be one of {list(SEVERITIES)}.")
        return [f for f in self.findings if _RANK[f.severity] <= _RANK[severity]]

    def __getitem__(self, code: str) -> Finding:
        for finding in self.findings:
            if finding.code == code:
                return finding
        raise KeyError(f"no finding with code {code!r}; found {[f.code for f in self.findings]}")

    def __contains__(self, code) -> bool:
        return any(f.code == code for f in self.findings)

    @property
    def healthy(self) -> bool:
        """True when there is no high-severity finding."""
        return not self.filter("high")

    def apply_fixes(self, estimator=None, *, severity="high"):
        """Return a new estimator with the automatic fixes of the root-cause findings applied.

        Parameters
        ----------
        estimator : estimator or None, default=None
            The estimator to change; None means the one that was diagnosed.
        severity : {"high", "medium", "low", "info"}, default="high"
            Apply the fixes of findings of this severity or worse.

        Returns
        -------
        estimator
            An unfitted estimator. Findings that are consequences of another
            finding, and fixes that need a person (``action="manual"``), are
            skipped; diagnose the result to check it.
        """
        est = self._estimator if estimator is None else estimator
        if est is None:
            raise ValueError("apply_fixes needs the estimator; pass estimator=... .")
        from sklearn.base import clone

        est = clone(est)
        for finding in self.filter(severity):
            if finding.fix is not None and finding.fix.automatic and not finding.explained_by:
                est = finding.fix.apply(est)
        return est

    # ----------------------------------------------------------------- output
    def to_dict(self) -> dict:
        """The report as JSON-safe builtins (no arrays, NaN as None)."""
        return {
            "setup": self.setup,
            "settings": _plain(self.settings),
            "healthy": self.healthy,
            "top": None if self.top is None else self.top.code,
            "findings": [f.to_dict() for f in self.findings],
            "scores": _plain(self.scores),
            "folds": _plain(self.folds),
            "notes": list(self.notes),
        }

    def to_json(self, **kwargs) -> str:
        """The report as a JSON string.

        Parameters
        ----------
        **kwargs : dict
            Passed to :func:`json.dumps`; ``indent=2`` unless given.

        Returns
        -------
        str
        """
        kwargs.setdefault("indent", 2)
        return json.dumps(self.to_dict(), **kwargs)

    def _score_lines(self) -> list[str]:
        table = self.score_table()
        if table.empty:
            return ["no out-of-fold forecasts (every fold failed)"]
        has_mape = "MAPE" in table
        head = f"{'':<16}{'MAE':>12}" + (f"{'MAPE':>10}" if has_mape else "") + f"{'MAE / naive':>13}"
        lines = [head]
        for name, row in table.iterrows():
            line = f"{name:<16}{_fmt(row['MAE']):>12}"
            if has_mape:
                line += f"{row['MAPE']:>10.2%}" if not math.isnan(row["MAPE"]) else f"{'':>10}"
            lines.append(line + f"{row['MAE / naive']:>13.2f}")
        return lines

    def score_table(self):
        """The out-of-fold scores as a DataFrame: one row per forecaster (model, naive, seasonal naive).

        Returns
        -------
        pandas.DataFrame
            Columns ``MAE``, ``MAPE`` (when the target is positive) and
            ``MAE / naive``; empty when every fold failed.
        """
        import pandas as pd

        overall = self.scores.get("overall", {})
        naive = overall.get("naive", {}).get("mae")
        has_mape = any("mape" in v for v in overall.values())
        rows = {}
        for name, values in overall.items():
            row = {"MAE": values["mae"]}
            if has_mape:
                row["MAPE"] = values.get("mape", float("nan"))
            row["MAE / naive"] = values["mae"] / naive if naive else float("nan")
            rows[name] = row
        return pd.DataFrame.from_dict(rows, orient="index")

    def _scores_html(self) -> str:
        table = self.score_table()
        if table.empty:
            return "<p>no out-of-fold forecasts (every fold failed)</p>"
        formatters = {"MAE": _fmt, "MAE / naive": "{:.2f}".format}
        if "MAPE" in table:
            formatters["MAPE"] = lambda v: "" if math.isnan(v) else f"{v:.2%}"
        return table.to_html(formatters=formatters, border=0)

    def __str__(self) -> str:
        s = self.settings
        lines = [
            f"skl_lstm diagnosis of {self.setup}",
            f"{s.get('n_folds')} time-ordered folds ({s.get('cv')}), horizon {s.get('horizon')}, "
            f"seasonal period {s.get('seasonal_period')}; {s.get('seconds', float('nan')):.1f} s "
            f"({s.get('fit_seconds', float('nan')):.1f} s fitting)",
            "",
            *self._score_lines(),
            "",
        ]
        for note in self.notes:
            lines.append(f"note: {note}")
        if self.notes:
            lines.append("")
        if not self.findings:
            lines.append("No problem found.")
        else:
            lines.append("Findings, most important first:")
            for i, finding in enumerate(self.findings, 1):
                text = str(finding).replace("\n", "\n   ")
                lines.append(f"{i}. {text}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        codes = ", ".join(f"{f.code}:{f.severity}" for f in self.findings) or "no findings"
        return f"<Report {codes}>"

    def _repr_html_(self) -> str:
        e = html.escape
        s = self.settings
        rows = []
        colors = {"high": "#c0392b", "medium": "#d68910", "low": "#2874a6", "info": "#7f8c8d"}
        # inline: Jupyter's and the docs' stylesheets right-align table cells, which suits numbers, not prose
        cell = "text-align:left;vertical-align:top;padding:0.3em 0.6em"
        for f in self.findings:
            evidence = "<br>".join(f"{e(str(k))} = {e(_fmt(v))}" for k, v in f.evidence.items())
            fix = "" if f.fix is None else e(str(f.fix)) + (f"<br><code>{e(f.fix.code)}</code>" if f.fix.code else "")
            consequence = f"<br><i>likely a consequence of {e(', '.join(f.explained_by))}</i>" if f.explained_by else ""
            rows.append(
                f"<tr><td style='{cell};color:{colors[f.severity]};font-weight:bold'>{f.severity}</td>"
                f"<td style='{cell};min-width:22em'><b>{e(f.title)}</b><br>{e(f.message)}{consequence}</td>"
                f"<td style='{cell};font-size:smaller;white-space:nowrap'>{evidence}</td>"
                f"<td style='{cell};min-width:14em'>{fix}</td></tr>"
            )
        head = "".join(f"<th style='{cell}'>{name}</th>" for name in ("severity", "finding", "evidence", "fix"))
        table = (
            f"<table><tr>{head}</tr>"
            + "".join(rows)
            + "</table>"
            if rows
            else "<p>No problem found.</p>"
        )
        scores = self._scores_html()
        notes = "".join(f"<p><i>note: {e(n)}</i></p>" for n in self.notes)
        return (
            f"<div><h4>skl_lstm diagnosis</h4><p>{e(self.setup)}<br>{s.get('n_folds')} time-ordered folds "
            f"({e(str(s.get('cv')))}), horizon {s.get('horizon')}, seasonal period {s.get('seasonal_period')}, "
            f"{s.get('seconds', float('nan')):.1f} s</p>{scores}{notes}{table}</div>"
        )

    # ----------------------------------------------------------------- figures
    def plot(self, kind="all"):
        """Draw the report's figures with matplotlib.

        Parameters
        ----------
        kind : {"all", "loss", "forecast", "residuals"}, default="all"
            ``"loss"``: training and validation loss per epoch and fold;
            ``"forecast"``: out-of-fold forecasts against the actual values
            and the naive forecast; ``"residuals"``: residuals over time and
            their autocorrelation.

        Returns
        -------
        matplotlib.figure.Figure or dict of Figure
            One figure, or ``{kind: figure}`` for ``"all"``.
        """
        from . import _plots

        makers = {"loss": _plots.plot_loss, "forecast": _plots.plot_forecast, "residuals": _plots.plot_residuals}
        if kind == "all":
            return {name: make(self._data, self.settings) for name, make in makers.items()}
        if kind not in makers:
            raise ValueError(f"kind={kind!r} is not a figure of the report; use one of {['all', *makers]}.")
        return makers[kind](self._data, self.settings)

    def save(self, directory) -> list[str]:
        """Write ``report.txt``, ``report.json``, ``report.html`` and the figures (PNG) to ``directory``.

        Parameters
        ----------
        directory : str or path-like
            Created if it does not exist.

        Returns
        -------
        list of str
            The paths written.
        """
        os.makedirs(directory, exist_ok=True)
        written = []
        texts = (("report.txt", str(self)), ("report.json", self.to_json()), ("report.html", self._repr_html_()))
        for name, text in texts:
            path = os.path.join(directory, name)
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(text + "\n")
            written.append(path)
        from ._plots import close

        for name, fig in self.plot("all").items():
            path = os.path.join(directory, f"{name}.png")
            fig.savefig(path, dpi=100)
            close(fig)
            written.append(path)
        return written


__all__ = ["Finding", "Fix", "Report", "SEVERITIES"]
