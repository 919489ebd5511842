"""PDF reader: report tables from ruling lines, everything else as text lines.

The reader triages pages with pypdfium2 first (:mod:`.triage`): only pages whose text looks like one of the
report tables (markers such as 第二十条 / 本年新收 / 结果维持 *and* rows of bare numbers) are analysed for
tables; every other page becomes one :class:`Paragraph` per text line.

On a table page the characters and ruling lines are taken from PDFium as well (engine ``"pdfium"``, the
default; :mod:`.pdfium_objects`) or from pdfminer (engine ``"pdfplumber"``, the reference; both give identical
tables on the corpus), and pdfplumber's lattice algorithm turns the lines into cells (:mod:`.pages`), which
are placed on a grid (:mod:`.grid`). Tables that run over a page break are stitched into one
:class:`Table` (:mod:`.stitch`). A table page without ruling lines gets a table inferred from the alignment
of numbers (:mod:`.infer`, ``Table.inferred = True``). Pages whose text PDFium cannot decode are read with
pdfplumber, which reports ``(cid:NN)`` glyphs.

Every failure of the PDF libraries is converted into a :class:`DocumentError` with a specific code.
"""
from __future__ import annotations

import mmap
import os

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ...errors import DocumentError
from ...settings import DEFAULT_SETTINGS, ReadSettings
from .. import ocr
from ..document import Document
from .grid import Grid
from .pages import read_pages
from .scanned import ocr_pages
from .stitch import stitch_grids
from .triage import check_scanned_tables, scan_pages

__all__ = ["pdf_to_document"]


def pdf_to_document(path: str, settings: ReadSettings = DEFAULT_SETTINGS, *,
                    engine: str = "pdfium") -> Document:
    """Read a PDF report into paragraphs and tables in reading order.

    ``engine`` chooses where characters and ruling lines of the table pages come from: ``"pdfium"``
    (default, ~10x faster) or ``"pdfplumber"`` (pdfminer, the reference). Both feed the same pdfplumber
    cell finder. Pages whose text PDFium cannot decode always go through pdfplumber, which names the
    undecodable glyphs ``(cid:NN)``.

    Raises :class:`DocumentError` with code ``not_found``, ``empty_file``, ``corrupt``, ``encrypted``,
    ``too_many_pages``, ``needs_ocr``, ``unreadable_text`` or ``not_a_report``.
    """
    if engine not in ("pdfium", "pdfplumber"):
        raise ValueError(f"unknown PDF engine {engine!r}")
    _check_file(path)
    pdf = _open_pdfium(path)
    try:
        scans = scan_pages(pdf, path, settings, with_objects=engine == "pdfium")
    finally:
        pdf.close()
    if not any(s.text.strip() or s.has_images for s in scans):
        raise DocumentError("not_a_report", f"the PDF's {len(scans)} page(s) hold no text and no images",
                            path)
    doc = Document(path, format="pdf", n_pages=len(scans))
    # image-only pages (a scan) are read by OCR; pages with a text layer never are
    scanned = ocr_pages(path, scans, settings, doc)
    blocks = stitch_grids(read_pages(path, scans, engine, doc, scanned))
    doc.blocks = [b.to_table() if isinstance(b, Grid) else b for b in blocks]
    why_not = ocr.unavailable(settings)
    check_scanned_tables(path, scans, doc, ocr_ran=why_not is None, why_not=f"; {why_not}" if why_not else "")
    return doc


def _check_file(path: str) -> None:
    """Refuse what is not a PDF before handing it to PDFium, so the message can say what it is."""
    if not os.path.isfile(path):
        raise DocumentError("not_found", "file not found", path)
    if os.path.getsize(path) == 0:
        raise DocumentError("empty_file", "the file is empty (0 bytes)", path)
    with open(path, "rb") as f:
        head = f.read(1024)
    if b"%PDF-" not in head:
        lowered = head.lower()
        if b"<html" in lowered or b"<!doctype" in lowered or b"<body" in lowered:
            what = "an HTML page (probably an error page saved under a .pdf name)"
        else:
            what = f"data starting with {head[:16]!r}"
        raise DocumentError("corrupt", f"not a PDF file: it holds {what}", path)


def _open_pdfium(path: str) -> pdfium.PdfDocument:
    """Open with PDFium, translating its load errors into document error codes."""
    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as e:
        code = getattr(e, "err_code", None)
        if code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY) and not _declares_encryption(path):
            # PDFium leaves its last-error value unset on some failures (an empty page tree), so the code
            # can be left over from an earlier encrypted file in the same process: trust it only when the
            # file has an /Encrypt entry
            code = None
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise DocumentError("encrypted", "the PDF is password-protected; it cannot be read "
                                "without the password", path) from e
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise DocumentError("encrypted", "the PDF uses an unsupported security handler "
                                "(encryption)", path) from e
        # PDFium also refuses a well-formed file whose page tree is empty, with the same error
        raise DocumentError("corrupt", "the PDF is damaged or truncated, or has no pages, and cannot be "
                            f"opened ({e})", path) from e


def _declares_encryption(path: str) -> bool:
    """True when the file holds an ``/Encrypt`` key (every encrypted PDF has one in a trailer, which is
    never inside a compressed stream)."""
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        return m.find(b"/Encrypt") != -1
