"""The M4 Weekly panel benchmark's methods and runner (benchmarks/panel.py)."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import skl_lstm.datasets
from skl_lstm.datasets import load_m4_weekly_sample

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def bench(benchmark_module):
    return benchmark_module("panel")


def _geometric_panel(scales, n=80, growth=1.01):
    index = pd.MultiIndex.from_product([[f"s{i}" for i in range(len(scales))], range(n)], names=["series", "time"])
    values = np.concatenate([scale * growth ** np.arange(n) for scale in scales])
    return pd.DataFrame({"y": values}, index=index)


def test_forecast_panel_continues_each_series_times(bench):
    train = load_m4_weekly_sample()
    forecast = bench.naive2(train, 3)
    assert forecast.groupby(level=0).size().eq(3).all()
    ends = train.reset_index().groupby("series")["time"].max()
    assert forecast.loc["W57"].index.tolist() == [ends["W57"] + 1, ends["W57"] + 2, ends["W57"] + 3]
    np.testing.assert_array_equal(forecast.loc["W57", "y"], np.full(3, train.loc["W57", "y"].iloc[-1]))


def test_naive2_entry_gives_the_random_walk_interval(bench):
    train = load_m4_weekly_sample()
    forecast = bench.naive2(train, 4)
    values = train.loc["W94", "y"].to_numpy()
    half_width = 1.959964 * np.sqrt(np.mean(np.diff(values) ** 2)) * np.sqrt([1, 2, 3, 4])
    np.testing.assert_allclose(forecast.loc["W94", "upper"] - forecast.loc["W94", "y"], half_width)
    np.testing.assert_allclose(forecast.loc["W94", "y"] - forecast.loc["W94", "lower"], half_width)


def test_seasonal_naive_repeats_the_same_week_a_year_earlier(bench):
    train = load_m4_weekly_sample()
    forecast = bench.seasonal_naive(train, 13)
    values = train.loc["W59", "y"].to_numpy()
    np.testing.assert_array_equal(forecast.loc["W59", "y"], values[len(values) - 52 : len(values) - 39])


def test_global_ridge_shares_one_model_across_scales(bench):
    # last-value scaling makes every window of a geometric series identical, whatever its scale:
    # one ridge then continues every series exactly
    train = _geometric_panel([1.0, 1e3, 1e6])
    forecast = bench.global_ridge(train, 5, window=10)
    for i, scale in enumerate([1.0, 1e3, 1e6]):
        np.testing.assert_allclose(forecast.loc[f"s{i}", "y"], scale * 1.01 ** np.arange(80, 85), rtol=1e-9)


def test_global_ridge_forecasts_a_series_shorter_than_its_window(bench):
    train = pd.concat([_geometric_panel([1.0, 2.0]), _geometric_panel([5.0], n=6).rename(index={"s0": "short"})])
    forecast = bench.global_ridge(train, 2, window=10)
    assert forecast.groupby(level=0).size().to_dict() == {"s0": 2, "s1": 2, "short": 2}
    assert np.all(np.isfinite(forecast["y"]))


def _respecting_make_supervised(data, horizon=1, *, target=None, all_horizons=False):
    """Per-series targets, as the many-series issue asks of make_supervised."""
    column = data.columns[0]
    shifted = {f"{column}_t+{h}": data[column].groupby(level=0).shift(-h) for h in range(1, horizon + 1)}
    y = pd.DataFrame(shifted).dropna()
    return data.loc[y.index], y


def test_contract_entry_gives_the_recipes_own_95_interval(bench, monkeypatch):
    # the contract's point forecast, and the fitted recipe's predict_interval at each series' end
    import skl_lstm

    small = {"units": 4, "epochs": 3}
    recipe = skl_lstm.recommended_pipeline
    monkeypatch.setattr(skl_lstm, "recommended_pipeline", lambda **kw: recipe(**kw, **small))
    monkeypatch.setattr(bench, "LSTM_WINDOW", 8)
    train = _geometric_panel([1.0, 50.0, 900.0], n=150, growth=1.005)
    train["y"] *= 1 + 0.05 * np.sin(np.arange(len(train)))
    forecast = bench.lstm_global(train, 3)
    assert list(forecast.columns) == ["y", "lower", "upper"] and forecast.groupby(level=0).size().eq(3).all()
    assert (forecast["lower"] < forecast["y"]).all() and (forecast["y"] < forecast["upper"]).all()
    X, y = skl_lstm.datasets.make_supervised(train, horizon=3, all_horizons=True)
    model = skl_lstm.recommended_pipeline(window=8, seasonal_period=1, random_state=0).fit(X, y)
    last = np.asarray(model.predict_interval(train, coverage=0.95))[train.index.get_level_values(1) == 149]
    np.testing.assert_array_equal(forecast.loc["s1", "upper"], last[1, 1])


def test_contract_probe_tells_crossing_targets_from_per_series_ones(bench, monkeypatch):
    def crossing(data, horizon=1, *, target=None, all_horizons=False):
        values = data.iloc[:, 0].to_numpy()
        y = np.column_stack([values[h : len(values) - horizon + h] for h in range(1, horizon + 1)])
        return data.iloc[: len(values) - horizon], pd.DataFrame(y, index=data.index[: len(values) - horizon])

    monkeypatch.setattr(skl_lstm.datasets, "make_supervised", crossing)
    assert "across series boundaries" in bench._contract_obstacle()
    with pytest.raises(bench.Pending, match="across series boundaries"):
        bench.lstm_global(load_m4_weekly_sample(), 13)
    monkeypatch.setattr(skl_lstm.datasets, "make_supervised", _respecting_make_supervised)
    assert bench._contract_obstacle() is None

    def refusing(data, **kwargs):
        raise TypeError("panels are not supported")

    monkeypatch.setattr(skl_lstm.datasets, "make_supervised", refusing)
    assert (
        bench._contract_obstacle() == "make_supervised does not take panels yet (TypeError: panels are not supported)"
    )


@pytest.mark.slow
def test_runner_writes_table_json_and_figure(tmp_path):
    # a subprocess, as `make bench-panel` runs it: each method runs in a fresh process of its own
    done = subprocess.run(
        [
            sys.executable,
            os.path.join(ROOT, "benchmarks", "panel.py"),
            "--split",
            "validation",
            "--models",
            "naive2",
            "global-ridge",
            "--memory-scaling",
            "--output",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    text = (tmp_path / "panel_validation.md").read_text()
    assert "| Naive2 | 359 | 9.196 | 2.898 | 1.000 |  | " in text
    assert "| Global RidgeCV (window 52, last-value scaling) | 359 |" in text
    assert "LSTM recipe per series" in text  # listed as not run
    assert "| Global RidgeCV (window 52, last-value scaling) | 179 → 359 |" in text  # memory when series double
    saved = json.loads((tmp_path / "panel_validation.json").read_text())
    assert saved["split"] == "validation" and len(saved["sample"]) == 50
    assert 0 < saved["results"]["global-ridge"]["median"]["OWA"] < 1.5
    assert (tmp_path / "panel_validation.png").stat().st_size > 0
