"""Pre-2019 reports (template ``pre2019``): the key figures of table ``legacy`` from the 统计表 or the narrative.

Reports under the 2008 条例 have no national body table. Many attach a local 统计表 of 指标名称 / 计量单位 /
本年度 / 历年累计; crawler text often runs its cells together (``主动公开信息数条4251516`` for 425 and
1516). A run-together pair is cut only where the two columns admit one reading: no leading zeros, the
cumulative figure at least this year's, and per column the table's own arithmetic (the channels sum to
the applications received, the kinds of answer to the answers, a part is at most its total; the rules are
data, ``legacy.groups`` in ``data/templates.yaml``). When several cuts remain and the narrative states
this year's figure, the cut that gives it is taken (an ``info`` note says so); otherwise the cells stay
missing and flagged ``ambiguous``.

A row the table lacks (or a report without a table) takes this year's figure from the narrative's own
sentence (patterns in ``legacy.narrative``), kept in ``raw`` and flagged ``from_text``. When the table
and the narrative disagree, the table's value is kept and a ``legacy.text_disagrees`` warning is noted.

Everything here is a pure function of the line stream (:func:`lines_to_legacy`).
"""
from __future__ import annotations

import itertools
import math
import re
import unicodedata
from dataclasses import dataclass, field

from ..cells import to_wan_yuan
from ..split import _cuts
from ..templates import LegacyDef, legacy, null_tokens
from .lines import Line
from .model import Note, TableRead, Value

__all__ = ["TABLE", "TEMPLATE", "is_legacy_title", "lines_to_legacy", "pair_readings"]

TABLE = legacy().table
TEMPLATE = legacy().template
THIS, CUM = (c for c, _ in legacy().columns)
MAX_COMBINATIONS = 50_000  # readings of one group tried at most (more: the group's rule is not applied)

Reading = tuple[float | None, float | None]  # (this year, cumulative); None: the cell is empty


def is_legacy_title(title: str | None, year: int | None) -> bool:
    """True when ``title`` (the report's own, :mod:`discl.meta`) names an annual report of a pre-2019 year.

    >>> is_legacy_title("平潭县人民政府2012年政府信息公开工作年度报告", 2012)
    True
    >>> is_legacy_title("关于2014年政府信息公开工作要点落实情况的函", 2014)
    False
    >>> is_legacy_title("某区2019年政府信息公开工作年度报告", 2019)
    False
    """
    L = legacy()
    if not title or not L.governs(year):
        return False
    t = _clean(title)
    return bool(L.title.search(t)) and not any(w in t for w in L.not_report)


def pair_readings(digits: str) -> list[Reading]:
    """Every cut of run-together digits into (this year, cumulative): no leading zeros, cumulative ≥ this year.

    >>> pair_readings("4251516")
    [(4.0, 251516.0), (42.0, 51516.0), (425.0, 1516.0)]
    >>> pair_readings("00"), pair_readings("018"), pair_readings("2121")
    ([(0.0, 0.0)], [(0.0, 18.0)], [(2.0, 121.0), (21.0, 21.0)])
    """
    out = []
    for a, b in _cuts(digits, 2):
        x, y = float(a), float(b)
        if y >= x:
            out.append((x, y))
    return out


# --------------------------------------------------------------------------------------------------
# the 统计表


@dataclass
class _Row:
    """One printed row of the 统计表 and the readings its cells admit."""

    id: str
    raw: str
    ref: str
    page: int | None
    line: int
    unit: str | None
    readings: list[Reading]
    run_together: bool = False
    flags: dict[str, tuple[str, ...]] = field(default_factory=dict)  # per column, for a cell with no number
    by_text: bool = False  # the narrative chose among several cuts


def _clean(s: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", s))


def _label_pattern(L: LegacyDef) -> re.Pattern:
    cores = sorted({c for r in L.rows + L.parts for c in r.cores}, key=len, reverse=True)
    alts = ["\\s*".join(map(re.escape, c)) for c in cores]
    return re.compile("|".join(alts))


def _label_id(L: LegacyDef, text: str) -> str | None:
    t = _clean(text)
    best = None
    for r in L.rows + L.parts:
        for c in r.cores:
            if c in t and (best is None or len(c) > best[1]):
                best = (r.id, len(c))
    return best[0] if best else None


def _children(L: LegacyDef) -> dict[str, str]:
    """Row id → the group total it is printed under (its numbering counts within that group)."""
    return {p: g.total for g in L.groups for p in g.parts}


def _strip_unit(L: LegacyDef, s: str) -> tuple[str | None, str]:
    s = s.strip()
    for u in L.table_units:
        if s.startswith(u):
            return u, s[len(u):].strip()
    return None, s


_NUM = re.compile(r"\d+(?:\.\d+)?")


def _text_cell_readings(cell: str, spaced: bool) -> tuple[list[Reading], bool, dict[str, tuple[str, ...]]]:
    """The readings of one row's value text (after its unit): two numbers, one, run-together digits."""
    tokens = cell.split()
    if not tokens:
        return [(None, None)], False, {THIS: ("blank",), CUM: ("blank",)}
    if not all(_NUM.fullmatch(t) for t in tokens) or len(tokens) > 2:
        return [], False, {THIS: ("unreadable",), CUM: ("unreadable",)}
    if len(tokens) == 2:
        return [(float(tokens[0]), float(tokens[1]))], False, {}
    if spaced:
        return [(float(tokens[0]), None)], False, {CUM: ("blank",)}
    if "." in tokens[0]:
        return [], True, {}
    return pair_readings(tokens[0]), True, {}


def _text_table(L: LegacyDef, line: Line) -> tuple[list[_Row], str] | None:
    """The 统计表 run into a paragraph: its rows, and the paragraph's text before it (the narrative)."""
    text = line.cells[0].text
    start = re.search("\\s*".join(map(re.escape, L.table_start)), text)
    if not start:
        return None
    body = unicodedata.normalize("NFKC", text[start.start():])
    labels = list(_label_pattern(L).finditer(body))
    if not labels:
        return None
    children = _children(L)
    pieces: list[tuple[str, str]] = []  # (row id, value text)
    seen_in_group: dict[str, int] = {}
    ids = [_label_id(L, m.group(0)) for m in labels]
    totals = {g.total for g in L.groups}
    for i, m in enumerate(labels):
        end = labels[i + 1].start() if i + 1 < len(labels) else len(body)
        cell = body[m.end():end]
        grp = children.get(ids[i])
        if grp is not None:
            seen_in_group[grp] = seen_in_group.get(grp, 0) + 1
        if ids[i] in totals:
            seen_in_group[ids[i]] = 0
        if i + 1 < len(labels):
            nxt = ids[i + 1]
            grp = children.get(nxt)
            if grp is not None:
                # the next row's numbering ("2." / "2、") and 其中： were run onto this cell's digits
                n = seen_in_group.get(grp, 0) + 1
                cell = re.sub(rf"{n}\s*[.、．]\s*$", "", cell.rstrip())
                cell = re.sub(r"其中\s*[:：]?\s*$", "", cell.rstrip())
        else:
            cell = re.match(r"\s*(?:[^\d\s]{1,2})?\s*[\d.\s]*", cell).group(0)  # the last row: unit and digits
        pieces.append((ids[i], cell))
    units_and_values = [_strip_unit(L, c) for _, c in pieces]
    spaced = any(len(v.split()) == 2 for _, v in units_and_values)
    rows = []
    for (rid, cell), (unit, val) in zip(pieces, units_and_values):
        readings, run, flags = _text_cell_readings(val, spaced)
        rows.append(_Row(rid, " ".join(cell.split()), line.cells[0].ref, line.cells[0].page, line.index, unit, readings,
                         run, flags))
    return rows, text[:start.start()]


def _grid_rows(L: LegacyDef, lines: list[Line]) -> list[_Row]:
    """The 统计表 as a table (web page, Word, PDF grid): a row per label cell, then its unit cell (when it
    prints one) and the 本年度 and 历年累计 cells, in that order."""
    rows = []
    tokens = null_tokens()
    for ln in lines:
        if ln.is_text or not ln.cells:
            continue
        rid = _label_id(L, ln.cells[0].text)
        if rid is None or len(ln.cells) < 2:
            continue
        cells = list(ln.cells[1:])
        unit = None
        if cells and _clean(cells[0].text) in L.table_units:
            unit = _clean(cells[0].text)
            cells = cells[1:]
        vals: list[float | None] = []
        flags: dict[str, tuple[str, ...]] = {}
        for col, c in zip((THIS, CUM), cells[:2]):
            t = _clean(c.text)
            if t in tokens:
                vals.append(None)
                flags[col] = (tokens[t],)
            elif _NUM.fullmatch(t):
                vals.append(float(t))
            else:
                vals.append(None)
                flags[col] = ("unreadable",)
        while len(vals) < 2:
            flags[(THIS, CUM)[len(vals)]] = ("blank",)
            vals.append(None)
        raw = " ".join(c.text for c in ln.cells[1:])
        rows.append(_Row(rid, raw, ln.cells[0].ref, ln.cells[0].page, ln.index, unit, [tuple(vals)], False, flags))
    return rows


# --------------------------------------------------------------------------------------------------
# the arithmetic that cuts run-together digits


def _holds(rule: str, total: Reading, parts: list[Reading]) -> bool:
    for k in (0, 1):
        t = total[k]
        ps = [p[k] for p in parts]
        if t is None:
            continue
        if rule == "sum":
            if any(p is None for p in ps) or not math.isclose(sum(ps), t):
                return False
        elif any(p is not None and p > t for p in ps):
            return False
    return True


def _apply_groups(L: LegacyDef, rows: dict[str, _Row], notes: list[Note]) -> None:
    """Keep, for every row in a group, the readings some joint reading of the group satisfies."""
    for g in L.groups:
        if g.total not in rows:
            continue
        members = [rows[g.total]] + [rows[p] for p in g.parts if p in rows]
        if len(members) < 2 or any(not m.readings for m in members):
            continue
        if math.prod(len(m.readings) for m in members) > MAX_COMBINATIONS:
            continue
        for rule in ((g.rule, "at_most") if g.rule == "sum" else (g.rule,)):
            combos = [c for c in itertools.product(*(m.readings for m in members))
                      if _holds(rule, c[0], list(c[1:]))]
            if combos:
                break
            notes.append(Note("legacy.table_arithmetic", "warning", TABLE, g.total,
                              f"the 统计表's rows under {g.total} do not satisfy their rule ({rule}) "
                              f"in any reading; the rule is not used for this report"))
        if not combos:
            continue
        for i, m in enumerate(members):
            keep = {c[i] for c in combos}
            m.readings = [r for r in m.readings if r in keep]


# --------------------------------------------------------------------------------------------------
# the narrative


@dataclass(frozen=True)
class _Stated:
    row: str
    value: float
    unit: str | None
    sentence: str
    ref: str
    page: int | None
    line: int


def _sentence(text: str, start: int, end: int) -> str:
    a = max(text.rfind(ch, 0, start) for ch in "。;!?") + 1
    ends = [i for i in (text.find(ch, end) for ch in "。;!?") if i >= 0]
    return text[a:(min(ends) + 1 if ends else len(text))]


def _narrative(L: LegacyDef, paragraphs: list[tuple[str, Line]]) -> dict[str, _Stated]:
    """This year's figure each row's first matching sentence states (the patterns in their order)."""
    out: dict[str, _Stated] = {}
    cleaned = [(_clean(t), ln) for t, ln in paragraphs]
    for p in L.narrative:
        if p.row in out:
            continue
        for text, ln in cleaned:
            m = p.pattern.search(text)
            if not m:
                continue
            if p.value is not None:
                value, unit = float(p.value), None
            else:
                value = float(m.group("n"))
                unit = (m.groupdict().get("unit") or p.unit) if L.row(p.row).unit == "万元" else None
            out[p.row] = _Stated(p.row, value, unit, _sentence(text, m.start(), m.end()), ln.cells[0].ref,
                                 ln.cells[0].page, ln.index)
            break
    return out


# --------------------------------------------------------------------------------------------------
# the reader


def _money(L: LegacyDef, rid: str, value: float, unit: str | None) -> tuple[float, tuple[str, ...]]:
    target = L.row(rid).unit
    if target == "万元" and unit not in (None, "万元"):
        return to_wan_yuan(value, unit), ("unit_converted",)
    return value, ()


def lines_to_legacy(lines: list[Line]) -> TableRead:
    """The ``legacy`` table of a pre-2019 report: the 统计表's rows (grid or text), else the narrative's.

    >>> from .lines import text_line
    >>> r = lines_to_legacy([text_line("2012年全区共收到有关政府信息公开的申请21条。"),
    ...                      text_line("指标名称计量单位2012年度历年累计受理依申请公开信息总数条2121其中：1.当面申请数条1818"
    ...                                "2.电子邮件申请数条33对申请的答复数条2121", "p1")])
    >>> [(v.row, v.col, v.value, v.flags) for v in r.values if v.row == "requests_received"]
    [('requests_received', 'this_year', 21.0, ('split',)), ('requests_received', 'cumulative', 21.0, ('split',))]
    """
    L = legacy()
    notes: list[Note] = []
    table_rows: list[_Row] = _grid_rows(L, lines)
    paragraphs: list[tuple[str, Line]] = []
    for ln in lines:
        if not ln.is_text:
            continue
        found = None if table_rows else _text_table(L, ln)
        if found:
            table_rows, before = found
            paragraphs.append((before, ln))
        else:
            paragraphs.append((ln.cells[0].text, ln))
    rows: dict[str, _Row] = {}
    for r in table_rows:
        rows.setdefault(r.id, r)  # a label printed twice: the first row
    stated = _narrative(L, paragraphs)
    _apply_groups(L, rows, notes)
    # the narrative decides only among the cuts the table admits
    for rid, s in stated.items():
        r = rows.get(rid)
        if r is not None and len(r.readings) > 1:
            keep = [x for x in r.readings if x[0] is not None and math.isclose(x[0], s.value)]
            if len(keep) == 1:
                r.readings, r.by_text = keep, True
                notes.append(Note("legacy.split_by_text", "info", TABLE, rid,
                                  f"the 统计表's digits {r.raw!r} admit several cuts; the narrative's "
                                  f"{s.value:g} ({s.sentence}) chose {keep[0][0]:g} / {keep[0][1]:g}", THIS))
    _apply_groups(L, rows, notes)
    values: list[Value] = []
    for rid in [r.id for r in L.rows]:
        r = rows.get(rid)
        if r is not None:
            values += _row_values(L, r, notes)
        s = stated.get(rid)
        if r is None and s is not None:
            v, fl = _money(L, rid, s.value, s.unit)  # a sentence saying no fee was charged: 0, no unit
            values.append(Value(TABLE, rid, THIS, s.sentence, v, L.row(rid).unit, ("from_text",) + fl,
                                s.page, s.ref, line=s.line))
        elif r is not None and s is not None:
            tv = next((v for v in values if v.row == rid and v.col == THIS), None)
            sv = _money(L, rid, s.value, s.unit)[0]
            if tv is not None and not tv.missing and not math.isclose(tv.value, sv):
                notes.append(Note("legacy.text_disagrees", "warning", TABLE, rid,
                                  f"the 统计表 gives {tv.value:g} for {L.row(rid).zh} this year but the "
                                  f"narrative says {s.value:g} ({s.sentence}); the table's value is kept", THIS))
    return TableRead(TABLE, values, notes)


def _row_values(L: LegacyDef, r: _Row, notes: list[Note]) -> list[Value]:
    unit = L.row(r.id).unit
    out = []
    if len(r.readings) == 1:
        reading = r.readings[0]
        for k, col in enumerate((THIS, CUM)):
            x = reading[k]
            if x is None:
                out.append(Value(TABLE, r.id, col, r.raw, math.nan, unit, r.flags.get(col, ("blank",)),
                                 r.page, r.ref, line=r.line))
                continue
            v, fl = _money(L, r.id, x, r.unit)
            flags = (("split",) if r.run_together else ()) + fl
            out.append(Value(TABLE, r.id, col, r.raw, v, unit, flags, r.page, r.ref, line=r.line))
        return out
    flag = r.flags.get(THIS, ("unreadable",)) if not r.readings and not r.run_together else ("ambiguous",)
    if flag == ("ambiguous",):
        shown = ", ".join(f"{a:g}/{b:g}" for a, b in r.readings) or "none"
        notes.append(Note("read.ambiguous", "warning", TABLE, r.id,
                          f"the 统计表's digits {r.raw!r} for {L.row(r.id).zh} admit more than one cut "
                          f"into 本年度/历年累计 ({shown}); left missing"))
    for col in (THIS, CUM):
        out.append(Value(TABLE, r.id, col, r.raw, math.nan, unit, r.flags.get(col, flag), r.page, r.ref,
                         line=r.line))
    return out
