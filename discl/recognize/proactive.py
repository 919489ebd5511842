"""Table 二 (主动公开政府信息情况): blocks of items under their own header rows (信息内容 · measures).

Each item row is found by its label and its cells by the block's header; without a readable header the
template's columns for that item are used and flagged ``header_assumed``. A sentence of the narrative that
names an item (“…行政规范性文件类 6条…”) is not a row. A repeated item or a new first block starts
another copy of the table (see :mod:`.choose`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..cells import clean_cell_text, is_value_text
from ..normalize import normalize_label
from ..templates import TEMPLATE_IDS, table, template as get_template, units
from .labels import (all_values, find_labels, is_narrative, join_carry, label_cell, label_rest,
                     split_text_line)
from .lines import LCell, Line, cut_text, has_digits, norm_map, tokens
from .model import Note, TableRead, Value
from .place import missing_value, place_row

T = "proactive"
_NUMERAL = re.compile(r"\(([一二三四五六七八九])\)")


@dataclass
class _State:
    copy: int
    header: list[tuple[str, str]] = field(default_factory=list)  # (measure id, header text) of the block
    header_open: bool = False
    header_pos: tuple[int, dict[str, int]] | None = None  # width of a one-line header, measure → cell
    done: set[str] = field(default_factory=set)
    pending: list[tuple[object, Line]] = field(default_factory=list)
    carry: str = ""


def lines_to_proactive(lines: list[Line], template: str | None = None, first_copy: int = 0) -> TableRead:
    """Read table 二 from the lines of one occurrence.

    >>> from discl.recognize.lines import row_line
    >>> read = lines_to_proactive([row_line(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]),
    ...                            row_line(["规章", "2", "持平", "5"])])
    >>> [(v.col, v.value, v.flags) for v in read.values]
    [('issued', 2.0, ()), ('repealed', nan, ('unreadable',)), ('in_force', 5.0, ())]
    """
    t = table(T)
    items, measures = t.rows(), t.columns()
    defs = items + measures
    tpl = get_template(template or TEMPLATE_IDS[-1])
    first_caption = normalize_label(tpl.blocks[0].caption)
    first_numeral = _NUMERAL.search(first_caption).group(1)
    out = TableRead(T)
    prefs: dict = {}
    st = _State(first_copy)
    starts = t.starts
    block_start = _block_pattern(starts)
    measure_ids = {m.id for m in measures}

    def new_copy() -> None:
        nonlocal st
        st = _State(st.copy + 1)

    def caption(text: str) -> None:
        """A block caption: the header starts afresh; block 一 after items read is another copy."""
        settle()
        m = _NUMERAL.search(normalize_label(text))
        if m and m.group(1) == first_numeral and st.done:
            new_copy()
        st.header, st.header_open, st.header_pos = [], False, None

    def settle() -> None:
        """A waiting label that got no numbers: its cells are recorded as unreadable, not dropped."""
        if st.pending:
            d, line = st.pending.pop()
            item_row(d, [], line, "")

    def set_header(found: list[tuple[str, str]], pos: tuple[int, dict[str, int]] | None = None) -> None:
        st.header_pos = pos if not (st.header_open and st.header) else None
        st.header = (st.header + found) if st.header_open else found
        st.header_open = True

    def item_row(d, cells: list[LCell], line: Line, text: str | None, label_end: int = -1,
                 detached: bool = False) -> None:
        st.header_open = False
        if d.id in st.done:
            new_copy()
        defaults = list(tpl.measures_of(d.id))
        ms = [m for m, _ in st.header] or defaults
        assumed = not st.header
        n_given = len(cells) if cells else len(tokens(text or ""))
        if st.header and set(ms) < set(defaults) and n_given == len(defaults):
            # part of the header was read (a header cell wrapped over two lines is not a label), and the
            # row has exactly the template's cells for this item: the template's columns are used
            ms, assumed = defaults, True
        if not ms:
            out.notes.append(Note("read.no_header", "warning", T, d.id,
                                  f"item {d.id}: no column header found, its cells are not read"))
            return
        own = [m for m in ms if m in defaults]
        n_filled = sum(1 for c in cells if clean_cell_text(c.text)) if cells else n_given
        if own and len(own) < len(ms) and n_filled <= len(own):
            # a header shared with the block above (the item's own header lost, e.g. (八) under (六)'s):
            # the row has only the cells of the measures the template prints for this item
            ms = own
        if (st.header_pos and not assumed and label_end >= 0 and len(line.cells) == st.header_pos[0]
                and all(label_end < st.header_pos[1].get(m, -1) for m in ms)):
            order = [st.header_pos[1][m] for m in ms]
            stray = [c.text for i, c in enumerate(line.cells)
                     if i > label_end and i not in order and clean_cell_text(c.text)]
            if stray:
                # a number under no header: which cell belongs where is not known, nothing is guessed
                raw = " ".join(c.printed for c in line.cells[label_end + 1:])
                out.notes.append(Note("read.ambiguous", "warning", T, d.id,
                                      f"item {d.id}: {stray!r} stands under no column header; raw text: {raw!r}"))
                out.values.extend(missing_value(T, d.id, m, line.cells[label_end], raw, "ambiguous", st.copy,
                                                line.index) for m in ms)
                st.done.add(d.id)
                return
            cells = [line.cells[i] for i in order]
        flags = ("header_assumed",) if assumed else ()
        placed = place_row(T, [(d.id, m) for m in ms], cells, line, prefs, tokens_text=text, flags=flags,
                           copy=st.copy)
        headers = dict(st.header)
        for v in placed.values:
            if detached and "ambiguous" not in v.flags:
                # the numbers were on the line after the label: the pairing is inferred (a page number
                # between them would pair wrongly), so the value says so
                v = v.with_flags("position_inferred")
            out.values.append(apply_unit(v, headers.get(v.col, "")))
        out.notes.extend(placed.notes)
        st.done.add(d.id)

    for line in lines:
        if line.is_text:
            text = line.cells[0].text
            if st.carry and not has_digits(st.carry):
                joined = st.carry + text
                if _label_crosses(joined, len(st.carry), items):
                    text = joined
            st.carry = ""
            for piece, is_caption in cut_text(text, block_start):
                if is_caption:
                    caption(piece)  # a block caption or its 信息内容 cell: the block's header follows
                    continue
                sub = Line((LCell(piece, line.cells[0].ref, line.cells[0].page),), True, index=line.index)
                pieces = split_text_line(sub, defs)
                for k, p in enumerate(pieces):
                    rest = label_rest(p.rest)
                    digits = has_digits(rest)
                    if p.label is None:
                        if st.pending and digits and all_values(rest):
                            item_row(st.pending.pop()[0], [], sub, rest, detached=True)
                        elif not digits and k == len(pieces) - 1 and len(rest.strip()) < 20:
                            st.carry = rest.strip()
                        continue
                    if p.label.id in measure_ids:
                        settle()
                        set_header([(p.label.id, p.label.zh + p.rest)])
                        continue
                    if is_narrative(p.rest):
                        continue  # “…行政规范性文件类 6条…”: a sentence, not the table's row
                    settle()
                    if digits:
                        item_row(p.label, [], sub, rest)
                    else:
                        st.pending.append((p.label, sub))
            continue
        if st.carry:
            line = join_carry(st.carry, line, items)
            st.carry = ""
        norm_cells = [normalize_label(c.text) for c in line.cells]
        joined = "".join(norm_cells)
        if any(p.search(joined) for p in starts) and not any(find_labels(n, items) for n in norm_cells):
            caption(joined)
            continue
        header_row, data_row = _split_header_and_data(line)
        if header_row is not None:
            line = header_row
            norm_cells = [normalize_label(c.text) for c in line.cells]
        found: list[tuple[str, str]] = []
        positions: dict[str, int] = {}
        for i, (c, n) in enumerate(zip(line.cells, norm_cells)):
            ms = find_labels(n, measures)
            if ms:
                found.append((ms[0].label.id, c.text))
                positions.setdefault(ms[0].label.id, i)
        if found:
            settle()
            st.header_open = False
            set_header(found, (len(line.cells), positions))
            if data_row is None:
                continue
            line = data_row
        last, matches = label_cell(line, items)
        if last < 0 or not matches:
            if last < 0 and st.pending and line.cells and not any(
                    normalize_label(c.text) and not is_value_text(c.text) for c in line.cells):
                # the values row of a waiting label (numbers, dashes or blank cells: no label of its own)
                item_row(st.pending.pop()[0], list(line.cells), line, None, detached=True)
            continue
        settle()
        item_row(matches[-1].label, list(line.cells[last + 1:]), line, None, last)
    settle()
    return out


def _block_pattern(starts) -> re.Pattern:
    return re.compile("|".join(p.pattern for p in starts) + "|信息内容")


def _label_crosses(text: str, junction: int, items) -> bool:
    """Whether an item label found in ``text`` spans the junction of two joined fragments."""
    norm, idx = norm_map(text)
    return any(idx[m.start] < junction <= idx[m.end - 1] for m in find_labels(norm, items))


def _split_header_and_data(line: Line) -> tuple[Line | None, Line | None]:
    """A header row merged with its first data row (no rule between them: `信息内容⏎行政事业性收费 |
    上一年项目数量⏎0 | …`) as (header line, data line); (None, None) for any other row."""
    first = line.cells[0].text.split("\n") if line.cells else []
    if len(first) < 2 or normalize_label(first[0]) != "信息内容":
        return None, None
    top, bottom = [], []
    for c in line.cells:
        parts = [p for p in c.text.split("\n") if p.strip()]
        if len(parts) < 2:
            return None, None
        top.append(LCell("".join(parts[:-1]), c.ref, c.page, c.bbox, c.starts_here, c.col, c.span))
        bottom.append(LCell(parts[-1], c.ref, c.page, c.bbox, c.starts_here, c.col, c.span))
    if not all(is_value_text(c.text) for c in bottom[1:]):
        return None, None
    return (Line(tuple(top), False, line.inferred, line.index), Line(tuple(bottom), False, line.inferred, line.index))


def apply_unit(v: Value, header: str) -> Value:
    """The measure's unit; money converted to 万元 from the unit printed in the cell or the header."""
    m = table(T).column(v.col)
    flags = list(v.flags)
    if m.kind != "money":
        if v.unit not in (None, m.unit, "件", "项", "个", "条"):
            flags.append("unit_unexpected")
        return replace(v, unit=m.unit, flags=tuple(flags))
    factors = units()
    hn = normalize_label(header)
    if v.unit in factors:
        factor = factors[v.unit]
        if factor != 1:
            flags.append("unit_converted")
    elif "万元" in hn:
        factor = 1.0
    elif re.search(r"\(元\)|单位:元|（元）", hn):
        factor = factors["元"]
        flags.append("unit_converted")
    elif v.col == "fee_amount":
        factor = 1.0  # the gb2021 template prints （单位：万元）
    else:
        factor = 1.0
        if not v.missing:
            flags.append("unit_assumed")
    value = round(v.value * factor, 8) if not v.missing else v.value
    return replace(v, value=value, unit="万元", flags=tuple(flags))
