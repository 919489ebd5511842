"""The words around the tables: section headings (from :func:`discl.templates.sections`) and the short
default paragraphs of each section.

>>> SECTION_ORDER
('一', '二', '三', '四', '五', '六')
>>> section_titles()["五"]
'五、存在的主要问题及改进情况'
"""
from __future__ import annotations

from .. import templates as T
from .spec import ReportSpec, flow_rows

#: The section numerals in template order.
SECTION_ORDER: tuple[str, ...] = tuple(s.numeral for s in T.sections())


def section_titles() -> dict[str, str]:
    """Each section's printed heading (``'二、主动公开政府信息情况'``), keyed by numeral."""
    return {s.numeral: s.title for s in T.sections()}


def period_sentence(year: int) -> str:
    """The statistics-period sentence of the opening paragraph.

    >>> period_sentence(2021)
    '本报告中所列数据的统计期限自2021年1月1日起至2021年12月31日止。'
    """
    return f"本报告中所列数据的统计期限自{year}年1月1日起至{year}年12月31日止。"


def default_narrative(spec: ReportSpec) -> dict[str, list[str]]:
    """Short section texts keyed by numeral. Section 一 quotes the table-三 flow totals when they are printed
    as plain numbers, so a narrative-vs-table check (N-1) has something to compare.

    >>> s = ReportSpec.from_values({("requests", r, "total"): 4 for r in flow_rows()}, year=2022)
    >>> default_narrative(s)["一"][1]
    '2022年，共收到政府信息公开申请4件，上年结转4件，办结4件，结转下年度继续办理4件。'
    """
    requests_total = T.table("requests").columns_with_role("total")[0].id
    review_total = T.table("review_litigation").columns_with_role("total")[0].id

    def num(key: tuple[str, str, str]) -> str | None:
        t = spec.text(key)
        return t if t.isdigit() else None

    intro = [f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）要求，由{spec.agency}编制。"
             f"{period_sentence(spec.year)}"]
    figures = [num(("requests", r, requests_total)) for r in flow_rows()]
    if all(figures):
        intro.append(f"{spec.year}年，共收到政府信息公开申请{figures[0]}件，上年结转{figures[1]}件，"
                     f"办结{figures[2]}件，结转下年度继续办理{figures[3]}件。")
    review = num(("review_litigation", "admin_review", review_total))
    if review:
        intro.append(f"全年因政府信息公开被申请行政复议{review}件。")
    by_id = {
        "overview": intro,
        "proactive": ["主动公开政府信息情况如下表。"],
        "requests": ["收到和处理政府信息公开申请情况如下表。"],
        "review_litigation": ["政府信息公开行政复议、行政诉讼情况如下表。"],
        "problems": ["政府信息公开工作仍存在公开内容不够全面、解读形式较为单一等问题。下一步将加强业务培训，"
                     "提升公开质量。"],
        "other_matters": ["本年度未收取政府信息公开信息处理费。"],
    }
    return {s.numeral: by_id[s.id] for s in T.sections()}


def report_narrative(spec: ReportSpec) -> dict[str, list[str]]:
    """The paragraphs each section prints: the spec's own where given, the default text elsewhere.

    >>> s = ReportSpec("某局", 2022, "gb2021", {}, narrative={"六": ["无。"]})
    >>> report_narrative(s)["六"], report_narrative(s)["五"][0][:6]
    (['无。'], '政府信息公开')
    """
    text = default_narrative(spec)
    text.update(spec.narrative)
    return text
