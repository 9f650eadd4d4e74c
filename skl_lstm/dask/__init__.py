"""Panels and batch forecasts on Dask (``pip install "skl_lstm[dask]"``).

A Dask DataFrame has no MultiIndex, so a panel travels in a long format:
the columns ``series`` and ``time``, then the observed columns, partitioned
by series (every series' rows in one partition: its windows need its whole
history). :func:`to_dask_panel` and :func:`from_dask_panel` convert between
that format and the in-memory panel indexed by (series, time);
:func:`forecast_dask` forecasts every series of a Dask panel on the cluster,
as :func:`skl_lstm.forecast` does in memory.

Searches and ``cross_validate`` need nothing from here: run them under
``joblib.parallel_backend("dask")`` (see ``docs/dask.md``).

Importing this module does not import Dask; each function imports it when
called, and says what to install when it is missing.
"""

from ._forecast import forecast_dask
from ._panel import SERIES, TIME, from_dask_panel, to_dask_panel

__all__ = ["SERIES", "TIME", "forecast_dask", "from_dask_panel", "to_dask_panel"]
