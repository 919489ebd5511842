"""Render a PDF page with boxes drawn on it, to check visually where values were read from."""
from __future__ import annotations

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

from .errors import DocumentError
from .sources.document import BBox, Table

RESOLUTION = 110  # dots per inch; PDF points are 1/72 inch
_COLOURS = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#008080")


def page_to_png(path: str, page: int, out_png: str,
                boxes: list[tuple[BBox, str]] | None = None) -> str:
    """Render 1-based ``page`` of the PDF at ``path`` to ``out_png`` and draw ``boxes`` on it.

    ``boxes`` are ((x0, top, x1, bottom) in PDF points, label) pairs, e.g. a value's cell bbox and
    "requests/granted/total". When ``boxes`` is None, every table cell the reader detects on that
    page is drawn, labelled with its text. Returns ``out_png``.
    """
    image, origin = _render(path, page)
    if boxes is None:
        boxes = _detected_cells(path, page)
    scale = RESOLUTION / 72
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=11)
    for i, (bbox, label) in enumerate(boxes):
        colour = _COLOURS[i % len(_COLOURS)]
        x0, top, x1, bottom = ((v - o) * scale for v, o in zip(bbox, (*origin, *origin)))
        draw.rectangle((x0, top, x1, bottom), outline=colour, width=2)
        if label:
            # labels are drawn with PIL's built-in font, which has no CJK glyphs: keep them ASCII
            draw.text((x0 + 2, top + 1), label, fill=colour, font=font)
    image.save(out_png)
    return out_png


def _render(path: str, page: int) -> tuple[Image.Image, tuple[float, float]]:
    """The page as an RGB image, and the (left, top) origin of PDF coordinates on it."""
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as e:
        raise DocumentError("corrupt", f"cannot open the PDF to render it ({e})", path) from e
    try:
        if not 1 <= page <= len(pdf):
            raise ValueError(f"page {page} is out of range 1..{len(pdf)}")
        p = pdf[page - 1]
        image = p.render(scale=RESOLUTION / 72).to_pil().convert("RGB")
        # bboxes are measured from the media box's top-left; the bitmap starts at the crop box
        m_left, _, _, m_top = p.get_mediabox()
        c_left, _, _, c_top = p.get_cropbox()
        p.close()
        return image, (c_left - m_left, m_top - c_top)
    finally:
        pdf.close()


def _detected_cells(path: str, page: int) -> list[tuple[BBox, str]]:
    from .sources.pdf import pdf_to_document
    doc = pdf_to_document(path)
    out: list[tuple[BBox, str]] = []
    for block in doc.blocks:
        if not isinstance(block, Table):
            continue
        for r, row in enumerate(block.rows):
            for cell in row:
                if cell.page == page and cell.bbox is not None:
                    ascii_text = "".join(ch for ch in cell.text if ch.isascii() and not ch.isspace())
                    out.append((cell.bbox, ascii_text[:12] or f"r{r}"))
    return out
