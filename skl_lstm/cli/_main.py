"""``main``: parse the arguments, check them, run the subcommand, turn a CLIError into exit status 2."""

from __future__ import annotations

import os

from ._io import EXIT_USAGE, CLIError, _say
from ._parser import build_parser


def main(argv=None) -> int:
    """Run ``skl-lstm``; return the exit status (0 ok, 1 findings with --fail-on, 2 usage or data error).

    Parameters
    ----------
    argv : list of str or None, default=None
        Arguments without the program name; None reads ``sys.argv``.

    Returns
    -------
    int
        The exit status.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse prints its own message
        return int(exc.code or 0)
    if hasattr(args, "horizon"):
        args.horizon_default = args.horizon is None
        if args.horizon is None:
            args.horizon = 1
        if args.horizon < 1:
            _say(f"error: --horizon {args.horizon} must be a positive number of steps.")
            return EXIT_USAGE
    for name in ("window", "units", "epochs", "cv_splits"):
        value = getattr(args, name, None)
        if value is not None and value < 1:
            _say(f"error: --{name.replace('_', '-')} {value} must be a positive integer.")
            return EXIT_USAGE
    coverage = getattr(args, "coverage", None)
    if coverage is not None and not 0 < coverage < 1:
        _say(f"error: --coverage {coverage} must be strictly between 0 and 1, the share of observations the "
             "intervals should hold (e.g. 0.9).")
        return EXIT_USAGE
    verbose = getattr(args, "verbose", None)
    if verbose is not None and verbose < 0:
        _say(f"error: --verbose {verbose} must be 0 (no progress), 1 (a line per fit: elapsed, done, to go; the "
             "default) or 2 (also scikit-learn's line per fit with its parameters and score).")
        return EXIT_USAGE
    if getattr(args, "cv_splits", None) == 1:
        _say("error: --cv-splits 1 must be at least 2: cross-validation needs two time-ordered folds.")
        return EXIT_USAGE
    try:
        return args.func(args)
    except CLIError as exc:
        _say(f"error: {exc}")
        return EXIT_USAGE
