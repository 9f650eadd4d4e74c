"""``skl-lstm diagnose``: :func:`skl_lstm.diagnose` on one series, or on each series of a long CSV."""

from __future__ import annotations

import os

from ._data import _check_length, _positive, _prepare, _requested, _season, _window_of, supervised
from ._io import EXIT_FINDINGS, CLIError, _columns_hint, _say, read_panel, select_columns
from ._models import build_model, load_model


def cmd_diagnose(args) -> int:
    from sklearn.base import clone

    from ..diagnostics import diagnose

    bundle = None
    if args.model:
        bundle = load_model(args.model)
        args.target = args.target or bundle["target"]
        args.features = args.features if args.features is not None else list(bundle["features"])
        args.horizon = bundle["horizon"] if args.horizon_default else args.horizon
        args.time = args.time or bundle.get("time")
        args.series = args.series or bundle.get("series")
    if not args.target:
        raise CLIError("diagnose needs --target COLUMN (or --model PATH of a model written by `skl-lstm fit`).")
    if args.series_ids and args.series is None:
        raise CLIError("--series-ids picks series of a long CSV; name the column that holds them with --series.")
    if args.series is not None:
        return _diagnose_panel(args, bundle)
    frame, target, features, X, y, m, positive = _prepare(args)
    model = clone(bundle["model"]) if args.model else build_model(args, m, positive)
    if not args.model:
        _check_length(len(X) // 2, _window_of(args, m), args.diff)
    report = diagnose(model, X, y, cv=args.cv_splits, seasonal_period=m, horizon=args.horizon)
    print(report)
    if args.output:
        written = report.save(args.output)
        _say("wrote " + ", ".join(written))
    if args.fail_on != "never" and report.filter(args.fail_on):
        return EXIT_FINDINGS
    return 0


def _diagnose_panel(args, bundle) -> int:
    """``diagnose --series``: each series diagnosed on its own, then one line per series.

    :func:`skl_lstm.diagnose` reads one series: its folds, its naive and
    seasonal-naive baselines and its residual tests follow one time axis. So
    each series (or each of ``--series-ids``) is diagnosed alone, with the
    recipe's settings (or those of ``--model``) fitted to that series only;
    the global model ``fit --series`` trains on all series together is not
    diagnosed as one.
    """
    import pandas as pd
    from sklearn.base import clone

    from ..diagnostics import diagnose

    frame = read_panel(args.data, args.series, args.time, _requested(args))
    labels = list(frame.index.get_level_values(0).unique())
    if args.series_ids:
        by_text = {str(label): label for label in labels}
        for name in args.series_ids:
            if name not in by_text:
                raise CLIError(f"--series-ids {name!r} is not a series of {args.data} (column {args.series!r})"
                               + _columns_hint(name, labels[:50], "Its series" + (" (first 50)" if len(labels) > 50
                                                                                   else "")))
        labels = [by_text[name] for name in dict.fromkeys(args.series_ids)]
    target, features = select_columns(frame, args.target, args.features, args.data)
    _say(f"diagnosing each of {len(labels)} series on its own (about {len(labels)} x {args.cv_splits} fits): "
         "skl_lstm.diagnose reads one series at a time, so the model that `skl-lstm fit --series` trains on all "
         "series together is not diagnosed as one; pick series with --series-ids.")
    written, rows, failing = set(), [], False
    for label in labels:
        one = frame.loc[label]
        if isinstance(one.index, pd.DatetimeIndex):
            from ..utils import index_freq

            freq = index_freq(one.index)
            if freq:  # the season length and the report's times read the frequency
                one = one.set_axis(pd.DatetimeIndex(one.index, freq=freq, name=one.index.name))
        try:
            X, y = supervised(one, target, features, args.horizon, source=f"series {label!r}")
            m = _season(one, args)
            if bundle is not None:
                model = clone(bundle["model"])
            else:
                model = build_model(args, m, _positive(X) and _positive(y))
                _check_length(len(X) // 2, _window_of(args, m), args.diff, where=f" in series {label!r}")
            report = diagnose(model, X, y, cv=args.cv_splits, seasonal_period=m, horizon=args.horizon)
        except (CLIError, ValueError) as exc:  # this series cannot be diagnosed; the others still are
            reason = str(exc) if repr(label) in str(exc) else f"series {label!r}: {exc}"
            _say(f"not diagnosed: {reason}")
            rows.append({"series": label, "rows": len(one), "status": f"not diagnosed: {reason}"})
            continue
        print(f"=== series {label!r} ===")
        print(report)
        print()
        overall = report.scores.get("overall", {})
        naive = overall.get("naive", {}).get("mae")
        mae = overall.get("model", {}).get("mae")
        top = report.top
        rows.append({"series": label, "rows": len(one), "status": "diagnosed", "mae": mae,
                     "mae_over_naive": mae / naive if mae is not None and naive else None,
                     "top_finding": top.code if top else None, "top_severity": top.severity if top else None,
                     "findings": ";".join(f"{f.code}:{f.severity}" for f in report.findings)})
        if args.output:
            directory = os.path.join(args.output, _directory_name(label, written))
            report.save(directory)
            _say(f"wrote the report of series {label!r} to {directory}")
        failing |= args.fail_on != "never" and bool(report.filter(args.fail_on))
    summary = pd.DataFrame(rows, columns=["series", "rows", "status", "mae", "mae_over_naive", "top_finding",
                                          "top_severity", "findings"])
    diagnosed = summary[summary["status"] == "diagnosed"]
    print(f"Summary: {len(diagnosed)} of {len(summary)} series diagnosed")
    for row in summary.itertuples(index=False):
        if row.status != "diagnosed":
            print(f"  {row.series!r}: {row.status}")
            continue
        ratio = "" if pd.isna(row.mae_over_naive) else f"MAE / naive {row.mae_over_naive:.2f}; "
        found = isinstance(row.top_finding, str)
        top = f"top finding {row.top_finding} ({row.top_severity})" if found else "no problem found"
        print(f"  {row.series!r}: {ratio}{top}")
    if args.output:
        os.makedirs(args.output, exist_ok=True)
        path = os.path.join(args.output, "summary.csv")
        summary.to_csv(path, index=False)
        _say(f"wrote {path}")
    if diagnosed.empty:
        raise CLIError("no series could be diagnosed (the reasons are above); use a smaller --window or --horizon, "
                       "or pick longer series with --series-ids.")
    return EXIT_FINDINGS if failing else 0


def _directory_name(label, taken: set) -> str:
    """A directory name for a series label: its letters, digits, '.', '-' and '_' only, unique among ``taken``."""
    import re

    base = re.sub(r"[^A-Za-z0-9._-]+", "_", str(label)).strip("._") or "series"
    name, k = base, 2
    while name.lower() in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name.lower())
    return name
