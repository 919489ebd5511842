"""The three tables of discl's output — ``reports``, ``values``, ``issues`` — their columns, dtypes and
vocabularies (flags, severities, statuses), in one place for every stage that builds or reads them.

>>> reports, values, issues = empty_frames()
>>> list(values.columns)[:6]
['report_id', 'table', 'row', 'col', 'value', 'unit']
>>> str(values["value"].dtype), str(reports["year"].dtype)
('float64', 'Int64')
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

#: one row per input file
REPORT_COLUMNS = ["report_id", "path", "sha256", "format", "agency", "agency_key", "region", "year",
                  "template", "status", "error_code", "error", "title", "n_pages", "n_values", "seconds",
                  # where the publisher sits (discl.regions): names, 行政区划代码, level, the code above
                  "province", "city", "county", "region_code", "level", "parent_code",
                  # where the file came from, for files `discl fetch` downloaded (DIR/downloads.parquet):
                  # the URL its bytes were served from (after redirects) and when (ISO 8601, UTC)
                  "source_url", "retrieved_at"]
#: one row per table cell read
VALUE_COLUMNS = ["report_id", "table", "row", "col", "value", "unit", "raw", "flags", "page", "cell", "bbox",
                 "confidence"]
#: one row per finding (extraction notes and check results)
ISSUE_COLUMNS = ["report_id", "rule", "severity", "table", "row", "col", "expected", "actual", "message",
                 "message_en"]

#: ``discl fetch``'s provenance (``DIR/downloads.parquet`` and its CSV twin): one row per URL requested
#: or refused. ``status`` is the HTTP status, ``error`` a reason code (``http_404``, ``timeout``,
#: ``too_large``, ``robots_disallowed``, ``local_address``, ``unsupported_scheme``, …; empty on success)
#: and ``detail`` its words; ``path`` is relative to DIR; ``referrer`` the page an attachment or a report
#: page was linked from; ``kind`` is ``index``, ``page`` or ``attachment`` (how the URL was reached);
#: ``role`` what the file is to ``discl ingest``: ``report`` (a report page, or the report itself),
#: ``attachment`` (a file linked from a report page), ``index`` (an index page) or ``wrapper`` (a page
#: that only wraps its report, an attachment discl reads) — ingest skips ``index`` and ``wrapper``
#: files; ``agency``/``year`` are given by a CSV of URLs and override what ingest reads
DOWNLOAD_COLUMNS = ["url", "final_url", "status", "content_type", "path", "sha256", "bytes", "retrieved_at",
                    "referrer", "error", "detail", "kind", "role", "etag", "last_modified", "agency", "year"]
#: ``downloads.role`` values, and those whose files ingest does not read
DOWNLOAD_ROLES = ("report", "attachment", "index", "wrapper")
NOT_REPORT_ROLES = ("index", "wrapper")

DTYPES: dict[str, dict[str, str]] = {
    "reports": {**{c: "string" for c in REPORT_COLUMNS},
                "year": "Int64", "n_pages": "Int64", "n_values": "Int64", "seconds": "float64"},
    "values": {**{c: "string" for c in VALUE_COLUMNS}, "value": "float64", "page": "Int64",
               "confidence": "float64"},
    "issues": {**{c: "string" for c in ISSUE_COLUMNS}, "expected": "float64", "actual": "float64"},
    "downloads": {**{c: "string" for c in DOWNLOAD_COLUMNS}, "status": "Int64", "bytes": "Int64",
                  "retrieved_at": "datetime64[ns, UTC]", "year": "Int64"},
}
COLUMNS = {"reports": REPORT_COLUMNS, "values": VALUE_COLUMNS, "issues": ISSUE_COLUMNS,
           "downloads": DOWNLOAD_COLUMNS}

STATUSES = ("ok", "partial", "failed")
SEVERITIES = ("error", "warning", "info")
#: ``reports.level``: who published the report (a government of a region, one of its departments …)
LEVELS = ("province", "city", "county", "township", "department", "zone")

#: every flag a value may carry (``values.flags`` is a comma-separated list of these)
FLAGS: Mapping[str, str] = {
    # why a value is missing
    "blank": "the cell is empty",
    "dash": "the cell holds a dash (—, -)",
    "slash": "the cell holds a slash or 无 (not applicable)",
    "unreadable": "the cell holds text that is not a clean number (e.g. 持平, 减少8, 约20)",
    "ambiguous": "which number belongs to this cell cannot be told (run-together digits, a lost cell, "
                 "or two copies of the table that disagree); left missing",
    # how a value was placed
    "split": "cut from digits a text extraction ran together, where the row's arithmetic admits one reading",
    "split_by_columns": "cut from run-together digits, chosen by the column identities",
    "position_inferred": "placed by its position (its label or header is on another line)",
    "header_assumed": "no column header was read: placed in the template's column order",
    "merged_cell": "read from a cell merged down from the row above",
    "label_fuzzy": "the row label is misprinted; read as the closest template label",
    "low_confidence": "from a table inferred from text alignment (no ruling lines), or an OCR reading that "
                      "scored below the threshold or that the template's identities contradict (left missing)",
    "ocr": "read by OCR from a page image (a scan); `confidence` holds the engine's score",
    "from_text": "a pre-2019 figure read from the narrative (the sentence is in raw), not from a table",
    # what the value needed
    "footnote": "a footnote mark after the number (①, ¹, *, 注) was dropped",
    "sign_variant": "printed with a minus sign other than '-' (−, －)",
    "unit_converted": "money converted to 万元 from the printed unit",
    "unit_assumed": "no unit printed: 万元 assumed",
    "unit_unexpected": "the cell prints a unit other than the column's",
    # set by the checks and analysis helpers
    "imputed_zero": "a blank applicant cell counted as 0 by a check",
    "derived": "computed by an analysis helper, not printed",
}


@dataclass(frozen=True)
class Note:
    """A finding of a reading stage (metadata, recognition); becomes one row of ``issues``."""

    rule: str  # 'read.ambiguous', 'read.header_assumed', 'meta.year_conflict', ...
    severity: str  # one of SEVERITIES
    table: str
    row: str
    message: str
    col: str = ""


def empty_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Typed empty ``reports``, ``values`` and ``issues`` frames."""
    return tuple(typed(name, pd.DataFrame(columns=COLUMNS[name])) for name in ("reports", "values", "issues"))


def typed(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the columns and dtypes of table ``name`` (a new frame; absent columns are empty)."""
    out = df.reindex(columns=COLUMNS[name])
    return out.astype(DTYPES[name])


def frames_from_rows(reports: Iterable[Mapping], values: Iterable[Mapping], issues: Iterable[Mapping]
                     ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three typed frames from row dicts."""
    return (typed("reports", pd.DataFrame(list(reports), columns=REPORT_COLUMNS)),
            typed("values", pd.DataFrame(list(values), columns=VALUE_COLUMNS)),
            typed("issues", pd.DataFrame(list(issues), columns=ISSUE_COLUMNS)))


def split_flags(flags: object) -> list[str]:
    """``'blank,header_assumed'`` → ``['blank', 'header_assumed']`` (missing → [])."""
    if not isinstance(flags, str) or not flags:
        return []
    return [f for f in flags.split(",") if f]
