"""The cells of one report and the operand policy: which cells a rule may use, and as what.

Blank policy (spec ``checks.blank_policy``): a blank applicant cell of table 三 may count as 0 (the
finding then says ``imputed_zero``); a blank ``total`` cell is never imputed, the rule instance is
skipped with an ``info`` issue saying ``skipped_blank_total``. A cell the extraction could not read
(flag ``ambiguous`` / ``unreadable``) is never used: the instance is skipped with an ``info`` issue, so
an extraction problem is never reported as an error of the report, nor hidden by one.

A sum rule with missing cells is still decided when they cannot matter (:meth:`ReportCells.excess`):
every count is >= 0, so when one side is fully known and the known cells of the other side already
exceed it, the report contradicts itself whatever the missing cells hold. A cell the extraction could
not read is missing there too, never counted.

>>> import pandas as pd
>>> values = pd.DataFrame({"report_id": "r", "table": "requests", "row": "granted",
...     "col": ["natural_person", "commercial", "total"], "value": [3.0, float("nan"), 3.0],
...     "flags": ["", "blank", ""]})
>>> cells = index_cells(values)["r"]
>>> ops = cells.resolve([("requests", "granted", "natural_person"), ("requests", "granted", "commercial")])
>>> ops.values, ops.imputed
((3.0, 0.0), (('requests', 'granted', 'commercial'),))
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd

from .. import templates
from .rules import SKIP_PRIORITY, TOLERANCE

__all__ = ["BLANK_FLAG", "EPS", "EXTRACTION_FLAGS", "Cell", "Excess", "Key", "Operands", "ReportCells", "TOTAL",
           "differs", "index_cells", "is_int", "tolerance_of"]

Key = tuple[str, str, str]  # (table, row, col)

#: the column id of 总计 in tables 三 and 四 (the templates use the same id in both)
TOTAL = templates.table("requests").columns_with_role("total")[0].id
#: flags by which the extraction says it could not read a cell; such cells are never used
EXTRACTION_FLAGS = frozenset({"ambiguous", "unreadable"})
BLANK_FLAG = "blank"
#: the tables whose blank (non-total) cells count as 0: S1 and E15 print blanks for zero in table 三
IMPUTING_TABLES = frozenset({"requests"})
#: tiny slack so that float sums of integers compare exactly
EPS = 1e-9


@dataclass(frozen=True)
class Cell:
    value: float
    flags: frozenset[str]
    unit: str


@dataclass(frozen=True)
class Operands:
    """Values of a rule instance's cells, or why the instance cannot be evaluated."""

    values: tuple[float, ...] = ()
    imputed: tuple[Key, ...] = ()
    skip: str | None = None
    skip_keys: tuple[Key, ...] = ()


@dataclass(frozen=True)
class Excess:
    """Proof that ``sum(parts) == sum(totals)`` fails whatever the missing cells hold (all counts >= 0).

    ``side`` ('parts' or 'totals') has missing cells, yet its known cells sum to more than the other,
    fully known, side. ``parts`` / ``totals`` are the sums of the known cells of each side.
    """

    side: str
    parts: float
    totals: float
    missing: tuple[tuple[Key, str], ...]  # cell and why it is missing (a key of rules.MISSING_STATES)
    imputed: tuple[Key, ...]


@lru_cache(maxsize=1024)
def _parse_flags(raw: Any) -> frozenset[str]:
    if not isinstance(raw, str):
        return frozenset()
    return frozenset(f.strip() for f in raw.split(",") if f.strip())


class ReportCells:
    """Lookup (table, row, col) -> cell for one report."""

    def __init__(self, cells: dict[Key, Cell]):
        self.cells = cells
        self.tables = {k[0] for k in cells}
        # rows in first-seen order and column sets, per table (asked for many times per rule)
        self._rows: dict[str, dict[str, None]] = {}
        self._cols: dict[str, set[str]] = {}
        for t, r, c in cells:
            self._rows.setdefault(t, {}).setdefault(r, None)
            self._cols.setdefault(t, set()).add(c)

    def has(self, key: Key) -> bool:
        return key in self.cells

    def rows(self, table: str) -> list[str]:
        return list(self._rows.get(table, {}))

    def has_col(self, table: str, col: str) -> bool:
        return col in self._cols.get(table, set())

    def _use(self, key: Key) -> tuple[float | None, str | None, bool]:
        """(value, None, imputed) when a rule may use ``key``, else (None, skip reason, False)."""
        cell = self.cells.get(key)
        if cell is None:
            return None, "skipped_absent_cell", False
        if cell.flags & EXTRACTION_FLAGS:
            # even a value is not trusted: the extractor said it may be wrong
            return None, "skipped_extraction", False
        if not math.isnan(cell.value):
            return cell.value, None, False
        if key[2] == TOTAL:
            return None, ("skipped_blank_total" if BLANK_FLAG in cell.flags else "skipped_missing_value"), False
        if BLANK_FLAG in cell.flags and key[0] in IMPUTING_TABLES:
            # spec blank_policy: a blank applicant cell of table 三 means 0 (S1 and E15 print blanks for
            # zero); a dash or slash is not imputed because it may mean "not applicable"
            return 0.0, None, True
        return None, "skipped_missing_value", False

    def resolve(self, keys: Iterable[Key]) -> Operands:
        """Apply the blank policy to the cells a rule instance needs."""
        values: list[float] = []
        imputed: list[Key] = []
        problems: dict[str, list[Key]] = {}
        for key in keys:
            value, reason, zero = self._use(key)
            if reason:
                problems.setdefault(reason, []).append(key)
                continue
            values.append(value)
            if zero:
                imputed.append(key)
        if problems:
            reason = next(r for r in SKIP_PRIORITY if r in problems)
            return Operands(skip=reason, skip_keys=tuple(problems[reason]))
        return Operands(values=tuple(values), imputed=tuple(imputed))

    def missing_state(self, key: Key) -> str:
        """Why ``key`` gives no operand, as a key of ``rules.MISSING_STATES``."""
        cell = self.cells.get(key)
        if cell is None:
            return "absent"
        if cell.flags & EXTRACTION_FLAGS:
            return "extraction"
        return next((f for f in ("blank", "dash", "slash") if f in cell.flags), "none")

    def excess(self, parts: Sequence[Key], totals: Sequence[Key], tol: float) -> Excess | None:
        """The proof that ``sum(parts) == sum(totals)`` cannot hold although some cells are missing, or None.

        Cells the extraction could not read are missing, never known; a blank the policy counts as 0 is
        known. The proof needs one side fully known and the other side's known cells above it by more
        than ``tol``.

        >>> import pandas as pd
        >>> row = [("upheld", 9.0, ""), ("corrected", float("nan"), "blank"), ("pending", 1.0, ""), ("total", 9.0, "")]
        >>> cells = index_cells(pd.DataFrame({"report_id": "r", "table": "review_litigation",
        ...     "row": "admin_review", "col": [c for c, _, _ in row], "value": [v for _, v, _ in row],
        ...     "flags": [f for _, _, f in row]}))["r"]
        >>> keys = [("review_litigation", "admin_review", c) for c, _, _ in row]
        >>> e = cells.excess(keys[:3], keys[3:], 0.0)
        >>> e.side, e.parts, e.totals, e.missing
        ('parts', 10.0, 9.0, ((('review_litigation', 'admin_review', 'corrected'), 'blank'),))
        >>> cells.excess(keys[1:3], keys[3:], 0.0) is None  # 1 known: 结果纠正 may be 8
        True
        """
        sides = {}
        for name, keys in (("parts", parts), ("totals", totals)):
            known, missing, imputed = 0.0, [], []
            for key in keys:
                value, _, zero = self._use(key)
                if value is None:
                    missing.append((key, self.missing_state(key)))
                    continue
                known += value
                if zero:
                    imputed.append(key)
            sides[name] = (known, missing, imputed)
        (p, p_missing, p_imp), (t, t_missing, t_imp) = sides["parts"], sides["totals"]
        imputed = tuple(p_imp + t_imp)
        if p_missing and not t_missing and p > t + tol + EPS:
            return Excess("parts", p, t, tuple(p_missing), imputed)
        if t_missing and not p_missing and t > p + tol + EPS:
            return Excess("totals", p, t, tuple(t_missing), imputed)
        return None


def index_cells(values: pd.DataFrame) -> dict[str, ReportCells]:
    """Group the long table by report into lookups (without touching ``values``)."""
    needed = ["report_id", "table", "row", "col", "value", "flags"]
    missing = [c for c in needed if c not in values.columns]
    if missing:
        raise ValueError(f"values is missing column(s) {missing}")
    nums = pd.to_numeric(values["value"], errors="coerce").astype(float).tolist()
    units = values["unit"].tolist() if "unit" in values.columns else [""] * len(values)
    # plain lists: iterating Arrow-backed string columns element by element is slow
    columns = [values[c].tolist() for c in ("report_id", "table", "row", "col", "flags")]
    by_report: dict[str, dict[Key, Cell]] = {}
    for rid, table, row, col, flags, value, unit in zip(*columns, nums, units):
        key: Key = (str(table), str(row), str(col))
        cell = Cell(float(value), _parse_flags(flags), unit if isinstance(unit, str) else "")
        cells = by_report.setdefault(str(rid), {})
        old = cells.get(key)
        if old is not None and not _same_value(old.value, cell.value):
            # the same cell extracted twice with different numbers (e.g. a repeated header across a
            # page break): neither can be trusted
            cell = Cell(old.value, old.flags | {"ambiguous"}, old.unit)
        elif old is not None:
            continue
        cells[key] = cell
    return {rid: ReportCells(c) for rid, c in by_report.items()}


def _same_value(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def tolerance_of(cells: ReportCells, keys: Iterable[Key]) -> float:
    """Money (万元) compares to 0.01, counts exactly."""
    units = {cells.cells[k].unit for k in keys if k in cells.cells}
    return TOLERANCE["money_wan_yuan"] if "万元" in units else TOLERANCE["counts"]


def differs(a: float, b: float, tol: float) -> bool:
    """``|a - b| > tol`` up to float noise.

    >>> differs(0.1 + 0.2, 0.3, 0.0), differs(3.0, 4.0, 0.0)
    (False, True)
    """
    return abs(a - b) > tol + EPS


def is_int(v: float) -> bool:
    return abs(v - round(v)) <= EPS
