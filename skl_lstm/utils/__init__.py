"""Internal helpers: validation, optional dependencies, pandas index arithmetic, warning locations."""
