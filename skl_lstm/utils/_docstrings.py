"""Docstring text shared by several estimators and functions, written once.

A docstring line that holds only ``%(name)s`` is replaced by the snippet
``name``, indented like the placeholder, as imbalanced-learn substitutes its
shared parameter descriptions.
"""

from __future__ import annotations

import re
import textwrap

SNIPPETS = {
    "forecast_fit_data": """
        X : array-like of shape (n_samples, n_features)
            Observed values at ``t``.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets; only their shape is used.
    """,
    "reference_attributes": """
        reference_index_ : int
            Position of the reference column.
        n_features_in_ : int
            Number of columns of ``X``.
        feature_names_in_ : ndarray of shape (`n_features_in_`,)
            Column names, when ``X`` has string column names.
    """,
    "metric_data": """
        y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Observed values.
        y_pred : array-like of the same shape
            Forecasts.
    """,
}

_PLACEHOLDER = re.compile(r"^(?P<indent>[ \t]*)%\((?P<name>\w+)\)s[ \t]*$", re.M)


def fill_doc(obj):
    """Replace each ``%(name)s`` line of ``obj.__doc__`` by its snippet; return ``obj``.

    Examples
    --------
    >>> @fill_doc
    ... def f(y_true, y_pred):
    ...     '''Parameters
    ...     ----------
    ...     %(metric_data)s
    ...     '''
    >>> print(f.__doc__.splitlines()[2].strip())
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
    """

    def substitute(match):
        text = textwrap.dedent(SNIPPETS[match["name"]]).strip("\n")
        return textwrap.indent(text, match["indent"])

    obj.__doc__ = _PLACEHOLDER.sub(substitute, obj.__doc__)
    return obj
