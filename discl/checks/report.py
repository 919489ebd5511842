"""Per-report rules: the template identities of tables 三 and 四 (T3-R1..R3, T4-R1..R3, from
``templates.identities()``), the bound T3-R5, the cell rules T3-R4, T4-R4, T2-R1 and the soft rules
T2-S1, T2-S2 of table 二.

>>> import pandas as pd
>>> from discl.checks.cells import index_cells
>>> cells = index_cells(pd.DataFrame({"report_id": "r", "table": "review_litigation", "row": "admin_review",
...     "col": ["upheld", "corrected", "other", "pending", "total"],
...     "value": [9.0, float("nan"), 0.0, 1.0, 9.0], "flags": ["", "blank", "", "", ""]}))["r"]
>>> out = Issues()
>>> check_report(out, "r", cells, None)
>>> out.frame().loc[lambda f: f.severity == "error", ["rule", "expected", "actual"]].values.tolist()
[['T4-R1', 10.0, 9.0]]
"""
from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from .. import templates
from ..templates import Identity, Instance
from .cells import EXTRACTION_FLAGS, EPS, Key, Operands, ReportCells, differs, is_int, tolerance_of
from .issues import Issues
from .rules import T2_KIND_TEXT

__all__ = ["check_report", "report_template"]

_REQUESTS, _REVIEW, _PROACTIVE = "requests", "review_litigation", "proactive"


def report_template(template: str | None, cells: ReportCells) -> str | None:
    """``template`` when it is a known template id, else the one the report's cells point to (or None)."""
    if template in templates.TEMPLATE_IDS:
        return template
    return templates.template_of_keys(cells.cells)


def check_report(out: Issues, rid: str, cells: ReportCells, template: str | None) -> None:
    """Every per-report rule on the tables the report has (a table absent gives no finding)."""
    template = report_template(template, cells)
    if _REQUESTS in cells.tables:
        _check_requests(out, rid, cells, template)
    if _REVIEW in cells.tables:
        _check_identities(out, rid, cells, template, _REVIEW)
        _check_nonneg_int(out, rid, cells, "T4-R4", _REVIEW)
    if _PROACTIVE in cells.tables:
        _check_proactive(out, rid, cells)


# ---------------------------------------------------------------------------------------------
# identities


class _Equation(NamedTuple):
    """One instance of an identity with its cells as (table, row, col) and where it is reported."""

    rule: str
    table: str
    per: str | None
    parts: tuple[Key, ...]
    totals: tuple[Key, ...]
    row: str | None
    col: str | None
    forms: str  # which form of each grouped row the parts count (for the message)


@lru_cache(maxsize=None)
def _grouped_rows(table: str) -> tuple[str, ...]:
    """Rows printed either as one row or as sub-rows ``row.*`` (gb2019 vs gb2021 （六）其他处理)."""
    ids = [r.id for r in templates.table(table).all_rows]
    return tuple(r for r in ids if any(s.startswith(r + ".") for s in ids))


def _equation(ident: Identity, inst: Instance) -> _Equation:
    t = ident.table
    # reported on the instance's own row/col, else on that of its single total cell
    row = inst.row if inst.row is not None else inst.totals[0][0] if len(inst.totals) == 1 else None
    col = inst.col if inst.col is not None else inst.totals[0][1] if len(inst.totals) == 1 else None
    forms = ""
    if ident.per == "col":
        rows = [r for r, _ in inst.parts]
        forms = "; ".join("+".join(r for r in rows if r == g or r.startswith(g + ".")) for g in _grouped_rows(t))
    return _Equation(ident.id, t, ident.per, tuple((t, r, c) for r, c in inst.parts),
                     tuple((t, r, c) for r, c in inst.totals), row, col, forms)


@lru_cache(maxsize=256)
def _equations(identity_id: str, template: str | None, rows: tuple[str, ...]) -> tuple[_Equation, ...]:
    # reports of one layout share their rows: the equations are built once per layout
    ident = templates.identity(identity_id)
    return tuple(_equation(ident, inst) for inst in ident.instances(template, rows))


def _check_sum(out: Issues, rid: str, cells: ReportCells, eq: _Equation) -> None:
    """sum(parts) == sum(totals) (expected = parts, actual = totals), with the blank policy.

    With cells missing the instance is still decided when the known cells prove it broken
    (:meth:`ReportCells.excess`); otherwise it is skipped with the reason."""
    keys = eq.parts + eq.totals
    ops = cells.resolve(keys)
    if ops.skip:
        excess = cells.excess(eq.parts, eq.totals, tolerance_of(cells, keys))
        if excess is None:
            out.skipped(rid, eq.rule, eq.table, eq.row, eq.col, ops)
        else:
            out.exceeded(rid, eq.rule, eq.table, eq.row, eq.col, excess, "row" if eq.per == "col" else "col")
        return
    expected = sum(ops.values[: len(eq.parts)])
    actual = sum(ops.values[len(eq.parts):])
    if differs(expected, actual, tolerance_of(cells, keys)):
        out.finding(rid, eq.rule, eq.table, eq.row, eq.col, expected, actual, eq.forms, ops.imputed)


def _row_equations(ident: Identity, cells: ReportCells, template: str | None) -> tuple[_Equation, ...]:
    """The equations of a per-row or one-row identity the report's layout can be checked on."""
    eqs = _equations(ident.id, template, tuple(cells.rows(ident.table)))
    if ident.per == "row" and eqs:
        # an identity over every row needs the layout to print its columns (e.g. only 总计 printed:
        # nothing to compare); an identity of one named row is expected in every report
        part_cols = {c for _, _, c in eqs[0].parts}
        total_cols = {c for _, _, c in eqs[0].totals}
        if not (any(cells.has_col(ident.table, c) for c in part_cols)
                and all(cells.has_col(ident.table, c) for c in total_cols)):
            return ()
    return eqs


def _check_identities(out: Issues, rid: str, cells: ReportCells, template: str | None, table: str,
                      after_column: Callable[[str], None] | None = None) -> None:
    """Every identity of ``table``: those per column column by column (then ``after_column(c)``), the
    others row by row."""
    idents = [i for i in templates.identities() if i.table == table]
    rows = tuple(cells.rows(table))
    per_col = {i.id: {eq.col: eq for eq in _equations(i.id, template, rows)} for i in idents if i.per == "col"}
    if per_col or after_column:
        for c in templates.table(table).columns():
            if not cells.has_col(table, c.id):
                continue  # a layout without this column (e.g. only 总计 printed): nothing to compare
            for by_col in per_col.values():
                _check_sum(out, rid, cells, by_col[c.id])
            if after_column:
                after_column(c.id)
    for ident in idents:
        if ident.per != "col":
            for eq in _row_equations(ident, cells, template):
                _check_sum(out, rid, cells, eq)


def _check_requests(out: Issues, rid: str, cells: ReportCells, template: str | None) -> None:
    t = templates.table(_REQUESTS)
    inflow = [r.id for r in t.rows_with_role("inflow")]
    outflow = [r.id for r in t.rows_with_role("outflow")]

    def t3_r5(c: str) -> None:
        # each outflow row is bounded by the inflow (new + carried over)
        for r in outflow:
            ops = cells.resolve([(_REQUESTS, x, c) for x in inflow] + [(_REQUESTS, r, c)])
            if ops.skip:
                out.skipped(rid, "T3-R5", _REQUESTS, r, c, ops)
                continue
            bound, actual = sum(ops.values[:-1]), ops.values[-1]
            if actual > bound + EPS:
                out.finding(rid, "T3-R5", _REQUESTS, r, c, bound, actual, imputed=ops.imputed)

    _check_identities(out, rid, cells, template, _REQUESTS, after_column=t3_r5)
    _check_nonneg_int(out, rid, cells, "T3-R4", _REQUESTS)


# ---------------------------------------------------------------------------------------------
# cell rules


def _check_nonneg_int(out: Issues, rid: str, cells: ReportCells, rule: str, table: str) -> None:
    for key, cell in cells.cells.items():
        if key[0] != table:
            continue
        if cell.flags & EXTRACTION_FLAGS:
            out.skipped(rid, rule, table, key[1], key[2], Operands(skip="skipped_extraction", skip_keys=(key,)))
        elif not math.isnan(cell.value) and (cell.value < 0 or not is_int(cell.value)):
            out.finding(rid, rule, table, key[1], key[2], math.nan, cell.value)


def _valid(kind: str, v: float) -> bool:
    if kind == "count":
        return v >= 0 and is_int(v)
    if kind == "signed":
        return is_int(v)
    if kind == "money":
        return v >= 0
    return True


#: T2-S1 / T2-S2: the lower and the upper measure of one item
_T2_SOFT = (("T2-S1", "new_published", "total_published"), ("T2-S2", "issued", "in_force"))


def _check_proactive(out: Issues, rid: str, cells: ReportCells) -> None:
    t = _PROACTIVE
    kinds = {c.id: c.kind for c in templates.table(t).columns()}
    for key, cell in cells.cells.items():
        if key[0] != t or key[2] not in kinds:
            continue
        kind = kinds[key[2]]
        if cell.flags & EXTRACTION_FLAGS:
            out.skipped(rid, "T2-R1", t, key[1], key[2], Operands(skip="skipped_extraction", skip_keys=(key,)))
        elif not math.isnan(cell.value) and not _valid(kind, cell.value):
            out.finding(rid, "T2-R1", t, key[1], key[2], math.nan, cell.value,
                        detail=f"{T2_KIND_TEXT[kind][1]} / {T2_KIND_TEXT[kind][0]}")
    # soft rules: evaluated wherever both measures were extracted (gb2019: S1, gb2021: S2), which
    # also covers reports mixing the two layouts
    for rule, lower, upper in _T2_SOFT:
        for item in cells.rows(t):
            keys = [(t, item, lower), (t, item, upper)]
            if not (cells.has(keys[0]) and cells.has(keys[1])):
                continue
            ops = cells.resolve(keys)
            if ops.skip:
                out.skipped(rid, rule, t, item, upper, ops)
            elif ops.values[1] < ops.values[0] - EPS:
                out.finding(rid, rule, t, item, upper, ops.values[0], ops.values[1])

