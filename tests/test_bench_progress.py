"""The benchmarks' progress lines (benchmarks/_progress.py): elapsed time, steps done and to go."""

import pytest

from benchmarks._progress import Progress


def test_progress_prints_elapsed_done_and_to_go(capsys):
    ticks = iter([100.0, 103.25, 110.0])
    progress = Progress(2, clock=lambda: next(ticks))
    assert progress.done("naive") == "[    3.2s] 1/2 done, 1 to go: naive"
    progress.done("LSTM")
    assert capsys.readouterr().out == "[    3.2s] 1/2 done, 1 to go: naive\n[   10.0s] 2/2 done, 0 to go: LSTM\n"


def test_progress_counts_from_a_shared_start(capsys):
    progress = Progress(1, started=5.0, clock=lambda: 7.5)
    progress.done("series nile")
    assert capsys.readouterr().out == "[    2.5s] 1/1 done, 0 to go: series nile\n"


def test_progress_total_must_not_be_negative():
    with pytest.raises(ValueError, match=r"total=-1 must be the non-negative number of steps the loop will run"):
        Progress(-1)
