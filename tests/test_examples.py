"""Run each gallery example as a script and check its figure and key output."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# script, figure it writes, a line (prefix) it prints
CASES = [
    ("plot_overfitting.py", "overfitting_curves.png", "held-out MAPE, regularised network:"),
    ("plot_huber_vs_mse.py", "huber_vs_mse.png", "held-out MAPE, loss='huber':"),
    ("plot_leakage.py", "leakage.png", "skl_lstm pipeline, last 20 %"),
    ("plot_diagnose.py", "diagnose_before_after.png", "out-of-fold MAPE: tutorial recipe"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("script", "figure", "expected"), CASES, ids=[c[0] for c in CASES])
def test_example_runs(script, figure, expected, tmp_path):
    env = {**os.environ, "SKL_LSTM_EXAMPLE_OUTPUT": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{script} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    assert (tmp_path / figure).is_file(), f"{script} did not write {figure}; files: {sorted(os.listdir(tmp_path))}"
    assert any(line.startswith(expected) for line in result.stdout.splitlines()), (
        f"{script} did not print a line starting with {expected!r}:\n{result.stdout}"
    )
