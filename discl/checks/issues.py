"""Issue construction: one row of the ``issues`` table per finding or skipped rule instance.

>>> out = Issues()
>>> out.finding("r1", "T4-R1", "review_litigation", "admin_review", "total", 3.0, 4.0)
>>> out.frame()[["rule", "severity", "expected", "actual"]].values.tolist()
[['T4-R1', 'error', 3.0, 4.0]]
>>> out.frame().message.iloc[0]
'行政复议：结果维持+结果纠正+其他结果+尚未审结=3，与总计=4不一致'
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

from .. import templates
from ..schema import ISSUE_COLUMNS
from .cells import Excess, Key, Operands
from .rules import EXCESS, EXCESS_NOTE, IMPUTED_NOTE, MISSING_STATES, RULES, SKIP_REASONS

__all__ = ["Issues", "fmt", "pct"]

#: the numerals of the sections that are not a table (Y-TEXT names them: 第一部分)
_LEGACY = templates.legacy()
_SECTION_NUMERALS = {s.id: s.numeral for s in templates.sections() if s.table is None}


def fmt(x: float) -> str:
    """A number as printed in a message.

    >>> fmt(3.0), fmt(0.125), fmt(float("nan"))
    ('3', '0.125', '—')
    """
    if isinstance(x, float) and math.isnan(x):
        return "—"
    if float(x).is_integer():
        return str(int(x))
    return f"{x:.4f}".rstrip("0").rstrip(".")


def pct(x: float) -> str:
    """A share (0–1) as printed in a message: a whole percentage, or one decimal below 1 %.

    >>> pct(1.0), pct(0.4567), pct(0.004), pct(float("nan"))
    ('100%', '46%', '0.4%', '—')
    """
    if isinstance(x, float) and math.isnan(x):
        return "—"
    return f"{x:.1%}" if 0 < x < 0.01 else f"{x:.0%}"


def _cells_text(keys: Iterable[Key]) -> str:
    return ", ".join(f"{r}/{c}" for _, r, c in keys)


def _zh(table: str | None, axis: str, id_: str | None) -> str | None:
    """The template's Chinese label of a row/col id (the id itself when unknown)."""
    if id_ is None:
        return id_
    if table == _LEGACY.table:  # the pre-2019 统计表
        return _LEGACY.label(axis, id_)
    if table not in templates.TABLE_IDS:
        return id_
    return templates.zh_label(table, axis, id_)


class Issues:
    """Collects issue rows; messages come from the rule data (:mod:`discl.checks.rules`)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    @staticmethod
    def _context(table: str | None, row: str | None, col: str | None, detail: str) -> dict[str, Any]:
        return {"row": row, "col": col,
                "row_zh": _SECTION_NUMERALS.get(row or "") or _zh(table, "row", row),
                "col_zh": _zh(table, "col", col), "detail": detail}

    def finding(self, report_id: str, rule: str, table: str | None, row: str | None, col: str | None,
                expected: float, actual: float, detail: str = "", imputed: Iterable[Key] = (),
                severity: str | None = None) -> None:
        spec = RULES[rule]
        ctx = {**self._context(table, row, col, detail), "expected": fmt(expected), "actual": fmt(actual),
               "actual_pct": pct(actual)}
        zh, en = spec["zh"].format(**ctx), spec["en"].format(**ctx)
        zh, en = self._imputed(zh, en, imputed)
        self._add(report_id, rule, severity or spec["severity"], table, row, col, expected, actual, zh, en)

    def exceeded(self, report_id: str, rule: str, table: str, row: str | None, col: str | None,
                 excess: Excess, varying: str) -> None:
        """A sum rule proven broken by its known cells although some are missing (expected/actual: the
        known sums of parts/totals). ``varying`` ('row' or 'col') is the axis along which the rule's cells
        lie: the Chinese message names a missing cell by its label on that axis."""
        names = EXCESS[rule]
        ctx = self._context(table, row, col, "")
        other = "totals" if excess.side == "parts" else "parts"
        known, full = (excess.parts, excess.totals) if excess.side == "parts" else (excess.totals, excess.parts)
        missing = ("、".join(f"{_zh(t, varying, r if varying == 'row' else c)} {MISSING_STATES[state][0]}"
                            for (t, r, c), state in excess.missing),
                   ", ".join(f"{r}/{c} {MISSING_STATES[state][1]}" for (_, r, c), state in excess.missing))
        zh, en = [EXCESS_NOTE[lang].format(where=names["where"][i].format(**ctx), side=names[excess.side][i],
                                           other=names[other][i], known=fmt(known), full=fmt(full),
                                           missing=missing[i])
                  for i, lang in enumerate(("zh", "en"))]
        zh, en = self._imputed(zh, en, excess.imputed)
        self._add(report_id, rule, RULES[rule]["severity"], table, row, col, excess.parts, excess.totals, zh, en)

    @staticmethod
    def _imputed(zh: str, en: str, imputed: Iterable[Key]) -> tuple[str, str]:
        imputed = tuple(imputed)
        if imputed:
            zh += IMPUTED_NOTE["zh"].format(cells=_cells_text(imputed))
            en += IMPUTED_NOTE["en"].format(cells=_cells_text(imputed))
        return zh, en

    def skipped(self, report_id: str, rule: str, table: str, row: str | None, col: str | None,
                ops: Operands) -> None:
        assert ops.skip is not None
        text = SKIP_REASONS[ops.skip]
        cells = _cells_text(ops.skip_keys)
        self._add(report_id, rule, "info", table, row, col, math.nan, math.nan,
                  f"{rule} " + text["zh"].format(cells=cells), f"{rule} " + text["en"].format(cells=cells))

    def _add(self, report_id: str, rule: str, severity: str, table: str | None, row: str | None,
             col: str | None, expected: float, actual: float, zh: str, en: str) -> None:
        self.rows.append({
            "report_id": report_id, "rule": rule, "severity": severity, "table": table or None,
            "row": row, "col": col, "expected": float(expected), "actual": float(actual),
            "message": zh, "message_en": en,
        })

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=ISSUE_COLUMNS)
        df["expected"] = df["expected"].astype(float)
        df["actual"] = df["actual"].astype(float)
        return df
