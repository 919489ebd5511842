"""Validation stage: consistency checks on the long ``values`` table.

The checks implement ``checks.list`` of the format spec (``format.md`` §7):

* per report (:mod:`.report`): T3-R1..R5 (table 三), T4-R1..R4 (table 四), T2-R1, T2-S1, T2-S2
  (table 二); the sums are the identities of the templates (``templates.identities()``);
* across years of the same agency (``reports.agency_key``, :mod:`.cross_year`): X-1, X-2, X-3 and, for
  pre-2019 reports (table ``legacy``), L-CUM (历年累计 rolled forward);
* against the narrative text, when it is given (:mod:`.narrative`): N-1 (numbers stated in sections
  一/六) and Y-TEXT (sections 一 and 五 copied from the previous year's report).

They work only on the long table (one row per cell) and never modify their inputs. Every finding is
one row of the ``issues`` table (:data:`ISSUE_COLUMNS`). Rule ids, severities, messages and the
narrative patterns are data (:data:`RULES`, :data:`SKIP_REASONS`, :data:`NARRATIVE_FACTS`), so a rule
text is changed in one place. Which cells a rule may use, and as what (the blank policy), is
:mod:`.cells`.
"""
from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..schema import ISSUE_COLUMNS
from .cells import index_cells
from .cross_year import CROSS_YEAR_ROWS, CROSS_YEAR_TABLES, check_cross_year, year_pairs
from .issues import Issues
from .narrative import NARRATIVE_FACTS, NarrativeFact, check_narrative, check_repetition, narrative_sections, \
    text_repetition
from .report import check_report
from .rules import RULES, SKIP_REASONS

__all__ = [
    "CROSS_YEAR_ROWS",
    "CROSS_YEAR_TABLES",
    "ISSUE_COLUMNS",
    "NARRATIVE_FACTS",
    "NarrativeFact",
    "RULES",
    "SKIP_REASONS",
    "corpus_issues",
    "narrative_sections",
    "report_issues",
    "run_checks",
    "text_repetition",
    "values_to_issues",
]


def values_to_issues(values: pd.DataFrame, reports: pd.DataFrame,
                     texts: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Run all checks and return the issues table (columns :data:`ISSUE_COLUMNS`).

    Per-report rules run on every report that has values; X-1..X-3 compare reports of the same
    ``agency_key`` in consecutive years. With ``texts`` (report_id -> full text) N-1 and Y-TEXT run
    too. A table absent from a report gives no finding for it. The inputs are not modified.

    >>> rows = [("new_received", 5), ("carried_over", 0), ("total_processed", 4), ("carried_forward", 0)]
    >>> values = pd.DataFrame({"report_id": "r1", "table": "requests", "row": [r for r, _ in rows],
    ...     "col": "total", "value": [float(v) for _, v in rows], "unit": "件", "raw": "", "flags": ""})
    >>> reports = pd.DataFrame({"report_id": ["r1"], "agency_key": ["k"],
    ...     "year": pd.array([2021], dtype="Int64"), "template": ["gb2021"]})
    >>> issues = values_to_issues(values, reports)
    >>> issues.loc[issues.severity == "error", ["rule", "col", "expected", "actual"]].values.tolist()
    [['T3-R1', 'total', 5.0, 4.0]]
    """
    per_report = report_issues(values, reports, texts)
    cross = corpus_issues(values, reports, texts)
    return pd.concat([per_report, cross], ignore_index=True) if len(cross) else per_report


def report_issues(values: pd.DataFrame, reports: pd.DataFrame,
                  texts: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The rules that look at one report at a time (T*, N-1): batch workers run these per file.

    ``reports.template`` picks each report's layout; when it is missing the cells decide.

    >>> values = pd.DataFrame({"report_id": "r", "table": "review_litigation", "row": "admin_review",
    ...     "col": ["upheld", "corrected", "other", "pending", "total"], "value": [1.0, 0, 0, 0, 2.0],
    ...     "flags": ""})
    >>> report_issues(values, pd.DataFrame({"report_id": ["r"]}))[["rule", "row"]].values.tolist()
    [['T4-R1', 'admin_review'], ['T4-R2', 'litigation_direct'], ['T4-R3', 'litigation_after_review']]
    """
    index = index_cells(values)
    templates: dict[str, str | None] = {}
    if {"report_id", "template"} <= set(reports.columns):
        for rid, tpl in zip(reports["report_id"], reports["template"]):
            templates[str(rid)] = tpl if isinstance(tpl, str) else None
    out = Issues()
    for rid in sorted(index):
        cells = index[rid]
        check_report(out, rid, cells, templates.get(rid))
        if texts and rid in texts and isinstance(texts[rid], str):
            check_narrative(out, rid, cells, texts[rid])
    return out.frame()


def corpus_issues(values: pd.DataFrame, reports: pd.DataFrame,
                  texts: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The rules that compare reports (X-1..X-3 across years, Y-TEXT); ``values`` may be reduced to
    :data:`CROSS_YEAR_ROWS` and :data:`CROSS_YEAR_TABLES`, ``texts`` to sections 一 and 五.

    >>> values = pd.DataFrame({"report_id": ["a", "b"], "table": "requests",
    ...     "row": ["carried_forward", "carried_over"], "col": "total", "value": [1.0, 2.0], "flags": ""})
    >>> reports = pd.DataFrame({"report_id": ["a", "b"], "agency_key": "k",
    ...     "year": pd.array([2021, 2022], dtype="Int64")})
    >>> corpus_issues(values, reports)[["report_id", "rule", "expected", "actual"]].values.tolist()
    [['b', 'X-1', 1.0, 2.0]]
    """
    index = index_cells(values)
    out = Issues()
    pairs = year_pairs(reports)
    check_cross_year(out, pairs, index)
    if texts:
        check_repetition(out, {k: v for k, v in texts.items() if isinstance(v, str)}, pairs)
    return out.frame()


def run_checks(reports: pd.DataFrame, values: pd.DataFrame, issues: pd.DataFrame,
               texts: dict[str, str], cross: bool = True) -> pd.DataFrame:
    """``issues`` with the consistency findings appended (``cross``: also the rules across reports).

    The reports/values frames are only read; a new issues frame is returned.

    >>> from discl.schema import empty_frames
    >>> _, _, issues = empty_frames()
    >>> values = pd.DataFrame({"report_id": "r", "table": "review_litigation", "row": "admin_review",
    ...     "col": ["upheld", "corrected", "other", "pending", "total"], "value": [1.0, 0, 0, 0, 2.0],
    ...     "flags": ""})
    >>> found = run_checks(pd.DataFrame({"report_id": ["r"]}), values, issues, {})
    >>> found.loc[found.severity == "error", ["rule", "expected", "actual"]].values.tolist()
    [['T4-R1', 1.0, 2.0]]
    """
    found = (values_to_issues if cross else report_issues)(values, reports, texts)
    if found is None or found.empty:
        return issues
    found = found.reindex(columns=issues.columns)
    out = pd.concat([issues, found.astype(issues.dtypes.to_dict())], ignore_index=True)
    return out
