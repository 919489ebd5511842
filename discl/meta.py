"""Report metadata from the document itself: title, year, agency, region, statistics period.

A page may carry several report titles: a sidebar of earlier years' reports, a link to last year's
report above the real title, a breadcrumb. The report's own title is the one the document marks as its
title (an <h1>, a Word title style or size, the page's <title>), else the one whose year the statistics
period (统计期限自2021年1月1日起…) or the publication date confirms, else the last one before the body
begins. When the title and the statistics period disagree, the title's year is kept and a warning says so.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .normalize import fold_traditional, looks_traditional
from .regions import Place, place
from .schema import Note
from .sources.document import Document, Paragraph
from .templates import provinces

_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年")
_PERIOD = re.compile(r"统计(?:期限|时限|时间|期间|区间)[^。]{0,20}?((?:19|20)\d{2})\s*年\s*\d{1,2}\s*月")
_PUBLISHED = re.compile(r"(?:发布(?:日期|时间)|成文日期|公开日期|印发日期)[:：]?\s*((?:19|20)\d{2})\s*[-年/.]")
_DATE_LINE = re.compile(r"^((?:19|20)\d{2})年\d{1,2}月\d{1,2}日$")
# where the body of the report begins (its first section, or the sentence every report opens with)
_BODY = re.compile(r"^[一1][、.．]\s*总体情况|根据《中华人民共和国政府信息公开条例》|统计(?:期限|时限)")


@dataclass
class Meta:
    title: str | None
    year: int | None
    agency: str | None
    agency_key: str | None
    region: str | None
    period_year: int | None
    notes: list[Note] = field(default_factory=list)
    #: where the agency sits (province … level, parent, the stable key: :mod:`discl.regions`)
    place: Place | None = None


def _clean(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


@dataclass(frozen=True)
class _Candidate:
    index: int  # paragraph position
    title: str
    year: int | None
    level: int | None


def document_to_meta(doc: Document) -> Meta:
    """
    >>> from discl.sources.document import Document, Paragraph
    >>> m = document_to_meta(Document("x", "txt", [Paragraph("威海临港区党政办公室 2020 年政府 信息公开工作年度报告")]))
    >>> m.year, m.agency
    (2020, '威海临港区党政办公室')
    >>> sidebar = [Paragraph("上海市人民政府办公厅2018年政府信息公开工作年度报告"),
    ...            Paragraph("上海市人民政府办公厅2019年政府信息公开工作年度报告"),
    ...            Paragraph("本报告中所列数据的统计期限自2019年1月1日起至2019年12月31日止。")]
    >>> document_to_meta(Document("x", "html", sidebar)).year
    2019
    """
    paras = [b for b in doc.blocks[:400] if isinstance(b, Paragraph)]
    texts = [p.text for p in paras]
    if looks_traditional(" ".join(t[:200] for t in texts[:80])):
        texts = [fold_traditional(t) for t in texts]
    full = _clean(" ".join(t[:2000] for t in texts[:200]))
    pm = _PERIOD.search(full)
    period_year = int(pm.group(1)) if pm else None
    published = _published_year(texts)
    cands = _title_candidates(texts, [p.level for p in paras])
    declared = _clean(fold_traditional(doc.title)) if doc.title else ""
    chosen = _choose(cands, texts, declared, period_year, published)
    notes: list[Note] = []
    title = chosen.title if chosen else None
    year = chosen.year if chosen else None
    agency = _agency_from_title(title) if title else None
    if year is None:
        year = period_year
    elif period_year is not None and period_year != year:
        notes.append(Note("meta.year_conflict", "warning", "", "",
                          f"the title says {year} but the statistics period says {period_year}; the title's year "
                          f"is used (title: {title!r})"))
    others = sorted({c.year for c in cands if c.year is not None and c.year != year})
    if chosen and others:
        notes.append(Note("meta.other_titles", "info", "", "",
                          f"the document also names reports of {', '.join(map(str, others))} (links or a sidebar); "
                          f"the report's own title is taken as {title!r}"))
    where = None
    if agency:
        # the context decides a name shared by two places: the title, the page's own title, the text, the path
        where = place(agency, " ".join((title or "", declared, full[:3000], _clean(doc.path or ""))))
        notes.extend(where.notes)
    return Meta(title, year, agency, where.agency_key if where else None,
                region_of(agency) if agency else None, period_year, notes, where)


def _published_year(texts: list[str]) -> int | None:
    for t in texts[:60]:
        m = _PUBLISHED.search(_clean(t[:200]))
        if m:
            return int(m.group(1))
    for t in reversed(texts[-15:]):
        m = _DATE_LINE.match(_clean(t[:40]))
        if m:
            return int(m.group(1))
    return None


_TITLE_FULL = re.compile(r"^(?:标题|题目)?[:：]?(.{0,50}?信息公开(?:工作)?(?:年度)?报告)(?:[(（].{0,20}[)）])?$")


def _title_candidates(texts: list[str], levels: list[int | None]) -> list[_Candidate]:
    """Every report title among the first lines: a short line (or up to 3 consecutive lines, as PDFs wrap
    it) that is exactly "<机关><年>政府信息公开工作年度报告"; else the same phrase inside a crawler's long line."""
    # titles are short: long lines are cut before any regex runs (a 6 MB line must not cost seconds)
    cleaned = [_clean(p[:400]) for p in texts[:80]]
    out: list[_Candidate] = []
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
                y = _YEAR_IN_TITLE.search(m.group(1))
                lv = [x for x in levels[j - k + 1:j + 1] if x is not None]
                out.append(_Candidate(j, m.group(1), int(y.group(1)) if y else None, min(lv) if lv else None))
                break
    if out:
        return out
    for j, t in enumerate(cleaned[:50]):
        for m in re.finditer(r"[^\s:：，。>]{2,40}?(?:19|20)\d{2}年度?政府信息公开工作年度报告", t):
            y = _YEAR_IN_TITLE.search(m.group(0))
            out.append(_Candidate(j, m.group(0), int(y.group(1)) if y else None, None))
    return out


def _choose(cands: list[_Candidate], texts: list[str], declared: str, period_year: int | None,
            published: int | None) -> _Candidate | None:
    if len({(c.title, c.year) for c in cands}) <= 1:
        return cands[0] if cands else None
    # the title the document declares (HTML <title>) or marks as its heading
    if declared:
        named = [c for c in cands if c.title in declared]
        if len({c.year for c in named}) == 1:
            return named[0]
    levels = [c.level for c in cands if c.level is not None]
    if levels:
        top = [c for c in cands if c.level == min(levels)]
        if len({c.year for c in top}) == 1:
            return top[0]
    for y in (period_year, published - 1 if published else None):
        if y is not None:
            match = [c for c in cands if c.year == y]
            if match:
                return match[0]
    body = next((i for i, t in enumerate(texts[:200]) if _BODY.search(_clean(t[:200]))), None)
    if body is not None:
        before = [c for c in cands if c.index < body]
        if before:
            return before[-1]
    return cands[0]


def _agency_from_title(title: str) -> str | None:
    a = re.sub(r"(?:19|20)\d{2}年度?", "", title)
    a = re.sub(r"(?:政府)?信息公开(?:工作)?(?:年度)?报告$", "", a)
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
    for p in provinces():
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

