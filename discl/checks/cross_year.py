"""Rules across years of the same agency (``reports.agency_key``, consecutive years): X-1 (table 三's
上年结转 = last year's 结转下年度), X-2 (现行有效件数 rolled forward, gb2021 layout), X-3 (上一年项目数量
rolled forward, gb2019 layout) and, for pre-2019 reports, L-CUM (历年累计 = last year's 历年累计 + 本年度, table
``legacy``, wherever both years print the row's 历年累计).

>>> import pandas as pd
>>> reports = pd.DataFrame({"report_id": ["a", "b", "c"], "agency_key": ["k", "k", "x"],
...                         "year": pd.array([2021, 2022, 2022], dtype="Int64")})
>>> year_pairs(reports)
[('b', 'a', 2021)]
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from .. import templates
from .cells import ReportCells, differs, tolerance_of
from .issues import Issues
from .rules import TOLERANCE

__all__ = ["CROSS_YEAR_ROWS", "CROSS_YEAR_TABLES", "check_cross_year", "year_pairs"]

#: table 三's rows the X-1 rule compares: this year's 上年结转 with last year's 结转下年度
CARRIED_OVER, CARRIED_FORWARD = "carried_over", "carried_forward"
#: the rows the cross-year rules read; a batch keeps only these in memory for the corpus pass
CROSS_YEAR_ROWS = {("requests", CARRIED_OVER), ("requests", CARRIED_FORWARD)}
CROSS_YEAR_TABLES = {"proactive", templates.legacy().table}
#: the pre-2019 table and its two columns (本年度, 历年累计) that L-CUM reads
LEGACY = templates.legacy()
THIS_YEAR, CUMULATIVE = (c for c, _ in LEGACY.columns)


def year_pairs(reports: pd.DataFrame) -> list[tuple[str, str, int]]:
    """(report, previous-year report, previous year) for the same ``agency_key`` and consecutive years.

    When the previous year has several reports of the key and some carry the report's own ``agency``
    name, only those are its previous reports: one key may cover two publishers that reported side by
    side in a year (平潭县人民政府 and 平潭综合实验区 in 2011–2013), and comparing across them would only
    give false findings. Copies of one report (HTML and DOCX) share the name and are all kept.

    >>> r = pd.DataFrame({"report_id": ["c", "z", "c2", "z2"], "agency_key": "k", "year": [2012, 2012, 2013, 2013],
    ...                   "agency": ["平潭县人民政府", "平潭综合实验区", "平潭县人民政府", "平潭综合实验区"]})
    >>> year_pairs(r)
    [('c2', 'c', 2012), ('z2', 'z', 2012)]
    """
    if not {"report_id", "agency_key", "year"} <= set(reports.columns):
        return []
    cols = ["report_id", "agency_key", "year"]
    df = reports[cols].assign(agency=reports["agency"] if "agency" in reports else None).dropna(subset=cols)
    by_key: dict[tuple[Any, int], list[tuple[str, Any]]] = {}
    for rid, key, year, agency in zip(df["report_id"], df["agency_key"], df["year"], df["agency"]):
        if isinstance(key, str) and not key.strip():
            continue  # an empty key would pair unrelated agencies
        by_key.setdefault((key, int(year)), []).append((str(rid), agency if isinstance(agency, str) else None))
    pairs = []
    for (key, year), reps in by_key.items():
        before = by_key.get((key, year - 1), [])
        for rid, agency in reps:
            same = [p for p, a in before if agency is not None and a == agency]
            pairs += [(rid, prev, year - 1) for prev in (same or [p for p, _ in before]) if prev != rid]
    return sorted(pairs)


def _items_with_measure(measure: str) -> list[str]:
    """Table-二 items printed with ``measure`` in any template (order kept, no duplicates)."""
    out: list[str] = []
    for tid in templates.TEMPLATE_IDS:
        for block in templates.template(tid).blocks:
            if measure in block.measures:
                out += [i for i in block.items if i not in out]
    return out


def check_cross_year(out: Issues, pairs: Iterable[tuple[str, str, int]], index: dict[str, ReportCells]) -> None:
    """X-1..X-3 and L-CUM for every (report, previous report) pair (see :func:`year_pairs`)."""
    request_cols = [c.id for c in templates.table("requests").columns()]
    empty = ReportCells({})
    for rid, prev_id, prev_year in pairs:
        cur, prev = index.get(rid, empty), index.get(prev_id, empty)
        detail = f"{prev_year}, {prev_id}"
        # table 三 is unchanged across the 2020 -> 2021 switch, so this runs for any pair
        if "requests" in cur.tables and "requests" in prev.tables:
            for c in request_cols:
                if not (cur.has_col("requests", c) and prev.has_col("requests", c)):
                    continue  # a layout without this column in either year
                keys = (("requests", CARRIED_OVER, c), ("requests", CARRIED_FORWARD, c))
                a, b = cur.resolve([keys[0]]), prev.resolve([keys[1]])
                skip = a if a.skip else b if b.skip else None
                if skip:
                    out.skipped(rid, "X-1", "requests", CARRIED_OVER, c, skip)
                elif differs(a.values[0], b.values[0], TOLERANCE["counts"]):
                    out.finding(rid, "X-1", "requests", CARRIED_OVER, c, b.values[0], a.values[0],
                                detail, a.imputed + b.imputed)
        # gb2021 both years, i.e. both reports print 现行有效件数
        if cur.has_col("proactive", "in_force") and prev.has_col("proactive", "in_force"):
            for item in _items_with_measure("in_force"):
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
                if differs(expected, a.values[0], TOLERANCE["counts"]):
                    out.finding(rid, "X-2", "proactive", item, "in_force", expected, a.values[0], detail)
        # gb2019 both years (上一年项目数量 printed in both)
        if cur.has_col("proactive", "prev_year_items") and prev.has_col("proactive", "prev_year_items"):
            for item in _items_with_measure("prev_year_items"):
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
                if differs(expected, a.values[0], TOLERANCE["counts"]):
                    out.finding(rid, "X-3", "proactive", item, "prev_year_items", expected, a.values[0], detail)
        # L-CUM: pre-2019 统计表 of both years printing the row's 历年累计 (a narrative gives this year's only)
        if LEGACY.table in cur.tables and LEGACY.table in prev.tables:
            for r in LEGACY.rows:
                now = [(LEGACY.table, r.id, CUMULATIVE), (LEGACY.table, r.id, THIS_YEAR)]
                before = [(LEGACY.table, r.id, CUMULATIVE)]
                if not (cur.has(now[0]) and prev.has(before[0])):
                    continue
                a, b = cur.resolve(now), prev.resolve(before)
                skip = a if a.skip else b if b.skip else None
                if skip:
                    out.skipped(rid, "L-CUM", LEGACY.table, r.id, CUMULATIVE, skip)
                    continue
                expected = b.values[0] + a.values[1]
                if differs(expected, a.values[0], tolerance_of(cur, now)):
                    out.finding(rid, "L-CUM", LEGACY.table, r.id, CUMULATIVE, expected, a.values[0], detail)
