"""Write the reference model files that every later skl_lstm version must load.

Each file is written once, when its format version (or its kind of model)
appears, and committed with its expected predictions; never regenerate an
existing one. Run ``python tests/data/make_reference_model.py NAME`` with one
of:

``lstm_format1``
    A bare ``LSTMRegressor`` in format 1 (``LSTMRegressor.save`` of skl_lstm
    0.1.0): ``lstm_format1.skl-lstm`` and ``lstm_format1.json``.
``pipeline_format2``
    The recipe (``recommended_pipeline(log=True)``) with a ridge in the LSTM's
    place, fitted, in format 2 (``skl_lstm.save``):
    ``pipeline_format2.skl-lstm`` and ``pipeline_format2.json``.
"""

import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def lstm_format1():
    from skl_lstm import LSTMRegressor, WindowTransformer

    t = np.arange(80.0)
    X = WindowTransformer(window=5).fit_transform(np.column_stack([np.sin(t / 4), np.cos(t / 7)]))
    y = np.sin((t + 1) / 4)
    model = LSTMRegressor(units=(4, 3), n_features=2, epochs=3, loss="huber", random_state=0).fit(X, y)
    model.save(os.path.join(HERE, "lstm_format1.skl-lstm"))
    with open(os.path.join(HERE, "lstm_format1.json"), "w") as fh:
        json.dump({"X": X[-6:].tolist(), "predictions": model.predict(X[-6:]).tolist()}, fh, indent=1)


def pipeline_format2():
    import pandas as pd
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import Pipeline

    import skl_lstm

    t = np.arange(96.0)
    X = pd.DataFrame({"sales": 100 + t + 10 * np.sin(2 * np.pi * t / 12), "price": 5 + np.cos(t / 5)})
    y = X["sales"].shift(-1).to_numpy()[:-1]
    X = X.iloc[:-1]
    model = skl_lstm.recommended_pipeline(window=6, log=True)
    (lstm,) = [name for name in model.get_params() if name.endswith("__lstm")]
    model.set_params(**{lstm: Pipeline([("fill", SimpleImputer(keep_empty_features=True)), ("ridge", RidgeCV())])})
    model.fit(X, y)
    skl_lstm.save(model, os.path.join(HERE, "pipeline_format2.skl-lstm"))
    with open(os.path.join(HERE, "pipeline_format2.json"), "w") as fh:
        json.dump({"columns": list(X.columns), "X": X.to_numpy().tolist(),
                   "predictions": model.predict(X).tolist()}, fh, indent=1)


WRITERS = {"lstm_format1": lstm_format1, "pipeline_format2": pipeline_format2}


# Guarded: pytest --doctest-modules imports this file, which must not rewrite the committed files.
if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in WRITERS:
        sys.exit(f"usage: python {sys.argv[0]} NAME, NAME one of {sorted(WRITERS)} (see the module docstring)")
    WRITERS[sys.argv[1]]()
