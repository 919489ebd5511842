"""One file → (reports row, values rows, issues rows). The batch never stops for one bad file."""
from __future__ import annotations

import hashlib
import math
import os
import time
from dataclasses import dataclass, field

import pandas as pd

from .errors import DocumentError
from .meta import document_to_meta
from .recognize import LEGACY_TABLE, LEGACY_TEMPLATE, document_to_recognition
from .schema import ISSUE_COLUMNS, REPORT_COLUMNS, VALUE_COLUMNS, frames_from_rows
from .settings import DEFAULT_SETTINGS, ReadSettings
from .sources import check_file, file_to_document
from .sources.image import IMAGE_EXTENSIONS, page_files
from .sources.document import Document



@dataclass
class FileResult:
    report: dict
    values: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)
    text: str = ""  # narrative text, for the checks that compare it with the tables


def sha256_file(path: str) -> str:
    """The content hash of the report ``path`` holds: of all its pages when it is the first of a report
    saved one image per page (so a changed later page is read again, not taken from the cache)."""
    h = hashlib.sha256()
    files = [path]
    if os.path.splitext(path)[1].lower() in IMAGE_EXTENSIONS:
        files = page_files(path) or [path]
    for p in files:
        with open(p, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def file_to_result(path: str, settings: ReadSettings = DEFAULT_SETTINGS) -> FileResult:
    """Read one file end to end; expected failures become a ``failed`` report row, never an exception."""
    t0 = time.perf_counter()
    path = os.fspath(path)
    try:
        # before hashing: a FIFO, /dev/zero or a 20 GB file would make the hash block or run for minutes
        check_file(path, settings)
    except DocumentError as e:
        return failed_result(path, "", e, t0)
    try:
        digest = sha256_file(path)
    except OSError as e:
        digest = ""
        err = DocumentError("not_found", f"cannot open the file ({e.strerror})", path)
        return failed_result(path, digest, err, t0)
    report_id = digest[:16]
    try:
        doc = file_to_document(path, settings)
    except DocumentError as e:
        e.path = e.path or path
        return failed_result(path, digest, e, t0)
    return document_to_result(doc, report_id, digest, t0)


def document_to_result(doc: Document, report_id: str, digest: str, t0: float | None = None) -> FileResult:
    t0 = time.perf_counter() if t0 is None else t0
    text = doc.text
    meta = document_to_meta(doc)
    rec = document_to_recognition(doc, None, meta.year, meta.title)
    template = rec.template
    values = [_value_row(report_id, v) for v in rec.values]
    issues = [_issue(report_id, n.rule, n.severity, n.table, n.row, n.col, n.message, n.message)
              for n in meta.notes + rec.notes]
    issues += [_issue(report_id, "read.warning", "info", "", "", "", w, w) for w in doc.warnings + rec.warnings]
    if doc.ocr_pages:
        scores = [v.confidence for v in rec.values if v.confidence is not None]
        mean = f"; mean cell score {sum(scores) / len(scores):.3f}" if scores else ""
        pages = ", ".join(map(str, doc.ocr_pages))
        issues.append(_issue(report_id, "read.ocr", "info", "", "", "", f"第 {pages} 页为扫描图像，经 OCR 识别{mean}",
                             f"page(s) {pages} are images (a scan) and were read by OCR{mean}; every figure "
                             "from them is flagged ocr"))
    expected = (LEGACY_TABLE,) if template == LEGACY_TEMPLATE else ("proactive", "requests", "review_litigation")
    found = [t for t in expected if rec.found.get(t)]
    status, code, error = "ok", None, None
    if not found:
        status, code = "failed", "not_a_report"
        error = (f"{doc.path}: no report tables (二 主动公开 / 三 收到和处理申请 / 四 复议诉讼) were found "
                 f"in this {doc.format} file")
    else:
        missing = [t for t in expected if t not in found]
        for t in missing:
            issues.append(_issue(report_id, "read.table_missing", "warning", t, "", "",
                                 f"未找到表格 {t}", f"table {t} was not found in the document"))
        n_amb = sum(1 for v in rec.values if "ambiguous" in v.flags or "unreadable" in v.flags
                    or (v.missing and "low_confidence" in v.flags))
        if missing or n_amb:
            status = "partial"
            parts = []
            if missing:
                parts.append("missing tables: " + ", ".join(missing))
            if n_amb:
                parts.append(f"{n_amb} cells could not be read unambiguously")
            error = "; ".join(parts)
    report = {
        "report_id": report_id, "path": doc.path, "sha256": digest, "format": doc.format,
        "agency": meta.agency, "agency_key": meta.agency_key, "region": meta.region, "year": meta.year,
        "template": template, "status": status, "error_code": code, "error": error, "title": meta.title,
        "n_pages": doc.n_pages, "n_values": len(values), "seconds": round(time.perf_counter() - t0, 4),
    }
    if meta.place is not None:
        report.update(meta.place.columns())
    return FileResult(report, values if status != "failed" else [], issues, text)


def failed_result(path: str, digest: str, err: DocumentError, t0: float) -> FileResult:
    """The report row of a file that could not be read (status failed, the error named)."""
    ext = os.path.splitext(path)[1].lstrip(".").lower() or None
    report = {c: None for c in REPORT_COLUMNS}
    # os.fsencode: a name with bytes that are not UTF-8 arrives with surrogate escapes, which .encode() rejects
    report.update({"report_id": digest[:16] if digest else hashlib.sha256(os.fsencode(path)).hexdigest()[:16],
                   "path": path, "sha256": digest or None, "format": ext, "status": "failed",
                   "error_code": err.code, "error": f"{path}: {err.message}", "n_values": 0,
                   "seconds": round(time.perf_counter() - t0, 4)})
    return FileResult(report)


def _value_row(report_id: str, v) -> dict:
    return {"report_id": report_id, "table": v.table, "row": v.row, "col": v.col,
            "value": v.value, "unit": v.unit, "raw": v.raw, "flags": ",".join(dict.fromkeys(v.flags)),
            "page": v.page, "cell": v.cell,
            "bbox": ",".join(f"{x:.1f}" for x in v.bbox) if v.bbox else None,
            "confidence": v.confidence}


def _issue(report_id, rule, severity, table, row, col, message, message_en, expected=math.nan,
           actual=math.nan) -> dict:
    return {"report_id": report_id, "rule": rule, "severity": severity, "table": table, "row": row,
            "col": col, "expected": expected, "actual": actual, "message": message, "message_en": message_en}


def frames(results: list[FileResult]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Stack per-file results into the three tables with stable dtypes (:mod:`discl.schema`)."""
    reports = [{k: (printable_path(v) if k in ("path", "error") else v) for k, v in r.report.items()}
               for r in results]
    return frames_from_rows(reports, (v for r in results for v in r.values), (i for r in results for i in r.issues))


def printable_path(s):
    """A file name with bytes that are not UTF-8 (surrogate escapes) as text Parquet and Excel accept."""
    if not isinstance(s, str):
        return s
    return s.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
