"""Reading table pages: characters and ruling lines (PDFium or pdfminer) to tables and text lines."""
from __future__ import annotations

import re
import struct
import zlib

import pdfplumber
from pdfminer.psexceptions import PSException
from pdfplumber import table as plumber_table
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

from ...errors import DocumentError
from ..document import Document, Paragraph
from .grid import Grid, assign_chars, grid_from_boxes, min_confidence, split_header_rows
from .infer import infer_table, lines_look_tabular
from .lines import chars_to_lines
from .pdfium_objects import RULE_MAX_THICKNESS
from .triage import PageScan, looks_garbled, pages_phrase

_CID = re.compile(r"^\(cid:\d+\)$")
# Exceptions pdfminer/pdfplumber raise on damaged content streams. pdfminer has no single base class
# for them: besides its own PSException family it lets low-level errors through.
_PDFMINER_ERRORS = (PSException, PdfminerException, MalformedPDFException, struct.error, zlib.error,
                    ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError)


def read_pages(path: str, scans: list[PageScan], engine: str, doc: Document,
               scanned: dict[int, list[Paragraph | Grid]] | None = None) -> list[Paragraph | Grid]:
    """Blocks of all pages in order: tables and text lines on table pages, PDFium text lines elsewhere,
    and the OCR'd blocks of image-only pages (``scanned``)."""
    table_pages = [s.number for s in scans if s.is_table_page]
    plumber_pages = table_pages if engine == "pdfplumber" else []
    if not table_pages:
        # nothing looked like a table: maybe the text is undecodable; pdfplumber tells (cid:NN)
        plumber_pages = [s.number for s in scans if s.text.strip() and looks_garbled(s.text)][:30]
    parsed = _parse_with_pdfplumber(path, plumber_pages, doc) if plumber_pages else {}
    parsed.update(scanned or {})
    n_chars = n_bad = 0
    for s in scans:
        if s.chars is not None and s.number not in parsed:
            parsed[s.number] = page_blocks(s.chars, s.edges, s.number)
            n_chars += len(s.chars)
            n_bad += s.n_unmapped
    if n_chars and n_bad > 0.5 * n_chars:
        raise DocumentError("unreadable_text", f"{n_bad} of {n_chars} characters on "
                            f"{pages_phrase(table_pages)} have no Unicode mapping (they extract as (cid:NN) "
                            "glyph ids)", path)
    blocks: list[Paragraph | Grid] = []
    for s in scans:
        if s.number in parsed:
            blocks.extend(parsed[s.number])
        else:
            blocks.extend(Paragraph(line.strip(), page=s.number)
                          for line in s.text.split("\n") if line.strip())
    return blocks


def _parse_with_pdfplumber(path: str, numbers: list[int], doc: Document) -> dict[int, list[Paragraph | Grid]]:
    """Read the given pages with pdfplumber; raise ``unreadable_text`` if most glyphs are (cid:NN)."""
    out: dict[int, list[Paragraph | Grid]] = {}
    n_chars = n_cid = 0
    try:
        with pdfplumber.open(path, pages=numbers) as pdf:
            for page in pdf.pages:
                try:
                    chars, edges = _plumber_chars_edges(page)
                except _PDFMINER_ERRORS as e:
                    # one broken page must not lose the rest: keep its PDFium text instead
                    doc.warnings.append(f"page {page.page_number}: tables not read ({type(e).__name__}: "
                                        f"{e}); its text is kept as paragraphs")
                    continue
                finally:
                    page.close()
                out[page.page_number] = page_blocks(chars, edges, page.page_number)
                n_chars += len(chars)
                n_cid += sum(1 for c in chars if _CID.match(c["text"]))
    except _PDFMINER_ERRORS as e:
        if isinstance(e, PdfminerException) and "password" in str(e).lower():
            raise DocumentError("encrypted", "the PDF is password-protected", path) from e
        raise DocumentError("corrupt", f"pdfplumber cannot parse the PDF ({type(e).__name__}: {e})",
                            path) from e
    if n_chars and n_cid > 0.5 * n_chars:
        raise DocumentError("unreadable_text", f"{n_cid} of {n_chars} characters on {pages_phrase(numbers)} "
                            "are undecodable glyph ids like (cid:NN): the fonts have no Unicode mapping", path)
    return out


def _plumber_chars_edges(page: pdfplumber.page.Page) -> tuple[list[dict], list[dict]]:
    """Characters and ruling-line edges of a page as parsed by pdfminer."""
    chars = [c for c in page.chars if c["text"].strip()]
    edges = page.filter(_is_ruling_or_text).edges
    return chars, edges


def _is_ruling_or_text(obj: dict) -> bool:
    """Drop filled rectangles that are backgrounds (WPS draws one behind every text line or cell):
    their edges would otherwise turn paragraphs into one-column tables. Thin ones are ruling lines."""
    if obj.get("object_type") != "rect" or obj.get("stroke"):
        return True
    return min(obj["width"], obj["height"]) <= RULE_MAX_THICKNESS


def find_cell_boxes(edges: list[dict]) -> list[list[tuple[float, float, float, float]]]:
    """pdfplumber's lattice algorithm (as in ``TableFinder`` with the "lines" strategy, default
    tolerances): snap and join edges, intersect them, and group the resulting cells into tables."""
    edges = [e for e in edges if (e["width"] if e["orientation"] == "h" else e["height"]) >= 1]
    if not edges:
        return []
    merged = plumber_table.merge_edges(edges, snap_x_tolerance=3, snap_y_tolerance=3,
                                       join_x_tolerance=3, join_y_tolerance=3)
    merged = [e for e in merged if (e["width"] if e["orientation"] == "h" else e["height"]) >= 3]
    intersections = plumber_table.edges_to_intersections(merged, 3, 3)
    cells = plumber_table.intersections_to_cells(intersections)
    return [list(group) for group in plumber_table.cells_to_tables(cells)]


def _dedupe(chars: list[dict]) -> list[dict]:
    """Drop fake-bold doubles: the same glyph printed again within a point of the first."""
    kept: list[dict] = []
    last_seen: dict[str, list[dict]] = {}
    for ch in sorted(chars, key=lambda c: (c["x0"], c["top"])):
        twins = last_seen.setdefault(ch["text"], [])
        if any(abs(ch["x0"] - t["x0"]) < 1 and abs(ch["top"] - t["top"]) < 1 for t in twins[-4:]):
            continue
        twins.append(ch)
        kept.append(ch)
    return kept


def page_blocks(chars: list[dict], edges: list[dict], number: int) -> list[Paragraph | Grid]:
    """Tables and the remaining text lines of one page, ordered top to bottom."""
    chars = _dedupe(chars)
    grids = [g for g in (grid_from_boxes(boxes, number) for boxes in find_cell_boxes(edges)) if g]
    grids.sort(key=lambda g: g.top)
    leftover = assign_chars(grids, chars)
    for g in grids:
        split_header_rows(g)
    lines = chars_to_lines(leftover)
    if not any(len(g.xs) > 2 for g in grids) and lines_look_tabular(lines):
        inferred, lines = infer_table(lines, number)
        if inferred:
            grids.append(inferred)
    blocks: list[tuple[float, Paragraph | Grid]] = []
    for g in grids:
        if len(g.xs) == 2:  # a one-column "table" is a framed text box
            blocks.extend((c.bbox[1], Paragraph(c.text, page=number, confidence=c.confidence))
                          for c in g.cells if c.text)
        else:
            blocks.append((g.top, g))
    blocks.extend((ln.top, Paragraph(ln.text, page=number, confidence=min_confidence(ln.chars)))
                  for ln in lines)
    blocks.sort(key=lambda b: b[0])
    return [b for _, b in blocks]
