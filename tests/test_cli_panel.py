"""The skl-lstm command line on a long CSV of many series (``--series``), called in-process through ``main``."""

import json
import os
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import skl_lstm
from skl_lstm.cli import main, panel_splitter
from skl_lstm.datasets import load_m4_weekly_sample, make_supervised

TINY = ["--window", "6", "--units", "4", "--epochs", "3"]
SERIES = ["W57", "W59", "W87", "W94", "W95"]


def _long_m4(n_series=5, n_weeks=80, seed=0):
    """The first series of the bundled M4 Weekly sample, cut short, as a user's long table in shuffled rows."""
    panel = load_m4_weekly_sample()
    panel = panel[panel.index.get_level_values("series").isin(SERIES[:n_series])]
    panel = panel[panel.index.get_level_values("time") < n_weeks]
    frame = panel.reset_index().rename(columns={"series": "store", "time": "week", "y": "sales"})
    rng = np.random.default_rng(seed)
    frame["price"] = np.round(5 + rng.normal(0, 0.1, len(frame)), 3)
    frame["region"] = "north"
    return frame.sample(frac=1, random_state=seed).reset_index(drop=True)


@pytest.fixture
def panel_csv(tmp_path):
    """5 stores x 80 weeks (integer time steps), rows in random order, a numeric and a text column besides sales."""
    path = tmp_path / "stores.csv"
    _long_m4().to_csv(path, index=False)
    return str(path)


@pytest.fixture
def dated_csv(tmp_path):
    """3 series of weekly dates that start apart and end together; sales missing mid-series and at one's end."""
    frames = []
    for k, name in enumerate(SERIES[:3]):
        one = load_m4_weekly_sample().loc[name].iloc[: 70 - 10 * k]
        dates = pd.date_range(end="2021-12-26", periods=len(one), freq="W-SUN")
        frames.append(pd.DataFrame({"id": name, "date": dates.strftime("%Y-%m-%d"), "sales": one["y"].to_numpy()}))
    frame = pd.concat(frames, ignore_index=True)
    frame.loc[(frame["id"] == "W57") & (frame["date"] == "2021-06-06"), "sales"] = np.nan  # mid-series
    frame.loc[(frame["id"] == "W59") & (frame["date"] == "2021-12-26"), "sales"] = np.nan  # its last week
    path = tmp_path / "dated.csv"
    frame.to_csv(path, index=False)
    return str(path)


def _err(capsys):
    return capsys.readouterr().err


def _panel(path, series, time, parse_dates=False):
    frame = pd.read_csv(path, parse_dates=[time] if parse_dates else None)
    return frame.set_index([series, time]).sort_index()


# --------------------------------------------------------------------------- fit -> predict
def test_fit_then_predict_forecasts_every_series(panel_csv, tmp_path, capsys):
    model_path = tmp_path / "stores.model"
    code = main(["fit", panel_csv, "--series", "store", "--time", "week", "--target", "sales", "--horizon", "3",
                 "--model", str(model_path), *TINY])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("fitted on 385 rows of 5 series (sales at t + 1 .. t + 3 from ['sales', 'price']) in ")
    assert "ignoring non-numeric column(s) ['region']" in err
    model, meta = skl_lstm.load(model_path, return_metadata=True)
    assert (meta["series"], meta["time"], meta["target"], meta["features"], meta["horizon"]) == (
        "store", "week", "sales", ["price"], 3)
    assert meta["format_version"] == 3  # a panel model: older command lines refuse it instead of misreading it
    assert list(model.horizons_) == [1, 2, 3]

    forecasts = tmp_path / "out" / "next.csv"
    assert main(["predict", panel_csv, "--model", str(model_path), "--output", str(forecasts)]) == 0
    assert _err(capsys) == f"skl-lstm: wrote 15 forecasts to {forecasts}\n"
    result = pd.read_csv(forecasts)
    assert list(result.columns) == ["store", "week", "horizon", "forecast"]  # the user's column names
    assert list(result["store"]) == [s for s in SERIES for _ in range(3)]
    assert list(result["week"]) == [80, 81, 82] * 5 and list(result["horizon"]) == [1, 2, 3] * 5
    assert result["forecast"].notna().all()
    # what skl_lstm.forecast answers for the saved model and the panel the file holds
    panel = _panel(panel_csv, "store", "week")[["sales", "price"]]
    expected = skl_lstm.forecast(model, panel)
    np.testing.assert_allclose(result["forecast"], expected["forecast"], rtol=1e-6)

    # without --output the same table goes to standard output
    assert main(["predict", panel_csv, "--model", str(model_path)]) == 0
    printed = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    pd.testing.assert_frame_equal(printed, result)

    # --coverage adds each forecast's interval, as skl_lstm.forecast(..., coverage=) gives it
    assert main(["predict", panel_csv, "--model", str(model_path), "--coverage", "0.9"]) == 0
    bands = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert list(bands.columns) == ["store", "week", "horizon", "forecast", "lower", "upper"]
    expected = skl_lstm.forecast(model, panel, coverage=0.9)
    np.testing.assert_allclose(bands[["lower", "upper"]], expected[["lower", "upper"]], rtol=1e-6)
    assert ((bands["lower"] < bands["forecast"]) & (bands["forecast"] < bands["upper"])).all()


def test_predict_labels_dates_and_starts_after_the_last_value(dated_csv, tmp_path, capsys):
    model_path = tmp_path / "dated.model"
    code = main(["fit", dated_csv, "--series", "id", "--time", "date", "--target", "sales", "--horizon", "2",
                 "--model", str(model_path), *TINY])
    err = _err(capsys)
    assert code == 0, err
    # W57 loses the rows around its gap (target or current value missing), W59 its last two rows' targets
    assert "dropped 4 of 174 rows whose targets (at t + 1 .. t + 2) or current value of 'sales' is missing" in err
    assert main(["predict", dated_csv, "--model", str(model_path), "--output", str(tmp_path / "f.csv")]) == 0
    err = _err(capsys)
    assert "2 row(s) have no current value of 'sales' and are not used." in err
    assert "1 series end without a value of 'sales'; their forecasts start from their last row with one: 'W59'." in err
    result = pd.read_csv(tmp_path / "f.csv", parse_dates=["date"])
    assert list(result.columns) == ["id", "date", "horizon", "forecast"]
    weeks = pd.to_datetime(["2022-01-02", "2022-01-09"])
    assert list(result.loc[result["id"] == "W57", "date"]) == list(weeks)  # the gap does not hide the frequency
    assert list(result.loc[result["id"] == "W87", "date"]) == list(weeks)
    assert list(result.loc[result["id"] == "W59", "date"]) == list(weeks - pd.Timedelta(weeks=1))
    assert result["forecast"].notna().all()


def test_a_single_series_model_refuses_series(panel_csv, tmp_path, capsys):
    frame = pd.read_csv(panel_csv)
    one = frame[frame["store"] == "W57"].drop(columns=["store"])
    single = tmp_path / "one.csv"
    one.to_csv(single, index=False)
    model_path = str(tmp_path / "one.model")
    assert main(["fit", str(single), "--target", "sales", "--time", "week", "--model", model_path, *TINY]) == 0
    _, meta = skl_lstm.load(model_path, return_metadata=True)
    assert meta["series"] is None and meta["format_version"] == 2  # still readable by older command lines
    capsys.readouterr()
    assert main(["predict", panel_csv, "--model", model_path, "--series", "store"]) == 2
    assert _err(capsys) == (
        f"skl-lstm: error: --series 'store': the model {model_path!r} was fitted on one series (`skl-lstm fit` "
        "without --series); drop --series, or fit a model for many series with `skl-lstm fit --series COLUMN`.\n"
    )


# --------------------------------------------------------------------------- tune, diagnose
def test_tune_cuts_panel_folds_by_time(panel_csv, tmp_path, capsys):
    model_path = tmp_path / "best.model"
    code = main(["tune", panel_csv, "--series", "store", "--time", "week", "--target", "sales", "--horizon", "2",
                 "--model", str(model_path), "--output", str(tmp_path / "tuning"), "--cv-splits", "2",
                 "--window", "6", "--epochs", "2", "--grid", '{"units": [2, 4]}'])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert ("GridSearchCV: 2 candidate(s) x 2 time-ordered folds (PanelTimeSeriesSplit(align='time', gap=2, "
            "max_train_size=None, n_splits=2,\n           test_size=19)), scored by MAPE") in err
    ranks = [line for line in out.splitlines() if line.startswith("rank ")]
    assert len(ranks) == 2 and all("MAPE" in line for line in ranks)
    assert len(pd.read_csv(tmp_path / "tuning" / "cv_results.csv")) == 2
    model, meta = skl_lstm.load(model_path, return_metadata=True)
    assert meta["series"] == "store" and meta["best_params"]["units"] in (2, 4)
    assert main(["predict", panel_csv, "--model", str(model_path)]) == 0  # the best model forecasts every series
    assert len(pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))) == 5 * 2


def test_panel_splitter_sizes_and_aligns_the_folds():
    panel = _panel_from_m4(lengths=(80, 80, 80))
    X, _ = make_supervised(panel, horizon=3, all_horizons=True)
    cv = panel_splitter(X, 3, None, 3)
    assert (cv.align, cv.gap, cv.n_splits, cv.test_size) == ("time", 3, 3, 12)
    for train, test in cv.split(X):  # every test row at least gap + 1 steps after the training rows of its series
        t_train = X.index[train].to_frame(index=False).groupby("series")["time"].max()
        t_test = X.index[test].to_frame(index=False).groupby("series")["time"].min()
        assert ((t_test - t_train) >= 4).all()
    ragged = _panel_from_m4(lengths=(80, 60, 70))  # the series end at different steps: each is cut by its own end
    X, _ = make_supervised(ragged, horizon=1, all_horizons=True)
    cv = panel_splitter(X, 1, None, 3)
    assert (cv.align, cv.test_size) == ("end", 9)


def test_panel_splitter_names_the_short_series():
    from skl_lstm.cli import CLIError

    X, _ = make_supervised(_panel_from_m4(lengths=(80, 12, 70)), horizon=1, all_horizons=True)
    with pytest.raises(CLIError) as info:
        panel_splitter(X, 1, None, 3)
    assert str(info.value) == (
        "series 'W59', the shortest, has 11 rows with a target, too few for 2 time-ordered folds of 2 steps after 10 "
        "training steps and a gap of --horizon 1 steps (needs at least 15); drop the series shorter than 15 rows "
        "from the CSV, or use a smaller --horizon."
    )


def _panel_from_m4(lengths):
    panel = load_m4_weekly_sample()
    parts = [panel.loc[[name]].iloc[:n] for name, n in zip(SERIES, lengths)]
    return pd.concat(parts)


def test_diagnose_reports_each_series(panel_csv, tmp_path, capsys):
    pytest.importorskip("statsmodels")
    pytest.importorskip("matplotlib")
    out_dir = tmp_path / "report"
    code = main(["diagnose", panel_csv, "--series", "store", "--time", "week", "--target", "sales",
                 "--series-ids", "W87", "W57", "--cv-splits", "2", "--output", str(out_dir), "--fail-on", "high",
                 *TINY])
    out, err = capsys.readouterr()
    assert err.startswith(
        "skl-lstm: ignoring non-numeric column(s) ['region']; name numeric inputs with --features.\n"
        "skl-lstm: diagnosing each of 2 series on its own (about 2 x 2 fits): skl_lstm.diagnose reads one series at "
        "a time, so the model that `skl-lstm fit --series` trains on all series together is not diagnosed as one; "
        "pick series with --series-ids.\n"
    )
    assert out.index("=== series 'W87' ===") < out.index("=== series 'W57' ===")  # in the order asked for
    assert "Summary: 2 of 2 series diagnosed\n  'W87': MAE / naive " in out
    summary = pd.read_csv(out_dir / "summary.csv")
    assert list(summary["series"]) == ["W87", "W57"] and list(summary["rows"]) == [80, 80]
    assert (summary["status"] == "diagnosed").all()
    assert sorted(os.listdir(out_dir)) == ["W57", "W87", "summary.csv"]
    for name in ("W57", "W87"):
        report = json.loads((out_dir / name / "report.json").read_text())
        assert report["settings"]["n_samples"] == 79 and report["settings"]["n_folds"] == 2
        assert "report.txt" in os.listdir(out_dir / name)
    high = summary["findings"].fillna("").str.contains(":high").any()
    assert code == (1 if high else 0)


def test_diagnose_skips_a_series_too_short_and_names_it(panel_csv, tmp_path, capsys):
    pytest.importorskip("statsmodels")
    frame = pd.read_csv(panel_csv)
    frame = frame[(frame["store"] != "W59") | (frame["week"] < 12)]  # W59 keeps 12 weeks
    frame.to_csv(panel_csv, index=False)
    code = main(["diagnose", panel_csv, "--series", "store", "--time", "week", "--target", "sales",
                 "--series-ids", "W57", "W59", "--cv-splits", "2", *TINY])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert ("skl-lstm: not diagnosed: 5 usable rows in series 'W59' are too few for --window 6; use a smaller "
            "--window or a longer series.\n") in err
    summary = out[out.index("Summary: "):]
    assert re.fullmatch(
        r"Summary: 1 of 2 series diagnosed\n"
        r"  'W57': MAE / naive \d+\.\d\d; (top finding \w+ \((high|medium|low|info)\)|no problem found)\n"
        r"  'W59': not diagnosed: 5 usable rows in series 'W59' are too few for --window 6; use a smaller --window "
        r"or a longer series\.\n",
        summary,
    ), summary


def test_diagnose_series_id_errors(panel_csv, capsys):
    args = ["diagnose", panel_csv, "--target", "sales", "--time", "week"]
    assert main([*args, "--series", "store", "--series-ids", "w57"]) == 2
    assert _err(capsys) == (
        f"skl-lstm: error: --series-ids 'w57' is not a series of {panel_csv} (column 'store'); did you mean 'W57'? "
        "Its series: 'W57', 'W59', 'W87', 'W94', 'W95'.\n"
    )
    assert main([*args, "--series-ids", "W57"]) == 2
    assert _err(capsys) == (
        "skl-lstm: error: --series-ids picks series of a long CSV; name the column that holds them with --series.\n"
    )


# --------------------------------------------------------------------------- errors
def test_wrong_series_column_names_the_columns_and_a_close_match(panel_csv, tmp_path, capsys):
    code = main(["fit", panel_csv, "--series", "stor", "--time", "week", "--target", "sales",
                 "--model", str(tmp_path / "m")])
    assert code == 2
    assert _err(capsys) == (
        f"skl-lstm: error: --series column 'stor' is not in {panel_csv}; did you mean 'store'? "
        "Available columns: 'store', 'week', 'sales', 'price', 'region'.\n"
    )
    assert not (tmp_path / "m").exists()


def test_series_without_time_is_refused(panel_csv, capsys):
    for command in (["fit", "--model", "m"], ["tune", "--model", "m"], ["diagnose"]):
        assert main([command[0], panel_csv, "--series", "store", "--target", "sales", *command[1:]]) == 2
        assert _err(capsys) == (
            "skl-lstm: error: --series 'store' needs --time COLUMN: a long CSV holds one row per series and time "
            "step, so the time of each row must come from a column; name it with --time.\n"
        )


def test_repeated_series_and_time_rows_are_refused(panel_csv, capsys):
    frame = pd.read_csv(panel_csv)
    repeated = frame[(frame["store"] == "W87") & (frame["week"] == 5)]
    pd.concat([frame, repeated]).to_csv(panel_csv, index=False)
    assert main(["fit", panel_csv, "--series", "store", "--time", "week", "--target", "sales", "--model", "m"]) == 2
    assert _err(capsys) == (
        "skl-lstm: error: series 'W87' has 2 rows at week 5 (1 repeated (series, time) row(s) in all); each series "
        "needs one row per time step: aggregate or drop the duplicates, or check that --series 'store' is the column "
        "that tells the series apart.\n"
    )


def test_repeated_dates_name_the_day(dated_csv, capsys):
    frame = pd.read_csv(dated_csv)
    pd.concat([frame, frame.iloc[[3]]]).to_csv(dated_csv, index=False)
    assert main(["fit", dated_csv, "--series", "id", "--time", "date", "--target", "sales", "--model", "m"]) == 2
    assert "error: series 'W57' has 2 rows at date 2020-09-20 (1 repeated" in _err(capsys)  # its 4th week


def test_a_long_csv_without_series_points_to_it(panel_csv, capsys):
    assert main(["fit", panel_csv, "--time", "week", "--target", "sales", "--model", "m"]) == 2
    assert _err(capsys).startswith(
        "skl-lstm: error: --time column 'week' repeats "
    )
    assert main(["fit", panel_csv, "--time", "week", "--target", "sales", "--model", "m"]) == 2
    assert _err(capsys).endswith(
        "; each time step needs one row (aggregate the duplicates first, or name the column that tells the series "
        "apart with --series).\n"
    )


def test_series_column_misused_or_empty(panel_csv, capsys):
    args = ["fit", panel_csv, "--series", "store", "--time", "week", "--model", "m"]
    assert main([*args, "--target", "store"]) == 2
    assert _err(capsys) == (
        "skl-lstm: error: --target column 'store' is the --series column, which names the series of each row; pick "
        "another column for --target.\n"
    )
    assert main([*args, "--target", "sales", "--features", "price,week"]) == 2
    assert _err(capsys) == (
        "skl-lstm: error: --features column 'week' is the --time column, which holds the time of each row; pick "
        "another column for --features.\n"
    )
    frame = pd.read_csv(panel_csv)
    frame.loc[[3, 7], "store"] = np.nan
    frame.to_csv(panel_csv, index=False)
    assert main([*args, "--target", "sales"]) == 2
    assert _err(capsys) == (
        f"skl-lstm: error: --series column 'store' is empty in 2 row(s) (lines [5, 9] of {panel_csv}); every row "
        "needs the name of its series: fill them in or drop those rows.\n"
    )


def test_series_too_short_for_the_horizon(panel_csv, capsys):
    frame = pd.read_csv(panel_csv).drop(columns=["region"])
    frame[frame["week"] < 4].to_csv(panel_csv, index=False)
    assert main(["fit", panel_csv, "--series", "store", "--time", "week", "--target", "sales", "--horizon", "2",
                 "--model", "m"]) == 2
    assert _err(capsys) == (
        "skl-lstm: error: the longest series in the file has 4 rows, too few for --horizon 2.\n"
    )


def test_help_mentions_series(capsys):
    for command in ("fit", "tune", "diagnose", "predict"):
        assert main([command, "--help"]) == 0
        assert "--series COLUMN" in capsys.readouterr().out


def test_diagnose_reads_the_series_column_from_a_panel_model(panel_csv, tmp_path, capsys):
    pytest.importorskip("statsmodels")
    model_path = str(tmp_path / "stores.model")
    assert main(["fit", panel_csv, "--series", "store", "--time", "week", "--target", "sales", "--model", model_path,
                 "--window", "6", "--units", "2", "--epochs", "2"]) == 0
    capsys.readouterr()
    code = main(["diagnose", panel_csv, "--model", model_path, "--series-ids", "W94", "--cv-splits", "2"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "diagnosing each of 1 series on its own" in err
    assert out.startswith("=== series 'W94' ===\nskl_lstm diagnosis of DifferencedTargetRegressor(")
    assert "Summary: 1 of 1 series diagnosed\n  'W94': " in out


def test_a_series_too_short_for_a_target_is_named(capsys):
    from skl_lstm.cli import supervised

    panel = pd.concat([_panel_from_m4(lengths=(30, 2)).rename(index={"W59": "tiny"}, level=0)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # said once, by the command line
        X, y = supervised(panel, "y", [], 3)
    assert _err(capsys) == (
        "skl-lstm: 1 series have 3 row(s) or fewer, so no target --horizon 3 steps ahead: 'tiny'; they add nothing "
        "to training (`skl-lstm predict` still forecasts them).\n"
    )
    assert set(X.index.get_level_values(0)) == {"W57"} and list(y.columns) == ["y_t+1", "y_t+2", "y_t+3"]
