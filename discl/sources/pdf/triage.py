"""Page triage with PDFium: each page's text, which pages hold report tables, and scanned pages.

Parsing a page with pdfminer (pdfplumber) costs 0.07–0.1 s, so a 6-page report would take 0.5–1 s. The
reader therefore reads the text of every page with pypdfium2 first (~20 ms for a whole report), and only
pages whose text looks like one of the report tables are analysed for tables.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ... import templates
from ...errors import DocumentError
from ...settings import ReadSettings
from ..document import Document, Table
from .lines import NUMBER_TOKEN
from .pdfium_objects import page_chars, page_edges

# Words that occur in the report tables (format.md §3–§5). A page is parsed with pdfplumber only if its
# text contains one of them *and* looks tabular (see :func:`is_table_page`); the strong ones practically
# only occur inside the tables (narrative text rarely contains them).
TABLE_MARKERS, STRONG_MARKERS = templates.pdf_markers()
# A table whose text contains one of these is one of the report tables; used to decide whether pages
# with images only (scans) held the tables.
REPORT_TABLE_MARKERS = templates.pdf_report_markers()


@dataclass
class PageScan:
    """What pypdfium2 tells about one page."""
    number: int  # 1-based
    text: str
    has_images: bool
    is_table_page: bool = False
    # characters / ruling lines of a table page, read by PDFium while the page was open
    chars: list[dict] | None = None
    edges: list[dict] = field(default_factory=list)
    n_unmapped: int = 0


def scan_pages(pdf: pdfium.PdfDocument, path: str, settings: ReadSettings,
               with_objects: bool) -> list[PageScan]:
    """Check the page count, then read every page's text; on table pages (triage) also the
    characters and ruling lines when ``with_objects``. ``path`` is for error messages."""
    n = len(pdf)
    if n == 0:
        raise DocumentError("corrupt", "the PDF has no pages (page count is 0)", path)
    if n > settings.max_pages:
        raise DocumentError("too_many_pages", f"the PDF has {n} pages, more than the limit of "
                            f"{settings.max_pages} (ReadSettings.max_pages)", path)
    scans: list[PageScan] = []
    for i in range(n):
        try:
            scans.append(_scan_page(pdf, i, with_objects))
        except pdfium.PdfiumError as e:
            raise DocumentError("corrupt", f"page {i + 1} cannot be read ({e})", path) from e
    return scans


def _scan_page(pdf: pdfium.PdfDocument, index: int, with_objects: bool) -> PageScan:
    page = pdf[index]
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
        scan = PageScan(index + 1, text, has_images=not text.strip() and _has_image(page))
        scan.is_table_page = is_table_page(text)
        if with_objects and scan.is_table_page:
            scan.chars, scan.n_unmapped = page_chars(page, textpage)
            scan.edges = page_edges(page)
        return scan
    finally:
        textpage.close()
        page.close()


def _has_image(page: pdfium.PdfPage) -> bool:
    for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        return True
    return False


def is_table_page(text: str) -> bool:
    """True if the page text names table rows/headers and has the shape of a table.

    Narrative pages repeat table words ("行政复议 351 件，其中结果维持 72 件"), so a marker alone is not
    enough: a table page also has a line with two numbers in a row, or several strong markers.

    >>> is_table_page("行政复议 351 件，其中结果维持 72 件"), is_table_page("（一）予以公开 12 0 3")
    (False, True)
    """
    flat = re.sub(r"\s+", "", text)
    if not any(m in flat for m in TABLE_MARKERS):
        return False
    if sum(m in flat for m in STRONG_MARKERS) >= 2:
        return True
    return any(_has_number_run(line) for line in text.split("\n"))


def _has_number_run(line: str) -> bool:
    tokens = line.split()
    return any(NUMBER_TOKEN.match(a) and NUMBER_TOKEN.match(b) for a, b in zip(tokens, tokens[1:]))


def looks_garbled(text: str) -> bool:
    """Text with few CJK characters or many replacement characters: maybe undecodable glyphs.

    >>> looks_garbled("!#%&'()*+"), looks_garbled("政府信息公开工作年度报告")
    (True, False)
    """
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        return False
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in visible)
    bad = sum(ch == "\ufffd" or ord(ch) < 32 for ch in visible)
    return cjk < 0.2 * len(visible) or bad > 0.1 * len(visible)


def check_scanned_tables(path: str, scans: list[PageScan], doc: Document, ocr_ran: bool,
                         why_not: str = "") -> None:
    """Fail a PDF whose report tables are not in a text layer but some pages are images (a scan).

    Nothing is raised when a report table was read. Otherwise: ``not_a_report`` when OCR looked at the
    image pages (it read the ruled ones and found no report table), ``needs_ocr`` when it could not run
    (``why_not`` says why: switched off, or not installed).
    """
    image_pages = [s.number for s in scans if s.has_images]
    if not image_pages:
        return
    for b in doc.blocks:
        if isinstance(b, Table):
            flat = "".join(c.text for row in b.rows for c in row).replace("\n", "").replace(" ", "")
            if any(m in flat for m in REPORT_TABLE_MARKERS):
                return
    if ocr_ran:
        read = f"; OCR read {pages_phrase(doc.ocr_pages)}" if doc.ocr_pages else ""
        raise DocumentError("not_a_report", f"no report table was found: {pages_phrase(image_pages)} are "
                            f"images only (scanned){read} and found no ruled report table", path)
    raise DocumentError("needs_ocr", f"no report table has a text layer, and "
                        f"{pages_phrase(image_pages)} are images only (scanned); the tables there need OCR"
                        f"{why_not}", path)


def pages_phrase(numbers: Sequence[int]) -> str:
    """Page numbers for a message.

    >>> pages_phrase([3]), pages_phrase([1, 2])
    ('page 3', 'pages 1, 2')
    """
    return ("page " if len(numbers) == 1 else "pages ") + ", ".join(str(n) for n in numbers)
