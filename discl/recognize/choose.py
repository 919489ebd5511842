"""Which occurrence of a table is this year's.

A report may print a table more than once: last year's table quoted in 一、总体情况 or just before this
year's, the tables appended after 六, a header repeated on a new page. Each occurrence (a *copy*) is read
on its own. The copy standing in the table's own section wins over one elsewhere; among equals, a copy
whose caption names another year (“2020年…”, “上年…”) loses. Copies that remain tied are merged where they
agree; where they disagree nothing decides, so those cells are left missing and flagged, with a warning.
"""
from __future__ import annotations

import re
from dataclasses import replace

from .model import CopyInfo, Note, TableRead, Value
from .regions import Segment

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
# words of a caption that quotes the previous year (not the row label 上年结转)
_LAST_YEAR = re.compile(r"上一?年度?(?!结转)|去年|前一年")


def copy_infos(seg: Segment, values: list[Value]) -> dict[int, CopyInfo]:
    """Where each copy read from ``seg`` stood, and the text before it."""
    spans: dict[int, tuple[int, int]] = {}
    for v in values:
        lo, hi = spans.get(v.copy, (v.line, v.line))
        spans[v.copy] = (min(lo, v.line), max(hi, v.line))
    out: dict[int, CopyInfo] = {}
    prev_end = -1
    for copy, (first, last) in sorted(spans.items(), key=lambda kv: kv[1]):
        # the caption is the text right before the copy: inside the occurrence, else the line before it
        text = [ln.cells[0].text for ln in seg.lines if ln.is_text and prev_end < ln.index < first]
        lead = " ".join(text) if text else (seg.lead_in if prev_end < 0 else "")
        out[copy] = CopyInfo(seg.section, lead[-300:], first)
        prev_end = last
    return out


def is_quote(lead_in: str, year: int | None) -> bool:
    """Whether the text before a copy says it is another year's table.

    >>> is_quote("2020年度主动公开情况如下：", 2021), is_quote("2021年主动公开情况（与2020年相比）", 2021)
    (True, False)
    """
    years = {int(y) for y in _YEAR.findall(lead_in)}
    if year is not None and year in years:
        return False
    return bool(years and year is not None) or bool(_LAST_YEAR.search(lead_in))


def choose_copies(read: TableRead, year: int | None) -> TableRead:
    """The values of this year's copy (merged copies where nothing tells them apart)."""
    copies = sorted({v.copy for v in read.values})
    if len(copies) <= 1:
        return read

    def rank(c: int) -> tuple[int, int]:
        info = read.copies.get(c)
        if info is None:
            return (1, 1)
        own = 2 if info.section == read.table else 1 if info.section is None else 0
        return (own, 0 if is_quote(info.lead_in, year) else 1)

    ranks = {c: rank(c) for c in copies}
    best = max(ranks.values())
    winners = [c for c in copies if ranks[c] == best]
    notes = list(read.notes)
    for c in copies:
        if c not in winners:
            info = read.copies.get(c)
            where = f"in section {info.section}" if info and info.section else "outside the table's section"
            notes.append(Note("read.other_copy", "info", read.table, "",
                              f"another copy of this table ({where}{', captioned as another year' if ranks[c][1] == 0 else ''}"
                              ") was not read as this year's"))
    merged: dict[tuple[str, str], Value] = {}
    conflicts: list[tuple[str, str]] = []
    rows = {c: {v.row for v in read.values if v.copy == c} for c in winners}
    # copies sharing rows are alternative prints of the table (not parts of one split across pages): a
    # cell only one of them has may be the other year's, so it is no more certain than a differing one
    alternative = any(len(rows[a] & rows[b]) >= 2 for i, a in enumerate(winners) for b in winners[i + 1:])
    if alternative:
        keys_in = {c: {(v.row, v.col) for v in read.values if v.copy == c} for c in winners}
        everywhere = set.intersection(*keys_in.values())
    for v in read.values:
        if v.copy not in winners:
            continue
        key = (v.row, v.col)
        old = merged.get(key)
        if old is None:
            merged[key] = v
        elif old.copy != v.copy and not _same(old, v):
            if "ambiguous" not in old.flags or old.raw != v.raw:
                conflicts.append(key)
            merged[key] = replace(old, value=float("nan"), unit=None, flags=("ambiguous",),
                                  raw=f"{old.raw} | {v.raw}")
        # the same copy reading a cell twice: the first reading stands
    if alternative:
        for key, v in list(merged.items()):
            if key not in everywhere and "ambiguous" not in v.flags:
                conflicts.append(key)
                merged[key] = replace(v, value=float("nan"), unit=None, flags=("ambiguous",))
    if conflicts:
        rows = sorted({r for r, _ in conflicts})
        notes.append(Note("read.conflicting_copies", "warning", read.table, rows[0] if len(rows) == 1 else "",
                          f"the table is printed {len(winners)} times and nothing tells which copy is this year's; "
                          f"{len(set(conflicts))} cells that differ between the copies are left missing "
                          f"(rows: {', '.join(rows[:8])}{' …' if len(rows) > 8 else ''})"))
    alts = [a for a in read.alternatives if a.copy in winners] if len(winners) == 1 else []
    return TableRead(read.table, list(merged.values()), notes, alts, dict(read.copies))


def _same(a: Value, b: Value) -> bool:
    if a.missing and b.missing:
        return set(a.flags) & {"blank", "dash", "slash"} == set(b.flags) & {"blank", "dash", "slash"}
    return a.value == b.value
