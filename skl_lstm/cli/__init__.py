"""Command line: diagnose, fit, tune and forecast an LSTM on a CSV file, with no windowing code.

::

    skl-lstm diagnose sales.csv --target sales --time date --output report/
    skl-lstm fit      sales.csv --target sales --time date --model sales.model
    skl-lstm tune     sales.csv --target sales --time date --model best.model --output tuning/
    skl-lstm predict  sales.csv --model sales.model --output forecasts.csv

Every subcommand reads a CSV with one row per time step: an optional time
column (``--time``), the target column (``--target``) and any other columns.
The inputs are the target's own history plus ``--features`` (default: every
other numeric column). Missing values in the inputs are masked by the
network; rows whose target is missing are dropped from training with a
message. Mistakes (a wrong column name, a file that is not CSV, a time column
that is not dates) end with a one-line message and exit status 2.

Many series in one long CSV (one row per series and time step, in any order)
take ``--series COLUMN`` and ``--time``::

    skl-lstm fit      stores.csv --series store --time week --target sales --horizon 4 --model stores.model
    skl-lstm predict  stores.csv --model stores.model --output next_weeks.csv

The rows become a panel indexed by (series, time) and the recipe fits one
network to all series, each forecast ``1 .. --horizon`` steps ahead; ``predict``
writes each series' next steps (columns: the series column, the time column,
``horizon``, ``forecast``) with :func:`skl_lstm.forecast`. ``tune`` cuts its
folds with :class:`~skl_lstm.model_selection.PanelTimeSeriesSplit`;
``diagnose`` diagnoses each series on its own, as :func:`skl_lstm.diagnose`
reads one series.

Models are saved with :func:`skl_lstm.save` (no pickle; see docs/reliability.md).

The command line uses skl_lstm's public API only. Modules, one job each:
``_io`` (reading the CSV, column checks, :class:`CLIError` and messages),
``_data`` (``(X, y)``, season length and length checks), ``_models``
(the recipe from the options, ``--grid`` keys, model files), one module
per subcommand (``_fit``, ``_tune``, ``_predict``, ``_diagnose``),
``_parser`` (argparse) and ``_main`` (:func:`main`, the exit status).
"""

# __all__ is the command line's API; the other public names of the former skl_lstm/cli.py stay importable.
from ._data import supervised
from ._diagnose import cmd_diagnose  # noqa: F401
from ._fit import cmd_fit  # noqa: F401
from ._io import EXIT_FINDINGS, EXIT_USAGE, CLIError, check_column, read_panel, read_table, select_columns  # noqa: F401
from ._main import main
from ._models import DEFAULT_GRID, MODEL_FORMAT, MODEL_FORMAT_VERSION, build_model, load_model, save_model  # noqa: F401
from ._parser import build_parser
from ._predict import cmd_predict  # noqa: F401
from ._tune import cmd_tune, panel_splitter  # noqa: F401

__all__ = ["CLIError", "build_parser", "main", "panel_splitter", "read_panel", "read_table", "select_columns",
           "supervised"]
