"""``skl-lstm fit``: fit the recommended pipeline and save it."""

from __future__ import annotations

import warnings

from ..utils import is_panel
from ._data import _check_length, _longest, _prepare, _window_of
from ._models import _meta, build_model, save_model


def cmd_fit(args) -> int:
    import time

    frame, target, features, X, y, m, positive = _prepare(args)
    n_rows, where = _longest(X)
    _check_length(n_rows, _window_of(args, m), args.diff, where=where)
    model = build_model(args, m, positive)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        model.fit(X, y)
    if is_panel(X):
        rows = f"{len(X)} rows of {X.index.get_level_values(0).nunique()} series"
        steps = f"t + 1 .. t + {args.horizon}" if args.horizon > 1 else "t + 1"
    else:
        rows, steps = f"{len(X)} rows", f"t + {args.horizon}"
    print(f"fitted on {rows} ({target} at {steps} from {[target, *features]}) in "
          f"{time.perf_counter() - start:.1f} s")
    save_model(args.model, model, _meta(args, target, features, m))
    return 0
