"""Collection rules for the doctests in skl_lstm/: modules of an optional extra need its packages."""

from importlib.util import find_spec

collect_ignore_glob = []
if find_spec("dask") is None or find_spec("pyarrow") is None:  # skl_lstm[dask]: dask.dataframe needs pyarrow
    collect_ignore_glob.append("skl_lstm/dask/*.py")
