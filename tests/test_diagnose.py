"""skl_lstm.diagnose: the fault suite, the report's outputs, the checks and fixes one by one."""

import json
import re
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV, KFold, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skl_lstm import DifferencedTargetRegressor, WindowTransformer, recommended_pipeline
from skl_lstm.datasets import load_airline, make_supervised
from skl_lstm.diagnostics import Finding, Fix, Report
from skl_lstm.diagnostics._checks import link_causes
from skl_lstm.diagnostics._inspect import inspect_setup

import fault_cases  # tests/fault_cases.py: the planted faults

pytest.importorskip("statsmodels")


def _seasonal(n=120, noise=0.3, seed=0, index="date"):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    values = 10 + 3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, noise, n)
    idx = pd.date_range("2000-01-01", periods=n, freq="MS") if index == "date" else pd.RangeIndex(n)
    return pd.Series(values, index=idx, name="y")


# --------------------------------------------------------------------------- import and dependencies
def test_import_stays_cheap_and_diagnose_is_exported_lazily():
    code = (
        "import sys, skl_lstm\n"
        "assert 'diagnose' in skl_lstm.__all__\n"
        "f = skl_lstm.diagnose\n"
        "from skl_lstm.diagnostics import diagnose, Report\n"
        "assert f is diagnose\n"
        "heavy = {'tensorflow', 'keras', 'scikeras', 'statsmodels', 'matplotlib'} & set(sys.modules)\n"
        "assert not heavy, sorted(heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_missing_optional_dependencies_name_the_extra(monkeypatch):
    X, y = make_supervised(_seasonal())
    monkeypatch.setitem(sys.modules, "statsmodels", None)
    from skl_lstm import diagnose

    with pytest.raises(ImportError) as info:
        diagnose(LinearRegression(), X, y)
    assert str(info.value) == (
        'skl_lstm.diagnose needs statsmodels, which is not installed; run `pip install "skl_lstm[diagnose]"`.'
    )


def test_missing_matplotlib_names_the_extra(monkeypatch, linear_report):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r'^Report.plot needs matplotlib, which is not installed; run '
                                          r'`pip install "skl_lstm\[diagnose\]"`\.$'):
        linear_report.plot("forecast")


# --------------------------------------------------------------------------- cheap reports (no Keras)
@pytest.fixture(scope="module")
def linear_report():
    X, y = make_supervised(_seasonal(noise=0.5))
    steps = [("window", WindowTransformer(3)), ("impute", SimpleImputer()), ("ridge", LinearRegression())]
    return diagnose_quiet(Pipeline(steps), X, y)


def diagnose_quiet(*args, **kwargs):
    from skl_lstm import diagnose

    return diagnose(*args, **kwargs)


def test_layout_is_read_from_the_data():
    series = _seasonal(index="range")
    X, y = make_supervised(series, horizon=3)
    report = diagnose_quiet(LinearRegression(), X, y)
    s = report.settings
    assert (s["horizon"], s["seasonal_period"], s["n_folds"]) == (3, 12, 3)
    assert s["horizon_source"].startswith("data")
    assert s["seasonal_period_source"].startswith("autocorrelation peak at lag 12")
    assert "gap=2" in s["cv"]  # horizon - 1: no training target inside the test period
    monthly = diagnose_quiet(LinearRegression(), *make_supervised(_seasonal()))
    assert monthly.settings["seasonal_period_source"] == "index frequency 'MS'"


def test_baselines_run_on_the_same_folds(linear_report):
    overall = linear_report.scores["overall"]
    assert set(overall) == {"model", "naive", "seasonal naive"}
    X, y = make_supervised(_seasonal(noise=0.5))
    folds = TimeSeriesSplit(n_splits=3, test_size=19).split(X)
    naive = np.concatenate([X["y"].to_numpy()[te] for _, te in folds])
    y_test = np.concatenate([y.to_numpy()[te] for _, te in TimeSeriesSplit(n_splits=3, test_size=19).split(X)])
    assert overall["naive"]["mae"] == pytest.approx(np.mean(np.abs(y_test - naive)))
    season = np.concatenate([y.to_numpy()[te - 12] for _, te in TimeSeriesSplit(n_splits=3, test_size=19).split(X)])
    assert overall["seasonal naive"]["mae"] == pytest.approx(np.mean(np.abs(y_test - season)))


def test_forecasts_frame_holds_the_out_of_fold_forecasts(linear_report):
    frame = linear_report.forecasts
    assert list(frame.columns) == ["fold", "time", "actual", "model", "naive", "seasonal_naive"]
    X, y = make_supervised(_seasonal(noise=0.5))
    tests = [te for _, te in TimeSeriesSplit(n_splits=3, test_size=19).split(X)]
    assert frame["fold"].value_counts().sort_index().tolist() == [19, 19, 19]
    np.testing.assert_allclose(frame["actual"], np.concatenate([y.to_numpy()[te] for te in tests]))
    np.testing.assert_allclose(frame["naive"], np.concatenate([X["y"].to_numpy()[te] for te in tests]))
    mae = np.mean(np.abs(frame["actual"] - frame["model"]))
    assert mae == pytest.approx(linear_report.scores["overall"]["model"]["mae"])


def test_shuffling_splitter_is_the_top_finding_and_replaced():
    X, y = make_supervised(_seasonal())
    report = diagnose_quiet(LinearRegression(), X, y, cv=KFold(4, shuffle=True, random_state=0))
    top = report.top
    assert (top.code, top.severity) == ("leaky_split", "high")
    assert top.evidence["shuffle"] is True and top.evidence["folds_on_future"] == 4
    assert report.settings["cv"].startswith("TimeSeriesSplit(")
    assert any(note.startswith("KFold(n_splits=4, random_state=0, shuffle=True) trains on the future") for note in
               report.notes)


def test_shuffled_rows_are_detected_by_index_and_without_index():
    X, y = make_supervised(_seasonal())
    order = np.random.default_rng(0).permutation(len(X))
    report = diagnose_quiet(LinearRegression(), X.iloc[order], y.iloc[order])
    assert report.top.code == "leaky_split" and report.top.evidence["rows_out_of_order"] > 30
    assert report.notes[0].startswith("the index of X decreases at")
    sorted_report = diagnose_quiet(LinearRegression(), X, y)
    # diagnose sorted the rows, so the forecasts match the in-order run exactly
    assert report.scores["overall"]["model"]["mae"] == pytest.approx(sorted_report.scores["overall"]["model"]["mae"])
    arrays = diagnose_quiet(LinearRegression(), X.to_numpy()[order], y.to_numpy()[order])
    assert arrays.top.code == "leaky_split" and arrays.top.evidence["share_of_y_in_reference"] > 0.95
    in_order = diagnose_quiet(LinearRegression(), X.to_numpy(), y.to_numpy())
    assert "leaky_split" not in in_order


def test_gap_shorter_than_horizon_is_flagged():
    X, y = make_supervised(_seasonal(), horizon=3)
    report = diagnose_quiet(LinearRegression(), X, y, cv=TimeSeriesSplit(3, test_size=12))
    finding = report["leaky_split"]
    assert finding.severity == "medium" and finding.evidence == {"gap": 0, "horizon": 3}
    assert "leaky_split" not in diagnose_quiet(LinearRegression(), X, y, cv=TimeSeriesSplit(3, test_size=12, gap=2))


def test_input_errors():
    from skl_lstm import diagnose

    X, y = make_supervised(_seasonal())
    with pytest.raises(ValueError, match=r"^X has 119 rows but y has 118; pass one target per row of X\.$"):
        diagnose(LinearRegression(), X, y.iloc[:-1])
    y_bad = y.copy()
    y_bad.iloc[7] = np.nan
    with pytest.raises(ValueError, match=r"^diagnose: y contains NaN at row 7\. Targets must be finite"):
        diagnose(LinearRegression(), X, y_bad)
    with pytest.raises(TypeError, match=r"^diagnose needs an estimator with fit and predict, got StandardScaler\.$"):
        diagnose(StandardScaler(), X, y)
    with pytest.raises(ValueError, match=r"^diagnose: reference='level' is not one of the columns of X: \['y'\]\.$"):
        diagnose(LinearRegression(), X, y, reference="level")
    with pytest.raises(ValueError, match=r"^diagnose needs at least 20 samples to cut time-ordered folds, got 15; "):
        diagnose(LinearRegression(), X.iloc[:15], y.iloc[:15])


# --------------------------------------------------------------------------- report outputs
def test_report_text_dict_json_and_html(linear_report):
    text = str(linear_report)
    assert text.startswith(
        "skl_lstm diagnosis of Pipeline(window=WindowTransformer, impute=SimpleImputer, ridge) > LinearRegression\n")
    assert "MAE / naive" in text
    d = linear_report.to_dict()
    assert set(d) == {"setup", "settings", "healthy", "top", "findings", "scores", "folds", "notes"}
    assert d["top"] == (linear_report.top.code if linear_report.top else None)
    assert json.loads(linear_report.to_json()) == json.loads(json.dumps(d))
    html = linear_report._repr_html_()
    assert html.startswith("<div><h4>skl_lstm diagnosis</h4>") and "</table>" in html or "No problem found" in html


def test_report_html_is_a_table_of_the_findings():
    fix = Fix(step="lstm", parameter="units", value=16, note="a smaller network")
    findings = [Finding("overfitting", "Overfitting <network>", "high", 0.9, "Validation loss rose & rose.", fix=fix),
                Finding("bias", "Biased forecasts", "low", 0.3, "The mean error is 2 % of the level.")]
    html = Report(findings, scores={}, folds=[], setup="Pipeline > LSTMRegressor",
                  settings={"n_folds": 3})._repr_html_()
    assert re.findall(r"<th style='[^']*text-align:left[^']*'>(\w+)</th>", html) == [
        "severity", "finding", "evidence", "fix"]
    assert html.count("<tr>") == 3  # the header and one row per finding, most important first
    assert html.index("Overfitting") < html.index("Biased forecasts")
    for text in ("high", "low", "The mean error is 2 % of the level.", "lstm: units -&gt; 16. a smaller network"):
        assert text in html
    # user text is escaped, so a title or message cannot break the table
    assert "Overfitting &lt;network&gt;" in html and "Validation loss rose &amp; rose." in html
    scores = {"overall": {"model": {"mae": 2.0, "mape": 0.05}, "naive": {"mae": 4.0, "mape": 0.1},
                          "seasonal_naive": {"mae": 3.0}}}
    report = Report(findings, scores=scores, folds=[], setup="x", settings={})
    table = report.score_table()
    assert list(table.columns) == ["MAE", "MAPE", "MAE / naive"] and list(table.index) == [
        "model", "naive", "seasonal_naive"]
    assert table.loc["model", "MAE / naive"] == 0.5 and np.isnan(table.loc["seasonal_naive", "MAPE"])
    html = report._repr_html_()
    assert "<th>MAE / naive</th>" in html and "<td>5.00%</td>" in html and "<td>0.50</td>" in html
    assert str(report).splitlines()[3:7] == [
        "                         MAE      MAPE  MAE / naive",
        "model                      2     5.00%         0.50",
        "naive                      4    10.00%         1.00",
        "seasonal_naive             3                   0.75",
    ]
    empty = Report([], scores={}, folds=[], setup="x", settings={})._repr_html_()
    assert "No problem found." in empty and "<table>" not in empty


def test_diagnose_is_quiet_by_default_and_verbose_prints_a_line_per_fold(capsys):
    X, y = make_supervised(_seasonal(n=96))
    diagnose_quiet(LinearRegression(), X, y)
    assert capsys.readouterr().out == ""
    report = diagnose_quiet(LinearRegression(), X, y, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    n = report.settings["n_folds"]
    assert len(lines) == n + 1
    for k, line in enumerate(lines[:-1], 1):
        left = n - k
        assert line.startswith(f"[diagnose] fold {k}/{n} (")
        assert " training rows) fitted in " in line and " s; elapsed " in line
        assert line.endswith(f"{left} fold{'' if left == 1 else 's'} to go")
    assert lines[-1].startswith("[diagnose] ") and " checks done: " in lines[-1] and " elapsed " in lines[-1]


@pytest.mark.parametrize("bad", [-1, 1.5, "1", True, None])
def test_diagnose_verbose_must_be_a_non_negative_integer(bad):
    X, y = make_supervised(_seasonal(n=48))
    with pytest.raises(ValueError, match=rf"verbose={bad!r} must be a non-negative integer.*pass verbose=0 or "
                                         r"verbose=1"):
        diagnose_quiet(LinearRegression(), X, y, verbose=bad)


def test_a_cause_seen_in_the_settings_ranks_above_the_symptom_it_explains():
    """The issue's epochs=2 report: underfitting (medium) under 'worse than seasonal naive' (high) is raised."""

    def finding(code, severity, score, **evidence):
        return Finding(code=code, title=code, severity=severity, score=score, message="", evidence=evidence)

    findings = [finding("worse_than_naive", "high", 0.9), finding("nonstationary", "medium", 0.5,
                                                                  target_differenced=True),
                finding("underfitting", "medium", 0.6, cause_in_settings=True, epochs=2)]
    link_causes(findings)
    report = Report(findings, scores={}, folds=[], setup="x", settings={})
    assert report.top.code == "underfitting" and report.top.severity == "high"
    assert report.top.evidence["severity_raised_from"] == "medium"
    assert report["underfitting"].explained_by == []  # a drifting change does not explain the training curve
    assert report["worse_than_naive"].explained_by == ["nonstationary", "underfitting"]


def test_data_only_causes_do_not_explain_a_cause_the_settings_show():
    def finding(code, severity, score, **evidence):
        return Finding(code=code, title=code, severity=severity, score=score, message="", evidence=evidence)

    big = [finding("outliers", "high", 1.0), finding("overfitting", "high", 0.6, cause_in_settings=True),
           finding("unstable_training", "medium", 0.8, max_loss_over_constant_forecast_loss=1.5)]
    link_causes(big)
    report = Report(big, scores={}, folds=[], setup="x", settings={})
    assert [f.code for f in report.findings][:2] == ["overfitting", "outliers"]
    # a loss that stayed below twice a constant forecast's did not overshoot: the big network explains it
    assert "overfitting" in report["unstable_training"].explained_by
    exploded = [finding("outliers", "high", 1.0), finding("overfitting", "high", 0.6),
                finding("unstable_training", "high", 0.8, max_loss_over_constant_forecast_loss=40.0,
                        cause_in_settings=True)]
    link_causes(exploded)
    report = Report(exploded, scores={}, folds=[], setup="x", settings={})
    assert report.top.code == "unstable_training" and report.top.explained_by == []
    assert "unstable_training" in report["overfitting"].explained_by


def test_losing_to_naive_within_the_noise_is_not_high():
    """A model level with the naive forecast on a random walk: medium; clearly worse: high (Diebold-Mariano)."""
    from skl_lstm.diagnostics._checks import _worse_pvalue

    rng = np.random.default_rng(0)
    y = np.cumsum(rng.normal(size=200))
    naive = np.r_[y[0], y[:-1]]
    close = naive + rng.normal(0, 0.05, 200)
    far = naive + rng.normal(0, 1.5, 200)
    assert _worse_pvalue(y, close, naive) > 0.05
    assert _worse_pvalue(y, far, naive) < 0.001
    assert np.isnan(_worse_pvalue(y[:5], far[:5], naive[:5]))


def test_findings_rank_by_severity_then_cause_then_score():
    def finding(code, severity, score):
        return Finding(code=code, title=code, severity=severity, score=score, message="")

    findings = [finding("worse_than_naive", "high", 0.9), finding("underfitting", "high", 0.6),
                finding("residual_autocorrelation", "medium", 0.99), finding("outliers", "low", 1.0),
                finding("bias", "medium", 0.5)]
    link_causes(findings)
    report = Report(findings, scores={}, folds=[], setup="x", settings={})
    assert [f.code for f in report.findings] == [
        "underfitting", "worse_than_naive", "residual_autocorrelation", "bias", "outliers"]
    # a medium cause explains a high symptom too (it is a root cause only when nothing else explains it)
    assert report["worse_than_naive"].explained_by == ["underfitting", "residual_autocorrelation"]
    assert report["residual_autocorrelation"].severity == "medium"  # a link in the chain is not raised
    assert report["bias"].explained_by == ["underfitting", "residual_autocorrelation"]
    assert report["outliers"].explained_by == []  # a cause; nothing here explains it
    assert not report.healthy and report.filter("medium")[-1].code == "bias"
    with pytest.raises(ValueError, match=r"^severity='severe' must be one of \['high', 'medium', 'low', 'info'\]\.$"):
        finding("x", "severe", 0.1)
    with pytest.raises(KeyError, match="no finding with code 'overfitting'"):
        report["overfitting"]


def test_lstm_history_is_read_through_the_nesting_and_the_transforms_replayed():
    from sklearn.base import clone

    from skl_lstm import recommended_pipeline
    from skl_lstm.diagnostics._inspect import network_data

    X, y = make_supervised(_seasonal(n=100))
    model = recommended_pipeline(window=12, seasonal_period=12, units=4, epochs=4, linear_skip=False, random_state=0)
    report = diagnose_quiet(model, X, y, cv=2)
    assert report.setup == ("DifferencedTargetRegressor(reference='auto', transformer=StandardScaler, log='auto') > "
                            "Pipeline(difference=WindowTransformer, scale=StandardScaler, lstm) > LSTMRegressor")
    histories = [f["history"] for f in report._data["folds"]]
    assert all(len(h["loss"]) == 4 and len(h["val_loss"]) == 4 for h in histories)
    assert [f["n_epochs"] for f in report.folds] == [4, 4]
    # 4 epochs cannot converge: every fold was still improving
    assert report["underfitting"].evidence["folds_still_improving"] == 2
    assert report["underfitting"].fix.params == {"regressor__lstm__epochs": 100}

    # the replay recovers exactly what the network trained on: the standardised change, standardised windows
    fitted = clone(model).fit(X.iloc[:80], y.iloc[:80])
    X_net, y_net, lstm = network_data(fitted, X.iloc[:80], y.iloc[:80])
    change = y.iloc[:80].to_numpy() - X["y"].iloc[:80].to_numpy()
    np.testing.assert_allclose(y_net, (change - change.mean()) / change.std(), rtol=1e-9)
    assert X_net.shape == (80, 12, 1) and lstm.n_timesteps_ == 12  # the windows the LSTM gathers (lookback)
    np.testing.assert_allclose(np.nanmean(X_net[:, -1, 0]), 0, atol=1e-6)  # each window ends at a scaled change
    np.testing.assert_array_equal(np.isnan(X_net[:12, :, 0]), np.arange(12)[None, :] < 12 - np.arange(12)[:, None])


def test_plots_and_save(linear_report, tmp_path):
    pytest.importorskip("matplotlib")
    import copy

    import matplotlib.pyplot as plt

    report = copy.copy(linear_report)
    report._data = {**linear_report._data}
    report._data["folds"] = [  # the loss curves of two folds, as an LSTMRegressor records them
        {**fold, "history": {"loss": [1.0, 0.5, 0.4], "val_loss": [1.2, 0.7, 0.8]}, "best_epoch": 2}
        for fold in linear_report._data["folds"][:2]
    ]
    figures = report.plot()
    assert set(figures) == {"loss", "forecast", "residuals"}
    curves = [line.get_label() for line in figures["loss"].axes[0].get_lines() if line.get_label()[0] != "_"]
    assert curves == ["fold 0 train", "fold 0 validation", "fold 1 train", "fold 1 validation"]
    labels = [line.get_label() for line in figures["forecast"].axes[0].get_lines()]
    assert [label for label in labels if not label.startswith("_")] == ["actual", "naive", "seasonal naive", "model"]
    residual_ax, acf_ax = figures["residuals"].axes
    assert acf_ax.get_title().startswith("Residual ACF (Ljung-Box p=")
    for fig in figures.values():
        plt.close(fig)
    with pytest.raises(ValueError, match=r"^kind='acf' is not a figure of the report; use one of"):
        report.plot("acf")
    written = report.save(tmp_path / "out")
    assert sorted(p.rsplit("/", 1)[-1] for p in written) == [
        "forecast.png", "loss.png", "report.html", "report.json", "report.txt", "residuals.png"]
    assert json.loads((tmp_path / "out" / "report.json").read_text())["setup"] == report.setup


# --------------------------------------------------------------------------- fixes
def _lstm(**params):
    from skl_lstm import LSTMRegressor

    return LSTMRegressor(units=4, epochs=2, **params)


def test_fixes_change_the_right_step():
    raw = Pipeline([("window", WindowTransformer(12)), ("lstm", _lstm())])

    scaled = Fix("p", "scaling", "x", action="scale", options={"inputs": True, "target": True}).apply(raw)
    setup = inspect_setup(scaled)
    assert setup.describe() == ("TransformedTargetRegressor(StandardScaler) > "
                                "Pipeline(window=WindowTransformer, scale=StandardScaler, lstm) > LSTMRegressor")
    assert inspect_setup(raw).x_scaler is None  # the original is left alone

    # learning the change takes the target scaling into the one wrapper: still one pipeline deep
    differenced = Fix("t", "change", "x", action="difference_target", options={"reference": 0}).apply(scaled)
    setup = inspect_setup(differenced)
    assert setup.differenced_target and setup.window.diff == 1 and setup.y_scaler == "StandardScaler"
    assert setup.describe() == ("DifferencedTargetRegressor(reference=0, transformer=StandardScaler) > "
                                "Pipeline(window=WindowTransformer, scale=StandardScaler, lstm) > LSTMRegressor")
    assert "regressor__lstm__units" in differenced.get_params()

    # on the recipe the log fix is a parameter of its wrapper
    logged = Fix("t", "log", "x", action="log_target").apply(differenced)
    assert logged.log is True and inspect_setup(logged).log_target and not differenced.log
    # a foreign estimator gets the log of its inputs in front and of its target around it
    foreign = Fix("t", "log", "x", action="log_target").apply(raw)
    assert isinstance(foreign, TransformedTargetRegressor) and foreign.func is np.log
    assert foreign.regressor.named_steps["log"].func is np.log and foreign.regressor.named_steps["model"] is not raw
    # ... and differencing it moves both logs into the one wrapper: the change is learned on the log scale
    again = Fix("t", "change", "x", action="difference_target", options={"reference": 0}).apply(foreign)
    assert isinstance(again, DifferencedTargetRegressor) and again.log and again.transformer is None
    assert list(again.regressor.named_steps) == ["window", "lstm"]  # X is logged once, by the wrapper

    # a scaled-target fix on the recipe sets its transformer
    bare = recommended_pipeline(window=12).set_params(transformer=None)
    rescaled = Fix("p", "scaling", "x", action="scale", options={"inputs": False, "target": True}).apply(bare)
    assert isinstance(rescaled.transformer, StandardScaler) and bare.transformer is None

    lr = Fix("lstm", "learning_rate", 1e-3, action="set_params", params={"lstm__learning_rate": 1e-3}).apply(raw)
    assert lr.named_steps["lstm"].learning_rate == 1e-3 and raw.named_steps["lstm"].learning_rate == 0.001
    with pytest.raises(ValueError, match=r"^Fix action='time_ordered_cv' \(cv\) cannot be made automatically"):
        Fix("cv", "cv", "TimeSeriesSplit", action="time_ordered_cv").apply(raw)


def test_diagnose_reads_a_search_and_the_recorded_layout():
    df = pd.DataFrame({"x": np.random.default_rng(1).normal(size=120), "y": _seasonal().to_numpy()},
                      index=pd.RangeIndex(120))
    X, y = make_supervised(df, target="y", horizon=2)
    search = GridSearchCV(Pipeline([("window", WindowTransformer(3)), ("impute", SimpleImputer()),
                                    ("ridge", Ridge())]), {"ridge__alpha": [0.1, 10.0]}, cv=TimeSeriesSplit(2))
    search.fit(X, y)  # a fitted search is diagnosed as its settings: diagnose refits clones per fold
    report = diagnose_quiet(search, X, y)
    assert report.setup.startswith("GridSearchCV > Pipeline(window=WindowTransformer")
    assert report.settings["reference"] == "y"  # the recorded target, not column 0
    assert report.settings["horizon"] == 2 and report.settings["horizon_source"].startswith("data")
    # the naive forecast repeats the recorded target's column
    frame = report.forecasts
    tests = [te for _, te in report_splits(report, X)]
    np.testing.assert_allclose(frame["naive"], np.concatenate([X["y"].to_numpy()[te] for te in tests]))


def report_splits(report, X):
    from skl_lstm.utils import default_splitter

    s = report.settings
    return default_splitter(len(X), s["horizon"], s["seasonal_period"]).split(X)


def test_recorded_horizon_is_used_when_the_data_do_not_show_it():
    X, y = make_supervised(_seasonal(noise=0.5), horizon=4)
    noisy = y + np.random.default_rng(0).normal(0, 0.5, len(y))  # y no longer equals a shifted column
    report = diagnose_quiet(LinearRegression(), X, noisy)
    assert report.settings["horizon"] == 4 and report.settings["horizon_source"] == "make_supervised's record"
    bare = diagnose_quiet(LinearRegression(), X.to_numpy(), noisy.to_numpy())
    assert bare.settings["horizon"] == 1


# --------------------------------------------------------------------------- the fault suite
FAST_CASES = fault_cases.build_cases(fault_cases.FAST, series=("synthetic",))


@pytest.mark.parametrize("case", FAST_CASES, ids=[c.fault for c in FAST_CASES])
def test_fault_suite_fast(case):
    """Small synthetic version of the fault suite: each planted fault is the top finding."""
    report, _ = fault_cases.run_case(case)
    print(f"\n{case.name}: top={report.top.code if report.top else None}\n{report}")
    if case.expected is None:
        assert report.healthy, f"healthy model got high-severity findings:\n{report}"
    else:
        assert report.top is not None and report.top.code == case.expected, str(report)
        # outliers rest on the data alone: medium unless a symptom they explain in the fits is high
        assert report.top.severity in (("high", "medium") if case.expected == "outliers" else ("high",))
        assert report.top.fix is not None


@pytest.mark.slow
def test_fault_suite_full_confusion_table():
    """Synthetic and airline series, one planted fault each: top finding right in at least 90 % of cases."""
    results = []
    for case in fault_cases.build_cases(fault_cases.FULL):
        report, seconds = fault_cases.run_case(case)
        print(f"{case.name:<48} top={report.top.code if report.top else None} ({seconds:.0f} s)")
        results.append((case, report))
    table, accuracy = fault_cases.confusion(results)
    with pd.option_context("display.width", 250, "display.max_columns", 20):
        print(table)
    print(f"top-finding accuracy: {accuracy:.0%}")
    for case, report in results:
        if case.expected is None:
            assert report.healthy, f"{case.name}: {report.filter('high')}"
    assert accuracy >= 0.9


# --------------------------------------------------------------------------- the tutorial recipe on airline
def _tutorial_recipe():
    """The classic tutorial: raw passenger counts into an LSTM, no scaling, no differencing."""
    from skl_lstm import LSTMRegressor

    return Pipeline([("window", WindowTransformer(12)),
                     ("lstm", LSTMRegressor(units=32, epochs=150, patience=20, learning_rate=0.003,
                                            validation_fraction=0.15, random_state=0))])


@pytest.mark.slow
def test_airline_tutorial_recipe_is_flagged_and_the_fix_beats_naive():
    X, y = make_supervised(load_airline())
    report = diagnose_quiet(_tutorial_recipe(), X, y)
    print(report)
    high = [f.code for f in report.filter("high")]
    assert "nonstationary" in high and "worse_than_naive" in high
    assert report["nonstationary"].evidence["share_test_outside_train_range"] > 0.25
    fixed = report.apply_fixes()
    assert inspect_setup(fixed).differenced_target
    after = diagnose_quiet(fixed, X, y)
    print(after)
    overall = after.scores["overall"]
    assert overall["model"]["mape"] < overall["naive"]["mape"]
    assert not {"nonstationary", "unscaled", "worse_than_naive"} & {f.code for f in after.filter("high")}


@pytest.mark.slow
def test_cost_is_a_few_times_one_fit():
    """Three folds cost a few times one fit on the whole series (CPU time: robust to other load)."""
    from skl_lstm import recommended_pipeline

    X, y = make_supervised(load_airline())
    model = recommended_pipeline(window=24, seasonal_period=12, log=True, random_state=0)
    model.fit(X.iloc[:40], y.iloc[:40])  # warm up TensorFlow
    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(X, y)
    fit_wall, fit_cpu = time.perf_counter() - wall, time.process_time() - cpu
    wall, cpu = time.perf_counter(), time.process_time()
    report = diagnose_quiet(model, X, y)
    diag_wall, diag_cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"one fit {fit_wall:.1f} s ({fit_cpu:.1f} s CPU); diagnose {diag_wall:.1f} s ({diag_cpu:.1f} s CPU): "
          f"{diag_wall / fit_wall:.1f}x wall, {diag_cpu / fit_cpu:.1f}x CPU; epochs per fold "
          f"{[f['n_epochs'] for f in report.folds]}")
    assert diag_cpu / fit_cpu < 4


def test_forecast_figure_and_frame_carry_the_models_interval():
    pytest.importorskip("keras")
    pytest.importorskip("matplotlib")
    from matplotlib.collections import PolyCollection

    from skl_lstm import recommended_pipeline

    X, y = make_supervised(_seasonal(n=160))
    model = recommended_pipeline(window=12, seasonal_period=12, units=3, epochs=2, random_state=0)
    report = diagnose_quiet(model, X, y, cv=2)
    frame = report.forecasts
    assert list(frame.columns[-2:]) == ["lower", "upper"]
    assert ((frame["lower"] < frame["model"]) & (frame["model"] < frame["upper"])).all()
    fig = report.plot("forecast")
    assert any(isinstance(c, PolyCollection) for c in fig.axes[0].collections)  # the 80 % band
    assert "model, 80% interval" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
