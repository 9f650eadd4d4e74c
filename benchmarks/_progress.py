"""Progress lines for the benchmarks: elapsed time, steps done and to go.

The benchmarks run for minutes to hours; each prints one line per finished
step (a series, a method) in this form, so a person can see how far a run
has got and roughly how long the rest will take:

>>> progress = Progress(3, started=0.0, clock=lambda: 12.34)
>>> line = progress.done("airline: MASE 0.43")
[   12.3s] 1/3 done, 2 to go: airline: MASE 0.43
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Progress:
    """Count finished steps of a loop of known length and print one line per step.

    Parameters
    ----------
    total : int
        Steps the loop will run.
    started : float or None, default=None
        ``clock()`` value the elapsed time counts from (default: now), so a
        benchmark's lines can share one start.
    clock : callable, default=time.perf_counter
        The clock, in seconds.
    """

    def __init__(self, total: int, *, started: float | None = None, clock: Callable[[], float] = time.perf_counter):
        if total < 0:
            raise ValueError(f"total={total!r} must be the non-negative number of steps the loop will run.")
        self.total, self.n_done, self.clock = int(total), 0, clock
        self.started = clock() if started is None else started

    def done(self, what: str) -> str:
        """Count one finished step, print its line and return it."""
        self.n_done += 1
        line = (f"[{self.clock() - self.started:7.1f}s] {self.n_done}/{self.total} done, "
                f"{self.total - self.n_done} to go: {what}")
        print(line, flush=True)
        return line
