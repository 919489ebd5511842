"""Choosing among the readings of run-together table-三 rows with the column identities."""
from __future__ import annotations

import itertools
from dataclasses import replace

from ..templates import identity
from .model import Note, TableRead, Value

_MAX_COMBINATIONS = 20_000
_COLUMN_RULES = ("T3-R1", "T3-R2")  # per column: 一+二 = (七)+四, and the outcomes sum to (七)


def resolve_by_columns(read: TableRead, template: str | None = None) -> TableRead:
    """A new read where ambiguous rows are cut by the one combination of readings that the column
    identities admit (T3-R1 and T3-R2 in every column whose cells are all known); otherwise unchanged.
    """
    alts = [a for a in read.alternatives if a.table == "requests"]
    if not alts:
        return read
    n_comb = 1
    for a in alts:
        n_comb *= len(a.readings)
    if n_comb > _MAX_COMBINATIONS:
        return read
    known: dict[tuple[str, str], float] = {}
    present: set[str] = set()
    for v in read.values:
        if v.table == "requests":
            present.add(v.row)
            if not v.missing:
                known[(v.row, v.col)] = v.value
    equations = [inst for rule in _COLUMN_RULES for inst in identity(rule).instances(template, present)]
    # an equation may use only rows the table printed (a layout without a row cannot be checked on it)
    equations = [e for e in equations if all(r in present for r, _ in e.parts + e.totals)]
    alt_rows = {a.row for a in alts}

    def ok(assign: dict[tuple[str, str], float]) -> bool:
        checked = False
        for e in equations:
            cells = [assign.get(k, known.get(k)) for k in e.parts + e.totals]
            if None in cells:
                continue
            if sum(cells[: len(e.parts)]) != sum(cells[len(e.parts):]):
                return False
            checked = checked or any(r in alt_rows for r, _ in e.parts + e.totals)
        return checked

    winners = []
    for combo in itertools.product(*(a.readings for a in alts)):
        assign = {(a.row, c): float(x) for a, reading in zip(alts, combo) for c, x in zip(a.cols, reading)}
        if ok(assign):
            winners.append(combo)
            if len(winners) > 1:
                return read
    if len(winners) != 1:
        return read
    chosen = {(a.row, c): float(x) for a, reading in zip(alts, winners[0]) for c, x in zip(a.cols, reading)}
    values: list[Value] = []
    for v in read.values:
        if v.table == "requests" and (v.row, v.col) in chosen and v.missing:
            flags = tuple(f for f in v.flags if f != "ambiguous") + ("split", "split_by_columns")
            v = replace(v, value=chosen[(v.row, v.col)], flags=flags)
        values.append(v)
    resolved = {a.row for a in alts}
    notes = [n for n in read.notes if not (n.rule == "read.ambiguous" and n.row in resolved and "admit" in n.message)]
    notes += [Note("read.split_by_columns", "info", "requests", a.row,
                   f"row {a.row}: of {len(a.readings)} readings of the run-together digits, only one satisfies the "
                   "column identities (一+二=三+四, outcomes sum to (七)总计); it was used") for a in alts]
    return TableRead(read.table, values, notes, [], dict(read.copies))

