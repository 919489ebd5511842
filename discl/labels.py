"""Chinese labels for the analysis results and their charts: headings, category values, short forms.

:mod:`discl.analysis` translates its results with these and :mod:`discl.plots` labels its axes and
legends with them, so a table and the chart drawn from it say the same thing. The category values
(applicant, outcome, proceeding, item, measure ids) are translated from the templates; the headings of
the computed columns (``share``, ``correction_rate`` …) are named here.

>>> value_zh("outcome", "withheld"), short_label(value_zh("outcome", "partially_granted"))
('（三）不予公开', '部分公开')
>>> COLUMN_ZH["share"]
'占比'
"""
from __future__ import annotations

import re

from .templates import NUM_PREFIX, legacy, zh_label

__all__ = ["BOOL_ZH", "COLUMN_ZH", "LEVEL_ZH", "legacy_zh", "short_label", "value_zh"]

#: Chinese column headings of the analysis results (``labels="zh"``)
COLUMN_ZH = {
    "agency": "机关", "agency_key": "机关键", "region": "地区", "level": "层级", "year": "年度",
    "template": "模板", "applicant": "申请人", "received": "本年新收申请", "imputed_zero": "空白按0",
    "outcome": "办理结果", "group": "结果类别", "count": "件数", "total_processed": "办理总计",
    "share": "占比", "derived": "推算", "carried_over": "上年结转", "new_received": "本年新收",
    "carried_forward": "结转下年度", "backlog_change": "结转增减", "projects": "采购项目数量",
    "amount": "采购总金额（万元）", "proceeding": "案件类型", "upheld": "结果维持", "corrected": "结果纠正",
    "other": "其他结果", "pending": "尚未审结", "total": "总计", "concluded": "已审结",
    "correction_rate": "纠正率", "item": "事项", "measure": "指标", "value": "数值", "unit": "单位",
    "prev_value": "上年数值", "change": "增减", "pct_change": "增减率", "rank": "排名",
    "n_reports": "报告数", "n_missing": "缺失数",
    "indicator": "可比指标", "comparable": "严格可比", "note": "说明",
    "province": "省份", "city": "城市", "county": "区县", "region_code": "区划代码", "parent_code": "上级区划代码",
    "peer_group": "比较组", "n_peers": "组内数", "peer_median": "组中位数", "vs_median": "与中位数之比",
    "peer_rank": "组内排名",
}

#: the levels of ``reports.level`` (:data:`discl.schema.LEVELS`) as a Chinese table prints them
LEVEL_ZH = {"province": "省级", "city": "市级", "county": "县级", "township": "乡镇（街道）", "department": "部门",
            "zone": "功能区"}

#: yes/no columns of the analysis results (``derived``, ``imputed_zero``) in Chinese tables
BOOL_ZH = {True: "是", False: "否"}

# NUM_PREFIX reads normalised text, where （一） is (一); mapping just the brackets keeps the label's
# length, so the match's end is also the end of the numbering in the printed label
_HALF_WIDTH_BRACKETS = str.maketrans("（）", "()")
_NOTE = re.compile(r"（[^）]*）$")


def short_label(label: str) -> str:
    """A template label without its numbering and trailing note, for charts.

    >>> short_label("（二）部分公开（区分处理的，只计这一情形，不计其他情形）")
    '部分公开'
    >>> short_label("1.属于国家秘密")
    '属于国家秘密'
    """
    numbering = NUM_PREFIX.match(label.translate(_HALF_WIDTH_BRACKETS))
    rest = label[numbering.end():] if numbering else label
    return _NOTE.sub("", rest) or label


#: the table whose rows (or columns) each category column of an analysis result names
_CATEGORY_AXES = {"applicant": ("requests", "col"), "outcome": ("requests", "row"), "group": ("requests", "row"),
                  "proceeding": ("review_litigation", "row"), "item": ("proactive", "row"),
                  "measure": ("proactive", "col")}


def value_zh(column: str, id_: str, template: str | None = None) -> str:
    """The Chinese label of a category value of an analysis result (``column`` is e.g. ``'outcome'``).

    Group ids (``withheld``, the derived ``litigation``) get their group's label; ``template`` picks a
    template's own wording; values of other columns are returned as they are.

    >>> value_zh("proceeding", "litigation"), value_zh("applicant", "natural_person")
    ('行政诉讼', '自然人')
    >>> from discl.templates import template_for_year
    >>> value_zh("item", "normative_docs", template_for_year(2019)), value_zh("agency", "平潭")
    ('规范性文件', '平潭')
    """
    if column not in _CATEGORY_AXES:
        return id_
    table_id, axis = _CATEGORY_AXES[column]
    return zh_label(table_id, axis, id_, template)


def legacy_zh(axis: str, id_: str) -> str:
    """The Chinese label of a row or column (``axis`` 'row' or 'col') of the pre-2019 ``legacy`` table,
    from the ``legacy:`` block of ``templates.yaml``; the id itself if unknown.

    >>> legacy_zh("row", "requests_received"), legacy_zh("col", "cumulative"), legacy_zh("row", "x")
    ('受理依申请公开信息总数', '历年累计', 'x')
    """
    return legacy().label(axis, id_)
