import os

import numpy as np
import pandas as pd

from skl_lstm.datasets import load_m4_weekly_sample

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_sample_is_the_unchanged_m4_training_part_of_its_20_series():
    panel = load_m4_weekly_sample()
    assert list(panel.columns) == ["y"] and panel.index.names == ["series", "time"]
    assert panel["y"].dtype == np.float64 and panel.index.is_unique
    wide = pd.read_csv(os.path.join(ROOT, "benchmarks", "data", "m4_weekly", "Weekly-train.csv.gz"), index_col=0)
    lengths = wide.notna().sum(axis=1)
    chosen = sorted(lengths[(lengths >= 260) & (lengths <= 400)].index, key=lambda s: int(s[1:]))[:20]
    assert list(panel.index.unique(level="series")) == chosen
    for series in chosen:
        values = panel.loc[series, "y"]
        assert values.index.tolist() == list(range(len(values)))  # weeks counted from 0, in order
        np.testing.assert_array_equal(values.to_numpy(), wide.loc[series].dropna().to_numpy())
