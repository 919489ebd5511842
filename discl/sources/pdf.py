"""PDF reader: report tables from ruling lines, everything else as text lines.

Parsing a page with pdfminer (pdfplumber) costs 0.07–0.1 s, so a 6-page report would take 0.5–1 s. The
reader therefore triages pages with pypdfium2 first: it extracts the text of a whole report in ~20 ms, and
only pages whose text looks like one of the report tables (markers such as 第二十条 / 本年新收 / 结果维持
*and* rows of bare numbers) are analysed for tables; every other page becomes one :class:`Paragraph` per
text line.

On a table page the characters and ruling lines are taken from PDFium as well (engine ``"pdfium"``, the
default) or from pdfminer (engine ``"pdfplumber"``, the reference; both give identical tables on the
corpus), and pdfplumber's lattice algorithm turns the lines into cells. Each cell is placed on the grid of
the table's distinct x/y edges, which yields rowspan/colspan directly and keeps values in their columns
even where a line is missing (holes become empty cells). Characters go to the cell holding their centre.
Tables that run over a page break are stitched into one :class:`Table` (:func:`_stitch`). A table page
without ruling lines gets a table inferred from the alignment of numbers (``Table.inferred = True``).
Pages whose text PDFium cannot decode are read with pdfplumber, which reports ``(cid:NN)`` glyphs.

Every failure of the PDF libraries is converted into a :class:`DocumentError` with a specific code.
"""
from __future__ import annotations

import bisect
import ctypes
import mmap
import os
import re
import struct
import zlib
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.psexceptions import PSException
from pdfplumber import table as plumber_table
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

from ..errors import DocumentError
from ..settings import DEFAULT_SETTINGS, ReadSettings
from .document import BBox, Cell, Document, Paragraph, Table

__all__ = ["pdf_to_document"]

# Words that occur in the report tables (format.md §3–§5). A page is parsed with pdfplumber only if its
# text contains one of them *and* looks tabular (see :func:`_is_table_page`).
TABLE_MARKERS = (
    "第二十条", "信息内容", "本年制发", "本年处理决定", "本年收费金额", "本年新制作", "上一年项目",
    "本年新收", "上年结转", "勾稽关系", "申请人情况", "自然人", "商业企业", "予以公开", "部分公开",
    "不予公开", "无法提供", "不予处理", "其他处理", "结转下年度", "总计",
    "行政复议", "结果维持", "结果纠正", "尚未审结", "复议后起诉",
)
# Markers that practically only occur inside the tables (narrative text rarely contains them).
STRONG_MARKERS = ("信息内容", "本年制发", "本年处理决定", "本年新制作", "勾稽关系", "申请人情况",
                  "商业企业", "复议后起诉", "结果维持结果纠正")
# A table whose text contains one of these is one of the report tables; used to decide whether pages
# with images only (scans) held the tables.
REPORT_TABLE_MARKERS = ("信息内容", "本年新收", "勾稽", "予以公开", "结果维持", "申请人情况")
# First-row text that starts a new report table: such a table never continues the one above it.
TABLE_START_MARKERS = ("勾稽", "申请人情况", "行政复议")

# Enumerators that begin a new label ("一、", "（三）", "2.", "1、", "第二十条"): a cell that starts with one
# is never the continuation of a label cut by a page break.
_ENUMERATOR = re.compile(
    r"^(第[一二三四五六七八九十]+|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+\s*[.、．])")
_NUMBER_TOKEN = re.compile(r"^[+\-−]?\d[\d,，]*(?:[.．]\d+)?(?:%|万元|元)?$")
_VALUE_TOKENS = {"-", "—", "–", "/", "－", "——"}
# Page furniture between the two halves of a split table: page numbers like "- 4 -" or "第4页 共6页".
_FURNITURE = re.compile(r"^[\s\-—–－_·•.第页共/\d]{1,20}$")
_CID = re.compile(r"^\(cid:\d+\)$")

# Tolerances in PDF points.
EDGE_TOL = 2.0          # two cell edges closer than this are the same grid line (within one table)
STITCH_TOL = 4.0        # column edges of two halves of a split table may differ by a few points
RULE_MAX_THICKNESS = 2.0  # a filled rectangle thinner than this is a ruling line, not a background

# Exceptions pdfminer/pdfplumber raise on damaged content streams. pdfminer has no single base class
# for them: besides its own PSException family it lets low-level errors through.
_PDFMINER_ERRORS = (PSException, PdfminerException, MalformedPDFException, struct.error, zlib.error,
                    ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError)


# --------------------------------------------------------------------------------------------------
# Intermediate grid model
# --------------------------------------------------------------------------------------------------

@dataclass
class _GCell:
    """A cell on a table grid: rows r0..r1-1 and columns c0..c1-1 (boundary indices)."""
    r0: int
    c0: int
    r1: int
    c1: int
    text: str
    page: int
    bbox: BBox


@dataclass
class _Grid:
    """A table before conversion to :class:`Table`; ``xs`` are the column boundary x-positions."""
    xs: list[float]
    nrows: int
    cells: list[_GCell]
    page: int          # first page
    last_page: int
    top: float         # top on the first page
    bottom: float      # bottom on the last page
    inferred: bool = False
    # row edges and the cell owning each grid slot, on the first page; only for assigning characters
    ys: list[float] = field(default_factory=list)
    owner: list[list[_GCell]] = field(default_factory=list)

    def row_cells(self, r: int) -> list[_GCell]:
        """Cells that start in row ``r``, left to right."""
        return sorted((c for c in self.cells if c.r0 == r), key=lambda c: c.c0)

    def covering(self, r: int) -> list[_GCell]:
        """Cells that cover row ``r`` (start in it or span over it), left to right."""
        return sorted((c for c in self.cells if c.r0 <= r < c.r1), key=lambda c: c.c0)

    def to_table(self) -> Table:
        rows = [[Cell(c.text, rowspan=c.r1 - c.r0, colspan=c.c1 - c.c0, page=c.page, bbox=c.bbox)
                 for c in self.row_cells(r)] for r in range(self.nrows)]
        return Table(rows=rows, page=self.page, inferred=self.inferred)


@dataclass
class _PageScan:
    """What pypdfium2 tells about one page."""
    number: int  # 1-based
    text: str
    has_images: bool
    is_table_page: bool = False
    # characters / ruling lines of a table page, read by PDFium while the page was open
    chars: list[dict] | None = None
    edges: list[dict] = field(default_factory=list)
    n_unmapped: int = 0


@dataclass
class _Line:
    """A text line rebuilt from characters."""
    top: float
    bottom: float
    text: str
    chars: list[dict] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------------

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
    scans = _scan_pages(path, settings, with_objects=engine == "pdfium")
    if not any(s.text.strip() for s in scans):
        image_pages = [s.number for s in scans if s.has_images]
        if image_pages:
            raise DocumentError("needs_ocr", f"no page has a text layer; {_pages(image_pages)} "
                                "are images only (a scan) and need OCR", path)
        raise DocumentError("not_a_report", f"the PDF's {len(scans)} page(s) hold no text and no images",
                            path)
    doc = Document(path, format="pdf", n_pages=len(scans))
    blocks = _stitch(_read_pages(path, scans, engine, doc))
    doc.blocks = [b.to_table() if isinstance(b, _Grid) else b for b in blocks]
    _check_scanned_tables(path, scans, doc)
    return doc


def _pages(numbers: Sequence[int]) -> str:
    return ("page " if len(numbers) == 1 else "pages ") + ", ".join(str(n) for n in numbers)


# --------------------------------------------------------------------------------------------------
# Opening and triage (pypdfium2)
# --------------------------------------------------------------------------------------------------

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


def _scan_pages(path: str, settings: ReadSettings, with_objects: bool) -> list[_PageScan]:
    """Check the page count, then read every page's text; on table pages (triage) also the
    characters and ruling lines when ``with_objects``."""
    pdf = _open_pdfium(path)
    try:
        n = len(pdf)
        if n == 0:
            raise DocumentError("corrupt", "the PDF has no pages (page count is 0)", path)
        if n > settings.max_pages:
            raise DocumentError("too_many_pages", f"the PDF has {n} pages, more than the limit of "
                                f"{settings.max_pages} (ReadSettings.max_pages)", path)
        scans: list[_PageScan] = []
        for i in range(n):
            try:
                scans.append(_scan_page(pdf, i, with_objects))
            except pdfium.PdfiumError as e:
                raise DocumentError("corrupt", f"page {i + 1} cannot be read ({e})", path) from e
        return scans
    finally:
        pdf.close()


def _scan_page(pdf: pdfium.PdfDocument, index: int, with_objects: bool) -> _PageScan:
    page = pdf[index]
    textpage = page.get_textpage()
    try:
        text = textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
        scan = _PageScan(index + 1, text, has_images=not text.strip() and _has_image(page))
        scan.is_table_page = _is_table_page(text)
        if with_objects and scan.is_table_page:
            scan.chars, scan.n_unmapped = _pdfium_chars(page, textpage)
            scan.edges = _pdfium_edges(page)
        return scan
    finally:
        textpage.close()
        page.close()


def _has_image(page: pdfium.PdfPage) -> bool:
    for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        return True
    return False


def _is_table_page(text: str) -> bool:
    """True if the page text names table rows/headers and has the shape of a table.

    Narrative pages repeat table words ("行政复议 351 件，其中结果维持 72 件"), so a marker alone is not
    enough: a table page also has a line with two numbers in a row, or several strong markers.
    """
    flat = re.sub(r"\s+", "", text)
    if not any(m in flat for m in TABLE_MARKERS):
        return False
    if sum(m in flat for m in STRONG_MARKERS) >= 2:
        return True
    return any(_has_number_run(line) for line in text.split("\n"))


def _has_number_run(line: str) -> bool:
    tokens = line.split()
    return any(_NUMBER_TOKEN.match(a) and _NUMBER_TOKEN.match(b) for a, b in zip(tokens, tokens[1:]))


def _looks_garbled(text: str) -> bool:
    """Text with few CJK characters or many replacement characters: maybe undecodable glyphs."""
    visible = [ch for ch in text if not ch.isspace()]
    if not visible:
        return False
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in visible)
    bad = sum(ch == "\ufffd" or ord(ch) < 32 for ch in visible)
    return cjk < 0.2 * len(visible) or bad > 0.1 * len(visible)


# --------------------------------------------------------------------------------------------------
# Characters and ruling lines from PDFium
# --------------------------------------------------------------------------------------------------

def _pdfium_chars(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> tuple[list[dict], int]:
    """Characters as pdfplumber-style dicts (x0, x1, top, bottom in points from the top-left).

    Also returns how many characters have no Unicode mapping (PDFium's equivalent of (cid:NN)).
    """
    left, _, _, top = page.get_mediabox()
    raw = textpage.raw
    found: list[tuple[str, tuple[float, ...], tuple[float, ...]]] = []
    unmapped = 0
    for i in range(textpage.count_chars()):
        if pdfium_c.FPDFText_IsGenerated(raw, i) == 1:
            continue  # spaces/line breaks PDFium inserted itself; they have no box
        code = pdfium_c.FPDFText_GetUnicode(raw, i)
        if pdfium_c.FPDFText_HasUnicodeMapError(raw, i) == 1:
            unmapped += 1
        text = chr(code) if 0 < code < 0x110000 else "\ufffd"
        if text in "\r\n":
            continue
        found.append((text, textpage.get_charbox(i, loose=True), textpage.get_charbox(i, loose=False)))
    if not found:
        return [], unmapped
    # The loose box spans the font's ascent to descent, so the characters of a line share top and
    # bottom (pdfminer does the same). But when a PDF scales a huge font down with the text matrix
    # (WPS does so for vertical labels) PDFium returns loose boxes ~200 points high; then the tight
    # glyph box is the right one.
    heights = sorted(lb[3] - lb[1] for _, lb, _ in found)
    limit = 3 * heights[len(heights) // 2] + 1
    chars: list[dict] = []
    for text, loose, tight in found:
        x0, y0, x1, y1 = loose if loose[3] - loose[1] <= limit else tight
        chars.append({"text": text, "x0": x0 - left, "x1": x1 - left, "top": top - y1,
                      "bottom": top - y0, "size": y1 - y0})
    return chars, unmapped


def _pdfium_edges(page: pdfium.PdfPage) -> list[dict]:
    """Horizontal and vertical ruling lines of the page as pdfplumber edge dicts.

    Stroked path segments are lines; filled paths count only when thin (a rule drawn as a filled
    rectangle). Thick filled shapes are cell or line backgrounds, not borders.
    """
    left, _, _, top = page.get_mediabox()
    edges: list[dict] = []
    for obj, matrix in _path_objects(page):
        fill, stroke = ctypes.c_int(), ctypes.c_int()
        pdfium_c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke))
        for subpath in _subpaths(obj, matrix):
            if stroke.value:
                segments = zip(subpath, subpath[1:])
            elif fill.value and _is_thin(subpath):
                xs_, ys_ = [p[0] for p in subpath], [p[1] for p in subpath]
                x0, x1, y0, y1 = min(xs_), max(xs_), min(ys_), max(ys_)
                segments = [((x0, (y0 + y1) / 2), (x1, (y0 + y1) / 2))] if x1 - x0 > y1 - y0 \
                    else [(((x0 + x1) / 2, y0), ((x0 + x1) / 2, y1))]
            else:
                continue
            for (ax, ay), (bx, by) in segments:
                edge = _edge(ax - left, top - ay, bx - left, top - by)
                if edge:
                    edges.append(edge)
    return edges


Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _compose(m: Matrix, n: Matrix) -> Matrix:
    """Matrix applying ``m`` first, then ``n`` (PDF row-vector convention)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _object_matrix(obj) -> Matrix:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)):
        return _IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _path_objects(page: pdfium.PdfPage):
    """Yield (raw path object, matrix from its own space to page space), descending into forms."""
    def walk(count: int, get, outer: Matrix, depth: int):
        for i in range(count):
            obj = get(i)
            kind = pdfium_c.FPDFPageObj_GetType(obj)
            if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
                yield obj, _compose(_object_matrix(obj), outer)
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < 5:
                inner = _compose(_object_matrix(obj), outer)
                yield from walk(pdfium_c.FPDFFormObj_CountObjects(obj),
                                lambda k, o=obj: pdfium_c.FPDFFormObj_GetObject(o, k), inner, depth + 1)
    raw = page.raw
    yield from walk(pdfium_c.FPDFPage_CountObjects(raw), lambda k: pdfium_c.FPDFPage_GetObject(raw, k),
                    _IDENTITY, 0)


def _subpaths(obj, m: Matrix) -> list[list[tuple[float, float]]]:
    """Points of each subpath in page space; a closed subpath ends with its first point again.
    Curves are reduced to their end points (they are never table rules)."""
    out: list[list[tuple[float, float]]] = []
    x, y = ctypes.c_float(), ctypes.c_float()
    for k in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj, k)
        pdfium_c.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y))
        a, b, c, d, e, f = m
        point = (a * x.value + c * y.value + e, b * x.value + d * y.value + f)
        if pdfium_c.FPDFPathSegment_GetType(seg) == pdfium_c.FPDF_SEGMENT_MOVETO or not out:
            out.append([point])
        else:
            out[-1].append(point)
        if pdfium_c.FPDFPathSegment_GetClose(seg) and len(out[-1]) > 1:
            out[-1].append(out[-1][0])
    return out


def _is_thin(points: list[tuple[float, float]]) -> bool:
    xs_, ys_ = [p[0] for p in points], [p[1] for p in points]
    return min(max(xs_) - min(xs_), max(ys_) - min(ys_)) <= RULE_MAX_THICKNESS


def _edge(x0: float, top0: float, x1: float, top1: float) -> dict | None:
    """A pdfplumber edge dict for an axis-parallel segment; None for slanted or tiny ones."""
    if abs(top1 - top0) <= 0.5 and abs(x1 - x0) >= 1:
        xa, xb, t = min(x0, x1), max(x0, x1), (top0 + top1) / 2
        return {"x0": xa, "x1": xb, "top": t, "bottom": t, "width": xb - xa, "height": 0.0,
                "orientation": "h", "object_type": "line"}
    if abs(x1 - x0) <= 0.5 and abs(top1 - top0) >= 1:
        ta, tb, x = min(top0, top1), max(top0, top1), (x0 + x1) / 2
        return {"x0": x, "x1": x, "top": ta, "bottom": tb, "width": 0.0, "height": tb - ta,
                "orientation": "v", "object_type": "line"}
    return None


# --------------------------------------------------------------------------------------------------
# Page reading
# --------------------------------------------------------------------------------------------------

def _read_pages(path: str, scans: list[_PageScan], engine: str, doc: Document) -> list[Paragraph | _Grid]:
    """Blocks of all pages in order: tables and text lines on table pages, PDFium text lines elsewhere."""
    table_pages = [s.number for s in scans if s.is_table_page]
    plumber_pages = table_pages if engine == "pdfplumber" else []
    if not table_pages:
        # nothing looked like a table: maybe the text is undecodable; pdfplumber tells (cid:NN)
        plumber_pages = [s.number for s in scans if s.text.strip() and _looks_garbled(s.text)][:30]
    parsed = _parse_with_pdfplumber(path, plumber_pages, doc) if plumber_pages else {}
    n_chars = n_bad = 0
    for s in scans:
        if s.chars is not None and s.number not in parsed:
            parsed[s.number] = _page_blocks(s.chars, s.edges, s.number)
            n_chars += len(s.chars)
            n_bad += s.n_unmapped
    if n_chars and n_bad > 0.5 * n_chars:
        raise DocumentError("unreadable_text", f"{n_bad} of {n_chars} characters on {_pages(table_pages)} "
                            "have no Unicode mapping (they extract as (cid:NN) glyph ids)", path)
    blocks: list[Paragraph | _Grid] = []
    for s in scans:
        if s.number in parsed:
            blocks.extend(parsed[s.number])
        else:
            blocks.extend(Paragraph(line.strip(), page=s.number)
                          for line in s.text.split("\n") if line.strip())
    return blocks


def _parse_with_pdfplumber(path: str, numbers: list[int], doc: Document) -> dict[int, list[Paragraph | _Grid]]:
    """Read the given pages with pdfplumber; raise ``unreadable_text`` if most glyphs are (cid:NN)."""
    out: dict[int, list[Paragraph | _Grid]] = {}
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
                out[page.page_number] = _page_blocks(chars, edges, page.page_number)
                n_chars += len(chars)
                n_cid += sum(1 for c in chars if _CID.match(c["text"]))
    except _PDFMINER_ERRORS as e:
        if isinstance(e, PdfminerException) and "password" in str(e).lower():
            raise DocumentError("encrypted", "the PDF is password-protected", path) from e
        raise DocumentError("corrupt", f"pdfplumber cannot parse the PDF ({type(e).__name__}: {e})",
                            path) from e
    if n_chars and n_cid > 0.5 * n_chars:
        raise DocumentError("unreadable_text", f"{n_cid} of {n_chars} characters on {_pages(numbers)} are "
                            "undecodable glyph ids like (cid:NN): the fonts have no Unicode mapping", path)
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


def _find_cell_boxes(edges: list[dict]) -> list[list[tuple[float, float, float, float]]]:
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


def _page_blocks(chars: list[dict], edges: list[dict], number: int) -> list[Paragraph | _Grid]:
    """Tables and the remaining text lines of one page, ordered top to bottom."""
    chars = _dedupe(chars)
    grids = [g for g in (_grid_from_boxes(boxes, number) for boxes in _find_cell_boxes(edges)) if g]
    grids.sort(key=lambda g: g.top)
    leftover = _assign_chars(grids, chars)
    lines = _chars_to_lines(leftover)
    if not any(len(g.xs) > 2 for g in grids) and _lines_look_tabular(lines):
        inferred, lines = _infer_table(lines, number)
        if inferred:
            grids.append(inferred)
    blocks: list[tuple[float, Paragraph | _Grid]] = []
    for g in grids:
        if len(g.xs) == 2:  # a one-column "table" is a framed text box
            blocks.extend((c.bbox[1], Paragraph(c.text, page=number)) for c in g.cells if c.text)
        else:
            blocks.append((g.top, g))
    blocks.extend((ln.top, Paragraph(ln.text, page=number)) for ln in lines)
    blocks.sort(key=lambda b: b[0])
    return [b for _, b in blocks]


# --------------------------------------------------------------------------------------------------
# Grids from ruled cells
# --------------------------------------------------------------------------------------------------

def _cluster(values: Iterable[float], tol: float) -> list[float]:
    """Sorted representatives of groups of values lying within ``tol`` of each other."""
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][0] <= tol:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]


def _nearest(bounds: list[float], v: float) -> int:
    i = bisect.bisect_left(bounds, v)
    if i == 0:
        return 0
    if i == len(bounds):
        return len(bounds) - 1
    return i if bounds[i] - v < v - bounds[i - 1] else i - 1


def _grid_from_boxes(boxes: list[tuple[float, float, float, float]], page: int) -> _Grid | None:
    """Place pdfplumber's cell boxes on the grid of distinct edges; fill holes with empty cells."""
    if not boxes:
        return None
    xs = _cluster((x for b in boxes for x in (b[0], b[2])), EDGE_TOL)
    ys = _cluster((y for b in boxes for y in (b[1], b[3])), EDGE_TOL)
    if len(xs) < 2 or len(ys) < 2:
        return None
    nrows, ncols = len(ys) - 1, len(xs) - 1
    owner: list[list[_GCell | None]] = [[None] * ncols for _ in range(nrows)]
    cells: list[_GCell] = []
    for b in sorted(boxes, key=lambda b: (b[1], b[0])):
        c0, c1 = _nearest(xs, b[0]), _nearest(xs, b[2])
        r0, r1 = _nearest(ys, b[1]), _nearest(ys, b[3])
        if c1 <= c0 or r1 <= r0:
            continue  # a sliver thinner than the tolerance
        if any(owner[r][c] for r in range(r0, r1) for c in range(c0, c1)):
            continue  # overlapping boxes: keep the first
        cell = _GCell(r0, c0, r1, c1, "", page, (b[0], b[1], b[2], b[3]))
        cells.append(cell)
        for r in range(r0, r1):
            for c in range(c0, c1):
                owner[r][c] = cell
    for r in range(nrows):
        for c in range(ncols):
            if owner[r][c] is None:
                # pdfplumber found no cell here (a missing line): an empty cell keeps later values
                # in their own columns
                cell = _GCell(r, c, r + 1, c + 1, "", page, (xs[c], ys[r], xs[c + 1], ys[r + 1]))
                cells.append(cell)
                owner[r][c] = cell
    return _Grid(xs=xs, nrows=nrows, cells=cells, page=page, last_page=page, top=ys[0], bottom=ys[-1],
                 ys=ys, owner=owner)  # type: ignore[arg-type]  # no None left in owner


def _assign_chars(grids: list[_Grid], chars: list[dict]) -> list[dict]:
    """Put each character into the cell containing its centre; return characters outside all tables."""
    per_cell: dict[int, list[dict]] = {}
    leftover: list[dict] = []
    for ch in chars:
        cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
        for g in grids:
            ys, owner = g.ys, g.owner
            if g.xs[0] <= cx <= g.xs[-1] and ys[0] <= cy <= ys[-1]:
                c = min(max(bisect.bisect_right(g.xs, cx) - 1, 0), len(g.xs) - 2)
                r = min(max(bisect.bisect_right(ys, cy) - 1, 0), len(ys) - 2)
                per_cell.setdefault(id(owner[r][c]), []).append(ch)
                break
        else:
            leftover.append(ch)
    for g in grids:
        for cell in g.cells:
            cell.text = "\n".join(ln.text for ln in _chars_to_lines(per_cell.get(id(cell), [])))
    return leftover


# --------------------------------------------------------------------------------------------------
# Characters to text
# --------------------------------------------------------------------------------------------------

def _chars_to_lines(chars: list[dict]) -> list[_Line]:
    """Group characters into lines by vertical centre, each line read left to right."""
    lines: list[list[dict]] = []
    centres: list[float] = []
    for ch in sorted(chars, key=lambda c: ((c["top"] + c["bottom"]) / 2, c["x0"])):
        cy = (ch["top"] + ch["bottom"]) / 2
        size = max(ch["bottom"] - ch["top"], 1.0)
        if lines and abs(cy - centres[-1]) <= 0.5 * size:
            lines[-1].append(ch)
        else:
            lines.append([ch])
            centres.append(cy)
    out = []
    for line in lines:
        text = _join_line(sorted(line, key=lambda c: c["x0"]))
        if text:
            out.append(_Line(min(c["top"] for c in line), max(c["bottom"] for c in line), text, line))
    return out


def _join_line(chars: list[dict]) -> str:
    """Concatenate a line's characters; a wide horizontal gap becomes one space."""
    parts: list[str] = []
    prev: dict | None = None
    for ch in chars:
        if prev is not None and ch["x0"] - prev["x1"] > 0.5 * max(ch["size"], 1.0) \
                and parts and parts[-1] != " ":
            parts.append(" ")
        parts.append(ch["text"])
        prev = ch
    return re.sub(r"\s+", " ", "".join(parts)).strip()


# --------------------------------------------------------------------------------------------------
# Tables without ruling lines (inferred from text alignment)
# --------------------------------------------------------------------------------------------------

def _line_tokens(line: _Line) -> list[tuple[str, float, float]]:
    """Split a line at wide gaps into (text, x0, x1) tokens."""
    tokens: list[tuple[str, float, float]] = []
    cur: list[dict] = []
    for ch in sorted(line.chars, key=lambda c: c["x0"]):
        if ch["text"].isspace():
            if cur:
                tokens.append(_token(cur))
                cur = []
            continue
        if cur and ch["x0"] - cur[-1]["x1"] > 0.5 * max(ch["size"], 1.0):
            tokens.append(_token(cur))
            cur = []
        cur.append(ch)
    if cur:
        tokens.append(_token(cur))
    return tokens


def _token(chars: list[dict]) -> tuple[str, float, float]:
    return "".join(c["text"] for c in chars), chars[0]["x0"], chars[-1]["x1"]


def _is_value(text: str) -> bool:
    t = re.sub(r"\s+", "", text)
    return bool(t) and (bool(_NUMBER_TOKEN.match(t)) or t in _VALUE_TOKENS)


def _value_run(tokens: list[tuple[str, float, float]]) -> int:
    """Number of value tokens at the end of a line."""
    n = 0
    for text, _, _ in reversed(tokens):
        if not _is_value(text):
            break
        n += 1
    return n


def _lines_look_tabular(lines: list[_Line]) -> bool:
    flat = "".join(ln.text for ln in lines).replace(" ", "")
    return any(m in flat for m in REPORT_TABLE_MARKERS) and \
        sum(_value_run(_line_tokens(ln)) >= 2 for ln in lines) >= 2


def _infer_table(lines: list[_Line], page: int) -> tuple[_Grid | None, list[_Line]]:
    """Build a table from lines ending in runs of numbers; return it and the lines left outside.

    Columns are the clusters of the numbers' x-positions (left edges, centres or right edges, whichever
    alignment is most consistent), so a row with a blank cell still puts each number in its column.
    """
    data_idx = [i for i, ln in enumerate(lines) if _value_run(_line_tokens(ln)) >= 2]
    if len(data_idx) < 2:
        return None, lines
    first, last = data_idx[0], data_idx[-1]
    rows = lines[first:last + 1]
    values = [_line_tokens(ln) for ln in rows]
    runs = [_value_run(t) for t in values]
    numbers = [tok for toks, n in zip(values, runs) for tok in toks[len(toks) - n:]]
    size = max(min(c["size"] for ln in rows for c in ln.chars), 4.0)
    candidates = [_cluster((f(t) for t in numbers), 0.8 * size) for f in
                  (lambda t: t[1], lambda t: (t[1] + t[2]) / 2, lambda t: t[2])]
    which = min(range(3), key=lambda k: len(candidates[k]))
    centres = candidates[which]
    pos = [lambda t: t[1], lambda t: (t[1] + t[2]) / 2, lambda t: t[2]][which]
    ncols = len(centres) + 1  # label column first
    label_right = min(t[1] for t in numbers)
    xs = [min(ln.chars[0]["x0"] for ln in rows)] + [label_right - 1] + \
        [(a + b) / 2 for a, b in zip(centres, centres[1:])] + [max(t[2] for t in numbers) + 1]
    cells: list[_GCell] = []
    for r, (ln, toks, n) in enumerate(zip(rows, values, runs)):
        label_toks = toks[:len(toks) - n]
        label = " ".join(t[0] for t in label_toks)
        lbox = (xs[0], ln.top, label_right - 1, ln.bottom)
        cells.append(_GCell(r, 0, r + 1, 1, label, page, lbox))
        slots: dict[int, tuple[str, float, float]] = {}
        for tok in toks[len(toks) - n:]:
            slots[_nearest(centres, pos(tok)) + 1] = tok
        for c in range(1, ncols):
            tok = slots.get(c)
            box = (tok[1], ln.top, tok[2], ln.bottom) if tok else (xs[c], ln.top, xs[c + 1], ln.bottom)
            cells.append(_GCell(r, c, r + 1, c + 1, tok[0] if tok else "", page, box))
    grid = _Grid(xs=xs, nrows=len(rows), cells=cells, page=page, last_page=page,
                 top=rows[0].top, bottom=rows[-1].bottom, inferred=True)
    return grid, lines[:first] + lines[last + 1:]


# --------------------------------------------------------------------------------------------------
# Stitching tables split by a page break
# --------------------------------------------------------------------------------------------------

def _stitch(blocks: list[Paragraph | _Grid]) -> list[Paragraph | _Grid]:
    """Join a table ending one page with a compatible table starting the next page.

    Only page furniture (page numbers) may lie between the two parts. The furniture stays in the
    block list, after the joined table.
    """
    out: list[Paragraph | _Grid] = []
    for b in blocks:
        if isinstance(b, _Grid):
            prev = _previous_grid(out)
            if prev is not None and prev.last_page + 1 == b.page and _continues(prev, b):
                _append_grid(prev, b)
                continue
        out.append(b)
    return out


def _previous_grid(out: list[Paragraph | _Grid]) -> _Grid | None:
    for b in reversed(out):
        if isinstance(b, _Grid):
            return b
        if not _FURNITURE.match(b.text):
            return None
    return None


def _continues(a: _Grid, b: _Grid) -> bool:
    """Same outer edges, one set of column edges contained in the other, and ``b`` not a new table."""
    if a.inferred != b.inferred:
        return False
    if abs(a.xs[0] - b.xs[0]) > STITCH_TOL or abs(a.xs[-1] - b.xs[-1]) > STITCH_TOL:
        return False
    a_in_b = all(_close(x, b.xs) for x in a.xs)
    b_in_a = all(_close(x, a.xs) for x in b.xs)
    if not (a_in_b or b_in_a):
        return False
    first_b = _row_key(b, 0)
    if any(m in first_b for m in TABLE_START_MARKERS) and first_b != _row_key(a, 0):
        return False
    return True


def _close(x: float, xs: list[float]) -> bool:
    return abs(xs[_nearest(xs, x)] - x) <= STITCH_TOL


def _row_key(g: _Grid, r: int) -> str:
    return "|".join(re.sub(r"\s+", "", c.text) for c in g.row_cells(r))


def _append_grid(a: _Grid, b: _Grid) -> None:
    """Append ``b``'s rows to ``a`` (in place): unify columns, drop a repeated header, join cut rows."""
    xs, map_a, map_b = _merge_columns(a.xs, b.xs)
    for c in a.cells:
        c.c0, c.c1 = map_a[c.c0], map_a[c.c1]
    for c in b.cells:
        c.c0, c.c1 = map_b[c.c0], map_b[c.c1]
    a.xs = xs
    _drop_repeated_header(a, b)
    if b.nrows == 0:
        return
    row_cut = _row_is_cut(a, b)
    offset = a.nrows - 1 if row_cut else a.nrows
    bottom_of_a = {(c.c0, c.c1): c for c in a.covering(a.nrows - 1)}
    for c in b.cells:
        above = bottom_of_a.get((c.c0, c.c1)) if c.r0 == 0 else None
        if above is not None and (row_cut or _cell_continues(above, c)):
            _join_cells(above, c, offset)
        else:
            c.r0 += offset
            c.r1 += offset
            a.cells.append(c)
    a.nrows = offset + b.nrows
    a.last_page, a.bottom = b.last_page, b.bottom


def _merge_columns(xa: list[float], xb: list[float]) -> tuple[list[float], list[int], list[int]]:
    """Union of two column-edge lists (edges within STITCH_TOL are one) and index maps into it."""
    merged = list(xa)
    for x in xb:
        if not _close(x, merged):
            bisect.insort(merged, x)
    map_a = [_nearest(merged, x) for x in xa]
    map_b = [_nearest(merged, x) for x in xb]
    return merged, map_a, map_b


def _drop_repeated_header(a: _Grid, b: _Grid) -> None:
    """Remove leading rows of ``b`` that repeat leading rows of ``a`` (a reprinted table header)."""
    head = [_row_key(a, r) for r in range(min(a.nrows, 6))]
    drop = 0
    while drop < b.nrows and drop < len(head) and _row_key(b, drop) == head[drop] \
            and any(head[drop].split("|")):
        drop += 1
    # a header cell spanning into the kept rows would be cut; only drop whole header blocks
    if drop and any(c.r0 < drop < c.r1 for c in b.cells):
        drop = 0
    if not drop:
        return
    b.cells = [c for c in b.cells if c.r0 >= drop]
    for c in b.cells:
        c.r0 -= drop
        c.r1 -= drop
    b.nrows -= drop


def _row_is_cut(a: _Grid, b: _Grid) -> bool:
    """True if ``b``'s first row is the rest of ``a``'s last row (the page break cut through it).

    Both rows must have the same cells; ``b``'s first row must hold label text that does not start a
    new label, and at most one of the two parts may hold the numbers.
    """
    last, first = a.covering(a.nrows - 1), b.row_cells(0)
    if [(c.c0, c.c1) for c in last] != [(c.c0, c.c1) for c in first]:
        return False
    texts = [re.sub(r"\s+", "", c.text) for c in first]
    labels = [t for t in texts if t and not _is_value(t)]
    if not labels or any(_ENUMERATOR.match(t) or _starts_table(t) for t in labels):
        return False
    a_has_values = any(_is_value(c.text) for c in last if c.r1 == a.nrows)
    b_has_values = any(_is_value(t) for t in texts)
    return not (a_has_values and b_has_values)


def _starts_table(text: str) -> bool:
    return any(m in text for m in TABLE_START_MARKERS) or text.startswith("信息内容")


def _cell_continues(above: _GCell, below: _GCell) -> bool:
    """A merged label cell cut by the page break: ``below`` carries on ``above``.

    ``below`` is empty (the rest of a vertical label) or is label text that starts no new item and
    spans several rows (a group label such as "（四）无" / "法提供").
    """
    top_text = re.sub(r"\s+", "", above.text)
    text = re.sub(r"\s+", "", below.text)
    if not top_text or _is_value(top_text):
        return False
    if not text:
        return True
    if _is_value(text) or _ENUMERATOR.match(text):
        return False
    return below.r1 - below.r0 > 1 or above.r1 - above.r0 > 1


def _join_cells(above: _GCell, below: _GCell, offset: int) -> None:
    """Extend ``above`` over ``below``; keep the provenance of the part that holds the text."""
    if below.text and not above.text:
        above.page, above.bbox = below.page, below.bbox
    if below.text:
        above.text = f"{above.text}\n{below.text}" if above.text else below.text
    above.r1 = max(above.r1, below.r1 + offset)


# --------------------------------------------------------------------------------------------------
# Scanned tables
# --------------------------------------------------------------------------------------------------

def _check_scanned_tables(path: str, scans: list[_PageScan], doc: Document) -> None:
    """Raise ``needs_ocr`` if no report table was read but some pages are images without text."""
    image_pages = [s.number for s in scans if s.has_images]
    if not image_pages:
        return
    for b in doc.blocks:
        if isinstance(b, Table):
            flat = "".join(c.text for row in b.rows for c in row).replace("\n", "").replace(" ", "")
            if any(m in flat for m in REPORT_TABLE_MARKERS):
                return
    raise DocumentError("needs_ocr", f"no report table has a text layer, and {_pages(image_pages)} "
                        "are images only (scanned); the tables there need OCR", path)
