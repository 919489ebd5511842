"""Rules on the narrative text: N-1 (numbers stated in sections 一 and 六 against the tables) and Y-TEXT
(sections 一 and 五 copied from the previous year's report). Sections are found by the headings of
``templates.sections()``.

>>> [f.row for f in NARRATIVE_FACTS][:2]
['new_received', 'new_received']
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import NamedTuple

import pandas as pd

from .. import templates
from .cells import TOTAL, ReportCells, differs
from .cross_year import year_pairs
from .issues import Issues
from .rules import TOLERANCE

__all__ = ["N1_SECTIONS", "NARRATIVE_FACTS", "NGRAM", "REPETITION_THRESHOLD", "YTEXT_SECTIONS", "NarrativeFact",
           "check_narrative", "check_repetition", "narrative_sections", "text_repetition"]

#: Y-TEXT: share of character 5-grams above which a section counts as copied from last year
REPETITION_THRESHOLD = 0.5
NGRAM = 5
#: sections searched by N-1 and compared by Y-TEXT
N1_SECTIONS = ("overview", "other_matters")
YTEXT_SECTIONS = ("overview", "problems")

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


def _normalize_text(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _heading_end(norm: str, m: re.Match, title: str) -> int:
    """Where a section's heading ends: after the pattern's match and whatever of the printed title
    follows it (the patterns match the title's distinctive words, e.g. 存在的主要问题 of
    存在的主要问题及改进情况; the rest belongs to the heading, not to the section)."""
    matched = m.group(0)
    k = next((k for k in range(len(matched), 0, -1) if matched[-k:] in title), 0)
    rest = title[title.index(matched[-k:]) + k:] if k else ""
    end = m.end()
    while rest and end < len(norm) and norm[end] == rest[0]:
        end, rest = end + 1, rest[1:]
    return end


@lru_cache(maxsize=1)
def _headings() -> tuple[tuple[str, re.Pattern, str], ...]:
    """(section id, heading pattern, printed title normalised) in template order."""
    return tuple((s.id, s.pattern, _normalize_text(s.zh)) for s in templates.sections())


def narrative_sections(text: str) -> dict[str, str]:
    """Split a report's text into its numbered sections (text normalised: NFKC, no whitespace).

    Keys are the section ids of the templates (``overview`` 一, ``proactive`` 二, ``requests`` 三,
    ``review_litigation`` 四, ``problems`` 五, ``other_matters`` 六); a heading that is not found
    gives no key. The numbering is not trusted: real reports misnumber sections (a 2019 report titles
    table 三 "二、收到和处理…").

    >>> s = narrative_sections("一、总体情况 共收到申请3件。二、主动公开政府信息情况 表 五、存在的主要问题及改进情况 不足")
    >>> s["overview"], s["problems"]
    ('共收到申请3件。', '不足')
    """
    norm = _normalize_text(text)
    found: list[tuple[int, int, str]] = []
    for sid, pattern, title in _headings():
        m = pattern.search(norm)
        if m:
            found.append((m.start(), _heading_end(norm, m, title), sid))
    found.sort()
    sections: dict[str, str] = {}
    for i, (_, end, sid) in enumerate(found):
        stop = found[i + 1][0] if i + 1 < len(found) else len(norm)
        sections[sid] = norm[end:stop]
    return sections


def _row_sum(cells: ReportCells, table: str, rows: str, col: str) -> float | None:
    ops = cells.resolve([(table, r, col) for r in rows.split("+")])
    return None if ops.skip else sum(ops.values)


def check_narrative(out: Issues, rid: str, cells: ReportCells, text: str) -> None:
    """N-1: each number the narrative states once (:data:`NARRATIVE_FACTS`) against its table cells."""
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
        if all(differs(number, v, TOLERANCE["counts"]) for v in candidates):
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
    out = Issues()
    check_repetition(out, texts_by_report, year_pairs(reports))
    return out.frame()


def check_repetition(out: Issues, texts: Mapping[str, str], pairs: Iterable[tuple[str, str, int]]) -> None:
    """Y-TEXT for every (report, previous report) pair whose texts are both given."""
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
