"""The sheets of the comparison workbook as plain data, built from the three frames before any writing.

Each builder reads ``reports``, ``values`` and/or ``issues`` and returns a :class:`SheetData`: the header
columns, the rows of values, and per data cell the value cells it shows (their findings and flags
decorate it), a fill or a number format. The tables' layout and labels come from :mod:`discl.templates`.

>>> from discl.schema import empty_frames
>>> [s.name for s in build_sheets(*empty_frames())][:4]
['概览', '二、主动公开', '三、申请办理', '四、复议诉讼']
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import templates
from ..analysis import place_order
from ..labels import LEVEL_ZH, legacy_zh
from ..schema import COLUMNS
from .notes import MARK_ORDER
from .records import Key, is_missing, records, text_of

__all__ = ["FREEZE_KEY_COLS", "INT_FORMAT", "MONEY_FORMAT", "REPORT_KEYS", "SHARE_FORMAT", "SHEETS", "Column",
           "SheetData", "build_sheets", "city_of", "city_starts", "col_label", "issues_sheet", "legend_sheet",
           "outcome_rows", "overview_sheet", "procurement_sheet", "row_label", "shares_sheet",
           "table_cells", "values_sheet", "wide_sheet"]

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

INT_FORMAT = "0"
#: width (Excel units) of a cell column of the wide table sheets: enough for 99999 or 1234.56, the label wraps
CELL_WIDTH = 9.0
MONEY_FORMAT = "0.00"
SHARE_FORMAT = "0.0%"

# Columns that identify a report at the left of every per-report sheet: (id, Chinese header, width).
# ``city`` is the city the report belongs to (:func:`city_of`), so that one city's reports can be filtered;
# the rows are sorted by 行政区划代码 (:func:`place_order`), which keeps each city's reports together.
REPORT_KEYS: tuple[tuple[str, str, float], ...] = (
    ("agency", "机构", 24), ("year", "年度", 7), ("city", "城市", 10), ("region_code", "区划代码", 9),
    ("template", "模板", 8), ("report_id", "报告编号", 18),
)
FREEZE_KEY_COLS = 2  # agency and year stay visible when scrolling right
#: the reports columns the sheets read to place and order a report (``discl.regions``)
_PLACE_FIELDS = ("agency", "agency_key", "year", "template", "report_id", "region", "province", "city", "county",
                 "region_code", "level")


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
    #: False for a long data sheet that is for filtering, not for paper: only its header rows print
    printed: bool = True
    #: data rows (0-based) that begin another city's reports: a rule is drawn above them
    group_starts: list[int] = field(default_factory=list)


def city_of(rec: dict[str, Any]) -> str | None:
    """The city a report belongs to, for grouping: ``reports.city``; for a district directly under a
    municipality (or a county directly under a province) the province; none for a provincial body.

    >>> city_of({"city": "淮安市", "county": "洪泽区", "province": "江苏省"})
    '淮安市'
    >>> city_of({"city": None, "county": "浦东新区", "province": "上海市"}), city_of({"province": "上海市"})
    ('上海市', None)
    """
    if not is_missing(rec.get("city")):
        return text_of(rec["city"])
    if not is_missing(rec.get("county")) and not is_missing(rec.get("province")):
        return text_of(rec["province"])
    return None


def _report_meta(reports: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """report_id → its first row of ``reports`` (the key and place columns), ``city`` as :func:`city_of`."""
    out: dict[str, dict[str, Any]] = {}
    for rec in records(reports, list(_PLACE_FIELDS)):
        rid = text_of(rec["report_id"])
        if rid not in out:
            out[rid] = {**rec, "city": city_of(rec)}
    return out


def _ordered_report_ids(reports: pd.DataFrame, ids: Iterable[str]) -> list[str]:
    """``ids`` in :func:`place_order`; ids unknown to ``reports`` come last (values never lost)."""
    wanted = list(dict.fromkeys(ids))
    meta = _report_meta(reports)

    def sort_key(rid: str) -> tuple:
        m = meta.get(rid)
        return (2, ()) if m is None else (1, place_order(m))

    return sorted(wanted, key=sort_key)


def city_starts(sheet: SheetData) -> list[int]:
    """Data rows (after the first) of a sheet with a ``city`` column where another city begins.

    >>> sh = SheetData("x", [Column("城市", "city")], rows=[["淮安市"], ["淮安市"], ["福州市"], [None]])
    >>> city_starts(sh)
    [2, 3]
    """
    ids = [c.id for c in sheet.columns]
    if "city" not in ids:
        return []
    j = ids.index("city")
    cities = [text_of(r[j]) for r in sheet.rows]
    return [i for i in range(1, len(cities)) if cities[i] != cities[i - 1]]


def _key_columns() -> list[Column]:
    return [Column(zh, id_, INT_FORMAT if id_ == "year" else None, w) for id_, zh, w in REPORT_KEYS]


def _key_cells(meta: dict[str, Any] | None, rid: str) -> list[Any]:
    m = meta or {}
    return [rid if k == "report_id" else m.get(k) for k, _, _ in REPORT_KEYS]


# --- table layout from the templates ----------------------------------------------------------
def table_cells(table: str) -> list[tuple[str, str]]:
    """(row, col) ids of one table in template order, both templates merged.

    >>> table_cells("review_litigation")[:2]
    [('admin_review', 'upheld'), ('admin_review', 'corrected')]
    """
    t = templates.table(table)
    return [(r.id, c.id) for r in t.rows() for c in t.columns()]


def _is_money(table: str, col: str) -> bool:
    try:
        return templates.table(table).column(col).kind == "money"
    except (KeyError, ValueError):  # an id outside the vocabulary: shown as a count
        return False


def row_label(table: str, row: str) -> str:
    """Chinese row label; a sub-row of table 三 carries its group so that ``1.`` rows are told apart.

    >>> row_label("requests", "withheld.state_secret")
    '（三）不予公开 1.属于国家秘密'
    """
    label = templates.zh_label(table, "row", row)
    if table == "requests" and "." in row:
        group_id = row.split(".")[0]
        group = next((g.zh for g in templates.table(table).row_groups if g.id == group_id), "")
        return f"{group} {label}".strip()
    return label


def col_label(table: str, col: str) -> str:
    """Chinese column label, with 万元 added to money measures that do not print it.

    >>> col_label("proactive", "procurement_amount")
    '采购总金额（万元）'
    """
    label = templates.zh_label(table, "col", col)
    if _is_money(table, col) and "万元" not in label:
        label += "（万元）"
    return label


def _cell_format(table: str, col: str) -> str:
    return MONEY_FORMAT if _is_money(table, col) else INT_FORMAT


# --- builders ----------------------------------------------------------------------------------
def overview_sheet(reports: pd.DataFrame, issues: pd.DataFrame) -> SheetData:
    """One row per report: who, when, template, status, error, and its count of errors and warnings."""
    cols = [Column("机构", "agency", None, 24), Column("地区", "region", None, 14),
            Column("城市", "city", None, 10), Column("区划代码", "region_code", None, 13),
            Column("层级", "level", None, 9),
            Column("年度", "year", INT_FORMAT, 7), Column("模板", "template", None, 8),
            Column("状态", "status", None, 8), Column("错误代码", "error_code", None, 12),
            Column("错误", "error", None, 40), Column("错误数", "n_errors", INT_FORMAT, 8),
            Column("警告数", "n_warnings", INT_FORMAT, 8), Column("数值个数", "n_values", INT_FORMAT, 9),
            Column("格式", "format", None, 7), Column("标题", "title", None, 36),
            Column("文件", "path", None, 40), Column("报告编号", "report_id", None, 18)]
    counts = _severity_counts(issues)
    ids = [c.id for c in cols]
    sheet = SheetData(SHEETS["overview"], cols, freeze_cols=1)
    placed = ("city", "level", "n_errors", "n_warnings")  # from the place (city_of) or computed here
    recs = records(reports, [c.id for c in cols if c.id not in placed])
    meta = _report_meta(reports)
    order = _ordered_report_ids(reports, (text_of(r) for r in reports["report_id"]))
    by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in recs:
        by_id[text_of(rec["report_id"])].append(rec)
    for rid in order:
        for rec in by_id[rid]:
            n_err, n_warn = counts.get((rid, "error"), 0), counts.get((rid, "warning"), 0)
            i = len(sheet.rows)
            level = text_of(meta[rid].get("level"))
            computed = {"n_errors": n_err, "n_warnings": n_warn, "city": meta[rid]["city"],
                        "level": LEVEL_ZH.get(level, level or None)}
            sheet.rows.append([computed[c.id] if c.id in computed else rec[c.id] for c in cols])
            status = text_of(rec["status"])
            if status in ("failed", "partial"):
                sheet.fills[(i, ids.index("status"))] = "error" if status == "failed" else "warning"
            if n_err:
                sheet.fills[(i, ids.index("n_errors"))] = "error"
            if n_warn:
                sheet.fills[(i, ids.index("n_warnings"))] = "warning"
    return sheet


def _severity_counts(issues: pd.DataFrame) -> dict[tuple[str, str], int]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for rec in records(issues, ["report_id", "severity"]):
        counts[(text_of(rec["report_id"]), text_of(rec["severity"]))] += 1
    return counts


def _first_values(values: pd.DataFrame) -> dict[Key, float]:
    """(report, table, row, col) → value, the first row when a cell repeats (as :func:`discl.wide_table`)."""
    out: dict[Key, float] = {}
    for rec in records(values, ["report_id", "table", "row", "col", "value"]):
        key = (text_of(rec["report_id"]), text_of(rec["table"]), text_of(rec["row"]), text_of(rec["col"]))
        out.setdefault(key, rec["value"])
    return out


def wide_sheet(table: str, reports: pd.DataFrame, values: pd.DataFrame) -> SheetData:
    """One table in wide form: a row per report, a column per (row, col) cell present in the corpus."""
    v = values[values["table"] == table]
    present = {(text_of(r), text_of(c)) for r, c in zip(v["row"], v["col"])}
    layout = [rc for rc in table_cells(table) if rc in present]
    layout += sorted(present - set(layout))  # ids outside the vocabulary: keep them, at the end
    cols = _key_columns() + [Column(f"{row_label(table, r)}\n{col_label(table, c)}", f"{r}/{c}",
                                    _cell_format(table, c), CELL_WIDTH) for r, c in layout]
    sheet = SheetData(SHEETS[table], cols, freeze_cols=FREEZE_KEY_COLS, wrap_header=True)
    first = _first_values(v)
    meta = _report_meta(reports)
    nk = len(REPORT_KEYS)
    for i, rid in enumerate(_ordered_report_ids(reports, (text_of(x) for x in v["report_id"]))):
        row = _key_cells(meta.get(rid), rid)
        for j, (r, c) in enumerate(layout):
            key = (rid, table, r, c)
            row.append(first.get(key))
            sheet.sources[(i, nk + j)] = (key,)
        sheet.rows.append(row)
    return sheet


def outcome_rows(values: pd.DataFrame) -> list[str]:
    """Outcome rows of table 三 (not the flows) that have a 总计 cell somewhere in ``values``, template order.

    Both forms of a group are kept (gb2019's （六）其他处理 and gb2021's reasons), as a corpus may mix them.

    >>> outcome_rows(pd.DataFrame({"table": ["requests"] * 3, "row": ["unable.not_held", "granted", "carried_over"],
    ...                            "col": ["total"] * 3}))
    ['granted', 'unable.not_held']
    """
    req = values[(values["table"] == "requests") & (values["col"] == "total")]
    present = {text_of(r) for r in req["row"]}
    return [r.id for r in templates.table("requests").rows_with_role("outcome") if r.id in present]


def _share(num: Any, den: Any) -> float | None:
    """num / den, or None when either is missing or the denominator is 0 (no share to show)."""
    if is_missing(num) or is_missing(den) or den == 0:
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
    for i, rid in enumerate(_ordered_report_ids(reports, (text_of(x) for x in req["report_id"]))):
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
    """Table 二 第二十条第（九）项 政府集中采购 (gb2019 only): projects and amount (万元), with the printed amount.

    Every report of a template that prints the item has a row, also when nothing was read from it.
    """
    item = ("proactive", "central_procurement")
    printing = [t for t in templates.TEMPLATE_IDS if templates.template(t).measures_of(item[1])]
    measure_ids = dict.fromkeys(m for t in printing for m in templates.template(t).measures_of(item[1]))
    measures = [templates.table(item[0]).column(m) for m in measure_ids]
    amount = next(m for m in measures if m.kind == "money")  # its printed text gets a column of its own
    cols = _key_columns()
    cols += [Column(f"{m.zh}（{m.unit}）", m.id, _cell_format(item[0], m.id), 14 if m is amount else 12)
             for m in measures]
    cols.append(Column(f"{amount.zh}原文", f"{amount.id}_raw", None, 18))
    sheet = SheetData(SHEETS["procurement"], cols, freeze_cols=FREEZE_KEY_COLS, wrap_header=True)
    v = values[(values["table"] == item[0]) & (values["row"] == item[1])]
    expected = [text_of(r) for r, t in zip(reports["report_id"], reports["template"]) if text_of(t) in printing]
    first, meta, nk = _first_values(v), _report_meta(reports), len(REPORT_KEYS)
    raws: dict[str, Any] = {}
    for rec in records(v[v["col"] == amount.id], ["report_id", "raw"]):
        raws.setdefault(text_of(rec["report_id"]), rec["raw"])
    ids = expected + [text_of(x) for x in v["report_id"]]
    for i, rid in enumerate(_ordered_report_ids(reports, ids)):
        keys = [(rid, *item, m.id) for m in measures]
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
    recs = list(records(issues, [c.id for c in cols if c.id not in ("agency", "year")]))
    order = {rid: i for i, rid in enumerate(_ordered_report_ids(reports, (text_of(r["report_id"]) for r in recs)))}
    recs.sort(key=lambda r: (rank.get(text_of(r["severity"]), len(rank)), order[text_of(r["report_id"])]))
    for i, rec in enumerate(recs):
        m = meta.get(text_of(rec["report_id"]), {})
        sheet.rows.append([m.get(c.id) if c.id in ("agency", "year") else rec[c.id] for c in cols])
        if text_of(rec["severity"]) in ("error", "warning"):
            sheet.fills[(i, 3)] = text_of(rec["severity"])
    return sheet


def values_sheet(reports: pd.DataFrame, values: pd.DataFrame) -> SheetData:
    """The long values table in its own row order, with agency, year and the Chinese labels added."""
    cols = [Column("报告编号", "report_id", None, 18), Column("机构", "agency", None, 24),
            Column("年度", "year", INT_FORMAT, 7), Column("表", "table", None, 16), Column("行", "row", None, 22),
            Column("列", "col", None, 16), Column("行名称", "row_zh", None, 30), Column("列名称", "col_zh", None, 16),
            Column("数值", "value", INT_FORMAT, 12), Column("单位", "unit", None, 6), Column("原文", "raw", None, 14),
            Column("标记", "flags", None, 14), Column("页", "page", INT_FORMAT, 5), Column("单元格", "cell", None, 10),
            Column("位置", "bbox", None, 20)]
    # one row per cell (hundreds per report): for filtering on screen, not for paper
    sheet = SheetData(SHEETS["values"], cols, freeze_cols=1, printed=False)
    meta = _report_meta(reports)
    value_col = [c.id for c in cols].index("value")
    known, old_table = set(templates.TABLE_IDS), templates.legacy().table
    for i, rec in enumerate(records(values, ["report_id", "table", "row", "col", "value", "unit", "raw", "flags",
                                              "page", "cell", "bbox"])):
        rid, table, row, col = (text_of(rec[k]) for k in ("report_id", "table", "row", "col"))
        m = meta.get(rid, {})
        extra = {"agency": m.get("agency"), "year": m.get("year"), "row_zh": None, "col_zh": None}
        if table in known:
            extra.update(row_zh=row_label(table, row), col_zh=col_label(table, col))
        elif table == old_table:  # a pre-2019 report's 统计表 (templates.yaml, legacy:)
            extra.update(row_zh=legacy_zh("row", row), col_zh=legacy_zh("col", col))
        sheet.rows.append([extra[c.id] if c.id in extra else rec[c.id] for c in cols])
        sheet.sources[(i, value_col)] = ((rid, table, row, col),)
        if text_of(rec["unit"]) == "万元":
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
        ("打印：各表横向、按页宽缩放，每页重复表头和机构、年度列。「数据明细」为长表（每个单元格一行），"
         "打印时只印表头；要打印其中一部分，先筛选，再在 Excel「页面布局 → 打印区域」中取消或重设打印区域。", None),
    ]
    for i, (text, kind) in enumerate(lines):
        sheet.rows.append([text])
        if kind:
            sheet.fills[(i, 0)] = kind
    return sheet


def _with_columns(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A new frame with at least ``columns`` (absent ones empty), so hand-built or empty frames work too."""
    return df.reindex(columns=list(dict.fromkeys([*columns, *df.columns])))


def build_sheets(reports: pd.DataFrame, values: pd.DataFrame, issues: pd.DataFrame) -> list[SheetData]:
    """All sheets of the comparison workbook, in order (pure: reads the frames only)."""
    reports = _with_columns(reports, COLUMNS["reports"])
    values = _with_columns(values, COLUMNS["values"])
    issues = _with_columns(issues, COLUMNS["issues"])
    sheets = ([overview_sheet(reports, issues)]
              + [wide_sheet(t, reports, values) for t in templates.TABLE_IDS]
              + [shares_sheet(reports, values), procurement_sheet(reports, values), issues_sheet(reports, issues),
                 values_sheet(reports, values), legend_sheet()])
    for sheet in sheets:
        sheet.group_starts = city_starts(sheet)
    return sheets
