"""The generalisation benchmark's split, horizon rule and scoring (benchmarks/generalise.py).

Fast: no network is trained here (the LSTM rows are the benchmark's job).
"""

import numpy as np
import pytest


@pytest.fixture(scope="module")
def bench(benchmark_module):
    return benchmark_module("generalise")


def test_split_is_stable_and_depends_on_the_name_only(bench):
    # pinned: a change here moves series between the tuning and the reporting part
    assert [bench.part_of(n) for n in ("m4/W1", "m4/W2", "m4/W3", "m4/W359", "statsmodels/nile")] == [
        "dev", "heldout", "heldout", "dev", "heldout"
    ]
    assert bench.part_of("m4/W2") == bench.part_of("m4/W2")


def test_split_of_the_collection_is_disjoint_and_about_half(bench):
    names = [s.name for s in bench.collection()]
    assert len(names) == len(set(names)) == 386
    parts = {p: {n for n in names if bench.part_of(n) == p} for p in bench.PARTS}
    assert not parts["dev"] & parts["heldout"]
    assert parts["dev"] | parts["heldout"] == set(names)
    assert (len(parts["dev"]), len(parts["heldout"])) == (204, 182)


def test_horizon_rule(bench):
    assert bench.horizon_for(1000) == (13, None)
    assert bench.horizon_for(55) == (11, None)  # shorter than 65 points: n // 5
    h, reason = bench.horizon_for(25)
    assert h == 5 and "fewer than 20" in reason


def test_naive_forecasts_read_the_true_history(bench):
    values = np.arange(20.0) ** 2
    f = bench.naive(values, 15, 3, None)
    np.testing.assert_array_equal(f.multi, [196.0] * 3)
    np.testing.assert_array_equal(f.one, values[14:17])
    s = bench.seasonal_naive(values, 15, 6, 4)
    np.testing.assert_array_equal(s.multi, values[[11, 12, 13, 14, 11, 12]])
    np.testing.assert_array_equal(s.one, values[11:17])


def test_ets_and_ridge_continue_a_linear_trend(bench):
    values = 10.0 + 0.5 * np.arange(80.0)
    truth = values[70:]
    for f in (bench.ets(values, 70, 10, None), bench.ridge(values, 70, 10, None)):
        np.testing.assert_allclose(f.multi, truth, rtol=1e-3)
        np.testing.assert_allclose(f.one, truth, rtol=1e-3)


def test_ets_one_step_uses_the_fitted_parameters(bench):
    rng = np.random.default_rng(0)
    values = 100 + np.cumsum(rng.normal(size=120))
    f = bench.ets(values, 100, 13, None)
    assert f.info["spec"].startswith("ETS(") and f.info["candidates"] == 6
    # one step ahead from the first test origin is the H-step forecast's first step
    np.testing.assert_allclose(f.one[0], f.multi[0])


def _record(name, model, naive, ets_val, naive_val, season=None):
    test = {"naive": {"one": naive, "multi": naive}, "ets": {"one": 1.0, "multi": 1.0},
            "ridge": {"one": 2.0, "multi": 2.0}, "theta": {"one": 1.0, "multi": 1.0},
            "default": {"one": model, "multi": model}}
    validation = {"naive": {"one": naive_val, "multi": naive_val}, "ets": {"one": ets_val, "multi": ets_val},
                  "ridge": {"one": 9.0, "multi": 9.0}}
    if season:
        test["snaive"] = {"one": 5.0, "multi": 5.0}
        validation["snaive"] = {"one": 5.0, "multi": 5.0}
    return {"name": name, "season": season, "test": test, "validation": validation,
            "info": {"default": {"network_used": model < 1.0}}}


def test_summary_on_synthetic_records(bench):
    records = [
        _record("m4/a", 0.5, 1.0, 0.5, 1.0, season=52),  # structure; beats both naive forecasts
        _record("b", 2.0, 1.0, 1.0, 1.0),  # no structure; 2x naive
        {"name": "c", "skipped": "too short"},
    ]
    s = bench.summarise(records, "default", "one")
    assert s["n_series"] == 2 and s["n_m4"] == 1
    # ETS is chosen on validation for both (1.0 and 0.5 < 9.0): ratios 0.5 and 2.0
    np.testing.assert_allclose(s["ratio_to_best_ridge_ets"]["gmean"], 1.0)
    assert s["ratio_to_best_naive"]["worse_by_10pct"] == ["b"]
    assert s["clear_structure"]["n"] == 1 and s["clear_structure"]["share_beating_both_naive"] == 1.0
    assert s["wins"]["snaive"]["n"] == 1 and s["wins"]["naive"]["wins"] == 0.5
    assert s["network_used"] == 0.5
    status = [ok for _, ok, _ in bench.goals(s)]
    assert status == [True, False, True, False]  # theta: gmean 1.0 vs model 1.0 is not below
