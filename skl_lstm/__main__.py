"""``python -m skl_lstm``: the ``skl-lstm`` command line."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
