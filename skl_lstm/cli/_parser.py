"""The ``skl-lstm`` argument parser: the subcommands, their options and their help."""

from __future__ import annotations

import argparse
import json

from ._diagnose import cmd_diagnose
from ._fit import cmd_fit
from ._models import DEFAULT_GRID
from ._predict import cmd_predict
from ._tune import cmd_tune


def _add_data(p, target_required=True) -> None:
    p.add_argument("data", help="CSV file, one row per time step (with --series: one row per series and time step)")
    p.add_argument("--target", required=target_required, help="column to forecast")
    p.add_argument("--time", help="column of dates or integer time steps (rows are sorted by it; required with "
                                  "--series)")
    p.add_argument("--series", metavar="COLUMN",
                   help="column naming the series of a long CSV with many series (needs --time): fit and tune train "
                        "one network on all of them, each forecast 1 .. --horizon steps ahead; diagnose reports on "
                        "each series")
    p.add_argument("--features", nargs="+", metavar="COLUMN",
                   help="input columns besides the target's own history (names, or one comma-separated list); "
                        "default: every other numeric column")
    p.add_argument("--horizon", type=int, default=None, help="steps ahead to forecast (default 1)")


def _add_model(p) -> None:
    g = p.add_argument_group("model (skl_lstm.recommended_pipeline)")
    g.add_argument("--window", type=int, help="lag window (default: two seasons, else 12)")
    g.add_argument("--seasonal-period", type=int, help="season length (default: from the time column's frequency)")
    g.add_argument("--diff", type=int, default=1, help="differencing order of the input windows (default 1)")
    g.add_argument("--log", action="store_true",
                   help="model log(values); needs positive data (default: only for a panel of positive series)")
    g.add_argument("--units", type=int, help="LSTM units (default 32)")
    g.add_argument("--epochs", type=int, help="maximum epochs (default 200, with early stopping)")
    g.add_argument("--learning-rate", type=float, help="Adam learning rate (default 0.003)")
    g.add_argument("--dropout", type=float, help="input dropout (default 0)")
    g.add_argument("--loss", choices=["mse", "mae", "huber"], help="training loss (default mse)")
    g.add_argument("--linear-skip", action=argparse.BooleanOptionalAction,
                   help="linear branch started at the ridge fit, the LSTM learns its residuals (default: the "
                        "recipe's, on)")
    g.add_argument("--random-state", type=int, default=0, help="seed (default 0)")


def build_parser() -> argparse.ArgumentParser:
    """The ``skl-lstm`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="skl-lstm",
        description="Diagnose, fit, tune and forecast an LSTM on a CSV time series, or with --series on a long CSV "
                    "of many series (skl_lstm).",
        epilog="Models are saved with skl_lstm.save: no pickle, atomic writes (docs/reliability.md).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="{diagnose,fit,tune,predict}")

    p = sub.add_parser("diagnose", help="explain why the model is poor: ranked findings, evidence, fixes",
                       description="Explain why the model is poor: ranked findings, evidence, fixes. With --series, "
                                   "each series is diagnosed on its own (skl_lstm.diagnose reads one series), with "
                                   "one report per series and a summary.")
    _add_data(p, target_required=False)
    _add_model(p)
    p.add_argument("--model", help="diagnose the settings of a model written by `skl-lstm fit` instead")
    p.add_argument("--series-ids", nargs="+", metavar="ID",
                   help="with --series: diagnose only these series (default: every series in the file)")
    p.add_argument("--cv-splits", type=int, default=3, help="time-ordered folds (default 3)")
    p.add_argument("--output", help="directory for report.txt/.json/.html and the figures (with --series: one "
                                    "subdirectory per series and summary.csv)")
    p.add_argument("--fail-on", choices=["high", "medium", "never"], default="never",
                   help="exit with status 1 when a finding of this severity (or worse) is present")
    p.set_defaults(func=cmd_diagnose)

    p = sub.add_parser("fit", help="fit the recommended pipeline and save it")
    _add_data(p)
    _add_model(p)
    p.add_argument("--model", required=True, help="where to save the fitted model (skl_lstm.save format)")
    p.set_defaults(func=cmd_fit)

    p = sub.add_parser("tune", help="GridSearchCV with TimeSeriesSplit (PanelTimeSeriesSplit with --series) over a "
                                    "small grid; save the best model")
    _add_data(p)
    _add_model(p)
    p.add_argument("--grid", help="JSON object of lists, keys window, diff or LSTMRegressor parameters "
                                  f"(default {json.dumps(DEFAULT_GRID)}; window null = one and two seasons)")
    p.add_argument("--cv-splits", type=int, default=3, help="time-ordered folds (default 3)")
    p.add_argument("--model", required=True, help="where to save the best model (skl_lstm.save format)")
    p.add_argument("--output", help="directory for cv_results.csv")
    p.add_argument("--verbose", type=int, default=1,
                   help="progress on stderr: 0 none; 1 a line per fit with the elapsed time, the fits done and to go "
                        "(default); 2 also scikit-learn's GridSearchCV line per fit (parameters, score, time)")
    p.set_defaults(func=cmd_tune)

    p = sub.add_parser("predict", help="forecast every row of a CSV with a saved model (a model fitted with "
                                       "--series: the next steps of every series)")
    p.add_argument("data", help="CSV file with the model's columns")
    p.add_argument("--model", required=True, help="a model written by `skl-lstm fit` or `tune`")
    p.add_argument("--time", help="time column (default: the one the model was fitted with)")
    p.add_argument("--series", metavar="COLUMN",
                   help="series column, for a model fitted with --series (default: the one it was fitted with); the "
                        "output has one row per series and step: series, time, horizon, forecast")
    p.add_argument("--coverage", type=float, metavar="C",
                   help="also write each forecast's interval of nominal coverage C (e.g. 0.9), as lower and upper "
                        "columns: split conformal, calibrated on the validation tail the fit held out "
                        "(docs/intervals.md)")
    p.add_argument("--output", help="CSV file for the forecasts (default: standard output)")
    p.set_defaults(func=cmd_predict)
    return parser
