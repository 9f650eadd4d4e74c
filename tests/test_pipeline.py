"""End-to-end: the workflow the README promises, in real sklearn model selection."""

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import StackingRegressor, VotingRegressor
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, TimeSeriesSplit, cross_val_score, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skl_lstm import LSTMRegressor, NaiveForecaster, WindowTransformer, recommended_pipeline
from skl_lstm.datasets import load_airline, make_supervised
from skl_lstm.metrics import FORECAST_SCORING

FAST = dict(units=4, epochs=3, batch_size=64, random_state=0)


@pytest.fixture(scope="module")
def airline():
    return make_supervised(load_airline())


def _network(**lstm):
    return Pipeline(
        [("window", WindowTransformer(6, diff=1)), ("scale", StandardScaler()), ("lstm", LSTMRegressor(**{**FAST, **lstm}))]
    )


def test_grid_search_with_time_series_split_mape_and_r2(airline):
    X, y = airline
    model = TransformedTargetRegressor(_network(), transformer=StandardScaler())
    search = GridSearchCV(
        model,
        {"regressor__window__window": [3, 6], "regressor__lstm__units": [4]},
        cv=TimeSeriesSplit(n_splits=3),
        scoring=FORECAST_SCORING,
        refit="mape",
    )
    search.fit(X, y)
    results = pd.DataFrame(search.cv_results_)
    assert len(results) == 2 and {"mean_test_mape", "mean_test_r2"} <= set(results)
    assert np.isfinite(results[["mean_test_mape", "mean_test_r2"]].to_numpy()).all()
    assert search.best_index_ == int(results["mean_test_mape"].idxmax())
    assert search.predict(X.iloc[-5:]).shape == (5,)


def test_cross_val_score_and_cross_validate_against_naive(airline):
    X, y = airline
    cv = TimeSeriesSplit(n_splits=3)
    scores = cross_val_score(recommended_pipeline(window=12, epochs=3, random_state=0), X, y, cv=cv, scoring="r2")
    assert scores.shape == (3,) and np.isfinite(scores).all()
    both = {
        name: cross_validate(est, X, y, cv=cv, scoring=FORECAST_SCORING)
        for name, est in {"lstm": _network(), "naive": NaiveForecaster()}.items()
    }
    assert all(res["test_mape"].shape == (3,) for res in both.values())


def test_randomized_search(airline):
    X, y = airline
    space = {"lstm__dropout": [0.0, 0.1, 0.2], "lstm__learning_rate": [1e-3, 1e-2]}
    search = RandomizedSearchCV(
        _network(),
        space,
        n_iter=2,
        cv=TimeSeriesSplit(n_splits=2),
        scoring="neg_mean_absolute_percentage_error",
        random_state=0,
    ).fit(X, y)
    results = pd.DataFrame(search.cv_results_)
    # two different candidates drawn from the space, each scored on both time-ordered folds
    candidates = [tuple(sorted(p.items())) for p in results["params"]]
    assert len(set(candidates)) == 2
    assert all(p[k] in space[k] for p in results["params"] for k in space)
    scores = results[["split0_test_score", "split1_test_score"]].to_numpy()
    assert np.isfinite(scores).all() and (scores < 0).all()  # negated MAPE
    np.testing.assert_allclose(results["mean_test_score"], scores.mean(axis=1))
    # the refitted model carries the best candidate's settings and was fitted on every row
    best = search.best_estimator_.named_steps["lstm"]
    assert (best.dropout, best.learning_rate) == (search.best_params_["lstm__dropout"],
                                                  search.best_params_["lstm__learning_rate"])
    assert search.best_index_ == int(results["mean_test_score"].idxmax())
    window = search.best_estimator_.named_steps["window"]
    np.testing.assert_array_equal(window.last_window_, X.to_numpy()[-window.n_warmup_ :])


def test_voting_and_stacking_with_a_linear_model(airline):
    X, y = airline
    lin = Pipeline([("window", WindowTransformer(6)), ("fill", _Fill()), ("ridge", Ridge())])
    voting = VotingRegressor([("lstm", _network()), ("ridge", lin)]).fit(X, y)
    assert voting.predict(X).shape == (len(X),)
    stacking = StackingRegressor([("lstm", _network()), ("ridge", lin)], cv=2).fit(X.iloc[40:], y.iloc[40:])
    assert stacking.predict(X.iloc[-3:]).shape == (3,)


class _Fill(StandardScaler):
    """Standardise and fill the warm-up NaN with the column mean (0), for Ridge."""

    def transform(self, X, copy=None):
        return np.nan_to_num(super().transform(X, copy=copy))


def test_tuning_window_for_one_and_several_columns(airline):
    X, y = airline
    multi = X.assign(month=np.sin(2 * np.pi * X.index.month / 12), trend=np.arange(len(X)) / 100.0)
    for data in (X, multi):
        # pandas output lets LSTMRegressor read the number of series from the column names
        search = GridSearchCV(
            _network().set_output(transform="pandas"), {"window__window": [3, 5]}, cv=TimeSeriesSplit(n_splits=2), scoring="neg_mean_absolute_percentage_error"
        ).fit(data, y)
        lstm = search.best_estimator_.named_steps["lstm"]
        assert lstm.n_features_per_step_ == data.shape[1]
        assert lstm.n_timesteps_ == search.best_params_["window__window"]


def test_scalers_are_fitted_per_fold(airline):
    X, y = airline
    cv = TimeSeriesSplit(n_splits=3)
    means = []
    for train, _ in cv.split(X):
        model = _network(epochs=1).fit(X.iloc[train], y.iloc[train])
        means.append(model.named_steps["scale"].mean_.copy())
        # the scaler saw only training rows: refit on them reproduces its statistics
        expected = WindowTransformer(6, diff=1).fit_transform(X.iloc[train])
        np.testing.assert_allclose(model.named_steps["scale"].mean_, np.nanmean(expected, axis=0))
    assert not np.allclose(means[0], means[-1])


def test_recommended_pipeline_multi_output_and_log(airline):
    X, Y = make_supervised(load_airline(), horizon=3, all_horizons=True)
    model = recommended_pipeline(window=12, log=True, epochs=2, random_state=0).fit(X.iloc[:100], Y.iloc[:100])
    pred = model.predict(X.iloc[100:])
    assert pred.shape == (len(X) - 100, 3) and np.isfinite(pred).all() and (pred > 0).all()
