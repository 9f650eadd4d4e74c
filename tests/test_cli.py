"""The skl-lstm command line, called in-process through ``main([...])``."""

import json
import os

import numpy as np
import pandas as pd
import pytest

import skl_lstm
from skl_lstm.cli import main

TINY = ["--window", "6", "--units", "4", "--epochs", "3"]


@pytest.fixture
def sales_csv(tmp_path):
    """A user's CSV: a date column, the target, extra numeric and text columns, some missing values."""
    rng = np.random.default_rng(0)
    n = 90
    t = np.arange(n)
    frame = pd.DataFrame(
        {
            "date": pd.date_range("2015-01-01", periods=n, freq="MS").strftime("%Y-%m-%d"),
            "sales": 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, n),
            "price": 5 + rng.normal(0, 0.1, n),
            "promo": rng.integers(0, 2, n),
            "region": ["north"] * n,
        }
    )
    frame.loc[[20, 50], "sales"] = np.nan
    frame.loc[[10, 11, 60], "price"] = np.nan
    path = tmp_path / "sales.csv"
    frame.to_csv(path, index=False)
    return str(path)


def _err(capsys):
    return capsys.readouterr().err


def test_wrong_target_column_names_the_columns_and_a_close_match(sales_csv, tmp_path, capsys):
    code = main(["fit", sales_csv, "--target", "slaes", "--time", "date", "--model", str(tmp_path / "m")])
    assert code == 2
    assert _err(capsys) == (
        f"skl-lstm: error: --target column 'slaes' is not in {sales_csv}; did you mean 'sales'? "
        "Available columns: 'date', 'sales', 'price', 'promo', 'region'.\n"
    )
    assert not (tmp_path / "m").exists()


def test_wrong_feature_and_time_columns(sales_csv, tmp_path, capsys):
    assert main(["diagnose", sales_csv, "--target", "sales", "--features", "price,promotion"]) == 2
    assert _err(capsys) == (
        f"skl-lstm: error: --features column 'promotion' is not in {sales_csv}; did you mean 'promo'? "
        "Available columns: 'date', 'sales', 'price', 'promo', 'region'.\n"
    )
    assert main(["diagnose", sales_csv, "--target", "sales", "--time", "month"]) == 2
    assert _err(capsys) == (
        f"skl-lstm: error: --time column 'month' is not in {sales_csv}. "
        "Available columns: 'date', 'sales', 'price', 'promo', 'region'.\n"
    )


def test_text_feature_is_refused_by_name(sales_csv, capsys):
    dtype = pd.read_csv(sales_csv)["region"].dtype  # object, or str on pandas 3
    assert main(["fit", sales_csv, "--target", "sales", "--features", "region", "--model", "x"]) == 2
    assert _err(capsys) == (
        f"skl-lstm: error: --features column 'region' is not numeric (dtype {dtype}); drop it from --features or "
        "encode it as numbers.\n"
    )


def test_unparseable_files(tmp_path, capsys):
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\n3,4,5,6\n")
    assert main(["diagnose", str(ragged), "--target", "a"]) == 2
    err = _err(capsys)
    assert err.startswith(f"skl-lstm: error: cannot parse {str(ragged)!r} as CSV: Error tokenizing data.")
    assert "Traceback" not in err and err.count("\n") == 1

    binary = tmp_path / "picture.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    assert main(["fit", str(binary), "--target", "a", "--model", "m"]) == 2
    assert _err(capsys) == (
        f"skl-lstm: error: cannot parse {str(binary)!r} as CSV: 'utf-8' codec can't decode byte 0x89 in "
        "position 0: invalid start byte\n"
    )

    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert main(["fit", str(empty), "--target", "a", "--model", "m"]) == 2
    assert _err(capsys) == f"skl-lstm: error: cannot parse {str(empty)!r} as CSV: the file is empty.\n"

    assert main(["fit", str(tmp_path / "nope.csv"), "--target", "a", "--model", "m"]) == 2
    assert _err(capsys) == f"skl-lstm: error: cannot read {str(tmp_path / 'nope.csv')!r}: no such file.\n"


def test_time_column_that_is_not_dates(sales_csv, capsys):
    frame = pd.read_csv(sales_csv)
    frame.loc[4, "date"] = "not a date"
    frame.to_csv(sales_csv, index=False)
    assert main(["fit", sales_csv, "--target", "sales", "--time", "date", "--model", "m"]) == 2
    assert _err(capsys) == (
        "skl-lstm: error: --time column 'date' cannot be parsed as dates: value 'not a date' at row 5 (1 of 90 "
        "values fail); use ISO dates such as 2020-01-31, or leave out --time.\n"
    )


def test_bad_numbers_on_the_command_line(sales_csv, capsys):
    assert main(["fit", sales_csv, "--target", "sales", "--model", "m", "--horizon", "0"]) == 2
    assert _err(capsys) == "skl-lstm: error: --horizon 0 must be a positive number of steps.\n"
    assert main(["fit", sales_csv, "--target", "sales", "--model", "m", "--window", "0"]) == 2
    assert _err(capsys) == "skl-lstm: error: --window 0 must be a positive integer.\n"
    assert main(["fit", sales_csv]) == 2  # argparse: --target and --model are required
    assert "the following arguments are required: --target, --model" in _err(capsys)
    assert main(["--help"]) == 0


def test_fit_then_predict_round_trip(sales_csv, tmp_path, capsys):
    model_path = tmp_path / "models" / "sales.model"
    code = main(["fit", sales_csv, "--target", "sales", "--time", "date", "--model", str(model_path), *TINY])
    out, err = capsys.readouterr()
    assert code == 0, err
    # sales is missing at rows 20 and 50: rows 19, 49 lose their target (t + 1), rows 20, 50 their current value
    assert "dropped 4 of 89 rows whose target (at t + 1) or current value of 'sales' is missing" in err
    assert "ignoring non-numeric column(s) ['region']" in err
    assert out.startswith("fitted on 85 rows (sales at t + 1 from ['sales', 'price', 'promo'])")
    assert "skl-lstm: saved the fitted model to" in err
    model, meta = skl_lstm.load(model_path, return_metadata=True)  # the safe format, not a pickle
    assert (meta["target"], meta["features"], meta["horizon"], meta["window"]) == ("sales", ["price", "promo"], 1, 6)

    forecasts = tmp_path / "out" / "forecasts.csv"
    assert main(["predict", sales_csv, "--model", str(model_path), "--output", str(forecasts)]) == 0
    err = _err(capsys)
    assert "the first 6 row(s) have no full window of history and are not forecast" in err
    assert "2 row(s) have no current value of 'sales' and are not forecast" in err
    result = pd.read_csv(forecasts, index_col="date", parse_dates=True)
    assert list(result.columns) == ["sales", "forecast_time", "sales_forecast_t+1"]
    assert len(result) == 90 - 2 - 6  # the rows without a sales value, then the warm-up rows
    assert result["sales_forecast_t+1"].notna().all()
    assert result.index[-1] == pd.Timestamp("2022-06-01") and result["forecast_time"].iloc[-1] == "2022-07-01"
    assert pd.Timestamp("2016-09-01") not in result.index  # row 20: no sales value
    # the file holds what the saved model predicts when it reads every row with a sales value in order
    frame = pd.read_csv(sales_csv, index_col="date", parse_dates=True)
    inputs = frame.loc[frame["sales"].notna(), ["sales", "price", "promo"]]
    expected = model.predict(inputs)[6:]
    np.testing.assert_allclose(result["sales_forecast_t+1"].to_numpy(), expected, rtol=1e-6)


def test_predict_refuses_pickles_and_models_not_written_by_fit(sales_csv, tmp_path, capsys):
    import joblib
    from sklearn.linear_model import Ridge

    fake = tmp_path / "fake.model"
    joblib.dump({"weights": [1, 2]}, fake)  # what skl-lstm fit wrote before format 2: never unpickled now
    assert main(["predict", sales_csv, "--model", str(fake)]) == 2
    assert _err(capsys) == (
        f"skl-lstm: error: cannot load {str(fake)!r}: it is not an skl_lstm model archive (pickle and other files are "
        "never loaded). Model files of `skl-lstm fit` from before skl_lstm's format 2 (joblib) must be fitted again.\n"
    )
    skl_lstm.save(Ridge().fit([[1.0], [2.0]], [1.0, 2.0]), fake)  # a safe file, but without fit's facts
    assert main(["predict", sales_csv, "--model", str(fake)]) == 2
    assert _err(capsys) == f"skl-lstm: error: cannot load {str(fake)!r}: it is not a model written by `skl-lstm fit`.\n"
    skl_lstm.save(Ridge(), fake, metadata={"format": "skl_lstm.cli.model", "format_version": 4})
    assert main(["predict", sales_csv, "--model", str(fake)]) == 2
    assert _err(capsys) == (f"skl-lstm: error: {str(fake)!r} was written by a newer skl-lstm (command-line format 4, "
                            "this one reads up to 3); upgrade skl_lstm.\n")


def test_help_no_longer_mentions_pickle(capsys):
    assert main(["fit", "--help"]) == 0
    out = capsys.readouterr().out
    assert "skl_lstm.save format" in out and "joblib" not in out and "pickle" not in out


def test_diagnose_writes_report_and_figures(sales_csv, tmp_path, capsys):
    pytest.importorskip("statsmodels")
    pytest.importorskip("matplotlib")
    out_dir = tmp_path / "report"
    # A plain LSTM (no linear branch, which would start at the ridge fit and so be no longer underfit).
    code = main(["diagnose", sales_csv, "--target", "sales", "--time", "date", "--output", str(out_dir),
                 "--cv-splits", "2", "--fail-on", "high", "--no-linear-skip", *TINY])
    out = capsys.readouterr().out
    report = json.loads((out_dir / "report.json").read_text())
    assert code == (1 if any(f["severity"] == "high" for f in report["findings"]) else 0)
    assert out.startswith("skl_lstm diagnosis of DifferencedTargetRegressor(reference='auto', "
                          "transformer=StandardScaler, log='auto') > Pipeline(difference=WindowTransformer, scale=StandardScaler, "
                          "lstm)")
    assert report["settings"]["reference"] == "sales"
    assert report["settings"]["seasonal_period"] == 12 and report["settings"]["n_folds"] == 2
    assert sorted(os.listdir(out_dir)) == [
        "forecast.png", "loss.png", "report.html", "report.json", "report.txt", "residuals.png"]
    # the tiny network (3 epochs) cannot have converged: the report says so
    assert "underfitting" in [f["code"] for f in report["findings"]]


def test_tune_searches_the_grid_and_saves_the_best(sales_csv, tmp_path, capsys):
    model_path = tmp_path / "best.model"
    code = main(["tune", sales_csv, "--target", "sales", "--time", "date", "--model", str(model_path),
                 "--output", str(tmp_path / "tuning"), "--cv-splits", "2", "--epochs", "2", "--window", "6",
                 "--grid", '{"units": [2, 4]}'])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "GridSearchCV: 2 candidate(s) x 2 time-ordered folds" in err
    ranks = [line for line in out.splitlines() if line.startswith("rank ")]
    assert len(ranks) == 2 and all("MAPE" in line for line in ranks)
    results = pd.read_csv(tmp_path / "tuning" / "cv_results.csv")
    assert len(results) == 2
    model, meta = skl_lstm.load(model_path, return_metadata=True)
    units = [v for k, v in model.get_params().items() if k.endswith("lstm__units")]
    assert meta["best_params"]["units"] in (2, 4) and units == [meta["best_params"]["units"]]


def test_tune_reports_progress_per_fit_unless_verbose_0(sales_csv, tmp_path, capsys):
    args = ["tune", sales_csv, "--target", "sales", "--time", "date", "--model", str(tmp_path / "m"),
            "--cv-splits", "2", "--epochs", "2", "--window", "6", "--grid", '{"units": [2, 4]}']
    assert main(args) == 0
    out, err = capsys.readouterr()
    progress = [line for line in err.splitlines() if " done" in line]
    assert [line.split("] ", 1)[1] for line in progress] == [
        "fit 1/4 done, 3 to go", "fit 2/4 done, 2 to go", "fit 3/4 done, 1 to go", "fit 4/4 done, 0 to go",
        "search done; refitted the best candidate on every row"]
    assert all(line.startswith("skl-lstm: [") and "s] " in line for line in progress)
    assert "[CV" not in out  # scikit-learn's own lines only with --verbose 2
    assert main([*args, "--verbose", "0"]) == 0
    out, err = capsys.readouterr()
    assert " done" not in err and "[CV" not in out
    assert main([*args, "--verbose", "2"]) == 0
    out, err = capsys.readouterr()
    assert "[CV 2/2] END" in out and "fit 4/4 done, 0 to go" in err


def test_tune_verbose_must_not_be_negative(sales_csv, tmp_path, capsys):
    args = ["tune", sales_csv, "--target", "sales", "--time", "date", "--model", str(tmp_path / "m")]
    assert main([*args, "--verbose", "-1"]) == 2
    assert _err(capsys) == (
        "skl-lstm: error: --verbose -1 must be 0 (no progress), 1 (a line per fit: elapsed, done, to go; the default) "
        "or 2 (also scikit-learn's line per fit with its parameters and score).\n"
    )


def test_tune_grid_errors(sales_csv, tmp_path, capsys):
    args = ["tune", sales_csv, "--target", "sales", "--time", "date", "--model", str(tmp_path / "m")]
    assert main([*args, "--grid", "{units: [2]}"]) == 2
    assert _err(capsys) == (
        "skl-lstm: error: --grid is not valid JSON (Expecting property name enclosed in double quotes at position "
        "1); write it like '{\"units\": [16, 32], \"window\": [12, 24]}'.\n"
    )
    assert main([*args, "--grid", '{"unit": [2]}']) == 2
    assert _err(capsys) == (
        "skl-lstm: error: --grid key 'unit' is not a parameter of the model; did you mean 'units'? Valid keys: "
        "'window', 'diff', 'activation', 'batch_size', 'callbacks', 'dropout', 'early_stopping', 'epochs', 'l1', "
        "'l2', 'learning_rate', 'linear_skip', 'loss', 'n_features', 'optimizer', 'patience', 'quantiles', 'random_state', "
        "'recurrent_dropout', 'steps_per_epoch', 'training_kernel', 'units', 'validation_fraction', 'verbose', "
        "'warm_start'.\n"
    )


def test_cli_uses_only_the_public_api():
    import ast

    import pathlib

    import skl_lstm.cli

    private = []
    for source in sorted(pathlib.Path(skl_lstm.cli.__file__).parent.glob("*.py")):  # every module of skl_lstm.cli
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:  # `from ._io import ...`: the CLI's own modules
                continue
            if isinstance(node, ast.ImportFrom) and node.level:  # `from ..x import y`: skl_lstm's own modules
                path = (node.module or "").split(".")
                names = [alias.name for alias in node.names]
                private_name = any(n.startswith("_") and n != "__version__" for n in names)
                if any(part.startswith("_") for part in path) or private_name:
                    private.append(f"{source.name}: from {'.' * node.level}{node.module or ''} import "
                                   f"{', '.join(names)}")
            elif isinstance(node, ast.Import | ast.ImportFrom) and not getattr(node, "level", 0):
                modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
                private += [m for m in modules
                            if m.startswith("skl_lstm") and any(p.startswith("_") for p in m.split("."))]
    assert private == []


def test_tune_on_a_series_too_short_for_two_folds(sales_csv, tmp_path, capsys):
    pd.read_csv(sales_csv).iloc[:13].to_csv(sales_csv, index=False)
    args = ["tune", sales_csv, "--target", "sales", "--time", "date", "--features", "promo", "--model",
            str(tmp_path / "m"), "--grid", '{"units": [2]}', "--window", "2"]
    assert main(args) == 2
    assert _err(capsys) == (
        "skl-lstm: error: 12 usable rows are too few for 2 time-ordered folds of 2 steps after 10 training steps and "
        "a gap of 0 (needs at least 14); use a longer series or a smaller --horizon.\n"
    )
    assert main([*args, "--cv-splits", "1"]) == 2
    assert _err(capsys) == (
        "skl-lstm: error: --cv-splits 1 must be at least 2: cross-validation needs two time-ordered folds.\n"
    )


def test_predict_with_coverage_writes_lower_and_upper(sales_csv, tmp_path, capsys):
    model_path = tmp_path / "sales.model"
    assert main(["fit", sales_csv, "--target", "sales", "--time", "date", "--model", str(model_path), *TINY]) == 0
    capsys.readouterr()
    forecasts = tmp_path / "forecasts.csv"
    code = main(["predict", sales_csv, "--model", str(model_path), "--coverage", "0.8", "--output", str(forecasts)])
    assert code == 0
    result = pd.read_csv(forecasts, index_col="date", parse_dates=True)
    assert list(result.columns) == [
        "sales", "forecast_time", "sales_forecast_t+1", "sales_lower_t+1", "sales_upper_t+1"
    ]
    assert (result["sales_lower_t+1"] < result["sales_forecast_t+1"]).all()
    assert (result["sales_forecast_t+1"] < result["sales_upper_t+1"]).all()
    model = skl_lstm.load(model_path)
    frame = pd.read_csv(sales_csv, index_col="date", parse_dates=True)
    inputs = frame.loc[frame["sales"].notna(), ["sales", "price", "promo"]]
    expected = model.predict_interval(inputs, coverage=0.8)[6:]
    np.testing.assert_allclose(result[["sales_lower_t+1", "sales_upper_t+1"]], expected, rtol=1e-6)
    # the validation tail holds fewer than the 19 residuals a conformal 95 % interval needs: a Student-t
    # interval stands in, and the command says so
    assert main(["predict", sales_csv, "--model", str(model_path), "--coverage", "0.95"]) == 0
    err = _err(capsys)
    assert "note: --coverage 0.95: DifferencedTargetRegressor: coverage=0.95 needs 19 calibration residuals " in err
    assert "the interval is a Student-t prediction interval from those residuals instead" in err
    assert main(["predict", sales_csv, "--model", str(model_path), "--coverage", "90"]) == 2
    assert "error: --coverage 90.0 must be strictly between 0 and 1" in _err(capsys)
