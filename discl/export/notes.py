"""What to say about a cell: the findings and extraction flags behind each value cell, for highlighting.

>>> FLOW_ROWS
('new_received', 'carried_over', 'total_processed', 'carried_forward')
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from .. import templates
from ..schema import split_flags
from .records import Key, records, text_of

__all__ = ["ATTENTION_FLAGS", "COLUMN_RULE_ROWS", "FLOW_ROWS", "MARK_ORDER", "NOTE_FLAGS", "CellNotes", "Mark"]

#: Strongest first: a cell gets the fill of its most severe mark.
MARK_ORDER = ("error", "warning", "flag", "note")

#: Extraction flags that make a cell worth a second look (fill + comment).
ATTENTION_FLAGS = frozenset({"ambiguous", "unreadable", "low_confidence", "label_fuzzy", "unit_assumed"})
#: Flags worth a comment only (the printed text explains the number, e.g. 251000元 → 25.1 万元).
NOTE_FLAGS = frozenset({"unit_converted"})

#: Table 三 rows that are flows (本年新收, 上年结转 in; （七）总计, 结转下年度 out), not outcomes.
FLOW_ROWS: tuple[str, ...] = tuple(r.id for role in ("inflow", "outflow")
                                   for r in templates.table("requests").rows_with_role(role))
#: Rules whose finding names a column but not a row, and the rows they compare (spec T3-R1: 本年新收 + 上年结转
#: = （七）总计 + 结转下年度); only these cells of the column are highlighted. Other such rules mark the column.
COLUMN_RULE_ROWS: dict[str, tuple[str, ...]] = {"T3-R1": FLOW_ROWS}


@dataclass(frozen=True)
class Mark:
    """One reason to highlight a cell: ``kind`` is error, warning, flag or note."""

    kind: str
    text: str


class CellNotes:
    """Findings and extraction flags by value cell, for highlighting.

    An issue names ``table``, ``row``, ``col``: an empty ``col`` means the whole row of that table, an empty
    ``row`` the whole column, narrowed to the rule's operand rows where :data:`COLUMN_RULE_ROWS` knows them
    (T3-R1 names a column of table 三 but compares only the four flow rows); an issue without a table
    (Y-TEXT) names no cell and is only listed on the issues sheet.

    >>> issues = pd.DataFrame([{"report_id": "r", "rule": "T3-R3", "severity": "error", "table": "requests",
    ...                         "row": "granted", "col": "", "message": "不一致", "message_en": ""}])
    >>> values = pd.DataFrame(columns=["report_id", "table", "row", "col", "flags", "raw"])
    >>> [m.kind for m in CellNotes(values, issues).marks(("r", "requests", "granted", "total"))]
    ['error']
    """

    def __init__(self, values: pd.DataFrame, issues: pd.DataFrame):
        self._issues: dict[tuple[str, str, str, str], list[Mark]] = defaultdict(list)
        # column-scope findings: (report, table, col) -> (rows the rule compares or None for all, mark)
        self._columns: dict[tuple[str, str, str], list[tuple[tuple[str, ...] | None, Mark]]] = defaultdict(list)
        self._flags: dict[Key, list[Mark]] = defaultdict(list)
        for rec in records(issues, ["report_id", "rule", "severity", "table", "row", "col", "message",
                                    "message_en"]):
            sev = text_of(rec["severity"])
            if sev not in ("error", "warning") or not text_of(rec["table"]):
                continue
            msg = text_of(rec["message"]) or text_of(rec["message_en"])
            rule = text_of(rec["rule"])
            mark = Mark(sev, f"{rule}（{sev}）：{msg}")
            rid, table, row, col = (text_of(rec[k]) for k in ("report_id", "table", "row", "col"))
            if row:
                self._issues[(rid, table, row, col)].append(mark)
            elif col:
                self._columns[(rid, table, col)].append((COLUMN_RULE_ROWS.get(rule), mark))
        for rec in records(values, ["report_id", "table", "row", "col", "flags", "raw"]):
            flags = split_flags(rec["flags"])
            kind = "flag" if ATTENTION_FLAGS.intersection(flags) else "note" if NOTE_FLAGS.intersection(flags) else ""
            if kind:
                key = (text_of(rec["report_id"]), text_of(rec["table"]), text_of(rec["row"]), text_of(rec["col"]))
                self._flags[key].append(Mark(kind, f"提取标记：{','.join(flags)}；原文：「{text_of(rec['raw'])}」"))

    def marks(self, key: Key) -> list[Mark]:
        """Findings on the cell, on its whole row and on its whole column, then its extraction flags."""
        rid, table, row, col = key
        by_col = [m for rows, m in self._columns.get((rid, table, col), []) if rows is None or row in rows]
        found = (self._issues.get((rid, table, row, col), []) + self._issues.get((rid, table, row, ""), [])
                 + by_col + self._flags.get(key, []))
        return list(dict.fromkeys(found))  # one finding can match twice (cell and row); keep order

