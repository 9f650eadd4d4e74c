"""Smoke runs of the benchmark scripts, so they keep working as the library changes.

The figures themselves are not asserted here (they are the benchmarks' job,
on a quiet machine); these runs check that each script runs end to end and
writes its outputs.
"""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pytestmark = pytest.mark.slow


def _run(script, *args):
    env = {**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [sys.executable, os.path.join(ROOT, "benchmarks", script), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_accuracy_benchmark_quick_run(tmp_path):
    # one run (one TensorFlow start-up) for both protocol branches
    out = _run(
        "accuracy.py", "--quick", "--seeds", "1", "--series", "unemployment", "sunspots", "--no-darts",
        "--output", str(tmp_path),
    )
    assert "| LSTM tuned |" in out
    series = json.loads((tmp_path / "accuracy.json").read_text())["series"]
    tuned = series["unemployment"]["methods"]["LSTM tuned"]
    # The search chose whether to keep the extra input columns, refitting on MAPE.
    assert tuned["params"]["inputs"] in {"all columns", "target only"}
    assert "cv_mape" in tuned
    assert len(tuned["best_epochs"]) == 1 and tuned["best_epochs"][0] >= 0
    # Sunspots touch zero, where MAPE is undefined: the search refits on MAE.
    sunspots = series["sunspots"]["methods"]["LSTM tuned"]
    assert "cv_mae" in sunspots and "cv_mape" not in sunspots
    assert (tmp_path / "accuracy.md").exists() and (tmp_path / "accuracy.png").exists()


def test_perf_benchmark_window_case_writes_its_table(tmp_path):
    path = tmp_path / "performance.md"
    out = _run("perf.py", "--cases", "window", "--repeats", "1", "--output", str(path))
    assert "window" in out
    text = path.read_text()
    assert "<!-- perf-table:start -->" in text and "| window" in text
    assert "`benchmarks/perf.py --cases window --repeats 1" in text  # the header names the subset it ran
