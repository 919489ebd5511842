"""The rules as data: severity, table and the bilingual message of every finding and skip reason.

A rule text is changed here and nowhere else. Placeholders in :data:`RULES`: ``{row} {col} {row_zh}
{col_zh} {expected} {actual} {detail}``; in :data:`SKIP_REASONS`: ``{cells}``.

>>> RULES["T4-R1"]["severity"], sorted(SKIP_REASONS)[0]
('error', 'skipped_absent_cell')
>>> EXCESS["T4-R1"]["parts"][0]
'结果维持+结果纠正+其他结果+尚未审结'
"""
from __future__ import annotations

__all__ = ["EXCESS", "EXCESS_NOTE", "IMPUTED_NOTE", "MISSING_STATES", "RULES", "SKIP_PRIORITY", "SKIP_REASONS",
           "T2_KIND_TEXT", "TOLERANCE"]

#: spec ``checks.tolerance``: counts exact, money (万元) to 0.01 for rounding
TOLERANCE = {"counts": 0.0, "money_wan_yuan": 0.01}

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
    "L-CUM": {
        "severity": "warning", "table": "legacy",
        "zh": "「{row_zh}」：历年累计={actual}，而上一年度报告（{detail}）的历年累计+本年度={expected}，不一致",
        "en": "{row}: cumulative = {actual} but the previous year's report ({detail}) cumulative + this year's "
              "this_year = {expected}",
    },
    "N-1": {
        "severity": "info", "table": "",
        "zh": "正文称「{detail}」（{actual}），表格中对应数字为{expected}（{row}/{col}）",
        "en": "the text states '{detail}' ({actual}) but the table has {expected} ({row}/{col})",
    },
    "Y-TEXT": {
        "severity": "warning", "table": "",
        "zh": "第{row_zh}部分与上一年度报告（{detail}）文字重复率{actual_pct}",
        "en": "section {row} repeats {actual_pct} of the previous year's report ({detail})",
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
SKIP_PRIORITY = ["skipped_extraction", "skipped_blank_total", "skipped_missing_value", "skipped_absent_cell"]

IMPUTED_NOTE = {
    "zh": "（空白单元格按0计：{cells}；imputed_zero）",
    "en": " (blank cells counted as 0: {cells}; imputed_zero)",
}

#: A sum rule broken although some of its cells hold no number. Every count is >= 0, so when one side of
#: ``parts = totals`` is fully known and the known cells of the other side already exceed it, no value of
#: the missing cells can make the equation hold. Per rule: where it is (placeholders as in RULES) and the
#: names of its two sides, (zh, en).
EXCESS: dict[str, dict[str, tuple[str, str]]] = {
    "T3-R1": {"where": ("「{col_zh}」列：", "column {col}: "),
              "parts": ("本年新收+上年结转", "new_received + carried_over"),
              "totals": ("办理结果总计+结转下年度", "total_processed + carried_forward")},
    "T3-R2": {"where": ("「{col_zh}」列：", "column {col}: "),
              "parts": ("各办理结果", "the outcome rows"), "totals": ("（七）总计", "total_processed")},
    "T3-R3": {"where": ("「{row_zh}」行：", "row {row}: "),
              "parts": ("各类申请人", "the applicant columns"), "totals": ("总计", "total")},
    **{rule: {"where": (zh, f"{en}: "),
              "parts": ("结果维持+结果纠正+其他结果+尚未审结", "upheld + corrected + other + pending"),
              "totals": ("总计", "total")}
       for rule, zh, en in (("T4-R1", "行政复议：", "admin_review"), ("T4-R2", "未经复议直接起诉：", "litigation_direct"),
                            ("T4-R3", "复议后起诉：", "litigation_after_review"))},
}
#: the finding's text; {side}/{other}: the exceeding side and the fully known one, {known} the sum of the
#: known cells of {side}, {full} the sum of {other}, {missing} the cells without a number
EXCESS_NOTE = {
    "zh": "{where}{side}已知部分之和≥{known}，超过{other}={full}（{missing}），勾稽关系不成立（known_cells_exceed）",
    "en": "{where}the known cells of {side} already sum to {known}, more than {other} = {full} "
          "({missing}), whatever the missing cells hold (known_cells_exceed)",
}
#: why a cell counts as missing in an EXCESS finding, (zh, en)
MISSING_STATES = {
    "blank": ("为空", "blank"),
    "dash": ("为横线", "a dash"),
    "slash": ("为斜线", "a slash"),
    "absent": ("缺失", "absent"),
    "extraction": ("未能可靠读取", "not reliably read"),
    "none": ("无数值", "no number"),
}

#: T2-R1 message detail per measure kind (templates' column ``kind``), (zh, en)
T2_KIND_TEXT = {
    "count": ("应为非负整数", "must be a non-negative integer"),
    "signed": ("应为整数", "must be an integer"),
    "money": ("金额应不小于0", "an amount must be >= 0"),
}
