"""``skl-lstm tune``: GridSearchCV over time-ordered folds (panel folds with ``--series``); save the best model."""

from __future__ import annotations

import json
import os
import sys
import time
import warnings

from ..utils import is_panel
from ._data import _check_length, _longest, _positive, _prepare, _window_of
from ._io import CLIError, _say
from ._models import _RECIPE_KEYS, DEFAULT_GRID, _expand_grid, _meta, build_model, save_model


def cmd_tune(args) -> int:
    import pandas as pd
    from sklearn.metrics import check_scoring
    from sklearn.model_selection import GridSearchCV, ParameterGrid

    from ..metrics import mape_scorer
    from ..utils import default_window

    try:
        grid = dict(DEFAULT_GRID) if args.grid is None else json.loads(args.grid)
    except json.JSONDecodeError as exc:
        raise CLIError(f"--grid is not valid JSON ({exc.msg} at position {exc.pos}); write it like "
                       '\'{"units": [16, 32], "window": [12, 24]}\'.') from None
    if not isinstance(grid, dict) or not all(isinstance(v, list) or v is None for v in grid.values()):
        raise CLIError('--grid must be a JSON object of lists, like \'{"units": [16, 32]}\'.')
    _expand_grid(build_model(args, None, True), grid, [12])  # check the keys before reading any data
    frame, target, features, X, y, m, positive = _prepare(args)
    windows = [m, default_window(m)] if m else [default_window(None), 2 * default_window(None)]
    model = build_model(args, m, positive)
    param_grid = _expand_grid(model, grid, windows)
    longest = max([*param_grid.get(_RECIPE_KEYS["window"], []), _window_of(args, m)])
    if is_panel(X):
        cv = panel_splitter(X, args.horizon, m, args.cv_splits)
    else:
        cv = _default_folds(len(X), args.horizon, m, args.cv_splits)
        if cv is None:
            raise CLIError(f"{len(X)} usable rows are too few for 2 time-ordered folds of 2 steps after 10 training "
                           f"steps and a gap of {args.horizon - 1} (needs at least {13 + args.horizon}); use a longer "
                           "series or a smaller --horizon.")
    n_rows, where = _longest(X)
    _check_length(n_rows - cv.n_splits * cv.test_size, longest, args.diff,
                  where=where and " before the first test fold in the longest series")
    positive_target = _positive(y)
    scoring = mape_scorer if positive_target else "neg_mean_absolute_error"
    metric = "MAPE" if positive_target else "MAE"
    n_candidates = len(ParameterGrid(param_grid))
    _say(f"GridSearchCV: {n_candidates} candidate(s) x {cv.n_splits} time-ordered folds ({cv!r}), scored by {metric}")
    if args.verbose >= 1:
        scoring = _ProgressScorer(check_scoring(model, scoring), n_candidates * cv.n_splits)
    # --verbose 2: GridSearchCV(verbose=3), its line per fit on stdout (fold number, parameters, score, time)
    search = GridSearchCV(model, param_grid, cv=cv, scoring=scoring, error_score=float("nan"),
                          verbose=3 if args.verbose >= 2 else 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        search.fit(X, y)
    if args.verbose >= 1:
        _say(f"[{time.perf_counter() - scoring.started:7.1f}s] search done; refitted the best candidate on every row")
    results = pd.DataFrame(search.cv_results_)
    shown = results[["rank_test_score", "mean_test_score", "std_test_score", "params"]].sort_values("rank_test_score")
    shown = shown.assign(**{metric: -shown["mean_test_score"]})
    short = {k: k.rsplit("__", 1)[-1] for k in param_grid}
    for _, row in shown.iterrows():
        params = ", ".join(f"{short[k]}={v}" for k, v in row["params"].items())
        print(f"rank {int(row['rank_test_score'])}: {metric} {row[metric]:.4g}  {params}")
    best = {short[k]: v for k, v in search.best_params_.items()}
    print(f"best: {best}")
    if args.output:
        os.makedirs(args.output, exist_ok=True)
        path = os.path.join(args.output, "cv_results.csv")
        results.drop(columns=["params"]).to_csv(path, index=False)
        _say(f"wrote {path}")
    save_model(args.model, search.best_estimator_, {**_meta(args, target, features, m), "best_params": best})
    return 0


class _ProgressScorer:
    """A scorer that reports each finished fit on stderr: elapsed time, fits done and to go.

    GridSearchCV scores every fit exactly once on its test fold, right after
    fitting it (in this process: the CLI searches with ``n_jobs=None``), so
    counting the calls counts the fits (a fit that fails is not scored, so
    the count then stops short of the total). The score itself is the
    wrapped scorer's.
    """

    def __init__(self, scorer, n_fits: int):
        self.scorer, self.n_fits, self.done = scorer, n_fits, 0
        self.started = time.perf_counter()

    def __call__(self, estimator, X, y, **kwargs):
        score = self.scorer(estimator, X, y, **kwargs)
        self.done += 1
        print(f"skl-lstm: [{time.perf_counter() - self.started:7.1f}s] fit {self.done}/{self.n_fits} done, "
              f"{self.n_fits - self.done} to go", file=sys.stderr, flush=True)
        return score


def panel_splitter(X, horizon: int, seasonal_period, n_splits: int):
    """Time-ordered folds for the panel ``X``: :class:`~skl_lstm.model_selection.PanelTimeSeriesSplit`.

    The folds are sized as :func:`skl_lstm.utils.default_splitter` sizes them
    for one series (a sixth of the steps each, at least a season, fewer folds
    when the series are short), with ``gap=horizon`` as the splitter's
    docstring asks for targets ``horizon`` steps ahead. When every series ends
    at the same time the folds are cut at the same times for all of them
    (``align="time"``); otherwise each series is cut by its own end
    (``align="end"``, M4's hold-out) and the shortest series sets the sizes.

    Parameters
    ----------
    X : pandas.DataFrame
        The training rows, indexed by (series, time).
    horizon : int
        Steps between ``X`` and its furthest target.
    seasonal_period : int or None
        Season length.
    n_splits : int
        Folds wanted (``--cv-splits``).

    Returns
    -------
    PanelTimeSeriesSplit

    Raises
    ------
    CLIError
        When the series are too short for two folds, naming the shortest one.
    """
    import numpy as np
    import pandas as pd

    from ..model_selection import PanelTimeSeriesSplit

    series = np.asarray(X.index.get_level_values(0))
    times = X.index.get_level_values(1)
    ends = pd.Series(times).groupby(series).max()
    lengths = pd.Series(series).value_counts()
    if ends.nunique() == 1:
        align, n_steps, what = "time", int(times.nunique()), f"the series span {times.nunique()} time steps"
    else:
        align, n_steps = "end", int(lengths.min())
        shortest = lengths.index.tolist()[int(np.argmin(lengths.to_numpy()))]  # a plain label, not np.int64
        what = f"series {shortest!r}, the shortest, has {n_steps} rows"
    base = _default_folds(n_steps - 1, horizon, seasonal_period, n_splits)  # gap = horizon: one step more
    if base is None:
        needed = 14 + horizon  # default_splitter keeps 10 training steps before 2 test folds of 2 and the gap
        fix = "use a smaller --horizon or longer series" if align == "time" else (
            f"drop the series shorter than {needed} rows from the CSV, or use a smaller --horizon")
        raise CLIError(f"{what} with a target, too few for 2 time-ordered folds of 2 steps after 10 training steps "
                       f"and a gap of --horizon {horizon} steps (needs at least {needed}); {fix}.")
    return PanelTimeSeriesSplit(n_splits=base.n_splits, test_size=base.test_size, gap=horizon, align=align)


def _default_folds(n_steps: int, horizon: int, seasonal_period, n_splits: int):
    """:func:`skl_lstm.utils.default_splitter`, or None when ``n_steps`` are too few for two folds."""
    from ..utils import default_splitter

    try:
        return default_splitter(max(n_steps, 1), horizon, seasonal_period, n_splits)
    except ValueError:  # it shrank the folds to one, which TimeSeriesSplit refuses
        return None
