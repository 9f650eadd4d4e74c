"""Time-ordered cross-validation folds for panels (many series indexed by (series, time))."""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.model_selection import BaseCrossValidator

from ..utils._panel_input import check_panel, rows_from_end

__all__ = ["PanelTimeSeriesSplit"]

_ALIGNS = ("time", "end")


def _check_int(value, name: str, *, low: int, allow_none: bool, meaning: str) -> None:
    ok_none = allow_none and value is None
    if not ok_none and (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low):
        allowed = f"an int >= {low}" + (" or None" if allow_none else "")
        raise ValueError(f"PanelTimeSeriesSplit: {name}={value!r} must be {allowed} ({meaning}).")


class PanelTimeSeriesSplit(BaseCrossValidator):
    """Time-ordered train/test folds over every series of a panel at once.

    ``X`` is a panel: a pandas DataFrame indexed by a two-level MultiIndex
    (series, time), as :func:`~skl_lstm.datasets.make_supervised` returns it for
    many series. Like :class:`~sklearn.model_selection.TimeSeriesSplit`, each
    fold trains on the past and tests on the ``test_size`` steps after it,
    with ``gap`` steps left out between them; here the steps are read from the
    time level of the index, for every series at once. The folds are integer
    positions into the rows of ``X`` as given (in any order), so
    :class:`~sklearn.model_selection.GridSearchCV` and
    :func:`~sklearn.model_selection.cross_val_score` accept the splitter as
    ``cv=``.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds (at least 2). The last fold tests on the latest steps.
    test_size : int or None, default=None
        Steps per test fold. None: with ``align="time"``, the number of
        distinct times divided by ``n_splits + 1``; with ``align="end"``, the
        shortest series' length divided by ``n_splits + 1``.
    gap : int, default=0
        Steps left out between the end of each training part and its test
        part. For targets ``horizon`` steps ahead (``make_supervised(...,
        horizon=H)``), pass ``gap=H`` so that no training target falls inside
        the test fold. The windows of a test fold still read each series'
        history from before the gap (the recipe's steps carry the fitted rows
        over, with the steps of the gap missing), so a gap costs no history.
    max_train_size : int or None, default=None
        Keep at most this many steps of each training part (the latest ones);
        None keeps the whole past.
    align : {"time", "end"}, default="time"
        ``"time"``: folds are cut at the same times for every series (the
        panel's distinct times, sorted, are the steps); a series that ends
        early simply has no rows in the later test folds. ``"end"``: each
        series is cut by its own end (the steps count back from each series'
        last row), as M4 holds out the last ``h`` points of every series; for
        ragged panels whose series end at different times.

    See Also
    --------
    sklearn.model_selection.TimeSeriesSplit : the same folds for one series.

    Notes
    -----
    In every fold and for every series, each test row comes at least
    ``gap + 1`` steps after every training row of the same series.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skl_lstm.model_selection import PanelTimeSeriesSplit
    >>> index = pd.MultiIndex.from_product([["a", "b"], range(6)], names=["series", "time"])
    >>> X = pd.DataFrame({"y": np.arange(12.0)}, index=index)
    >>> for train, test in PanelTimeSeriesSplit(n_splits=2, test_size=2, gap=1).split(X):
    ...     print(train, test)
    [0 6] [2 3 8 9]
    [0 1 2 6 7 8] [ 4  5 10 11]
    >>> ragged = X.drop(index=[("b", 4), ("b", 5)])  # b ends two steps earlier
    >>> for train, test in PanelTimeSeriesSplit(n_splits=2, test_size=1, align="end").split(ragged):
    ...     print(train, test)
    [0 1 2 3 6 7] [4 8]
    [0 1 2 3 4 6 7 8] [5 9]
    """

    def __init__(self, n_splits=5, *, test_size=None, gap=0, max_train_size=None, align="time"):
        _check_int(n_splits, "n_splits", low=2, allow_none=False, meaning="the number of folds")
        _check_int(test_size, "test_size", low=1, allow_none=True, meaning="steps per test fold; None splits evenly")
        _check_int(gap, "gap", low=0, allow_none=False, meaning="steps left out between training and test parts")
        _check_int(
            max_train_size,
            "max_train_size",
            low=1,
            allow_none=True,
            meaning="steps kept per training part; None keeps all",
        )
        if align not in _ALIGNS:
            raise ValueError(
                f"PanelTimeSeriesSplit: align={align!r} is not one of {_ALIGNS}: 'time' cuts every series at "
                "the same times, 'end' cuts each series by its own last points (M4's hold-out)."
            )
        self.n_splits = n_splits
        self.test_size = test_size
        self.gap = gap
        self.max_train_size = max_train_size
        self.align = align

    def get_n_splits(self, X=None, y=None, groups=None):
        """Return the number of folds, ``n_splits``.

        Parameters
        ----------
        X, y, groups : object
            Ignored; present for scikit-learn's API.

        Returns
        -------
        int
        """
        return self.n_splits

    def split(self, X, y=None, groups=None):
        """Yield the positions of each fold's training and test rows.

        Parameters
        ----------
        X : pandas.DataFrame or pandas.Series
            The panel, indexed by a two-level MultiIndex (series, time), rows
            in any order.
        y, groups : object
            Ignored; present for scikit-learn's API.

        Yields
        ------
        train : ndarray of int
            Positions of the training rows, ascending.
        test : ndarray of int
            Positions of the test rows, ascending.
        """
        panel = check_panel(X, caller="PanelTimeSeriesSplit", param="X")
        if self.align == "time":
            step, times = pd.factorize(X.index.get_level_values(1), sort=True)  # rank among the panel's times
            n_steps = len(times)
            shortest, short_series = n_steps, None
        else:
            lengths = np.diff(panel.bounds)
            n_steps = int(lengths.max())
            step = n_steps - 1 - rows_from_end(panel)  # every series' last row is step n_steps - 1
            shortest_pos = int(np.argmin(lengths))
            shortest, short_series = int(lengths[shortest_pos]), panel.series[shortest_pos]
        test_size = self.test_size if self.test_size is not None else shortest // (self.n_splits + 1)
        needed = self.n_splits * test_size + self.gap + 1
        if test_size < 1 or shortest < needed:
            what = (
                f"X spans {shortest} distinct times"
                if short_series is None
                else f"series {short_series!r} has {shortest} rows"
            )
            fix = (
                "use fewer splits, a smaller test_size or gap"
                if short_series is None
                else f"use fewer splits, a smaller test_size or gap, or drop the short series "
                f"(X.groupby(level=0).filter(lambda s: len(s) >= {max(needed, self.n_splits + 1)}))"
            )
            raise ValueError(
                f"PanelTimeSeriesSplit: {what}, too few for n_splits={self.n_splits} test folds of "
                f"test_size={test_size} after gap={self.gap} (needs at least {max(needed, self.n_splits + 1)}); {fix}."
            )
        for fold in range(self.n_splits):
            test_start = n_steps - (self.n_splits - fold) * test_size
            train_end = test_start - self.gap
            train = step < train_end
            if self.max_train_size is not None:
                train &= step >= train_end - self.max_train_size
            test = (step >= test_start) & (step < test_start + test_size)
            yield np.flatnonzero(train), np.flatnonzero(test)

    def _iter_test_indices(self, X=None, y=None, groups=None):
        # BaseCrossValidator's abstract hook; ``split`` yields both parts itself
        for _, test in self.split(X, y, groups):
            yield test
