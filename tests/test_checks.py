"""Tests of the validation stage (discl.checks) on small hand-built long tables."""
from __future__ import annotations

import copy
import math
from collections.abc import Iterable

import pandas as pd
import pytest

from discl import checks, templates
from discl.checks import ISSUE_COLUMNS, RULES, text_repetition, values_to_issues

COLS = ["natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total"]
OUTCOMES = ["upheld", "corrected", "other", "pending", "total"]
BLANK = None  # a blank cell in the row lists below


# ------------------------------------------------------------------------------------------------
# Frame builders
# ------------------------------------------------------------------------------------------------
def cell(rid: str, table: str, row: str, col: str, value: float | None, flags: str = "",
         unit: str = "件") -> dict:
    """One row of the values table; ``None`` is a blank cell (NaN, flag ``blank``)."""
    if value is None:
        return {"report_id": rid, "table": table, "row": row, "col": col, "value": math.nan, "unit": unit,
                "raw": "", "flags": flags or "blank", "page": 1, "cell": ""}
    return {"report_id": rid, "table": table, "row": row, "col": col, "value": float(value), "unit": unit,
            "raw": str(value), "flags": flags, "page": 1, "cell": ""}


def frame(rows: Iterable[dict]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def t3_rows(template: str = "gb2021") -> dict[str, list]:
    """A consistent table 三 (all rules hold), rows of the given template."""
    rows = {r.id: [0] * 7 for r in templates.table("requests").rows(template)}
    other = "other_handling.other" if template == "gb2021" else "other_handling"
    rows.update({
        "new_received": [6, 1, 0, 0, 0, 0, 7],
        "carried_over": [1, 0, 0, 0, 0, 0, 1],
        "granted": [3, 1, 0, 0, 0, 0, 4],
        "unable.not_held": [2, 0, 0, 0, 0, 0, 2],
        other: [1, 0, 0, 0, 0, 0, 1],
        "total_processed": [6, 1, 0, 0, 0, 0, 7],
        "carried_forward": [1, 0, 0, 0, 0, 0, 1],
    })
    return rows


def t3(rid: str, rows: dict[str, list], flags: dict[tuple[str, str], str] | None = None) -> list[dict]:
    flags = flags or {}
    return [cell(rid, "requests", r, c, v, flags.get((r, c), ""))
            for r, vals in rows.items() for c, v in zip(COLS, vals)]


def t4(rid: str, rows: dict[str, list] | None = None) -> list[dict]:
    rows = rows or {"admin_review": [1, 0, 2, 0, 3], "litigation_direct": [12, 0, 0, 0, 12],
                    "litigation_after_review": [0, 0, 0, 0, 0]}
    return [cell(rid, "review_litigation", r, c, v) for r, vals in rows.items() for c, v in zip(OUTCOMES, vals)]


def t2(rid: str, cells: dict[tuple[str, str], float | None]) -> list[dict]:
    return [cell(rid, "proactive", r, c, v, unit="万元" if c.endswith("amount") else "件")
            for (r, c), v in cells.items()]


def reports(*specs: tuple[str, int, str], agency_key: str = "pingtan") -> pd.DataFrame:
    return pd.DataFrame({
        "report_id": [s[0] for s in specs],
        "path": [f"{s[0]}.html" for s in specs],
        "agency": "平潭综合实验区",
        "agency_key": agency_key,
        "region": "福建省",
        "year": pd.array([s[1] for s in specs], dtype="Int64"),
        "template": [s[2] for s in specs],
        "status": "ok",
    })


def run(values: pd.DataFrame, reps: pd.DataFrame | None = None, texts: dict | None = None) -> pd.DataFrame:
    if reps is None:
        ids = sorted(values["report_id"].unique())
        reps = reports(*[(rid, 2021, "gb2021") for rid in ids])
    return values_to_issues(values, reps, texts)


def findings(issues: pd.DataFrame, rule: str | None = None) -> pd.DataFrame:
    """Errors and warnings (not info), optionally of one rule."""
    f = issues[issues.severity != "info"]
    return f if rule is None else f[f.rule == rule]


def of(issues: pd.DataFrame, rule: str, severity: str | None = None) -> pd.DataFrame:
    f = issues[issues.rule == rule]
    return f if severity is None else f[f.severity == severity]


# ------------------------------------------------------------------------------------------------
# Output shape and rule data
# ------------------------------------------------------------------------------------------------
def test_valid_reports_give_no_issue_at_all():
    for template in ("gb2019", "gb2021"):
        issues = run(frame(t3("r", t3_rows(template)) + t4("r")), reports(("r", 2021, template)))
        assert list(issues.columns) == ISSUE_COLUMNS
        assert issues.empty, issues.message.tolist()


def test_issue_columns_and_types():
    rows = t3_rows()
    rows["new_received"] = [6, 1, 0, 0, 0, 0, 8]
    issues = run(frame(t3("r", rows)))
    assert list(issues.columns) == ISSUE_COLUMNS
    assert issues["expected"].dtype == float and issues["actual"].dtype == float
    assert set(issues.severity) <= {"error", "warning", "info"}
    assert issues.message.str.len().gt(0).all() and issues.message_en.str.len().gt(0).all()


def test_every_spec_rule_has_data():
    spec_ids = {"T3-R1", "T3-R2", "T3-R3", "T3-R4", "T3-R5", "T4-R1", "T4-R2", "T4-R3", "T4-R4",
                "T2-R1", "T2-S1", "T2-S2", "X-1", "X-2", "X-3", "L-CUM", "N-1", "Y-TEXT"}
    assert spec_ids <= set(RULES)
    for rule in RULES.values():
        assert rule["severity"] in {"error", "warning", "info"}
        assert rule["zh"] and rule["en"]


def test_empty_values_give_empty_issues():
    empty = pd.DataFrame(columns=["report_id", "table", "row", "col", "value", "unit", "raw", "flags", "page", "cell"])
    issues = values_to_issues(empty, reports(("r", 2021, "gb2021")))
    assert issues.empty and list(issues.columns) == ISSUE_COLUMNS


def test_missing_column_is_an_error():
    with pytest.raises(ValueError, match="flags"):
        values_to_issues(frame(t3("r", t3_rows())).drop(columns="flags"), reports(("r", 2021, "gb2021")))


# ------------------------------------------------------------------------------------------------
# Table 三
# ------------------------------------------------------------------------------------------------
def test_t3_r1_violated_per_column():
    rows = t3_rows()
    rows["carried_forward"] = [2, 0, 0, 0, 0, 0, 2]
    r1 = of(run(frame(t3("r", rows))), "T3-R1", "error")
    assert sorted(r1.col) == ["natural_person", "total"]
    got = r1.set_index("col").loc["total"]
    assert (got.expected, got.actual) == (8.0, 9.0)


def test_t3_r2_violated_and_satisfied():
    rows = t3_rows()
    rows["granted"] = [4, 1, 0, 0, 0, 0, 5]
    issues = run(frame(t3("r", rows)))
    r2 = of(issues, "T3-R2", "error")
    assert sorted(r2.col) == ["natural_person", "total"]
    assert r2.set_index("col").loc["natural_person", "expected"] == 7.0
    assert of(issues, "T3-R1").empty and of(issues, "T3-R3").empty
    assert of(run(frame(t3("r", t3_rows()))), "T3-R2").empty


def test_t3_r3_violated_and_satisfied():
    rows = t3_rows()
    rows["granted"] = [3, 1, 0, 0, 0, 0, 5]
    r3 = of(run(frame(t3("r", rows))), "T3-R3", "error")
    assert r3[["row", "col", "expected", "actual"]].values.tolist() == [["granted", "total", 4.0, 5.0]]
    assert of(run(frame(t3("r", t3_rows()))), "T3-R3").empty


def test_t3_r4_negative_and_fraction():
    rows = t3_rows()
    rows["withheld.state_secret"] = [0, 0, -1, 0, 0, 0, 0]
    rows["withheld.process_info"] = [0, 0, 0, 0.5, 0, 0, 0]
    r4 = of(run(frame(t3("r", rows))), "T3-R4", "error")
    assert sorted(zip(r4.row, r4.col)) == [("withheld.process_info", "social_org"),
                                         ("withheld.state_secret", "research")]
    assert of(run(frame(t3("r", t3_rows()))), "T3-R4").empty


def test_t3_r5_outflow_exceeds_inflow():
    rows = t3_rows()
    rows["total_processed"] = [8, 1, 0, 0, 0, 0, 9]
    r5 = of(run(frame(t3("r", rows))), "T3-R5", "error")
    assert sorted(zip(r5.row, r5.col, r5.expected, r5.actual)) == [
        ("total_processed", "natural_person", 7.0, 8.0), ("total_processed", "total", 8.0, 9.0)]
    assert of(run(frame(t3("r", t3_rows()))), "T3-R5").empty


# ------------------------------------------------------------------------------------------------
# Blank policy and extraction flags
# ------------------------------------------------------------------------------------------------
def test_blank_applicant_cells_count_as_zero():
    rows = t3_rows()
    # S1 style: zeros printed as blanks in the applicant columns
    rows["granted"] = [3, 1, BLANK, BLANK, BLANK, BLANK, 4]
    rows["unable.not_held"] = [2, BLANK, BLANK, BLANK, BLANK, BLANK, 2]
    assert run(frame(t3("r", rows))).empty


def test_imputed_zero_is_noted_on_the_finding():
    rows = t3_rows()
    rows["granted"] = [3, BLANK, 0, 0, 0, 0, 4]  # commercial should be 1
    issues = run(frame(t3("r", rows)))
    r3 = of(issues, "T3-R3", "error")
    assert r3.row.tolist() == ["granted"]
    assert "imputed_zero" in r3.message.iloc[0] and "imputed_zero" in r3.message_en.iloc[0]
    assert "granted/commercial" in r3.message_en.iloc[0]
    r2 = of(issues, "T3-R2", "error")
    assert r2.col.tolist() == ["commercial"] and "imputed_zero" in r2.message.iloc[0]


def test_blank_total_is_never_imputed():
    rows = t3_rows()
    rows["granted"] = [3, 1, 0, 0, 0, 0, BLANK]
    rows["unable.not_held"] = [2, 0, 0, 0, 0, 0, BLANK]
    issues = run(frame(t3("r", rows)))
    assert findings(issues).empty  # 0 would make T3-R2 fail on 总计; blank must not
    skipped = issues[issues.message_en.str.contains("skipped_blank_total")]
    assert set(skipped.severity) == {"info"}
    assert set(zip(skipped.rule, skipped.row, skipped.col)) == {
        ("T3-R3", "granted", "total"), ("T3-R3", "unable.not_held", "total"),
        ("T3-R2", "total_processed", "total")}
    assert skipped.message.str.contains("skipped_blank_total").all()


def test_blank_total_needed_by_t3_r1_is_skipped():
    rows = t3_rows()
    rows["carried_over"] = [1, 0, 0, 0, 0, 0, BLANK]
    issues = run(frame(t3("r", rows)))
    assert findings(issues).empty
    r1 = of(issues, "T3-R1")
    assert r1[["severity", "col"]].values.tolist() == [["info", "total"]]
    assert "skipped_blank_total" in r1.message_en.iloc[0]


@pytest.mark.parametrize("flag", ["ambiguous", "unreadable"])
def test_unreadable_cell_skips_instead_of_erroring(flag):
    rows = t3_rows()
    rows["granted"] = [9, 1, 0, 0, 0, 0, 4]  # 9 is an extraction guess, flagged as such
    issues = run(frame(t3("r", rows, {("granted", "natural_person"): flag})))
    assert findings(issues).empty
    skipped = issues[issues.message_en.str.contains("skipped_extraction")]
    assert set(skipped.severity) == {"info"}
    assert {("T3-R2", "natural_person"), ("T3-R3", "total"), ("T3-R4", "natural_person")} <= set(
        zip(skipped.rule, skipped.col))
    assert "提取未能" in skipped.message.iloc[0]


def test_unreadable_cell_does_not_hide_other_errors():
    rows = t3_rows()
    rows["new_received"] = [6, 1, 0, 0, 0, 0, 9]  # a real report error on row new_received
    issues = run(frame(t3("r", rows, {("granted", "natural_person"): "unreadable"})))
    assert not of(issues, "T3-R3", "error").query("row == 'new_received'").empty
    assert not of(issues, "T3-R1", "error").empty


def test_dash_is_not_imputed():
    rows = t3_rows()
    rows["granted"] = [3, 1, math.nan, 0, 0, 0, 4]
    issues = run(frame(t3("r", rows, {("granted", "research"): "dash"})))
    assert findings(issues).empty
    assert issues.message_en.str.contains("skipped_missing_value").any()


def test_conflicting_duplicate_cells_are_an_extraction_problem():
    values = frame(t3("r", t3_rows()) + [cell("r", "requests", "granted", "natural_person", 5)])
    issues = run(values)
    assert findings(issues).empty
    assert issues.message_en.str.contains("skipped_extraction").any()


def test_absent_table_gives_no_arithmetic_errors():
    issues = run(frame(t4("r")), reports(("r", 2021, "gb2021")))
    assert issues.empty
    issues = run(frame(t3("r", t3_rows())), reports(("r", 2021, "gb2021")))
    assert issues.empty


def test_only_total_column_layout():
    rows = {r: [v[-1]] for r, v in t3_rows().items()}
    values = frame(cell("r", "requests", r, "total", v[0]) for r, v in rows.items())
    assert run(values).empty
    rows["granted"] = [5]
    values = frame(cell("r", "requests", r, "total", v[0]) for r, v in rows.items())
    assert of(run(values), "T3-R2", "error").col.tolist() == ["total"]


# ------------------------------------------------------------------------------------------------
# Mixed templates (decided by the rows present)
# ------------------------------------------------------------------------------------------------
def test_gb2021_report_with_single_other_handling_row():
    rows = t3_rows("gb2019")  # single （六）其他处理 row
    issues = run(frame(t3("r", rows)), reports(("r", 2022, "gb2021")))
    assert issues.empty
    rows["other_handling"] = [0] * 7
    r2 = of(run(frame(t3("r", rows)), reports(("r", 2022, "gb2021"))), "T3-R2", "error")
    assert sorted(r2.col) == ["natural_person", "total"]


def test_gb2019_report_with_other_handling_sub_rows():
    assert run(frame(t3("r", t3_rows("gb2021"))), reports(("r", 2020, "gb2019"))).empty


def test_unknown_template_is_inferred():
    assert run(frame(t3("r", t3_rows("gb2021"))), reports(("r", 2021, None))).empty


def test_missing_other_handling_sub_row_skips():
    rows = t3_rows("gb2021")
    del rows["other_handling.fee_unpaid"]
    issues = run(frame(t3("r", rows)))
    assert findings(issues).empty
    assert of(issues, "T3-R2").message_en.str.contains("skipped_absent_cell").all()


# ------------------------------------------------------------------------------------------------
# Table 四
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("rule,row", [("T4-R1", "admin_review"), ("T4-R2", "litigation_direct"),
                                      ("T4-R3", "litigation_after_review")])
def test_t4_sums(rule, row):
    assert run(frame(t4("r"))).empty
    bad = {"admin_review": [1, 0, 2, 0, 3], "litigation_direct": [12, 0, 0, 0, 12],
           "litigation_after_review": [0, 0, 0, 0, 0]}
    bad[row] = bad[row][:4] + [bad[row][4] + 1]
    got = of(run(frame(t4("r", bad))), rule, "error")
    assert got.row.tolist() == [row] and got.col.tolist() == ["total"]
    assert got.actual.iloc[0] == got.expected.iloc[0] + 1
    assert findings(run(frame(t4("r", bad)))).rule.tolist() == [rule]


def test_t4_r4():
    rows = {"admin_review": [1.5, 0, 2, 0, 3.5], "litigation_direct": [0, 0, 0, 0, 0],
            "litigation_after_review": [0, 0, 0, 0, 0]}
    r4 = of(run(frame(t4("r", rows))), "T4-R4", "error")
    assert sorted(r4.col) == ["total", "upheld"]
    assert of(run(frame(t4("r"))), "T4-R4").empty


def test_t4_blank_cells_are_not_imputed():
    values = frame(t4("r"))
    values.loc[(values.row == "admin_review") & (values.col == "other"), ["value", "flags"]] = [math.nan, "blank"]
    issues = run(values)
    assert findings(issues).empty
    assert of(issues, "T4-R1").message_en.str.contains("skipped_missing_value").all()


# ------------------------------------------------------------------------------------------------
# Sums with missing cells: decided when the known cells already exceed the other side
# ------------------------------------------------------------------------------------------------
def exceeded(issues: pd.DataFrame, rule: str) -> pd.DataFrame:
    f = of(issues, rule, "error")
    return f[f.message_en.str.contains("known_cells_exceed")]


def t4_row(row: str, vals: list, flags: dict[str, str] | None = None) -> pd.DataFrame:
    """Table 四 with ``row`` replaced (the other proceedings consistent)."""
    rows = {"admin_review": [1, 0, 2, 0, 3], "litigation_direct": [12, 0, 0, 0, 12],
            "litigation_after_review": [0, 0, 0, 0, 0], row: vals}
    flags = flags or {}
    return frame(cell("r", "review_litigation", r, c, v, flags.get(c, "") if r == row else "")
                 for r, vs in rows.items() for c, v in zip(OUTCOMES, vs))


@pytest.mark.parametrize("rule,row,zh_where", [("T4-R1", "admin_review", "行政复议："),
                                               ("T4-R2", "litigation_direct", "未经复议直接起诉："),
                                               ("T4-R3", "litigation_after_review", "复议后起诉：")])
def test_t4_known_parts_above_total_are_an_error_despite_a_blank(rule, row, zh_where):
    # 维持 9 + 尚未审结 1 > 总计 9: whatever 结果纠正 holds, the row cannot add up
    issues = run(t4_row(row, [9, BLANK, 0, 1, 9]))
    got = exceeded(issues, rule)
    assert got[["row", "col", "expected", "actual"]].values.tolist() == [[row, "total", 10.0, 9.0]]
    assert got.message.iloc[0] == (f"{zh_where}结果维持+结果纠正+其他结果+尚未审结已知部分之和≥10，超过总计=9"
                                   "（结果纠正 为空），勾稽关系不成立（known_cells_exceed）")
    assert f"{row}/corrected blank" in got.message_en.iloc[0]
    assert findings(issues).rule.tolist() == [rule]  # the finding replaces the skip, nothing else
    assert of(issues, rule, "info").empty


@pytest.mark.parametrize("vals", [[5, BLANK, 0, 1, 9],     # known parts below the total
                                  [8, BLANK, 0, 1, 9],     # equal: 结果纠正 may be 0
                                  [9, 0, 0, 1, BLANK]])    # the total is the missing cell
def test_t4_missing_cells_that_could_make_the_row_add_up_still_skip(vals):
    issues = run(t4_row("admin_review", vals))
    assert findings(issues).empty
    r1 = of(issues, "T4-R1")
    assert r1.severity.tolist() == ["info"]
    assert r1.message_en.str.contains("skipped_missing_value|skipped_blank_total").all()


def test_t3_r1_known_side_exceeded_either_way():
    rows = t3_rows()
    rows["total_processed"] = [8, 1, 0, 0, 0, 0, 9]  # 8 > new 6 + carried over 1, 结转下年度 a dash
    rows["carried_forward"] = [math.nan, 0, 0, 0, 0, 0, 1]
    issues = run(frame(t3("r", rows, {("carried_forward", "natural_person"): "dash"})))
    got = exceeded(issues, "T3-R1")
    assert got[["col", "expected", "actual"]].values.tolist() == [["natural_person", 7.0, 8.0]]
    assert "办理结果总计+结转下年度已知部分之和≥8，超过本年新收+上年结转=7（四、结转下年度继续办理 为横线）" in got.message.iloc[0]
    assert "carried_forward/natural_person a dash" in got.message_en.iloc[0]
    # the other way: the outflow fully known, 本年新收 alone above it while 上年结转's 总计 is blank
    rows = t3_rows()
    rows["new_received"] = [6, 1, 0, 0, 0, 0, 9]
    rows["carried_over"] = [1, 0, 0, 0, 0, 0, BLANK]
    got = exceeded(run(frame(t3("r", rows))), "T3-R1")
    assert got[["col", "expected", "actual"]].values.tolist() == [["total", 9.0, 8.0]]
    assert "本年新收+上年结转已知部分之和≥9，超过办理结果总计+结转下年度=8（二、上年结转政府信息公开申请数量 为空）" in got.message.iloc[0]


def test_t3_r1_missing_cell_that_could_balance_skips():
    rows = t3_rows()
    rows["carried_forward"] = [math.nan, 0, 0, 0, 0, 0, 1]  # 6 + 1 = 6 + ?: the dash may be 1
    issues = run(frame(t3("r", rows, {("carried_forward", "natural_person"): "dash"})))
    r1 = of(issues, "T3-R1").query("col == 'natural_person'")
    assert r1.severity.tolist() == ["info"] and "skipped_missing_value" in r1.message_en.iloc[0]
    assert findings(issues).empty


def test_t3_r2_known_outcomes_above_total():
    rows = t3_rows()
    rows["granted"] = [3, 1, 0, 0, 0, 0, 9]  # 9 + 2 + 1 > （七）总计 7 whatever the dash holds
    rows["withheld.state_secret"] = [0, 0, 0, 0, 0, 0, math.nan]
    issues = run(frame(t3("r", rows, {("withheld.state_secret", "total"): "dash"})))
    got = exceeded(issues, "T3-R2")
    assert got[["row", "col", "expected", "actual"]].values.tolist() == [["total_processed", "total", 12.0, 7.0]]
    assert "各办理结果已知部分之和≥12，超过（七）总计=7（1.属于国家秘密 为横线）" in got.message.iloc[0]
    # an absent sub-row is missing too, not 0
    rows = t3_rows("gb2021")
    rows["unable.not_held"] = [2, 0, 0, 0, 0, 0, 5]
    del rows["other_handling.fee_unpaid"]
    got = exceeded(run(frame(t3("r", rows))), "T3-R2")
    assert got.col.tolist() == ["total"] and "other_handling.fee_unpaid/total absent" in got.message_en.iloc[0]


def test_t3_r2_known_outcomes_not_above_total_skip():
    rows = t3_rows()
    rows["withheld.state_secret"] = [0, 0, 0, 0, 0, 0, math.nan]
    issues = run(frame(t3("r", rows, {("withheld.state_secret", "total"): "dash"})))
    assert findings(issues).empty
    assert of(issues, "T3-R2").message_en.str.contains("skipped_missing_value").all()


def test_t3_r3_known_applicants_above_total():
    rows = t3_rows()
    rows["granted"] = [3, 2, math.nan, 0, 0, 0, 4]
    issues = run(frame(t3("r", rows, {("granted", "research"): "dash"})))
    got = exceeded(issues, "T3-R3")
    assert got[["row", "col", "expected", "actual"]].values.tolist() == [["granted", "total", 5.0, 4.0]]
    assert got.message.iloc[0].startswith("「（一）予以公开」行：各类申请人已知部分之和≥5，超过总计=4（科研机构 为横线）")
    rows["granted"] = [2, 1, math.nan, 0, 0, 0, 4]  # 3 known, the dash may be 1
    issues = run(frame(t3("r", rows, {("granted", "research"): "dash"})))
    assert of(issues, "T3-R3").query("row == 'granted'").severity.tolist() == ["info"]


def test_imputed_blank_stays_an_ordinary_finding():
    rows = t3_rows()
    rows["granted"] = [3, BLANK, 2, 0, 0, 0, 4]  # blank applicant = 0, so the row is fully known
    r3 = of(run(frame(t3("r", rows))), "T3-R3", "error")
    assert r3[["row", "expected", "actual"]].values.tolist() == [["granted", 5.0, 4.0]]
    assert "imputed_zero" in r3.message_en.iloc[0] and "known_cells_exceed" not in r3.message_en.iloc[0]


@pytest.mark.parametrize("flag", ["ambiguous", "unreadable"])
def test_unread_cell_is_never_a_known_cell(flag):
    # counted, the unread 5 would prove 5 + 5 + 1 > 9; it is missing, and 6 known do not prove anything
    issues = run(t4_row("admin_review", [5, 5, 0, 1, 9], {"corrected": flag}))
    assert findings(issues).empty
    assert "skipped_extraction" in of(issues, "T4-R1").message_en.iloc[0]
    # an unread total is not a fully known side, however far the parts exceed it
    issues = run(t4_row("admin_review", [5, 0, 0, 1, 2], {"total": flag}))
    assert findings(issues).rule.tolist() == [] and of(issues, "T4-R1").severity.tolist() == ["info"]
    # the other cells may still prove the row broken; the unread one is named, not added
    got = exceeded(run(t4_row("admin_review", [9, 5, 0, 1, 9], {"corrected": flag})), "T4-R1")
    assert got[["expected", "actual"]].values.tolist() == [[10.0, 9.0]]
    assert "admin_review/corrected not reliably read" in got.message_en.iloc[0]
    assert "结果纠正 未能可靠读取" in got.message.iloc[0]


# ------------------------------------------------------------------------------------------------
# Table 二
# ------------------------------------------------------------------------------------------------
def test_t2_r1():
    good = {("rules", "issued"): 0, ("normative_docs", "in_force"): 665, ("admin_fees", "fee_amount"): 24252.311082,
            ("admin_license", "prev_year_items"): 10, ("admin_license", "items_change"): -8}
    assert run(frame(t2("r", good))).empty
    bad = {("rules", "issued"): -1, ("normative_docs", "in_force"): 66.5, ("admin_fees", "fee_amount"): -2.0,
           ("admin_license", "items_change"): 1.5}
    r1 = of(run(frame(t2("r", bad))), "T2-R1", "error")
    assert sorted(zip(r1.row, r1.col)) == [("admin_fees", "fee_amount"), ("admin_license", "items_change"),
                                           ("normative_docs", "in_force"), ("rules", "issued")]


def test_t2_s1():
    ok = {("normative_docs", "new_published"): 3, ("normative_docs", "total_published"): 5}
    assert run(frame(t2("r", ok)), reports(("r", 2019, "gb2019"))).empty
    bad = {("normative_docs", "new_published"): 5, ("normative_docs", "total_published"): 3}
    s1 = of(run(frame(t2("r", bad)), reports(("r", 2019, "gb2019"))), "T2-S1", "warning")
    assert s1[["row", "expected", "actual"]].values.tolist() == [["normative_docs", 5.0, 3.0]]


def test_t2_s2():
    ok = {("normative_docs", "issued"): 69, ("normative_docs", "repealed"): 3, ("normative_docs", "in_force"): 665}
    assert run(frame(t2("r", ok))).empty
    bad = {("rules", "issued"): 5, ("rules", "repealed"): 5, ("rules", "in_force"): 0}
    s2 = of(run(frame(t2("r", bad))), "T2-S2", "warning")
    assert s2[["row", "col", "expected", "actual"]].values.tolist() == [["rules", "in_force", 5.0, 0.0]]


# ------------------------------------------------------------------------------------------------
# Cross-year
# ------------------------------------------------------------------------------------------------
def pingtan_t3(rid: str, year: int, carried_over: list, carried_forward: list) -> list[dict]:
    """Table 三 of 平潭 (2021: new 70, done 69, 1 carried forward; 2022: new 74 + 1, done 75)."""
    if year == 2021:
        new, done = [64, 0, 0, 2, 0, 4, 70], [63, 0, 0, 2, 0, 4, 69]
    else:
        new, done = [71, 3, 0, 0, 0, 0, 74], [72, 3, 0, 0, 0, 0, 75]
    rows = {"new_received": new, "carried_over": carried_over, "total_processed": done,
            "carried_forward": carried_forward}
    return t3(rid, rows)


def test_x1_pingtan_pass_and_fail():
    reps = reports(("pt2021", 2021, "gb2021"), ("pt2022", 2022, "gb2021"))
    ok = frame(pingtan_t3("pt2021", 2021, [0] * 7, [1, 0, 0, 0, 0, 0, 1])
               + pingtan_t3("pt2022", 2022, [1, 0, 0, 0, 0, 0, 1], [0] * 7))
    assert of(run(ok, reps), "X-1").empty
    bad = ok.copy()
    bad.loc[(bad.report_id == "pt2022") & (bad.row == "carried_over") & (bad.col == "total"), "value"] = 2.0
    x1 = of(run(bad, reps), "X-1", "warning")
    assert x1[["report_id", "row", "col", "expected", "actual"]].values.tolist() == [
        ["pt2022", "carried_over", "total", 1.0, 2.0]]
    assert "pt2021" in x1.message_en.iloc[0]


def test_x1_across_template_switch_and_only_consecutive_same_agency():
    values = frame(t3("a2020", t3_rows("gb2019")) + t3("a2021", t3_rows("gb2021")))
    reps = reports(("a2020", 2020, "gb2019"), ("a2021", 2021, "gb2021"))
    assert run(values, reps).empty  # carried_forward 2020 == carried_over 2021 in every column
    rows = t3_rows("gb2021")
    rows["carried_over"], rows["new_received"] = [2, 0, 0, 0, 0, 0, 2], [5, 1, 0, 0, 0, 0, 6]
    values = frame(t3("a2020", t3_rows("gb2019")) + t3("a2021", rows))
    assert sorted(of(run(values, reps), "X-1", "warning").col) == ["natural_person", "total"]
    # not consecutive, or another agency: no comparison
    gap = reports(("a2020", 2019, "gb2019"), ("a2021", 2021, "gb2021"))
    assert of(run(values, gap), "X-1").empty
    other = pd.concat([reports(("a2020", 2020, "gb2019")), reports(("a2021", 2021, "gb2021"), agency_key="x")])
    assert of(run(values, other), "X-1").empty


def test_x1_blank_applicant_imputed_blank_total_skipped():
    reps = reports(("p", 2021, "gb2021"), ("c", 2022, "gb2021"))
    values = frame(pingtan_t3("p", 2021, [0] * 7, [1, BLANK, BLANK, BLANK, BLANK, BLANK, 1])
                   + pingtan_t3("c", 2022, [1, 0, 0, 0, 0, 0, BLANK], [0] * 7))
    issues = run(values, reps)
    x1 = of(issues, "X-1")
    assert x1[["severity", "col"]].values.tolist() == [["info", "total"]]
    assert "skipped_blank_total" in x1.message_en.iloc[0]


def test_x2_in_force_roll_forward():
    reps = reports(("pt2021", 2021, "gb2021"), ("pt2022", 2022, "gb2021"))
    y1 = {("normative_docs", "issued"): 69, ("normative_docs", "repealed"): 3, ("normative_docs", "in_force"): 665,
          ("rules", "issued"): 0, ("rules", "repealed"): 0, ("rules", "in_force"): 0}
    y2 = {("normative_docs", "issued"): 88, ("normative_docs", "repealed"): 55, ("normative_docs", "in_force"): 698,
          ("rules", "issued"): 0, ("rules", "repealed"): 0, ("rules", "in_force"): 0}
    assert run(frame(t2("pt2021", y1) + t2("pt2022", y2)), reps).empty  # 665 + 88 - 55 = 698
    y2[("normative_docs", "in_force")] = 700
    x2 = of(run(frame(t2("pt2021", y1) + t2("pt2022", y2)), reps), "X-2", "warning")
    assert x2[["report_id", "row", "expected", "actual"]].values.tolist() == [["pt2022", "normative_docs", 698.0, 700.0]]


def test_x2_needs_gb2021_in_both_years():
    reps = reports(("a", 2020, "gb2019"), ("b", 2021, "gb2021"))
    y1 = {("normative_docs", "new_made"): 5, ("normative_docs", "total_published"): 100}
    y2 = {("normative_docs", "issued"): 1, ("normative_docs", "repealed"): 0, ("normative_docs", "in_force"): 7}
    assert of(run(frame(t2("a", y1) + t2("b", y2)), reps), "X-2").empty


def test_x3_prev_year_items():
    reps = reports(("a", 2019, "gb2019"), ("b", 2020, "gb2019"))
    y1 = {("admin_license", "prev_year_items"): 100, ("admin_license", "items_change"): -8}
    y2 = {("admin_license", "prev_year_items"): 92, ("admin_license", "items_change"): 3}
    assert run(frame(t2("a", y1) + t2("b", y2)), reps).empty
    y2[("admin_license", "prev_year_items")] = 100
    x3 = of(run(frame(t2("a", y1) + t2("b", y2)), reps), "X-3", "warning")
    assert x3[["report_id", "row", "expected", "actual"]].values.tolist() == [["b", "admin_license", 92.0, 100.0]]


def legacy_cells(rid: str, figures: dict[str, tuple]) -> list[dict]:
    """A pre-2019 统计表: row → (本年度, 历年累计); a value None is a blank cell, "absent" leaves it out."""
    out = []
    for row, pair in figures.items():
        unit = "万元" if row == "fee_amount" else "件"
        for col, v in zip(("this_year", "cumulative"), pair):
            if v != "absent":
                out.append(cell(rid, "legacy", row, col, v, unit=unit))
    return out


def test_l_cum_pre2019_cumulative_rolls_forward():
    reps = reports(("y2014", 2014, "pre2019"), ("y2015", 2015, "pre2019"))
    y1 = {"requests_received": (30, 128), "granted": (20, 90), "fee_amount": (0.0, 0.12),
          "admin_review": (1, "absent"), "litigation": (0, 2)}
    y2 = {"requests_received": (23, 151), "granted": (15, 105), "fee_amount": (0.004, 0.125),
          "admin_review": (0, 4), "litigation": (None, 2)}
    issues = run(frame(legacy_cells("y2014", y1) + legacy_cells("y2015", y2)), reps)
    # 128 + 23 = 151, 90 + 15 = 105, 0.12 + 0.004 ≈ 0.125 (万元, to 0.01); 2014 printed no 累计 for 复议
    assert findings(issues, "L-CUM").empty
    skipped = of(issues, "L-CUM", "info")  # 2015's 本年度 of 诉讼 is blank: cannot be checked, said so
    assert skipped[["report_id", "row"]].values.tolist() == [["y2015", "litigation"]]
    y2["requests_received"] = (23, 150)
    issues = run(frame(legacy_cells("y2014", y1) + legacy_cells("y2015", y2)), reps)
    cum = of(issues, "L-CUM", "warning")
    assert cum[["report_id", "table", "row", "col", "expected", "actual"]].values.tolist() == [
        ["y2015", "legacy", "requests_received", "cumulative", 151.0, 150.0]]
    assert "受理依申请公开信息总数" in cum.message.iloc[0] and "历年累计=150" in cum.message.iloc[0]
    assert "y2014" in cum.message_en.iloc[0]
    # only consecutive years of one agency compare
    gap = reports(("y2014", 2013, "pre2019"), ("y2015", 2015, "pre2019"))
    assert of(run(frame(legacy_cells("y2014", y1) + legacy_cells("y2015", y2)), gap), "L-CUM").empty


def test_l_cum_two_publishers_of_one_key_compare_each_with_its_own_previous_report():
    """平潭县人民政府 and 平潭综合实验区 share a key but both reported in 2012 and 2013 (the pre-2019 corpus)."""
    reps = reports(("county12", 2012, "pre2019"), ("zone12", 2012, "pre2019"), ("county13", 2013, "pre2019"),
                   ("zone13", 2013, "pre2019"))
    reps["agency"] = ["平潭县人民政府", "平潭综合实验区", "平潭县人民政府", "平潭综合实验区"]
    values = frame(legacy_cells("county12", {"proactive_published": (2026, 3542)})
                   + legacy_cells("zone12", {"proactive_published": (739, 4359)})
                   + legacy_cells("county13", {"proactive_published": (1853, 5395)})
                   + legacy_cells("zone13", {"proactive_published": (100, 4459)}))
    assert findings(run(values, reps), "L-CUM").empty  # 3542 + 1853 = 5395, 4359 + 100 = 4459
    values.loc[(values.report_id == "zone13") & (values.col == "cumulative"), "value"] = 4460.0
    cum = of(run(values, reps), "L-CUM", "warning")
    assert cum[["report_id", "expected", "actual"]].values.tolist() == [["zone13", 4459.0, 4460.0]]


# ------------------------------------------------------------------------------------------------
# Narrative
# ------------------------------------------------------------------------------------------------
PT2021_TEXT = ("一、总体情况 （二）依申请公开方面。本年度全区共收到70件申请，及时依法依规办结69件，"
               "1件结转下年度继续办理。 二、主动公开政府信息情况 第二十条第（一）项 信息内容 本年制发件数 "
               "三、收到和处理政府信息公开申请情况 一、本年新收政府信息公开申请数量640020470 "
               "六、其他需要报告的事项 无。")
PT2022_TEXT = ("一、总体情况 2022年，全区收到政府信息公开申请75件，涉及自然人72件、商业企业3件，均在法定期限内予以答复，"
               "办结率100%。2022年，全区政府信息公开工作方面共有行政诉讼案件1件、行政复议案件2件，均已结案。"
               " 二、主动公开政府信息情况 六、其他需要报告的事项 2022年，无收取信息处理费情况。")


def pingtan_values() -> tuple[pd.DataFrame, pd.DataFrame]:
    values = frame(pingtan_t3("pt2021", 2021, [0] * 7, [1, 0, 0, 0, 0, 0, 1])
                   + pingtan_t3("pt2022", 2022, [1, 0, 0, 0, 0, 0, 1], [0] * 7)
                   + t4("pt2021")
                   + t4("pt2022", {"admin_review": [0, 1, 1, 0, 2], "litigation_direct": [1, 0, 0, 0, 1],
                                   "litigation_after_review": [0, 0, 0, 0, 0]}))
    return values, reports(("pt2021", 2021, "gb2021"), ("pt2022", 2022, "gb2021"))


def test_n1_agrees_with_tables():
    values, reps = pingtan_values()
    issues = run(values, reps, {"pt2021": PT2021_TEXT, "pt2022": PT2022_TEXT})
    # 2022 says 收到75件 = 74 new + 1 carried over: an accepted reading, not a finding
    assert of(issues, "N-1").empty


def test_n1_reports_a_different_number():
    values, reps = pingtan_values()
    text = PT2021_TEXT.replace("办结69件", "办结68件").replace("共收到70件", "共收到71件")
    n1 = of(run(values, reps, {"pt2021": text}), "N-1", "info")
    assert sorted(zip(n1.row, n1.expected, n1.actual)) == [("new_received", 70.0, 71.0),
                                                           ("total_processed", 69.0, 68.0)]
    text = PT2022_TEXT.replace("行政诉讼案件1件", "行政诉讼案件4件")
    n1 = of(run(values, reps, {"pt2022": text}), "N-1")
    assert n1[["row", "expected", "actual"]].values.tolist() == [
        ["litigation_direct+litigation_after_review", 1.0, 4.0]]


def test_n1_needs_a_clear_statement():
    values, reps = pingtan_values()
    # two different numbers for the same fact: no guess
    text = PT2021_TEXT.replace("办结69件", "办结68件，上年办结50件")
    assert of(run(values, reps, {"pt2021": text}), "N-1").empty
    # glued table cells carry no 件 and are not read as statements
    assert of(run(values, reps, {"pt2021": "一、本年新收政府信息公开申请数量640020470"}), "N-1").empty


def test_narrative_patterns_are_data():
    assert all(isinstance(f, checks.NarrativeFact) for f in checks.NARRATIVE_FACTS)
    assert {f.row for f in checks.NARRATIVE_FACTS} >= {"new_received", "total_processed", "carried_forward",
                                                       "admin_review"}


def test_text_repetition():
    reps = reports(("a", 2021, "gb2021"), ("b", 2022, "gb2021"))
    a = ("一、总体情况 2021年，我局认真贯彻落实《条例》，深入推进决策、执行、管理、服务、结果公开。"
         "二、主动公开政府信息情况 五、存在的主要问题及改进情况 一是公开深度不足，二是解读形式单一。")
    copied = a.replace("2021", "2022")
    rep = text_repetition({"a": a, "b": copied}, reps)
    assert rep[["report_id", "rule", "row", "severity"]].values.tolist() == [
        ["b", "Y-TEXT", "overview", "warning"], ["b", "Y-TEXT", "problems", "warning"]]
    assert (rep.actual == 1.0).all()
    fresh = ("一、总体情况 本年度围绕优化营商环境，新建政策文件库并上线智能问答功能。"
             "五、存在的主要问题及改进情况 重大行政决策预公开的意见征集形式较少。")
    rep = text_repetition({"a": a, "b": fresh}, reps)
    assert set(rep.severity) == {"info"} and (rep.actual < 0.5).all()
    # the same rows come out of values_to_issues when texts are given
    issues = values_to_issues(frame(t4("a") + t4("b")), reps, {"a": a, "b": copied})
    assert of(issues, "Y-TEXT", "warning").row.tolist() == ["overview", "problems"]


# ------------------------------------------------------------------------------------------------
# Inputs are not mutated
# ------------------------------------------------------------------------------------------------
def test_inputs_not_mutated():
    values, reps = pingtan_values()
    values = pd.concat([values, frame(t2("pt2022", {("rules", "issued"): None}))], ignore_index=True)
    values.loc[values.index[0], "flags"] = None  # flags may arrive as missing
    texts = {"pt2021": PT2021_TEXT, "pt2022": PT2022_TEXT}
    before = (values.copy(deep=True), reps.copy(deep=True), copy.deepcopy(texts))
    values_to_issues(values, reps, texts)
    text_repetition(texts, reps)
    pd.testing.assert_frame_equal(values, before[0])
    pd.testing.assert_frame_equal(reps, before[1])
    assert texts == before[2]
