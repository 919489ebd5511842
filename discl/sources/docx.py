"""Read a Word 2007+ (.docx) file into a :class:`~discl.sources.document.Document`.

A DOCX is an untrusted zip of XML, so the reader does not hand it to a general-purpose library. It

1. checks the zip's central directory first: member count, every member's declared uncompressed size,
   their sum (``ReadSettings.max_unzipped_bytes``) and the compression ratio of large members — a zip
   bomb is refused before a single byte is inflated;
2. reads ``word/document.xml`` itself with a bounded read (declared sizes can lie);
3. refuses any DTD (``<!DOCTYPE``/``<!ENTITY``: XXE, billion laughs) and parses with an lxml parser that
   resolves no entities, touches no network and keeps libxml2's size limits (``huge_tree=False``).

Then it walks the body in document order: paragraphs, tables (cells in the HTML model: only cells that
start in a row, ``colspan`` from ``w:gridSpan``, ``rowspan`` from ``w:vMerge``, empty placeholder cells
for the grid columns skipped by ``w:gridBefore``/``w:gridAfter``), text boxes as paragraphs, and nested tables as their own blocks after the outer table.
Automatic list numbering (``w:numPr``) is layout, not text, and is not rendered.
"""
from __future__ import annotations

import lzma
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Iterator

from lxml import etree

from ..errors import DocumentError
from ..settings import DEFAULT_SETTINGS, ReadSettings
from .document import Block, Cell, Document, Paragraph, Table

__all__ = ["docx_to_document", "parse_document_xml", "MAX_COMPRESSION_RATIO", "MAX_ZIP_MEMBERS"]

#: A member that inflates more than this many times its compressed size is treated as a zip bomb. Real
#: WordprocessingML compresses 5–30x; runs of identical bytes (the classic bomb) reach ~1000x.
MAX_COMPRESSION_RATIO = 100
#: The ratio test only applies above this size: tiny, very repetitive parts (an empty header) can have
#: high ratios and are harmless.
RATIO_CHECK_MIN_BYTES = 1024 * 1024
#: A Word file has a few dozen parts; tens of thousands of entries is an attack on the directory walk.
MAX_ZIP_MEMBERS = 10_000

_MAIN_PART = "word/document.xml"

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_W = "{%s}" % W


def _w(local: str) -> str:
    return _W + local


# Tags used while walking (precomputed: the walk touches every element).
T_BODY, T_P, T_TBL, T_TR, T_TC = _w("body"), _w("p"), _w("tbl"), _w("tr"), _w("tc")
T_R, T_T, T_TAB, T_BR, T_CR = _w("r"), _w("t"), _w("tab"), _w("br"), _w("cr")
T_SDT, T_SDTCONTENT, T_CUSTOMXML = _w("sdt"), _w("sdtContent"), _w("customXml")
T_TXBX = _w("txbxContent")
T_NBHYPHEN, T_SYM = _w("noBreakHyphen"), _w("sym")
T_TCPR, T_TRPR = _w("tcPr"), _w("trPr")
T_GRIDSPAN, T_VMERGE, T_HMERGE = _w("gridSpan"), _w("vMerge"), _w("hMerge")
T_GRIDBEFORE, T_GRIDAFTER, T_DEL = _w("gridBefore"), _w("gridAfter"), _w("del")
T_ALTCHUNK = _w("altChunk")
A_VAL = _w("val")
T_ALTERNATE, T_CHOICE, T_FALLBACK = "{%s}AlternateContent" % MC, "{%s}Choice" % MC, "{%s}Fallback" % MC

# Subtrees whose text is not document text: deleted revisions, field instructions ("PAGE \* MERGEFORMAT"),
# properties (w:pPr/w:rPr hold no text, skipping them just saves time), footnote marks.
_SKIP = {_w(t) for t in ("del", "delText", "instrText", "delInstrText", "pPr", "rPr", "tblPr", "tcPr",
                         "trPr", "sectPr", "moveFrom", "footnoteReference", "endnoteReference",
                         "commentReference", "annotationRef")}
# Containers that only wrap content: walk through them as if they were not there.
_TRANSPARENT = {T_SDT, T_SDTCONTENT, T_CUSTOMXML, _w("smartTag"), _w("ins"), _w("moveTo"),
                _w("hyperlink"), _w("fldSimple"), _w("bdo"), _w("dir")}


# --------------------------------------------------------------------------------------------------
# entry point


def docx_to_document(path: str, settings: ReadSettings = DEFAULT_SETTINGS) -> Document:
    """Read a DOCX file; raise :class:`DocumentError` (``corrupt``, ``unsafe_content``, ``encrypted``)."""
    xml = _read_main_part(path, settings)
    doc = Document(path=path, format="docx")
    try:
        doc.blocks = parse_document_xml(xml, doc.warnings)
    except DocumentError as e:
        e.path = e.path or path
        raise
    return doc


def parse_document_xml(xml: bytes, warnings: list[str] | None = None) -> list[Block]:
    """Turn the bytes of ``word/document.xml`` into blocks in body order (safe parse, see module doc)."""
    root = _safe_parse(xml)
    body = root.find(T_BODY)
    if body is None:
        raise DocumentError("corrupt", "word/document.xml has no <w:body>")
    out: list[Block] = []
    _walk_blocks(body, out, warnings if warnings is not None else [])
    return out


# --------------------------------------------------------------------------------------------------
# safe container and XML access


def _read_main_part(path: str, settings: ReadSettings) -> bytes:
    """Check the zip for bombs and return ``word/document.xml``, read with a bounded read."""
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            _check_zip_directory(infos, settings, path)
            try:
                info = z.getinfo(_MAIN_PART)
            except KeyError:
                raise DocumentError("corrupt", f"a zip file without {_MAIN_PART}: not a Word document",
                                    path) from None
            if info.flag_bits & 0x1:
                # zip-level (ZipCrypto) encryption: not how Office protects files, but unreadable all the same
                raise DocumentError("encrypted", f"{_MAIN_PART} is encrypted inside the zip", path)
            # The bound: never more than the total budget, whatever the header claims.
            limit = settings.max_unzipped_bytes
            with z.open(info) as f:
                data = f.read(limit + 1)
            if len(data) > limit:
                raise DocumentError("unsafe_content", f"{_MAIN_PART} inflates beyond {limit} bytes "
                                    "(ReadSettings.max_unzipped_bytes): refused as a zip bomb", path)
            return data
    except DocumentError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, lzma.LZMAError, EOFError, ValueError,
            NotImplementedError, OSError, RuntimeError) as e:
        # BadZipFile: truncated/damaged archive or bad CRC; zlib/lzma errors: damaged compressed data;
        # NotImplementedError: unknown compression method; RuntimeError: other zip-level encryption.
        raise DocumentError("corrupt", f"damaged or truncated DOCX ({type(e).__name__}: {e})", path) from e


def _check_zip_directory(infos: list[zipfile.ZipInfo], settings: ReadSettings, path: str) -> None:
    """Refuse a zip bomb from the central directory alone, before inflating anything."""
    if len(infos) > MAX_ZIP_MEMBERS:
        raise DocumentError("unsafe_content", f"the DOCX zip has {len(infos)} members "
                            f"(limit {MAX_ZIP_MEMBERS}): refused as a zip bomb", path)
    total = 0
    for info in infos:
        total += info.file_size
        if total > settings.max_unzipped_bytes:
            raise DocumentError(
                "unsafe_content",
                f"the DOCX declares {total / 1e6:.0f} MB or more uncompressed, above the limit of "
                f"{settings.max_unzipped_bytes / 1e6:.0f} MB (ReadSettings.max_unzipped_bytes): "
                "refused as a zip bomb", path)
        if info.file_size >= RATIO_CHECK_MIN_BYTES:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > MAX_COMPRESSION_RATIO:
                raise DocumentError(
                    "unsafe_content",
                    f"member {info.filename!r} inflates {ratio:.0f}x ({info.compress_size} -> "
                    f"{info.file_size} bytes, limit {MAX_COMPRESSION_RATIO}x): refused as a zip bomb", path)


def _safe_parser() -> etree.XMLParser:
    # resolve_entities=False: no external or internal entity expansion; no_network: never fetch a DTD;
    # load_dtd=False: ignore external subsets; huge_tree=False: libxml2's depth/size limits stay on.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True)


def _declares_dtd(xml: bytes) -> bool:
    """True when the XML has a document type declaration (the only place entities can be declared)."""
    head = xml
    if xml[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(xml) > 1 and (xml[0] == 0 or xml[1] == 0)):
        # UTF-16 XML: decode just to look; an undecodable file fails in the parser as corrupt
        head = xml.decode("utf-16", errors="ignore").encode("utf-8")
    return b"<!DOCTYPE" in head or b"<!ENTITY" in head


def _safe_parse(xml: bytes) -> etree._Element:
    """Parse untrusted WordprocessingML; refuse DTDs/entities with ``unsafe_content``."""
    # WordprocessingML never has a DTD, so any DOCTYPE is hostile (XXE, billion laughs): refuse it before
    # libxml2 even reads the internal subset.
    if _declares_dtd(xml):
        raise DocumentError("unsafe_content", "word/document.xml declares a DTD or entities "
                            "(<!DOCTYPE>/<!ENTITY>): refused (possible XXE or entity-expansion attack)")
    try:
        root = etree.fromstring(xml, parser=_safe_parser())
    except etree.XMLSyntaxError as e:
        raise DocumentError("corrupt", f"word/document.xml is not well-formed XML ({e})") from e
    # Belt and braces: a DTD the byte scan missed (an odd encoding) is still refused here.
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise DocumentError("unsafe_content", "word/document.xml declares a DTD: refused")
    return root


# --------------------------------------------------------------------------------------------------
# body walk


def _walk_blocks(container: etree._Element, out: list[Block], warnings: list[str]) -> None:
    """Append the blocks of a body / text box / content control to ``out`` in document order."""
    for child in container:
        tag = child.tag
        if tag == T_P:
            _emit_paragraph(child, out, warnings)
        elif tag == T_TBL:
            tables: list[Table] = []
            _read_table(child, tables, warnings)
            out.extend(tables)
        elif tag in (T_SDT, T_SDTCONTENT, T_CUSTOMXML, T_ALTERNATE) or tag in _TRANSPARENT:
            _walk_blocks(_alternate_choice(child) if tag == T_ALTERNATE else child, out, warnings)
        elif tag == T_ALTCHUNK:
            warnings.append("the DOCX embeds an imported document (w:altChunk) that was not read")


def _emit_paragraph(p: etree._Element, out: list[Block], warnings: list[str]) -> None:
    """Append a paragraph (if it has text), then the content of the text boxes anchored in it."""
    parts: list[str] = []
    boxes: list[etree._Element] = []
    _collect_text(p, parts, boxes)
    text = "".join(parts).strip()
    if text:
        out.append(Paragraph(text, level=_heading_level(p)))
    for box in boxes:
        _walk_blocks(box, out, warnings)


_TITLE_STYLE = re.compile(r"^(?:title|heading\s*1|1|标题\s*1?)$", re.I)
_HEADING_STYLE = re.compile(r"^(?:heading|标题)\s*(\d)$", re.I)
# a title is printed larger than the body (gov reports: 二号 22 pt or 小二 18 pt over 三号 16 pt body)
_TITLE_HALF_POINTS = 36


def _heading_level(p: etree._Element) -> int | None:
    """1 for a title (style Title/Heading 1, outline level 0, or every run at ≥ 18 pt), 2… for lower
    headings, None for body text."""
    ppr = p.find(_w("pPr"))
    if ppr is not None:
        style = ppr.find(_w("pStyle"))
        name = (style.get(A_VAL) or "") if style is not None else ""
        if _TITLE_STYLE.match(name):
            return 1
        m = _HEADING_STYLE.match(name)
        if m:
            return int(m.group(1))
        outline = ppr.find(_w("outlineLvl"))
        if outline is not None and (outline.get(A_VAL) or "").isdigit():
            return int(outline.get(A_VAL)) + 1
    sizes = [int(v) for sz in p.iter(_w("sz")) if (v := sz.get(A_VAL) or "").isdigit()]
    runs = sum(1 for _ in p.iter(T_R))
    if sizes and len(sizes) >= runs and min(sizes) >= _TITLE_HALF_POINTS:
        return 1
    return None


def _alternate_choice(alt: etree._Element) -> etree._Element:
    """The branch of mc:AlternateContent to read: the first Choice, else the Fallback.

    Word writes a text box twice (DrawingML in Choice, VML in Fallback); reading both would duplicate it.
    """
    for branch in alt:
        if branch.tag == T_CHOICE:
            return branch
    for branch in alt:
        if branch.tag == T_FALLBACK:
            return branch
    return alt


def _collect_text(el: etree._Element, parts: list[str], boxes: list[etree._Element]) -> None:
    """Gather the visible text under ``el`` into ``parts``; text boxes go to ``boxes`` instead."""
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):  # comments / PIs (already removed, but be safe)
            continue
        if tag == T_T:
            if child.text:
                parts.append(child.text)
        elif tag == T_TAB:
            parts.append("\t")
        elif tag in (T_BR, T_CR):
            parts.append("\n")
        elif tag == T_NBHYPHEN:
            parts.append("-")
        elif tag == T_SYM:
            parts.append(_sym_char(child))
        elif tag == T_TXBX:
            boxes.append(child)
        elif tag == T_ALTERNATE:
            _collect_text(_alternate_choice(child), parts, boxes)
        elif tag in _SKIP:
            continue
        elif tag == T_P:
            # a paragraph nested inside a run-level container (rare): keep it on its own line
            if parts and not parts[-1].endswith("\n"):
                parts.append("\n")
            _collect_text(child, parts, boxes)
        else:
            # runs, hyperlinks, content controls, drawings (which may hold text boxes), ...
            _collect_text(child, parts, boxes)


def _sym_char(sym: etree._Element) -> str:
    """A w:sym character. Symbol-font code points live in the private-use area F000–F0FF: map them back."""
    code = sym.get(_w("char"), "")
    try:
        cp = int(code, 16)
    except ValueError:
        return ""
    if 0xF000 <= cp <= 0xF0FF:
        cp -= 0xF000
    return chr(cp) if 0x20 <= cp < 0x110000 else ""


# --------------------------------------------------------------------------------------------------
# tables


@dataclass
class _RawCell:
    """A w:tc placed on the table grid, before vertical merges are resolved."""
    col: int
    span: int
    vmerge: str | None  # None, "restart" or "continue"
    text: str
    cell: Cell | None = None  # the emitted Cell (None for continuation cells)


@dataclass
class _RawRow:
    cells: list[_RawCell] = field(default_factory=list)


def _int_val(el: etree._Element | None, default: int) -> int:
    if el is None:
        return default
    try:
        return int(el.get(A_VAL, default))
    except (TypeError, ValueError):
        return default


def _iter_children(el: etree._Element, tag: str) -> Iterator[etree._Element]:
    """Children with ``tag``, looking through content controls / custom XML that may wrap rows or cells."""
    for child in el:
        if child.tag == tag:
            yield child
        elif child.tag in (T_SDT, T_SDTCONTENT, T_CUSTOMXML):
            yield from _iter_children(child, tag)


def _read_table(tbl: etree._Element, out: list[Table], warnings: list[str]) -> None:
    """Append the table to ``out``, followed by the tables nested in its cells (in document order)."""
    nested: list[Table] = []
    raw_rows: list[_RawRow] = []
    for tr in _iter_children(tbl, T_TR):
        trpr = tr.find(T_TRPR)
        if trpr is not None and trpr.find(T_DEL) is not None:
            continue  # a deleted row in tracked changes is not in the document
        # w:gridBefore/w:gridAfter: grid columns left empty before the first / after the last cell. The
        # HTML model has no "skip", so they become empty placeholder cells: without them the row's first
        # cell would slide left under the wrong header when the table is expanded into a grid.
        before = max(0, min(_int_val(trpr.find(T_GRIDBEFORE) if trpr is not None else None, 0), 1000))
        after = max(0, min(_int_val(trpr.find(T_GRIDAFTER) if trpr is not None else None, 0), 1000))
        row = _RawRow()
        if before:
            row.cells.append(_RawCell(col=0, span=before, vmerge=None, text=""))
        col = before
        for tc in _iter_children(tr, T_TC):
            tcpr = tc.find(T_TCPR)
            span = max(1, min(_int_val(tcpr.find(T_GRIDSPAN) if tcpr is not None else None, 1), 1000))
            vmerge = hmerge = None
            if tcpr is not None:
                vm = tcpr.find(T_VMERGE)
                if vm is not None:
                    # <w:vMerge/> without a value means "continue" (ECMA-376 17.4.85)
                    vmerge = "restart" if vm.get(A_VAL) == "restart" else "continue"
                hm = tcpr.find(T_HMERGE)
                if hm is not None:
                    hmerge = "restart" if hm.get(A_VAL) == "restart" else "continue"
            text = _cell_text(tc, nested, warnings)
            if hmerge == "continue" and row.cells:
                # legacy horizontal merge: this cell widens the previous one
                prev = row.cells[-1]
                prev.span += span
                if text:
                    prev.text = f"{prev.text}\n{text}" if prev.text else text
            else:
                row.cells.append(_RawCell(col=col, span=span, vmerge=vmerge, text=text))
            col += span
        if after:
            row.cells.append(_RawCell(col=col, span=after, vmerge=None, text=""))
        raw_rows.append(row)
    out.append(Table(rows=_resolve_vmerge(raw_rows)))
    out.extend(nested)


def _resolve_vmerge(raw_rows: list[_RawRow]) -> list[list[Cell]]:
    """Turn grid-placed cells into HTML-model rows: continuation cells fold into the cell above."""
    rows: list[list[Cell]] = []
    # open vertical merges by starting grid column: the Cell that the next "continue" extends
    open_merges: dict[int, Cell] = {}
    for raw in raw_rows:
        row: list[Cell] = []
        seen_cols: set[int] = set()
        for rc in raw.cells:
            seen_cols.add(rc.col)
            origin = open_merges.get(rc.col) if rc.vmerge == "continue" else None
            if origin is not None:
                origin.rowspan += 1
                if rc.text:
                    # Word hides a continuation cell's content; keep it rather than lose a figure
                    origin.text = f"{origin.text}\n{rc.text}" if origin.text else rc.text
                continue
            # a restart, a plain cell, or an orphan "continue" (nothing above to merge into): a new cell
            cell = Cell(text=rc.text, colspan=rc.span)
            row.append(cell)
            if rc.vmerge == "restart" or rc.vmerge == "continue":
                open_merges[rc.col] = cell
            else:
                open_merges.pop(rc.col, None)
        # a merge ends when its column is not continued in this row
        for col in [c for c in open_merges if c not in seen_cols]:
            del open_merges[col]
        rows.append(row)
    return rows


def _cell_text(tc: etree._Element, nested: list[Table], warnings: list[str]) -> str:
    """Text of a cell's paragraphs joined by newlines; nested tables go to ``nested`` instead."""
    lines: list[str] = []
    for child in tc:
        _cell_child(child, lines, nested, warnings)
    return "\n".join(lines).strip()


def _cell_child(child: etree._Element, lines: list[str], nested: list[Table], warnings: list[str]) -> None:
    tag = child.tag
    if tag == T_P:
        parts: list[str] = []
        boxes: list[etree._Element] = []
        _collect_text(child, parts, boxes)
        text = "".join(parts).strip()
        if text:
            lines.append(text)
        # a text box inside a cell belongs to the cell: its paragraphs become lines of the cell
        for box in boxes:
            for sub in box:
                _cell_child(sub, lines, nested, warnings)
    elif tag == T_TBL:
        _read_table(child, nested, warnings)
    elif tag in (T_SDT, T_SDTCONTENT, T_CUSTOMXML):
        for sub in child:
            _cell_child(sub, lines, nested, warnings)
    elif tag == T_ALTERNATE:
        for sub in _alternate_choice(child):
            _cell_child(sub, lines, nested, warnings)
