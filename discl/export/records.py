"""The three frames read as plain records for the sheet builders: missing values, ids as text, cell keys.

>>> list(records(pd.DataFrame({"row": ["granted"], "value": [3.0]}), ["row", "col"]))
[{'row': 'granted', 'col': nan}]
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

__all__ = ["Key", "is_missing", "records", "text_of"]

Key = tuple[str, str, str, str]
"""A value cell of one report: (report_id, table, row, col)."""


def is_missing(x: Any) -> bool:
    """None, pandas NA/NaT and float NaN (including numpy floats) are missing.

    >>> [is_missing(x) for x in (None, pd.NA, float("nan"), 0, "")]
    [True, True, True, False, False]
    """
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    return isinstance(x, float) and math.isnan(x)


def text_of(x: Any) -> str:
    """A possibly missing label as a string ('' when missing).

    >>> text_of(pd.NA), text_of("granted")
    ('', 'granted')
    """
    return "" if is_missing(x) else str(x)


def records(df: pd.DataFrame, columns: list[str]) -> Iterable[dict[str, Any]]:
    """Rows of ``df`` as dicts restricted to ``columns`` (absent columns read as missing)."""
    sub = df.reindex(columns=columns)
    return sub.to_dict("records")
