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
    progress = [line.split("] ", 1)[1] for line in out.splitlines() if " done, " in line]
    assert progress == ["1/2 done, 1 to go: series unemployment", "2/2 done, 0 to go: series sunspots"]
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


def test_intervals_benchmark_accuracy_case_answers_short_tails_with_student_t(tmp_path):
    # nile's validation tail holds 12 residuals, fewer than split conformal's 19 for 95 %: the recipe answers
    # with its Student-t stand-in (FewCalibrationResidualsWarning) instead of refusing, so nothing is refused
    path = tmp_path / "intervals.json"
    out = _run(
        "intervals.py", "--data", "accuracy", "--series", "nile", "white_noise", "--seeds", "0", "--quick",
        "--json", str(path),
    )
    assert "| pooled coverage of the 95 % interval within 3 points of nominal |" in out
    assert "| predict_interval answers for 80 % and 95 % on every series, untuned | PASS | all 2 series |" in out
    series = json.loads(path.read_text())["series"]
    nile, noise = series["nile"]["runs"][0], series["white_noise"]["runs"][0]
    assert nile["n_calibration"] < 19 and nile["refused"] == {} and "msis" in nile["scores"]["0.95"]
    assert set(noise["scores"]) == {"0.8", "0.95"} and "msis" in noise["scores"]["0.95"]
    assert "msis" in series["white_noise"]["sarima"]["0.95"]


def test_intervals_benchmark_takes_a_collection_of_tuples():
    sys.path.insert(0, ROOT)
    import pandas as pd

    from benchmarks.intervals import as_series

    index = pd.date_range("2000-01", periods=48, freq="MS")
    s = as_series(("toy", pd.Series(range(1, 49), index=index, name="v"), 12, {"log": True}))
    assert (s.name, s.target, s.seasonal_period, s.log) == ("toy", "v", 12, True)
    assert s.sarima == {"order": (1, 1, 1), "seasonal_order": (0, 1, 1, 12)}
    with pytest.raises(ValueError, match="unknown flags"):
        as_series(("toy", s.frame, 12, {"logs": True}))


def test_intervals_generalise_collection_is_the_heldout_part():
    sys.path.insert(0, ROOT)
    from benchmarks.generalise import part_of
    from benchmarks.intervals import as_series, generalise_collection

    entries, note, skipped = generalise_collection()
    assert note == "" and all(part_of(name) == "heldout" for name, *_ in entries)
    assert len(entries) + len(skipped) == 182 and skipped[0].startswith("statsmodels/longley")
    weekly = as_series(next(e for e in entries if e[0].startswith("m4/")))
    # the recipe gets the weekly season; SARIMA's seasonal m = 52 is too slow and is left out, stated
    assert (weekly.seasonal_period, weekly.log, weekly.sarima) == (52, False, {"order": (1, 1, 1)})
    # the untuned recipe decides log itself (its default); SARIMA models levels
    assert weekly.recipe_log == "auto"
    quarterly = as_series(next(e for e in entries if e[0].startswith("statsmodels/macrodata/")))
    assert quarterly.sarima == {"order": (1, 1, 1), "seasonal_order": (0, 1, 1, 4)}
    sample, note, _ = generalise_collection(sample=5, seed=3)
    assert note == " (a seeded random sample, --sample 5 --seed 3)"
    assert [e[0] for e in sample] == [e[0] for e in generalise_collection(sample=5, seed=3)[0]]
    assert {e[0] for e in sample} <= {e[0] for e in entries}


def test_intervals_benchmark_generalise_case_reports_the_student_t_series(tmp_path):
    path, markdown = tmp_path / "intervals.json", tmp_path / "intervals.md"
    out = _run(
        "intervals.py", "--data", "generalise", "--sample", "2", "--seed", "1", "--quick", "--json", str(path),
        "--markdown", str(markdown),
    )
    assert "| pooled coverage of the 80 % interval within 3 points of nominal |" in out
    assert "(a seeded random sample, --sample 2 --seed 1)" in out
    assert "| Student-t stand-in: series, pooled (points) |" in markdown.read_text()
    series = json.loads(path.read_text())["series"]
    assert len(series) == 2 and all("msis" in r["sarima"]["0.95"] for r in series.values())



def test_interval_variants_default_reproduces_the_intervals_benchmark():
    # the re-sizing hooks must give the fitted model's own intervals for the default sizing, and other
    # intervals for another: nile's 12 calibration residuals take the conformal quantile at 80 % by default,
    # the Student-t one with +t<40
    sys.path.insert(0, ROOT)
    from benchmarks.accuracy import load_series
    from benchmarks.interval_variants import VARIANTS, score_series, summary
    from benchmarks.intervals import _case_series

    nile = next(s for s in load_series() if s.name == "nile")
    record = score_series(nile)
    _, reference = _case_series(nile, [0], False, "accuracy")
    default, student = record["variants"]["scale=26 (default)"], record["variants"]["scale=26 +t<40"]
    assert default == reference["runs"][0]["scores"]
    assert record["sarima"] == reference["sarima"] and record["calibration"] == 12
    assert student[0.8]["width"] != default[0.8]["width"] and student[0.95] == default[0.95]
    rows = summary([record])
    assert [row["variant"] for row in rows] == list(VARIANTS)
    assert rows[0]["msis_ratio"] == default[0.95]["msis"] / record["sarima"][0.95]["msis"]
