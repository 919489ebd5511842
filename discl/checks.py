"""Validation stage: consistency checks on the long ``values`` table.

The checks implement ``checks.list`` of the format spec (``format_spec.yaml``; ``format.md`` §7):

* per report: T3-R1..R5 (table 三), T4-R1..R4 (table 四), T2-R1, T2-S1, T2-S2 (table 二);
* across years of the same agency (``reports.agency_key``): X-1, X-2, X-3;
* against the narrative text, when it is given: N-1 (numbers stated in sections 一/六) and Y-TEXT
  (sections 一 and 五 copied from the previous year's report).

They work only on the long table (one row per cell) and never modify their inputs. Every finding is
one row of the ``issues`` table (:data:`ISSUE_COLUMNS`). Rule ids, severities, messages and the
narrative patterns are data (:data:`RULES`, :data:`SKIP_REASONS`, :data:`NARRATIVE_FACTS`), so a rule
text is changed in one place.

Blank policy (spec ``checks.blank_policy``): a blank applicant cell of table 三 may count as 0 (the
finding then says ``imputed_zero``); a blank ``total`` cell is never imputed, the rule instance is
skipped with an ``info`` issue saying ``skipped_blank_total``. A cell the extraction could not read
(flag ``ambiguous`` / ``unreadable``) is never used: the instance is skipped with an ``info`` issue, so
an extraction problem is never reported as an error of the report, nor hidden by one.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

import pandas as pd
import yaml

__all__ = [
    "ISSUE_COLUMNS",
    "RULES",
    "SKIP_REASONS",
    "NARRATIVE_FACTS",
    "values_to_issues",
    "run_checks",
    "text_repetition",
    "narrative_sections",
]

#: columns of the issues frame, in order
ISSUE_COLUMNS = [
    "report_id", "rule", "severity", "table", "row", "col", "expected", "actual", "message", "message_en",
]

#: the column id of 总计 in tables 三 and 四 (templates.yaml uses the same id in both)
TOTAL = "total"
#: flags by which the extraction says it could not read a cell; such cells are never used
EXTRACTION_FLAGS = frozenset({"ambiguous", "unreadable"})
BLANK_FLAG = "blank"
IMPUTED_FLAG = "imputed_zero"
#: spec ``checks.tolerance``: counts exact, money (万元) to 0.01 for rounding
TOLERANCE = {"counts": 0.0, "money_wan_yuan": 0.01}
#: tiny slack so that float sums of integers compare exactly
_EPS = 1e-9
#: Y-TEXT: share of character 5-grams above which a section counts as copied from last year
REPETITION_THRESHOLD = 0.5
NGRAM = 5

# ---------------------------------------------------------------------------------------------
# Rules as data: severity, table and the bilingual message of a finding.
# Placeholders: {row} {col} {row_zh} {col_zh} {expected} {actual} {detail}.
# ---------------------------------------------------------------------------------------------
RULES: dict[str, dict[str, str]] = {
    "T3-R1": {
        "severity": "error", "table": "requests",
        "zh": "「{col_zh}」列：本年新收+上年结转={expected}，办理结果总计+结转下年度={actual}，勾稽关系不成立",
        "en": "column {col}: new_received + carried_over = {expected} but total_processed + carried_forward = {actual}",
    },
    "T3-R2": {
        "severity": "error", "table": "requests",
        "zh": "「{col_zh}」列：各办理结果之和={expected}，与（七）总计={actual}不一致",
        "en": "column {col}: the outcome rows sum to {expected} but total_processed = {actual} (counting {detail})",
    },
    "T3-R3": {
        "severity": "error", "table": "requests",
        "zh": "「{row_zh}」行：各类申请人之和={expected}，与总计={actual}不一致",
        "en": "row {row}: the applicant columns sum to {expected} but total = {actual}",
    },
    "T3-R4": {
        "severity": "error", "table": "requests",
        "zh": "「{row_zh}」行「{col_zh}」列的值{actual}不是非负整数",
        "en": "{row}/{col} = {actual} is not a non-negative integer",
    },
    "T3-R5": {
        "severity": "error", "table": "requests",
        "zh": "「{col_zh}」列：「{row_zh}」={actual}，超过本年新收+上年结转={expected}",
        "en": "column {col}: {row} = {actual} exceeds new_received + carried_over = {expected}",
    },
    "T4-R1": {
        "severity": "error", "table": "review_litigation",
        "zh": "行政复议：结果维持+结果纠正+其他结果+尚未审结={expected}，与总计={actual}不一致",
        "en": "admin_review: upheld + corrected + other + pending = {expected} but total = {actual}",
    },
    "T4-R2": {
        "severity": "error", "table": "review_litigation",
        "zh": "未经复议直接起诉：结果维持+结果纠正+其他结果+尚未审结={expected}，与总计={actual}不一致",
        "en": "litigation_direct: upheld + corrected + other + pending = {expected} but total = {actual}",
    },
    "T4-R3": {
        "severity": "error", "table": "review_litigation",
        "zh": "复议后起诉：结果维持+结果纠正+其他结果+尚未审结={expected}，与总计={actual}不一致",
        "en": "litigation_after_review: upheld + corrected + other + pending = {expected} but total = {actual}",
    },
    "T4-R4": {
        "severity": "error", "table": "review_litigation",
        "zh": "「{row_zh}」「{col_zh}」的值{actual}不是非负整数",
        "en": "{row}/{col} = {actual} is not a non-negative integer",
    },
    "T2-R1": {
        "severity": "error", "table": "proactive",
        "zh": "「{row_zh}」「{col_zh}」的值{actual}不合规（{detail}）",
        "en": "{row}/{col} = {actual} is invalid ({detail})",
    },
    "T2-S1": {
        "severity": "warning", "table": "proactive",
        "zh": "「{row_zh}」：对外公开总数量={actual}，小于本年新公开数量={expected}",
        "en": "{row}: total_published = {actual} is less than new_published = {expected}",
    },
    "T2-S2": {
        "severity": "warning", "table": "proactive",
        "zh": "「{row_zh}」：现行有效件数={actual}，小于本年制发件数={expected}（仅当同年制发又废止时可能）",
        "en": "{row}: in_force = {actual} is less than issued = {expected} (possible only if issued and repealed in the same year)",
    },
    "X-1": {
        "severity": "warning", "table": "requests",
        "zh": "「{col_zh}」列：上年结转={actual}，与上一年度报告（{detail}）的结转下年度={expected}不一致",
        "en": "column {col}: carried_over = {actual} but the previous year's report ({detail}) carried_forward = {expected}",
    },
    "X-2": {
        "severity": "warning", "table": "proactive",
        "zh": "「{row_zh}」：现行有效件数={actual}，而上年现行有效+本年制发-本年废止={expected}（上一年度报告：{detail}）",
        "en": "{row}: in_force = {actual} but previous in_force + issued - repealed = {expected} (previous report: {detail})",
    },
    "X-3": {
        "severity": "warning", "table": "proactive",
        "zh": "「{row_zh}」：上一年项目数量={actual}，而上一年度报告的上一年项目数量+本年增/减={expected}（{detail}）",
        "en": "{row}: prev_year_items = {actual} but the previous report's prev_year_items + items_change = {expected} ({detail})",
    },
    "N-1": {
        "severity": "info", "table": "",
        "zh": "正文称「{detail}」（{actual}），表格中对应数字为{expected}（{row}/{col}）",
        "en": "the text states '{detail}' ({actual}) but the table has {expected} ({row}/{col})",
    },
    "Y-TEXT": {
        "severity": "warning", "table": "",
        "zh": "第{row_zh}部分与上一年度报告（{detail}）文字重复率{actual}",
        "en": "section {row} repeats {actual} of the previous year's report ({detail})",
    },
}

#: why a rule instance was not evaluated; the reason id is part of the message so it can be filtered
SKIP_REASONS: dict[str, dict[str, str]] = {
    "skipped_extraction": {
        "zh": "skipped_extraction：提取未能可靠读取单元格 {cells}，本项检查跳过（属提取问题，不是报告错误）",
        "en": "skipped_extraction: the extraction could not read cell(s) {cells}; check skipped (an extraction problem, not a report error)",
    },
    "skipped_blank_total": {
        "zh": "skipped_blank_total：所需的总计单元格 {cells} 为空，总计不按0推算，本项检查跳过",
        "en": "skipped_blank_total: the needed total cell(s) {cells} are blank and a total is never imputed; check skipped",
    },
    "skipped_missing_value": {
        "zh": "skipped_missing_value：单元格 {cells} 无数值（空白、横线或斜线，且不可按0计），本项检查跳过",
        "en": "skipped_missing_value: cell(s) {cells} hold no number (blank, dash or slash that may not count as 0); check skipped",
    },
    "skipped_absent_cell": {
        "zh": "skipped_absent_cell：表格中缺少单元格 {cells}，本项检查跳过",
        "en": "skipped_absent_cell: cell(s) {cells} are absent from the extracted table; check skipped",
    },
}
#: when several operands are unusable, report the most telling reason first
_SKIP_PRIORITY = ["skipped_extraction", "skipped_blank_total", "skipped_missing_value", "skipped_absent_cell"]

_IMPUTED_NOTE = {
    "zh": "（空白单元格按0计：{cells}；imputed_zero）",
    "en": " (blank cells counted as 0: {cells}; imputed_zero)",
}

# ---------------------------------------------------------------------------------------------
# N-1: numbers stated in the narrative. Applied to the text of sections 一 and 六 after NFKC and
# removal of all whitespace (so "1295 件" and "1295件" match alike). A gap may not cross punctuation
# or a digit, so a number is only tied to the words right before/after it.
# ---------------------------------------------------------------------------------------------
_GAP = r"[^\d,;:()。、!?]"
#: a gap that must not run over the words that introduce a sub-count (其中…予以公开 30件)
_GAP_NO_SUB = r"(?:(?!其中|予以|部分|不予|无法|维持|纠正|纠错|驳回|败诉)" + _GAP + r")"


class NarrativeFact(NamedTuple):
    """One regex for a number stated in the text and the table cell(s) it should equal.

    ``row`` may join several rows with ``+`` (their values are summed); ``also`` lists other row
    sums the statement may mean (e.g. some reports count 收到 as new + carried over).
    """

    pattern: str
    table: str
    row: str
    col: str
    also: tuple[str, ...] = ()


NARRATIVE_FACTS: list[NarrativeFact] = [
    # 共收到政府信息公开申请70件 / 受理…申请 1295 件
    NarrativeFact(rf"(?:收到|受理|新收){_GAP}{{0,20}}?申请{_GAP}{{0,6}}?(\d+)件",
                  "requests", "new_received", TOTAL, ("new_received+carried_over",)),
    # 共收到70件申请
    NarrativeFact(rf"(?:收到|受理|新收)(\d+)件{_GAP}{{0,8}}?申请",
                  "requests", "new_received", TOTAL, ("new_received+carried_over",)),
    # 办结69件 / 按期答复1件
    NarrativeFact(rf"(?:办结|答复|办理完毕){_GAP_NO_SUB}{{0,10}}?(\d+)件", "requests", "total_processed", TOTAL),
    # 1件结转下年度继续办理 / 结转下一年度办理3件
    NarrativeFact(rf"(\d+)件{_GAP}{{0,6}}?(?:结转|顺延)(?:至|到)?下一?年度?", "requests", "carried_forward", TOTAL),
    NarrativeFact(rf"(?:结转|顺延)(?:至|到)?下一?年度?{_GAP}{{0,8}}?(\d+)件", "requests", "carried_forward", TOTAL),
    # （含上年结转189件）
    NarrativeFact(rf"上一?年度?结转{_GAP}{{0,14}}?(\d+)件", "requests", "carried_over", TOTAL),
    # 行政复议案件2件 / 政府信息公开行政复议 351 件
    NarrativeFact(rf"行政复议{_GAP_NO_SUB}{{0,6}}?(\d+)件", "review_litigation", "admin_review", TOTAL),
    # 行政诉讼案件1件: both kinds of litigation together
    NarrativeFact(rf"行政诉讼{_GAP_NO_SUB}{{0,6}}?(\d+)件", "review_litigation",
                  "litigation_direct+litigation_after_review", TOTAL),
]

#: section headings (on NFKC text without whitespace); the numbering is not trusted because real
#: reports misnumber sections (a 2019 report titles table 三 "二、收到和处理…")
SECTION_HEADINGS: dict[str, str] = {
    "overview": r"一、总体情况",
    "active": r"[一二三四五六]、主动公开政府信息(?:情况)?",
    "requests": r"[一二三四五六]、收到和处理政府信息公开申请(?:情况)?",
    "review_litigation": r"[一二三四五六]、因?政府信息公开[^。,]{0,10}?行政法?复议",
    "problems": r"[一二三四五六]、(?:政府信息公开工作)?存在的主要问题(?:及改进(?:情况|措施))?",
    "other_matters": r"[一二三四五六七]、其他需要报告的?事项",
}
_SECTION_ZH = {"overview": "一", "problems": "五", "other_matters": "六"}
#: sections searched by N-1 and compared by Y-TEXT
N1_SECTIONS = ("overview", "other_matters")
YTEXT_SECTIONS = ("overview", "problems")


# ---------------------------------------------------------------------------------------------
# Template vocabulary (discl/data/templates.yaml)
# ---------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _templates() -> dict[str, Any]:
    text = resources.files("discl").joinpath("data/templates.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class _Vocab:
    """Ids derived once from templates.yaml."""

    request_rows: tuple[dict[str, Any], ...]
    request_cols: tuple[str, ...]
    applicant_cols: tuple[str, ...]
    proceedings: tuple[str, ...]
    outcome_parts: tuple[str, ...]
    measure_type: Mapping[str, str]
    blocks: Mapping[str, tuple[dict[str, Any], ...]]
    zh: Mapping[tuple[str, str], str]

    def rows_in(self, template: str) -> list[str]:
        return [r["id"] for r in self.request_rows if template in r.get("in", [])]

    def items_with_measure(self, measure: str) -> list[str]:
        """Table-2 items printed with ``measure`` in any template (order kept, no duplicates)."""
        out: list[str] = []
        for blocks in self.blocks.values():
            for block in blocks:
                if measure in block["measures"]:
                    out += [i for i in block["items"] if i not in out]
        return out


@lru_cache(maxsize=1)
def _vocab() -> _Vocab:
    t = _templates()
    req, rl, pro = t["requests"], t["review_litigation"], t["proactive"]
    zh: dict[tuple[str, str], str] = {}
    for r in req["rows"]:
        zh[("requests.row", r["id"])] = r["zh"]
    for c in req["columns"]:
        zh[("requests.col", c["id"])] = c["zh"]
    for p in rl["proceedings"]:
        zh[("review_litigation.row", p["id"])] = p["zh"]
    for o in rl["outcomes"]:
        zh[("review_litigation.col", o["id"])] = o["zh"]
    for i in pro["items"]:
        zh[("proactive.row", i["id"])] = i["zh"]
    for m in pro["measures"]:
        zh[("proactive.col", m["id"])] = m["zh"]
    cols = tuple(c["id"] for c in req["columns"])
    return _Vocab(
        request_rows=tuple(req["rows"]),
        request_cols=cols,
        applicant_cols=tuple(c for c in cols if c != TOTAL),
        proceedings=tuple(p["id"] for p in rl["proceedings"]),
        outcome_parts=tuple(o["id"] for o in rl["outcomes"] if o["id"] != TOTAL),
        measure_type={m["id"]: m["type"] for m in pro["measures"]},
        blocks={k: tuple(v) for k, v in pro["blocks"].items()},
        zh=zh,
    )


# Rows of table 三 named by the rule expressions themselves (T3-R1, T3-R5, X-1).
_INFLOW = ("new_received", "carried_over")
_OUTFLOW = ("total_processed", "carried_forward")
# T4 rule id -> proceeding (spec: T4-R1 复议, T4-R2 直接起诉, T4-R3 复议后起诉)
_T4_SUM_RULES = {"T4-R1": "admin_review", "T4-R2": "litigation_direct", "T4-R3": "litigation_after_review"}


# ---------------------------------------------------------------------------------------------
# Cells of one report and the operand policy
# ---------------------------------------------------------------------------------------------
Key = tuple[str, str, str]  # (table, row, col)


@dataclass(frozen=True)
class _Cell:
    value: float
    flags: frozenset[str]
    unit: str


@dataclass(frozen=True)
class _Operands:
    """Values of a rule instance's cells, or why the instance cannot be evaluated."""

    values: tuple[float, ...] = ()
    imputed: tuple[Key, ...] = ()
    skip: str | None = None
    skip_keys: tuple[Key, ...] = ()


@lru_cache(maxsize=1024)
def _parse_flags(raw: Any) -> frozenset[str]:
    if not isinstance(raw, str):
        return frozenset()
    return frozenset(f.strip() for f in raw.split(",") if f.strip())


class _ReportCells:
    """Lookup (table, row, col) -> cell for one report."""

    def __init__(self, cells: dict[Key, _Cell]):
        self.cells = cells
        self.tables = {k[0] for k in cells}
        # rows in first-seen order and column sets, per table (asked for many times per rule)
        self._rows: dict[str, dict[str, None]] = {}
        self._cols: dict[str, set[str]] = {}
        for t, r, c in cells:
            self._rows.setdefault(t, {}).setdefault(r, None)
            self._cols.setdefault(t, set()).add(c)

    def has(self, key: Key) -> bool:
        return key in self.cells

    def rows(self, table: str) -> list[str]:
        return list(self._rows.get(table, {}))

    def has_col(self, table: str, col: str) -> bool:
        return col in self._cols.get(table, set())

    def resolve(self, keys: Iterable[Key]) -> _Operands:
        """Apply the blank policy to the cells a rule instance needs."""
        values: list[float] = []
        imputed: list[Key] = []
        problems: dict[str, list[Key]] = {}
        for key in keys:
            cell = self.cells.get(key)
            reason: str | None = None
            if cell is None:
                reason = "skipped_absent_cell"
            elif cell.flags & EXTRACTION_FLAGS:
                # even a value is not trusted: the extractor said it may be wrong
                reason = "skipped_extraction"
            elif not math.isnan(cell.value):
                values.append(cell.value)
            elif key[2] == TOTAL:
                reason = "skipped_blank_total" if BLANK_FLAG in cell.flags else "skipped_missing_value"
            elif BLANK_FLAG in cell.flags and key[0] == "requests":
                # spec blank_policy: a blank applicant cell of table 三 means 0 (S1 and E15 print
                # blanks for zero); a dash or slash is not imputed because it may mean "not applicable"
                values.append(0.0)
                imputed.append(key)
            else:
                reason = "skipped_missing_value"
            if reason:
                problems.setdefault(reason, []).append(key)
        if problems:
            reason = next(r for r in _SKIP_PRIORITY if r in problems)
            return _Operands(skip=reason, skip_keys=tuple(problems[reason]))
        return _Operands(values=tuple(values), imputed=tuple(imputed))


def _index_cells(values: pd.DataFrame) -> dict[str, _ReportCells]:
    """Group the long table by report into lookups (without touching ``values``)."""
    needed = ["report_id", "table", "row", "col", "value", "flags"]
    missing = [c for c in needed if c not in values.columns]
    if missing:
        raise ValueError(f"values is missing column(s) {missing}")
    nums = pd.to_numeric(values["value"], errors="coerce").astype(float).tolist()
    units = values["unit"].tolist() if "unit" in values.columns else [""] * len(values)
    # plain lists: iterating Arrow-backed string columns element by element is slow
    columns = [values[c].tolist() for c in ("report_id", "table", "row", "col", "flags")]
    by_report: dict[str, dict[Key, _Cell]] = {}
    for rid, table, row, col, flags, value, unit in zip(*columns, nums, units):
        key: Key = (str(table), str(row), str(col))
        cell = _Cell(float(value), _parse_flags(flags), unit if isinstance(unit, str) else "")
        cells = by_report.setdefault(str(rid), {})
        old = cells.get(key)
        if old is not None and not _same_value(old.value, cell.value):
            # the same cell extracted twice with different numbers (e.g. a repeated header across a
            # page break): neither can be trusted
            cell = _Cell(old.value, old.flags | {"ambiguous"}, old.unit)
        elif old is not None:
            continue
        cells[key] = cell
    return {rid: _ReportCells(c) for rid, c in by_report.items()}


def _same_value(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


# ---------------------------------------------------------------------------------------------
# Issue construction
# ---------------------------------------------------------------------------------------------
def _fmt(x: float) -> str:
    if isinstance(x, float) and math.isnan(x):
        return "—"
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.4f}".rstrip("0").rstrip(".")


def _cells_text(keys: Iterable[Key]) -> str:
    return ", ".join(f"{r}/{c}" for _, r, c in keys)


class _Issues:
    """Collects issue rows; messages come from :data:`RULES` and :data:`SKIP_REASONS`."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def finding(self, report_id: str, rule: str, table: str | None, row: str | None, col: str | None,
                expected: float, actual: float, detail: str = "", imputed: Iterable[Key] = (),
                severity: str | None = None) -> None:
        spec = RULES[rule]
        voc = _vocab()
        ctx = {
            "row": row, "col": col,
            "row_zh": _SECTION_ZH.get(row or "") or voc.zh.get((f"{table}.row", row or ""), row),
            "col_zh": voc.zh.get((f"{table}.col", col or ""), col),
            "expected": _fmt(expected), "actual": _fmt(actual), "detail": detail,
        }
        zh, en = spec["zh"].format(**ctx), spec["en"].format(**ctx)
        imputed = tuple(imputed)
        if imputed:
            zh += _IMPUTED_NOTE["zh"].format(cells=_cells_text(imputed))
            en += _IMPUTED_NOTE["en"].format(cells=_cells_text(imputed))
        self._add(report_id, rule, severity or spec["severity"], table, row, col, expected, actual, zh, en)

    def skipped(self, report_id: str, rule: str, table: str, row: str | None, col: str | None,
                ops: _Operands) -> None:
        assert ops.skip is not None
        text = SKIP_REASONS[ops.skip]
        cells = _cells_text(ops.skip_keys)
        self._add(report_id, rule, "info", table, row, col, math.nan, math.nan,
                  f"{rule} " + text["zh"].format(cells=cells), f"{rule} " + text["en"].format(cells=cells))

    def _add(self, report_id: str, rule: str, severity: str, table: str | None, row: str | None,
             col: str | None, expected: float, actual: float, zh: str, en: str) -> None:
        self.rows.append({
            "report_id": report_id, "rule": rule, "severity": severity, "table": table or None,
            "row": row, "col": col, "expected": float(expected), "actual": float(actual),
            "message": zh, "message_en": en,
        })

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=ISSUE_COLUMNS)
        df["expected"] = df["expected"].astype(float)
        df["actual"] = df["actual"].astype(float)
        return df


def _tolerance(cells: _ReportCells, keys: Iterable[Key]) -> float:
    units = {cells.cells[k].unit for k in keys if k in cells.cells}
    return TOLERANCE["money_wan_yuan"] if "万元" in units else TOLERANCE["counts"]


def _differs(a: float, b: float, tol: float) -> bool:
    return abs(a - b) > tol + _EPS


def _is_int(v: float) -> bool:
    return abs(v - round(v)) <= _EPS


# ---------------------------------------------------------------------------------------------
# Per-report rules
# ---------------------------------------------------------------------------------------------
def _check_sum(out: _Issues, rid: str, cells: _ReportCells, rule: str, table: str, row: str | None,
               col: str | None, parts: list[Key], totals: list[Key], detail: str = "") -> None:
    """sum(parts) == sum(totals) (expected = parts, actual = totals), with the blank policy."""
    ops = cells.resolve(parts + totals)
    if ops.skip:
        out.skipped(rid, rule, table, row, col, ops)
        return
    expected = sum(ops.values[: len(parts)])
    actual = sum(ops.values[len(parts):])
    if _differs(expected, actual, _tolerance(cells, parts + totals)):
        out.finding(rid, rule, table, row, col, expected, actual, detail, ops.imputed)


def _outcome_rows(cells: _ReportCells, template: str | None) -> tuple[list[str], str]:
    """Rows whose sum is （七）总计, decided by the rows actually present, and the form used.

    Real reports mix templates (a gb2021 table 三 with the gb2019 single （六）其他处理 row), so a
    group printed as sub-rows (``x.*``) or as one row (``x``) is taken in whichever form is present;
    the template only decides when neither form was extracted. The second value names the form
    taken for such groups (for the message).
    """
    voc = _vocab()
    flow = set(_INFLOW) | set(_OUTFLOW)
    all_rows = [r["id"] for r in voc.request_rows if r["id"] not in flow]
    base = voc.rows_in(template) if template in ("gb2019", "gb2021") else voc.rows_in("gb2021")
    rows = [r for r in base if r not in flow]
    present = set(cells.rows("requests"))
    # groups that exist both as a single row and as sub-rows in the vocabulary
    dual = [r for r in all_rows if any(s.startswith(r + ".") for s in all_rows)]
    forms: list[str] = []
    for group in dual:
        subs = [s for s in all_rows if s.startswith(group + ".")]
        if present & set(subs):
            form = subs
        elif group in present:
            form = [group]
        else:
            continue
        rows = [r for r in rows if r != group and not r.startswith(group + ".")]
        rows += form
    for group in dual:
        forms.append("+".join(r for r in rows if r == group or r.startswith(group + ".")))
    order = {r: i for i, r in enumerate(all_rows)}
    return sorted(rows, key=order.__getitem__), "; ".join(forms)


def _check_requests(out: _Issues, rid: str, cells: _ReportCells, template: str | None) -> None:
    voc = _vocab()
    t = "requests"
    outcome, form = _outcome_rows(cells, template)
    for c in voc.request_cols:
        if not cells.has_col(t, c):
            continue  # a layout without this column (e.g. only 总计 printed): nothing to compare
        _check_sum(out, rid, cells, "T3-R1", t, None, c,
                   [(t, r, c) for r in _INFLOW], [(t, r, c) for r in _OUTFLOW])
        _check_sum(out, rid, cells, "T3-R2", t, "total_processed", c,
                   [(t, r, c) for r in outcome], [(t, "total_processed", c)],
                   detail=form)
        for r in _OUTFLOW:
            ops = cells.resolve([(t, x, c) for x in _INFLOW] + [(t, r, c)])
            if ops.skip:
                out.skipped(rid, "T3-R5", t, r, c, ops)
                continue
            bound, actual = ops.values[0] + ops.values[1], ops.values[2]
            if actual > bound + _EPS:
                out.finding(rid, "T3-R5", t, r, c, bound, actual, imputed=ops.imputed)
    applicants = [c for c in voc.applicant_cols if cells.has_col(t, c)]
    for r in cells.rows(t) if applicants and cells.has_col(t, TOTAL) else []:
        _check_sum(out, rid, cells, "T3-R3", t, r, TOTAL,
                   [(t, r, c) for c in voc.applicant_cols], [(t, r, TOTAL)])
    _check_nonneg_int(out, rid, cells, "T3-R4", t)


def _check_nonneg_int(out: _Issues, rid: str, cells: _ReportCells, rule: str, table: str) -> None:
    for key, cell in cells.cells.items():
        if key[0] != table:
            continue
        if cell.flags & EXTRACTION_FLAGS:
            out.skipped(rid, rule, table, key[1], key[2], _Operands(skip="skipped_extraction", skip_keys=(key,)))
        elif not math.isnan(cell.value) and (cell.value < 0 or not _is_int(cell.value)):
            out.finding(rid, rule, table, key[1], key[2], math.nan, cell.value)


def _check_review(out: _Issues, rid: str, cells: _ReportCells) -> None:
    voc = _vocab()
    t = "review_litigation"
    for rule, proc in _T4_SUM_RULES.items():
        _check_sum(out, rid, cells, rule, t, proc, TOTAL,
                   [(t, proc, o) for o in voc.outcome_parts], [(t, proc, TOTAL)])
    _check_nonneg_int(out, rid, cells, "T4-R4", t)


# T2-R1 message detail per measure type
_T2_TYPE_TEXT = {
    "count": ("应为非负整数", "must be a non-negative integer"),
    "signed": ("应为整数", "must be an integer"),
    "money": ("金额应不小于0", "an amount must be >= 0"),
}


def _t2_valid(kind: str, v: float) -> bool:
    if kind == "count":
        return v >= 0 and _is_int(v)
    if kind == "signed":
        return _is_int(v)
    if kind == "money":
        return v >= 0
    return True


def _check_proactive(out: _Issues, rid: str, cells: _ReportCells) -> None:
    voc = _vocab()
    t = "proactive"
    for key, cell in cells.cells.items():
        if key[0] != t or key[2] not in voc.measure_type:
            continue
        kind = voc.measure_type[key[2]]
        if cell.flags & EXTRACTION_FLAGS:
            out.skipped(rid, "T2-R1", t, key[1], key[2], _Operands(skip="skipped_extraction", skip_keys=(key,)))
        elif not math.isnan(cell.value) and not _t2_valid(kind, cell.value):
            out.finding(rid, "T2-R1", t, key[1], key[2], math.nan, cell.value,
                        detail=f"{_T2_TYPE_TEXT[kind][1]} / {_T2_TYPE_TEXT[kind][0]}")
    # soft rules: evaluated wherever both measures were extracted (gb2019: S1, gb2021: S2), which
    # also covers reports mixing the two layouts
    for rule, lower, upper in (("T2-S1", "new_published", "total_published"), ("T2-S2", "issued", "in_force")):
        for item in cells.rows(t):
            keys = [(t, item, lower), (t, item, upper)]
            if not (cells.has(keys[0]) and cells.has(keys[1])):
                continue
            ops = cells.resolve(keys)
            if ops.skip:
                out.skipped(rid, rule, t, item, upper, ops)
            elif ops.values[1] < ops.values[0] - _EPS:
                out.finding(rid, rule, t, item, upper, ops.values[0], ops.values[1])


def _infer_template(cells: _ReportCells) -> str | None:
    """gb2019/gb2021 from ids only one template has (used when ``reports.template`` is unknown)."""
    voc = _vocab()
    only: dict[str, set[tuple[str, str]]] = {"gb2019": set(), "gb2021": set()}
    for r in voc.request_rows:
        if len(r.get("in", [])) == 1:
            only[r["in"][0]].add(("requests", r["id"]))
    for m in _templates()["proactive"]["measures"]:
        if len(m.get("in", [])) == 1:
            only[m["in"][0]].add(("proactive", m["id"]))
    seen = {(t, r) for t, r, _ in cells.cells} | {(t, c) for t, _, c in cells.cells}
    hits = {k: len(v & seen) for k, v in only.items()}
    if hits["gb2019"] == hits["gb2021"]:
        return None
    return max(hits, key=hits.__getitem__)


# ---------------------------------------------------------------------------------------------
# Cross-year rules
# ---------------------------------------------------------------------------------------------
def _year_pairs(reports: pd.DataFrame) -> list[tuple[str, str, int]]:
    """(report, previous-year report, previous year) for the same ``agency_key`` and consecutive years."""
    if not {"report_id", "agency_key", "year"} <= set(reports.columns):
        return []
    df = reports[["report_id", "agency_key", "year"]].dropna()
    by_key: dict[tuple[Any, int], list[str]] = {}
    for rid, key, year in zip(df["report_id"], df["agency_key"], df["year"]):
        if isinstance(key, str) and not key.strip():
            continue  # an empty key would pair unrelated agencies
        by_key.setdefault((key, int(year)), []).append(str(rid))
    pairs = []
    for (key, year), rids in by_key.items():
        for prev in by_key.get((key, year - 1), []):
            pairs += [(rid, prev, year - 1) for rid in rids if rid != prev]
    return sorted(pairs)


def _cross_year(out: _Issues, pairs: list[tuple[str, str, int]], index: dict[str, _ReportCells]) -> None:
    voc = _vocab()
    empty = _ReportCells({})
    for rid, prev_id, prev_year in pairs:
        cur, prev = index.get(rid, empty), index.get(prev_id, empty)
        detail = f"{prev_year}, {prev_id}"
        # table 三 is unchanged across the 2020 -> 2021 switch, so this runs for any pair
        if "requests" in cur.tables and "requests" in prev.tables:
            for c in voc.request_cols:
                if not (cur.has_col("requests", c) and prev.has_col("requests", c)):
                    continue  # a layout without this column in either year
                keys = (("requests", "carried_over", c), ("requests", "carried_forward", c))
                a, b = cur.resolve([keys[0]]), prev.resolve([keys[1]])
                skip = a if a.skip else b if b.skip else None
                if skip:
                    out.skipped(rid, "X-1", "requests", "carried_over", c, skip)
                elif _differs(a.values[0], b.values[0], TOLERANCE["counts"]):
                    out.finding(rid, "X-1", "requests", "carried_over", c, b.values[0], a.values[0],
                                detail, a.imputed + b.imputed)
        # gb2021 both years, i.e. both reports print 现行有效件数
        if cur.has_col("proactive", "in_force") and prev.has_col("proactive", "in_force"):
            for item in voc.items_with_measure("in_force"):
                now = [("proactive", item, m) for m in ("in_force", "issued", "repealed")]
                before = [("proactive", item, "in_force")]
                if not any(cur.has(k) for k in now) and not prev.has(before[0]):
                    continue  # the item is in neither report
                a, b = cur.resolve(now), prev.resolve(before)
                skip = a if a.skip else b if b.skip else None
                if skip:
                    out.skipped(rid, "X-2", "proactive", item, "in_force", skip)
                    continue
                expected = b.values[0] + a.values[1] - a.values[2]
                if _differs(expected, a.values[0], TOLERANCE["counts"]):
                    out.finding(rid, "X-2", "proactive", item, "in_force", expected, a.values[0], detail)
        # gb2019 both years (上一年项目数量 printed in both)
        if cur.has_col("proactive", "prev_year_items") and prev.has_col("proactive", "prev_year_items"):
            for item in voc.items_with_measure("prev_year_items"):
                now = [("proactive", item, "prev_year_items")]
                before = [("proactive", item, "prev_year_items"), ("proactive", item, "items_change")]
                if not cur.has(now[0]) and not any(prev.has(k) for k in before):
                    continue
                a, b = cur.resolve(now), prev.resolve(before)
                skip = a if a.skip else b if b.skip else None
                if skip:
                    out.skipped(rid, "X-3", "proactive", item, "prev_year_items", skip)
                    continue
                expected = b.values[0] + b.values[1]
                if _differs(expected, a.values[0], TOLERANCE["counts"]):
                    out.finding(rid, "X-3", "proactive", item, "prev_year_items", expected, a.values[0], detail)


# ---------------------------------------------------------------------------------------------
# Narrative
# ---------------------------------------------------------------------------------------------
def _normalize_text(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def narrative_sections(text: str) -> dict[str, str]:
    """Split a report's text into its numbered sections (text normalised: NFKC, no whitespace).

    Keys are the spec's section ids (``overview`` 一, ``active`` 二, ``requests`` 三,
    ``review_litigation`` 四, ``problems`` 五, ``other_matters`` 六); a heading that is not found
    gives no key.

    >>> s = narrative_sections("一、总体情况 共收到申请3件。二、主动公开政府信息情况 表 五、存在的主要问题及改进情况 不足")
    >>> s["overview"], s["problems"]
    ('共收到申请3件。', '不足')
    """
    norm = _normalize_text(text)
    found: list[tuple[int, int, str]] = []
    for sid, pat in SECTION_HEADINGS.items():
        m = re.search(pat, norm)
        if m:
            found.append((m.start(), m.end(), sid))
    found.sort()
    sections: dict[str, str] = {}
    for i, (_, end, sid) in enumerate(found):
        stop = found[i + 1][0] if i + 1 < len(found) else len(norm)
        sections[sid] = norm[end:stop]
    return sections


def _row_sum(cells: _ReportCells, table: str, rows: str, col: str) -> float | None:
    ops = cells.resolve([(table, r, col) for r in rows.split("+")])
    return None if ops.skip else sum(ops.values)


def _check_narrative(out: _Issues, rid: str, cells: _ReportCells, text: str) -> None:
    sections = narrative_sections(text)
    parts = [sections[s] for s in N1_SECTIONS if s in sections]
    # without recognisable headings the text is taken as narrative as a whole; the patterns need
    # "…件" after the number, which glued table cells do not have
    body = "。".join(parts) if parts else _normalize_text(text)
    stated: dict[tuple[str, str, str], dict[float, str]] = {}
    alternatives: dict[tuple[str, str, str], tuple[str, ...]] = {}
    for fact in NARRATIVE_FACTS:
        key = (fact.table, fact.row, fact.col)
        alternatives[key] = tuple(dict.fromkeys(alternatives.get(key, ()) + fact.also))
        for m in re.finditer(fact.pattern, body):
            stated.setdefault(key, {}).setdefault(float(m.group(1)), m.group(0))
    for (table, row, col), numbers in stated.items():
        if len(numbers) != 1 or table not in cells.tables:
            continue  # several different numbers for one fact (e.g. last year's too): not clear
        number, snippet = next(iter(numbers.items()))
        value = _row_sum(cells, table, row, col)
        if value is None:
            continue
        candidates = [value] + [v for v in (_row_sum(cells, table, alt, col)
                                            for alt in alternatives[(table, row, col)]) if v is not None]
        if all(_differs(number, v, TOLERANCE["counts"]) for v in candidates):
            out.finding(rid, "N-1", table, row, col, value, number, detail=snippet)


def _ngrams(text: str, n: int = NGRAM) -> set[str]:
    # digits are masked so that a copy with only the year and counts updated still counts as a copy
    t = re.sub(r"\d+", "0", text)
    return {t[i:i + n] for i in range(len(t) - n + 1)}


def _similarity(a: str, b: str) -> float | None:
    ga, gb = _ngrams(a), _ngrams(b)
    if not ga or not gb:
        return None
    return len(ga & gb) / len(ga | gb)


def text_repetition(texts_by_report: Mapping[str, str], reports: pd.DataFrame) -> pd.DataFrame:
    """Y-TEXT: how much of sections 一 (overview) and 五 (problems) repeats the previous year's report.

    Compares each report with the report of the same ``agency_key`` for the previous year by the
    Jaccard share of character 5-grams (digits masked). Every comparison gives one row with the ratio
    in ``actual``: severity ``warning`` above :data:`REPETITION_THRESHOLD`, ``info`` otherwise.

    >>> reports = pd.DataFrame({"report_id": ["a", "b"], "agency_key": ["k", "k"],
    ...                         "year": pd.array([2021, 2022], dtype="Int64")})
    >>> same = "一、总体情况 我局认真贯彻条例，深入推进政务公开工作。五、存在的主要问题及改进情况 公开深度不足。"
    >>> issues = text_repetition({"a": same, "b": same.replace("2021", "2022")}, reports)
    >>> issues[["report_id", "row", "severity", "actual"]].values.tolist()
    [['b', 'overview', 'warning', 1.0], ['b', 'problems', 'warning', 1.0]]
    """
    out = _Issues()
    _repetition(out, texts_by_report, _year_pairs(reports))
    return out.frame()


def _repetition(out: _Issues, texts: Mapping[str, str], pairs: list[tuple[str, str, int]]) -> None:
    cache: dict[str, dict[str, str]] = {}

    def sections(rid: str) -> dict[str, str]:
        if rid not in cache:
            cache[rid] = narrative_sections(texts[rid])
        return cache[rid]

    for rid, prev_id, prev_year in pairs:
        if rid not in texts or prev_id not in texts:
            continue
        for sec in YTEXT_SECTIONS:
            a, b = sections(rid).get(sec), sections(prev_id).get(sec)
            if not a or not b:
                continue
            ratio = _similarity(a, b)
            if ratio is None:
                continue
            severity = "warning" if ratio > REPETITION_THRESHOLD else "info"
            out.finding(rid, "Y-TEXT", None, sec, None, math.nan, round(ratio, 4),
                        detail=f"{prev_year}, {prev_id}", severity=severity)


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------
def values_to_issues(values: pd.DataFrame, reports: pd.DataFrame,
                     texts: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Run all checks and return the issues table (columns :data:`ISSUE_COLUMNS`).

    Per-report rules run on every report that has values; X-1..X-3 compare reports of the same
    ``agency_key`` in consecutive years. With ``texts`` (report_id -> full text) N-1 and Y-TEXT run
    too. A table absent from a report gives no finding for it. The inputs are not modified.

    >>> rows = [("new_received", 5), ("carried_over", 0), ("total_processed", 4), ("carried_forward", 0)]
    >>> values = pd.DataFrame({"report_id": "r1", "table": "requests", "row": [r for r, _ in rows],
    ...     "col": "total", "value": [float(v) for _, v in rows], "unit": "件", "raw": "", "flags": ""})
    >>> reports = pd.DataFrame({"report_id": ["r1"], "agency_key": ["k"],
    ...     "year": pd.array([2021], dtype="Int64"), "template": ["gb2021"]})
    >>> issues = values_to_issues(values, reports)
    >>> issues.loc[issues.severity == "error", ["rule", "col", "expected", "actual"]].values.tolist()
    [['T3-R1', 'total', 5.0, 4.0]]
    """
    per_report = report_issues(values, reports, texts)
    cross = corpus_issues(values, reports, texts)
    return pd.concat([per_report, cross], ignore_index=True) if len(cross) else per_report


def report_issues(values: pd.DataFrame, reports: pd.DataFrame,
                  texts: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The rules that look at one report at a time (T*, N-1): batch workers run these per file."""
    index = _index_cells(values)
    templates: dict[str, str | None] = {}
    if {"report_id", "template"} <= set(reports.columns):
        for rid, tpl in zip(reports["report_id"], reports["template"]):
            templates[str(rid)] = tpl if isinstance(tpl, str) else None
    out = _Issues()
    for rid in sorted(index):
        cells = index[rid]
        template = templates.get(rid)
        if template not in ("gb2019", "gb2021"):
            template = _infer_template(cells)
        if "requests" in cells.tables:
            _check_requests(out, rid, cells, template)
        if "review_litigation" in cells.tables:
            _check_review(out, rid, cells)
        if "proactive" in cells.tables:
            _check_proactive(out, rid, cells)
        if texts and rid in texts and isinstance(texts[rid], str):
            _check_narrative(out, rid, cells, texts[rid])
    return out.frame()


#: the rows the cross-year rules read; a batch keeps only these in memory for the corpus pass
CROSS_YEAR_ROWS = {("requests", "carried_over"), ("requests", "carried_forward")}
CROSS_YEAR_TABLES = {"proactive"}


def corpus_issues(values: pd.DataFrame, reports: pd.DataFrame,
                  texts: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The rules that compare reports (X-1..X-3 across years, Y-TEXT); ``values`` may be reduced to
    :data:`CROSS_YEAR_ROWS` and :data:`CROSS_YEAR_TABLES`, ``texts`` to sections 一 and 五."""
    index = _index_cells(values)
    out = _Issues()
    pairs = _year_pairs(reports)
    _cross_year(out, pairs, index)
    if texts:
        _repetition(out, {k: v for k, v in texts.items() if isinstance(v, str)}, pairs)
    return out.frame()


def run_checks(reports: pd.DataFrame, values: pd.DataFrame, issues: pd.DataFrame,
                texts: dict[str, str], cross: bool = True) -> pd.DataFrame:
    """``issues`` with the consistency findings appended (``cross``: also the rules across reports).

    The reports/values frames are only read; a new issues frame is returned."""
    found = (values_to_issues if cross else report_issues)(values, reports, texts)
    if found is None or found.empty:
        return issues
    found = found.reindex(columns=issues.columns)
    out = pd.concat([issues, found.astype(issues.dtypes.to_dict())], ignore_index=True)
    return out
