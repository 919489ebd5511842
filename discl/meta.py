"""Report metadata from the document text: title, year, agency, region, statistics period."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .sources.document import Document, Paragraph

_TITLE = re.compile(r"(?:(?:19|20)\d{2}\s*年度?)?.{0,60}?政府信息公开(?:工作)?(?:年度)?报告")
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年")
_PERIOD = re.compile(r"统计(?:期限|时限|时间|期间|区间)[^。]{0,20}?((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月")
_PROVINCES = ["北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省",
              "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省", "四川省", "贵州省",
              "云南省", "陕西省", "甘肃省", "青海省", "台湾省", "内蒙古自治区", "广西壮族自治区", "西藏自治区",
              "宁夏回族自治区", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区"]


@dataclass
class Meta:
    title: str | None
    year: int | None
    agency: str | None
    agency_key: str | None
    region: str | None
    period_year: int | None


def _clean(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def document_to_meta(doc: Document) -> Meta:
    """
    >>> from discl.sources.document import Document, Paragraph
    >>> m = document_to_meta(Document("x", "txt", [Paragraph("威海临港区党政办公室 2020 年政府 信息公开工作年度报告")]))
    >>> m.year, m.agency
    (2020, '威海临港区党政办公室')
    """
    paras = [b.text for b in doc.blocks[:400] if isinstance(b, Paragraph)]
    title = _find_title(paras)
    year = None
    agency = None
    if title:
        m = _YEAR_IN_TITLE.search(title)
        year = int(m.group(1)) if m else None
        agency = _agency_from_title(title)
    full = _clean(" ".join(p[:2000] for p in paras[:200]))
    pm = _PERIOD.search(full)
    period_year = int(pm.group(1)) if pm else None
    if year is None:
        year = period_year
    return Meta(title, year, agency, agency_key(agency) if agency else None,
                region_of(agency) if agency else None, period_year)


_TITLE_FULL = re.compile(r"^(?:标题|题目)?[:：]?(.{0,50}?政府信息公开(?:工作)?(?:年度)?报告)(?:[(（].{0,20}[)）])?$")


def _find_title(paras: list[str]) -> str | None:
    """The report title: a short line (or up to 3 consecutive lines, as PDFs wrap it) that is
    exactly "<机关><年>政府信息公开工作年度报告"; else the same phrase inside a crawler's long line."""
    # titles are short: long lines are cut before any regex runs (a 6 MB line must not cost seconds)
    cleaned = [_clean(p[:400]) for p in paras[:80]]
    for j, line in enumerate(cleaned):
        if not re.search(r"报告(?:[(（].{0,20}[)）])?$", line):
            continue
        # the shortest window of lines ending here that holds a year and an agency (PDFs wrap titles)
        for k in (1, 2, 3):
            if j - k + 1 < 0:
                break
            window = "".join(cleaned[j - k + 1:j + 1])
            if "。" in window or len(window) > 90:
                break
            m = _TITLE_FULL.match(window)
            if not m or "条例" in window or not re.search(r"(?:19|20)\d{2}", m.group(1)):
                continue
            if _agency_from_title(m.group(1)):
                return m.group(1)
    for t in cleaned[:50]:
        m = re.search(r"[^\s:：，。>]{2,40}?(?:19|20)\d{2}年度?政府信息公开工作年度报告", t)
        if m:
            return m.group(0)
    return None


def _agency_from_title(title: str) -> str | None:
    a = re.sub(r"(?:19|20)\d{2}年度?", "", title)
    a = re.sub(r"政府信息公开(?:工作)?(?:年度)?报告$", "", a)
    a = re.sub(r"^(关于)", "", a).strip("：:“”\"《》 -")
    if not a or a.startswith("当前位置") or len(a) < 2:
        return None
    return a


def agency_key(agency: str) -> str:
    """A key that matches the same agency across years despite brackets and spacing.

    >>> agency_key("平潭综合实验区管委会（平潭县）") == agency_key("平潭综合实验区管委会(平潭县)")
    True
    """
    k = _clean(agency)
    k = re.sub(r"[()（）【】\[\]“”\"《》·]", "", k)
    return k


def region_of(agency: str) -> str | None:
    """Province / city / county named at the start of an agency name, joined with '/'.

    >>> region_of("淮安市洪泽区人民政府")
    '淮安市/洪泽区'
    >>> region_of("上海市人民政府办公厅")
    '上海市'
    """
    a = _clean(agency)
    parts: list[str] = []
    for p in _PROVINCES:
        if a.startswith(p):
            parts.append(p)
            a = a[len(p):]
            break
    m = re.match(r"^([^市区县省]{1,6}?(?:自治州|地区|盟|市))", a)
    if m and not m.group(1).endswith(("人民政府", "办公室")):
        parts.append(m.group(1))
        a = a[len(m.group(1)):]
    m = re.match(r"^([^市区县省]{1,6}?(?:自治县|县|区|旗))", a)
    if m:
        parts.append(m.group(1))
    return "/".join(parts) or None
