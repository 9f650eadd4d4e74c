"""Windows cut inside the network step: every row stored once, windows gathered per batch.

With ``LSTMRegressor(lookback=W)`` the network reads rows of observed values
(one per time step, one series or a panel) and each sample is the ``W`` rows
ending at its own row, within its own series. :class:`RowWindows` holds the
rows once, in (series, time) order, plus for each sample the row it ends at
and the first row of its series; the training loop gathers each batch's
windows in the compiled step (:func:`gather_time_major` for the fused
kernel, :func:`gather_batch_major` for the Keras one), so memory grows with
the rows, not with ``rows x window``. Anything that needs whole windows
(the linear start, prediction) materialises them a bounded chunk at a time
(:meth:`RowWindows.dense`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Rows of windows materialised at once (prediction, the linear start's residuals).
CHUNK = 8192


@dataclass(frozen=True)
class RowWindows:
    """Samples that are windows of stored rows.

    Attributes
    ----------
    rows : ndarray of shape (n_rows, n_features), float32
        The observed rows, series after series, each oldest first; no NaN.
    ends : ndarray of shape (n_samples,), int32
        For each sample, the row its window ends at.
    firsts : ndarray of shape (n_samples,), int32
        For each sample, the first row of its series (nothing before it is history).
    window : int
        Steps per window.
    """

    rows: np.ndarray
    ends: np.ndarray
    firsts: np.ndarray
    window: int

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(n_samples, window, n_features)``, as the windows would have."""
        return (len(self.ends), self.window, self.rows.shape[1])

    @property
    def ndim(self) -> int:
        return 3

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, key) -> RowWindows:
        """The samples ``key`` selects (a slice, mask or positions; a trailing ``...`` is allowed)."""
        if isinstance(key, tuple):
            key = key[0]
        return RowWindows(self.rows, self.ends[key], self.firsts[key], self.window)

    def lengths(self) -> np.ndarray:
        """Observed steps of each window: the window, or fewer near its series' start."""
        return np.clip(self.ends - self.firsts + 1, 0, self.window).astype(np.int32)

    def has_warm_up(self) -> bool:
        """Whether some window starts before its series (and so has missing leading steps)."""
        return bool((self.lengths() < self.window).any())

    def dense(self, select=slice(None)) -> np.ndarray:
        """The windows of the samples ``select`` as an array ``(k, window, n_features)``, NaN before a series' start."""
        ends, firsts = self.ends[select], self.firsts[select]
        steps = ends[:, None] - self.window + 1 + np.arange(self.window)[None, :]
        out = self.rows[np.maximum(steps, firsts[:, None])]
        out[steps < firsts[:, None]] = np.nan
        return out

    def chunks(self, size: int = CHUNK):
        """``(slice, dense windows)`` for consecutive chunks of at most ``size`` samples."""
        for start in range(0, len(self), size):
            select = slice(start, min(start + size, len(self)))
            yield select, self.dense(select)


def windows_of(
    rows: np.ndarray, series_bounds: np.ndarray, sample_rows: np.ndarray, window: int, first_rows=None
) -> RowWindows:
    """:class:`RowWindows` over ``rows`` (series laid end to end at ``series_bounds``) for the samples
    ending at ``sample_rows``.

    ``first_rows`` (one per series, default its first row) is where each
    series' history starts: rows before it are not read (their samples are
    empty, with no observed step).

    Examples
    --------
    >>> rows = np.arange(5.0)[:, None]  # two series: rows 0-2 and 3-4
    >>> w = windows_of(rows, np.array([0, 3, 5]), np.array([2, 3, 4]), window=2)
    >>> w.dense()[:, :, 0].tolist()
    [[1.0, 2.0], [nan, 3.0], [3.0, 4.0]]
    """
    series = np.searchsorted(series_bounds, sample_rows, side="right") - 1
    firsts = np.asarray(series_bounds[:-1] if first_rows is None else first_rows)[series]
    return RowWindows(
        np.ascontiguousarray(rows, dtype=np.float32),
        np.asarray(sample_rows, dtype=np.int32),
        np.asarray(firsts, dtype=np.int32),
        int(window),
    )


def leading_missing(rows: np.ndarray, series_bounds: np.ndarray):
    """Where each series' history starts once its leading rows with NaN are skipped.

    Differencing leaves the first rows of every series undefined (NaN); they
    are missing history, as in :class:`~skl_lstm.WindowTransformer`'s
    warm-up rows, not gaps. Returns ``(first_rows, rows)``: per series its
    first row after the leading NaN rows, and the rows with those leading
    rows zeroed (never read). ``None`` when some NaN comes after an observed
    row of its series (a gap, which only whole windows can mask).

    Examples
    --------
    >>> rows = np.array([[np.nan], [1.0], [2.0], [np.nan], [np.nan], [5.0]])
    >>> firsts, clean = leading_missing(rows, np.array([0, 3, 6]))
    >>> firsts.tolist(), clean[:, 0].tolist()
    ([1, 5], [0.0, 1.0, 2.0, 0.0, 0.0, 5.0])
    >>> leading_missing(np.array([[1.0], [np.nan]]), np.array([0, 2])) is None
    True
    """
    missing = np.isnan(rows).any(axis=1)
    observed_so_far = np.cumsum(~missing)
    starts = series_bounds[:-1]
    before = np.repeat(observed_so_far[starts] - (~missing[starts]), np.diff(series_bounds))
    leading = missing & (observed_so_far - before == 0)
    if (missing & ~leading).any():
        return None
    first_rows = starts + np.add.reduceat(leading, starts) if len(starts) else starts
    first_rows = np.where(np.diff(series_bounds) > 0, first_rows, starts)
    clean = rows.copy()
    clean[leading] = 0.0
    return first_rows, clean


def gather_time_major(rows, ends, firsts, window):
    """A batch's windows as the fused kernel reads them: ``(time-major compacted windows, lengths)``.

    The observed steps of each window come first, in order, zeros after,
    exactly as :func:`~._kernels.compact_missing` lays out materialised windows.
    """
    import tensorflow as tf

    start = tf.maximum(firsts, ends - window + 1)
    lengths = ends - start + 1
    steps = tf.range(window)[:, None]
    valid = steps < lengths[None, :]
    x = tf.gather(rows, tf.where(valid, start[None, :] + steps, ends[None, :]))
    return tf.where(valid[..., None], x, tf.zeros_like(x)), lengths


def gather_batch_major(rows, ends, firsts, window):
    """A batch's windows as the Keras layers read them: ``(batch, window, features)``, NaN before a series' start."""
    import tensorflow as tf

    steps = ends[:, None] - window + 1 + tf.range(window)[None, :]
    x = tf.gather(rows, tf.maximum(steps, firsts[:, None]))
    return tf.where((steps >= firsts[:, None])[..., None], x, tf.fill(tf.shape(x), float("nan")))
