"""Template recognition: find tables 二、三、四 in a document and map every cell to its row and column ids.

The stages, each a pure function over the one before:

1. :func:`~.lines.document_to_lines` — the document as one stream of lines (table rows and paragraphs);
2. :func:`~.regions.lines_to_segments` — the stream cut into the occurrences of each table, with the
   numbered section each stands in;
3. one reader per table (:func:`~.proactive.lines_to_proactive`, :func:`~.requests.lines_to_requests`,
   :func:`~.review.lines_to_review`) — rows by their labels, cells by their column headers;
4. :func:`~.choose.choose_copies` — this year's copy when a table is printed more than once;
5. :func:`~.resolve.resolve_by_columns` — run-together table-三 rows cut by the column identities.

The template is decided by the rows and columns actually read (not by words elsewhere in the text), the
year only when the tables carry no marker.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..sources.document import Document
from ..templates import (TABLE_IDS, detect_template, table, template as get_template, template_for_year,
                         template_of_keys)
from .choose import choose_copies, copy_infos
from .legacy import TABLE as LEGACY_TABLE, TEMPLATE as LEGACY_TEMPLATE, is_legacy_title, lines_to_legacy
from .lines import Line, document_to_lines
from .model import Note, TableRead, Value
from .proactive import lines_to_proactive
from .regions import Segment, lines_to_segments
from .requests import lines_to_requests
from .resolve import resolve_by_columns
from .review import lines_to_review

__all__ = ["LEGACY_TABLE", "LEGACY_TEMPLATE", "Recognition", "Note", "Value", "document_to_recognition",
           "lines_to_tables"]


@dataclass
class Recognition:
    values: list[Value] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    found: dict[str, bool] = field(default_factory=dict)
    template: str | None = None
    warnings: list[str] = field(default_factory=list)


def _read_table(tid: str, segments: list[Segment], template: str | None, year: int | None) -> TableRead:
    read = TableRead(tid)
    nxt = 0
    for seg in (s for s in segments if s.table == tid):
        if tid == "proactive":
            r = lines_to_proactive(seg.lines, template, first_copy=nxt)
        elif tid == "requests":
            r = lines_to_requests(seg.lines, template, first_copy=nxt)
        else:
            r = lines_to_review(seg.lines, template, first_copy=nxt, lead_in=seg.lead_in)
        r.copies = copy_infos(seg, r.values)
        read.extend(r)
        nxt = max((v.copy for v in r.values), default=nxt - 1) + 1
    read = choose_copies(read, year)
    if tid == "requests":
        read = resolve_by_columns(read, template)
    return read


def lines_to_tables(lines: list[Line], template: str | None = None, year: int | None = None
                    ) -> tuple[dict[str, TableRead], str | None]:
    """The three tables read from a line stream, and the template they show."""
    segments = lines_to_segments(lines)
    if not segments:
        # no headings, no table markers: structured table rows only (never narrative paragraphs)
        rows = [ln for ln in lines if not ln.is_text]
        segments = [Segment("proactive", None, rows), Segment("requests", None, rows)]
    hint = template
    if hint is None:
        table_text = "\n".join(c.text for s in segments if s.table != "review_litigation" for ln in s.lines
                               for c in ln.cells)
        hint = detect_template(table_text)[0] or template_for_year(year)
    reads = {tid: _read_table(tid, segments, hint, year) for tid in TABLE_IDS}
    final = template
    if final is None:
        keys = [(v.table, v.row, v.col) for tid in ("proactive", "requests") for v in reads[tid].values]
        final = template_of_keys(keys) or hint
        if final != hint and final is not None:
            reads = {tid: _read_table(tid, segments, final, year) for tid in TABLE_IDS}
    return reads, final


from .ocr import ocr_values_to_trusted  # noqa: E402  (after the readers it builds on)


def document_to_recognition(doc: Document, template: str | None = None, year: int | None = None,
                            title: str | None = None) -> Recognition:
    """Find the three tables in ``doc`` and read their cells (values not yet checked).

    ``template`` forces a template (else it is recognised from the tables read); ``year`` (from the
    report's title) decides the template only when the tables carry no marker, and tells a quoted
    last-year table from this year's. ``title`` (the report's own, :mod:`discl.meta`): when no gb2019/gb2021
    table holds a number and it names an annual report of 2008–2018, the document is read as a pre-2019
    report (template ``pre2019``, table ``legacy``: :mod:`.legacy`) if that finds a figure.
    """
    lines, warnings = document_to_lines(doc)
    reads, final = lines_to_tables(lines, template, year)
    if template in (None, LEGACY_TEMPLATE) and is_legacy_title(title, year) and not any(
            not v.missing for r in reads.values() for v in r.values):
        old = lines_to_legacy(lines)
        if any(not v.missing for v in old.values):
            values, notes = old.values, list(old.notes)
            if doc.ocr_pages:  # a scanned old report: no identities to vouch, so only sure readings stand
                values, more = ocr_values_to_trusted(doc, values, LEGACY_TEMPLATE)
                notes += more
            return Recognition(values=values, notes=notes, found={LEGACY_TABLE: True},
                               template=LEGACY_TEMPLATE, warnings=warnings)
    rec = Recognition(template=final, warnings=warnings)
    for tid in TABLE_IDS:
        read = reads[tid]
        rec.found[tid] = read.found
        values = read.values
        rec.values += values
        rec.notes += read.notes
        if read.found and final is not None:
            rec.notes += _missing_rows(tid, final, values)
    if doc.ocr_pages:
        rec.values, notes = ocr_values_to_trusted(doc, rec.values, final)
        rec.notes += notes
    return rec


def _missing_rows(tid: str, template: str, values: list[Value]) -> list[Note]:
    """A warning for every row the template prints that the table read lacks."""
    present = {v.row for v in values}
    t = table(tid)
    if tid == "requests":
        flows = [r.id for r in t.rows(template) if r.role != "outcome"]
        required = flows[:2] + list(t.outcome_rows(template, present)) + flows[2:]
    elif tid == "proactive":
        required = [i for b in get_template(template).blocks for i in b.items]
    else:
        required = [r.id for r in t.rows()]
    return [Note("read.row_missing", "warning", tid, r, f"row {r} ({t.row(r).zh}) of table {t.section} "
                 f"({template}) was not found in the document") for r in required if r not in present]
