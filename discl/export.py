"""Comparison spreadsheets: one workbook an analyst can open, filter and trust.

:func:`corpus_to_excel` writes the three tables of a corpus (``reports``, ``values``, ``issues``; see the
README) as one XLSX workbook:

* ``概览`` — one row per report: agency, region, year, template, status, error, counts of errors/warnings;
* ``二、主动公开`` / ``三、申请办理`` / ``四、复议诉讼`` — each table in wide form, one row per report and one
  column per (row, col) cell of the template, Chinese labels in header row 1 and the ids ``row/col`` in
  header row 2;
* ``办理结果占比`` — each outcome row of table 三 as a share of （七）总计 (总计 column);
* ``政府集中采购`` — gb2019 central procurement: projects and amount (万元);
* ``问题清单`` — every finding; ``数据明细`` — the long values table; ``说明`` — what the colours mean.

Cells named by an ``error``/``warning`` finding are filled and carry a comment naming the rule and its
message; cells the extraction flagged (``ambiguous`` …) get a lighter fill and a comment with the printed
text. Missing values stay empty cells, never 0.

Text from documents is untrusted: every string is written as a string cell (never a formula) and strings
that a spreadsheet would evaluate (leading ``= + - @``, tab, CR) also get Excel's *quotePrefix* style, so
editing the cell does not turn it into a formula. :func:`safe_csv` does the same for CSV by prefixing
such strings with ``'`` (OWASP's recommendation for CSV injection).

>>> import discl, tempfile, os
>>> from discl.render import write_samples
>>> d = tempfile.mkdtemp(); _ = write_samples(d)
>>> c = discl.load(d)
>>> path = corpus_to_excel(c.reports, c.values, c.issues, os.path.join(d, "comparison.xlsx"))
>>> import openpyxl
>>> openpyxl.load_workbook(path).sheetnames[:4]
['概览', '二、主动公开', '三、申请办理', '四、复议诉讼']
"""
from __future__ import annotations

import math
import numbers
import os
import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, NamedStyle, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .pipeline import ISSUE_COLUMNS, REPORT_COLUMNS, VALUE_COLUMNS
from .templates import TABLES, request_columns, spec, zh_label

__all__ = ["SHEETS", "FONT_NAME", "corpus_to_excel", "safe_csv", "values_to_csv", "is_formula_like",
           "neutralize_csv_text"]

# ------------------------------------------------------------------------------------------------
# Constants
# ------------------------------------------------------------------------------------------------
#: Sheet names by role (the three table sheets are keyed by the table id).
SHEETS: dict[str, str] = {
    "overview": "概览",
    "proactive": "二、主动公开",
    "requests": "三、申请办理",
    "review_litigation": "四、复议诉讼",
    "shares": "办理结果占比",
    "procurement": "政府集中采购",
    "issues": "问题清单",
    "values": "数据明细",
    "legend": "说明",
}

#: SimSun (宋体) ships with every Windows since 2000 (also non-Chinese locales with East Asian support) and with
#: Office for Mac, and fontconfig's standard aliases map it to an installed CJK serif on Linux, so LibreOffice
#: substitutes sensibly. 等线 (DengXian) looks more modern but exists only from Windows 10 / Office 2016 on.
FONT_NAME = "SimSun"

#: First characters that make Excel/LibreOffice evaluate a cell (OWASP CSV injection list).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

#: Excel refuses longer cell text.
MAX_CELL_CHARS = 32767

#: Fills (ARGB-less hex): Excel's own "Bad" / "Neutral" tones, a lighter blue for extraction flags.
FILLS = {
    "error": PatternFill("solid", fgColor="FFC7CE"),
    "warning": PatternFill("solid", fgColor="FFEB9C"),
    "flag": PatternFill("solid", fgColor="DDEBF7"),
    "header": PatternFill("solid", fgColor="F2F2F2"),
}
#: Strongest first: a cell gets the fill of its most severe mark.
MARK_ORDER = ("error", "warning", "flag", "note")

#: Extraction flags that make a cell worth a second look (fill + comment).
ATTENTION_FLAGS = frozenset({"ambiguous", "unreadable", "low_confidence", "label_fuzzy", "unit_assumed"})
#: Flags worth a comment only (the printed text explains the number, e.g. 251000元 → 25.1 万元).
NOTE_FLAGS = frozenset({"unit_converted"})

INT_FORMAT = "0"
MONEY_FORMAT = "0.00"
SHARE_FORMAT = "0.0%"

HEADER_ROWS = 2  # Chinese labels, then ids
BODY_STYLE, HEADER_STYLE, ID_STYLE = "discl body", "discl header", "discl id"
COMMENT_AUTHOR = "discl"

Key = tuple[str, str, str, str]
"""A value cell of one report: (report_id, table, row, col)."""

# Columns that identify a report at the left of every per-report sheet: (id, Chinese header, width).
REPORT_KEYS: tuple[tuple[str, str, float], ...] = (
    ("agency", "机构", 24), ("year", "年度", 7), ("region", "地区", 14), ("template", "模板", 8),
    ("report_id", "报告编号", 18),
)
FREEZE_KEY_COLS = 2  # agency and year stay visible when scrolling right

# Table 三 rows that are flows, not outcomes (the outcome shares leave them out).
FLOW_ROWS = ("new_received", "carried_over", "total_processed", "carried_forward")
#: Rules whose finding names a column but not a row, and the rows they compare (spec T3-R1: 本年新收 + 上年结转
#: = （七）总计 + 结转下年度); only these cells of the column are highlighted. Other such rules mark the column.
COLUMN_RULE_ROWS: dict[str, tuple[str, ...]] = {"T3-R1": FLOW_ROWS}


# ------------------------------------------------------------------------------------------------
# Untrusted text
# ------------------------------------------------------------------------------------------------
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


def _clean_text(text: str) -> str:
    """Text as XLSX can hold it: XML-illegal control characters shown as U+FFFD, Excel's length limit kept.

    >>> _clean_text("a\\x00b")
    'a\\ufffdb'
    """
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


def _is_missing(x: Any) -> bool:
    """None, pandas NA/NaT and float NaN (including numpy floats) are missing."""
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    return isinstance(x, float) and math.isnan(x)


def _text(x: Any) -> str:
    """A possibly missing label as a string ('' when missing)."""
    return "" if _is_missing(x) else str(x)


def _display_width(text: str) -> int:
    """Width in Excel column units: CJK (wide) characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# ------------------------------------------------------------------------------------------------
# CSV
# ------------------------------------------------------------------------------------------------
def _atomic_write(path: str | os.PathLike, write: Callable[[str], None]) -> str:
    """Run ``write(tmp)`` on a temporary file next to ``path``, then move it over ``path`` in one step.

    A reader never sees half a file, and a failed write leaves the old file in place.
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
    return _atomic_write(path, lambda tmp: out.to_csv(tmp, index=False, encoding="utf-8-sig",
                                                      lineterminator="\r\n"))


def values_to_csv(values: pd.DataFrame, path: str | os.PathLike) -> str:
    """The long ``values`` table as a spreadsheet-safe CSV (see :func:`safe_csv`).

    >>> import tempfile, os
    >>> v = pd.DataFrame({"report_id": ["r"], "raw": ["@SUM(1,1)"], "value": [2.0]})
    >>> "'@SUM(1,1)" in open(values_to_csv(v, os.path.join(tempfile.mkdtemp(), "v.csv")),
    ...                      encoding="utf-8-sig").read()
    True
    """
    return safe_csv(values, path)


# ------------------------------------------------------------------------------------------------
# What to say about a cell: findings and extraction flags
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Mark:
    """One reason to highlight a cell: ``kind`` is error, warning, flag or note."""

    kind: str
    text: str


class CellNotes:
    """Findings and extraction flags by value cell, for highlighting.

    An issue names ``table``, ``row``, ``col``: an empty ``col`` means the whole row of that table, an empty
    ``row`` the whole column, narrowed to the rule's operand rows where :data:`COLUMN_RULE_ROWS` knows them
    (T3-R1 names a column of table 三 but compares only the four flow rows); an issue without a table
    (Y-TEXT) names no cell and is only listed on the issues sheet.

    >>> issues = pd.DataFrame([{"report_id": "r", "rule": "T3-R3", "severity": "error", "table": "requests",
    ...                         "row": "granted", "col": "", "message": "不一致", "message_en": ""}])
    >>> values = pd.DataFrame(columns=["report_id", "table", "row", "col", "flags", "raw"])
    >>> [m.kind for m in CellNotes(values, issues).marks(("r", "requests", "granted", "total"))]
    ['error']
    """

    def __init__(self, values: pd.DataFrame, issues: pd.DataFrame):
        self._issues: dict[tuple[str, str, str, str], list[Mark]] = defaultdict(list)
        # column-scope findings: (report, table, col) -> (rows the rule compares or None for all, mark)
        self._columns: dict[tuple[str, str, str], list[tuple[tuple[str, ...] | None, Mark]]] = defaultdict(list)
        self._flags: dict[Key, list[Mark]] = defaultdict(list)
        for rec in _records(issues, ["report_id", "rule", "severity", "table", "row", "col", "message",
                                     "message_en"]):
            sev = _text(rec["severity"])
            if sev not in ("error", "warning") or not _text(rec["table"]):
                continue
            msg = _text(rec["message"]) or _text(rec["message_en"])
            rule = _text(rec["rule"])
            mark = Mark(sev, f"{rule}（{sev}）：{msg}")
            rid, table, row, col = (_text(rec[k]) for k in ("report_id", "table", "row", "col"))
            if row:
                self._issues[(rid, table, row, col)].append(mark)
            elif col:
                self._columns[(rid, table, col)].append((COLUMN_RULE_ROWS.get(rule), mark))
        for rec in _records(values, ["report_id", "table", "row", "col", "flags", "raw"]):
            flags = [f for f in _text(rec["flags"]).split(",") if f]
            kind = "flag" if ATTENTION_FLAGS.intersection(flags) else "note" if NOTE_FLAGS.intersection(flags) else ""
            if kind:
                key = (_text(rec["report_id"]), _text(rec["table"]), _text(rec["row"]), _text(rec["col"]))
                self._flags[key].append(Mark(kind, f"提取标记：{','.join(flags)}；原文：「{_text(rec['raw'])}」"))

    def marks(self, key: Key) -> list[Mark]:
        """Findings on the cell, on its whole row and on its whole column, then its extraction flags."""
        rid, table, row, col = key
        by_col = [m for rows, m in self._columns.get((rid, table, col), []) if rows is None or row in rows]
        found = (self._issues.get((rid, table, row, col), []) + self._issues.get((rid, table, row, ""), [])
                 + by_col + self._flags.get(key, []))
        return list(dict.fromkeys(found))  # one finding can match twice (cell and row); keep order


def _records(df: pd.DataFrame, columns: list[str]) -> Iterable[dict[str, Any]]:
    """Rows of ``df`` as dicts restricted to ``columns`` (absent columns read as missing)."""
    sub = df.reindex(columns=columns)
    return sub.to_dict("records")


# ------------------------------------------------------------------------------------------------
# Sheets as plain data (built first, written by one writer)
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    """A sheet column: Chinese header, id header, number format and width (Excel units)."""

    zh: str
    id: str
    fmt: str | None = None
    width: float | None = None


@dataclass
class SheetData:
    """A sheet before writing.

    ``sources`` maps a data cell (row index, column index; 0-based, header rows excluded) to the value cells
    it shows or is computed from: their findings and flags decorate it. ``fills`` gives a fill kind directly
    (status and severity cells); ``formats`` overrides a column's number format for one cell.
    """

    name: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    sources: dict[tuple[int, int], tuple[Key, ...]] = field(default_factory=dict)
    fills: dict[tuple[int, int], str] = field(default_factory=dict)
    formats: dict[tuple[int, int], str] = field(default_factory=dict)
    freeze_cols: int = 0
    wrap_header: bool = False


def _report_meta(reports: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """report_id → its first row of ``reports`` (the key columns)."""
    out: dict[str, dict[str, Any]] = {}
    for rec in _records(reports, [k for k, _, _ in REPORT_KEYS]):
        out.setdefault(_text(rec["report_id"]), rec)
    return out


def _ordered_report_ids(reports: pd.DataFrame, ids: Iterable[str]) -> list[str]:
    """``ids`` sorted by agency, year, report_id; ids unknown to ``reports`` come last (values never lost)."""
    wanted = list(dict.fromkeys(ids))
    meta = _report_meta(reports)

    def sort_key(rid: str) -> tuple:
        m = meta.get(rid)
        if m is None:
            return (2, "", 0, rid)
        agency, year = m["agency"], m["year"]
        return (1 if _is_missing(agency) else 0, _text(agency), -1 if _is_missing(year) else int(year), rid)

    return sorted(wanted, key=sort_key)


def _key_columns() -> list[Column]:
    return [Column(zh, id_, INT_FORMAT if id_ == "year" else None, w) for id_, zh, w in REPORT_KEYS]


def _key_cells(meta: dict[str, Any] | None, rid: str) -> list[Any]:
    m = meta or {}
    return [rid if k == "report_id" else m.get(k) for k, _, _ in REPORT_KEYS]


# --- table layout from templates.yaml -----------------------------------------------------------
def table_cells(table: str) -> list[tuple[str, str]]:
    """(row, col) ids of one table in template order, both templates merged.

    >>> table_cells("review_litigation")[:2]
    [('admin_review', 'upheld'), ('admin_review', 'corrected')]
    """
    s = spec()
    if table == "requests":
        return [(r["id"], c) for r in s["requests"]["rows"] for c in request_columns()]
    if table == "review_litigation":
        rl = s["review_litigation"]
        return [(p["id"], o["id"]) for p in rl["proceedings"] for o in rl["outcomes"]]
    if table == "proactive":
        pro = s["proactive"]
        return [(i["id"], m["id"]) for i in pro["items"] for m in pro["measures"]]
    raise ValueError(f"unknown table {table!r}; use one of {TABLES}")


def _measure(col: str) -> dict[str, Any]:
    return next((m for m in spec()["proactive"]["measures"] if m["id"] == col), {})


def _is_money(table: str, col: str) -> bool:
    return table == "proactive" and _measure(col).get("type") == "money"


def row_label(table: str, row: str) -> str:
    """Chinese row label; a sub-row of table 三 carries its group so that ``1.`` rows are told apart.

    >>> row_label("requests", "withheld.state_secret")
    '（三）不予公开 1.属于国家秘密'
    """
    label = zh_label(table, "row", row)
    if table == "requests" and "." in row:
        group = next((g["zh"] for g in spec()["requests"]["groups"] if g["id"] == row.split(".")[0]), "")
        return f"{group} {label}".strip()
    return label


def col_label(table: str, col: str) -> str:
    """Chinese column label, with 万元 added to money measures that do not print it.

    >>> col_label("proactive", "procurement_amount")
    '采购总金额（万元）'
    """
    label = zh_label(table, "col", col)
    if _is_money(table, col) and "万元" not in label:
        label += "（万元）"
    return label


def _cell_format(table: str, col: str) -> str:
    return MONEY_FORMAT if _is_money(table, col) else INT_FORMAT


# --- builders ----------------------------------------------------------------------------------
def overview_sheet(reports: pd.DataFrame, issues: pd.DataFrame) -> SheetData:
    """One row per report: who, when, template, status, error, and its count of errors and warnings."""
    cols = [Column("机构", "agency", None, 24), Column("地区", "region", None, 14),
            Column("年度", "year", INT_FORMAT, 7), Column("模板", "template", None, 8),
            Column("状态", "status", None, 8), Column("错误代码", "error_code", None, 12),
            Column("错误", "error", None, 40), Column("错误数", "n_errors", INT_FORMAT, 8),
            Column("警告数", "n_warnings", INT_FORMAT, 8), Column("数值个数", "n_values", INT_FORMAT, 9),
            Column("格式", "format", None, 7), Column("标题", "title", None, 36),
            Column("文件", "path", None, 40), Column("报告编号", "report_id", None, 18)]
    counts = _severity_counts(issues)
    sheet = SheetData(SHEETS["overview"], cols, freeze_cols=1)
    recs = _records(reports, [c.id for c in cols if c.id not in ("n_errors", "n_warnings")])
    order = _ordered_report_ids(reports, (_text(r) for r in reports["report_id"]))
    by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in recs:
        by_id[_text(rec["report_id"])].append(rec)
    for rid in order:
        for rec in by_id[rid]:
            n_err, n_warn = counts.get((rid, "error"), 0), counts.get((rid, "warning"), 0)
            i = len(sheet.rows)
            sheet.rows.append([n_err if c.id == "n_errors" else n_warn if c.id == "n_warnings" else rec[c.id]
                               for c in cols])
            status = _text(rec["status"])
            if status in ("failed", "partial"):
                sheet.fills[(i, 4)] = "error" if status == "failed" else "warning"
            if n_err:
                sheet.fills[(i, 7)] = "error"
            if n_warn:
                sheet.fills[(i, 8)] = "warning"
    return sheet


def _severity_counts(issues: pd.DataFrame) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for rec in _records(issues, ["report_id", "severity"]):
        counts[(_text(rec["report_id"]), _text(rec["severity"]))] += 1
    return counts


def _first_values(values: pd.DataFrame) -> dict[Key, float]:
    """(report, table, row, col) → value, the first row when a cell repeats (as :func:`discl.wide_table`)."""
    out: dict[Key, float] = {}
    for rec in _records(values, ["report_id", "table", "row", "col", "value"]):
        key = (_text(rec["report_id"]), _text(rec["table"]), _text(rec["row"]), _text(rec["col"]))
        out.setdefault(key, rec["value"])
    return out


def wide_sheet(table: str, reports: pd.DataFrame, values: pd.DataFrame) -> SheetData:
    """One table in wide form: a row per report, a column per (row, col) cell present in the corpus."""
    v = values[values["table"] == table]
    present = {(_text(r), _text(c)) for r, c in zip(v["row"], v["col"])}
    layout = [rc for rc in table_cells(table) if rc in present]
    layout += sorted(present - set(layout))  # ids outside the vocabulary: keep them, at the end
    cols = _key_columns() + [Column(f"{row_label(table, r)}\n{col_label(table, c)}", f"{r}/{c}",
                                    _cell_format(table, c), 14) for r, c in layout]
    sheet = SheetData(SHEETS[table], cols, freeze_cols=FREEZE_KEY_COLS, wrap_header=True)
    first = _first_values(v)
    meta = _report_meta(reports)
    nk = len(REPORT_KEYS)
    for i, rid in enumerate(_ordered_report_ids(reports, (_text(x) for x in v["report_id"]))):
        row = _key_cells(meta.get(rid), rid)
        for j, (r, c) in enumerate(layout):
            key = (rid, table, r, c)
            row.append(first.get(key))
            sheet.sources[(i, nk + j)] = (key,)
        sheet.rows.append(row)
    return sheet


def outcome_rows(values: pd.DataFrame) -> list[str]:
    """Outcome rows of table 三 (not the flows) that have a 总计 cell somewhere in ``values``, template order."""
    req = values[(values["table"] == "requests") & (values["col"] == "total")]
    present = {_text(r) for r in req["row"]}
    return [r["id"] for r in spec()["requests"]["rows"] if r["id"] not in FLOW_ROWS and r["id"] in present]


def _share(num: Any, den: Any) -> float | None:
    """num / den, or None when either is missing or the denominator is 0 (no share to show)."""
    if _is_missing(num) or _is_missing(den) or den == 0:
        return None
    return float(num) / float(den)


def shares_sheet(reports: pd.DataFrame, values: pd.DataFrame) -> SheetData:
    """Each outcome row of table 三 as a share of （七）总计, per report (总计 column)."""
    rows = outcome_rows(values)
    total = ("requests", "total_processed", "total")
    cols = (_key_columns() + [Column(f"{row_label(*total[:2])}\n总计（件）", "total_processed/total", INT_FORMAT, 12)]
            + [Column(f"{row_label('requests', r)}\n占总计", f"{r}/total", SHARE_FORMAT, 14) for r in rows])
    sheet = SheetData(SHEETS["shares"], cols, freeze_cols=FREEZE_KEY_COLS, wrap_header=True)
    req = values[values["table"] == "requests"]
    first, meta, nk = _first_values(req), _report_meta(reports), len(REPORT_KEYS)
    for i, rid in enumerate(_ordered_report_ids(reports, (_text(x) for x in req["report_id"]))):
        den_key = (rid, *total)
        den = first.get(den_key)
        row = _key_cells(meta.get(rid), rid) + [den]
        sheet.sources[(i, nk)] = (den_key,)
        for j, r in enumerate(rows):
            num_key = (rid, "requests", r, "total")
            row.append(_share(first.get(num_key), den))
            sheet.sources[(i, nk + 1 + j)] = (num_key, den_key)
        sheet.rows.append(row)
    return sheet


def procurement_sheet(reports: pd.DataFrame, values: pd.DataFrame) -> SheetData:
    """gb2019 table 二 第二十条第（九）项: central procurement projects and amount (万元), with the printed text."""
    item = ("proactive", "central_procurement")
    cols = _key_columns() + [Column("采购项目数量（个）", "procurement_projects", INT_FORMAT, 12),
                             Column("采购总金额（万元）", "procurement_amount", MONEY_FORMAT, 14),
                             Column("采购总金额原文", "procurement_amount_raw", None, 18)]
    sheet = SheetData(SHEETS["procurement"], cols, freeze_cols=FREEZE_KEY_COLS)
    v = values[(values["table"] == item[0]) & (values["row"] == item[1])]
    gb2019 = [_text(r) for r, t in zip(reports["report_id"], reports["template"]) if _text(t) == "gb2019"]
    first, meta, nk = _first_values(v), _report_meta(reports), len(REPORT_KEYS)
    raws: dict[str, Any] = {}
    for rec in _records(v[v["col"] == "procurement_amount"], ["report_id", "raw"]):
        raws.setdefault(_text(rec["report_id"]), rec["raw"])
    ids = gb2019 + [_text(x) for x in v["report_id"]]
    for i, rid in enumerate(_ordered_report_ids(reports, ids)):
        keys = [(rid, *item, "procurement_projects"), (rid, *item, "procurement_amount")]
        sheet.rows.append(_key_cells(meta.get(rid), rid) + [first.get(k) for k in keys] + [raws.get(rid)])
        for j, k in enumerate(keys):
            sheet.sources[(i, nk + j)] = (k,)
    return sheet


def issues_sheet(reports: pd.DataFrame, issues: pd.DataFrame) -> SheetData:
    """Every finding, errors first, with the report's agency and year."""
    cols = [Column("机构", "agency", None, 24), Column("年度", "year", INT_FORMAT, 7),
            Column("规则", "rule", None, 12), Column("严重程度", "severity", None, 9),
            Column("表", "table", None, 16), Column("行", "row", None, 22), Column("列", "col", None, 14),
            Column("应为", "expected", None, 10), Column("实为", "actual", None, 10),
            Column("说明", "message", None, 60), Column("说明（英文）", "message_en", None, 60),
            Column("报告编号", "report_id", None, 18)]
    sheet = SheetData(SHEETS["issues"], cols, freeze_cols=1)
    meta = _report_meta(reports)
    rank = {s: i for i, s in enumerate(MARK_ORDER)}
    recs = list(_records(issues, [c.id for c in cols if c.id not in ("agency", "year")]))
    order = {rid: i for i, rid in enumerate(_ordered_report_ids(reports, (_text(r["report_id"]) for r in recs)))}
    recs.sort(key=lambda r: (rank.get(_text(r["severity"]), len(rank)), order[_text(r["report_id"])]))
    for i, rec in enumerate(recs):
        m = meta.get(_text(rec["report_id"]), {})
        sheet.rows.append([m.get(c.id) if c.id in ("agency", "year") else rec[c.id] for c in cols])
        if _text(rec["severity"]) in ("error", "warning"):
            sheet.fills[(i, 3)] = _text(rec["severity"])
    return sheet


def values_sheet(reports: pd.DataFrame, values: pd.DataFrame) -> SheetData:
    """The long values table in its own row order, with agency, year and the Chinese labels added."""
    cols = [Column("报告编号", "report_id", None, 18), Column("机构", "agency", None, 24),
            Column("年度", "year", INT_FORMAT, 7), Column("表", "table", None, 16), Column("行", "row", None, 22),
            Column("列", "col", None, 16), Column("行名称", "row_zh", None, 30), Column("列名称", "col_zh", None, 16),
            Column("数值", "value", INT_FORMAT, 12), Column("单位", "unit", None, 6), Column("原文", "raw", None, 14),
            Column("标记", "flags", None, 14), Column("页", "page", INT_FORMAT, 5), Column("单元格", "cell", None, 10),
            Column("位置", "bbox", None, 20)]
    sheet = SheetData(SHEETS["values"], cols, freeze_cols=1)
    meta = _report_meta(reports)
    value_col = [c.id for c in cols].index("value")
    known = set(TABLES)
    for i, rec in enumerate(_records(values, ["report_id", "table", "row", "col", "value", "unit", "raw", "flags",
                                              "page", "cell", "bbox"])):
        rid, table, row, col = (_text(rec[k]) for k in ("report_id", "table", "row", "col"))
        m = meta.get(rid, {})
        extra = {"agency": m.get("agency"), "year": m.get("year"),
                 "row_zh": row_label(table, row) if table in known else None,
                 "col_zh": col_label(table, col) if table in known else None}
        sheet.rows.append([extra[c.id] if c.id in extra else rec[c.id] for c in cols])
        sheet.sources[(i, value_col)] = ((rid, table, row, col),)
        if _text(rec["unit"]) == "万元":
            sheet.formats[(i, value_col)] = MONEY_FORMAT
    return sheet


def legend_sheet() -> SheetData:
    """What the colours and the two header rows mean."""
    sheet = SheetData(SHEETS["legend"], [Column("说明", "legend", None, 90)])
    lines = [
        ("红色：该单元格未通过勾稽关系等检查（error），批注写明规则和说明。", "error"),
        ("黄色：警告（warning），如提取时数字无法唯一拆分。", "warning"),
        ("浅蓝色：提取标记（ambiguous 等），批注给出原文，请对照原报告。", "flag"),
        ("空白单元格表示报告中为空白、横线、斜杠或无法读取，不等于 0。", None),
        ("各表第 1 行为中文名称，第 2 行为标识（行/列），可用于筛选和与 values 表对应。", None),
        ("占比 = 该办理结果「总计」列 ÷ （七）总计「总计」列；总计为空或为 0 时不计算。", None),
        ("金额单位均已换算为万元；原文见「数据明细」或「政府集中采购」表。", None),
    ]
    for i, (text, kind) in enumerate(lines):
        sheet.rows.append([text])
        if kind:
            sheet.fills[(i, 0)] = kind
    return sheet


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------
def _named_styles() -> list[NamedStyle]:
    """Body, header and id-header styles, all in :data:`FONT_NAME`.

    Named styles rather than a Font per cell: openpyxl hashes a style object on every assignment, which made
    a 500-report workbook several times slower; assigning a registered style by name only copies its indices.
    """
    return [NamedStyle(BODY_STYLE, font=Font(name=FONT_NAME)),
            NamedStyle(HEADER_STYLE, font=Font(name=FONT_NAME, bold=True), fill=FILLS["header"],
                       alignment=Alignment(vertical="top")),
            NamedStyle(ID_STYLE, font=Font(name=FONT_NAME, size=9, color="595959"), fill=FILLS["header"],
                       alignment=Alignment(vertical="top"))]


def _put(cell: Cell, value: Any, style: str = BODY_STYLE) -> None:
    """Write one value safely: numbers as numbers, everything else as a string cell, never a formula."""
    if _is_missing(value):
        return  # missing stays an empty cell, never 0
    cell.style = style
    if isinstance(value, bool):
        cell.value = value
    elif isinstance(value, numbers.Real):
        if math.isfinite(float(value)):
            cell.value = value
    else:
        text = _clean_text(str(value))
        cell.value = text
        # openpyxl turns text starting with '=' into a formula and '#N/A' into an error: force a string
        cell.data_type = "s"
        if is_formula_like(text):
            cell.quotePrefix = True  # Excel keeps it text even when the user edits the cell


def _number_format(value: Any, fmt: str | None) -> str | None:
    """The format to use: an integer format would hide the decimals of a non-integral count, so not then."""
    if fmt == INT_FORMAT and isinstance(value, float) and math.isfinite(value) and not value.is_integer():
        return "General"
    return fmt


def _comment(marks: list[Mark], keys: tuple[Key, ...], many: bool) -> Comment:
    lines = [m.text for m in marks]
    text = _clean_text("\n".join(lines))
    if many:  # a computed cell: say which source cells the notes come from
        text = _clean_text("来源：" + "，".join(f"{k[2]}/{k[3]}" for k in keys) + "\n" + text)
    width = min(480, max(220, 7 * max(_display_width(line) for line in text.splitlines())))
    height = min(400, 20 + 18 * sum(1 + _display_width(line) * 7 // width for line in text.splitlines()))
    return Comment(text, COMMENT_AUTHOR, height=height, width=width)


def _decorate(cell: Cell, keys: tuple[Key, ...], notes: CellNotes) -> None:
    """Fill and comment a data cell from the findings and flags of the value cells behind it."""
    marks: list[Mark] = []
    for key in keys:
        marks += [m for m in notes.marks(key) if m not in marks]
    if not marks:
        return
    strongest = min(marks, key=lambda m: MARK_ORDER.index(m.kind)).kind
    if strongest in FILLS:
        cell.fill = FILLS[strongest]
    cell.comment = _comment(marks, keys, len(keys) > 1)


def _write_header(ws: Worksheet, sheet: SheetData) -> None:
    wrap = Alignment(wrap_text=True, vertical="top")
    for j, col in enumerate(sheet.columns, start=1):
        _put(ws.cell(row=1, column=j), col.zh, HEADER_STYLE)
        _put(ws.cell(row=2, column=j), col.id, ID_STYLE)
        if sheet.wrap_header:
            ws.cell(row=1, column=j).alignment = wrap
    if sheet.wrap_header:
        ws.row_dimensions[1].height = _header_height(sheet)


def _header_height(sheet: SheetData) -> float:
    """Points for header row 1 when labels wrap: enough lines for the longest label at its column width."""
    def lines(col: Column) -> int:
        w = max(1.0, (col.width or 10) - 1)
        return sum(max(1, math.ceil(_display_width(part) / w)) for part in col.zh.split("\n"))
    return min(160.0, 15.0 * max((lines(c) for c in sheet.columns), default=1))


def _column_width(col: Column, data: list[Any]) -> float:
    """The column's own width, else the widest of its id header and a sample of values, 6–50 units."""
    if col.width:
        return col.width
    sample = [_display_width(_text(x)) for x in data[:200]]
    return float(min(50, max(6, _display_width(col.id) + 2, *(s + 2 for s in sample))))


def write_sheet(ws: Worksheet, sheet: SheetData, notes: CellNotes) -> None:
    """Headers, values, formats, highlights, frozen panes, autofilter and widths of one sheet.

    The workbook must hold the styles of :func:`_named_styles`.
    """
    _write_header(ws, sheet)
    for i, row in enumerate(sheet.rows):
        for j, (value, col) in enumerate(zip(row, sheet.columns)):
            cell = ws.cell(row=HEADER_ROWS + 1 + i, column=j + 1)
            _put(cell, value)
            fmt = _number_format(value, sheet.formats.get((i, j), col.fmt))
            if fmt and not _is_missing(value):
                cell.number_format = fmt
            if (i, j) in sheet.fills:
                cell.fill = FILLS[sheet.fills[(i, j)]]
            if (i, j) in sheet.sources:
                _decorate(cell, sheet.sources[(i, j)], notes)
    last_col = get_column_letter(max(1, len(sheet.columns)))
    # freeze both header rows and the identifying columns; the filter sits on the id row
    ws.freeze_panes = f"{get_column_letter(sheet.freeze_cols + 1)}{HEADER_ROWS + 1}"
    ws.auto_filter.ref = f"A{HEADER_ROWS}:{last_col}{HEADER_ROWS + max(1, len(sheet.rows))}"
    for j, col in enumerate(sheet.columns):
        ws.column_dimensions[get_column_letter(j + 1)].width = _column_width(col, [r[j] for r in sheet.rows])
    _page_setup(ws, sheet)


def _page_setup(ws: Worksheet, sheet: SheetData) -> None:
    """Printing (and PDF export): landscape, both header rows and the report columns on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.print_title_rows = f"1:{HEADER_ROWS}"
    if sheet.freeze_cols:
        ws.print_title_cols = f"A:{get_column_letter(sheet.freeze_cols)}"


def _with_columns(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A new frame with at least ``columns`` (absent ones empty), so hand-built or empty frames work too."""
    return df.reindex(columns=list(dict.fromkeys([*columns, *df.columns])))


def build_sheets(reports: pd.DataFrame, values: pd.DataFrame, issues: pd.DataFrame) -> list[SheetData]:
    """All sheets of the comparison workbook, in order (pure: reads the frames only)."""
    reports = _with_columns(reports, REPORT_COLUMNS)
    values = _with_columns(values, VALUE_COLUMNS)
    issues = _with_columns(issues, ISSUE_COLUMNS)
    return ([overview_sheet(reports, issues)]
            + [wide_sheet(t, reports, values) for t in ("proactive", "requests", "review_litigation")]
            + [shares_sheet(reports, values), procurement_sheet(reports, values), issues_sheet(reports, issues),
               values_sheet(reports, values), legend_sheet()])


_SAFE_SHEET = re.compile(r"[\[\]:*?/\\]")


def corpus_to_excel(reports: pd.DataFrame, values: pd.DataFrame, issues: pd.DataFrame,
                    path: str | os.PathLike) -> str:
    """Write the comparison workbook for a corpus to ``path`` (atomically) and return the path.

    The frames are only read, never changed. See the module docstring for the sheets.

    >>> import discl, tempfile, os, random
    >>> from discl.render import random_spec, render_text
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, "r.txt"), "w", encoding="utf-8").write(render_text(random_spec(random.Random(3))))
    >>> c = discl.load(d)
    >>> os.path.basename(corpus_to_excel(c.reports, c.values, c.issues, os.path.join(d, "c.xlsx")))
    'c.xlsx'
    """
    wb = Workbook()
    wb.remove(wb.active)
    for style in _named_styles():
        wb.add_named_style(style)
    notes = CellNotes(values, issues)
    for sheet in build_sheets(reports, values, issues):
        ws = wb.create_sheet(_SAFE_SHEET.sub("_", sheet.name)[:31])
        write_sheet(ws, sheet, notes)
    return _atomic_write(path, wb.save)
