"""Characters and ruling lines of a page read from PDFium, as pdfplumber-style dicts."""
from __future__ import annotations

import ctypes

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

RULE_MAX_THICKNESS = 2.0  # a filled rectangle thinner than this is a ruling line, not a background


def page_chars(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> tuple[list[dict], int]:
    """Characters as pdfplumber-style dicts (x0, x1, top, bottom in points from the top-left).

    Also returns how many characters have no Unicode mapping (PDFium's equivalent of (cid:NN)).

    >>> import io, pypdfium2
    >>> from reportlab.pdfgen import canvas
    >>> buf = io.BytesIO()
    >>> c = canvas.Canvas(buf, pagesize=(200, 200)); c.drawString(20, 150, "Hi"); c.save()
    >>> page = pypdfium2.PdfDocument(buf.getvalue())[0]
    >>> chars, unmapped = page_chars(page, page.get_textpage())
    >>> "".join(ch["text"] for ch in chars), round(chars[0]["x0"]), unmapped
    ('Hi', 20, 0)
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


def page_edges(page: pdfium.PdfPage) -> list[dict]:
    """Horizontal and vertical ruling lines of the page as pdfplumber edge dicts.

    Stroked path segments are lines; filled paths count only when thin (a rule drawn as a filled
    rectangle). Thick filled shapes are cell or line backgrounds, not borders.

    >>> import io, pypdfium2
    >>> from reportlab.pdfgen import canvas
    >>> buf = io.BytesIO()
    >>> c = canvas.Canvas(buf, pagesize=(200, 200)); c.line(10, 100, 110, 100)
    >>> c.rect(10, 20, 50, 30, stroke=0, fill=1); c.save()  # a thick filled box is a background
    >>> page = pypdfium2.PdfDocument(buf.getvalue())[0]
    >>> [(e["orientation"], round(e["x0"]), round(e["x1"]), round(e["top"])) for e in page_edges(page)]
    [('h', 10, 110, 100)]
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
