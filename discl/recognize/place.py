"""Placing the value cells of one row onto column ids: by count, by the row's own arithmetic, or not at all.

Cells whose boundaries a text extraction lost are cut only where the template's identities admit one
reading (:mod:`discl.split`); anything else stays missing with the flag ``ambiguous``.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..cells import clean_cell_text, parse_cell
from ..split import keys_check, readings, split_run
from ..templates import table
from .lines import LCell, Line, tokens
from .model import Alternatives, Note, Value


def make_value(table: str, row: str, col: str, cell: LCell, raw: str, flags: tuple[str, ...], line: Line,
               copy: int = 0) -> Value:
    p = parse_cell(raw)
    out = list(p.flags) + list(flags)
    if line.inferred:
        out.append("low_confidence")
    if not cell.starts_here:
        out.append("merged_cell")
    printed = cell.raw if (cell.raw is not None and raw == cell.text) else raw
    unit = p.unit or _table_unit(table)
    return Value(table, row, col, printed, p.value, unit, tuple(dict.fromkeys(out)), cell.page, cell.ref,
                 cell.bbox, copy, line.index)


def _table_unit(table_id: str) -> str | None:
    """The unit a cell has when it prints none (件 in tables 三 and 四; table 二's come per measure)."""
    return table(table_id).unit


def missing_value(table: str, row: str, col: str, cell: LCell | None, raw: str, flag: str, copy: int = 0,
                  line: int = -1) -> Value:
    return Value(table, row, col, raw, float("nan"), _table_unit(table), (flag,), cell.page if cell else None,
                 cell.ref if cell else "", cell.bbox if cell else None, copy, line)


@dataclass
class Placed:
    values: list[Value] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    alternatives: list[Alternatives] = field(default_factory=list)


def value_cells(cells: list[LCell], n: int, check, prefs: dict) -> tuple[list[LCell] | None, bool]:
    """The ``n`` value cells of a table row; (None, _) when they cannot be placed for sure.

    Text and Markdown tables carry extra empty fields (a merged label's columns, a trailing tab), so a
    row may have more fields than values. Only empty fields may be dropped; among the placements left,
    the row's own arithmetic decides, then the placement the same table used for rows of this width.
    The flag says whether the placement had to be inferred.
    """
    if len(cells) == n:
        return list(cells), False
    if len(cells) < n:
        return None, False
    extra = len(cells) - n
    cands = []
    for o in range(extra + 1):
        dropped = cells[:o] + cells[o + n:]
        if all(not clean_cell_text(c.text) for c in dropped):
            cands.append(o)
    if not cands:
        return None, False
    texts = {o: [clean_cell_text(c.text) for c in cells[o:o + n]] for o in cands}
    if len({tuple(t) for t in texts.values()}) == 1:
        return cells[cands[0]:cands[0] + n], False
    states = {o: _state(texts[o], check) for o in cands}
    verified = [o for o in cands if states[o] is True]
    open_ = [o for o in cands if states[o] is None]
    key = (cells[0].ref.split(":")[0], len(cells))
    if len(verified) == 1:
        prefs[key] = verified[0]
        return cells[verified[0]:verified[0] + n], False
    pool = verified or open_
    if len(pool) == 1:
        return cells[pool[0]:pool[0] + n], True
    if prefs.get(key) in pool:
        return cells[prefs[key]:prefs[key] + n], True
    return None, False


def _state(texts: list[str], check) -> bool | None:
    if check is None:
        return None
    vals = [parse_cell(t) for t in texts]
    if any("unreadable" in v.flags for v in vals):
        return False
    return check.state([None if v.missing else v.value for v in vals])


def place_row(table: str, keys: list[tuple[str, str]], cells: list[LCell], line: Line, prefs: dict,
              tokens_text: str | None = None, flags: tuple[str, ...] = (), copy: int = 0) -> Placed:
    """Map the value cells (or the text ``tokens_text``) of one row onto ``keys`` ((row, col) ids, left
    to right); split run-together digits or flag when the count does not fit."""
    out = Placed()
    n = len(keys)
    check = keys_check(table, keys)
    if tokens_text is not None:
        toks = tokens(tokens_text)
        if len(toks) == n:
            # one token per cell: each is what it is (a token that is not a number is missing, flagged;
            # its neighbours keep their places)
            for (row, col), t in zip(keys, toks):
                out.values.append(make_value(table, row, col, line.cells[0], t, flags, line, copy))
            return out
        direct, inferred = None, False
    else:
        direct, inferred = value_cells(cells, n, check, prefs)
    if direct is not None:
        extra = flags + (("position_inferred",) if inferred else ())
        for (row, col), c in zip(keys, direct):
            out.values.append(make_value(table, row, col, c, c.text, extra, line, copy))
        return out
    # cells run together or missing: only arithmetic may cut them
    src = cells if tokens_text is None else [LCell(tokens_text, line.cells[0].ref, line.cells[0].page,
                                                   line.cells[0].bbox)]
    raw_tokens = [t for c in src for t in tokens(c.text)]
    anchor = src[0] if src else line.cells[0]
    raw = " ".join(raw_tokens)
    label = keys[0][0] if len({r for r, _ in keys}) == 1 else ""
    parts, count = split_run(raw_tokens, n, check)
    if count == 0:
        why = ("no reading of the run-together digits satisfies the row's arithmetic"
               if raw_tokens and all(t.isdigit() for t in raw_tokens) else f"{len(raw_tokens)} cells where the "
               f"template has {n}")
        out.notes.append(Note("read.ambiguous", "warning", table, label,
                              f"cells of row {label or table} could not be placed ({why}); raw text: {raw!r}"))
    for (row, col), p in zip(keys, parts):
        if p is None:
            out.values.append(missing_value(table, row, col, anchor, raw, "ambiguous", copy, line.index))
        else:
            v = make_value(table, row, col, anchor, p, flags + ("split",), line, copy)
            out.values.append(replace(v, raw=raw))
    if count and any(p is None for p in parts):
        out.notes.append(Note("read.ambiguous", "warning", table, label,
                              f"row {label or table}: the run-together digits {raw!r} admit {count} readings; "
                              "cells that differ between readings are left missing"))
        alts = readings(raw_tokens, n, check)
        if alts and label:
            out.alternatives.append(Alternatives(table, label, tuple(c for _, c in keys),
                                                 tuple(tuple(a) for a in alts), copy))
    return out
