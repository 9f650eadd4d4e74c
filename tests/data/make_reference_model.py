"""Write the reference model files that every later skl_lstm version must load.

Each file is written once, when its format version (or its kind of model)
appears, and committed with its expected predictions; never regenerate an
existing one. Run ``python tests/data/make_reference_model.py NAME`` with
one of:

``pipeline_format2``
    The recipe (``recommended_pipeline(log=True)``) with a ridge in the LSTM's
    place, fitted, in format 2 (``skl_lstm.save``):
    ``pipeline_format2.skl-lstm`` and ``pipeline_format2.json``.
``recipe_format2``
    The recipe with its LSTM, fitted, in format 2: ``recipe_format2.skl-lstm``
    and ``recipe_format2.json``.

``lstm_format1.skl-lstm`` (a bare ``LSTMRegressor``) and
``lstm_format1.json`` were written by ``LSTMRegressor.save`` of skl_lstm
0.1.0, whose format-1 writer is gone (``save`` writes format 2 since); see
this file's history for the script.
"""

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def _sales():
    """Two columns of 95 monthly steps, and the first one a step ahead."""
    import pandas as pd

    t = np.arange(96.0)
    X = pd.DataFrame({"sales": 100 + t + 10 * np.sin(2 * np.pi * t / 12), "price": 5 + np.cos(t / 5)})
    return X.iloc[:-1], X["sales"].to_numpy()[1:]


def _write(name, model, X):
    import skl_lstm

    skl_lstm.save(model, os.path.join(HERE, f"{name}.skl-lstm"))
    with open(os.path.join(HERE, f"{name}.json"), "w") as fh:
        json.dump({"columns": list(X.columns), "X": X.to_numpy().tolist(),
                   "predictions": model.predict(X).tolist()}, fh, indent=1)


def pipeline_format2():
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import Pipeline

    import skl_lstm

    X, y = _sales()
    model = skl_lstm.recommended_pipeline(window=6, log=True)
    (lstm,) = [name for name in model.get_params() if name.endswith("__lstm")]
    model.set_params(**{lstm: Pipeline([("fill", SimpleImputer(keep_empty_features=True)), ("ridge", RidgeCV())])})
    _write("pipeline_format2", model.fit(X, y), X)


def recipe_format2():
    import skl_lstm

    X, y = _sales()
    model = skl_lstm.recommended_pipeline(window=6, log=True, units=4, epochs=3, random_state=0)
    _write("recipe_format2", model.fit(X, y), X)


WRITERS = {"pipeline_format2": pipeline_format2, "recipe_format2": recipe_format2}


# Guarded: pytest --doctest-modules imports this file, which must not rewrite the committed files.
if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in WRITERS:
        sys.exit(f"usage: python {sys.argv[0]} NAME, NAME one of {sorted(WRITERS)} (see the module docstring)")
    WRITERS[sys.argv[1]]()
