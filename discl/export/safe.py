"""Untrusted text in spreadsheets: formula-like strings neutralised, cell text XLSX can hold, safe CSV.

Text from documents is untrusted. A string a spreadsheet would evaluate (leading ``= + - @``, tab, CR)
is written to CSV with a ``'`` in front (OWASP's recommendation for CSV injection); the workbook writer
(:mod:`discl.export.workbook`) writes it as a string cell with Excel's *quotePrefix* style instead.

>>> is_formula_like("=1+1"), neutralize_csv_text("@SUM(1,1)")
(True, "'@SUM(1,1)")
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Callable

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

__all__ = ["FORMULA_PREFIXES", "MAX_CELL_CHARS", "atomic_write", "clean_text", "is_formula_like",
           "neutralize_csv_text", "safe_csv", "values_to_csv"]

#: First characters that make Excel/LibreOffice evaluate a cell (OWASP CSV injection list).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Excel refuses longer cell text.
MAX_CELL_CHARS = 32767


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet would evaluate ``text`` (also after leading blanks).

    >>> is_formula_like('=HYPERLINK("x")'), is_formula_like('  @SUM(1,1)'), is_formula_like('12')
    (True, True, False)
    """
    # leading spaces are stripped by some importers before the formula test, so look past them too
    return text.startswith(FORMULA_PREFIXES) or text.lstrip(" ").startswith(FORMULA_PREFIXES)


def neutralize_csv_text(text: str) -> str:
    """Prefix formula-like text with ``'`` so that a spreadsheet opening the CSV shows it as text.

    >>> neutralize_csv_text('=1+1'), neutralize_csv_text('平潭')
    ("'=1+1", '平潭')
    """
    return "'" + text if is_formula_like(text) else text


def clean_text(text: str) -> str:
    """Text as XLSX can hold it: XML-illegal control characters shown as U+FFFD, Excel's length limit kept.

    >>> clean_text("a\\x00b")
    'a\\ufffdb'
    """
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


# ------------------------------------------------------------------------------------------------
# Files: atomic writes, CSV
# ------------------------------------------------------------------------------------------------
def atomic_write(path: str | os.PathLike, write: Callable[[str], None]) -> str:
    """Run ``write(tmp)`` on a temporary file next to ``path``, then move it over ``path`` in one step.

    A reader never sees half a file, and a failed write leaves the old file in place.

    >>> import tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> os.path.basename(atomic_write(p, lambda tmp: open(tmp, "w").write("x")))
    'a.txt'
    """
    path = os.fspath(path)
    # same folder, so os.replace is a rename on one file system; not mkstemp, whose 0600 mode would stick
    tmp = os.path.join(os.path.dirname(os.path.abspath(path)),
                       f".{os.path.basename(path)}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def safe_csv(df: pd.DataFrame, path: str | os.PathLike) -> str:
    """Write ``df`` as CSV (UTF-8 with BOM so Excel reads Chinese) with formula-like text neutralised.

    Never changes ``df``; missing values are empty fields.

    >>> import tempfile, os
    >>> p = safe_csv(pd.DataFrame({"agency": ["=1+1", "平潭"], "value": [-1.0, None]}),
    ...              os.path.join(tempfile.mkdtemp(), "x.csv"))
    >>> open(p, encoding="utf-8-sig", newline="").read().splitlines()
    ['agency,value', "'=1+1,-1.0", '平潭,']
    """
    out = df.copy()
    for name in out.columns:
        col = out[name]
        # only text columns: numbers such as -1.0 are data, not formulas
        if pd.api.types.is_string_dtype(col) or col.dtype == object:
            out[name] = col.map(lambda x: neutralize_csv_text(x) if isinstance(x, str) else x)
    out.columns = [neutralize_csv_text(str(c)) for c in out.columns]
    # CRLF line ends (RFC 4180): the writer then quotes every field holding a CR or LF. With pandas' default
    # "\n" a lone CR stays unquoted and Excel starts a new row there, so "x\r=cmd" would become a formula.
    return atomic_write(path, lambda tmp: out.to_csv(tmp, index=False, encoding="utf-8-sig",
                                                     lineterminator="\r\n"))


def values_to_csv(values: pd.DataFrame, path: str | os.PathLike, reports: pd.DataFrame | None = None) -> str:
    """The long ``values`` table as a spreadsheet-safe CSV (see :func:`safe_csv`).

    With ``reports``, each row also carries its report's ``agency`` and ``year`` (after ``report_id``), so
    the file can be filtered by agency and year on its own. Neither frame is changed.

    >>> import tempfile, os
    >>> v = pd.DataFrame({"report_id": ["r"], "raw": ["@SUM(1,1)"], "value": [2.0]})
    >>> "'@SUM(1,1)" in open(values_to_csv(v, os.path.join(tempfile.mkdtemp(), "v.csv")),
    ...                      encoding="utf-8-sig").read()
    True
    >>> r = pd.DataFrame({"report_id": ["r"], "agency": ["平潭综合实验区"], "year": [2021]})
    >>> open(values_to_csv(v, os.path.join(tempfile.mkdtemp(), "v.csv"), r), encoding="utf-8-sig").readline()
    'report_id,agency,year,raw,value\\n'
    """
    if reports is None:
        return safe_csv(values, path)
    keys = reports.drop_duplicates("report_id")[["report_id", "agency", "year"]]
    out = values.drop(columns=[c for c in ("agency", "year") if c in values.columns])
    out = out.merge(keys, on="report_id", how="left", validate="many_to_one")
    out["year"] = out["year"].astype("Int64")
    order = ["report_id", "agency", "year", *[c for c in out.columns if c not in ("report_id", "agency", "year")]]
    return safe_csv(out[order], path)
