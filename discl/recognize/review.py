"""Table 四 (政府信息公开行政复议、行政诉讼情况): proceedings × outcomes, in whatever shape the report prints.

The template's shape is one row of 15 cells under a three-level header (行政复议 | 行政诉讼 › 未经复议直接起诉 /
复议后起诉 › 结果维持 … 总计). Reports also print the proceedings in another order, one small table per
proceeding under its own sub-heading, or one row per proceeding (transposed). Every cell is placed by the
header above it (grid positions when the table has cell geometry, else the printed order of the header
names) and by the row's own label or sub-heading; without a header the template's order is used and flagged
``header_assumed``.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..cells import is_value_text
from ..normalize import normalize_label
from ..templates import table
from .headers import HeaderRead, consistent_with, order_of, read_header
from .labels import find_labels
from .lines import LCell, Line, has_digits, tokens
from .model import Note, TableRead
from .place import missing_value, place_row

T = "review_litigation"
_TRAILING_DIGITS = re.compile(r"[\d\s]+$")


@dataclass
class _State:
    copy: int
    header: list[Line] = field(default_factory=list)
    done: set[str] = field(default_factory=set)
    after_data: bool = False


def _defs():
    t = table(T)
    return t.rows(), t.row_groups, t.columns()


def _names(text: str) -> tuple[list[str], list[str]]:
    """(proceeding and group ids, outcome ids) named in ``text``, in order."""
    procs, groups, outcomes = _defs()
    found = find_labels(normalize_label(text), procs + groups + outcomes, loose=True)
    outcome_ids = {o.id for o in outcomes}
    return ([m.label.id for m in found if m.label.id not in outcome_ids],
            [m.label.id for m in found if m.label.id in outcome_ids])


def sub_heading(text: str) -> str | None:
    """The proceeding a short line names on its own ("行政复议", "行政诉讼（复议后起诉）"), else None.

    >>> sub_heading("行政诉讼（未经复议直接起诉）"), sub_heading("四、政府信息公开行政复议、行政诉讼情况")
    ('litigation_direct', None)
    """
    norm = normalize_label(text)
    if not norm or len(norm) > 30 or has_digits(norm):
        return None
    procs, outcomes = _names(norm)
    t = table(T)
    leaves = [p for p in procs if p in {r.id for r in t.rows()}]
    if outcomes or len(set(leaves)) != 1:
        return None
    own_group = t.row(leaves[0]).group
    # every other name must be the leaf's own group (行政诉讼（复议后起诉）), not the other proceeding
    return leaves[0] if all(p in (leaves[0], own_group) for p in procs) else None


@dataclass
class Plan:
    keys: list[tuple[str, str]] | None  # (proceeding, outcome) of the value cells left to right
    by_col: dict[int, tuple[str, str]]  # grid column → (proceeding, outcome)
    assumed: bool
    note: Note | None = None


def _outcome_order(h: HeaderRead) -> list[str] | None:
    """The outcomes' printed order, when every block prints them in the same order."""
    outcome_ids = [o.id for o in table(T).columns()]
    seq = [o.id for o in h.occurrences if o.id in outcome_ids]
    if not seq:
        return None
    n = len(outcome_ids)
    chunks = [seq[i:i + n] for i in range(0, len(seq), n)]
    if all(sorted(c) == sorted(outcome_ids) for c in chunks) and all(c == chunks[0] for c in chunks):
        return chunks[0]
    return None


def plan_review(header_lines: list[Line], proceeding: str | None, n_values: int) -> Plan:
    """Which (proceeding, outcome) each value cell of a data row is: the proceedings from the row's label
    or sub-heading (``proceeding``) or the header, the outcomes from the header."""
    t = table(T)
    procs = [p.id for p in t.rows()]
    outcomes = [o.id for o in t.columns()]
    members = {g.id: tuple(p.id for p in t.rows() if p.group == g.id) for g in t.row_groups}
    h = read_header(header_lines, t.rows() + t.columns(), t.row_groups)
    if not h:
        keys = [(proceeding, o) for o in outcomes] if proceeding else [(p, o) for p in procs for o in outcomes]
        return Plan(keys, {}, True, Note("read.header_assumed", "warning", T, "",
                                         "table 四: no column header was read; the cells are placed in the "
                                         "template's order (flag header_assumed)"))
    by_col = _positions(h)
    out_order, out_assumed = _outcome_order(h), False
    if out_order is None:
        seq = [o.id for o in h.occurrences if o.id in outcomes]
        seen = list(dict.fromkeys(seq))
        garbled = len(seq) > len(seen)  # names repeat but not as whole blocks: a header cut to pieces
        if garbled or (consistent_with(seen, outcomes) and len(seen) < len(outcomes)):
            out_order, out_assumed = outcomes, True
    rows: list[str] | None
    rows_assumed = False
    found = [p for p in order_of(_only(h, set(procs) | set(members)), members, procs)[0] if p in procs]
    if proceeding:
        rows = [proceeding]
    elif len(found) == 1 and n_values <= len(outcomes):
        rows = found  # one small table per proceeding, under its sub-heading ("### 行政复议")
    else:
        if sorted(found) == sorted(procs):
            rows = found
        elif consistent_with(found, procs):
            rows, rows_assumed = procs, True
        else:
            rows = None
    if rows is None or out_order is None:
        return Plan(None, by_col, False, Note("read.header_unusable", "warning", T, "",
                                              "table 四: the header could not be read in a way that places "
                                              "every cell; cells its positions do not place are left missing"))
    assumed = out_assumed or rows_assumed
    note = Note("read.header_assumed", "info", T, "", "table 四: the header was read only in part and agrees "
                "with the template; the template's order is used (flag header_assumed)") if assumed else None
    return Plan([(p, o) for p in rows for o in out_order], by_col, assumed, note)


def _only(h: HeaderRead, ids: set[str]) -> HeaderRead:
    """The occurrences of ``ids``; of a repeated top-level name only the last one before the first
    sub-proceeding (a heading or caption above the header names 行政复议、行政诉讼 too, in its own order)."""
    occ = [o for o in h.occurrences if o.id in ids]
    subs = {p.id for p in table(T).rows() if p.group}
    first_sub = next((o.order for o in occ if o.id in subs), None)
    keep = []
    for o in occ:
        if o.id not in subs and first_sub is not None and o.order < first_sub:
            if any(x.id == o.id and o.order < x.order < first_sub for x in occ):
                continue  # a later mention before the sub-proceedings is the header's own
        keep.append(o)
    return HeaderRead(keep, h.lines)


def _positions(h: HeaderRead) -> dict[int, tuple[str, str]]:
    """Grid column → (proceeding, outcome) from the header cells' positions."""
    t = table(T)
    procs = {p.id for p in t.rows()}
    outcomes = {o.id for o in t.columns()}
    best_p: dict[int, tuple[int, str]] = {}
    best_o: dict[int, tuple[int, str]] = {}
    for o in h.occurrences:
        if o.col is None or o.is_group:
            continue
        target = best_p if o.id in procs else best_o if o.id in outcomes else None
        if target is None:
            continue
        for x in range(o.col, o.col + max(1, o.span)):
            if x not in target or o.span < target[x][0]:
                target[x] = (o.span, o.id)
    return {x: (best_p[x][1], best_o[x][1]) for x in best_o if x in best_p}


def lines_to_review(lines: list[Line], template: str | None = None, first_copy: int = 0,
                    lead_in: str = "") -> TableRead:
    """Read table 四 from the lines of one occurrence (``lead_in``: the text just before it, which may
    be the sub-heading of its first small table).

    >>> from discl.recognize.lines import row_line, text_line
    >>> read = lines_to_review([text_line("行政诉讼（复议后起诉）"),
    ...     row_line(["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]), row_line(["1", "0", "0", "1", "2"])])
    >>> sorted({(v.row, v.col): v.value for v in read.values}.items())[-1]
    (('litigation_after_review', 'upheld'), 1.0)
    """
    out = TableRead(T)
    prefs: dict = {}
    st = _State(first_copy)
    # the sub-heading of a first small table may stand just before the table was recognised
    if lead_in.split() and sub_heading(lead_in.split()[-1]):
        st.header.append(Line((LCell(lead_in.split()[-1], "lead-in"),), True))
    all_procs = [r.id for r in table(T).rows()]

    def header_line(line: Line) -> None:
        if st.after_data:
            st.header, st.after_data = [], False  # a new table's header
        st.header.append(line)

    def data_row(cells: list[LCell], line: Line, text: str | None, label_proc: str | None) -> None:
        proc = label_proc
        plan = plan_review(st.header, proc, len(tokens(text)) if text is not None else len(cells))
        if plan.note and plan.note not in out.notes:
            out.notes.append(plan.note)
        keys, use, flags = None, cells, ()
        if text is None and plan.by_col and cells and all(c.col is not None for c in cells):
            keyed = [(plan.by_col.get(c.col), c) for c in cells if c.text.strip() or c.col in plan.by_col]
            ks = [k for k, _ in keyed]
            if all(ks) and len(set(ks)) == len(ks) and (not proc or all(p == proc for p, _ in ks)):
                keys, use = ks, [c for _, c in keyed]
        if keys is None and plan.keys is not None:
            keys, flags = plan.keys, (("header_assumed",) if plan.assumed else ())
        rows_here = {p for p, _ in keys} if keys else ({proc} if proc else set(all_procs))
        if rows_here & st.done:
            st.copy += 1  # the same proceeding again: another copy of the table
            st.done = set()
        if keys is None:
            raw = text if text is not None else " ".join(c.printed for c in cells)
            out.values.extend(missing_value(T, p, o, (cells or list(line.cells))[0], raw, "ambiguous", st.copy,
                                            line.index)
                              for p in sorted(rows_here, key=all_procs.index) for o in [c.id for c in table(T).columns()])
        else:
            placed = place_row(T, keys, use, line, prefs, tokens_text=text, flags=flags, copy=st.copy)
            out.values.extend(placed.values)
            out.notes.extend(placed.notes)
        st.done |= rows_here
        st.after_data = True

    for line in lines:
        if line.is_text:
            text = line.cells[0].text
            m = _TRAILING_DIGITS.search(unicode_digits(text))
            digits = m.group(0) if m and has_digits(m.group(0)) else ""
            head = text[: len(text) - len(digits)] if digits else text
            procs, outcomes = _names(head)
            if procs or outcomes:
                header_line(Line((LCell(head, line.cells[0].ref, line.cells[0].page),), True, index=line.index))
            if digits:
                data_row([], line, digits, None)
            continue
        texts = [c.text for c in line.cells]
        if not any(has_digits(x) for x in texts):
            procs, outcomes = _names("".join(texts))
            if procs or outcomes:
                header_line(line)
            continue
        label_end = -1
        label_proc = None
        for i, c in enumerate(line.cells):
            if not c.text.strip():
                continue
            if has_digits(c.text) or is_value_text(c.text):
                break  # the first value cell ("3", "—", "/"): the label cells, if any, are before it
            procs, outcomes = _names(c.text)
            if outcomes:
                label_end = -2  # header words beside numbers: not a data row
                break
            leaves = [p for p in procs if p in {r.id for r in table(T).rows()}]
            if leaves:
                label_proc = leaves[-1]
            label_end = i
        if label_end == -2:
            continue
        data_row(list(line.cells[label_end + 1:]), line, None, label_proc)
    return out


def unicode_digits(text: str) -> str:
    """``text`` with full-width digits and odd spaces as ASCII, one character for one (positions match)."""
    return "".join(n if len(n := unicodedata.normalize("NFKC", ch)) == 1 else ch for ch in text)
