"""The diagnose fault suite over real series (benchmarks/diagnose_suite.py): its split, strengths and scoring.

The suite itself is a benchmark (``make bench-diagnose``); the fast tests
check its construction and run a representative slice of real-series cases
from the tune part (never the report part, which is measured once).
"""

import numpy as np
import pytest

pytest.importorskip("statsmodels")


@pytest.fixture(scope="module")
def suite(benchmark_module):
    return benchmark_module("diagnose_suite")


def test_parts_are_split_by_base_series(suite):
    tune = {name for name, _, _ in suite.base_series("tune")}
    report = {name for name, _, _ in suite.base_series("report")}
    assert len(tune) >= 12 and len(report) >= 12
    assert not tune & report
    from benchmarks.generalise import part_of  # importable once the suite module put the root on sys.path

    assert {part_of(n) for n in tune} == {"dev"} and {part_of(n) for n in report} == {"heldout"}
    for part in ("tune", "report"):
        ids = [c["id"] for c in suite.cases(part)]
        assert len(ids) == len(set(ids))
        bases = [c["base"] for c in suite.cases(part) if c["fault"] == "healthy"]
        assert sorted(bases) == sorted(n for n, _, _ in suite.base_series(part))  # the recipe on every base


def test_report_strengths_lie_outside_the_tuned_ones(suite):
    tune, report = suite.STRENGTHS["tune"], suite.STRENGTHS["report"]
    assert tune.keys() == report.keys()
    for fault in tune:
        seen = [tuple(sorted(s.items())) for s in tune[fault]]
        assert not set(seen) & {tuple(sorted(s.items())) for s in report[fault]}, fault

    def values(part, fault, key):
        return [s[key] for s in part[fault]]

    # epochs and learning rates interleave with the tuned values (none equal); sizes lie beyond the tuned range
    for fault, key in (("outliers under MSE", "size"), ("raw trend", "rise")):
        lo, hi = min(values(tune, fault, key)), max(values(tune, fault, key))
        assert all(not lo <= v <= hi for v in values(report, fault, key)), fault
    weights = {tuple(s["units"]) for s in tune["too big, no regularisation"]}
    assert not weights & {tuple(s["units"]) for s in report["too big, no regularisation"]}
    epochs = [s["epochs"] for s in report["far too few epochs"]]
    assert 1 <= min(epochs) and max(epochs) <= 5
    assert max(s["learning_rate"] for s in report["learning rate far too high"]) == 100


def test_planted_data_faults(suite):
    import fault_cases

    rng = np.random.default_rng(0)
    values = 100 + np.cumsum(rng.normal(0, 1, 300))
    spiked = fault_cases.plant_outliers(values, 8.0)
    changed = np.flatnonzero(spiked != values)
    assert len(changed) == 8 and changed.min() >= 30 and changed.max() < 270
    sigma = 1.4826 * np.median(np.abs(np.diff(values) - np.median(np.diff(values))))
    assert np.allclose(np.abs(spiked - values)[changed], 8 * sigma)
    trend = fault_cases.add_trend(values, 6.0) - values
    assert trend[0] == 0 and np.all(np.diff(trend) > 0)
    assert np.std(np.diff(fault_cases.rescale(values, 500.0))) == pytest.approx(500.0)


def test_scoring_counts_a_hit_only_for_the_planted_cause_at_medium_or_above(suite):
    def record(expected, findings):
        top = findings[0] if findings else (None, None)
        return {"expected": expected, "fault": expected or "healthy", "top": top[0], "top_severity": top[1],
                "findings": [[c, s, 0.5, []] for c, s in findings], "seconds": 1.0}

    records = [record("underfitting", [("underfitting", "high")]),
               record("underfitting", [("underfitting", "low")]),
               record("outliers", [("worse_than_naive", "high"), ("outliers", "high")]),
               record(None, [("outliers", "medium")]),
               record(None, [("bias", "low"), ("worse_than_naive", "high")])]
    fig = suite.figures(records)
    assert fig["top_finding_accuracy"] == pytest.approx(1 / 3)
    assert fig["healthy_clean_share"] == pytest.approx(1 / 2)
    table = suite.table(records)
    assert table.loc["underfitting", "underfitting"] == 1 and table.loc["underfitting", "none"] == 1


SLICE = ("healthy", "learning rate far too high | learning_rate=10.0", "far too few epochs | epochs=1",
         "window shorter than season", "shuffled rows", "raw trend")


@pytest.mark.parametrize("fault", SLICE)
def test_real_series_slice(suite, fault, tmp_path):
    """Airline (tune part) with one planted fault: the top finding names it; healthy: no high finding."""
    values = {name: v for name, v, _ in suite.base_series("tune")}["skl_lstm/airline"]
    case = next(c for c in suite.cases("tune") if c["base"] == "skl_lstm/airline" and fault in c["id"])
    record = suite.run_case(case, values, "")
    if case["expected"] is None:
        assert suite.healthy_clean(record), record["findings"]
    else:
        assert suite.hit(record), record["findings"]
