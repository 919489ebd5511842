"""Table 三 (收到和处理政府信息公开申请情况): each data row is found by its label, each cell by its column header.

A label without numbers (wrapped or detached by a PDF-to-text tool) waits for the next line that has numbers
but no label of its own; a label split over two lines is joined. A repeated row or a repeated header starts
another copy of the table (a quoted last-year table, a header repeated on a new page): :mod:`.choose`
decides between copies.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..normalize import normalize_label
from ..templates import table
from .headers import consistent_with, order_of, positions_of, read_header
from .labels import (Piece, all_values, find_labels, fuzzy_row, is_narrative, join_carry, label_cell, label_rest,
                     split_text_line)
from .lines import LCell, Line, has_digits, tokens
from .model import Note, TableRead, Value
from .place import missing_value, place_row

T = "requests"


@dataclass
class ColumnPlan:
    """How the value cells of this copy's rows map to column ids."""

    order: list[str] | None  # ids left to right (None: the header cannot be trusted)
    positions: dict[int, str]  # grid column → id (tables with cell geometry)
    assumed: bool  # the template's order, not the report's header
    note: Note | None = None


def plan_columns(header_lines: list[Line]) -> ColumnPlan:
    """Read the header of table 三 (the names of the seven value columns) into a :class:`ColumnPlan`."""
    t = table(T)
    cols = [c.id for c in t.columns()]
    members = {g.id: tuple(c.id for c in t.columns() if c.group == g.id) for g in t.column_groups}
    h = read_header(header_lines, t.columns(), t.column_groups)
    if not h:
        return ColumnPlan(cols, {}, True, Note("read.header_assumed", "warning", T, "",
                                                "table 三: no column header was read; the cells are placed in "
                                                "the template's column order (flag header_assumed)"))
    order, guessed = order_of(h, members, cols)
    positions = positions_of(h)
    if sorted(order) == sorted(cols):
        if guessed:
            return ColumnPlan(order, positions, True, Note(
                "read.header_assumed", "info", T, "",
                "table 三: the 法人或其他组织 label of the header was not read, so where its five columns stand "
                "among 自然人 and 总计 is the template's (flag header_assumed)"))
        return ColumnPlan(order, positions, False)
    missing = [c for c in cols if c not in order]
    if consistent_with(order, cols):
        return ColumnPlan(cols, positions, True, Note(
            "read.header_assumed", "info", T, "",
            f"table 三: the header names {len(order)} of the {len(cols)} columns (not {', '.join(missing)}), in "
            "the template's order; the template's column order is used (flag header_assumed)"))
    return ColumnPlan(None, positions, False, Note(
        "read.header_unusable", "warning", T, "",
        f"table 三: the header prints the columns in another order ({', '.join(order)}) and lacks "
        f"{', '.join(missing)}; cells that its positions do not place are left missing"))


@dataclass
class _Copy:
    number: int
    header: list[Line] = field(default_factory=list)
    plan: ColumnPlan | None = None
    done: set[str] = field(default_factory=set)
    last: int = -1  # index (template order) of the last row read
    group: str | None = None
    pending: object = None  # a label waiting for its numbers
    carry: str = ""  # an unmatched fragment that may be the first half of a split label


def lines_to_requests(lines: list[Line], template: str | None = None, first_copy: int = 0) -> TableRead:
    """Read table 三 from the lines of one occurrence.

    >>> from discl.recognize.lines import row_line
    >>> read = lines_to_requests([row_line(["", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构",
    ...     "其他", "总计"]), row_line(["一、本年新收政府信息公开申请数量", "3", "0", "0", "0", "0", "1", "4"])])
    >>> [(v.col, v.value) for v in read.values][-2:]
    [('other_org', 1.0), ('total', 4.0)]
    """
    t = table(T)
    rows = t.rows()
    defs = rows + t.row_groups
    row_ids = {d.id for d in rows}
    group_ids = frozenset(g.id for g in t.row_groups)
    order = [d.id for d in rows]
    n_cols = len(t.columns())
    out = TableRead(T)
    prefs: dict = {}
    cp = _Copy(first_copy)

    def new_copy() -> None:
        nonlocal cp
        cp = _Copy(cp.number + 1)

    def plan() -> ColumnPlan:
        if cp.plan is None:
            cp.plan = plan_columns(cp.header)
            if cp.plan.note:
                out.notes.append(cp.plan.note)
        return cp.plan

    def accept(d) -> bool:
        if d.exact and cp.last < 0:
            return False  # a lone 总计/其他 before any data row is a header cell
        if d.id == "other_handling.other" and cp.group != "other_handling":
            return False
        return True

    def on_label(d) -> bool:
        """Update the group context; True when ``d`` is a data row that may take values."""
        if d.id not in row_ids:
            cp.group, cp.pending = d.id, None
            return False
        if d.group:
            cp.group = d.group
        if not accept(d):
            return False
        if d.id in cp.done:
            new_copy()  # the same row again: another copy of the table begins
        return True

    def emit(d, cells: list[LCell], line: Line, text: str | None, extra: tuple[str, ...] = ()) -> None:
        p = plan()
        if p.order is None and (text is not None or not _by_position(cells, p)):
            raw = text if text is not None else " ".join(c.printed for c in cells)
            out.values.extend(missing_value(T, d.id, c, (cells or line.cells)[0], raw, "ambiguous", cp.number,
                                            line.index) for c in [c.id for c in t.columns()])
        else:
            flags = extra + (("header_assumed",) if p.assumed else ())
            keyed = _by_position(cells, p) if text is None else None
            if keyed is not None:
                keys = [(d.id, c) for c in keyed[1]]
                placed = place_row(T, keys, keyed[0], line, prefs, flags=flags, copy=cp.number)
            else:
                keys = [(d.id, c) for c in p.order]
                placed = place_row(T, keys, cells, line, prefs, tokens_text=text, flags=flags, copy=cp.number)
            out.values.extend(placed.values)
            out.notes.extend(placed.notes)
            out.alternatives.extend(placed.alternatives)
        cp.done.add(d.id)
        cp.last = max(cp.last, order.index(d.id))
        cp.pending = None

    def unplaced(text: str) -> None:
        out.notes.append(Note("read.unplaced_values", "info", T, "",
                              f"numbers without a recognisable row label were not used: {text[:60]!r}"))

    def header_line(line: Line) -> None:
        if cp.done:
            new_copy()  # a header after rows: another copy (or the header repeated on a new page)
        cp.header.append(line)

    for line in lines:
        if line.is_text:
            text = line.cells[0].text
            if not has_digits(text) and header_text(text, strict=bool(cp.done)):
                header_line(line)
                continue
            pieces = _join_split_label(cp, line, defs)
            if pieces and pieces[0].label is None and header_text(pieces[0].rest, strict=True):
                # run-together crawler text: the header is the text before the first row label
                header_line(Line((LCell(pieces[0].rest, line.cells[0].ref, line.cells[0].page),), True,
                                 index=line.index))
                pieces = pieces[1:]
            for k, piece in enumerate(pieces):
                rest = label_rest(piece.rest)
                digits = has_digits(rest)
                if piece.label is None:
                    if digits and cp.pending is not None:
                        values = _trailing_values(rest)
                        if values is not None:
                            emit(cp.pending, [], Line((piece.cell,), True, index=line.index), values,
                                 ("position_inferred",) if values != rest.strip() else ())
                            continue
                    if digits and k > 0:
                        unplaced(rest)
                    elif not digits and len(rest.strip()) < 40 and k == len(pieces) - 1:
                        cp.carry = rest.strip()
                    continue
                if is_narrative(piece.rest):
                    continue  # a sentence naming a row ("…予以公开30件…") is not the table's row
                if not on_label(piece.label):
                    continue
                if digits:
                    emit(piece.label, [], Line((piece.cell,), True, index=line.index), rest)
                else:
                    cp.pending = piece.label
            continue
        if cp.carry:
            line = join_carry(cp.carry, line, defs)
            cp.carry = ""
        joined = "".join(c.text for c in line.cells)
        if not has_digits(joined) and header_text(joined, strict=True):
            header_line(line)
            continue
        last, matches = label_cell(line, defs, group_ids)
        values = list(line.cells[last + 1:]) if last >= 0 else list(line.cells)
        digits = any(has_digits(c.text) for c in values)
        data = None
        for m in matches:
            if on_label(m.label):
                data = m.label
        fuzzy = False
        if data is None and last >= 0 and digits and all(m.label.id in group_ids for m in matches):
            cand = fuzzy_row(line.cells[last].text, cp.group, rows, cp.done)
            fuzzy = cand is not None and accept(cand)
            data = cand if fuzzy else None
        if data is None:
            if last < 0 and digits and cp.pending is not None:
                emit(cp.pending, values, line, None, ("position_inferred",))
            elif digits:
                unplaced(" ".join(c.text for c in line.cells))
                cp.pending = None
            continue
        if digits or len(values) >= n_cols:
            start = len(out.values)
            emit(data, values, line, None)
            if fuzzy:
                out.values[start:] = [v.with_flags("label_fuzzy") for v in out.values[start:]]
                out.notes.append(Note("read.label_fuzzy", "info", T, data.id,
                                      f"label {line.cells[last].text!r} read as {data.zh} (closest template "
                                      "label with the same numbering and group)"))
        else:
            cp.pending = data
    return out


def header_text(text: str, strict: bool) -> bool:
    """Whether ``text`` (no digits) is header text of table 三: it names two or more columns or the
    法人或其他组织 group — or, unless ``strict``, it is one column's name alone (a header saved one cell
    per line)."""
    t = table(T)
    norm = normalize_label(text)
    if not norm or has_digits(norm):
        return False
    found = find_labels(norm, t.columns() + t.column_groups, loose=True)
    ids = {m.label.id for m in found}
    if len(ids) >= 2 or any(g.id in ids for g in t.column_groups):
        return True
    return not strict and len(found) == 1 and found[0].start == 0 and found[0].end == len(norm)


def _by_position(cells: list[LCell], p: ColumnPlan) -> tuple[list[LCell], list[str]] | None:
    """The value cells and their ids from the header's grid positions, when every cell that holds
    something stands under a distinct column header."""
    if not p.positions or not cells or any(c.col is None for c in cells):
        return None
    keep: list[LCell] = []
    ids: list[str] = []
    for c in cells:
        id_ = p.positions.get(c.col)
        if id_ is None:
            if c.text.strip():
                return None  # a value under no header: the positions do not explain the row
            continue
        if id_ in ids:
            return None
        keep.append(c)
        ids.append(id_)
    if len(ids) != len(table(T).columns()):
        return None
    return keep, ids


_VALUES_TAIL = re.compile(r"((?:\s*[+\-]?\d[\d,.]*(?:\s|$))+)\s*$")


def _trailing_values(text: str) -> str | None:
    """The values a waiting label takes from the next line: the whole line when it holds only values,
    else its trailing numbers after a label continuation without digits ("不计其他情形） 5 0 0 …")."""
    if all_values(text):
        return text
    toks = tokens(text)
    k = len(toks)
    while k > 0 and re.fullmatch(r"[+\-]?\d[\d,]*(?:\.\d+)?", toks[k - 1]):
        k -= 1
    head = toks[:k]
    if k == len(toks) or any(has_digits(x) for x in head):
        return None
    return " ".join(toks[k:])


def _join_split_label(cp: _Copy, line: Line, defs) -> list[Piece]:
    """Pieces of a paragraph line; a fragment left over from the line before is tried in front of it, so
    a label split over two lines (`1.属于国家` / `秘密 0 0 …`) is read whole."""
    cell = line.cells[0]
    pieces = split_text_line(line, defs)
    carry, cp.carry = cp.carry, ""
    if not carry or (pieces and pieces[0].label is not None):
        return pieces
    joined = Line((LCell(carry + cell.text, cell.ref, cell.page, cell.bbox),), True, index=line.index)
    candidate = split_text_line(joined, defs)
    # accepted only when the first label found crosses the junction of the two fragments
    if candidate and candidate[0].label is not None and (not pieces or pieces[0].label is None):
        first = next(iter(candidate))
        if first.label is not None and not any(p.label is not None and p.label.id == first.label.id
                                                for p in pieces):
            return candidate
    return pieces
