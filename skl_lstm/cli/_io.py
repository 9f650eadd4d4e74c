"""Reading the command line's CSV files (one series, or a long CSV of many series), column checks, messages.

:class:`CLIError` is a mistake in the command line or the data; ``main`` reports
it as one line and exit status 2. ``_say`` writes every other message to stderr.
"""

from __future__ import annotations

import difflib
import os
import sys
import warnings

#: Exit status for a usage or data error (as argparse uses).
EXIT_USAGE = 2
#: Exit status of ``diagnose --fail-on`` when a finding of that severity is present.
EXIT_FINDINGS = 1


class CLIError(Exception):
    """A problem with the command line or the data, reported as one line and exit status 2."""


def _say(message: str) -> None:
    print(f"skl-lstm: {message}", file=sys.stderr)


def _shown(labels, n: int = 10) -> str:
    """Up to ``n`` labels, quoted, then how many more."""
    labels = list(labels)
    return ", ".join(repr(label) for label in labels[:n]) + (f" and {len(labels) - n} more" if len(labels) > n else "")


def _columns_hint(name: str, columns, label: str = "Available columns") -> str:
    columns = [str(c) for c in columns]
    close = difflib.get_close_matches(str(name), columns, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else "."
    return hint + f" {label}: " + ", ".join(repr(c) for c in columns) + "."


def check_column(frame, name: str, option: str, path: str) -> None:
    """Raise CLIError naming the option, the file, a close match and the available columns."""
    if name not in frame.columns:
        raise CLIError(f"{option} column {name!r} is not in {path}" + _columns_hint(name, frame.columns))


def _read_csv(path: str):
    """The CSV at ``path`` as a DataFrame with stripped column names; CLIError for what is not a CSV table."""
    import pandas as pd

    if not os.path.isfile(path):
        raise CLIError(f"cannot read {path!r}: no such file.")
    try:
        frame = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise CLIError(f"cannot parse {path!r} as CSV: the file is empty.") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CLIError(f"cannot parse {path!r} as CSV: {reason}") from None
    if frame.shape[0] == 0:
        raise CLIError(f"{path!r} has a header but no rows.")
    if frame.shape[1] < 1 or all(str(c).startswith("Unnamed") for c in frame.columns):
        raise CLIError(f"cannot parse {path!r} as CSV: no column names in the first line.")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _time_values(frame, time: str):
    """The ``--time`` column as an index: integer time steps as they are, anything else parsed as dates."""
    import pandas as pd

    raw = frame[time]
    if raw.isna().any():
        rows = list(raw.index[raw.isna()][:5])
        raise CLIError(f"--time column {time!r} has {int(raw.isna().sum())} missing value(s) (rows {rows}); "
                       "every row needs a time.")
    if pd.api.types.is_integer_dtype(raw.dtype):
        return pd.Index(raw.to_numpy(), name=time)
    return _parse_dates(raw, time)


def read_table(path: str, time=None, columns=()):
    """Read the CSV at ``path``; with ``time``, parse that column as dates and index the rows by it.

    ``columns`` holds ``(name, option)`` pairs that must be in the file; they are
    checked against the file's header (time column included) before anything
    else, so a misspelt name is reported with every column the file has.

    Parameters
    ----------
    path : str
        The CSV file.
    time : str or None, default=None
        The column of dates or periods (``--time``); None keeps the row numbers.
    columns : iterable of (str, str), default=()
        ``(column, option)`` pairs, e.g. ``("sales", "--target")``, that must exist.

    Returns
    -------
    pandas.DataFrame
        The table, indexed by ``time`` (in time order, with its frequency) when given.

    Raises
    ------
    CLIError
        When a column is missing or ``time`` repeats a label.
    """
    import pandas as pd

    frame = _read_csv(path)
    if time is not None:
        check_column(frame, time, "--time", path)
    for name, option in columns:
        check_column(frame, name, option, path)
    if time is None:
        return frame
    index = _time_values(frame, time)
    frame = frame.drop(columns=[time])
    frame.index = index
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise CLIError(f"--time column {time!r} repeats {dup!s}; each time step needs one row (aggregate the "
                       "duplicates first, or name the column that tells the series apart with --series).")
    if not index.is_monotonic_increasing:
        _say(f"the rows of {path} are not in time order; sorted them by {time!r}.")
        frame = frame.sort_index(kind="stable")
    if isinstance(frame.index, pd.DatetimeIndex) and frame.index.freq is None:
        from ..utils import index_freq

        freq = index_freq(frame.index)
        if freq:  # record the frequency (the rows stay as given), for the season length and forecast times
            frame.index = pd.DatetimeIndex(frame.index, freq=freq, name=time)
    return frame


def read_panel(path: str, series: str, time, columns=(), *, series_option: str = "--series",
               time_option: str = "--time"):
    """Read a long CSV (one row per series and time step) as a panel indexed by (``series``, ``time``).

    Parameters
    ----------
    path : str
        The CSV file.
    series : str
        Column naming the series of each row; it becomes the index's first level.
    time : str or None
        Column of dates or integer time steps; it becomes the index's second
        level. Required: None raises :class:`CLIError` naming ``--time``.
    columns : iterable of (str, str), default=()
        ``(name, option)`` pairs that must be in the file, checked against its
        header (series and time columns included) before anything else.
    series_option, time_option : str, default="--series", "--time"
        How the series and time columns are named in error messages.

    Returns
    -------
    pandas.DataFrame
        The other columns, indexed by the two-level MultiIndex (series, time),
        rows sorted by series, then time.

    Raises
    ------
    CLIError
        A missing column (with a close match and the file's columns), no time
        column, a row without a series label or a time, or a (series, time)
        pair that appears twice.
    """
    import pandas as pd

    if time is None:
        raise CLIError(f"{series_option} {series!r} needs --time COLUMN: a long CSV holds one row per series and time "
                       "step, so the time of each row must come from a column; name it with --time.")
    frame = _read_csv(path)
    check_column(frame, series, series_option, path)
    check_column(frame, time, time_option, path)
    if series == time:
        raise CLIError(f"{series_option} and --time both name column {series!r}; the series and the time of each row "
                       "must come from two different columns.")
    for name, option in columns:
        check_column(frame, name, option, path)
        for column, role, what in ((series, series_option, "names the series"), (time, time_option, "holds the time")):
            if name == column:
                role = role if role.startswith("the ") else f"the {role}"
                raise CLIError(f"{option} column {name!r} is {role} column, which {what} of each row; pick "
                               f"another column for {option}.")
    labels = frame[series]
    if labels.isna().any():
        rows = [int(r) + 2 for r in labels.index[labels.isna()][:5]]  # line numbers: after the header, from 1
        raise CLIError(f"{series_option} column {series!r} is empty in {int(labels.isna().sum())} row(s) (lines "
                       f"{rows} of {path}); every row needs the name of its series: fill them in or drop those rows.")
    times = _time_values(frame, time)
    index = pd.MultiIndex.from_arrays([labels.to_numpy(), times], names=[series, time])
    frame = frame.drop(columns=[series, time])
    frame.index = index
    repeated = index.duplicated()
    if repeated.any():
        first = index[repeated].tolist()[0]  # plain labels (3, not np.int64(3)) for the message
        when = first[1].date() if isinstance(first[1], pd.Timestamp) and first[1] == first[1].normalize() else first[1]
        n_rows = sum(1 for pair in index if pair == first)
        raise CLIError(f"series {first[0]!r} has {n_rows} rows at {time} {when!s} "
                       f"({int(repeated.sum())} repeated (series, time) row(s) in all); each series needs one row per "
                       f"time step: aggregate or drop the duplicates, or check that {series_option} {series!r} is the "
                       "column that tells the series apart.")
    return frame.sort_index(kind="stable")


def _parse_dates(raw, name: str):
    import pandas as pd

    text = raw.astype(str).str.strip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = pd.to_datetime(text)
        except (ValueError, TypeError, OverflowError):
            parsed = pd.to_datetime(text, errors="coerce", format="mixed")
    bad = parsed.isna()
    if bad.any():
        row = int(bad.to_numpy().nonzero()[0][0])
        raise CLIError(f"--time column {name!r} cannot be parsed as dates: value {text.iloc[row]!r} at row {row + 1} "
                       f"({int(bad.sum())} of {len(text)} values fail); use ISO dates such as 2020-01-31, or leave "
                       "out --time.")
    return pd.DatetimeIndex(parsed, name=name)


def _feature_names(features) -> list[str]:
    """The names given to --features (separate arguments or comma-separated lists)."""
    return [n.strip() for item in features or () for n in item.split(",") if n.strip()]


def select_columns(frame, target: str, features, path: str) -> tuple[str, list[str]]:
    """Check the target and features; default features are every other numeric column.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table read from ``path``.
    target : str
        The column to forecast (``--target``); must be numeric.
    features : list of str or None
        The ``--features`` arguments (each may list several comma-separated
        columns); None selects every other numeric column.
    path : str
        The file, for the messages.

    Returns
    -------
    target : str
    features : list of str
        The input columns beside the target, without duplicates.

    Raises
    ------
    CLIError
        When a column is missing or not numeric.
    """
    import pandas as pd

    check_column(frame, target, "--target", path)
    if not pd.api.types.is_numeric_dtype(frame[target].dtype):
        raise CLIError(f"--target column {target!r} is not numeric (dtype {frame[target].dtype}); pick a column of "
                       "numbers.")
    if features is not None:
        names = _feature_names(features)
        for name in names:
            check_column(frame, name, "--features", path)
            if not pd.api.types.is_numeric_dtype(frame[name].dtype):
                raise CLIError(f"--features column {name!r} is not numeric (dtype {frame[name].dtype}); drop it from "
                               "--features or encode it as numbers.")
        names = [n for n in dict.fromkeys(names) if n != target]
    else:
        names = [c for c in frame.columns if c != target and pd.api.types.is_numeric_dtype(frame[c].dtype)]
        skipped = [c for c in frame.columns if c != target and c not in names]
        if skipped:
            _say(f"ignoring non-numeric column(s) {skipped}; name numeric inputs with --features.")
    return target, names
