"""Write the reference model file that every later skl_lstm version must load.

Run once per format version (``python tests/data/make_reference_model.py``);
the committed outputs are ``lstm_format1.skl-lstm`` and its expected
predictions ``lstm_format1.json``. Never regenerate an existing version.
"""

import json
import os

import numpy as np

from skl_lstm import LSTMRegressor, WindowTransformer

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    t = np.arange(80.0)
    X = WindowTransformer(window=5).fit_transform(np.column_stack([np.sin(t / 4), np.cos(t / 7)]))
    y = np.sin((t + 1) / 4)
    model = LSTMRegressor(units=(4, 3), n_features=2, epochs=3, loss="huber", random_state=0).fit(X, y)
    model.save(os.path.join(HERE, "lstm_format1.skl-lstm"))
    with open(os.path.join(HERE, "lstm_format1.json"), "w") as fh:
        json.dump({"X": X[-6:].tolist(), "predictions": model.predict(X[-6:]).tolist()}, fh, indent=1)


# Guarded: pytest --doctest-modules imports this file, which must not rewrite the committed files.
if __name__ == "__main__":
    main()
